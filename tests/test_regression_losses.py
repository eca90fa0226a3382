"""The regression losses HistGradientBoostingRegressor names: "gamma",
"absolute_error", "quantile" (with ``quantile``) and "huber" (with
``huber_delta``).

Without a hidden layer and without the L2 term each fits the model of
scikit-learn's linear counterpart; J is the formula of the docstring (worked
out here from the public attributes); L-BFGS's abnormal ends on the kinks
keep the last accepted iterate; and every parameter goes through the
estimator's machinery: refusals, float32, sparse X, sample weights,
partial_fit, warm_start, clone, GridSearchCV. The hand-computed values of J
are in test_loss.py, the gradient checks in test_network.py, persistence in
test_ecosystem_regression.py, ONNX in test_onnx.py.
"""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import GammaRegressor, HuberRegressor, QuantileRegressor
from sklearn.metrics import make_scorer, mean_pinball_loss
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.utils._param_validation import InvalidParameterError
from test_lbfgs import _abnormal_end

from conftest import assert_same_model
from sknn import MLPRegressor

# each new loss with a non-default value of its parameter
LOSSES = {
    "gamma": {"loss": "gamma"},
    "absolute_error": {"loss": "absolute_error"},
    "quantile": {"loss": "quantile", "quantile": 0.8},
    "huber": {"loss": "huber", "huber_delta": 0.5},
}
NON_SMOOTH = ["absolute_error", "quantile"]
BASE = dict(hidden_layer_sizes=(6,), learning_rate=0.01, random_state=0)
# SciPy's L-BFGS-B stops once an iteration lowers J by less than
# ftol = factr · ε = 1e7 · 2.2e-16 of J (its default, as scikit-learn's MLPs)
FTOL = 1e7 * np.finfo(float).eps


