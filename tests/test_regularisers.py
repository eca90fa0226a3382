"""The regularisers: ``weight_decay`` (decoupled, both estimators),
``clip_grad_norm`` (both) and ``label_smoothing`` (the classifier), each
against its formula and with the rest of the estimator: every solver, sample
weights, a hold-out, warm start, partial_fit, float32, sparse X, the fused
kernels, pickling and model selection. The update rules themselves are
checked in ``test_optimizers.py``."""

import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

from conftest import FAST, GRADIENT_SOLVERS, SOLVERS
from sknn import MLPClassifier, MLPRegressor, skops_trusted_types
from sknn._base.targets import label_targets, output_layer
from sknn._math import kernels as _kernels
from sknn._math.network import Backprop, Network

NEW = {"weight_decay": 0.05, "clip_grad_norm": 0.5}


def _weights(model):
    return np.concatenate([c.ravel() for c in model.coefs_])


# ------------------------------------------------------------ weight decay


def test_weight_decay_shrinks_the_weights_not_the_biases(binary_data):
    X, y = binary_data
    params = dict(FAST, solver="adam", alpha=0.0, max_iter=30)
    plain = MLPClassifier(**params).fit(X, y)
    decayed = MLPClassifier(**params, weight_decay=1.0).fit(X, y)
    assert np.linalg.norm(_weights(decayed)) < 0.8 * np.linalg.norm(_weights(plain))


def test_sgdw_decays_by_the_scheduled_rate(binary_data):
    """One full-batch SGD step: θ(1 − η·wd) − η g on the weights, with η the
    rate the schedule set (here a callable halving α)."""
    X, y = binary_data
    params = dict(
        hidden_layer_sizes=(4,), solver="sgd", alpha=0.0, batch_size=len(y),
        max_iter=1, shuffle=False, random_state=0,
        learning_rate_schedule=_halved,
    )  # fmt: skip
    plain = MLPClassifier(**params).fit(X, y)
    decayed = MLPClassifier(**params, weight_decay=0.5).fit(X, y)
    frozen = {"learning_rate": 1e-300, "learning_rate_schedule": "constant"}
    initial = MLPClassifier(**{**params, **frozen}).fit(X, y)
    eta = 0.5e-3  # _halved's rate for the first epoch
    for W0, Wp, Wd in zip(initial.coefs_, plain.coefs_, decayed.coefs_):
        np.testing.assert_allclose(Wd, Wp - eta * 0.5 * W0, rtol=1e-12, atol=1e-15)
    for bp, bd in zip(plain.intercepts_, decayed.intercepts_):
        np.testing.assert_array_equal(bp, bd)


def _halved(epoch, rate):
    return 0.5e-3


# ------------------------------------------------------------ clipping


def test_clipping_bounds_each_step(binary_data):
    """With plain SGD a step is η·g: clipped, no longer than η·c."""
    X, y = binary_data
    params = dict(
        hidden_layer_sizes=(4,), solver="sgd", learning_rate=0.1, batch_size=len(y),
        max_iter=1, shuffle=False, random_state=0,
    )  # fmt: skip
    start = MLPClassifier(**{**params, "learning_rate": 1e-300}).fit(X, y)
    theta0 = np.concatenate([*map(np.ravel, start.coefs_), *start.intercepts_])
    for c in (1e-3, 1e-2):
        clf = MLPClassifier(**params, clip_grad_norm=c).fit(X, y)
        theta = np.concatenate([*map(np.ravel, clf.coefs_), *clf.intercepts_])
        # ‖η·g·c/(‖g‖ + 1e-6)‖ = η·c up to 1e-6/‖g‖
        np.testing.assert_allclose(np.linalg.norm(theta - theta0), 0.1 * c, rtol=1e-4)
    unclipped = MLPClassifier(**params).fit(X, y)
    loose = MLPClassifier(**params, clip_grad_norm=1e6).fit(X, y)
    for a, b in zip(unclipped.coefs_, loose.coefs_):
        np.testing.assert_array_equal(a, b)  # a bound never reached changes nothing


# ------------------------------------------------------------ label smoothing


def _smoothed_cost(clf, X, y, epsilon):
    """J of the fitted weights on the smoothed targets, worked out by hand."""
    P = clf.predict_proba(X).astype(np.float64)
    columns = np.searchsorted(clf.classes_, y)
    if clf.out_activation_ == "softmax":
        K = len(clf.classes_)
        T = np.full(P.shape, epsilon / K)
        T[np.arange(len(y)), columns] += 1 - epsilon
        losses = -(T * np.log(P)).sum(axis=1)
    else:
        p, t = P[:, 1], columns * (1 - epsilon) + epsilon / 2
        losses = -(t * np.log(p) + (1 - t) * np.log(1 - p))
    l2 = sum(float((c.astype(np.float64) ** 2).sum()) for c in clf.coefs_)
    return (losses.sum() + 0.5 * clf.alpha * l2) / len(y)


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("data", ["binary_data", "multiclass_data"])
def test_val_loss_is_j_of_the_smoothed_targets(solver, data, request):
    X, y = request.getfixturevalue(data)
    order = np.random.default_rng(0).permutation(len(y))  # every class in both
    X, y = X[order], y[order]
    clf = MLPClassifier(
        (6,), solver=solver, label_smoothing=0.2, max_iter=5,
        n_iter_no_change=None, random_state=0,
    )  # fmt: skip
    clf.fit(X[:90], y[:90], X_val=X[90:], y_val=y[90:])
    expected = _smoothed_cost(clf, X[90:], y[90:], 0.2)
    assert clf.history_["val_loss"][-1] == pytest.approx(expected, rel=1e-9)
    # metrics never smooth: the hold-out accuracy of the fitted weights
    accuracy = np.mean(clf.predict(X[90:]) == y[90:])
    assert clf.history_["val_accuracy"][-1] == pytest.approx(accuracy)


