"""MLPClassifier end to end: targets, dtypes, sparse input, solvers, seeds."""

import numpy as np
import pytest
import scipy.sparse as sp

from conftest import SMALL, SOLVERS, assert_same_params, assert_valid_proba
from sknn import MLPClassifier


def test_binary_has_one_logistic_output(binary_data):
    X, y = binary_data
    clf = MLPClassifier((8,), learning_rate=0.01, random_state=0).fit(X, y)
    assert clf.out_activation_ == "logistic"
    assert clf.n_outputs_ == 1
    assert clf.n_layers_ == 3
    assert clf.predict_proba(X).shape == (len(X), 2)
    assert clf.score(X, y) > 0.9


def test_multiclass_has_softmax_outputs(multiclass_data):
    X, y = multiclass_data
    clf = MLPClassifier((8,), learning_rate=0.01, random_state=0).fit(X, y)
    assert clf.out_activation_ == "softmax"
    assert clf.n_outputs_ == 3
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    assert clf.score(X, y) > 0.9


def test_multilabel_has_one_logistic_unit_per_label(multilabel_data):
    X, Y = multilabel_data
    clf = MLPClassifier((16,), learning_rate=0.01, random_state=0).fit(X, Y)
    assert clf.out_activation_ == "logistic"
    assert clf.n_outputs_ == Y.shape[1]
    assert clf.predict(X).shape == Y.shape
    assert set(np.unique(clf.predict(X))) <= {0, 1}
    assert clf.score(X, Y) > 0.6  # subset accuracy


@pytest.mark.parametrize("dtype", [int, bool, float, np.float32])
def test_0_1_indicator_matrices_of_any_dtype_are_accepted(dtype, multilabel_data):
    X, Y = multilabel_data
    clf = MLPClassifier(**SMALL).fit(X, Y.astype(dtype))
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])
    assert_valid_proba(clf, X)


def test_a_sparse_multilabel_indicator_is_a_multilabel_target(multilabel_data):
    """scikit-learn's MLPClassifier accepts y as a sparse indicator matrix;
    sknn failed with "setting an array element with a sequence"."""
    X, Y = multilabel_data
    dense = MLPClassifier(**SMALL).fit(X, Y)
    sparse = MLPClassifier(**SMALL).fit(X, sp.csr_matrix(Y))
    assert_same_params(sparse, dense)
    np.testing.assert_array_equal(sparse.classes_, dense.classes_)
    np.testing.assert_array_equal(sparse.predict_proba(X), dense.predict_proba(X))


def test_no_hidden_layer_is_logistic_regression(binary_data):
    from sklearn.linear_model import LogisticRegression

    X, y = binary_data
    clf = MLPClassifier((), solver="lbfgs", alpha=1.0, random_state=0).fit(X, y)
    assert [c.shape for c in clf.coefs_] == [(X.shape[1], 1)]
    assert clf.n_layers_ == 2
    # the same J as an L2 logistic regression with C = 1/λ
    reference = LogisticRegression(C=1.0, tol=1e-10).fit(X, y)
    np.testing.assert_allclose(
        clf.coefs_[0].ravel(), reference.coef_.ravel(), atol=1e-3
    )
    np.testing.assert_allclose(clf.intercepts_[0], reference.intercept_, atol=1e-3)


@pytest.mark.parametrize("labels", [["no", "yes"], [False, True], [-3, 7]])
def test_labels_of_any_kind(binary_data, labels):
    X, y = binary_data
    y = np.asarray(labels)[y]
    clf = MLPClassifier((8,), learning_rate=0.01, random_state=0).fit(X, y)
    assert list(clf.classes_) == sorted(labels)
    assert clf.classes_.dtype == y.dtype
    assert set(clf.predict(X)) <= set(labels)
    assert clf.predict(X).dtype == y.dtype


