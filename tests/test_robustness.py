"""Bad data, failed fits, interrupts, extreme numbers and threads.

- data errors carry scikit-learn's messages;
- a ``fit``/``partial_fit``/warm-start fit that raises leaves the estimator
  exactly as it was (``_transaction``);
- ``KeyboardInterrupt`` after at least one completed epoch is swallowed with a
  warning and the model keeps the last completed (or best) epoch's weights;
  before that it propagates and nothing changes;
- extreme but finite inputs never give NaN probabilities or overflow warnings;
- prediction is thread-safe and clones can be fitted in parallel threads.
"""

import threading
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.preprocessing import StandardScaler

from conftest import (
    GRADIENT_SOLVERS,
    SMALL,
    SOLVERS,
    assert_same_model,
    assert_unchanged,
    assert_valid_proba,
    snapshot,
)
from sknn import DivergenceError, MLPClassifier
from sknn._math.losses import LogisticOutput, SoftmaxOutput
from sknn._math.network import Backprop
from sknn._training.observers import ProgressLine

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


# ---------------------------------------------------------------- helpers


class Interrupter:
    """Raise ``KeyboardInterrupt`` in the ``at_batch``-th gradient evaluation
    after ``after_epochs`` epochs of the current call have completed."""

    def __init__(self, monkeypatch, after_epochs, at_batch=1):
        self.armed = after_epochs == 0
        self.countdown = at_batch
        self.fired = False
        end_epoch = ProgressLine.on_epoch_end  # after the epoch is counted
        loss_and_gradient = Backprop.loss_and_gradient

        def patched_end_epoch(log, state, plan):
            end_epoch(log, state, plan)
            if state.completed == after_epochs:
                self.armed = True

        def patched_loss_and_gradient(backprop, *args, **kwargs):
            if self.armed and not self.fired:
                self.countdown -= 1
                if self.countdown == 0:
                    self.fired = True
                    raise KeyboardInterrupt
            return loss_and_gradient(backprop, *args, **kwargs)

        monkeypatch.setattr(ProgressLine, "on_epoch_end", patched_end_epoch)
        monkeypatch.setattr(Backprop, "loss_and_gradient", patched_loss_and_gradient)


# ------------------------------------------------------------- data errors

_rng = np.random.default_rng(0)
X0 = _rng.normal(size=(20, 3))
y0 = np.arange(20) % 2


def _with(value, row=0, col=0):
    X = X0.copy()
    X[row, col] = value
    return X


DATA_ERRORS = [
    ("nan", _with(np.nan), y0, None, ValueError, "Input X contains NaN"),
    ("inf", _with(np.inf), y0, None, ValueError, "Input X contains infinity"),
    ("-inf", _with(-np.inf), y0, None, ValueError, "Input X contains infinity"),
    ("complex", X0 + 1j, y0, None, ValueError, "Complex data not supported"),
    (
        "object",
        np.array([["a", "b", "c"]] * 20, dtype=object),
        y0,
        None,
        ValueError,
        "could not convert string to float",
    ),
    (
        "empty",
        np.empty((0, 3)),
        np.empty(0),
        None,
        ValueError,
        r"Found array with 0 sample\(s\)",
    ),
    (
        "no features",
        np.empty((20, 0)),
        y0,
        None,
        ValueError,
        r"0 feature\(s\)",
    ),
    ("1-D X", X0[:, 0], y0, None, ValueError, "Expected 2D array, got 1D array"),
    ("3-D X", X0[:, :, None], y0, None, ValueError, "dim 3"),
    ("single sample", X0[:1], y0[:1], None, ValueError, "class"),
    ("one class", X0, np.zeros(20), None, ValueError, "class"),
    ("one str class", X0, np.full(20, "cat"), None, ValueError, "class"),
    (
        "continuous y",
        X0,
        np.linspace(0, 1, 20),
        None,
        ValueError,
        "Unknown label type",
    ),
    ("NaN in y", X0, np.r_[np.nan, y0[1:]], None, ValueError, "Input y contains NaN"),
    (
        "mixed y",
        X0,
        np.array([1, *["a"] * 19], dtype=object),
        None,
        ValueError,
        "Unknown label type",
    ),
    ("no y", X0, None, None, ValueError, "requires y to be passed"),
    (
        "length mismatch",
        X0,
        y0[:-1],
        None,
        ValueError,
        r"inconsistent numbers of samples: \[20, 19\]",
    ),
    (
        "negative weight",
        X0,
        y0,
        np.r_[-1.0, np.ones(19)],
        ValueError,
        "Negative values in data passed to `sample_weight`",
    ),
    (
        "all-zero weights",
        X0,
        y0,
        np.zeros(20),
        ValueError,
        "at least one non-zero",
    ),
    (
        "weights of wrong length",
        X0,
        y0,
        np.ones(3),
        ValueError,
        r"sample_weight.shape == \(3,\), expected \(20,\)",
    ),
    (
        "NaN weight",
        X0,
        y0,
        np.r_[np.nan, np.ones(19)],
        ValueError,
        "sample_weight contains NaN",
    ),
    ("2-D weights", X0, y0, np.ones((20, 1)), ValueError, "1D array"),
]


