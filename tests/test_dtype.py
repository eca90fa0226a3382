"""The ``dtype`` parameter: train and predict in one precision whatever the
input, converting X at most once."""

import tracemalloc

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.utils.estimator_checks import parametrize_with_checks

from conftest import FAST
from sknn import MLPClassifier, MLPRegressor


def _fitted_dtypes(model, X, y):
    model.fit(X, y)
    predict = getattr(model, "predict_proba", model.predict)
    out = predict(X)
    return {model.coefs_[0].dtype, model.intercepts_[-1].dtype, out.dtype}


@pytest.mark.parametrize("Estimator", [MLPClassifier, MLPRegressor])
@pytest.mark.parametrize(
    "dtype, input_dtype, expected",
    [
        (None, np.float32, np.float32),
        (None, np.float64, np.float64),
        (None, np.int64, np.float64),
        ("float32", np.float64, np.float32),
        ("float32", np.int64, np.float32),
        ("float64", np.float32, np.float64),
    ],
)
def test_training_and_outputs_follow_dtype(Estimator, dtype, input_dtype, expected):
    rng = np.random.default_rng(0)
    X = (rng.normal(size=(60, 4)) * 3).astype(input_dtype)
    y = (X[:, 0] > 0).astype(int)
    model = Estimator(**FAST, dtype=dtype)
    assert _fitted_dtypes(model, X, y) == {np.dtype(expected)}


@pytest.mark.parametrize("Estimator", [MLPClassifier, MLPRegressor])
def test_dtype_with_sparse_pandas_and_partial_fit(Estimator):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    y = (X[:, 0] > 0).astype(int)
    frame = pd.DataFrame(X, columns=list("abcd"))
    model = Estimator(**FAST, dtype="float32")
    assert _fitted_dtypes(model, frame, y) == {np.dtype(np.float32)}
    assert list(model.feature_names_in_) == list("abcd")
    assert _fitted_dtypes(model, sp.csr_matrix(X), y) == {np.dtype(np.float32)}
    extra = {"classes": [0, 1]} if Estimator is MLPClassifier else {}
    model = Estimator(**FAST, dtype="float32").partial_fit(X, y, **extra)
    model.partial_fit(X.astype(np.float64), y)  # a later chunk keeps float32
    assert model.coefs_[0].dtype == np.float32


