"""The optimisers' two paths: the NumPy passes, bit for bit the arithmetic of
sknn 0.1.0 (L2 term added by backpropagation, then the rule), and the fused
numba kernels, equal to them to rounding."""

import pickle
import warnings

import numpy as np
import pytest

from sknn._math import kernels as _kernels
from sknn._math.optimizers import (
    FLUSH_EVERY,
    SGD,
    SOLVERS,
    Adam,
    RMSprop,
    make_optimizer,
)

N_STEPS = 50  # past FLUSH_EVERY = 32, so one step flushes
N_PARAMS, N_COEF = 101, 80  # odd sizes: the vectorised loops' remainders run too

PARAMS = dict(
    learning_rate=1e-2,
    momentum=0.9,
    nesterov=False,
    rho=0.9,
    epsilon=1e-8,
    beta_1=0.9,
    beta_2=0.999,
)
RULES = {  # name: (solver, overrides)
    "sgd": ("sgd", {"momentum": 0.0}),
    "momentum": ("sgd", {}),
    "nesterov": ("sgd", {"nesterov": True}),
    "rmsprop": ("rmsprop", {}),
    "adam": ("adam", {}),
}


# ---------------------------------------------------------------------------
# sknn 0.1.0's arithmetic, verbatim: Backprop.loss_and_gradient's L2 term and
# the step of each optimiser (the NumPy path must stay bit-identical to it)


def _legacy_flush_denormals(*arrays):
    for a in arrays:
        if a is not None:
            np.multiply(a, np.abs(a) >= np.finfo(a.dtype).tiny, out=a)


class _LegacyOptimizer:
    def __init__(self, n_params, dtype):
        self.n_params = n_params
        self.dtype = np.dtype(dtype).name
        self.scratch = None
        self.t = 0

    def _scratch(self):
        if self.scratch is None:
            self.scratch = np.empty(self.n_params, self.dtype)
        return self.scratch


class _LegacySGD(_LegacyOptimizer):
    def __init__(self, n_params, dtype, learning_rate, momentum=0.0, nesterov=False):
        super().__init__(n_params, dtype)
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.nesterov = nesterov
        self.velocity = np.zeros(n_params, dtype) if momentum > 0 else None

    def step(self, theta, grad):
        self.t += 1
        scratch = self._scratch()
        step = np.multiply(grad, self.learning_rate, out=scratch)  # α g
        v = self.velocity
        if v is None:
            theta -= step
        else:
            v *= self.momentum
            v -= step
            if self.nesterov:
                theta -= step
                step = np.multiply(v, self.momentum, out=scratch)
                theta += step
            else:
                theta += v
        if self.t % FLUSH_EVERY == 0:
            _legacy_flush_denormals(theta, v)


class _LegacyRMSprop(_LegacyOptimizer):
    def __init__(self, n_params, dtype, learning_rate, rho=0.9, epsilon=1e-8):
        super().__init__(n_params, dtype)
        self.learning_rate = learning_rate
        self.rho = rho
        self.epsilon = epsilon
        self.mean_square = np.zeros(n_params, dtype)

    def step(self, theta, grad):
        self.t += 1
        s, scratch = self.mean_square, self._scratch()
        s *= self.rho
        np.square(grad, out=scratch)
        scratch *= 1 - self.rho
        s += scratch
        np.sqrt(s, out=scratch)
        scratch += self.epsilon
        np.divide(grad, scratch, out=scratch)
        scratch *= self.learning_rate
        theta -= scratch
        if self.t % FLUSH_EVERY == 0:
            _legacy_flush_denormals(theta, s)


class _LegacyAdam(_LegacyOptimizer):
    def __init__(
        self, n_params, dtype, learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-8
    ):
        super().__init__(n_params, dtype)
        self.learning_rate = learning_rate
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.m = np.zeros(n_params, dtype)
        self.v = np.zeros(n_params, dtype)

    def step(self, theta, grad):
        self.t += 1
        m, v, scratch = self.m, self.v, self._scratch()
        m *= self.beta_1
        np.multiply(grad, 1 - self.beta_1, out=scratch)
        m += scratch
        v *= self.beta_2
        np.square(grad, out=scratch)
        scratch *= 1 - self.beta_2
        v += scratch
        # a Python float, so that a float32 run stays in float32
        step_size = float(
            self.learning_rate
            * np.sqrt(1 - self.beta_2**self.t)
            / (1 - self.beta_1**self.t)
        )
        np.sqrt(v, out=scratch)
        scratch += self.epsilon
        np.divide(m, scratch, out=scratch)
        scratch *= step_size
        theta -= scratch
        if self.t % FLUSH_EVERY == 0:
            _legacy_flush_denormals(theta, m, v)


