"""The network's parametrisation at the estimator level: ``front_scale``,
``parametrization="ntk"`` and ``learning_rate_factors``, with what users see
(``coefs_`` as the weights predictions multiply by, ``front_scale_``,
``summary()``) and the rest of the estimator: every solver, exact
continuation from the stored parameters (warm start, partial_fit, pickle),
sparse X, float32, sample weights, the regularisers, refusals and model
selection. Their gradients are checked in ``test_network.py``, the rate
factors' rule in ``test_optimizers.py``, ONNX export in ``test_onnx.py``."""

import copy
import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

from conftest import (
    FAST,
    GRADIENT_SOLVERS,
    PARAMETRIZATIONS,
    assert_refused,
    assert_same_model,
    assert_unchanged,
    forward_predict,
    forward_proba,
    snapshot,
)
from sknn import MLPClassifier, MLPRegressor, skops_trusted_types

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

ESTIMATORS = [MLPClassifier, MLPRegressor]
# full-batch plain SGD without shuffling: no state but θ carries between fits
STATELESS = dict(solver="sgd", shuffle=False, n_iter_no_change=None)


def _data(estimator, binary_data, regression_data):
    return binary_data if estimator is MLPClassifier else regression_data


def _without_factors(params):
    return {k: v for k, v in params.items() if k != "learning_rate_factors"}


# ------------------------------------------------------------ what users see


