"""Issue 9: defects where sknn gave wrong numbers, or the wrong error, without
saying so; and the further ones found by combining features.

One test (or a few) per defect, through the public API only, with the
expected behaviour written down:

1. sample weights with a hold-out: all-ones weights change nothing;
2. a hold-out that takes every weighted row: a clear ValueError;
3. 2-D string or integer (multiclass-multioutput) targets: refused;
4. indicator matrices with values other than 0 and 1: refused;
5. divergence in the last step of a call: caught, blamed on that call;
6. warm start with the hold-out switched on or off: history_ stays aligned;
7. Σw overflow/underflow, ε underflow in float32, an empty training part,
   batch_size=True, nested dropout, cumulative epoch numbers in the progress
   line, NaN labels, classes= with multilabel y, features near the float
   maximum.

Found while writing these, by combining features (each test's docstring
says what went wrong):

8. a hold-out whose rows all weigh 0: val_loss is the L2 term alone;
9. a minibatch whose rows all weigh 0 drops out of the training accuracy;
10. float32 sample weights: Σw overflowing float32, or subnormal weights;
11. a sparse multilabel indicator matrix as y;
12. warm-start fits restart the progress line's epoch numbers too.

The property tests in ``test_properties.py`` cover 1, 3, 4 and 6 over
generated data.
"""

import re
from functools import partial

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_classification
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import InvalidParameterError

from conftest import (
    GRADIENT_SOLVERS,
    SMALL,
    SOLVERS,
    assert_history_aligned,
    assert_same_history,
    assert_same_params,
    assert_unchanged,
    assert_valid_proba,
    snapshot,
)
from sknn import DivergenceError, MLPClassifier, plot_history

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

MULTIOUTPUT = "Multioutput target data is not supported with label binarization"
SCAL = r"(?i)scal"

_rng = np.random.default_rng(0)
X20 = _rng.normal(size=(20, 3))
y20 = np.arange(20) % 2


def assert_refused(clf, call, error, *patterns):
    """``call`` raises ``error`` whose message matches every pattern, and a
    model that was not fitted stays unfitted."""
    fitted = hasattr(clf, "coefs_")
    with pytest.raises(error) as info:
        call()
    for pattern in patterns:
        assert re.search(pattern, str(info.value)), (pattern, str(info.value))
    if not fitted:
        assert not hasattr(clf, "coefs_")
        with pytest.raises(NotFittedError):
            clf.predict(X20)
    return info.value


# --------------------------------------- 1. weights together with a hold-out


def test_issue_example_unit_weights_change_nothing():
    """The issue's example: early stopping on a weighted hold-out loss stopped
    at epoch 20 (score 0.870) instead of 87 (0.938)."""
    X, y = make_classification(600, 10, n_informative=5, random_state=1)
    params = dict(
        hidden_layer_sizes=(16,),
        learning_rate=0.01,
        early_stopping=True,
        tol=1e-3,
        random_state=0,
    )
    plain = MLPClassifier(**params).fit(X, y)
    weighted = MLPClassifier(**params).fit(X, y, sample_weight=np.ones(600))
    assert weighted.n_iter_ == plain.n_iter_
    assert weighted.score(X, y) == plain.score(X, y)
    assert_same_history(weighted, plain, rtol=1e-12)
    assert weighted.best_loss_ == pytest.approx(plain.best_loss_, rel=1e-12)