def _legacy_optimizer(rule, n_params, dtype):
    solver, overrides = RULES[rule]
    p = {**PARAMS, **overrides}
    lr = p["learning_rate"]
    if solver == "sgd":
        return _LegacySGD(n_params, dtype, lr, p["momentum"], p["nesterov"])
    if solver == "rmsprop":
        return _LegacyRMSprop(n_params, dtype, lr, p["rho"], p["epsilon"])
    return _LegacyAdam(n_params, dtype, lr, p["beta_1"], p["beta_2"], p["epsilon"])


def _legacy_l2(theta, grad, n_coef, alpha, sum_w, l2):
    """Backprop.loss_and_gradient's last lines in sknn 0.1.0."""
    np.multiply(theta[:n_coef], alpha / sum_w, out=l2)
    grad[:n_coef] += l2


# ---------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _restore_mode():
    mode = _kernels._mode
    yield
    _kernels._mode = mode


def make(rule, dtype, n_params=N_PARAMS, n_coef=N_COEF):
    solver, overrides = RULES[rule]
    return make_optimizer(
        SOLVERS[solver], n_params, dtype, {**PARAMS, **overrides}, n_coef=n_coef
    )


def state(optimizer):
    """The running averages (plain SGD has none: its velocity is None)."""
    return {
        name: getattr(optimizer, name)
        for name in optimizer.STATE
        if getattr(optimizer, name) is not None
    }


def start(dtype, n_params=N_PARAMS, seed=0, denormal_weight=True):
    """θ with denormal entries whose gradient is zero, so that the flush at
    step FLUSH_EVERY has something to do: a bias and, unless an L2 term would
    give it a gradient of denormals (which RMSprop and Adam divide by ε, in
    arithmetic of few significant bits), a weight."""
    rng = np.random.default_rng(seed)
    theta = rng.standard_normal(n_params).astype(dtype)
    theta[[3, N_COEF + 2] if denormal_weight else N_COEF + 2] = np.finfo(dtype).tiny / 4
    return theta


def gradients(dtype, n_params=N_PARAMS, seed=1):
    rng = np.random.default_rng(seed)
    for _ in range(N_STEPS):
        grad = (0.1 * rng.standard_normal(n_params)).astype(dtype)
        grad[[3, N_COEF + 2]] = 0
        yield grad


def run(optimizer, dtype, l2_scale):
    theta = start(dtype, denormal_weight=not l2_scale)
    for grad in gradients(dtype):
        optimizer.step(theta, grad, l2_scale)
    return theta


ALL = pytest.mark.parametrize("rule", list(RULES))
DTYPES = pytest.mark.parametrize("dtype", ["float32", "float64"])


@ALL
@DTYPES
@pytest.mark.parametrize("alpha", [0.0, 0.5])
# Σw as backpropagation has it: n, or weights.sum() in X's dtype
@pytest.mark.parametrize("sum_w", [200, np.float32(137.5), np.float64(137.5)])
def test_numpy_path_is_bit_identical_to_0_1_0(rule, dtype, alpha, sum_w):
    legacy = _legacy_optimizer(rule, N_PARAMS, dtype)
    theta_legacy = start(dtype, denormal_weight=not alpha)
    l2 = np.empty(N_COEF, dtype)
    for grad in gradients(dtype):
        if alpha:
            _legacy_l2(theta_legacy, grad, N_COEF, alpha, sum_w, l2)
        legacy.step(theta_legacy, grad)

    with _kernels.use_numba(False):
        new = make(rule, dtype)
        theta = run(new, dtype, alpha / sum_w)
    np.testing.assert_array_equal(theta, theta_legacy, strict=True)
    for name, value in state(new).items():
        np.testing.assert_array_equal(value, getattr(legacy, name), strict=True)
    assert theta[N_COEF + 2] == 0  # the flush happened
    if not alpha:
        assert theta[3] == 0
    assert new.t == legacy.t == N_STEPS


