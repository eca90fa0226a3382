"""Backpropagation against central finite differences, and the network's layout."""

import itertools

import numpy as np
import pytest
import scipy.sparse as sp

from sknn._base.targets import encode, output_layer
from sknn._math.activations import ACTIVATIONS as FUNCTIONS
from sknn._math.losses import (
    AbsoluteErrorOutput,
    GammaOutput,
    HuberOutput,
    QuantileOutput,
)
from sknn._math.network import Backprop, Network

ACTIVATIONS = sorted(FUNCTIONS)
# per-layer mixes: g' from a before g' from z and back, the relu family next
# to the smooth ones, and three hidden layers
MIXES = [
    ("gelu", "relu"),
    ("relu", "gelu"),
    ("selu", "mish"),
    ("silu", "elu"),
    ("leaky_relu", "softplus"),
    ("tanh", "silu", "logistic"),
    ("mish", "relu", "gelu"),
]
KINDS = ["binary", "multiclass", "multilabel-indicator"]


def _problem(kind, rng, n=7, n_features=5):
    X = rng.normal(size=(n, n_features))
    if kind == "binary":
        y, classes = rng.integers(0, 2, n), np.array([0, 1])
    elif kind == "multiclass":
        y, classes = rng.integers(0, 4, n), np.arange(4)
    else:
        y, classes = rng.integers(0, 2, (n, 3)), np.arange(3)
    out_activation, n_out = output_layer(kind, len(classes))
    return X, encode(y, classes, kind, np.float64), out_activation, n_out


def _cost(backprop, X, T, w, theta, alpha):
    grad = np.empty_like(theta)
    J = backprop.loss_and_gradient(X, T, w, theta, grad, alpha)
    return J, grad


def _relative_gradient_error(backprop, X, T, w, theta, alpha):
    """‖numeric − backprop‖ / ‖numeric + backprop‖, central differences."""
    _, grad = _cost(backprop, X, T, w, theta, alpha)
    numeric = np.empty_like(theta)
    eps = 1e-6
    for i in range(theta.size):
        step = np.zeros_like(theta)
        step[i] = eps
        numeric[i] = (
            _cost(backprop, X, T, w, theta + step, alpha)[0]
            - _cost(backprop, X, T, w, theta - step, alpha)[0]
        ) / (2 * eps)
    return np.linalg.norm(numeric - grad) / np.linalg.norm(numeric + grad)


def _perturbed_theta(network, rng):
    theta = network.initialize(rng, np.float64)
    theta += rng.normal(scale=0.1, size=theta.shape)  # non-zero biases too
    return theta


@pytest.mark.parametrize(
    "activation, kind, alpha, weighted",
    list(itertools.product(ACTIVATIONS, KINDS, [0.0, 0.3], [False, True])),
)
def test_gradient_matches_finite_differences(activation, kind, alpha, weighted):
    rng = np.random.default_rng(42)
    X, T, out_activation, n_out = _problem(kind, rng)
    w = rng.uniform(0.1, 3.0, size=len(X)) if weighted else None
    network = Network((X.shape[1], 4, 3, n_out), activation, out_activation, (0, 0))
    theta = _perturbed_theta(network, rng)
    backprop = Backprop(network, len(X), np.float64)
    assert _relative_gradient_error(backprop, X, T, w, theta, alpha) < 1e-6


@pytest.mark.parametrize(
    "activations, kind, weighted",
    list(itertools.product(MIXES, KINDS, [False, True])),
    ids=lambda v: "-".join(v) if isinstance(v, tuple) else str(v),
)
def test_gradient_of_per_layer_activations_matches_finite_differences(
    activations, kind, weighted
):
    rng = np.random.default_rng(11)
    X, T, out_activation, n_out = _problem(kind, rng)
    w = rng.uniform(0.1, 3.0, size=len(X)) if weighted else None
    sizes = (X.shape[1], *[4, 3, 5][: len(activations)], n_out)
    dropout = (0.0,) * len(activations)
    network = Network(sizes, activations, out_activation, dropout)
    assert network.activations == activations
    theta = _perturbed_theta(network, rng)
    backprop = Backprop(network, len(X), np.float64)
    assert _relative_gradient_error(backprop, X, T, w, theta, 0.3) < 1e-6