@pytest.mark.parametrize("solver", SOLVERS)
def test_balanced_class_weight_on_balanced_classes_changes_nothing(
    solver, multiclass_data
):
    """Iris has 50 of each class: "balanced" weighs every row 1."""
    X, y = multiclass_data
    params = dict(
        hidden_layer_sizes=(8,),
        solver=solver,
        learning_rate=0.01,
        max_iter=30,
        early_stopping=True,
        validation_fraction=0.2,
        n_iter_no_change=3,
        random_state=0,
    )
    plain = MLPClassifier(**params).fit(X, y)
    balanced = MLPClassifier(class_weight="balanced", **params).fit(X, y)
    assert balanced.n_iter_ == plain.n_iter_
    assert_same_history(balanced, plain, rtol=1e-12)
    assert_same_params(balanced, plain, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(balanced.predict(X), plain.predict(X))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_val_loss_is_the_mean_over_the_hold_out(dtype, multiclass_data):
    """Weights of 1 and no weights give the same val_loss, in both
    precisions; so does any constant weight when alpha=0."""
    X, y = multiclass_data
    X = X.astype(dtype)
    params = dict(
        hidden_layer_sizes=(4,), alpha=0.0, max_iter=3, validation_fraction=0.2,
        n_iter_no_change=None, random_state=0,
    )  # fmt: skip
    plain = MLPClassifier(**params).fit(X, y)
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    for constant in (1.0, 3.0):
        weighted = MLPClassifier(**params).fit(
            X, y, sample_weight=np.full(len(y), constant)
        )
        np.testing.assert_allclose(
            weighted.history_["val_loss"], plain.history_["val_loss"], rtol=rtol
        )


# --------------------------- 2. and 8. no weight in one part of the split


def _one_weighted_row_per_class():
    """Only rows 0 and 1 (one of each class) weigh anything."""
    weights = np.zeros(20)
    weights[[0, 1]] = 1.0
    return weights


def _outcomes(solver, fraction, weights):
    """Fit with the hold-out drawn by each random_state; return the errors.
    Which rows are held out is the estimator's business, so the test tries
    seeds until the case it needs turns up (it does for most seeds)."""
    errors = []
    for seed in range(10):
        clf = MLPClassifier(
            (3,), solver=solver, max_iter=2, validation_fraction=fraction,
            random_state=seed,
        )  # fmt: skip
        try:
            clf.fit(X20, y20, sample_weight=weights)
        except Exception as error:
            # a plain ValueError: no ZeroDivisionError, no DivergenceError
            assert isinstance(error, ValueError), repr(error)
            assert not isinstance(error, DivergenceError), repr(error)
            assert not hasattr(clf, "coefs_")
            errors.append(str(error))
    return errors


@pytest.mark.parametrize("solver", SOLVERS)
def test_no_weight_left_for_training_is_a_clear_error(solver):
    """validation_fraction=0.9 holds out 9 of the 10 rows of each class, so
    the two weighted rows are usually both held out: the training part then
    weighs nothing. adam raised ZeroDivisionError, lbfgs a DivergenceError
    blaming alpha."""
    errors = _outcomes(solver, 0.9, _one_weighted_row_per_class())
    assert any(re.search("(?i)training", message) for message in errors), errors
    for message in errors:
        assert re.search("(?i)weight", message), message


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_no_weight_in_the_hold_out_is_a_clear_error(solver):
    """validation_fraction=0.1 holds out 1 row of each class, so the two
    weighted rows usually both stay in training: the hold-out then weighs
    nothing, and its val_loss (0/0) is undefined. It was reported as the L2
    term alone (0 with alpha=0), which early stopping took for a perfect
    model."""
    errors = _outcomes(solver, 0.1, _one_weighted_row_per_class())
    assert any(re.search("(?i)validation|hold", message) for message in errors), errors
    for message in errors:
        assert re.search("(?i)weight", message), message


# ------------------------------------------------- 3. multioutput targets

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


# ------------------------------------- 4. indicators with other values


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


@pytest.mark.parametrize("dtype", [int, bool, float, np.float32])
def test_0_1_indicator_matrices_of_any_dtype_are_accepted(dtype, multilabel_data):
    X, Y = multilabel_data
    clf = MLPClassifier(**SMALL).fit(X, Y.astype(dtype))
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])
    assert_valid_proba(clf, X)


# ------------------------------------------- 5. the last step of a call


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


# ------------------------------------------------- 6. warm-start history


def _warm(validation_fraction, X, y):
    return MLPClassifier(
        (8,), max_iter=3, n_iter_no_change=None, warm_start=True,
        validation_fraction=validation_fraction, random_state=0,
    ).fit(X, y)  # fmt: skip