def test_smoothed_softmax_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(7, 5))
    y = rng.integers(0, 4, 7)
    clf = MLPClassifier(label_smoothing=0.3)
    T = label_targets(
        y, np.arange(4), "multiclass", np.float64, "y", clf.label_smoothing
    )
    assert T.shape == (7, 4) and np.allclose(T.sum(axis=1), 1)
    output, n_out = output_layer("multiclass", 4)
    network = Network((5, 3, n_out), "tanh", output, (0.0,))
    theta = network.initialize(rng, np.float64)
    theta += rng.normal(scale=0.1, size=network.n_params)
    backprop = Backprop(network, 7, np.float64)

    def cost(theta, grad):
        return backprop.loss_and_gradient(X, T, None, theta, grad, 0.2)

    grad = np.empty_like(theta)
    cost(theta, grad)
    numeric = np.empty_like(theta)
    for i in range(theta.size):
        step = np.zeros_like(theta)
        step[i] = 1e-6
        plus = cost(theta + step, np.empty_like(theta))
        numeric[i] = (plus - cost(theta - step, np.empty_like(theta))) / 2e-6
    assert np.linalg.norm(numeric - grad) / np.linalg.norm(numeric + grad) < 1e-6


def test_smoothing_multilabel_targets(multilabel_data):
    X, Y = multilabel_data
    clf = MLPClassifier(**FAST, label_smoothing=0.2).fit(X, Y)
    targets = clf._codec().encode(Y, np.float64, continuing=False,
                                  incremental=False, classes=None)  # fmt: skip
    np.testing.assert_allclose(targets.T, Y * 0.8 + 0.1)


# ------------------------------------------------------ with everything else


@pytest.mark.parametrize("name", ["weight_decay", "clip_grad_norm"])
def test_lbfgs_refuses_the_step_regularisers(name, binary_data):
    X, y = binary_data
    clf = MLPClassifier(**FAST, solver="lbfgs", **{name: NEW[name]})
    with pytest.raises(ValueError, match=f"{name}=.*gradient solver.*alpha"):
        clf.fit(X, y)
    assert not hasattr(clf, "coefs_")


@pytest.mark.parametrize("estimator", [MLPClassifier, MLPRegressor])
@pytest.mark.parametrize("solver", GRADIENT_SOLVERS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_every_combination_trains_to_finite_weights(
    estimator, solver, dtype, binary_data
):
    """Weights, a hold-out with early stopping, sparse X, warm start and
    partial_fit, in both precisions, with every regulariser at once."""
    X, y = binary_data
    X = X.astype(dtype)
    y = y if estimator is MLPClassifier else y + X[:, 0]
    extra = {"label_smoothing": 0.1} if estimator is MLPClassifier else {}
    model = estimator(
        **FAST, **NEW, **extra, solver=solver, early_stopping=True,
        warm_start=True,
    )  # fmt: skip
    weights = np.random.default_rng(0).uniform(0.5, 2.0, len(y))
    model.fit(sp.csr_matrix(X), y, sample_weight=weights)
    model.fit(X, y, sample_weight=weights)
    model.partial_fit(X, y, sample_weight=weights)
    assert model.coefs_[0].dtype == dtype
    assert all(np.isfinite(c).all() for c in model.coefs_)
    assert model.n_iter_ == len(model.history_["loss"])


@pytest.mark.parametrize("solver", GRADIENT_SOLVERS)
def test_fused_kernels_follow_the_numpy_path(solver, multiclass_data):
    X, y = multiclass_data
    params = dict(FAST, **NEW, solver=solver, label_smoothing=0.1, dropout=0.2)
    models = []
    for enable in (False, True):
        with _kernels.use_numba(enable):
            models.append(MLPClassifier(**params).fit(X, y))
    for a, b in zip(models[0].coefs_, models[1].coefs_):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_parameters_pickle_clone_and_search(binary_data):
    X, y = binary_data
    clf = MLPClassifier(**FAST, **NEW, label_smoothing=0.1).fit(X, y)
    for copy in (clone(clf), pickle.loads(pickle.dumps(clf))):
        params = copy.get_params()
        assert params["weight_decay"] == 0.05 and params["clip_grad_norm"] == 0.5
        assert params["label_smoothing"] == 0.1
    np.testing.assert_array_equal(
        pickle.loads(pickle.dumps(clf)).predict_proba(X), clf.predict_proba(X)
    )
    sio = pytest.importorskip("skops.io")
    loaded = sio.loads(sio.dumps(clf), trusted=skops_trusted_types())
    assert loaded.get_params() == clf.get_params()
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    loaded.partial_fit(X, y)  # and trains on with them
    assert loaded.n_iter_ == clf.n_iter_ + 1
    grid = {"weight_decay": [0.0, 0.1], "label_smoothing": [0.0, 0.1],
            "clip_grad_norm": [None, 1.0]}  # fmt: skip
    search = GridSearchCV(MLPClassifier(**FAST), grid, cv=2).fit(X, y)
    assert len(search.cv_results_["params"]) == 8
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


@pytest.mark.parametrize(
    "name, value, words",
    [
        ("weight_decay", -0.1, "[0.0, inf)"),
        ("clip_grad_norm", 0.0, "(0.0, inf)"),
        ("label_smoothing", 1.0, "[0.0, 1.0)"),
    ],
)
def test_out_of_range_values_are_refused(name, value, words, binary_data):
    X, y = binary_data
    clf = MLPClassifier(**FAST, **{name: value})
    with pytest.raises(ValueError, match=rf"{name}.*{words[1:-1]}"):
        clf.fit(X, y)