def test_only_the_activations_that_need_z_keep_a_copy_of_it():
    """g' of gelu, silu and mish reads z from a buffer of its own; every
    other layer reads its activations where the forward pass left them,
    with no extra buffer (the path relu, logistic and tanh always took)."""
    activations = ("relu", "gelu", "tanh", "silu", "logistic", "mish", "elu")
    sizes = (3, 4, 5, 6, 7, 8, 9, 10, 2)
    network = Network(sizes, activations, "softmax", (0.0,) * 7)
    backprop = Backprop(network, 6, np.float64)
    needs_z = [name in ("gelu", "silu", "mish") for name in activations]
    assert [pre is not None for pre in backprop.pre] == needs_z
    for layer, kept in enumerate(backprop.kept):
        assert kept is (backprop.pre[layer] if needs_z[layer] else backprop.Z[layer])
    X = np.random.default_rng(0).normal(size=(6, 3))
    theta = network.initialize(np.random.default_rng(1), np.float64)
    backprop.forward(X, theta, train=True)
    coefs, intercepts = network.unpack(theta)
    A = X
    for layer, name in enumerate(activations):
        Z = A @ coefs[layer] + intercepts[layer]
        A = FUNCTIONS[name](Z.copy())
        np.testing.assert_array_equal(backprop.Z[layer][:6], A)
        if needs_z[layer]:
            np.testing.assert_array_equal(backprop.pre[layer][:6], Z)


@pytest.mark.parametrize(
    "activation, output, n_out, alpha, weighted",
    list(
        itertools.product(
            ACTIVATIONS, ["identity", "exp"], [1, 3], [0.0, 0.3], [False, True]
        )
    ),
)
def test_regression_gradient_matches_finite_differences(
    activation, output, n_out, alpha, weighted
):
    """Squared error (identity output) and Poisson (exp output), whose
    per-sample loss averages over the K outputs."""
    rng = np.random.default_rng(7)
    X = rng.normal(size=(7, 5))
    if output == "identity":
        T = rng.normal(scale=2.0, size=(7, n_out))
    else:
        T = rng.poisson(2.0, size=(7, n_out)).astype(float)
    w = rng.uniform(0.1, 3.0, size=len(X)) if weighted else None
    network = Network((X.shape[1], 4, 3, n_out), activation, output, (0, 0))
    theta = _perturbed_theta(network, rng)
    backprop = Backprop(network, len(X), np.float64)
    assert _relative_gradient_error(backprop, X, T, w, theta, alpha) < 1e-6


# The regression losses with their own parameters, and targets that keep
# every residual r = y − h away from the kinks (r = 0 for absolute error and
# quantile; |r| = δ, where Huber's second derivative jumps).
REGRESSION_LOSSES = {
    "gamma": (GammaOutput, 0.0),
    "absolute_error": (AbsoluteErrorOutput, 0.0),
    "quantile_0.2": (QuantileOutput(0.2), 0.0),
    "quantile_0.9": (QuantileOutput(0.9), 0.0),
    "huber_0.5": (HuberOutput(0.5), 0.5),
    "huber_3": (HuberOutput(3.0), 3.0),
}


