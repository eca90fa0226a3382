"""plot_history: the seed's accuracy and loss curves."""

import sys

import pytest

from sknn import MLPClassifier, plot_history

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")


def test_plot_history_renders_to_png(multiclass_data, tmp_path):
    X, y = multiclass_data
    clf = MLPClassifier(
        (8,), validation_fraction=0.2, max_iter=5, n_iter_no_change=None, random_state=0
    ).fit(X, y)
    figure = plot_history(clf)
    path = tmp_path / "history.png"
    figure.savefig(path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    accuracy, loss = figure.axes
    assert [line.get_label() for line in accuracy.lines] == ["train", "validation"]
    assert list(accuracy.lines[1].get_ydata()) == clf.history_["val_accuracy"]
    assert list(loss.lines[0].get_ydata()) == clf.history_["loss"]
    assert list(loss.lines[0].get_xdata()) == [1, 2, 3, 4, 5]


def test_without_validation_only_training_curves(multiclass_data):
    X, y = multiclass_data
    clf = MLPClassifier((8,), max_iter=3, random_state=0).fit(X, y)
    figure = plot_history(clf.history_)
    assert all(len(ax.lines) == 1 for ax in figure.axes)


def test_without_matplotlib_the_error_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"pip install \"sknn\[plot\]\""):
        plot_history({"loss": [1.0], "accuracy": [0.5]})