@DTYPES
def test_numpy_path_adds_l2_to_weights_only(dtype):
    optimizer = SGD(4, dtype, learning_rate=1.0, n_coef=2)
    theta = np.ones(4, dtype)
    grad = np.zeros(4, dtype)
    with _kernels.use_numba(False):
        optimizer.step(theta, grad, 0.25)
    np.testing.assert_array_equal(theta, [0.75, 0.75, 1, 1])
    np.testing.assert_array_equal(grad, [0.25, 0.25, 0, 0])  # documented


def test_l2_needs_n_coef():
    optimizer = Adam(4, "float64", 1e-3)  # built as sknn 0.1.0 did
    theta, grad = np.ones(4), np.ones(4)
    optimizer.step(theta, grad)  # no L2 term: fine
    with pytest.raises(ValueError, match="n_coef"):
        optimizer.step(theta, grad, 1e-4)


def test_make_optimizer_takes_n_coef():
    for solver, cls in (("sgd", SGD), ("rmsprop", RMSprop), ("adam", Adam)):
        optimizer = make_optimizer(SOLVERS[solver], 10, "float32", PARAMS, n_coef=7)
        assert type(optimizer) is cls
        assert optimizer.n_coef == 7
        assert make_optimizer(SOLVERS[solver], 10, "float32", PARAMS).n_coef is None


def test_optimizer_pickled_by_0_1_0_lacks_n_coef():
    optimizer = make("adam", "float64")
    del optimizer.n_coef  # as unpickled from a model saved by sknn 0.1.0
    resumed = make_optimizer(Adam, N_PARAMS, "float64", PARAMS, resume=optimizer)
    assert optimizer.n_coef is None
    assert resumed.t == optimizer.t


# ---------------------------------------------------------------------------
# choosing the path


def test_mode_from_environment(monkeypatch):
    for value, mode in (("numpy", "numpy"), ("NUMBA", "numba"), ("", "auto")):
        monkeypatch.setenv("SKNN_KERNELS", value)
        assert _kernels._mode_from_environment() == mode
    monkeypatch.delenv("SKNN_KERNELS")
    assert _kernels._mode_from_environment() == "auto"
    monkeypatch.setenv("SKNN_KERNELS", "fast")
    with pytest.warns(RuntimeWarning, match="SKNN_KERNELS"):
        assert _kernels._mode_from_environment() == "auto"


def test_use_numba_false_forces_numpy():
    _kernels._mode = "auto"
    with _kernels.use_numba(False):
        assert _kernels.kernel_backend(10**8, "float32") == "numpy"
        assert _kernels.get_kernel("adam", np.empty(0)) is None
    assert _kernels._mode == "auto"  # restored
    _kernels.use_numba(False)  # a plain call holds until changed
    assert _kernels._mode == "numpy"
    with pytest.raises(ValueError, match="enable"):
        _kernels.use_numba("yes")


def test_small_models_never_import_numba(monkeypatch):
    def fail():
        raise AssertionError("numba imported for a small model")

    monkeypatch.setattr(_kernels, "_import_numba", fail)
    _kernels._mode = "auto"
    for rule in RULES:
        optimizer = make(rule, "float32", _kernels.MIN_PARAMS - 1, 10)
        theta = np.ones(_kernels.MIN_PARAMS - 1, np.float32)
        optimizer.step(theta, np.ones_like(theta), 1e-4)
        assert optimizer.scratch is not None  # the NumPy path ran


def test_small_dropout_fit_never_imports_numba(monkeypatch):
    """The relu + dropout kernels follow the same size rule: a small network
    with dropout trains without numba (the digits benchmark's case)."""
    from sklearn.datasets import load_digits

    from sknn import MLPClassifier

    def fail():
        raise AssertionError("numba imported for a small model")

    monkeypatch.setattr(_kernels, "_import_numba", fail)
    _kernels._mode = "auto"
    X, y = load_digits(return_X_y=True)
    MLPClassifier((32,), dropout=0.2, max_iter=2, random_state=0).fit(X / 16, y)