@pytest.mark.parametrize(
    "loss, n_out, alpha, weighted",
    list(itertools.product(REGRESSION_LOSSES, [1, 3], [0.0, 0.3], [False, True])),
)
def test_regression_loss_gradient_matches_finite_differences(
    loss, n_out, alpha, weighted
):
    """Gamma, absolute error, quantile and Huber: backpropagation against
    central differences in float64, away from the kinks (the central
    difference moves each h by about 1e-6, the residuals stay 1e-3 or more
    from every kink)."""
    output, kink = REGRESSION_LOSSES[loss]
    rng = np.random.default_rng(11)
    X = rng.normal(size=(9, 5))
    network = Network((X.shape[1], 4, 3, n_out), "tanh", output, (0, 0))
    theta = _perturbed_theta(network, rng)
    Z = network.logits(X, *network.unpack(theta))
    if loss == "gamma":
        T = rng.gamma(2.0, size=(9, n_out))
    else:
        T = Z + rng.choice([-1, 1], size=Z.shape) * rng.uniform(0.05, 5, Z.shape)
        assert np.abs(np.abs(T - Z) - kink).min() > 1e-3
        if kink:  # both of Huber's branches are checked
            assert (np.abs(T - Z) < kink).any() and (np.abs(T - Z) > kink).any()
    w = rng.uniform(0.1, 3.0, size=len(X)) if weighted else None
    backprop = Backprop(network, len(X), np.float64)
    assert _relative_gradient_error(backprop, X, T, w, theta, alpha) < 1e-6


@pytest.mark.parametrize("activations", ["tanh", ("gelu", "relu"), ("elu", "mish")])
def test_gradient_with_dropout_matches_finite_differences(activations):
    """With the dropout masks held fixed, the gradient is still exact."""
    rng = np.random.default_rng(1)
    X, T, out_activation, n_out = _problem("multiclass", rng)
    network = Network(
        (X.shape[1], 6, 5, n_out), activations, out_activation, (0.3, 0.5)
    )
    theta = network.initialize(rng, np.float64)
    backprop = Backprop(network, len(X), np.float64)

    def cost(theta):
        backprop.rng = np.random.default_rng(7)  # same masks every evaluation
        return _cost(backprop, X, T, None, theta, 0.1)

    _, grad = cost(theta)
    eps = 1e-6
    numeric = np.array(
        [
            (cost(theta + eps * e)[0] - cost(theta - eps * e)[0]) / (2 * eps)
            for e in np.eye(theta.size)
        ]
    )
    relative = np.linalg.norm(numeric - grad) / np.linalg.norm(numeric + grad)
    assert relative < 1e-6


def test_unpack_gives_views_in_layer_order():
    network = Network((3, 4, 2), "relu", "softmax", (0.0,))
    theta = np.arange(network.n_params, dtype=float)
    coefs, intercepts = network.unpack(theta)
    assert [c.shape for c in coefs] == [(3, 4), (4, 2)]
    assert [b.shape for b in intercepts] == [(4,), (2,)]
    assert network.n_params == 3 * 4 + 4 * 2 + 4 + 2
    coefs[1][0, 0] = -1.0
    assert theta[12] == -1.0  # a view, not a copy
    assert np.array_equal(network.pack(coefs, intercepts, float), theta)


def test_glorot_initialisation_bounds_and_zero_biases():
    network = Network((50, 30, 10), "relu", "softmax", (0.0,))
    theta = network.initialize(np.random.default_rng(0), np.float32)
    coefs, intercepts = network.unpack(theta)
    assert theta.dtype == np.float32
    for W in coefs:
        limit = np.sqrt(6 / sum(W.shape))
        assert np.abs(W).max() <= limit
        assert np.abs(W).max() > 0.9 * limit
    assert all(np.all(b == 0) for b in intercepts)


def test_dropout_is_off_when_not_training():
    rng = np.random.default_rng(0)
    network = Network((4, 8, 3), "relu", "softmax", (0.5,))
    theta = network.initialize(rng, np.float64)
    X = rng.normal(size=(5, 4))
    backprop = Backprop(network, 5, np.float64, np.random.default_rng(0))
    logits, _ = backprop.forward(X, theta, train=False)
    expected = network.logits(X, *network.unpack(theta))
    assert np.allclose(logits, expected)
    train_logits, _ = backprop.forward(X, theta, train=True)
    assert not np.allclose(train_logits, expected)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("weighted", [False, True])
