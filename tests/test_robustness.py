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

import re
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.preprocessing import StandardScaler

from conftest import (
    GRADIENT_SOLVERS,
    MULTIOUTPUT,
    SCALE,
    SMALL,
    SOLVERS,
    X20,
    assert_refused,
    assert_same_model,
    assert_unchanged,
    assert_valid_proba,
    snapshot,
    y20,
)
from sknn import DivergenceError, MLPClassifier
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


def _with(value, row=0, col=0):
    X = X20.copy()
    X[row, col] = value
    return X


DATA_ERRORS = [
    ("nan", _with(np.nan), y20, None, ValueError, "Input X contains NaN"),
    ("inf", _with(np.inf), y20, None, ValueError, "Input X contains infinity"),
    ("-inf", _with(-np.inf), y20, None, ValueError, "Input X contains infinity"),
    ("complex", X20 + 1j, y20, None, ValueError, "Complex data not supported"),
    (
        "object",
        np.array([["a", "b", "c"]] * 20, dtype=object),
        y20,
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
        y20,
        None,
        ValueError,
        r"0 feature\(s\)",
    ),
    ("1-D X", X20[:, 0], y20, None, ValueError, "Expected 2D array, got 1D array"),
    ("3-D X", X20[:, :, None], y20, None, ValueError, "dim 3"),
    ("single sample", X20[:1], y20[:1], None, ValueError, "class"),
    ("one class", X20, np.zeros(20), None, ValueError, "class"),
    ("one str class", X20, np.full(20, "cat"), None, ValueError, "class"),
    (
        "continuous y",
        X20,
        np.linspace(0, 1, 20),
        None,
        ValueError,
        "Unknown label type",
    ),
    ("NaN in y", X20, np.r_[np.nan, y20[1:]], None, ValueError, "Input y contains NaN"),
    (
        "mixed y",
        X20,
        np.array([1, *["a"] * 19], dtype=object),
        None,
        ValueError,
        "Unknown label type",
    ),
    ("no y", X20, None, None, ValueError, "requires y to be passed"),
    (
        "length mismatch",
        X20,
        y20[:-1],
        None,
        ValueError,
        r"inconsistent numbers of samples: \[20, 19\]",
    ),
    (
        "negative weight",
        X20,
        y20,
        np.r_[-1.0, np.ones(19)],
        ValueError,
        "Negative values in data passed to `sample_weight`",
    ),
    (
        "all-zero weights",
        X20,
        y20,
        np.zeros(20),
        ValueError,
        "at least one non-zero",
    ),
    (
        "weights of wrong length",
        X20,
        y20,
        np.ones(3),
        ValueError,
        r"sample_weight.shape == \(3,\), expected \(20,\)",
    ),
    (
        "NaN weight",
        X20,
        y20,
        np.r_[np.nan, np.ones(19)],
        ValueError,
        "sample_weight contains NaN",
    ),
    ("2-D weights", X20, y20, np.ones((20, 1)), ValueError, "1D array"),
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
    clf = MLPClassifier(**SMALL, solver="sgd", learning_rate=0.01).fit(X20, y20)
    before = snapshot(clf, X20)
    with pytest.raises(error, match=match):
        clf.fit(X, y, sample_weight=sample_weight)
    assert_unchanged(clf, X20, before)
    clf.set_params(warm_start=True)
    before = snapshot(clf, X20)
    with pytest.raises(error, match=match):
        clf.fit(X, y, sample_weight=sample_weight)
    assert_unchanged(clf, X20, before)
    with pytest.raises(error, match=match):
        clf.partial_fit(X, y, sample_weight=sample_weight)
    assert_unchanged(clf, X20, before)


def test_one_class_messages_on_a_fitted_model():
    clf = MLPClassifier(**SMALL).fit(X20, y20)
    before = snapshot(clf, X20)
    with pytest.raises(ValueError, match="class"):
        clf.fit(X20, np.ones(20))
    assert_unchanged(clf, X20, before)
    clf.set_params(warm_start=True)
    before = snapshot(clf, X20)
    with pytest.raises(ValueError, match="class"):
        clf.fit(X20, np.ones(20))
    assert_unchanged(clf, X20, before)
    clf.partial_fit(X20, np.ones(20))  # a chunk of one class is fine


def test_one_class_message_is_clear():
    with pytest.raises(ValueError) as error:
        MLPClassifier(**SMALL).fit(X20, np.full(20, 3))
    message = str(error.value)
    assert "1 class" in message
    assert "[3]" in message
    assert "at least 2 classes" in message


@pytest.mark.parametrize("method", ["predict", "predict_proba", "predict_log_proba"])
def test_predict_errors(method):
    clf = MLPClassifier(**SMALL).fit(X20, y20)
    predict = getattr(clf, method)
    with pytest.raises(ValueError, match="X has 2 features, but MLPClassifier is"):
        predict(X20[:, :2])
    with pytest.raises(ValueError, match="expecting 3 features"):
        predict(np.c_[X20, X20])
    with pytest.raises(ValueError, match="Input X contains NaN"):
        predict(_with(np.nan))
    with pytest.raises(ValueError, match="Input X contains infinity"):
        predict(_with(np.inf))
    with pytest.raises(ValueError, match="Complex data not supported"):
        predict(X20 + 1j)
    with pytest.raises(ValueError, match="Expected 2D array"):
        predict(X20[0])
    with pytest.raises(ValueError, match=r"0 sample\(s\)"):
        predict(X20[:0])
    with pytest.raises(NotFittedError, match="not fitted yet"):
        getattr(MLPClassifier(), method)(X20)


def test_partial_fit_errors_leave_the_model_unchanged():
    clf = MLPClassifier(**SMALL).partial_fit(X20, y20, classes=[0, 1])
    before = snapshot(clf, X20)
    with pytest.raises(ValueError, match="X has 2 features"):
        clf.partial_fit(X20[:, :2], y20)
    with pytest.raises(ValueError, match=r"labels \[2\] that are not in classes"):
        clf.partial_fit(X20, y20 + 1)
    with pytest.raises(ValueError, match="Negative values"):
        clf.partial_fit(X20, y20, sample_weight=-np.ones(20))
    assert_unchanged(clf, X20, before)


MULTIOUTPUT_TARGETS = {
    "str": np.array([["a", "b"], ["b", "c"], ["c", "a"], ["a", "a"]] * 5),
    "int": np.array([[0, 1], [1, 2], [2, 0], [0, 0]] * 5),  # 3 classes a column
}


@pytest.mark.parametrize("kind", sorted(MULTIOUTPUT_TARGETS))
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_multioutput_targets_are_refused(kind, method):
    Y = MULTIOUTPUT_TARGETS[kind]
    clf = MLPClassifier(**SMALL)
    if method == "fit":
        call = partial(clf.fit, X20, Y)
    else:
        call = partial(clf.partial_fit, X20, Y, classes=np.unique(Y))
    assert_refused(clf, call, ValueError, MULTIOUTPUT)


def test_multioutput_targets_are_refused_by_a_fitted_model(multilabel_data):
    X, Y = multilabel_data
    clf = MLPClassifier(**SMALL).fit(X, Y)
    before = snapshot(clf, X)
    with pytest.raises(ValueError, match=r"(?i)multioutput"):
        clf.set_params(warm_start=True).fit(X, Y + 2 * Y[:, ::-1])  # 0 to 3
    clf.set_params(warm_start=False)
    with pytest.raises(ValueError):
        clf.partial_fit(X, np.where(Y == 1, "a", "b"))
    assert_unchanged(clf, X, before)


@pytest.mark.parametrize(
    "values", [(-1, 1), (0, 2), (-1.0, 1.0)], ids=["-1/1", "0/2", "-1./1."]
)
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_indicator_matrices_must_hold_0_and_1(values, method):
    """scikit-learn calls these multilabel-indicator, but as targets of the
    logistic units they make J(Θ) unbounded below."""
    low, high = values
    Y = np.where(np.array([[0, 1, 1], [1, 0, 1], [1, 1, 0], [0, 0, 1]] * 5), high, low)
    clf = MLPClassifier(**SMALL)
    if method == "fit":
        call = partial(clf.fit, X20, Y)
    else:
        call = partial(clf.partial_fit, X20, Y, classes=[0, 1, 2])
    assert_refused(clf, call, ValueError, "(?i)indicator", "0 and 1")


def test_nan_labels_are_refused():
    y = y20.astype(float)
    y[2] = np.nan
    clf = MLPClassifier(**SMALL)
    assert_refused(clf, partial(clf.fit, X20, y), ValueError, "NaN")
    assert_refused(
        clf,
        partial(clf.partial_fit, X20, y, classes=[0.0, 1.0, np.nan]),
        ValueError,
        "NaN",
    )
    # the NaN only in classes
    assert_refused(
        clf,
        partial(clf.partial_fit, X20, y20.astype(float), classes=[0.0, 1.0, np.nan]),
        ValueError,
        "NaN",
    )


# ----------------------------------------------------------- divergence


def test_divergence_error_names_learning_rate_and_epoch(unscaled_data):
    X, y = unscaled_data
    clf = MLPClassifier(**SMALL, solver="sgd", learning_rate=1e6)
    with pytest.raises(DivergenceError) as error:
        clf.fit(X, y)
    message = str(error.value)
    assert "learning_rate=1e+06" in message
    assert re.search(r"epoch \d+.*learning_rate=1e\+06", message), message
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


@pytest.mark.parametrize("solver", GRADIENT_SOLVERS)
def test_divergence_in_the_only_step_of_fit(solver, unscaled_data):
    """One epoch of one batch (120 rows, batch_size="auto") at a huge step:
    that step was never checked."""
    X, y = unscaled_data
    params = dict(SMALL, solver=solver, learning_rate=1e4)
    # it does diverge: run a second epoch and that epoch sees the explosion
    # (this holds on the old code too)
    with pytest.raises(DivergenceError):
        MLPClassifier(**{**params, "max_iter": 2}).fit(X, y)
    clf = MLPClassifier(**{**params, "max_iter": 1})
    with pytest.raises(DivergenceError, match=r"epoch 1\b.*learning_rate=10000"):
        clf.fit(X, y)
    assert not hasattr(clf, "coefs_")


@pytest.mark.parametrize("solver", GRADIENT_SOLVERS)
def test_partial_fit_divergence_blames_the_call_that_diverged(solver, binary_data):
    """After 20 good calls, a call at learning_rate=1e4 succeeded (weights of
    1e4) and the next call, at 1e-4, raised blaming its own rate; every later
    call failed too."""
    X, y = binary_data
    clf = MLPClassifier(**SMALL, solver=solver)
    for _ in range(20):
        clf.partial_fit(X, y, classes=[0, 1])
    clf.set_params(learning_rate=1e4)
    before = snapshot(clf, X)
    with pytest.raises(DivergenceError, match=r"learning_rate=10000\b"):
        clf.partial_fit(X, y)
    assert_unchanged(clf, X, before)
    assert clf.n_iter_ == 20
    clf.set_params(learning_rate=1e-4)
    for _ in range(3):
        clf.partial_fit(X, y)
    assert clf.n_iter_ == 23
    assert max(np.abs(c).max() for c in clf.coefs_) < 10
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


@pytest.mark.parametrize("solver", SOLVERS)
def test_features_near_the_float_maximum_need_scaling(solver):
    """Such data trained to a finite J of 1e306 for some seeds and raised for
    others; it must say the data needs scaling, every time."""
    for seed in range(5):
        X = np.finfo(float).max * np.random.default_rng(seed).uniform(size=(10, 2))
        clf = MLPClassifier(**dict(SMALL, random_state=seed), solver=solver)
        assert_refused(clf, partial(clf.fit, X, np.arange(10) % 2), ValueError, SCALE)


@pytest.mark.parametrize("solver", ["rmsprop", "adam"])
def test_epsilon_that_underflows_in_float32(solver, binary_data):
    """ε = 1e-50 is 0 in float32: a weight with no gradient (a constant
    input column, no L2 term) then gets 0/0 = NaN, which was blamed on
    learning_rate."""
    X, y = binary_data
    X = np.c_[X, np.zeros(len(X))]
    params = dict(SMALL, solver=solver, epsilon=1e-50, alpha=0.0)
    clf = MLPClassifier(**params)
    error = assert_refused(
        clf, partial(clf.fit, X.astype(np.float32), y), ValueError, "epsilon"
    )
    assert not isinstance(error, DivergenceError)
    # representable in float64: accepted, and nothing becomes NaN
    assert_valid_proba(MLPClassifier(**params).fit(X, y), X)


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