@pytest.mark.parametrize(
    ("X", "y", "sample_weight", "error", "match"),
    [case[1:] for case in DATA_ERRORS],
    ids=[case[0] for case in DATA_ERRORS],
)
def test_data_errors_at_fit(X, y, sample_weight, error, match):
    clf = MLPClassifier(**SMALL)
    with pytest.raises(error, match=match):
        clf.fit(X, y, sample_weight=sample_weight)
    assert not hasattr(clf, "coefs_")
    assert not hasattr(clf, "n_features_in_")


@pytest.mark.parametrize(
    ("X", "y", "sample_weight", "error", "match"),
    [case[1:] for case in DATA_ERRORS if case[0] not in ("one class", "single sample")],
    ids=[
        case[0] for case in DATA_ERRORS if case[0] not in ("one class", "single sample")
    ],
)
def test_data_errors_leave_a_fitted_model_unchanged(X, y, sample_weight, error, match):
    """fit, warm-start fit and partial_fit on a fitted model, all refused."""
    clf = MLPClassifier(**SMALL, solver="sgd", learning_rate=0.01).fit(X0, y0)
    before = snapshot(clf, X0)
    with pytest.raises(error, match=match):
        clf.fit(X, y, sample_weight=sample_weight)
    assert_unchanged(clf, X0, before)
    clf.set_params(warm_start=True)
    before = snapshot(clf, X0)
    with pytest.raises(error, match=match):
        clf.fit(X, y, sample_weight=sample_weight)
    assert_unchanged(clf, X0, before)
    with pytest.raises(error, match=match):
        clf.partial_fit(X, y, sample_weight=sample_weight)
    assert_unchanged(clf, X0, before)


def test_one_class_messages_on_a_fitted_model():
    clf = MLPClassifier(**SMALL).fit(X0, y0)
    before = snapshot(clf, X0)
    with pytest.raises(ValueError, match="class"):
        clf.fit(X0, np.ones(20))
    assert_unchanged(clf, X0, before)
    clf.set_params(warm_start=True)
    before = snapshot(clf, X0)
    with pytest.raises(ValueError, match="class"):
        clf.fit(X0, np.ones(20))
    assert_unchanged(clf, X0, before)
    clf.partial_fit(X0, np.ones(20))  # a chunk of one class is fine


def test_one_class_message_is_clear():
    with pytest.raises(ValueError) as error:
        MLPClassifier(**SMALL).fit(X0, np.full(20, 3))
    message = str(error.value)
    assert "1 class" in message
    assert "[3]" in message
    assert "at least 2 classes" in message


