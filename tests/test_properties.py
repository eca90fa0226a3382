"""Property-based tests: whatever the data, sknn fits it or refuses it, and
which of the two is decided by the data, not by chance.

Over shapes, dtypes (float32, float64, int), targets (int, str and bool labels;
0/1 indicator matrices; 2-D string and integer targets and indicator matrices
with other values, which must be refused), sample weights and solvers:

- ``fit`` succeeds exactly when the data is valid, and otherwise raises a
  ``ValueError``/``TypeError`` that names the problem (one class, no weight, a
  multioutput target, an indicator matrix with values other than 0 and 1, NaN
  or infinity in X). Unscaled data (features beyond 1e3) may instead raise a
  ``DivergenceError`` that says to scale the features;
- a fitted model's probabilities are finite, in [0, 1] and sum to 1; its
  predictions are among ``classes_``; float32 input stays float32;
- weights that mean "no weights" (all ones; ``class_weight="balanced"`` on
  exactly balanced classes; all weights 4 without an L2 term) give the model
  that no weights give, for every solver, with and without a hold-out and
  early stopping, ``history_`` included; a weight of 2 is a duplicated row;
- dense, sparse and pandas input train the same model; ``k`` partial_fit
  calls are ``k`` epochs of fit; ``history_`` keeps one entry per epoch
  through any sequence of fit, warm-start fit and partial_fit calls.
"""

import re
import warnings
from functools import partial

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.multiclass import type_of_target

from conftest import (
    GRADIENT_SOLVERS,
    MULTIOUTPUT,
    SCALE,
    SOLVERS,
    assert_history_aligned,
    assert_same_history,
    assert_same_model,
    assert_same_params,
    assert_valid_proba,
)
from sknn import DivergenceError, MLPClassifier
from sknn._base.params import ACTIVATIONS as PARAMETER_ACTIVATIONS

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    report_multiple_bugs=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def few(n):
    """``n`` examples of a test that trains several models each; no shrinking
    (a failing example is reported as drawn, which derandomize makes
    reproducible), to keep a failure as quick to report as a pass."""
    return settings(SETTINGS, max_examples=n, phases=[Phase.explicit, Phase.generate])


DTYPES = {"float32": np.float32, "float64": np.float64, "int": np.int64}
LABELS = {
    "int": np.array([3, -1, 7]),
    "str": np.array(["cat", "dog", "emu"]),
    "bool": np.array([True, False]),
}
# 2-D targets: values each column takes, and the dtype of the matrix
MATRICES = {
    "indicator": ([0, 1], np.int64),
    "bool indicator": ([False, True], bool),
    "float indicator": ([0.0, 1.0], np.float64),
    "int multioutput": ([0, 1, 2], np.int64),
    "str multioutput": (["cat", "dog", "emu"], object),
    "-1/1 indicator": ([-1, 1], np.int64),
    "0/2 indicator": ([0, 2], np.int64),
}

# what a refusal must say
ONE_CLASS = r"(?i)class"
NO_WEIGHT = r"(?i)non-zero|weight"
BAD_INDICATOR = r"(?i)indicator.*0 and 1|0 and 1.*indicator"
NON_FINITE_X = r"Input X contains (NaN|infinity)"

# features beyond this may make the default step diverge: then the error
# must say to scale them
UNSCALED = 1e3


def target_refusals(y):
    """The messages of which a target's refusal must match one; empty when it
    is valid (labels of at least two classes, or a 0/1 indicator matrix)."""
    if np.ndim(y) == 2:
        if type_of_target(y) == "multiclass-multioutput":
            # a multioutput target holding a single label has two problems
            one_label = len(np.unique(y)) < 2
            return [MULTIOUTPUT, ONE_CLASS] if one_label else [MULTIOUTPUT]
        if not set(np.unique(y).tolist()) <= {0, 1}:
            return [BAD_INDICATOR]
        return []
    return [ONE_CLASS] if len(np.unique(y)) < 2 else []


def weight_refusals(sample_weight):
    if sample_weight is not None and not np.any(sample_weight > 0):
        return [NO_WEIGHT]
    return []


