"""The hidden activations: each g and g' against independent formulas and
finite differences, in float64 and float32; and the ``activation`` parameter,
one name for every hidden layer or one per layer, through everything an
estimator does (validation, clone, search, persistence, warm starts and
chunks, float32, sparse X, weights, summary)."""

import math
import pickle
import re

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.integrate import quad
from scipy.special import erf, erfc, expit
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

from conftest import assert_same_model, assert_unchanged, snapshot
from sknn import MLPClassifier, MLPRegressor, skops_trusted_types
from sknn._base.compat import InvalidParameterError
from sknn._base.targets import encode
from sknn._math.activations import (
    ACTIVATIONS,
    ALIASES,
    DERIVATIVES,
    NEEDS_Z,
    SELU_ALPHA,
    SELU_LAMBDA,
)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

NEW = ["leaky_relu", "elu", "selu", "gelu", "silu", "mish", "softplus"]
NAMES = sorted(ACTIVATIONS)


def _softplus(z):
    return math.log1p(math.exp(-abs(z))) + max(z, 0.0)


# g written once more, scalar by scalar with the math module, from the
# definitions (not from the module's in-place NumPy forms)
REFERENCE = {
    "identity": lambda z: z,
    "logistic": lambda z: 1 / (1 + math.exp(-z)),
    "tanh": math.tanh,
    "relu": lambda z: max(z, 0.0),
    "leaky_relu": lambda z: z if z > 0 else 0.01 * z,
    "elu": lambda z: z if z > 0 else math.expm1(z),
    "selu": lambda z: SELU_LAMBDA * (z if z > 0 else SELU_ALPHA * math.expm1(z)),
    "softplus": _softplus,
    "gelu": lambda z: 0.5 * z * math.erfc(-z / math.sqrt(2)),
    "silu": lambda z: z / (1 + math.exp(-z)),
    "mish": lambda z: z * math.tanh(_softplus(z)),
}
# points away from the kinks of the relu family, where g' is defined
GRID = np.concatenate([np.linspace(-12, -0.05, 120), np.linspace(0.05, 12, 120)])


def _g(name, z, dtype=np.float64):
    return ACTIVATIONS[name](np.array(z, dtype=dtype, copy=True))


def _g_prime(name, z, dtype=np.float64):
    """g'(z) through DERIVATIVES, fed what the forward pass keeps."""
    z = np.array(z, dtype=dtype, copy=True)
    kept = z if name in NEEDS_Z else _g(name, z, dtype)
    return DERIVATIVES[name](kept, np.ones_like(z))


# ------------------------------------------------------------- the functions


def test_every_activation_has_g_g_prime_and_an_onnx_writer():
    from sknn._onnx.graph import HIDDEN_OPS

    assert set(ACTIVATIONS) == set(DERIVATIVES) == set(HIDDEN_OPS)
    assert set(NEW) <= set(ACTIVATIONS)
    assert NEEDS_Z == {"gelu", "silu", "mish"}
    assert ALIASES == {"sigmoid": "logistic"}


@pytest.mark.parametrize("name", NAMES)
def test_g_matches_its_definition(name):
    z = np.concatenate([GRID, [-40.0, -1e-8, 0.0, 1e-8, 40.0]])
    expected = np.array([REFERENCE[name](v) for v in z])
    # SciPy's Φ and the math module's erfc differ by 4e-14 relative in the
    # far tail of gelu (|g| < 1e-26)
    np.testing.assert_allclose(_g(name, z), expected, rtol=1e-13, atol=1e-300)


def test_values_worked_out_by_hand():
    """g(1) and g(−1), from the constants' decimal expansions."""
    phi1 = 0.8413447460685429  # Φ(1)
    sigma1 = 0.7310585786300049  # σ(1)
    sp1, sp_1 = 1.3132616875182228, 0.31326168751822286  # softplus(±1)
    cases = {
        "leaky_relu": (1.0, -0.01),
        "elu": (1.0, math.exp(-1) - 1),
        "selu": (
            1.0507009873554805,
            -1.0507009873554805 * 1.6732632423543772 * (1 - math.exp(-1)),
        ),
        "gelu": (phi1, -(1 - phi1)),
        "silu": (sigma1, -(1 - sigma1)),
        "mish": (math.tanh(sp1), -math.tanh(sp_1)),
        "softplus": (sp1, sp_1),
    }
    for name, (at_one, at_minus_one) in cases.items():
        got = _g(name, [1.0, -1.0])
        np.testing.assert_allclose(
            got, [at_one, at_minus_one], rtol=1e-15, err_msg=name
        )