def test_without_numba_everything_takes_numpy(monkeypatch):
    monkeypatch.setattr(_kernels, "_numba", False)  # as if the import had failed
    monkeypatch.setattr(_kernels, "_warned_missing", False)
    _kernels._mode = "auto"
    assert not _kernels.numba_available()
    assert _kernels.kernel_backend(10**8, "float64") == "numpy"
    with pytest.raises(ImportError, match="performance"):
        _kernels.use_numba(True)
    _kernels._mode = "numba"  # SKNN_KERNELS=numba without numba: warned once
    with pytest.warns(RuntimeWarning, match="not installed"):
        assert _kernels.kernel_backend(10, "float64") == "numpy"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _kernels.kernel_backend(10, "float64") == "numpy"


# ---------------------------------------------------------------------------
# the numba path


@pytest.fixture
def numba_path():
    pytest.importorskip("numba")
    if not _kernels.numba_available():
        pytest.skip("numba cannot compile here (NUMBA_DISABLE_JIT?)")
    with _kernels.use_numba(True):
        yield


@pytest.mark.usefixtures("numba_path")
def test_threshold():
    _kernels._mode = "auto"
    n = _kernels.MIN_PARAMS
    assert _kernels.kernel_backend(n - 1, "float32") == "numpy"
    assert _kernels.kernel_backend(n, "float32") == "numba"
    assert _kernels.kernel_backend(n, "float64") == "numba"
    assert _kernels.kernel_backend(n, "float16") == "numpy"
    optimizer = make("sgd", "float32", n, n - 100)
    theta = np.ones(n, np.float32)
    grad = np.ones_like(theta)
    optimizer.step(theta, grad, 0.5)
    assert optimizer.scratch is None  # the fused kernel needs no scratch buffer
    np.testing.assert_allclose(theta[:3], 1 - 1e-2 * 1.5)
    np.testing.assert_allclose(theta[-3:], 1 - 1e-2)
    np.testing.assert_array_equal(grad, 1)  # the numba path leaves grad alone


@pytest.mark.usefixtures("numba_path")
@ALL
@DTYPES
@pytest.mark.parametrize("l2_scale", [0.0, 0.5 / 137.5])
def test_numba_path_equals_numpy_path(rule, dtype, l2_scale):
    with _kernels.use_numba(False):
        reference = make(rule, dtype)
        theta_reference = run(reference, dtype, l2_scale)
    fused = make(rule, dtype)
    theta = run(fused, dtype, l2_scale)
    assert fused.scratch is None  # it did take the numba path

    rtol = 1e-6 if dtype == "float32" else 1e-12
    for got, expected in [(theta, theta_reference)] + [
        (value, getattr(reference, name)) for name, value in state(fused).items()
    ]:
        assert got.dtype == expected.dtype
        # entries near zero: to rounding of the typical magnitude
        atol = rtol * float(np.max(np.abs(expected)))
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol)
    assert theta[N_COEF + 2] == 0  # flushed at step FLUSH_EVERY
    if not l2_scale:
        assert theta[3] == 0


@pytest.mark.usefixtures("numba_path")
@ALL
@DTYPES
def test_numba_path_propagates_nan_and_inf(rule, dtype):
    results = []
    for numba in (False, True):
        with _kernels.use_numba(numba), np.errstate(invalid="ignore"):
            optimizer = make(rule, dtype)
            theta = start(dtype)
            theta[5] = np.inf  # a weight: its L2 term is inf too
            for t, grad in enumerate(gradients(dtype)):
                if t == 3:
                    grad[[0, N_COEF]] = np.nan
                    grad[[1, N_COEF + 1]] = np.inf
                optimizer.step(theta, grad, 1e-3)
            results.append(theta)
    numpy_theta, numba_theta = results
    np.testing.assert_array_equal(np.isnan(numba_theta), np.isnan(numpy_theta))
    np.testing.assert_array_equal(np.isinf(numba_theta), np.isinf(numpy_theta))
    assert not np.isfinite(numba_theta[[0, 1, 5, N_COEF, N_COEF + 1]]).any()


@pytest.mark.usefixtures("numba_path")
def test_optimizer_pickles_after_numba_steps():
    optimizer = make("adam", "float32")
    theta = start("float32")
    steps = list(gradients("float32"))
    for grad in steps[:10]:
        optimizer.step(theta, grad.copy(), 1e-3)
    for value in vars(optimizer).values():  # nothing of numba's
        assert value is None or isinstance(value, (np.ndarray, int, float, str))
    clone = pickle.loads(pickle.dumps(optimizer))
    theta_clone = theta.copy()
    for grad in steps[10:]:
        optimizer.step(theta, grad.copy(), 1e-3)
        clone.step(theta_clone, grad.copy(), 1e-3)
    np.testing.assert_array_equal(theta_clone, theta)
    np.testing.assert_array_equal(clone.m, optimizer.m)