@pytest.mark.parametrize("method", ["predict", "predict_proba", "predict_log_proba"])
def test_predict_errors(method):
    clf = MLPClassifier(**SMALL).fit(X0, y0)
    predict = getattr(clf, method)
    with pytest.raises(ValueError, match="X has 2 features, but MLPClassifier is"):
        predict(X0[:, :2])
    with pytest.raises(ValueError, match="expecting 3 features"):
        predict(np.c_[X0, X0])
    with pytest.raises(ValueError, match="Input X contains NaN"):
        predict(_with(np.nan))
    with pytest.raises(ValueError, match="Input X contains infinity"):
        predict(_with(np.inf))
    with pytest.raises(ValueError, match="Complex data not supported"):
        predict(X0 + 1j)
    with pytest.raises(ValueError, match="Expected 2D array"):
        predict(X0[0])
    with pytest.raises(ValueError, match=r"0 sample\(s\)"):
        predict(X0[:0])
    with pytest.raises(NotFittedError, match="not fitted yet"):
        getattr(MLPClassifier(), method)(X0)


def test_predict_with_other_column_names():
    df = pd.DataFrame(X0, columns=["a", "b", "c"])
    clf = MLPClassifier(**SMALL).fit(df, y0)
    np.testing.assert_array_equal(clf.feature_names_in_, ["a", "b", "c"])
    with pytest.raises(ValueError, match="feature names should match") as error:
        clf.predict(df.rename(columns={"c": "d"}))
    assert "unseen at fit time:\n- d" in str(error.value)
    with pytest.raises(ValueError, match="must be in the same order"):
        clf.predict(df[["c", "b", "a"]])
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        clf.predict(X0)
    plain = MLPClassifier(**SMALL).fit(X0, y0)
    with pytest.warns(UserWarning, match="fitted without feature names"):
        plain.predict(df)


def test_partial_fit_errors_leave_the_model_unchanged():
    clf = MLPClassifier(**SMALL).partial_fit(X0, y0, classes=[0, 1])
    before = snapshot(clf, X0)
    with pytest.raises(ValueError, match="X has 2 features"):
        clf.partial_fit(X0[:, :2], y0)
    with pytest.raises(ValueError, match=r"labels \[2\] that are not in classes"):
        clf.partial_fit(X0, y0 + 1)
    with pytest.raises(ValueError, match="Negative values"):
        clf.partial_fit(X0, y0, sample_weight=-np.ones(20))
    assert_unchanged(clf, X0, before)


# ----------------------------------------------------------- divergence


def test_divergence_error_names_learning_rate_and_epoch(unscaled_data):
    X, y = unscaled_data
    clf = MLPClassifier(**SMALL, solver="sgd", learning_rate=1e6)
    with pytest.raises(DivergenceError) as error:
        clf.fit(X, y)
    message = str(error.value)
    assert "learning_rate=1e+06" in message
    assert "epoch" in message
    assert "lower it" in message
    assert isinstance(error.value, ValueError)
    assert not hasattr(clf, "coefs_")
    with pytest.raises(NotFittedError):
        clf.predict(X)


@pytest.mark.parametrize("solver", GRADIENT_SOLVERS)
@pytest.mark.parametrize("how", ["fit", "warm_start"])
def test_divergence_leaves_the_fitted_model_unchanged(solver, how, binary_data):
    X, y = binary_data
    clf = MLPClassifier(**SMALL, solver=solver, learning_rate=0.01).fit(X, y)
    clf.set_params(learning_rate=1e6, warm_start=how == "warm_start")
    before = snapshot(clf, X)
    with pytest.raises(DivergenceError, match=r"learning_rate=1e\+06.*lower it"):
        clf.fit(X * 1e4 + 100, y)
    assert_unchanged(clf, X, before)