def test_fused_relu_dropout_kernels_equal_numpy_bit_for_bit(dtype, weighted):
    """numba's one-pass relu + dropout (forward and backward) gives exactly
    the NumPy path's J, gradient and random stream, on a full and a short
    batch (the buffers sliced to fewer rows)."""
    pytest.importorskip("numba")
    from sknn._math import kernels as _kernels

    rng = np.random.default_rng(3)
    X, T, out_activation, n_out = _problem("multiclass", rng, n=12, n_features=6)
    X = X.astype(dtype)
    w = rng.uniform(0.5, 2, len(X)).astype(dtype) if weighted else None
    network = Network((6, 9, 7, n_out), "relu", out_activation, (0.3, 0.5))
    theta = network.initialize(rng, dtype)
    results = {}
    for enable in (False, True):
        with _kernels.use_numba(enable):
            backprop = Backprop(network, len(X), dtype, np.random.default_rng(5))
            runs = []
            for rows in (slice(None), slice(0, 5)):
                grad = np.empty_like(theta)
                weights = None if w is None else w[rows]
                J = backprop.loss_and_gradient(
                    X[rows], T[rows], weights, theta, grad, 0.1
                )
                runs.append((J, grad, backprop.masks[0][:5].copy()))
            results[enable] = runs
    assert ("relu_dropout", np.dtype(dtype)) in _kernels._compiled
    assert ("relu_dropout_backward", np.dtype(dtype)) in _kernels._compiled
    for (J_numpy, grad_numpy, mask_numpy), (J_numba, grad_numba, mask_numba) in zip(
        results[False], results[True]
    ):
        assert J_numba == J_numpy
        np.testing.assert_array_equal(grad_numba, grad_numpy)
        np.testing.assert_array_equal(mask_numba, mask_numpy)
        assert np.any(mask_numpy == 0) and np.any(mask_numpy > 1)


def test_fused_relu_dropout_kernel_keeps_nan():
    """A NaN pre-activation stays NaN through the fused relu (np.maximum's
    rule), so divergence is still seen."""
    pytest.importorskip("numba")
    from sknn._math import kernels as _kernels

    network = Network((3, 4, 2), "relu", "softmax", (0.5,))
    theta = network.initialize(np.random.default_rng(0), np.float64)
    theta[network.n_coef] = np.nan  # the first hidden unit's bias
    X = np.ones((3, 3))
    for enable in (False, True):
        with _kernels.use_numba(enable):
            backprop = Backprop(network, 3, np.float64, np.random.default_rng(0))
            backprop.forward(X, theta, train=True)
            assert np.isnan(backprop.Z[0][:, 0]).all()
            assert not np.isnan(backprop.Z[0][:, 1:]).any()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_fit_with_fused_dropout_kernels_matches_numpy_path(dtype):
    """A whole fit through the fused kernels (relu, dropout on both layers,
    sample weights, a hold-out with early stopping, a short last batch)
    follows the NumPy path: the same epochs, the same history to the
    optimiser's rounding, and the same predictions."""
    pytest.importorskip("numba")
    from sklearn.datasets import load_digits

    from sknn import MLPClassifier
    from sknn._math import kernels as _kernels

    X, y = load_digits(return_X_y=True)
    X, y = X[:500] / 16, y[:500]
    w = np.random.default_rng(0).uniform(0.5, 2.0, len(y))
    models = {}
    for enable in (False, True):
        with _kernels.use_numba(enable):
            models[enable] = MLPClassifier(
                (24, 16),
                dropout=(0.2, 0.1),
                solver="adam",
                learning_rate=0.01,
                batch_size=96,
                max_iter=15,
                early_stopping=True,
                n_iter_no_change=4,
                dtype=dtype,
                random_state=0,
            ).fit(X, y, sample_weight=w)
    numpy_fit, numba_fit = models[False], models[True]
    rtol = 1e-3 if dtype == "float32" else 1e-8
    assert numba_fit.n_iter_ == numpy_fit.n_iter_
    np.testing.assert_allclose(
        numba_fit.history_["val_loss"], numpy_fit.history_["val_loss"], rtol=rtol
    )
    np.testing.assert_allclose(
        numba_fit.predict_proba(X), numpy_fit.predict_proba(X), rtol=rtol, atol=1e-6
    )