def test_float32_training_matches_float32_input():
    """dtype='float32' on float64 data trains the very model float32 data does."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 5))
    y = (X[:, :2].sum(axis=1) > 0).astype(int)
    a = MLPClassifier(**FAST, dtype="float32").fit(X, y)
    b = MLPClassifier(**FAST).fit(X.astype(np.float32), y)
    for ca, cb in zip(a.coefs_, b.coefs_):
        np.testing.assert_array_equal(ca, cb)


def test_converting_X_costs_at_most_one_copy():
    rng = np.random.default_rng(0)
    X = rng.random((20_000, 100))  # float64, 16 MB
    y = (X[:, 0] > 0.5).astype(int)
    params = dict(FAST, max_iter=1, validation_fraction=0.1)
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        MLPClassifier(**params, dtype="float32").fit(X, y)
        _, peak = tracemalloc.get_traced_memory()
        # the float32 copy is X.nbytes / 2; nothing else of X's size
        assert peak - before < 0.75 * X.nbytes
        tracemalloc.reset_peak()
        before, _ = tracemalloc.get_traced_memory()
        MLPClassifier(**params, dtype="float64").fit(X, y)  # no copy at all
        _, peak = tracemalloc.get_traced_memory()
        assert peak - before < 0.25 * X.nbytes
    finally:
        tracemalloc.stop()


def test_fit_makes_at_most_one_converted_copy_of_X(rng):
    X = rng.random((20_000, 100), dtype=np.float32)
    y = (X[:, 0] > 0.5).astype(int)
    params = dict(
        hidden_layer_sizes=(16,), max_iter=1, validation_fraction=0.1, random_state=0
    )
    tracemalloc.start()
    try:
        MLPClassifier(**params).fit(X, y)  # float32: no copy at all
        _, peak = tracemalloc.get_traced_memory()
        assert peak < 0.25 * X.nbytes
        X_int = (X * 100).astype(np.int64)  # converted once, to float64
        tracemalloc.reset_peak()
        before, _ = tracemalloc.get_traced_memory()
        MLPClassifier(**params).fit(X_int, y)
        _, peak = tracemalloc.get_traced_memory()
        assert peak - before < 1.5 * X_int.nbytes
    finally:
        tracemalloc.stop()


ESTIMATORS = [
    MLPClassifier(dtype="float32", random_state=0),
    MLPRegressor(dtype="float32", random_state=0),
]


FLOAT32_ROUNDING = (
    "the check compares the weighted fit with the fit on repeated rows at "
    "rtol=1e-7, a float64 tolerance; trained in float32 the two differ by "
    "float32 rounding (about 1e-6 relative, a few ulps of float32), as they "
    "must: the float64 estimators pass it"
)


# test_predictions_do_not_depend_on_row_order_in_float32 checks the same at
# float32's resolution
FLOAT32_ROW_ORDER = (
    "the check compares predictions of permuted rows at rtol=1e-7, below one "
    "float32 ulp (1.19e-7 relative); a BLAS kernel may round a row differently "
    "with its place in the matrix (OpenBLAS's SandyBridge sgemm does, by 1 to "
    "2 ulps), so whether it passes depends on the CPU"
)


def expected_failures(estimator):
    failures = {
        "check_sample_weight_equivalence_on_dense_data": FLOAT32_ROUNDING,
        "check_sample_weight_equivalence_on_sparse_data": FLOAT32_ROUNDING,
        "check_methods_sample_order_invariance": FLOAT32_ROW_ORDER,
    }
    if isinstance(estimator, MLPRegressor):
        failures["check_regressor_multioutput"] = (
            "the check requires float64 predictions; dtype='float32' returns "
            "them in float32, the precision the user asked for"
        )
    return failures


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failures)
def test_estimator_checks_in_float32(estimator, check):
    check(estimator)


@pytest.mark.parametrize("Estimator", [MLPClassifier, MLPRegressor])
def test_predictions_do_not_depend_on_row_order_in_float32(Estimator):
    """scikit-learn's check_methods_sample_order_invariance (its data, its
    seed) at a float32 tolerance, over several permutations."""
    rng = np.random.RandomState(0)
    X = 3 * rng.uniform(size=(20, 3))
    y = X[:, 0].astype(np.int64)
    model = Estimator(dtype="float32", random_state=1).fit(X, y)
    methods = [m for m in ("predict", "predict_proba") if hasattr(model, m)]
    for seed in range(10):
        rows = np.random.default_rng(seed).permutation(len(X))
        for method in methods:
            predict = getattr(model, method)
            np.testing.assert_allclose(
                predict(X[rows]),
                predict(X)[rows],
                rtol=4 * np.finfo(np.float32).eps,  # measured: up to 2 ulps
                atol=1e-9,
                err_msg=method,
            )


def test_warm_start_keeps_the_model_dtype_unless_asked():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 3))
    y = (X[:, 0] > 0).astype(int)
    model = MLPClassifier(**FAST, warm_start=True).fit(X, y)
    model.fit(X.astype(np.float32), y)  # as partial_fit does: stays float64
    assert model.coefs_[0].dtype == np.float64
    model.set_params(dtype="float32").fit(X, y)  # asked for: converted
    assert model.coefs_[0].dtype == np.float32
    assert model.predict_proba(X).dtype == np.float32


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_partial_fit_honours_an_explicit_dtype_change_as_warm_start_does(solver):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 3))
    y = (X[:, 0] > 0).astype(int)
    model = MLPClassifier(**FAST, solver=solver).partial_fit(X, y, classes=[0, 1])
    model.partial_fit(X.astype(np.float32), y)  # not asked for: stays float64
    assert model.coefs_[0].dtype == np.float64
    model.set_params(dtype="float32").partial_fit(X, y)  # asked for: converted
    assert model.coefs_[0].dtype == np.float32
    assert model.predict_proba(X).dtype == np.float32
    assert model.n_iter_ == 3
    model.set_params(dtype="float64").partial_fit(X, y)  # and back
    assert model.coefs_[0].dtype == np.float64
    assert np.all(np.isfinite(model.predict_proba(X)))