@pytest.mark.parametrize("solver", GRADIENT_SOLVERS)
def test_divergence_in_partial_fit(solver, binary_data):
    """A run exploding a little at each call is caught, and the failing call
    changes nothing."""
    X, y = binary_data
    clf = MLPClassifier(**SMALL, solver=solver, learning_rate=0.01).fit(X, y)
    clf.set_params(learning_rate=1e6)
    X_bad = X * 1e4 + 100
    for _ in range(10):
        before = snapshot(clf, X)
        try:
            clf.partial_fit(X_bad, y)
        except DivergenceError as error:
            assert "learning_rate=1e+06" in str(error)
            assert f"epoch {clf.n_iter_ + 1}" in str(error)
            break
    else:
        pytest.fail("no DivergenceError in 10 partial_fit calls")
    assert_unchanged(clf, X, before)
    clf.set_params(learning_rate=1e-3).fit(X, y)  # the advice, taken
    assert_valid_proba(clf, X)


def test_partial_fit_uses_the_current_learning_rate(binary_data):
    X, y = binary_data
    clf = MLPClassifier(**SMALL, solver="sgd", learning_rate=0.01)
    clf.partial_fit(X, y, classes=[0, 1])
    clf.set_params(learning_rate=1e-3).partial_fit(X, y)
    assert clf._optimizer.learning_rate == 1e-3


# ------------------------------------------------------------ interrupts


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("early_stopping", [False, True])
def test_interrupt_keeps_the_last_completed_epoch(
    solver, early_stopping, monkeypatch, multiclass_data
):
    X, y = multiclass_data
    params = {
        **SMALL,
        "solver": solver,
        "batch_size": 32,
        "learning_rate": 0.01,
        "early_stopping": early_stopping,
        "n_iter_no_change": None,
    }
    reference = MLPClassifier(**{**params, "max_iter": 3}).fit(X, y)

    # mid-epoch for the gradient solvers; L-BFGS may end an iteration in one call
    Interrupter(monkeypatch, after_epochs=3, at_batch=1 if solver == "lbfgs" else 2)
    clf = MLPClassifier(**{**params, "max_iter": 50})
    with pytest.warns(UserWarning, match="interrupted during epoch 4") as record:
        assert clf.fit(X, y) is clf
    kept = "its best" if early_stopping else "the last completed"
    assert any(kept in str(w.message) for w in record)
    assert clf.n_iter_ == 3
    assert len(clf.history_["loss"]) == 3
    assert_same_model(clf, reference)
    assert clf.best_loss_ == reference.best_loss_
    np.testing.assert_array_equal(clf.predict_proba(X), reference.predict_proba(X))
    assert_valid_proba(clf, X)