def _only_locator(numba_caching, name):
    """Patch numba's cache-locator list down to one class (numba renamed them)."""
    impl = getattr(numba_caching, "CacheImpl", None) or numba_caching._CacheImpl
    locator = getattr(numba_caching, name, None) or getattr(numba_caching, "_" + name)
    return impl, [locator]


@pytest.mark.usefixtures("numba_path")
def test_unwritable_cache_compiles_quietly(monkeypatch, tmp_path):
    from numba.core import caching, config

    impl, locators = _only_locator(caching, "UserProvidedCacheLocator")
    not_a_directory = tmp_path / "file"
    not_a_directory.write_text("")
    monkeypatch.setattr(impl, "_locator_classes", locators)
    monkeypatch.setattr(config, "CACHE_DIR", str(not_a_directory / "cache"))
    monkeypatch.setattr(_kernels, "_dispatchers", {})
    monkeypatch.setattr(_kernels, "_compiled", {})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        kernel = _kernels.get_kernel("sgd", np.empty(0, np.float64))
    theta = np.ones(3)
    kernel(theta, np.ones(3), 0, 0.0, 0.5, 0.0, 0, 1.0)
    np.testing.assert_array_equal(theta, 0.5)


@pytest.mark.usefixtures("numba_path")
def test_cache_error_at_first_call_recompiles_without_cache(monkeypatch):
    class Unwritable:
        def __call__(self, *args):
            raise PermissionError("cache directory is read-only")

    real_jit = _kernels._jit
    monkeypatch.setattr(
        _kernels,
        "_jit",
        lambda name, cache: Unwritable() if cache else real_jit(name, cache),
    )
    monkeypatch.setattr(_kernels, "_dispatchers", {})
    monkeypatch.setattr(_kernels, "_compiled", {})
    kernel = _kernels.get_kernel("sgd", np.empty(0, np.float64))
    assert not isinstance(kernel, Unwritable)
    assert _kernels.get_kernel("sgd", np.empty(0, np.float64)) is kernel


def test_a_rule_without_a_fused_kernel_takes_the_numpy_path():
    """A new update rule needs no kernel: where numba would run one, the
    step falls back to the rule's NumPy code instead of failing."""

    class Halved(SGD):
        """SGD at half the rate, with no kernel of its own."""

        _kernel_name = "halved"

        def _numpy_step(self, theta, grad):
            theta -= 0.5 * self.learning_rate * grad

    n = _kernels.MIN_PARAMS
    theta = np.ones(n)
    with _kernels.use_numba(True):
        Halved(n, "float64", 0.1).step(theta, np.ones(n))
    np.testing.assert_array_equal(theta, np.full(n, 0.95))


# ------------------------------------------- weight decay and gradient clipping


def _regularised(rule, dtype, weight_decay=0.0, clip_grad_norm=None):
    optimizer = make(rule, dtype)
    optimizer.weight_decay, optimizer.clip_grad_norm = weight_decay, clip_grad_norm
    return optimizer


@DTYPES
def test_weight_decay_is_decoupled_from_the_gradient(dtype):
    """SGDW: θ := θ·(1 − α·wd) − α g on the weights, θ − α g on the biases,
    g the gradient (L2 term included) of the old θ."""
    theta = start(dtype, denormal_weight=False)
    grad = next(gradients(dtype))
    l2_scale, alpha, wd = 0.5 / 137.5, PARAMS["learning_rate"], 0.3
    old = theta.astype(np.float64)
    g = grad.astype(np.float64)
    g[:N_COEF] += l2_scale * old[:N_COEF]
    expected = old - alpha * g
    expected[:N_COEF] = old[:N_COEF] * (1 - alpha * wd) - alpha * g[:N_COEF]
    with _kernels.use_numba(False):
        _regularised("sgd", dtype, weight_decay=wd).step(theta, grad, l2_scale)
    eps = np.finfo(dtype).eps
    np.testing.assert_allclose(theta, expected, rtol=8 * eps, atol=8 * eps)