def test_selu_constants_are_the_published_closed_forms():
    """α and λ of Klambauer et al. (2017), eq. 14, which make N(0, 1) inputs
    give outputs of mean 0 and variance 1."""
    e1 = erfc(1 / math.sqrt(2))
    alpha = -math.sqrt(2 / math.pi) / (e1 * math.exp(0.5) - 1)
    lam = (
        (1 - e1 * math.sqrt(math.e))
        * math.sqrt(2 * math.pi)
        / math.sqrt(
            2 * erfc(math.sqrt(2)) * math.e**2
            + math.pi * e1**2 * math.e
            - 2 * (2 + math.pi) * e1 * math.sqrt(math.e)
            + math.pi
            + 2
        )
    )
    assert SELU_ALPHA == pytest.approx(alpha, rel=1e-15)
    assert SELU_LAMBDA == pytest.approx(lam, rel=1e-15)

    def moment(power):
        def integrand(z):
            return _g("selu", [z])[0] ** power * math.exp(-z * z / 2)

        return quad(integrand, -np.inf, np.inf)[0] / math.sqrt(2 * math.pi)

    assert abs(moment(1)) < 1e-12
    assert moment(2) == pytest.approx(1.0, abs=1e-12)


def test_gelu_is_the_exact_form_not_the_tanh_approximation():
    z = np.linspace(-4, 4, 81)
    exact = 0.5 * z * (1 + erf(z / math.sqrt(2)))
    approximate = (
        0.5 * z * (1 + np.tanh(math.sqrt(2 / math.pi) * (z + 0.044715 * z**3)))
    )
    np.testing.assert_allclose(_g("gelu", z), exact, rtol=1e-14, atol=1e-16)
    assert np.abs(_g("gelu", z) - approximate).max() > 1e-4


