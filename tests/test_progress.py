"""The Keras-style progress line."""

import io
import re

import pytest

from conftest import SMALL
from sknn import MLPClassifier
from sknn._training.progress import Progress

FINAL_LINE = re.compile(
    r"^Epoch (\d+)/(\d+)  +(\d+)/(\d+) \[=+\] - \d+(s|ms|us) \d+(s|ms|us)/step"
    r" - loss: \d\.\d{4} - accuracy: \d\.\d{4}"
    r" - val_loss: \d\.\d{4} - val_accuracy: \d\.\d{4}$"
)


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_verbose_1_prints_the_seeds_line_each_epoch(multiclass_data, capsys):
    X, y = multiclass_data
    MLPClassifier(
        (8,),
        validation_fraction=0.1,
        max_iter=3,
        verbose=1,
        n_iter_no_change=None,
        random_state=0,
    ).fit(X, y)
    out = capsys.readouterr().out
    assert "\r" not in out  # captured stdout is no terminal: no redraws
    lines = out.splitlines()
    assert len(lines) == 3
    for epoch, line in enumerate(lines, start=1):
        match = FINAL_LINE.match(line)
        assert match, line
        assert match.group(1, 2, 3, 4) == (str(epoch), "3", "135", "135")


def test_verbose_2_prints_one_line_without_the_bar(multiclass_data, capsys):
    X, y = multiclass_data
    MLPClassifier(
        (8,), max_iter=2, verbose=2, n_iter_no_change=None, random_state=0
    ).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert "[" not in lines[0]
    assert re.match(
        r"^Epoch 1/2  150/150 - \S+ \S+/step - loss: \d\.\d{4}"
        r" - accuracy: \d\.\d{4}$",
        lines[0],
    )


def test_verbose_0_prints_nothing(multiclass_data, capsys):
    X, y = multiclass_data
    MLPClassifier((8,), max_iter=2, random_state=0).fit(X, y)
    assert capsys.readouterr().out == ""


def test_on_a_terminal_the_bar_advances_within_the_epoch(monkeypatch):
    monkeypatch.setattr("sknn._training.progress.REDRAW_SECONDS", 0.0)
    stream = Terminal()
    progress = Progress(1, n_epochs=20, n_samples=1000, stream=stream)
    progress.start_epoch(3)
    for done in (250, 500, 1000):
        progress.update(done, lambda: {"loss": 0.5})
    progress.end_epoch({"loss": 0.25, "accuracy": 0.9})
    frames = stream.getvalue().split("\r")[1:]
    assert len(frames) == 4
    assert frames[0].startswith("Epoch 3/20   250/1000 [=======>......")
    assert "ETA:" in frames[0] and "loss: 0.5000" in frames[0]
    assert frames[1].startswith("Epoch 3/20   500/1000 [===============>")
    assert frames[-1].startswith("Epoch 3/20  1000/1000 [" + "=" * 30 + "]")
    assert frames[-1].endswith(" - loss: 0.2500 - accuracy: 0.9000\n")


@pytest.mark.parametrize("verbose", [1, 2])
def test_a_log_file_gets_no_redraws(verbose):
    stream = io.StringIO()
    progress = Progress(verbose, n_epochs=2, n_samples=10, stream=stream)
    for epoch in (1, 2):
        progress.start_epoch(epoch)
        for done in range(1, 11):
            progress.update(done, lambda: {"loss": 1.0})
        progress.end_epoch({"loss": 1.0})
    assert "\r" not in stream.getvalue()
    assert len(stream.getvalue().splitlines()) == 2


def test_partial_fit_progress_numbers_epochs_like_its_errors(binary_data, capsys):
    X, y = binary_data
    clf = MLPClassifier(**SMALL, verbose=2)
    for _ in range(3):
        clf.partial_fit(X, y, classes=[0, 1])
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[1].split("/")[0] for line in lines] == ["1", "2", "3"]
    assert lines[1].startswith("Epoch 2/")


def test_warm_start_progress_numbers_epochs_like_its_errors(binary_data, capsys):
    """A warm-start fit counts on from n_iter_, as its errors do (Keras'
    initial_epoch prints "Epoch 4/6" likewise)."""
    X, y = binary_data
    clf = MLPClassifier(
        **dict(SMALL, max_iter=3), n_iter_no_change=None, warm_start=True, verbose=2
    )
    clf.fit(X, y)
    capsys.readouterr()
    clf.fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[1].split("/")[0] for line in lines] == ["4", "5", "6"]