@DTYPES
def test_adamw_follows_pytorchs_update(dtype):
    """AdamW's update (Loshchilov & Hutter; PyTorch's AdamW) over a few steps,
    written out by hand."""
    wd, lr = 0.1, PARAMS["learning_rate"]
    b1, b2, eps = PARAMS["beta_1"], PARAMS["beta_2"], PARAMS["epsilon"]
    theta = start(dtype, denormal_weight=False)
    reference = theta.astype(np.float64)
    m = np.zeros(N_PARAMS)
    v = np.zeros(N_PARAMS)
    optimizer = _regularised("adam", dtype, weight_decay=wd)
    with _kernels.use_numba(False):
        for t, grad in enumerate(list(gradients(dtype))[:5], start=1):
            g = grad.astype(np.float64)
            reference[:N_COEF] *= 1 - lr * wd
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g * g
            step = lr * np.sqrt(1 - b2**t) / (1 - b1**t)
            reference -= step * m / (np.sqrt(v) + eps)
            optimizer.step(theta, grad)
    tol = 1e-5 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(theta, reference, rtol=tol, atol=tol)


@DTYPES
@pytest.mark.parametrize("max_norm", [0.05, 1e3])
def test_clipping_scales_the_whole_gradient_l2_term_included(dtype, max_norm):
    theta = start(dtype, denormal_weight=False)
    grad = next(gradients(dtype))
    l2_scale = 0.5
    old = theta.astype(np.float64)
    g = grad.astype(np.float64)
    g[:N_COEF] += l2_scale * old[:N_COEF]
    g *= min(1.0, max_norm / (np.linalg.norm(g) + 1e-6))
    with _kernels.use_numba(False):
        _regularised("sgd", dtype, clip_grad_norm=max_norm).step(theta, grad, l2_scale)
    expected = old - PARAMS["learning_rate"] * g
    eps = np.finfo(dtype).eps
    np.testing.assert_allclose(theta, expected, rtol=16 * eps, atol=16 * eps)


@pytest.mark.usefixtures("numba_path")
@ALL
@DTYPES
@pytest.mark.parametrize("weight_decay, clip", [(0.1, None), (0.0, 0.5), (0.1, 0.5)])
def test_numba_path_equals_numpy_path_with_regularisers(
    rule, dtype, weight_decay, clip
):
    with _kernels.use_numba(False):
        reference = _regularised(rule, dtype, weight_decay, clip)
        theta_reference = run(reference, dtype, 0.5 / 137.5)
    fused = _regularised(rule, dtype, weight_decay, clip)
    theta = run(fused, dtype, 0.5 / 137.5)
    rtol = 1e-5 if dtype == "float32" else 1e-12
    atol = rtol * float(np.max(np.abs(theta_reference)))
    np.testing.assert_allclose(theta, theta_reference, rtol=rtol, atol=atol)
    for name, value in state(fused).items():
        expected = getattr(reference, name)
        atol = rtol * float(np.max(np.abs(expected)))
        np.testing.assert_allclose(value, expected, rtol=rtol, atol=atol)


# ------------------------------------------------------ rate factors per group

# θ's groups as ``Network.groups`` gives them: weights, biases, a front scale
GROUPS = {
    "weights": slice(0, N_COEF),
    "biases": slice(N_COEF, N_PARAMS - 6),
    "front_scale": slice(N_PARAMS - 6, N_PARAMS),
}


def _factored(rule, dtype, factors, weight_decay=0.0):
    solver, overrides = RULES[rule]
    params = {**PARAMS, **overrides, "learning_rate_factors": factors,
              "weight_decay": weight_decay}  # fmt: skip
    return make_optimizer(
        SOLVERS[solver], N_PARAMS, dtype, params, n_coef=N_COEF, groups=GROUPS
    )


@ALL
@DTYPES
@pytest.mark.parametrize("group", list(GROUPS))
def test_a_factor_of_two_doubles_its_groups_steps_exactly(rule, dtype, group):
    """From θ = 0, with gradients that do not depend on θ, every step of a
    group with factor 2 is twice the step without (a power of two commutes
    with rounding), bit for bit over many steps, and the other groups move
    exactly as without factors."""
    thetas = {}
    for factors in (None, {group: 2.0}):
        optimizer = _factored(rule, dtype, factors)
        theta = np.zeros(N_PARAMS, dtype)
        with _kernels.use_numba(False):
            for grad in gradients(dtype):
                optimizer.step(theta, grad)
        thetas[factors is None] = theta
    plain, doubled = thetas[True], thetas[False]
    assert np.abs(plain[GROUPS[group]]).max() > 0
    np.testing.assert_array_equal(doubled[GROUPS[group]], 2 * plain[GROUPS[group]])
    others = np.ones(N_PARAMS, bool)
    others[GROUPS[group]] = False
    np.testing.assert_array_equal(doubled[others], plain[others])