@pytest.mark.parametrize("name", NAMES)
def test_g_prime_matches_central_differences_of_g(name):
    h = 1e-6
    numeric = (_g(name, GRID + h) - _g(name, GRID - h)) / (2 * h)
    np.testing.assert_allclose(_g_prime(name, GRID), numeric, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name", NAMES)
def test_g_prime_by_hand_formula(name):
    """g' once more from its textbook formula in z (σ, Φ and φ by SciPy)."""
    z = GRID
    s, t = expit(z), np.tanh(np.logaddexp(0, z))
    phi = np.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    cdf = 0.5 * erfc(-z / math.sqrt(2))
    expected = {
        "identity": np.ones_like(z),
        "logistic": s * (1 - s),
        "tanh": 1 - np.tanh(z) ** 2,
        "relu": (z > 0) * 1.0,
        "leaky_relu": np.where(z > 0, 1.0, 0.01),
        "elu": np.where(z > 0, 1.0, np.exp(z)),
        "selu": SELU_LAMBDA * np.where(z > 0, 1.0, SELU_ALPHA * np.exp(z)),
        "softplus": s,
        "gelu": cdf + z * phi,
        "silu": s + z * s * (1 - s),
        "mish": t + z * s * (1 - t * t),
    }[name]
    np.testing.assert_allclose(_g_prime(name, z), expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", NAMES)
def test_float32_stays_float32_in_place_and_close_to_float64(name):
    z64 = np.concatenate([GRID, [-80.0, 80.0]])
    z32 = z64.astype(np.float32)
    buffer = z32.copy()
    out = ACTIVATIONS[name](buffer)
    assert out.dtype == np.float32
    assert np.shares_memory(out, buffer)  # g overwrites z
    reference = _g(name, z32.astype(np.float64))
    eps = np.finfo(np.float32).eps
    np.testing.assert_allclose(out, reference, rtol=8 * eps, atol=8 * eps)
    delta = np.ones_like(z32)
    kept = z32.copy() if name in NEEDS_Z else out
    assert DERIVATIVES[name](kept, delta) is delta  # δ ⊙ g' in place
    assert delta.dtype == np.float32
    expected = _g_prime(name, z32.astype(np.float64))
    np.testing.assert_allclose(delta, expected, rtol=64 * eps, atol=64 * eps)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", NAMES)
def test_no_overflow_at_extreme_pre_activations(name, dtype):
    z = np.array([-1e4, -745.0, -100.0, 100.0, 745.0, 1e4], dtype=dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        A = _g(name, z, dtype)
        d = _g_prime(name, z, dtype)
    assert np.all(np.isfinite(A)) and np.all(np.isfinite(d))


# ------------------------------------------------------ the estimator parameter


@pytest.fixture
def data(multiclass_data):
    return multiclass_data


PARAMS = dict(max_iter=6, learning_rate=0.02, random_state=0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", NEW)
def test_every_new_name_trains_both_estimators(name, dtype, data):
    X, y = data
    X = X.astype(dtype)
    clf = MLPClassifier(
        (8, 6), activation=name, max_iter=60, learning_rate=0.02, random_state=0
    )
    clf.fit(X, y)
    assert clf._network.activations == (name, name)
    assert clf.coefs_[0].dtype == dtype
    assert clf.score(X, y) > 0.8
    reg = MLPRegressor(
        (8,), activation=name, max_iter=60, learning_rate=0.02, random_state=0
    )
    reg.fit(X[:, 1:], X[:, 0])
    assert reg.predict(X[:, 1:]).dtype == dtype
    assert reg.score(X[:, 1:], X[:, 0]) > 0.5


def test_one_name_per_layer_is_the_same_model_as_one_name_for_all(data):
    X, y = data
    one = MLPClassifier((6, 5), activation="gelu", **PARAMS).fit(X, y)
    for per_layer in (["gelu", "gelu"], ("gelu", "gelu")):
        assert_same_model(
            MLPClassifier((6, 5), activation=per_layer, **PARAMS).fit(X, y), one
        )
    logistic = MLPClassifier((6, 5), activation=("logistic", "tanh"), **PARAMS).fit(
        X, y
    )
    alias = MLPClassifier((6, 5), activation=["sigmoid", "tanh"], **PARAMS).fit(X, y)
    assert_same_model(alias, logistic)
    assert alias._network.activations == ("logistic", "tanh")


@pytest.mark.parametrize(
    "activation", [*NEW, ("mish", "elu"), ("gelu", "sigmoid"), ("tanh", "silu")]
)
def test_each_layer_uses_its_own_activation(activation, data):
    """The fitted networks compute g₁ then g₂: predictions recomputed from
    the weights with ``REFERENCE``, a scalar g by the math module."""
    X, y = data
    names = (activation,) * 2 if isinstance(activation, str) else activation
    names = [ALIASES.get(name, name) for name in names]

    def forward(model, X):
        (W1, W2, W3), (b1, b2, b3) = model.coefs_, model.intercepts_
        A1 = np.vectorize(REFERENCE[names[0]])(X @ W1 + b1)
        A2 = np.vectorize(REFERENCE[names[1]])(A1 @ W2 + b2)
        return A2 @ W3 + b3

    clf = MLPClassifier((6, 5), activation=activation, **PARAMS).fit(X, y)
    Z = forward(clf, X)
    proba = np.exp(Z - Z.max(axis=1, keepdims=True))
    proba /= proba.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(clf.predict_proba(X), proba, rtol=1e-12, atol=1e-14)
    reg = MLPRegressor((6, 5), activation=activation, **PARAMS).fit(X[:, 1:], y)
    np.testing.assert_allclose(
        reg.predict(X[:, 1:]), forward(reg, X[:, 1:])[:, 0], rtol=1e-12, atol=1e-12
    )


def test_no_hidden_layer_takes_a_name_or_an_empty_tuple(data):
    X, y = data
    plain = MLPClassifier((), **PARAMS).fit(X, y)
    for activation in ("gelu", (), []):
        other = MLPClassifier((), activation=activation, **PARAMS).fit(X, y)
        assert other._network.activations == ()
        assert_same_model(other, plain)


@pytest.mark.parametrize(
    "activation, hidden, patterns",
    [
        (["relu"], (4, 3), [r"1 name\(s\)", r"hidden_layer_sizes=\(4, 3\) has 2"]),
        (("relu", "tanh", "gelu"), (4,), [r"3 name\(s\)", r"has 1 hidden"]),
        (["gelu"], (), [r"1 name\(s\)", r"has 0 hidden"]),
        (["relu", "swish"], (4, 3), [r"'swish' is not one", "'gelu'"]),
        (("relu", 1), (4, 3), [r"1 is not one"]),
        (("relu", None), (4, 3), [r"None is not one"]),
        ("swish", (4,), ["'activation' parameter", "'mish'", "list"]),
        (3, (4,), ["'activation' parameter"]),
        ({"relu": 1}, (4,), ["'activation' parameter"]),
        (np.array(["relu"]), (4,), ["'activation' parameter"]),
    ],
)
def test_bad_activation_is_refused_before_anything_changes(
    activation, hidden, patterns, data
):
    X, y = data
    for clf in (MLPClassifier((4,), **PARAMS), MLPClassifier((4,), **PARAMS).fit(X, y)):
        before = snapshot(clf, X)
        clf.set_params(activation=activation, hidden_layer_sizes=hidden)
        with pytest.raises(InvalidParameterError) as info:
            clf.fit(X, y)
        for pattern in patterns:
            assert re.search(pattern, str(info.value)), str(info.value)
        clf.set_params(activation="relu", hidden_layer_sizes=(4,))
        assert_unchanged(clf, X, before)


def test_get_params_clone_and_set_params_keep_the_list(data):
    X, y = data
    activation = ["gelu", "selu"]
    clf = MLPClassifier((5, 4), activation=activation, **PARAMS)
    assert clf.get_params()["activation"] is activation
    copy = clone(clf)
    assert copy.get_params()["activation"] == activation
    copy.set_params(activation=("mish", "relu")).fit(X, y)
    assert copy._network.activations == ("mish", "relu")
    assert clf.get_params()["activation"] == ["gelu", "selu"]


def test_grid_search_over_names_and_per_layer_tuples(data):
    X, y = data
    grid = {"activation": ["relu", "gelu", ("tanh", "silu"), ["elu", "mish"]]}
    search = GridSearchCV(MLPClassifier((5, 4), **PARAMS), grid, cv=2).fit(X, y)
    assert [p["activation"] for p in search.cv_results_["params"]] == grid["activation"]
    best = search.best_estimator_
    assert best.get_params()["activation"] == search.best_params_["activation"]
    assert len(best._network.activations) == 2


def _round_trips():
    yield "pickle", lambda m, tmp: pickle.loads(pickle.dumps(m))

    def skops(model, tmp):
        sio = pytest.importorskip("skops.io")
        path = tmp / "model.skops"
        sio.dump(model, path)
        return sio.load(path, trusted=skops_trusted_types())

    yield "skops", skops


@pytest.mark.parametrize(
    "trip", [f for _, f in _round_trips()], ids=[n for n, _ in _round_trips()]
)
def test_pickle_and_skops_keep_each_layer_and_go_on_identically(trip, data, tmp_path):
    X, y = data
    clf = MLPClassifier(
        (6, 5), activation=("silu", "leaky_relu"), dropout=0.2, **PARAMS
    )
    clf.partial_fit(X, y, classes=np.unique(y))
    loaded = trip(clf, tmp_path)
    assert loaded._network.activations == ("silu", "leaky_relu")
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    clf.partial_fit(X, y)
    loaded.partial_fit(X, y)
    assert_same_model(loaded, clf)


@pytest.mark.parametrize("activation", ["gelu", ("mish", "relu")])
def test_partial_fit_chunks_and_warm_start_continue(activation, data):
    X, y = data
    clf = MLPClassifier((6, 5), activation=activation, dropout=0.1, **PARAMS)
    for rows in np.array_split(np.random.default_rng(0).permutation(len(y)), 3):
        clf.partial_fit(X[rows], y[rows], classes=np.unique(y))
    assert clf.n_iter_ == 3
    clf.set_params(warm_start=True, max_iter=4).fit(X, y)
    assert clf.n_iter_ == 7
    assert np.all(np.isfinite(clf.predict_proba(X)))
    # a warm start may change the activations (the weights keep their shapes)
    clf.set_params(activation=("elu", "selu")).fit(X, y)
    assert clf._network.activations == ("elu", "selu") and clf.n_iter_ == 11


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sparse_X_trains_the_model_dense_X_trains(dtype, data):
    X, y = data
    X = np.where(np.abs(X) > 0.5, X, 0.0).astype(dtype)
    params = dict(activation=("gelu", "softplus"), **PARAMS)
    dense = MLPClassifier((6, 5), **params).fit(X, y)
    sparse = MLPClassifier((6, 5), **params).fit(sp.csr_matrix(X), y)
    rtol = 1e-4 if dtype == np.float32 else 1e-10
    assert_same_model(sparse, dense, rtol=rtol)
    np.testing.assert_allclose(
        sparse.predict_proba(sp.csr_matrix(X)),
        dense.predict_proba(X),
        rtol=rtol,
        atol=rtol,
    )


@pytest.mark.parametrize(
    "activations", [("gelu", "selu"), ("silu", "mish"), ("leaky_relu", "softplus")]
)
def test_sample_weight_two_means_repeated_twice(activations):
    """J and its gradient with a weight of 2 on some rows are those of the
    rows repeated (exactly the same sums, to rounding)."""
    from sknn._math.network import Backprop, Network

    rng = np.random.default_rng(0)
    X = rng.normal(size=(9, 4))
    T = encode(rng.integers(0, 3, 9), np.arange(3), "multiclass", np.float64)
    w = np.where(np.arange(9) % 3 == 0, 2.0, 1.0)
    network = Network((4, 6, 5, 3), activations, "softmax", (0.0, 0.0))
    theta = network.initialize(rng, np.float64) + rng.normal(0, 0.1, network.n_params)
    repeat = np.repeat(np.arange(9), w.astype(int))
    results = []
    for rows, weights in ((slice(None), w), (repeat, None)):
        grad = np.empty_like(theta)
        backprop = Backprop(network, len(repeat), np.float64)
        J = backprop.loss_and_gradient(X[rows], T[rows], weights, theta, grad, 0.3)
        results.append((J, grad))
    assert results[0][0] == pytest.approx(results[1][0], rel=1e-14)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-12, atol=1e-15)


def test_class_weight_equals_sample_weight_with_per_layer_activations(data):
    X, y = data
    params = dict(activation=["elu", "gelu"], **PARAMS)
    weights = {0: 3.0, 2: 0.5}
    by_class = MLPClassifier((5, 4), class_weight=weights, **params).fit(X, y)
    per_sample = np.vectorize(lambda c: weights.get(c, 1.0))(y)
    by_sample = MLPClassifier((5, 4), **params).fit(X, y, sample_weight=per_sample)
    assert_same_model(by_class, by_sample)


def test_summary_shows_each_layer_activation(data):
    X, y = data
    clf = MLPClassifier(
        (6, 5, 4), activation=["gelu", "sigmoid", "leaky_relu"], **PARAMS
    )
    lines = []
    clf.fit(X, y).summary(print_fn=lines.append)
    table = lines[0].splitlines()
    assert table[3].split()[:3] == ["hidden_1", "6", "gelu"]
    assert table[4].split()[:3] == ["hidden_2", "5", "logistic"]
    assert table[5].split()[:3] == ["hidden_3", "4", "leaky_relu"]
    assert table[6].split()[:3] == ["output", "3", "softmax"]
    assert clf.out_activation_ == "softmax"


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fused_relu_dropout_kernels_compute_only_the_relu_layers(dtype):
    """With numba, a network mixing relu and other activations, dropout on
    every layer: the kernels take the relu layers, NumPy the others, and J,
    the gradient and the masks are bit for bit the NumPy path's."""
    pytest.importorskip("numba")
    from sknn._math import kernels
    from sknn._math.network import Backprop, Network

    no_dropout = Network((4, 5, 6, 3), ("relu", "tanh"), "softmax", (0.0, 0.3))
    assert Backprop(no_dropout, 8, dtype).fusable == (False, False)
    network = Network(
        (6, 9, 8, 7, 4), ("relu", "gelu", "relu"), "softmax", (0.3, 0.2, 0.5)
    )
    rng = np.random.default_rng(3)
    X = rng.normal(size=(12, 6)).astype(dtype)
    T = encode(rng.integers(0, 4, 12), np.arange(4), "multiclass", dtype)
    theta = network.initialize(rng, dtype)
    kernels._compiled.clear()
    results = {}
    for enable in (False, True):
        with kernels.use_numba(enable):
            backprop = Backprop(network, len(X), dtype, np.random.default_rng(5))
            assert backprop.fusable == (True, False, True)
            grad = np.empty_like(theta)
            J = backprop.loss_and_gradient(X, T, None, theta, grad, 0.1)
            masks = [m[:12].copy() for m in backprop.masks]
            results[enable] = (J, grad, masks)
    assert ("relu_dropout", np.dtype(dtype)) in kernels._compiled
    assert ("relu_dropout_backward", np.dtype(dtype)) in kernels._compiled
    (J_numpy, grad_numpy, masks_numpy), (J_numba, grad_numba, masks_numba) = (
        results[False],
        results[True],
    )
    assert J_numba == J_numpy
    np.testing.assert_array_equal(grad_numba, grad_numpy)
    for numba_mask, numpy_mask in zip(masks_numba, masks_numpy):
        np.testing.assert_array_equal(numba_mask, numpy_mask)