@st.composite
def targets(draw, n_samples):
    kind = draw(st.sampled_from(["labels"] * 3 + sorted(MATRICES)))
    if kind == "labels":
        labels = LABELS[draw(st.sampled_from(sorted(LABELS)))]
        index = draw(arrays(np.int64, n_samples, elements=st.integers(0, 2)))
        return labels[index % len(labels)]
    values, dtype = MATRICES[kind]
    n_columns = draw(st.integers(2, 3))
    index = draw(arrays(np.int64, (n_samples, n_columns), elements=st.integers(0, 2)))
    return np.array(values, dtype=dtype)[index % len(values)]


@st.composite
def problems(draw, finite=True):
    """(X, y, sample_weight, params, refusals): ``refusals`` lists the
    messages of which the refusal must match one; empty when the data is
    valid and must be fitted."""
    n_samples = draw(st.integers(1, 12))
    n_features = draw(st.integers(1, 4))
    dtype = DTYPES[draw(st.sampled_from(sorted(DTYPES)))]
    if dtype is np.int64:
        elements = st.integers(-1000, 1000)
    else:
        elements = st.floats(
            -1e6,
            1e6,
            width=32 if dtype is np.float32 else 64,
            allow_nan=False,
            allow_infinity=False,
        )
        if not finite:
            elements = st.one_of(elements, st.sampled_from([np.nan, np.inf, -np.inf]))
    X = draw(arrays(dtype, (n_samples, n_features), elements=elements))
    y = draw(targets(n_samples))
    sample_weight = draw(
        st.one_of(
            st.none(),
            arrays(
                np.float64,
                n_samples,
                elements=st.one_of(st.just(0.0), st.floats(1e-3, 10)),
            ),
        )
    )
    params = {
        "hidden_layer_sizes": draw(st.sampled_from([(), (3,), (4, 2)])),
        "activation": draw(st.sampled_from(sorted(PARAMETER_ACTIVATIONS))),
        "solver": draw(st.sampled_from(SOLVERS)),
        "batch_size": draw(st.sampled_from(["auto", 1, 5])),
        "max_iter": draw(st.integers(1, 4)),
        "random_state": 0,
    }
    refusals = target_refusals(y) + weight_refusals(sample_weight)
    if not np.all(np.isfinite(X)):
        refusals.append(NON_FINITE_X)
    return X, y, sample_weight, params, refusals


def may_diverge(X):
    finite = np.isfinite(X)
    return bool(np.any(np.abs(X[finite]) > UNSCALED))


def check_fitted(clf, X, y, max_epochs=None):
    multilabel = np.ndim(y) == 2
    if multilabel:
        np.testing.assert_array_equal(clf.classes_, np.arange(y.shape[1]))
    else:
        assert len(clf.classes_) >= 2
        assert set(np.unique(y)) <= set(clf.classes_.tolist())
    P = assert_valid_proba(clf, X)
    expected = np.float32 if X.dtype == np.float32 else np.float64
    assert P.dtype == expected
    assert clf.predict_log_proba(X).dtype == expected
    assert all(np.isfinite(c).all() and c.dtype == expected for c in clf.coefs_)
    assert 0 < clf.n_iter_ <= (max_epochs or clf.max_iter)
    assert np.all(np.isfinite(clf.loss_curve_))


def attempt(call, clf, X, refusals):
    """Run ``call``; check that it fits exactly when ``refusals`` is empty and
    otherwise raises an error matching one of them. Valid but unscaled data
    may raise a DivergenceError that says to scale the features. Returns
    True when it fitted."""
    fitted_before = hasattr(clf, "coefs_")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence and batch-size warnings
        try:
            call()
        except (ValueError, TypeError) as error:
            message = str(error)
            if refusals:
                assert any(re.search(pattern, message) for pattern in refusals), (
                    refusals,
                    repr(error),
                )
            else:
                assert isinstance(error, DivergenceError), (
                    f"valid data refused: {error!r}"
                )
                assert may_diverge(X), f"diverged on scaled data: {error}"
                assert re.search(SCALE, message), message
            assert hasattr(clf, "coefs_") == fitted_before
            event(f"refused: {message[:30]}")
            return False
    assert not refusals, f"fitted, but should have been refused: {refusals}"
    event("fitted")
    return True


@SETTINGS
@given(problem=problems())
def test_fit_fits_valid_data_and_refuses_the_rest(problem):
    X, y, sample_weight, params, refusals = problem
    clf = MLPClassifier(**params)
    fit = partial(clf.fit, X, y, sample_weight=sample_weight)
    if attempt(fit, clf, X, refusals):
        check_fitted(clf, X, y)


