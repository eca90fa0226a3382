"""scikit-learn's callback API (``sklearn.callback``, scikit-learn >= 1.9):
a fit is one task with one sub-task per epoch (L-BFGS: per iteration)."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from conftest import FAST, FEW_EPOCHS
from sknn import MLPClassifier, MLPRegressor

callback = pytest.importorskip("sklearn.callback")


def _path(context):
    path = []
    while context is not None:
        path.append(context.task_id)
        context = context.parent
    return tuple(reversed(path))


class Recording:
    """Records every hook: (name, task path, task name, what it received)."""

    def __init__(self, stop_after=None):
        self.record = []
        self.stop_after = stop_after  # epochs after which to ask to stop

    def setup(self, estimator, context):
        self.record.append(("setup", _path(context), context.task_name, {}))

    def teardown(self, estimator, context):
        self.record.append(("teardown", _path(context), context.task_name, {}))

    def on_fit_task_begin(
        self, estimator, context, *, X=None, y=None, metadata=None,
        fitted_estimator=None,
    ):
        received = {"X": X, "y": y, "metadata": metadata, "fitted": fitted_estimator}
        self.record.append(("begin", _path(context), context.task_name, received))

    def on_fit_task_end(
        self, estimator, context, *, X=None, y=None, metadata=None,
        fitted_estimator=None,
    ):
        received = {"X": X, "y": y, "metadata": metadata, "fitted": fitted_estimator}
        self.record.append(("end", _path(context), context.task_name, received))
        epochs_ended = sum(r[0] == "end" and r[2] == "epoch" for r in self.record)
        return self.stop_after is not None and epochs_ended >= self.stop_after

    def hooks(self, name, task_name=None):
        return [
            r for r in self.record
            if r[0] == name and (task_name is None or r[2] == task_name)
        ]


def _check_pairing(record):
    """setup first, teardown last, and every begin closed by an end on the same
    task before the next task at any level begins."""
    names = [r[0] for r in record]
    assert names[0] == "setup" and names[-1] == "teardown"
    open_tasks = []
    for name, path, _, _ in record[1:-1]:
        if name == "begin":
            open_tasks.append(path)
        else:
            assert open_tasks and open_tasks.pop() == path
    assert open_tasks == []


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_each_epoch_is_a_sub_task_with_begin_and_end(solver, binary_data):
    X, y = binary_data
    recording = Recording()
    clf = MLPClassifier(**FAST, solver=solver).set_callbacks(recording)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # L-BFGS: max_iter reached
        clf.fit(X, y)
    _check_pairing(recording.record)
    ran = [r for r in recording.hooks("end", "epoch") if r[3]["fitted"] is not None]
    assert len(ran) == clf.n_iter_ == FEW_EPOCHS
    # L-BFGS's last callback asks for an iteration that never runs: it ends empty
    extra = 1 if solver == "lbfgs" else 0
    assert len(recording.hooks("begin", "epoch")) == FEW_EPOCHS + extra

    # each epoch's fitted_estimator predicts with that epoch's weights
    last = ran[-1][3]["fitted"]
    assert last is not clf and last.n_iter_ == FEW_EPOCHS
    np.testing.assert_array_equal(last.predict_proba(X), clf.predict_proba(X))
    first = ran[0][3]["fitted"]
    assert first.n_iter_ == 1
    assert not np.array_equal(first.predict_proba(X), clf.predict_proba(X))
    assert not hasattr(clf, "_callback_fit_ctx")


def test_hooks_receive_the_training_rows_and_their_weights(binary_data):
    X, y = binary_data
    weights = np.linspace(0.5, 2.0, len(y))
    recording = Recording()
    clf = MLPClassifier(**FAST, validation_fraction=0.25).set_callbacks(recording)
    clf.fit(X, y, sample_weight=weights)
    received = recording.hooks("end", "epoch")[0][3]
    n_train = len(y) - 30
    assert received["X"].shape == (n_train, X.shape[1])
    assert len(received["y"]) == n_train
    assert received["metadata"]["sample_weight"].shape == (n_train,)
    # the rows are training rows, with their own weights
    rows = [np.flatnonzero((X == row).all(axis=1))[0] for row in received["X"]]
    np.testing.assert_array_equal(received["y"], y[rows])
    np.testing.assert_array_equal(received["metadata"]["sample_weight"], weights[rows])


def test_a_stop_request_ends_training_after_that_epoch(binary_data, recwarn):
    X, y = binary_data
    for solver in ["adam", "lbfgs"]:
        clf = MLPClassifier(**{**FAST, "max_iter": 50}, solver=solver,
                            validation_fraction=0.25)
        clf.set_callbacks(Recording(stop_after=3)).fit(X, y)
        assert clf.n_iter_ == 3
        assert all(len(values) == 3 for values in clf.history_.values())
        assert clf.predict(X).shape == y.shape
    assert not [w for w in recwarn if "max_iter" in str(w.message)]


def test_a_stop_request_with_early_stopping_keeps_the_best_epoch(binary_data):
    X, y = binary_data
    clf = MLPClassifier(**{**FAST, "max_iter": 50, "n_iter_no_change": 50},
                        early_stopping=True)
    clf.set_callbacks(Recording(stop_after=8)).fit(X, y)
    assert clf.n_iter_ == 8
    assert clf.best_loss_ == min(clf.history_["val_loss"])


def test_a_failed_fit_tears_down_and_changes_nothing(binary_data):
    X, y = binary_data
    clf = MLPClassifier(**FAST).fit(X, y)
    coefs, history = clf.coefs_, clf.history_

    def broken(estimator, X, y):
        raise RuntimeError("scorer failed")

    recording = Recording()
    clf.set_params(scoring=broken, validation_fraction=0.2).set_callbacks(recording)
    with pytest.raises(RuntimeError, match="scorer failed"):
        clf.fit(X, y)
    assert clf.coefs_ is coefs and clf.history_ is history
    assert recording.hooks("teardown") and not hasattr(clf, "_callback_fit_ctx")


class InterruptAtTheEnd(Recording):
    """Ctrl-C while the fit task's end hook runs (a ``ScoringMonitor``
    scoring a large set when the user presses Ctrl-C)."""

    def on_fit_task_end(self, estimator, context, **kwargs):
        super().on_fit_task_end(estimator, context, **kwargs)
        if context.parent is None:  # the fit task, not an epoch
            raise KeyboardInterrupt


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_ctrl_c_in_the_end_of_fit_hook_keeps_the_epochs(solver, binary_data):
    X, y = binary_data
    reference = MLPClassifier(**FAST, solver=solver).fit(X, y)
    recording = InterruptAtTheEnd()
    clf = MLPClassifier(**FAST, solver=solver).set_callbacks(recording)
    with pytest.warns(UserWarning, match=r"interrupted.*keeps its \d+ epoch"):
        assert clf.fit(X, y) is clf
    assert clf.n_iter_ == reference.n_iter_ > 0
    assert clf.history_ == reference.history_
    np.testing.assert_array_equal(clf.predict_proba(X), reference.predict_proba(X))
    assert recording.hooks("teardown")


def test_partial_fit_calls_no_hooks(binary_data):
    X, y = binary_data
    recording = Recording()
    MLPRegressor(**FAST).set_callbacks(recording).partial_fit(X, y.astype(float))
    assert recording.record == []


def test_scoring_monitor_logs_each_epoch(binary_data):
    X, y = binary_data
    monitor = callback.ScoringMonitor(scoring="accuracy")
    clf = MLPClassifier(**FAST).set_callbacks(monitor).fit(X, y)
    rows = [row for row in monitor.get_logs().data if row["task_name"] == "epoch"]
    assert [row["task_id"] for row in rows] == list(range(FEW_EPOCHS))
    # no hold-out, last epoch's weights kept: the last row is the model's score
    assert rows[-1]["accuracy"] == clf.score(X, y)
    assert rows[0]["accuracy"] != rows[-1]["accuracy"]


def test_scoring_monitor_on_a_data_frame_warns_nothing(binary_data):
    pd = pytest.importorskip("pandas")
    X, y = binary_data
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    monitor = callback.ScoringMonitor(scoring=["accuracy", "roc_auc"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf = MLPClassifier(**FAST, validation_fraction=0.25, scoring="roc_auc")
        clf.set_callbacks(monitor).fit(frame, y)
    rows = [r for r in monitor.get_logs().data if r["task_name"] == "epoch"]
    assert len(rows) == FEW_EPOCHS


@pytest.mark.filterwarnings("ignore::scipy.sparse.SparseEfficiencyWarning")
@pytest.mark.parametrize("fmt", ["coo", "dia", "bsr", "lil", "dok", "csc"])
@pytest.mark.parametrize("container", [sp.csr_matrix, sp.csr_array])
def test_scoring_monitor_on_every_sparse_format_logs_what_csr_logs(
    binary_data, fmt, container
):
    """The hooks receive the training rows of X as given; a format that
    cannot index rows (COO, DIA, BSR) gives them in CSR."""
    X, y = binary_data
    csr = container(np.where(np.abs(X) > 0.5, X, 0.0))

    def logs(X):
        monitor = callback.ScoringMonitor(scoring="accuracy")
        clf = MLPClassifier(**FAST, validation_fraction=0.25).set_callbacks(monitor)
        clf.fit(X, y)
        return [
            (row["task_id"], row["accuracy"])
            for row in monitor.get_logs().data if row["task_name"] == "epoch"
        ]  # fmt: skip

    expected = logs(csr)
    assert len(expected) == FEW_EPOCHS
    assert logs(csr.asformat(fmt)) == expected


@pytest.fixture
def no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def test_progress_bar_under_grid_search(binary_data, no_warnings, capsys):
    pytest.importorskip("rich")
    X, y = binary_data
    search = GridSearchCV(
        MLPClassifier(**FAST), {"alpha": [1e-4, 1e-2]}, cv=2, n_jobs=1
    )
    search.set_callbacks(callback.ProgressBar(max_propagation_depth=None))
    search.fit(X, y)
    out = capsys.readouterr().out
    assert "GridSearchCV - fit" in out
    assert out.count("MLPClassifier - fit") == 2 * 2 + 1  # the refit too


def test_progress_bar_inside_a_pipeline(binary_data, no_warnings, capsys):
    pytest.importorskip("rich")
    X, y = binary_data
    pipe = make_pipeline(StandardScaler(), MLPClassifier(**FAST))
    pipe.set_callbacks(callback.ProgressBar()).fit(X, y)
    out = capsys.readouterr().out
    assert "Pipeline - fit" in out and "MLPClassifier - fit" in out


def test_progress_bar_on_the_estimator_with_the_progress_line(
    binary_data, no_warnings, capsys
):
    pytest.importorskip("rich")
    X, y = binary_data
    MLPClassifier(**FAST, verbose=2).set_callbacks(callback.ProgressBar()).fit(X, y)
    out = capsys.readouterr().out
    assert "MLPClassifier - fit" in out
    epochs = [line.split()[1] for line in out.splitlines() if line.startswith("Epoch")]
    assert epochs == [f"{i}/{FEW_EPOCHS}" for i in range(1, FEW_EPOCHS + 1)]