def test_interrupt_with_early_stopping_keeps_the_best_epoch(monkeypatch):
    """The weights kept are those of the best validation epoch, not the last."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(80, 4))
    y = (X[:, 0] + rng.normal(scale=2.0, size=80) > 0).astype(int)  # noisy
    params = {
        "hidden_layer_sizes": (32,),
        "learning_rate": 0.05,
        "early_stopping": True,
        "validation_fraction": 0.3,
        "n_iter_no_change": None,
        "random_state": 0,
    }
    Interrupter(monkeypatch, after_epochs=30)
    with pytest.warns(UserWarning, match="interrupted"):
        clf = MLPClassifier(**params, max_iter=200).fit(X, y)
    assert clf.n_iter_ == 30
    best = int(np.argmin(clf.history_["val_loss"]))
    assert best < 29, "this data should overfit before epoch 30"
    monkeypatch.undo()
    last = MLPClassifier(**{**params, "early_stopping": False}, max_iter=30)
    last.fit(X, y)
    at_best = MLPClassifier(**{**params, "early_stopping": False}, max_iter=best + 1)
    at_best.fit(X, y)
    for w, w_best in zip(clf.coefs_, at_best.coefs_):
        np.testing.assert_array_equal(w, w_best)
    assert not np.array_equal(clf.coefs_[0], last.coefs_[0])


def test_interrupt_of_a_warm_start_fit_counts_all_epochs(monkeypatch, binary_data):
    X, y = binary_data
    params = {**SMALL, "warm_start": True, "n_iter_no_change": None, "max_iter": 4}
    reference = MLPClassifier(**params).fit(X, y)
    reference.set_params(max_iter=2).fit(X, y)

    clf = MLPClassifier(**params).fit(X, y)
    Interrupter(monkeypatch, after_epochs=2)
    clf.set_params(max_iter=100)
    with pytest.warns(UserWarning, match=r"interrupted.*2 completed in this call"):
        clf.fit(X, y)
    assert clf.n_iter_ == 6
    assert clf.t_ == reference.t_
    assert_same_model(clf, reference)


@pytest.mark.parametrize("solver", SOLVERS)
def test_interrupt_before_the_first_epoch_propagates(solver, monkeypatch, binary_data):
    X, y = binary_data
    clf = MLPClassifier(**SMALL, solver=solver)
    Interrupter(monkeypatch, after_epochs=0, at_batch=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and no "interrupted" warning
        with pytest.raises(KeyboardInterrupt):
            clf.fit(X, y)
    assert not hasattr(clf, "coefs_")
    assert not hasattr(clf, "n_features_in_")


@pytest.mark.parametrize("how", ["fit", "warm_start", "partial_fit"])
def test_interrupt_before_the_first_epoch_leaves_a_fitted_model_unchanged(
    how, monkeypatch, binary_data
):
    X, y = binary_data
    clf = MLPClassifier(**SMALL, batch_size=16).fit(X, y)
    clf.set_params(warm_start=how == "warm_start")
    before = snapshot(clf, X)
    Interrupter(monkeypatch, after_epochs=0, at_batch=3)  # mid-epoch
    with pytest.raises(KeyboardInterrupt):
        if how == "partial_fit":
            clf.partial_fit(X, y)
        else:
            clf.fit(X, y)
    monkeypatch.undo()
    assert_unchanged(clf, X, before)


def test_an_interrupted_model_can_be_trained_on(monkeypatch, binary_data):
    X, y = binary_data
    Interrupter(monkeypatch, after_epochs=2)
    with pytest.warns(UserWarning, match="interrupted"):
        clf = MLPClassifier(**{**SMALL, "max_iter": 20}).fit(X, y)
    monkeypatch.undo()
    clf.partial_fit(X, y)
    assert clf.n_iter_ == 3
    clf.set_params(warm_start=True, max_iter=2).fit(X, y)
    assert clf.n_iter_ == 5
    assert_valid_proba(clf, X)


# ----------------------------------------------------- numerical robustness

ROBUST = pytest.mark.filterwarnings("error::RuntimeWarning")


@ROBUST
@pytest.mark.parametrize("solver", SOLVERS)
def test_features_of_a_million(solver, multiclass_data):
    """Unscaled features of order 1e6: plain SGD at the default step explodes
    and must say so (scale the features); the solvers whose steps do not grow
    with the gradient (rmsprop, adam) and L-BFGS train, slowly but steadily."""
    X, y = multiclass_data
    X = X * 1e6 + 1e6
    clf = MLPClassifier(**{**SMALL, "max_iter": 20}, solver=solver)
    if solver == "sgd":
        with pytest.raises(DivergenceError, match=r"(?i)scale the features"):
            clf.fit(X, y)
        assert not hasattr(clf, "coefs_")
        return
    clf.fit(X, y)
    assert clf.n_iter_ == 20
    assert np.all(np.isfinite(clf.loss_curve_))
    assert clf.loss_curve_[-1] < 0.75 * clf.loss_curve_[0]  # it is learning
    assert_valid_proba(clf, X)


@ROBUST
@pytest.mark.parametrize("solver", SOLVERS)
def test_constant_and_duplicated_data(solver, binary_data):
    X, y = binary_data
    X = np.c_[X, np.zeros(len(X)), np.full(len(X), 7.0)]  # constant columns
    clf = MLPClassifier(**SMALL, solver=solver).fit(X, y)
    assert_valid_proba(clf, X)

    X_const = np.ones((30, 3))  # nothing to learn from
    y_const = np.arange(30) % 3
    clf = MLPClassifier(**SMALL, solver=solver).fit(X_const, y_const)
    P = assert_valid_proba(clf, X_const)
    np.testing.assert_allclose(P, P[:1].repeat(30, axis=0))

    X_dup = np.repeat(X[:5], 10, axis=0)  # duplicated rows, conflicting labels
    y_dup = np.arange(50) % 2
    clf = MLPClassifier(**SMALL, solver=solver).fit(X_dup, y_dup)
    assert_valid_proba(clf, X_dup)


@ROBUST
def test_a_class_with_a_single_sample(multiclass_data):
    X, y = multiclass_data
    X, y = np.r_[X, X[:1] + 3], np.r_[y, 9]
    clf = MLPClassifier(**SMALL).fit(X, y)  # no hold-out: it trains
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2, 9])
    assert_valid_proba(clf, X)
    with pytest.raises(ValueError, match=r"validation_fraction=0\.2") as error:
        MLPClassifier(**SMALL, validation_fraction=0.2).fit(X, y)
    assert "least populated class" in str(error.value)
    with pytest.raises(ValueError, match="validation_fraction"):
        MLPClassifier(**SMALL, early_stopping=True).fit(X, y)


@ROBUST
def test_zero_weight_for_a_whole_class(multiclass_data):
    X, y = multiclass_data
    clf = MLPClassifier(**SMALL).fit(X, y, sample_weight=(y != 0).astype(float))
    assert_valid_proba(clf, X)


@ROBUST
@pytest.mark.parametrize("target", ["binary", "multiclass", "multilabel"])
@pytest.mark.parametrize("activation", ["relu", "logistic", "tanh", "identity"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_huge_logits_are_computed_stably(
    target, activation, dtype, binary_data, multiclass_data, multilabel_data
):
    X, y = {
        "binary": binary_data,
        "multiclass": multiclass_data,
        "multilabel": multilabel_data,
    }[target]
    X = X.astype(dtype)
    clf = MLPClassifier(**SMALL, activation=activation).fit(X, y)
    for W in clf.coefs_:
        W *= 1e3  # the fitted views: logits of order 1e6 and more
    X_big = X * dtype(1e3)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        P = clf.predict_proba(X_big)
        L = clf.predict_log_proba(X_big)
        labels = clf.predict(X_big)
    assert P.dtype == dtype and L.dtype == dtype
    assert np.all(np.isfinite(P)) and not np.any(np.isnan(L))
    assert np.all(np.isfinite(L[P > 0]))
    assert np.all(L <= 0)
    if target == "multilabel":
        assert labels.shape == y.shape
    else:
        np.testing.assert_allclose(P.sum(axis=1), 1, rtol=0, atol=1e-6)
        assert np.mean(P.max(axis=1) > 0.999) > 0.5  # confident, as logits are big
    ok = P > np.finfo(dtype).tiny
    np.testing.assert_allclose(L[ok], np.log(P[ok]), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("output", [LogisticOutput, SoftmaxOutput])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_output_layers_for_extreme_logits(output, dtype):
    big = np.finfo(dtype).max / 4
    Z = np.array([[big, -big, 0.0], [-1e4, 1e4, 3.0], [0.0, 0.0, 0.0]], dtype=dtype)
    T = (
        np.array([0, 0, 2])
        if output is SoftmaxOutput
        else np.array([[1, 0, 1], [1, 0, 0], [0, 1, 1]], dtype=dtype)
    )
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        log_h = output.log_output(Z.copy())
        H = output.output(Z.copy())
        losses = output.loss_and_output(Z.copy(), T)
    assert np.all(np.isfinite(H)) and np.all((H >= 0) & (H <= 1))
    assert not np.any(np.isnan(log_h)) and np.all(log_h <= 0)
    assert np.all(np.isfinite(losses)) and np.all(losses >= 0)
    if output is SoftmaxOutput:
        np.testing.assert_allclose(H.sum(axis=1), 1, atol=1e-6)
        assert losses[0] == 0  # the right class with a huge margin
    assert np.isclose(
        losses[-1], 3 * np.log(2) if output is LogisticOutput else np.log(3)
    )


# ------------------------------------------------------------- concurrency


def test_threads_predicting_with_one_model_agree():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3000, 20))
    y = (X[:, :3].sum(axis=1) > 0).astype(int) + (X[:, 3] > 1)
    clf = MLPClassifier((64, 32), max_iter=3, random_state=0).fit(X, y)
    chunks = [X[i::4] for i in range(4)] + [X] * 4
    expected = [(clf.predict_proba(c), clf.predict(c)) for c in chunks]
    barrier = threading.Barrier(len(chunks))

    def work(i):
        barrier.wait()
        results = []
        for _ in range(15):
            results.append((clf.predict_proba(chunks[i]), clf.predict(chunks[i])))
        return results

    with ThreadPoolExecutor(len(chunks)) as pool:
        outcomes = list(pool.map(work, range(len(chunks))))
    for (proba, labels), results in zip(expected, outcomes):
        for got_proba, got_labels in results:
            np.testing.assert_array_equal(got_proba, proba)
            np.testing.assert_array_equal(got_labels, labels)


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_clones_fitted_in_parallel_threads(solver, multiclass_data):
    X, y = multiclass_data
    X = StandardScaler().fit_transform(np.repeat(X, 4, axis=0))
    y = np.repeat(y, 4)
    base = MLPClassifier((16,), solver=solver, learning_rate=0.01, max_iter=30)
    serial = [clone(base).set_params(random_state=s).fit(X, y) for s in range(4)]
    parallel = [clone(base).set_params(random_state=s) for s in range(4)]
    barrier = threading.Barrier(len(parallel))

    def work(clf):
        barrier.wait()
        return clf.fit(X, y)

    with ThreadPoolExecutor(len(parallel)) as pool:
        fitted = list(pool.map(work, parallel))
    for a, b in zip(fitted, serial):
        assert_same_model(a, b)
        assert a.score(X, y) > 0.8


def test_a_later_chunk_on_a_larger_scale_is_not_divergence(regression_data):
    """Divergence is about what a step does: each partial_fit call compares
    with its own first J, not with the first chunk's."""
    from sknn import MLPRegressor

    X, _ = regression_data
    reg = MLPRegressor((8,), learning_rate=1e-3, random_state=0)
    reg.partial_fit(X[:60], X[:60, 0])
    reg.partial_fit(X[60:], 300 * X[60:, 0])  # J about 1e5 times the first
    assert all(np.isfinite(c).all() for c in reg.coefs_)
    assert reg.n_iter_ == 2