@SETTINGS
@given(problem=problems(finite=False))
def test_non_finite_data_is_refused_with_value_error(problem):
    X, y, sample_weight, params, refusals = problem
    clf = MLPClassifier(**params)
    fit = partial(clf.fit, X, y, sample_weight=sample_weight)
    if attempt(fit, clf, X, refusals):
        assert np.all(np.isfinite(X))
        check_fitted(clf, X, y)
    if not np.all(np.isfinite(X)):
        assert not hasattr(clf, "coefs_")


@SETTINGS
@given(problem=problems(), data=st.data())
def test_partial_fit_chunks(problem, data):
    """partial_fit over chunks holding any subset of the classes: each chunk
    is trained on exactly when it is valid by itself."""
    X, y, sample_weight, params, _ = problem
    if params["solver"] == "lbfgs":
        params["solver"] = "adam"
    if y.ndim == 2:
        classes = np.arange(y.shape[1])
    else:  # every label that may occur, as a stream's first call would say
        (labels,) = [v for v in LABELS.values() if v.dtype.kind == y.dtype.kind]
        classes = np.unique(labels)
    clf = MLPClassifier(**params)
    n_chunks = data.draw(st.integers(1, 3))
    fitted = 0
    for chunk in np.array_split(np.arange(len(y)), n_chunks):
        if len(chunk) == 0:
            continue
        weights = None if sample_weight is None else sample_weight[chunk]
        refusals = weight_refusals(weights)
        if y.ndim == 2:  # a chunk of one label is fine: classes are given
            refusals += target_refusals(y[chunk])
        partial_fit = partial(
            clf.partial_fit, X[chunk], y[chunk], classes=classes, sample_weight=weights
        )
        if attempt(partial_fit, clf, X[chunk], refusals):
            fitted += 1
            check_fitted(clf, X[chunk], y[chunk], max_epochs=fitted)
    assert hasattr(clf, "coefs_") == (fitted > 0)
    if fitted:
        assert clf.n_iter_ == fitted
        assert_history_aligned(clf)


