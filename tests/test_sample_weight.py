"""sample_weight and class_weight: what a weight means (a weight of 2 is the
row twice; weights that are all equal, or "balanced" on balanced classes,
change nothing, hold-out and early stopping included; class weights multiply
sample weights), and the clear errors for weights that leave nothing to
learn from or whose sum a float cannot hold."""

import re
from functools import partial

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.metrics import recall_score

from conftest import (
    SMALL,
    SOLVERS,
    X20,
    assert_refused,
    assert_same_history,
    assert_same_params,
    y20,
)
from sknn import DivergenceError, MLPClassifier

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

# ------------------------------------------------------- what weights mean


def test_sample_weight_two_means_repeated_twice(multiclass_data):
    X, y = multiclass_data
    w = np.where(np.arange(len(X)) % 3 == 0, 2.0, 1.0)
    params = dict(solver="lbfgs", max_iter=50, random_state=0)
    weighted = MLPClassifier((8,), **params).fit(X, y, sample_weight=w)
    repeated = MLPClassifier((8,), **params).fit(
        np.repeat(X, w.astype(int), axis=0), np.repeat(y, w.astype(int))
    )
    np.testing.assert_allclose(
        weighted.predict_proba(X), repeated.predict_proba(X), rtol=1e-6, atol=1e-9
    )


def test_class_weight_dict_equals_sample_weight(multiclass_data):
    X, y = multiclass_data
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    params = dict(hidden_layer_sizes=(8,), max_iter=10, random_state=0)
    weights = {"setosa": 3.0, "virginica": 0.5}
    by_class = MLPClassifier(class_weight=weights, **params).fit(X, labels)
    per_sample = np.vectorize(lambda c: weights.get(c, 1.0))(labels)
    by_sample = MLPClassifier(**params).fit(X, labels, sample_weight=per_sample)
    np.testing.assert_array_equal(by_class.coefs_[0], by_sample.coefs_[0])
    # and class weights multiply sample weights
    both = MLPClassifier(class_weight=weights, **params)
    both.fit(X, labels, sample_weight=np.full(len(y), 2.0))
    doubled = MLPClassifier(**params).fit(X, labels, sample_weight=2 * per_sample)
    np.testing.assert_array_equal(both.coefs_[0], doubled.coefs_[0])


def test_balanced_class_weight_raises_minority_recall():
    X, y = make_classification(
        n_samples=600,
        n_features=8,
        weights=[0.95, 0.05],
        flip_y=0.0,
        class_sep=0.5,
        random_state=0,
    )
    params = dict(hidden_layer_sizes=(16,), max_iter=100, random_state=0)
    plain = MLPClassifier(**params).fit(X, y)
    balanced = MLPClassifier(class_weight="balanced", **params).fit(X, y)
    plain_recall = recall_score(y, plain.predict(X), pos_label=1)
    balanced_recall = recall_score(y, balanced.predict(X), pos_label=1)
    assert balanced_recall > plain_recall + 0.2


def test_unit_weights_stop_early_at_the_same_epoch():
    """A reported case: early stopping on a weighted hold-out loss stopped
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


# ------------------------------------ weights and the hold-out's split


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


# ----------------------------------------------- weights out of range


@pytest.mark.parametrize(
    ("dtype", "weight"),
    [
        (np.float64, 1e308),  # Σw overflows
        (np.float64, 1e-320),  # Σw underflows: λ/Σw overflows
        (np.float64, 5e-324),
        (np.float32, 1e37),  # finite in float32, but Σw is not
        (np.float32, 1e-40),  # subnormal in float32: J was 2.5e34
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


def test_training_accuracy_counts_the_rows_of_zero_weight_batches(binary_data):
    """Accuracy is unweighted (SPEC), over every training row. A batch
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