def test_divergence_names_the_rate_a_schedule_set(binary_data):
    """The error names the rate in use, not the starting learning_rate."""
    X, y = binary_data

    def explode(epoch, rate):
        return rate if epoch < 2 else 1e7

    clf = MLPClassifier(
        **{**SMALL, "max_iter": 10}, solver="sgd", learning_rate=0.01,
        learning_rate_schedule=explode,
    )
    with pytest.raises(DivergenceError) as error:
        clf.fit(X * 100, y)
    message = str(error.value)
    assert "rate in use, 1e+07" in message
    assert "from learning_rate=0.01" in message


@pytest.mark.parametrize("solver", SOLVERS)
def test_huge_targets_are_blamed_on_y(solver, regression_data):
    from sknn import MLPRegressor

    X, y = regression_data
    reg = MLPRegressor(**SMALL, solver=solver)
    with pytest.raises(ValueError, match=r"^y holds values up to .*scale the targets"):
        reg.fit(X, y * 1e160)
    assert not hasattr(reg, "coefs_")


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_a_cost_already_infinite_at_the_initial_weights_is_blamed_on_y(
    regression_data,
):
    """y below the magnitude limit whose squares still overflow J: the
    error is about the targets, not the learning rate."""
    from sknn import MLPRegressor

    X, y = regression_data
    reg = MLPRegressor(**SMALL, solver="adam", learning_rate=1e-3)
    y = np.full_like(y, 1e154)
    y[::2] = -1e154
    with pytest.raises(ValueError, match=r"before any step.*targets y reach") as error:
        reg.fit(X, y)
    assert "learning_rate" not in str(error.value)