def quiet_fit(model, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(*args, **kwargs)


def linear_problem(seed=0, n=200):
    """Standard-normal X (3 features); y linear in X with Student-t noise
    (heavy tails, where the robust losses differ from squared error); y > 0
    with a log-mean linear in X and Gamma noise (shape 2)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = X @ [1.0, 2.0, -1.0] + rng.standard_t(3, size=n)
    y_positive = rng.gamma(2.0, np.exp(X @ [0.3, -0.2, 0.5] + 0.5) / 2.0)
    return X, y, y_positive


def targets(loss, seed=0, n=200, n_outputs=1):
    X, y, y_positive = linear_problem(seed, n)
    y = y_positive if loss == "gamma" else y
    if n_outputs == 2:
        y = np.c_[y, 2 * y]  # two outputs: the mean over them is in play
    return X, y


def J_by_hand(model, X, y, sample_weight=None):
    """J(Θ) of a fitted model from its public attributes and the formulas of
    the docstring: ℓ per row and output, averaged over outputs, weighted mean
    over rows, plus (λ / 2Σw) Σθ² over the weights."""
    h = model.predict(X).astype(np.float64).reshape(len(X), -1)
    y = np.asarray(y, dtype=np.float64).reshape(len(X), -1)
    r = y - h
    if model.loss == "gamma":
        loss = y / h + np.log(h)
    elif model.loss == "absolute_error":
        loss = np.abs(r)
    elif model.loss == "quantile":
        q = model.quantile
        loss = np.maximum(q * r, (q - 1) * r)
    else:
        delta = model.huber_delta
        loss = np.where(
            np.abs(r) <= delta, 0.5 * r**2, delta * (np.abs(r) - 0.5 * delta)
        )
    w = np.ones(len(X)) if sample_weight is None else np.asarray(sample_weight)
    squares = sum(float((c.astype(np.float64) ** 2).sum()) for c in model.coefs_)
    return (np.dot(w, loss.mean(axis=1)) + 0.5 * model.alpha * squares) / w.sum()


# -------------------------------------- the linear models of scikit-learn


LINEAR = dict(
    hidden_layer_sizes=(), alpha=0.0, solver="lbfgs", max_iter=2000, random_state=0
)


def coefficient_tolerance(J_min, hessian):
    """How far from the minimiser ftol lets L-BFGS stop: J − J* is then a few
    times ftol · J*, and J − J* ≥ ½ μ ‖θ − θ*‖² with μ the least eigenvalue of
    the Hessian at θ*, so ‖θ − θ*‖ ≲ √(2 ftol J* / μ) (about 1e-4 here; the
    runs measured stay below 1.1e-5)."""
    mu = np.linalg.eigvalsh(hessian).min()
    return np.sqrt(2 * FTOL * J_min / mu)


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("weighted", [False, True])
def test_gamma_without_hidden_layer_is_gamma_regressor(seed, weighted):
    X, _, y = linear_problem(seed)
    w = np.random.default_rng(seed).uniform(0.5, 2, len(X)) if weighted else None
    # GammaRegressor runs its L-BFGS to 64 ε: its coefficients are the minimiser
    ref = GammaRegressor(alpha=0, tol=1e-12, max_iter=1000).fit(X, y, sample_weight=w)
    model = MLPRegressor(loss="gamma", tol=1e-12, **LINEAR).fit(X, y, sample_weight=w)
    assert model.out_activation_ == "exp"
    J_ref = J_by_hand(ref_as_mlp(model, ref), X, y, w)
    J = J_by_hand(model, X, y, w)
    assert J <= J_ref * (1 + 10 * FTOL)
    # the Hessian of J at θ* over (coef, intercept): Σ w (y/h) x̃ x̃ᵀ / Σw
    Xt = np.c_[X, np.ones(len(X))]
    ww = np.ones(len(X)) if w is None else w
    hessian = (Xt * (ww * y / ref.predict(X))[:, None]).T @ Xt / ww.sum()
    atol = coefficient_tolerance(J_ref, hessian)
    assert atol < 2e-4
    np.testing.assert_allclose(model.coefs_[0].ravel(), ref.coef_, rtol=0, atol=atol)
    np.testing.assert_allclose(model.intercepts_[0], [ref.intercept_], atol=atol)


def ref_as_mlp(model, ref):
    """A copy of ``model`` with the reference linear model's coefficients."""
    copy = pickle.loads(pickle.dumps(model))
    copy.coefs_[0][:, 0] = ref.coef_
    copy.intercepts_[0][0] = ref.intercept_
    return copy


@pytest.mark.parametrize("epsilon", [1.35, 2.0])
@pytest.mark.parametrize("seed", [0, 1])
def test_huber_without_hidden_layer_is_huber_regressor(seed, epsilon):
    """HuberRegressor minimises over (w, σ) Σ σ + H_ε(r/σ) σ; at its optimum
    σ = ``scale_``, and for that σ, σ H_ε(r/σ) / 2 is ρ_δ(r) with δ = ε σ. So
    its coefficients minimise sknn's Huber loss with ``huber_delta=ε·scale_``."""
    X, y, _ = linear_problem(seed)
    ref = HuberRegressor(alpha=0, epsilon=epsilon, max_iter=10000, tol=1e-12)
    ref.fit(X, y)
    delta = epsilon * ref.scale_
    model = MLPRegressor(loss="huber", huber_delta=delta, tol=1e-12, **LINEAR)
    model.fit(X, y)
    J_ref = J_by_hand(ref_as_mlp(model, ref), X, y)
    assert J_by_hand(model, X, y) <= J_ref * (1 + 10 * FTOL)
    # the Hessian at θ*: x̃ x̃ᵀ averaged over the rows on the quadratic branch
    Xt = np.c_[X, np.ones(len(X))]
    inside = np.abs(y - ref.predict(X)) <= delta
    assert 0 < inside.sum() < len(X)  # both branches are in play
    hessian = Xt[inside].T @ Xt[inside] / len(X)
    atol = coefficient_tolerance(J_ref, hessian)
    assert atol < 2e-4
    np.testing.assert_allclose(model.coefs_[0].ravel(), ref.coef_, rtol=0, atol=atol)
    np.testing.assert_allclose(model.intercepts_[0], [ref.intercept_], atol=atol)
    # not so with the default δ = 1
    default = MLPRegressor(loss="huber", tol=1e-12, **LINEAR).fit(X, y)
    assert np.abs(default.coefs_[0].ravel() - ref.coef_).max() > 10 * atol


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize(
    "loss, q",
    [
        ("quantile", 0.05),
        ("quantile", 0.5),
        ("quantile", 0.95),
        ("absolute_error", 0.5),
    ],
)
def test_quantile_without_hidden_layer_reaches_quantile_regressor(loss, q, weighted):
    """By the objective, not the coefficients: the linear program's optimum
    need not be unique. Absolute error is twice the pinball loss at q = ½, so
    its minimisers are the same. L-BFGS on a piecewise-linear J may end with a
    warning; the model it keeps is still within 1% of the optimum."""
    X, y, _ = linear_problem(0)
    w = np.random.default_rng(1).uniform(0.5, 2, len(X)) if weighted else None
    ref = QuantileRegressor(alpha=0, quantile=q, solver="highs")
    ref.fit(X, y, sample_weight=w)
    best = mean_pinball_loss(y, ref.predict(X), alpha=q, sample_weight=w)
    params = {"quantile": q} if loss == "quantile" else {}
    model = quiet_fit(
        MLPRegressor(loss=loss, **params, **LINEAR), X, y, sample_weight=w
    )
    reached = mean_pinball_loss(y, model.predict(X), alpha=q, sample_weight=w)
    assert best <= reached <= 1.01 * best
    # the share of rows below the fitted plane is about q
    assert abs(np.mean(y < model.predict(X)) - q) < 0.03


# ---------------------------------------------------- J and L-BFGS's rule


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("n_outputs", [1, 2])
def test_loss_is_J_of_the_fitted_weights(loss, n_outputs):
    """``loss_`` of an L-BFGS fit is J at the kept weights: the formula of the
    docstring, weighted, over the outputs, with the L2 term."""
    X, y = targets(loss, n=120, n_outputs=n_outputs)
    w = np.random.default_rng(2).uniform(0.5, 2, len(X))
    model = MLPRegressor(solver="lbfgs", alpha=0.3, max_iter=30, **LOSSES[loss], **BASE)
    quiet_fit(model, X, y, sample_weight=w)
    assert model.loss_ == pytest.approx(J_by_hand(model, X, y, w), rel=1e-10)
    assert model.loss_curve_[-1] == model.loss_


@pytest.mark.parametrize("loss", LOSSES)
# the rejected trial point of the line search lies far out: exp(z) overflows
@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_an_abnormal_lbfgs_end_warns_and_keeps_the_last_accepted_iterate(
    monkeypatch, loss
):
    """The reliability rule, for every new loss: SciPy's status 2 (a line
    search that finds no decrease, as on a kink) warns and keeps the last
    accepted iterate, whose J the history holds."""
    X, y = targets(loss, n=100)
    params = dict(solver="lbfgs", **LOSSES[loss], **BASE)
    reference = quiet_fit(MLPRegressor(max_iter=4, **params), X, y)
    _abnormal_end(monkeypatch, after=4)
    model = MLPRegressor(max_iter=50, **params)
    with pytest.warns(
        ConvergenceWarning,
        match=r"lbfgs failed to converge after 4 iteration\(s\) \(status=2\)",
    ):
        model.fit(X, y)
    assert model.n_iter_ == 4
    np.testing.assert_array_equal(model.predict(X), reference.predict(X))
    assert model.loss_ == pytest.approx(J_by_hand(model, X, y), rel=1e-12)


@pytest.mark.parametrize("loss", NON_SMOOTH)
@pytest.mark.parametrize("seed", range(4))
def test_non_smooth_losses_fit_with_lbfgs_in_float32(loss, seed):
    """In float32 L-BFGS's line search on a kink often ends abnormally (status
    2) after a few iterations: the fit still succeeds, warns in scikit-learn's
    words if at all, and its model is near the optimum."""
    X, y = targets(loss, seed, n=60)
    X32, y32 = X.astype(np.float32), y.astype(np.float32)
    params = dict(LINEAR, **LOSSES[loss])
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        model = MLPRegressor(**params).fit(X32, y32)
    for warning in record:
        assert "lbfgs failed to converge" in str(warning.message)
    assert model.coefs_[0].dtype == np.float32
    q = params.get("quantile", 0.5)
    ref = QuantileRegressor(alpha=0, quantile=q, solver="highs").fit(X, y)
    best = mean_pinball_loss(y, ref.predict(X), alpha=q)
    assert mean_pinball_loss(y, model.predict(X32), alpha=q) <= 1.05 * best


# ---------------------------------------------------------------- refusals


def test_quantile_loss_without_a_quantile_is_refused_before_anything_changes():
    X, y = targets("quantile", n=40)
    model = MLPRegressor(loss="quantile", max_iter=3)
    for call in (model.fit, model.partial_fit):
        with pytest.raises(InvalidParameterError, match=r"'quantile'.*\(0, 1\)"):
            call(X, y)
        assert not hasattr(model, "coefs_")
    # a fitted model asked to go on without one keeps what it was
    fitted = quiet_fit(
        MLPRegressor(loss="quantile", quantile=0.5, warm_start=True, max_iter=3), X, y
    )
    before = [p.copy() for p in fitted.coefs_ + fitted.intercepts_]
    fitted.set_params(quantile=None)
    for call in (fitted.fit, fitted.partial_fit):
        with pytest.raises(InvalidParameterError, match=r"quantile=0\.9"):
            call(X, y)
    assert fitted.n_iter_ == 3
    for old, new in zip(before, fitted.coefs_ + fitted.intercepts_):
        np.testing.assert_array_equal(old, new)
    # the other losses ignore it, as HistGradientBoostingRegressor does
    quiet_fit(MLPRegressor(loss="absolute_error", quantile=None, max_iter=2), X, y)


@pytest.mark.parametrize(
    "params, pattern",
    [
        ({"loss": "quantile", "quantile": 0.0}, r"'quantile'.*range \(0.0, 1.0\)"),
        ({"loss": "quantile", "quantile": 1.0}, r"'quantile'.*range \(0.0, 1.0\)"),
        ({"loss": "quantile", "quantile": "0.5"}, r"'quantile'"),
        ({"loss": "huber", "huber_delta": 0.0}, r"'huber_delta'.*range \(0.0, inf\)"),
        ({"loss": "huber", "huber_delta": -1.0}, r"'huber_delta'"),
        ({"loss": "huber", "huber_delta": None}, r"'huber_delta'"),
        ({"loss": "pinball"}, r"'loss'.*'quantile'"),
    ],
)
def test_invalid_loss_parameters_are_refused(params, pattern):
    X, y = targets("huber", n=20)
    model = MLPRegressor(max_iter=2, **params)
    with pytest.raises(InvalidParameterError, match=pattern):
        model.fit(X, y)
    assert not hasattr(model, "coefs_")


@pytest.mark.parametrize("bad", [0.0, -1.0])
def test_gamma_refuses_y_that_is_not_positive(bad):
    X, _, y = linear_problem(0, n=50)
    y_bad = y.copy()
    y_bad[7] = bad
    model = MLPRegressor(loss="gamma", max_iter=3, **BASE)
    message = r"loss 'gamma': y must be > 0.*loss='poisson'"
    with pytest.raises(ValueError, match=message):
        model.fit(X, y_bad)
    assert not hasattr(model, "coefs_")
    quiet_fit(model, X, y)
    before = [p.copy() for p in model.coefs_]
    with pytest.raises(ValueError, match=message):
        model.partial_fit(X, y_bad)
    with pytest.raises(ValueError, match=r"loss 'gamma': y_val must be > 0"):
        model.fit(X, y, X_val=X, y_val=y_bad)
    assert model.n_iter_ == 3
    for old, new in zip(before, model.coefs_):
        np.testing.assert_array_equal(old, new)
    # the other new losses take any real y
    for loss in ("absolute_error", "quantile", "huber"):
        quiet_fit(MLPRegressor(max_iter=2, **LOSSES[loss]), X, y_bad - 5)


def test_gamma_is_positive_only_for_the_estimator_checks():
    for loss, positive in [
        ("gamma", True),
        ("poisson", True),
        ("quantile", False),
        ("absolute_error", False),
        ("huber", False),
    ]:
        tags = MLPRegressor(loss=loss).__sklearn_tags__()
        assert tags.target_tags.positive_only is positive


# ------------------------------------------------- through the machinery


@pytest.mark.parametrize("loss", LOSSES)
def test_float32_follows_float64(loss):
    """Five epochs of adam in float32 and in float64 from the same initial
    weights: the same model to float32's precision, J included; L-BFGS's J in
    float32 is the formula's."""
    X, y = targets(loss, n=100, n_outputs=2)
    params = dict(max_iter=5, n_iter_no_change=None, **LOSSES[loss], **BASE)
    m64 = quiet_fit(MLPRegressor(**params), X, y)
    m32 = quiet_fit(MLPRegressor(**params), X.astype(np.float32), y)
    assert m32.coefs_[0].dtype == np.float32
    P = m32.predict(X.astype(np.float32))
    assert P.dtype == np.float32
    np.testing.assert_allclose(P, m64.predict(X), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(m32.loss_curve_, m64.loss_curve_, rtol=1e-4)
    # L-BFGS in float32: its loss_ is J of the kept weights, in float32
    lbfgs = quiet_fit(
        MLPRegressor(**dict(params, solver="lbfgs")), X.astype(np.float32), y
    )
    assert lbfgs.predict(X).dtype == np.float32
    assert lbfgs.loss_ == pytest.approx(J_by_hand(lbfgs, X, y), rel=1e-5)


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_sparse_X_is_the_dense_model(loss, solver):
    X, y = targets(loss, n=100)
    X[np.abs(X) < 0.7] = 0.0  # about half the entries
    params = dict(solver=solver, max_iter=8, **LOSSES[loss], **BASE)
    dense = quiet_fit(MLPRegressor(**params), X, y)
    sparse = quiet_fit(MLPRegressor(**params), sp.csr_matrix(X), y)
    assert_same_model(sparse, dense, rtol=1e-9)
    np.testing.assert_allclose(
        sparse.predict(sp.csr_matrix(X)), dense.predict(X), rtol=1e-9
    )


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_a_weight_of_two_is_the_row_repeated(loss, solver):
    X, y = targets(loss, n=80, n_outputs=2)
    w = np.ones(len(X))
    w[:10] = 2.0
    X_rep, y_rep = np.r_[X, X[:10]], np.r_[y, y[:10]]
    # one batch holding every row: the same gradient in any row order
    params = dict(solver=solver, max_iter=10, alpha=0.1, n_iter_no_change=None)
    params.update(LOSSES[loss], **BASE)
    repeated = quiet_fit(MLPRegressor(batch_size=len(X_rep), **params), X_rep, y_rep)
    weighted = quiet_fit(
        MLPRegressor(batch_size=len(X), **params), X, y, sample_weight=w
    )
    np.testing.assert_allclose(weighted.predict(X), repeated.predict(X), rtol=1e-9)
    np.testing.assert_allclose(weighted.loss_curve_, repeated.loss_curve_, rtol=1e-9)
    unweighted = quiet_fit(MLPRegressor(batch_size=len(X), **params), X, y)
    assert not np.allclose(weighted.predict(X), unweighted.predict(X), rtol=1e-6)


@pytest.mark.parametrize("loss", LOSSES)
def test_partial_fit_calls_are_epochs_of_fit(loss):
    """k partial_fit calls on the whole data set are k epochs of fit, with
    sample weights and two outputs; a chunk the loss refuses changes nothing."""
    X, y = targets(loss, n=90, n_outputs=2)
    w = np.random.default_rng(3).uniform(0.5, 2, len(X))
    params = dict(batch_size=32, n_iter_no_change=None, **LOSSES[loss], **BASE)
    fitted = quiet_fit(MLPRegressor(max_iter=3, **params), X, y, sample_weight=w)
    partial = MLPRegressor(**params)
    for _ in range(3):
        partial.partial_fit(X, y, sample_weight=w)
    assert_same_model(partial, fitted)


@pytest.mark.parametrize("loss", LOSSES)
def test_warm_start_continues_from_the_fitted_weights(loss):
    X, y = targets(loss, n=90)
    params = dict(
        max_iter=4, n_iter_no_change=None, warm_start=True, **LOSSES[loss], **BASE
    )
    model = quiet_fit(MLPRegressor(**params), X, y)
    first = list(model.loss_curve_)
    quiet_fit(model, X, y)
    assert model.n_iter_ == 8 and model.loss_curve_[:4] == first
    # the fifth epoch starts where the fourth ended, not from new weights
    assert model.loss_curve_[4] < first[0]
    assert abs(model.loss_curve_[4] - first[3]) < abs(first[0] - first[3])


def test_a_warm_start_or_partial_fit_takes_the_quantile_it_is_given_now():
    """The output layer is built from the parameters at each call: after
    set_params(quantile=0.9) the model moves from the 10th to the 90th
    percentile, continuing from its weights."""
    X, y = targets("quantile", n=200)
    model = MLPRegressor(
        loss="quantile",
        quantile=0.1,
        warm_start=True,
        solver="lbfgs",
        max_iter=200,
        **BASE,
    )
    quiet_fit(model, X, y)
    assert abs(np.mean(y < model.predict(X)) - 0.1) < 0.05
    quiet_fit(model.set_params(quantile=0.9), X, y)
    assert abs(np.mean(y < model.predict(X)) - 0.9) < 0.05
    streamed = MLPRegressor(
        loss="quantile", quantile=0.1, learning_rate=0.05, random_state=0
    )
    for _ in range(30):
        streamed.partial_fit(X, y)
    low = streamed.predict(X).mean()
    streamed.set_params(quantile=0.9)
    for _ in range(30):
        streamed.partial_fit(X, y)
    assert streamed.predict(X).mean() > low + 1.0


def test_clone_and_get_params_keep_the_loss_parameters():
    model = MLPRegressor(loss="huber", huber_delta=2.5, quantile=0.3)
    params = clone(model).get_params()
    assert params["huber_delta"] == 2.5 and params["quantile"] == 0.3
    assert MLPRegressor().get_params()["quantile"] is None
    assert MLPRegressor().get_params()["huber_delta"] == 1.0
    assert "huber_delta=2.5" in repr(model)


def test_grid_search_over_loss_and_quantile():
    """The pinball loss at 0.9 as the score picks quantile=0.9 among the
    candidates; every candidate fits and scores."""
    X, y = targets("quantile", n=150)
    pinball_90 = make_scorer(mean_pinball_loss, alpha=0.9, greater_is_better=False)
    search = GridSearchCV(
        MLPRegressor(
            max_iter=100, n_iter_no_change=None, **dict(BASE, learning_rate=0.05)
        ),
        [
            {"loss": ["quantile"], "quantile": [0.1, 0.5, 0.9]},
            {"loss": ["absolute_error", "squared_error"]},
            {"loss": ["huber"], "huber_delta": [0.5, 2.0]},
        ],
        scoring=pinball_90,
        cv=KFold(3, shuffle=True, random_state=0),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.best_params_ == {"loss": "quantile", "quantile": 0.9}
    best = quiet_fit(clone(search.best_estimator_), X, y)
    np.testing.assert_array_equal(best.predict(X), search.predict(X))


@pytest.mark.parametrize("loss", LOSSES)
def test_summary_and_out_activation_name_the_link(loss):
    X, y = targets(loss, n=40)
    model = quiet_fit(MLPRegressor(max_iter=2, **LOSSES[loss], **BASE), X, y)
    link = "exp" if loss == "gamma" else "identity"
    assert model.out_activation_ == link
    lines = []
    model.summary(print_fn=lines.append)
    assert f"output        1  {link}" in lines[0]
    if link == "exp":
        assert np.all(model.predict(X) > 0)