def test_regressor_partial_fit_and_warm_start_through_fused_kernels():
    """The regressor's partial_fit chunks and a warm-started fit through the
    fused kernels follow the NumPy path (float64, to the optimiser's rounding)."""
    pytest.importorskip("numba")
    from sklearn.datasets import make_regression

    from sknn import MLPRegressor
    from sknn._math import kernels as _kernels

    X, y = make_regression(300, 8, noise=5.0, random_state=0)
    y = y / y.std()
    w = np.random.default_rng(1).uniform(0.5, 2.0, len(y))
    models = {}
    for enable in (False, True):
        with _kernels.use_numba(enable):
            reg = MLPRegressor(
                (16, 12), dropout=0.2, batch_size=64, max_iter=5, random_state=0
            )
            for rows in (slice(0, 150), slice(150, 300)):
                reg.partial_fit(X[rows], y[rows], sample_weight=w[rows])
            models[enable] = reg.set_params(warm_start=True).fit(X, y)
    numpy_fit, numba_fit = models[False], models[True]
    assert numba_fit.n_iter_ == numpy_fit.n_iter_
    np.testing.assert_allclose(
        numba_fit.history_["loss"], numpy_fit.history_["loss"], rtol=1e-8
    )
    np.testing.assert_allclose(numba_fit.predict(X), numpy_fit.predict(X), rtol=1e-8)


# ------------------------------------------------------ the parametrisation

# (front_scale, parametrization) of every network that is not plain
PARAMETRIZED = [(True, "standard"), (False, "ntk"), (True, "ntk")]


def _parametrized(front_scale, parametrization, sizes, activations, output):
    dropout = (0.0,) * (len(sizes) - 2)
    return Network(
        sizes, activations, output, dropout, front_scale=front_scale,
        parametrization=parametrization,
    )  # fmt: skip