def test_switching_the_hold_out_on_keeps_history_aligned(multiclass_data, tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot

    X, y = multiclass_data
    clf = _warm(None, X, y)
    clf.set_params(validation_fraction=0.2).fit(X, y)
    assert clf.n_iter_ == 6
    assert_history_aligned(clf)
    for key in ("val_loss", "val_accuracy"):
        values = np.array(clf.history_[key])
        assert np.isnan(values[:3]).all() and np.isfinite(values[3:]).all(), key
    assert len(clf.validation_scores_) == 6
    assert clf.best_validation_score_ == np.nanmax(clf.history_["val_accuracy"])
    figure = plot_history(clf)
    figure.savefig(tmp_path / "history.png")
    matplotlib.pyplot.close(figure)


def test_switching_the_hold_out_off_keeps_history_aligned(multiclass_data):
    X, y = multiclass_data
    clf = _warm(0.2, X, y)
    first = list(clf.history_["val_loss"])
    clf.set_params(validation_fraction=None).fit(X, y)
    assert clf.n_iter_ == 6
    assert_history_aligned(clf)
    for key in ("val_loss", "val_accuracy"):
        values = np.array(clf.history_[key])
        assert np.isfinite(values[:3]).all() and np.isnan(values[3:]).all(), key
    assert clf.history_["val_loss"][:3] == first
    assert len(clf.validation_scores_) == 6
    assert np.isnan(clf.validation_scores_[3:]).all()
    clf.partial_fit(X, y)  # and partial_fit appends NaN, still aligned
    assert_history_aligned(clf)
    assert np.isnan(clf.history_["val_loss"][-1])


# ------------------------------------------------------------ 7. smaller


@pytest.mark.parametrize(
    ("dtype", "weight"),
    [
        (np.float64, 1e308),  # Σw overflows
        (np.float64, 1e-320),  # Σw underflows: λ/Σw overflows
        (np.float64, 5e-324),
        (np.float32, 1e37),  # 10. finite in float32, but Σw is not
        (np.float32, 1e-40),  # 10. subnormal in float32: J was 2.5e34
    ],
)
@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_weights_whose_sum_over_or_underflows_are_blamed(
    solver, dtype, weight, binary_data
):
    """The error names sample_weight, not learning_rate (or alpha)."""
    X, y = binary_data
    clf = MLPClassifier(**SMALL, solver=solver)
    error = assert_refused(
        clf,
        partial(clf.fit, X.astype(dtype), y, sample_weight=np.full(len(y), weight)),
        ValueError,
        "sample_weight",
    )
    assert not isinstance(error, DivergenceError)
    assert "learning_rate" not in str(error)


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


def test_a_hold_out_that_leaves_no_training_rows():
    clf = MLPClassifier(**SMALL, validation_fraction=0.99)
    error = assert_refused(clf, partial(clf.fit, X20, y20), ValueError, "(?i)training")
    assert "every class" not in str(error)
    assert "validation_fraction=0.99" in str(error)


@pytest.mark.parametrize("batch_size", [True, False])
def test_batch_size_must_not_be_a_bool(batch_size):
    clf = MLPClassifier(**SMALL, batch_size=batch_size)
    assert_refused(clf, partial(clf.fit, X20, y20), InvalidParameterError, "batch_size")


@pytest.mark.parametrize("dropout", [[[0.1, 0.2]], [[0.1], [0.2]], ((0.1, 0.2),)])
def test_nested_dropout_is_refused(dropout):
    clf = MLPClassifier(**dict(SMALL, hidden_layer_sizes=(4, 4)), dropout=dropout)
    assert_refused(clf, partial(clf.fit, X20, y20), InvalidParameterError, "dropout")


def test_partial_fit_progress_numbers_epochs_like_its_errors(binary_data, capsys):
    X, y = binary_data
    clf = MLPClassifier(**SMALL, verbose=2)
    for _ in range(3):
        clf.partial_fit(X, y, classes=[0, 1])
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[1].split("/")[0] for line in lines] == ["1", "2", "3"]
    assert lines[1].startswith("Epoch 2/")


def test_warm_start_progress_numbers_epochs_like_its_errors(binary_data, capsys):
    """12. A warm-start fit counts on from n_iter_, as its errors do (Keras'
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


def test_classes_of_a_multilabel_partial_fit_are_its_columns(multilabel_data):
    X, Y = multilabel_data  # 3 columns
    clf = MLPClassifier(**SMALL)
    assert_refused(
        clf, partial(clf.partial_fit, X, Y, classes=[0, 1, 2, 5]), ValueError, "classes"
    )
    clf.partial_fit(X, Y, classes=[0, 1, 2])
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])


@pytest.mark.parametrize("solver", SOLVERS)
def test_features_near_the_float_maximum_need_scaling(solver):
    """Such data trained to a finite J of 1e306 for some seeds and raised for
    others; it must say the data needs scaling, every time."""
    for seed in range(5):
        X = np.finfo(float).max * np.random.default_rng(seed).uniform(size=(10, 2))
        clf = MLPClassifier(**dict(SMALL, random_state=seed), solver=solver)
        assert_refused(clf, partial(clf.fit, X, np.arange(10) % 2), ValueError, SCAL)


# ------------------------------------------------ further defects found


def test_training_accuracy_counts_the_rows_of_zero_weight_batches(binary_data):
    """9. Accuracy is unweighted (SPEC), over every training row. A batch
    whose rows all weigh 0 is not trained on, but its rows still count: they
    were counted in the denominator and left out of the numerator, so the
    recorded accuracy was about half the true one. With a step too small to
    change any prediction, the recorded accuracy is the model's score."""
    X, y = binary_data
    X, y = X[:40], y[:40]
    weights = np.r_[np.zeros(20), np.ones(20)]
    for sample_weight in (None, weights):
        clf = MLPClassifier(
            **SMALL, solver="sgd", learning_rate=1e-12, batch_size=20, shuffle=False
        ).fit(X, y, sample_weight=sample_weight)
        np.testing.assert_allclose(
            clf.history_["accuracy"], clf.score(X, y), rtol=0, atol=1e-12
        )


def test_a_sparse_multilabel_indicator_is_a_multilabel_target(multilabel_data):
    """11. scikit-learn's MLPClassifier accepts y as a sparse indicator matrix;
    sknn failed with "setting an array element with a sequence"."""
    X, Y = multilabel_data
    dense = MLPClassifier(**SMALL).fit(X, Y)
    sparse = MLPClassifier(**SMALL).fit(X, sp.csr_matrix(Y))
    assert_same_params(sparse, dense)
    np.testing.assert_array_equal(sparse.classes_, dense.classes_)
    np.testing.assert_array_equal(sparse.predict_proba(X), dense.predict_proba(X))