@DTYPES
def test_adam_with_factors_and_weight_decay_follows_the_formula(dtype):
    """θ ← θ·(1 − η·f_w·wd) on the weights, then θ ← θ − η·f ⊙ m̂/(√v̂ + ε)
    with f the factor of each entry's group (PyTorch's AdamW with a
    parameter group per factor), the L2 term in g."""
    factors = {"weights": 0.5, "biases": 0.1, "front_scale": 6.0}
    lr, wd, l2_scale = PARAMS["learning_rate"], 0.2, 0.01
    b1, b2, eps = PARAMS["beta_1"], PARAMS["beta_2"], PARAMS["epsilon"]
    f = np.ones(N_PARAMS)
    for name, factor in factors.items():
        f[GROUPS[name]] = factor
    theta = start(dtype, denormal_weight=False)
    reference = theta.astype(np.float64)
    m = np.zeros(N_PARAMS)
    v = np.zeros(N_PARAMS)
    optimizer = _factored("adam", dtype, factors, weight_decay=wd)
    with _kernels.use_numba(False):
        for t, grad in enumerate(list(gradients(dtype))[:5], start=1):
            g = grad.astype(np.float64)
            g[:N_COEF] += l2_scale * reference[:N_COEF]
            reference[:N_COEF] *= 1 - lr * 0.5 * wd
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g * g
            step = lr * np.sqrt(1 - b2**t) / (1 - b1**t)
            reference -= f * step * m / (np.sqrt(v) + eps)
            optimizer.step(theta, grad, l2_scale)
    tol = 1e-5 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(theta, reference, rtol=tol, atol=tol)


def test_the_factor_vector_is_built_once_per_run_and_not_kept():
    optimizer = _factored("adam", "float64", {"biases": 0.1})
    assert optimizer.rate_factors == {"biases": (N_COEF, N_PARAMS - 6, 0.1)}
    assert optimizer.factors is None
    theta = start("float64")
    steps = gradients("float64")
    optimizer.step(theta, next(steps))
    built = optimizer.factors
    np.testing.assert_array_equal(built[GROUPS["biases"]], 0.1)
    assert (built[GROUPS["weights"]] == 1).all() and built.dtype == np.float64
    optimizer.step(theta, next(steps))
    assert optimizer.factors is built  # reused, not rebuilt each step
    optimizer.release()
    assert optimizer.factors is None and optimizer.scratch is None
    loaded = pickle.loads(pickle.dumps(optimizer))
    assert loaded.rate_factors == optimizer.rate_factors


def test_factors_of_one_or_of_an_absent_group_change_nothing():
    """No vector at all, so the step keeps its fused kernel; a factor needs
    the groups of θ."""
    groups = {**GROUPS, "biases": slice(N_COEF, N_PARAMS),
              "front_scale": slice(N_PARAMS, N_PARAMS)}  # fmt: skip
    params = {**PARAMS, "learning_rate_factors": {"weights": 1.0, "front_scale": 6.0}}
    optimizer = make_optimizer(
        SGD, N_PARAMS, "float64", params, n_coef=N_COEF, groups=groups
    )
    assert optimizer.rate_factors is None
    with pytest.raises(ValueError, match="groups"):
        make_optimizer(SGD, N_PARAMS, "float64", params, n_coef=N_COEF)


@pytest.mark.usefixtures("numba_path")
@ALL
def test_a_step_with_factors_takes_the_numpy_path(rule):
    """The kernels have no factors: with numba on, the step is the NumPy
    path's, bit for bit."""
    thetas = []
    for enable in (False, True):
        with _kernels.use_numba(enable):
            optimizer = _factored(rule, "float64", {"biases": 0.1}, weight_decay=0.1)
            thetas.append(run(optimizer, "float64", 0.5 / 137.5))
    np.testing.assert_array_equal(thetas[1], thetas[0])