@pytest.mark.parametrize("front_scale, parametrization", PARAMETRIZED)
@pytest.mark.parametrize("kind", [*KINDS, "regression"])
@pytest.mark.parametrize("alpha, weighted", [(0.0, False), (0.3, True)])
def test_gradient_of_the_stored_parameters_matches_finite_differences(
    front_scale, parametrization, kind, alpha, weighted
):
    """∂J/∂θ of the stored parameters (front scale s and W of "ntk"
    included) through θ̃ and back, with the L2 term on the stored weights and
    sample weights, against central differences in float64; sparse X gives
    the same J and gradient."""
    rng = np.random.default_rng(5)
    if kind == "regression":
        X = rng.normal(size=(7, 5))
        T, output, n_out = rng.normal(size=(7, 2)), "identity", 2
    else:
        X, T, output, n_out = _problem(kind, rng)
    network = _parametrized(
        front_scale, parametrization, (5, 4, 3, n_out), ("selu", "mish"), output
    )
    assert network.n_params == network.n_effective + 5 * front_scale
    theta = _perturbed_theta(network, rng)
    w = rng.uniform(0.1, 3.0, size=len(X)) if weighted else None
    backprop = Backprop(network, len(X), np.float64)
    assert _relative_gradient_error(backprop, X, T, w, theta, alpha) < 1e-6
    X_sparse = sp.csr_matrix(np.where(np.abs(X) > 0.5, X, 0.0))
    dense = _cost(backprop, X_sparse.toarray(), T, w, theta, alpha)
    sparse = _cost(backprop, X_sparse, T, w, theta, alpha)
    assert sparse[0] == pytest.approx(dense[0], rel=1e-14)
    np.testing.assert_allclose(sparse[1], dense[1], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("front_scale, parametrization", PARAMETRIZED)
def test_effective_weights_are_the_formula(front_scale, parametrization):
    """θ̃: Θ̃⁽ˡ⁾ = c_l Θ⁽ˡ⁾, c_l = 1/√fan_in under "ntk", the first layer's
    rows times s, the biases as stored; a forward pass of θ is a plain
    network's forward pass of θ̃, and J's L2 term is on the stored weights."""
    rng = np.random.default_rng(2)
    sizes = (5, 4, 3, 2)
    network = _parametrized(front_scale, parametrization, sizes, "tanh", "identity")
    theta = _perturbed_theta(network, rng)
    effective = network.effective(theta)
    assert effective.shape == (network.n_effective,)
    coefs, intercepts = network.unpack(theta)
    by_hand = []
    for layer, W in enumerate(coefs):
        c = 1 / np.sqrt(W.shape[0]) if parametrization == "ntk" else 1.0
        if layer == 0 and front_scale:
            W = network.scale_of(theta)[:, None] * W
        by_hand.append(c * W)
    for W_effective, W in zip(network.unpack(effective)[0], by_hand):
        np.testing.assert_allclose(W_effective, W, rtol=1e-15)
    for b_effective, b in zip(network.unpack(effective)[1], intercepts):
        np.testing.assert_array_equal(b_effective, b)
    X = rng.normal(size=(6, 5))
    plain = Network(sizes, "tanh", "identity", (0.0, 0.0))
    backprop = Backprop(network, 6, np.float64)
    logits, _ = backprop.forward(X, theta, train=False)
    np.testing.assert_allclose(
        logits, plain.logits(X, *plain.unpack(effective)), rtol=1e-14
    )
    T = rng.normal(size=(6, 2))
    l2 = (
        _cost(backprop, X, T, None, theta, 0.5)[0]
        - _cost(backprop, X, T, None, theta, 0.0)[0]
    )
    assert l2 == pytest.approx(0.5 / 2 / 6 * network.squared_norm(theta), rel=1e-12)
    assert network.squared_norm(theta) == pytest.approx(
        sum(float((W**2).sum()) for W in coefs), rel=1e-14
    )


def test_a_plain_network_maps_nothing():
    """The default parametrisation runs on θ itself: no copy, no buffer."""
    network = Network((3, 4, 2), "relu", "softmax", (0.0,))
    theta = network.initialize(np.random.default_rng(0), np.float64)
    assert network.plain and network.effective(theta) is theta
    assert Backprop(network, 4, np.float64)._effective is None
    assert network.n_params == network.n_effective


@pytest.mark.parametrize("front_scale", [False, True])
def test_ntk_initialisation(front_scale):
    """N(0, 1) weights and biases, the output layer's zero, s = 1; the same
    seed draws the same values in either dtype (to float32's rounding)."""
    network = Network(
        (40, 300, 200, 3), "selu", "softmax", (0.0, 0.0), front_scale=front_scale,
        parametrization="ntk",
    )  # fmt: skip
    theta = network.initialize(np.random.default_rng(0), np.float64)
    coefs, intercepts = network.unpack(theta)
    for values in (coefs[0], coefs[1], intercepts[0], intercepts[1]):
        # the mean and spread of N(0, 1), to several standard errors
        assert abs(values.mean()) < 5 / np.sqrt(values.size)
        assert abs(values.std() - 1) < 5 / np.sqrt(values.size)
    assert not coefs[-1].any() and not intercepts[-1].any()
    np.testing.assert_array_equal(network.scale_of(theta), np.ones(40 * front_scale))
    single = network.initialize(np.random.default_rng(0), np.float32)
    np.testing.assert_array_equal(single, theta.astype(np.float32))


def test_glorot_initialisation_is_unchanged_by_a_front_scale():
    """A front scale adds s = 1 after the biases; the weights are the draws
    of the network without it."""
    without = Network((6, 5, 2), "relu", "softmax", (0.0,))
    with_scale = Network((6, 5, 2), "relu", "softmax", (0.0,), front_scale=True)
    theta = with_scale.initialize(np.random.default_rng(0), np.float64)
    np.testing.assert_array_equal(
        theta[: without.n_params], without.initialize(np.random.default_rng(0), float)
    )
    np.testing.assert_array_equal(with_scale.scale_of(theta), np.ones(6))
    groups = with_scale.groups()
    assert [theta[groups[name]].size for name in groups] == [
        without.n_coef, 7, 6,
    ]  # fmt: skip


def test_an_unknown_parametrization_is_an_error():
    with pytest.raises(ValueError, match="parametrization must be one of"):
        Network((3, 2), (), "softmax", (), parametrization="mup")