@pytest.mark.parametrize("solver", SOLVERS)
def test_every_solver_learns(multiclass_data, solver):
    X, y = multiclass_data
    lr = 0.1 if solver == "sgd" else 0.01
    clf = MLPClassifier((16,), solver=solver, learning_rate=lr, random_state=0)
    assert clf.fit(X, y).score(X, y) > 0.9
    assert clf.loss_curve_[-1] < clf.loss_curve_[0]


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_momentum_beats_plain_sgd(multiclass_data, nesterov):
    X, y = multiclass_data
    params = dict(solver="sgd", learning_rate=0.01, max_iter=20, random_state=0)
    plain = MLPClassifier((8,), **params).fit(X, y)
    fast = MLPClassifier((8,), momentum=0.9, nesterov=nesterov, **params).fit(X, y)
    assert fast.loss_ < plain.loss_


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_float32_is_kept_end_to_end(multiclass_data, solver):
    X, y = multiclass_data
    clf = MLPClassifier((8,), solver=solver, random_state=0).fit(
        X.astype(np.float32), y
    )
    assert all(c.dtype == np.float32 for c in clf.coefs_ + clf.intercepts_)
    assert clf.predict_proba(X.astype(np.float32)).dtype == np.float32
    assert MLPClassifier((8,), max_iter=2).fit(X, y).coefs_[0].dtype == np.float64
    ints = MLPClassifier((8,), max_iter=2).fit((X * 10).astype(int), y)
    assert ints.coefs_[0].dtype == np.float64


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_sparse_input_gives_the_dense_result(multiclass_data, fmt):
    X, y = multiclass_data
    params = dict(hidden_layer_sizes=(8,), max_iter=30, random_state=0)
    dense = MLPClassifier(**params).fit(X, y)
    sparse = MLPClassifier(**params).fit(sp.csr_matrix(X).asformat(fmt), y)
    np.testing.assert_allclose(sparse.predict_proba(X), dense.predict_proba(X))
    np.testing.assert_allclose(
        sparse.predict_proba(sp.csr_matrix(X)), dense.predict_proba(X)
    )


@pytest.mark.parametrize("solver", SOLVERS)
def test_same_seed_same_model_bit_for_bit(multiclass_data, solver):
    X, y = multiclass_data
    params = dict(solver=solver, dropout=0.0 if solver == "lbfgs" else 0.2)
    a = MLPClassifier((8,), max_iter=15, random_state=3, **params).fit(X, y)
    b = MLPClassifier((8,), max_iter=15, random_state=3, **params).fit(X, y)
    for ca, cb in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
        assert np.array_equal(ca, cb)
    assert np.array_equal(a.predict_proba(X), b.predict_proba(X))
    c = MLPClassifier((8,), max_iter=15, random_state=4, **params).fit(X, y)
    assert not np.array_equal(a.coefs_[0], c.coefs_[0])


def test_global_random_state_is_untouched(multiclass_data):
    X, y = multiclass_data
    # the legacy global generator is exactly what must stay untouched
    np.random.seed(0)  # noqa: NPY002
    expected = np.random.random_sample(3)  # noqa: NPY002
    np.random.seed(0)  # noqa: NPY002
    MLPClassifier((8,), dropout=0.3, max_iter=5, random_state=1).fit(X, y)
    assert np.array_equal(np.random.random_sample(3), expected)  # noqa: NPY002


def test_fitted_attributes(multiclass_data):
    X, y = multiclass_data
    clf = MLPClassifier((8, 4), max_iter=7, n_iter_no_change=None, random_state=0)
    clf.fit(X, y)
    assert clf.n_iter_ == 7
    assert clf.t_ == 7 * len(X)
    assert len(clf.loss_curve_) == 7
    assert clf.loss_ == clf.loss_curve_[-1]
    assert clf.best_loss_ == min(clf.loss_curve_)
    assert clf.validation_scores_ is None
    assert clf.best_validation_score_ is None
    assert clf.n_features_in_ == X.shape[1]
    assert [c.shape for c in clf.coefs_] == [(4, 8), (8, 4), (4, 3)]
    assert [b.shape for b in clf.intercepts_] == [(8,), (4,), (3,)]


def test_stops_when_the_loss_stops_improving(multiclass_data):
    X, y = multiclass_data
    clf = MLPClassifier((8,), tol=10.0, n_iter_no_change=3, random_state=0)
    clf.fit(X, y)
    assert clf.n_iter_ == 4  # the first epoch improves on ∞, the next 3 not by 10
    never = MLPClassifier((8,), tol=10.0, n_iter_no_change=None, max_iter=12)
    assert never.fit(X, y).n_iter_ == 12


def test_partial_fit_resumes_the_optimiser_only_of_the_same_kind(multiclass_data):
    X, y = multiclass_data
    clf = MLPClassifier((8,), random_state=0).partial_fit(X, y, classes=[0, 1, 2])
    assert clf._optimizer.t == 1
    clf.partial_fit(X, y)
    assert clf._optimizer.t == 2  # adam's bias correction carries on
    clf.set_params(solver="sgd", learning_rate=0.01)
    clf.partial_fit(X, y)
    assert type(clf._optimizer).__name__ == "SGD"
    assert clf._optimizer.t == 1
    assert clf.n_iter_ == 3