@SETTINGS
@given(
    n_classes=st.integers(2, 5),
    scale=st.sampled_from([1e-3, 1.0, 1e3, 1e6]),
    dtype=st.sampled_from([np.float32, np.float64]),
    seed=st.integers(0, 2**16),
)
def test_probabilities_for_any_input_scale(n_classes, scale, dtype, seed):
    """A model fitted on scaled data, asked about data of any scale."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(30, 3)).astype(dtype)
    y = np.arange(30) % n_classes
    clf = MLPClassifier((4,), max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X, y)
    X_new = (rng.normal(size=(10, 3)) * scale).astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no overflow warnings
        check_fitted(clf, X_new, y[:0])


# ------------------------------------------------- weights, hold-out, inputs


TARGET_KINDS = ["binary", "multiclass", "multilabel"]


@st.composite
def datasets(draw, min_samples=40, balanced=False):
    """Scaled float64 data: X (n, 3) and a target of the drawn kind. With
    ``balanced``, labels have exactly the same count in every class."""
    kind = draw(st.sampled_from(TARGET_KINDS))
    n_classes = {"binary": 2, "multiclass": 3, "multilabel": 3}[kind]
    n = draw(st.integers(min_samples, min_samples + 20))
    if balanced:
        n -= n % n_classes
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    X = rng.normal(size=(n, 3))
    if kind == "multilabel":
        y = (X @ rng.normal(size=(3, 3)) + rng.normal(size=(n, 3)) > 0).astype(int)
    else:
        y = np.arange(n) % n_classes
        X[:, 0] += y  # something to learn
        if not balanced:
            y[: n // 10] = 0
    return X, y


def fit_quietly(clf, X, y, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return clf.fit(X, y, **kwargs)


def assert_same_fit(a, b, X, rtol):
    """The same training run: epochs, history (all keys), weights and
    predictions."""
    assert a.n_iter_ == b.n_iter_
    assert a.t_ == b.t_
    assert_same_history(a, b, rtol=rtol)
    np.testing.assert_allclose(a.best_loss_, b.best_loss_, rtol=rtol)
    assert_same_params(a, b, rtol=1e3 * rtol, atol=1e-12)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))


@pytest.mark.parametrize("early_stopping", [False, True])
@pytest.mark.parametrize("validation_fraction", [None, 0.2])
@pytest.mark.parametrize("solver", SOLVERS)
@few(4)
@given(data=datasets(balanced=True), how=st.data())
def test_unit_weights_change_nothing(
    solver, validation_fraction, early_stopping, data, how
):
    """sample_weight=np.ones(n), class_weight="balanced" on exactly balanced
    classes, a class_weight of 1.0 for every class, and (with alpha=0, where
    J does not depend on the scale of the weights) sample_weight=4: each is
    the model that no weights give, hold-out, early stopping and history_
    included."""
    X, y = data
    multilabel = y.ndim == 2
    way = how.draw(
        st.sampled_from(
            ["ones", "times 4, alpha=0"]
            + ([] if multilabel else ["balanced", "class_weight 1"])
        )
    )
    params = dict(
        hidden_layer_sizes=how.draw(st.sampled_from([(4,), (5, 3)])),
        solver=solver,
        learning_rate=0.02,
        batch_size=how.draw(st.sampled_from([16, "auto"])),
        max_iter=12,
        alpha=0.0 if way == "times 4, alpha=0" else 1e-3,
        validation_fraction=validation_fraction,
        early_stopping=early_stopping,
        n_iter_no_change=3,
        tol=1e-3,
        random_state=how.draw(st.integers(0, 3)),
    )
    event(way)
    plain = fit_quietly(MLPClassifier(**params), X, y)
    kwargs = {}
    if way == "ones":
        kwargs["sample_weight"] = np.ones(len(X))
    elif way == "times 4, alpha=0":
        kwargs["sample_weight"] = np.full(len(X), 4.0)
    elif way == "balanced":
        params["class_weight"] = "balanced"
    else:
        params["class_weight"] = {label: 1.0 for label in np.unique(y)}
    weighted = fit_quietly(MLPClassifier(**params), X, y, **kwargs)
    assert_same_fit(weighted, plain, X, rtol=1e-12)


@pytest.mark.parametrize("solver", SOLVERS)
@few(5)
@given(data=datasets(), how=st.data())
def test_weight_two_is_a_duplicated_row(solver, data, how):
    """A weight of 2 is the row repeated twice. With one batch holding every
    row (or L-BFGS), no hold-out and no dropout, the order of the rows does
    not matter, so the two runs compute the same J(Θ) at every step."""
    X, y = data
    rows = how.draw(st.lists(st.integers(0, len(X) - 1), min_size=1, unique=True))
    weights = np.ones(len(X))
    weights[rows] = 2.0
    params = dict(
        hidden_layer_sizes=(4,),
        solver=solver,
        learning_rate=0.02,
        alpha=how.draw(st.sampled_from([0.0, 1e-2])),
        batch_size="auto",  # min(200, n): one batch
        shuffle=False,
        max_iter=8,
        n_iter_no_change=None,
        random_state=0,
    )
    weighted = fit_quietly(MLPClassifier(**params), X, y, sample_weight=weights)
    repeat = np.repeat(np.arange(len(X)), weights.astype(int))
    repeated = fit_quietly(MLPClassifier(**params), X[repeat], y[repeat])
    assert weighted.n_iter_ == repeated.n_iter_
    assert_same_params(weighted, repeated, rtol=1e-10, atol=1e-12)
    # accuracy counts rows, not weights: only the loss must agree
    np.testing.assert_allclose(
        weighted.history_["loss"], repeated.history_["loss"], rtol=1e-10
    )


@few(15)
@given(data=datasets(), how=st.data())
def test_dense_sparse_and_pandas_train_the_same_model(data, how):
    """Whatever else is switched on: weights, class weights, a hold-out,
    early stopping, dropout."""
    X, y = data
    solver = how.draw(st.sampled_from(SOLVERS))
    params = dict(
        hidden_layer_sizes=(4,),
        solver=solver,
        learning_rate=0.02,
        batch_size=how.draw(st.sampled_from([16, "auto"])),
        max_iter=6,
        dropout=0.0 if solver == "lbfgs" else how.draw(st.sampled_from([0.0, 0.3])),
        validation_fraction=how.draw(st.sampled_from([None, 0.25])),
        early_stopping=how.draw(st.booleans()),
        n_iter_no_change=2,
        random_state=0,
    )
    if y.ndim == 1:
        params["class_weight"] = how.draw(st.sampled_from([None, "balanced", {0: 3.0}]))
    weights = how.draw(st.sampled_from([None, "random"]))
    if weights is not None:
        weights = np.random.default_rng(1).uniform(0, 3, len(X))
    dense = fit_quietly(MLPClassifier(**params), X, y, sample_weight=weights)
    sparse = fit_quietly(
        MLPClassifier(**params), sp.csr_matrix(X), y, sample_weight=weights
    )
    assert_same_fit(sparse, dense, X, rtol=1e-9)
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    target = pd.DataFrame(y) if y.ndim == 2 else pd.Series(y)
    pandas = fit_quietly(MLPClassifier(**params), frame, target, sample_weight=weights)
    with warnings.catch_warnings():
        # both models predict the same array: the pandas one rightly notes
        # that it was fitted with feature names
        warnings.filterwarnings("ignore", "X does not have valid feature names")
        assert_same_fit(pandas, dense, X, rtol=1e-12)


@few(12)
@given(data=datasets(), how=st.data())
def test_partial_fit_calls_are_epochs_of_fit(data, how):
    """k partial_fit calls on the whole data set are k epochs of fit (no
    hold-out): same weights, history and optimiser path, with weights,
    class weights, dropout and float32."""
    X, y = data
    X = X.astype(how.draw(st.sampled_from([np.float64, np.float32])))
    k = how.draw(st.integers(1, 4))
    params = dict(
        hidden_layer_sizes=(4,),
        solver=how.draw(st.sampled_from(GRADIENT_SOLVERS)),
        learning_rate=0.02,
        batch_size=how.draw(st.sampled_from([16, "auto"])),
        dropout=how.draw(st.sampled_from([0.0, 0.3])),
        n_iter_no_change=None,
        random_state=0,
    )
    if y.ndim == 1:
        params["class_weight"] = how.draw(st.sampled_from([None, {0: 3.0}]))
    weights = how.draw(st.sampled_from([None, "random"]))
    if weights is not None:
        weights = np.random.default_rng(1).uniform(0, 3, len(X))
    fitted = fit_quietly(
        MLPClassifier(**params, max_iter=k), X, y, sample_weight=weights
    )
    classes = np.arange(y.shape[1]) if y.ndim == 2 else np.unique(y)
    partial = MLPClassifier(**params)
    for _ in range(k):
        partial.partial_fit(X, y, classes=classes, sample_weight=weights)
    assert_same_model(partial, fitted)


@few(25)
@given(
    data=datasets(),
    steps=st.lists(
        st.sampled_from(["fit", "fit with hold-out", "fit without", "partial_fit"]),
        min_size=1,
        max_size=5,
    ),
    solver=st.sampled_from(GRADIENT_SOLVERS),
)
def test_history_keeps_one_entry_per_epoch(data, steps, solver):
    """Through any sequence of warm-start fits (with and without a hold-out)
    and partial_fit calls, every history_ list has n_iter_ entries, and the
    validation lists hold NaN exactly for the epochs that had no hold-out."""
    X, y = data
    classes = np.arange(y.shape[1]) if y.ndim == 2 else np.unique(y)
    clf = MLPClassifier(
        (4,), solver=solver, max_iter=2, n_iter_no_change=None, warm_start=True,
        random_state=0,
    )  # fmt: skip
    had_hold_out = []  # one flag per epoch
    for step in steps:
        before = getattr(clf, "n_iter_", 0)
        if step == "partial_fit":
            clf.partial_fit(X, y, classes=classes)
        else:
            if step != "fit":
                clf.set_params(
                    validation_fraction=0.25 if step == "fit with hold-out" else None
                )
            fit_quietly(clf, X, y)
        held_out = step != "partial_fit" and clf.validation_fraction is not None
        had_hold_out += [held_out] * (clf.n_iter_ - before)
        event(step)
        assert_history_aligned(clf)
        if any(had_hold_out):
            for key in ("val_loss", "val_accuracy"):
                np.testing.assert_array_equal(
                    np.isnan(clf.history_[key]), np.logical_not(had_hold_out), key
                )
        else:
            assert "val_loss" not in clf.history_