@pytest.mark.parametrize("name", PARAMETRIZATIONS)
@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_predictions_are_a_plain_forward_pass_of_coefs(
    estimator, name, binary_data, regression_data
):
    """coefs_ and intercepts_ are the weights predictions multiply by: an
    ordinary network worked out from them by hand predicts what the model
    does, and transform is its last hidden layer."""
    X, y = _data(estimator, binary_data, regression_data)
    model = estimator(**{**FAST, "hidden_layer_sizes": (6, 5)}, activation="tanh",
                      **PARAMETRIZATIONS[name]).fit(X, y)  # fmt: skip
    if estimator is MLPClassifier:
        np.testing.assert_allclose(model.predict_proba(X), forward_proba(model, X),
                                   rtol=1e-12, atol=1e-15)  # fmt: skip
    else:
        np.testing.assert_allclose(
            model.predict(X), forward_predict(model, X)[:, 0], rtol=1e-12, atol=1e-15
        )
    A = np.tanh(np.tanh(X @ model.coefs_[0] + model.intercepts_[0])
                @ model.coefs_[1] + model.intercepts_[1])  # fmt: skip
    np.testing.assert_allclose(model.transform(X), A, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("front_scale", [False, True])
def test_coefs_fold_the_front_scale_and_the_ntk_factors_in(front_scale, binary_data):
    """coefs_[0] = diag(s) W⁽¹⁾/√fan_in and coefs_[l] = W⁽ˡ⁾/√fan_in of the
    stored W that training continues from; intercepts_ are the stored b."""
    X, y = binary_data
    clf = MLPClassifier(
        **{**FAST, "hidden_layer_sizes": (6, 5)}, front_scale=front_scale,
        parametrization="ntk",
    ).fit(X, y)  # fmt: skip
    stored_coefs, stored_intercepts = clf._network.unpack(clf._theta)
    for layer, (coef, W) in enumerate(zip(clf.coefs_, stored_coefs)):
        expected = W / np.sqrt(W.shape[0])
        if layer == 0 and front_scale:
            expected = clf.front_scale_[:, None] * expected
        np.testing.assert_allclose(coef, expected, rtol=1e-15)
    for b, stored in zip(clf.intercepts_, stored_intercepts):
        np.testing.assert_array_equal(b, stored)
    assert hasattr(clf, "front_scale_") == front_scale


def test_ntk_starts_from_n01_weights_and_a_zero_output_layer(multiclass_data):
    """A fit at a rate too small to move anything shows the initial state:
    W ~ N(0, 1) stored (so coefs_ · √fan_in), biases N(0, 1), the output
    layer 0, the front scale 1."""
    X, y = multiclass_data
    clf = MLPClassifier(
        (200,), solver="sgd", learning_rate=1e-300, max_iter=1,
        front_scale=True, parametrization="ntk", random_state=0,
    ).fit(X, y)  # fmt: skip
    stored = clf.coefs_[0] * np.sqrt(X.shape[1])
    assert abs(stored.mean()) < 0.1 and abs(stored.std() - 1) < 0.1
    assert abs(clf.intercepts_[0].std() - 1) < 0.2
    # 0 plus one step of 1e-300
    assert np.abs(clf.coefs_[1]).max() < 1e-290
    assert np.abs(clf.intercepts_[1]).max() < 1e-290
    np.testing.assert_array_equal(clf.front_scale_, np.ones(X.shape[1]))
    # a zero output layer predicts the uniform distribution
    np.testing.assert_allclose(clf.predict_proba(X), 1 / 3, rtol=1e-15)


def test_summary_counts_the_front_scale(binary_data):
    X, y = binary_data
    lines = []
    MLPClassifier(**FAST, front_scale=True).fit(X, y).summary(lines.append)
    table = lines[0]
    assert "front_scale      6" in table
    # 6 scales + (6 + 1)·8 + (8 + 1)·1
    assert "Total parameters: 71" in table
    plain = []
    MLPClassifier(**FAST).fit(X, y).summary(plain.append)
    assert "front_scale" not in plain[0] and "Total parameters: 65" in plain[0]


def test_front_scale_is_learnt_and_left_out_of_alpha_and_weight_decay(binary_data):
    """One full-batch SGD step: s moves; the L2 term and weight decay change
    the weights' step but not s's (its gradient is the old θ's)."""
    X, y = binary_data
    params = dict(STATELESS, hidden_layer_sizes=(6,), batch_size=len(y),
                  max_iter=1, front_scale=True, random_state=0)  # fmt: skip
    plain = MLPClassifier(**params, alpha=0.0).fit(X, y)
    regularised = MLPClassifier(**params, alpha=5.0, weight_decay=3.0).fit(X, y)
    assert not np.array_equal(plain.front_scale_, np.ones(X.shape[1]))
    np.testing.assert_array_equal(regularised.front_scale_, plain.front_scale_)
    assert not np.allclose(regularised.coefs_[1], plain.coefs_[1])


def test_a_refit_without_front_scale_drops_front_scale_(binary_data):
    X, y = binary_data
    clf = MLPClassifier(**FAST, front_scale=True).fit(X, y)
    assert clf.front_scale_.shape == (X.shape[1],)
    clf.set_params(front_scale=False).fit(X, y)
    assert not hasattr(clf, "front_scale_") and clf._theta is None


# ------------------------------------------------------------ rate factors


@pytest.mark.parametrize("group", ["weights", "biases"])
def test_a_factor_of_two_doubles_that_groups_sgd_step(group, multiclass_data):
    """One full-batch SGD step from the same initial weights: the group with
    factor 2 moves twice as far, the other exactly as without factors."""
    X, y = multiclass_data
    params = dict(STATELESS, hidden_layer_sizes=(5,), batch_size=len(y),
                  learning_rate=0.1, max_iter=1, random_state=0)  # fmt: skip
    frozen = MLPClassifier(**{**params, "learning_rate": 1e-300}).fit(X, y)
    plain = MLPClassifier(**params).fit(X, y)
    doubled = MLPClassifier(**params, learning_rate_factors={group: 2.0}).fit(X, y)
    attribute = {"weights": "coefs_", "biases": "intercepts_"}
    for name, values in attribute.items():
        for start, one, two in zip(
            getattr(frozen, values), getattr(plain, values), getattr(doubled, values)
        ):
            if name == group:
                np.testing.assert_allclose(two - start, 2 * (one - start),
                                           rtol=1e-12, atol=1e-15)  # fmt: skip
                assert np.abs(one - start).max() > 1e-4
            else:
                np.testing.assert_array_equal(two, one)


def test_realmlps_factors_train_its_groups_at_their_rates(binary_data):
    """With Adam's first step (every entry moves by about the rate), the
    biases move by about 0.1·η and the front scale by about 6·η."""
    X, y = binary_data
    eta = 1e-3
    params = dict(hidden_layer_sizes=(6,), solver="adam", learning_rate=eta,
                  batch_size=len(y), max_iter=1, shuffle=False, alpha=0.0,
                  front_scale=True, random_state=0)  # fmt: skip
    start = MLPClassifier(**{**params, "learning_rate": 1e-300}).fit(X, y)
    clf = MLPClassifier(
        **params, learning_rate_factors={"biases": 0.1, "front_scale": 6.0}
    ).fit(X, y)
    moved = np.abs(clf.intercepts_[0] - start.intercepts_[0])
    np.testing.assert_allclose(moved[moved > 0], 0.1 * eta, rtol=1e-3)
    np.testing.assert_allclose(np.abs(clf.front_scale_ - 1), 6 * eta, rtol=1e-3)


@pytest.mark.parametrize(
    "factors, words",
    [
        ({"bias": 0.1}, "keys are among.*'bias' is not one"),
        ({"biases": 0.0}, "finite positive.*'biases' factor is 0.0"),
        ({"weights": -1.0}, "finite positive.*'weights' factor is -1.0"),
        ({"front_scale": np.inf}, "finite positive.*'front_scale' factor is inf"),
        ({"biases": np.nan}, "finite positive.*'biases' factor is nan"),
        ({"biases": True}, "finite positive.*'biases' factor is True"),
        ({"biases": "0.1"}, "finite positive.*'biases' factor is '0.1'"),
        ([0.1, 6.0], "must be an instance of 'dict' or None"),
    ],
)
def test_bad_rate_factors_are_refused_before_anything_changes(factors, words):
    X, y = np.random.default_rng(0).normal(size=(20, 3)), np.arange(20) % 2
    clf = MLPClassifier(**FAST, learning_rate_factors=factors)
    assert_refused(clf, lambda: clf.fit(X, y), ValueError, "learning_rate_factors",
                   words)  # fmt: skip
    fitted = MLPClassifier(**FAST).fit(X, y).set_params(learning_rate_factors=factors)
    before = snapshot(fitted, X)
    with pytest.raises(ValueError, match=words):
        fitted.partial_fit(X, y)
    assert_unchanged(fitted, X, before)


def test_lbfgs_refuses_rate_factors_and_takes_the_parametrisations(binary_data):
    X, y = binary_data
    clf = MLPClassifier(**FAST, solver="lbfgs", learning_rate_factors={})
    assert_refused(clf, lambda: clf.fit(X, y), ValueError,
                   r"learning_rate_factors=\{\}.*L-BFGS.*'adam'")  # fmt: skip
    for name, params in PARAMETRIZATIONS.items():
        model = MLPClassifier((6,), solver="lbfgs", max_iter=100, random_state=0,
                              **_without_factors(params)).fit(X, y)  # fmt: skip
        assert model.score(X, y) > 0.9, name


@pytest.mark.parametrize(
    "params, words",
    [
        (
            {"parametrization": "NTK"},
            "parametrization.*'ntk'.*'standard'|'standard'.*'ntk'",
        ),
        ({"front_scale": 1}, "front_scale.*bool"),
    ],
)
def test_bad_parametrisations_are_refused(params, words):
    X, y = np.random.default_rng(0).normal(size=(20, 3)), np.arange(20) % 2
    clf = MLPClassifier(**FAST, **params)
    assert_refused(clf, lambda: clf.fit(X, y), ValueError, words)


@pytest.mark.parametrize(
    "change", [{"front_scale": False}, {"parametrization": "standard"}]
)
def test_continuing_under_another_parametrisation_is_refused(change, binary_data):
    """The stored parameters mean something else under another
    parametrisation: warm start and partial_fit refuse, changing nothing."""
    X, y = binary_data
    clf = MLPClassifier(**FAST, **PARAMETRIZATIONS["realmlp"]).fit(X, y)
    name = next(iter(change))
    clf.set_params(warm_start=True, **change)
    before = snapshot(clf, X)
    for call in (lambda: clf.fit(X, y), lambda: clf.partial_fit(X, y)):
        with pytest.raises(ValueError, match=f"trained with {name}=.*warm_start=False"):
            call()
    assert_unchanged(clf, X, before)
    clf.set_params(warm_start=False).fit(X, y)  # starting over is fine
    assert clf.n_iter_ == FAST["max_iter"]


# ------------------------------------------------ continuing from θ exactly


@pytest.mark.parametrize("name", PARAMETRIZATIONS)
@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_a_warm_start_continues_from_the_stored_parameters_exactly(
    estimator, name, binary_data, regression_data
):
    """Full-batch SGD without shuffling carries nothing but θ between fits:
    10 epochs and 10 warm-started ones are 20 at once, bit for bit (a model
    rebuilt from coefs_ would differ in the last bits: 1/√fan_in and s are
    folded into them)."""
    X, y = _data(estimator, binary_data, regression_data)
    w = np.random.default_rng(0).uniform(0.5, 2.0, len(y))
    params = dict(
        STATELESS,
        hidden_layer_sizes=(6, 5),
        learning_rate=0.05,
        batch_size=len(y),
        random_state=0,
        **PARAMETRIZATIONS[name],
    )
    twice = estimator(**params, max_iter=10, warm_start=True)
    twice.fit(X, y, sample_weight=w).fit(X, y, sample_weight=w)
    once = estimator(**params, max_iter=20).fit(X, y, sample_weight=w)
    assert_same_model(twice, once)
    if name != "ntk":
        np.testing.assert_array_equal(twice.front_scale_, once.front_scale_)


@pytest.mark.parametrize("name", PARAMETRIZATIONS)
@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_partial_fit_after_fit_and_a_pickle_continue_exactly(
    estimator, name, binary_data, regression_data
):
    """Adam with shuffled minibatches: a fit of 6 epochs then 4 partial_fit
    calls (the optimiser's moments, the random stream and θ carried on), on
    the model itself and on its pickled copy, is a fit of 10 epochs."""
    X, y = _data(estimator, binary_data, regression_data)
    params = dict(
        hidden_layer_sizes=(6,),
        learning_rate=0.02,
        batch_size=32,
        n_iter_no_change=None,
        random_state=0,
        **PARAMETRIZATIONS[name],
    )
    first = estimator(**params, max_iter=6).fit(X, y)
    loaded = pickle.loads(pickle.dumps(first))
    for model in (first, loaded):
        for _ in range(4):
            model.partial_fit(X, y)
    once = estimator(**params, max_iter=10).fit(X, y)
    assert_same_model(first, once)
    assert_same_model(loaded, once)


# ------------------------------------------------------ with everything else


@pytest.mark.parametrize("name", PARAMETRIZATIONS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sparse_X_trains_the_model_dense_X_trains(name, dtype, binary_data):
    X, y = binary_data
    X = np.where(np.abs(X) > 0.5, X, 0.0).astype(dtype)
    params = dict(FAST, hidden_layer_sizes=(6, 5), **PARAMETRIZATIONS[name])
    dense = MLPClassifier(**params).fit(X, y)
    sparse = MLPClassifier(**params).fit(sp.csr_matrix(X), y)
    rtol = 1e-4 if dtype == np.float32 else 1e-10
    assert_same_model(sparse, dense, rtol=rtol)
    if name != "ntk":
        np.testing.assert_allclose(sparse.front_scale_, dense.front_scale_, rtol=rtol)


@pytest.mark.parametrize("estimator", ESTIMATORS)
@pytest.mark.parametrize("solver", GRADIENT_SOLVERS)
def test_float32_trains_and_stays_float32(
    estimator, solver, binary_data, regression_data
):
    """Every gradient solver with RealMLP's parametrisation, its schedule,
    weights, a hold-out with early stopping and the regularisers, in float32:
    the loss falls, and every array stays float32."""
    X, y = _data(estimator, binary_data, regression_data)
    X = X.astype(np.float32)
    # "ntk" scales the weights' gradients by 1/√fan_in: plain SGD needs a
    # larger rate than the adaptive rules
    model = estimator(
        (16, 16), "selu", solver=solver, max_iter=30, batch_size=20,
        learning_rate=1.0 if solver == "sgd" else 0.05,
        learning_rate_schedule="coslog4", early_stopping=True,
        n_iter_no_change=None, weight_decay=0.01, clip_grad_norm=5.0,
        random_state=0, **PARAMETRIZATIONS["realmlp"],
    )  # fmt: skip
    weights = np.random.default_rng(0).uniform(0.5, 2.0, len(y))
    model.fit(X, y, sample_weight=weights)
    arrays = [*model.coefs_, *model.intercepts_, model.front_scale_, model._theta]
    assert all(a.dtype == np.float32 and np.isfinite(a).all() for a in arrays)
    predict = model.predict_proba if estimator is MLPClassifier else model.predict
    assert predict(X).dtype == np.float32
    assert model.history_["loss"][-1] < 0.9 * model.history_["loss"][0]


@pytest.mark.parametrize("name", ["front_scale", "ntk"])
def test_a_weight_of_two_means_the_row_twice(name, binary_data):
    """L-BFGS minimises the same J for weights of 2 as for repeated rows."""
    X, y = binary_data
    w = np.where(np.arange(len(y)) % 3 == 0, 2.0, 1.0)
    rows = np.repeat(np.arange(len(y)), w.astype(int))
    params = dict(hidden_layer_sizes=(5,), solver="lbfgs", max_iter=30,
                  random_state=0, **PARAMETRIZATIONS[name])  # fmt: skip
    weighted = MLPClassifier(**params).fit(X, y, sample_weight=w)
    repeated = MLPClassifier(**params).fit(X[rows], y[rows])
    np.testing.assert_allclose(weighted.loss_curve_, repeated.loss_curve_, rtol=1e-9)
    np.testing.assert_allclose(
        weighted.predict_proba(X), repeated.predict_proba(X), rtol=1e-6, atol=1e-9
    )


def test_pickle_skops_clone_and_search(binary_data):
    X, y = binary_data
    clf = MLPClassifier(**FAST, **PARAMETRIZATIONS["realmlp"]).fit(X, y)
    sio = pytest.importorskip("skops.io")
    copies = [
        clone(clf).fit(X, y),
        pickle.loads(pickle.dumps(clf)),
        copy.deepcopy(clf),
        sio.loads(sio.dumps(clf), trusted=skops_trusted_types()),
    ]
    for other in copies:
        assert other.get_params() == clf.get_params()
        np.testing.assert_array_equal(other.predict_proba(X), clf.predict_proba(X))
        np.testing.assert_array_equal(other.front_scale_, clf.front_scale_)
    loaded = copies[-1]
    for model in (clf, loaded):
        model.partial_fit(X, y)
    assert_same_model(loaded, clf)
    grid = {"front_scale": [False, True], "parametrization": ["standard", "ntk"]}
    search = GridSearchCV(MLPClassifier(**FAST), grid, cv=2).fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert len(set(search.cv_results_["mean_test_score"].round(12))) > 1
