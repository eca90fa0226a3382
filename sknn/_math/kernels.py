"""Fused update kernels: the L2 term, an update rule and the denormal flush in
one pass over θ, compiled with numba when it is installed.

The NumPy form of a step (``optimizers``) makes 5 to 9 whole-vector passes
through memory, plus 2 for the L2 term; a kernel makes one. They are the
rules of ``optimizers`` entry by entry, with ``g := g + l2 θ`` on the first
``n_coef`` entries (the weights, not the biases), decoupled weight decay on
the first ``n_decay``, and, when ``tiny`` > 0, every result below ``tiny`` in
magnitude set to zero (the flush ``optimizers`` makes every ``FLUSH_EVERY``
steps).

numba is optional (``pip install sknn[performance]``) and imported only when
a kernel is first needed; each kernel is compiled for a dtype only when an
optimiser of that dtype first steps, and the machine code is cached on disk
(in ``__pycache__`` beside this file, or numba's user-wide cache directory
when that is not writable; with neither, it is compiled once per process,
quietly). Each process pays for importing numba (about 0.3 s of CPU) and
numba's start-up (0.25 to 0.4 s), and each kernel and dtype for compiling
(0.2 to 0.4 s) or, once cached, loading (under 10 ms). A step over the 670k
parameters of the seed's MNIST network is 3 to 5 times faster fused, saving
0.5 ms (plain SGD, float32) to 8 ms (Adam, float64). Below about 100k
parameters the arrays stay in the CPU's caches, the NumPy passes are cheap,
and a saving of tens of µs a step takes tens of thousands of steps to repay
the one-off cost (the digits benchmark's 7.5k-parameter network: 20,000 to
190,000 steps, against about 4,000 in its whole run). So optimisers of fewer
than ``MIN_PARAMS`` = 200,000 parameters keep the NumPy path; from there on
Adam repays even a cold start within 2,000 steps (a few epochs of a 60k-row
data set at batch size 200), plain SGD in float32 within 20,000.
``benchmarks/bench_kernels.py --sizes`` measures all this.

Two more kernels serve a relu hidden layer with dropout (``network.
Backprop``), under the same switch and size rule: bias, relu, mask and
product in one pass forward (five NumPy passes), mask and relu derivative in
one backward (two). They repeat the NumPy path's IEEE operations in order
without fast-math: bit for bit the NumPy path's results. On the lecture's
MNIST network they save 4% to 5% of a step (``benchmarks/bench_step.py``).

The environment variable ``SKNN_KERNELS`` chooses the path: ``auto`` (the
default: numba from ``MIN_PARAMS`` parameters on, when it is installed),
``numpy`` (never numba) or ``numba`` (numba at every size). ``use_numba``
changes the choice at run time, also as a context manager.

Floating-point: the kernels compute in the dtype of θ (float32 stays
float32: constants arrive cast to it, ``math.sqrt`` of a float32 is a
float32). They may fuse a product and a sum into one rounding and reorder
sums, so they agree with the NumPy path to rounding, not bit for bit. They
are compiled with the fast-math flags ``nsz``, ``arcp``, ``contract`` and
``reassoc`` only: without ``nnan`` and ``ninf`` the compiler may not assume
that values are finite, so a NaN or an infinity in the gradient or θ reaches
θ as in NumPy (the tests check the same entries end up NaN or infinite), and
the divergence checks still see it. Division follows NumPy too (x/0 is ±inf
or NaN, no exception). Unlike NumPy, the kernels issue no "invalid value"
RuntimeWarning and ignore ``np.errstate``.
"""

import math
import os
import threading
import warnings

import numpy as np

MIN_PARAMS = 200_000
"""Optimisers with fewer parameters take the NumPy path in the ``auto`` mode."""

FASTMATH = frozenset({"nsz", "arcp", "contract", "reassoc"})
"""LLVM fast-math flags of the kernels; never ``nnan``/``ninf``/``fast``."""

_MODES = ("auto", "numba", "numpy")
_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


# The kernels. Each reads θ, the gradient and the state once, and writes θ and
# the state once; ``n_coef``, ``l2`` and ``tiny`` are as in the module
# docstring. The first ``n_decay`` entries of θ (the weights, or none) are
# decayed, θ := θ · decay with decay = 1 − α·wd, before the rule's update,
# whose gradient (the L2 term included) is the old θ's: decoupled weight
# decay, as PyTorch's AdamW. Every floating-point argument has θ's dtype.


def _sgd(theta, grad, n_coef, l2, lr, tiny, n_decay, decay):
    """θ := θ − α g."""
    zero = tiny - tiny
    for i in range(theta.size):
        t = theta[i]
        g = grad[i]
        if i < n_coef:
            g += l2 * t
        if i < n_decay:
            t = t * decay
        th = t - lr * g
        if abs(th) < tiny:
            th = zero
        theta[i] = th


def _momentum(theta, grad, velocity, n_coef, l2, lr, mu, tiny, n_decay, decay):
    """v := μ v − α g, θ := θ + v."""
    zero = tiny - tiny
    for i in range(theta.size):
        t = theta[i]
        g = grad[i]
        if i < n_coef:
            g += l2 * t
        if i < n_decay:
            t = t * decay
        v = mu * velocity[i] - lr * g
        th = t + v
        if abs(v) < tiny:
            v = zero
        if abs(th) < tiny:
            th = zero
        velocity[i] = v
        theta[i] = th


def _nesterov(theta, grad, velocity, n_coef, l2, lr, mu, tiny, n_decay, decay):
    """v := μ v − α g, θ := θ − α g + μ v."""
    zero = tiny - tiny
    for i in range(theta.size):
        t = theta[i]
        g = grad[i]
        if i < n_coef:
            g += l2 * t
        if i < n_decay:
            t = t * decay
        step = lr * g
        v = mu * velocity[i] - step
        th = t - step + mu * v
        if abs(v) < tiny:
            v = zero
        if abs(th) < tiny:
            th = zero
        velocity[i] = v
        theta[i] = th


def _rmsprop(
    theta, grad, mean_square, n_coef, l2, lr, rho, one_minus_rho, eps, tiny,
    n_decay, decay,
):  # fmt: skip
    """s := ρ s + (1 − ρ) g², θ := θ − α g / (√s + ε)."""
    zero = tiny - tiny
    for i in range(theta.size):
        t = theta[i]
        g = grad[i]
        if i < n_coef:
            g += l2 * t
        if i < n_decay:
            t = t * decay
        s = rho * mean_square[i] + one_minus_rho * (g * g)
        th = t - lr * (g / (math.sqrt(s) + eps))
        if abs(s) < tiny:
            s = zero
        if abs(th) < tiny:
            th = zero
        mean_square[i] = s
        theta[i] = th


def _adam(
    theta,
    grad,
    m,
    v,
    n_coef,
    l2,
    step_size,
    beta_1,
    one_minus_beta_1,
    beta_2,
    one_minus_beta_2,
    eps,
    tiny,
    n_decay,
    decay,
):
    """m := β₁ m + (1 − β₁) g, v := β₂ v + (1 − β₂) g²,
    θ := θ − step_size · m / (√v + ε)."""
    zero = tiny - tiny
    for i in range(theta.size):
        t = theta[i]
        g = grad[i]
        if i < n_coef:
            g += l2 * t
        if i < n_decay:
            t = t * decay
        mi = beta_1 * m[i] + one_minus_beta_1 * g
        vi = beta_2 * v[i] + one_minus_beta_2 * (g * g)
        th = t - step_size * (mi / (math.sqrt(vi) + eps))
        if abs(mi) < tiny:
            mi = zero
        if abs(vi) < tiny:
            vi = zero
        if abs(th) < tiny:
            th = zero
        m[i] = mi
        v[i] = vi
        theta[i] = th


# Dropout after a relu hidden layer (see the module docstring)


def _relu_dropout(Z, bias, bits, threshold, scale, mask, dropped):
    """Z := max(Z + b, 0); mask := scale where bits ≥ threshold, else 0;
    dropped := Z · mask."""
    zero = scale - scale
    n, k = Z.shape
    for i in range(n):
        for j in range(k):
            z = Z[i, j] + bias[j]
            if z < zero:  # np.maximum(z, 0): NaN stays NaN
                z = zero
            m = scale if bits[i, j] >= threshold else zero
            Z[i, j] = z
            mask[i, j] = m
            dropped[i, j] = z * m


def _relu_dropout_backward(delta, mask, A):
    """δ := (δ · mask) · [A > 0], the error through dropout and the relu."""
    n, k = delta.shape
    for i in range(n):
        for j in range(k):
            delta[i, j] = (delta[i, j] * mask[i, j]) * (A[i, j] > 0)


def _update_arguments(n_arrays, n_floats):
    """Example arguments of an update kernel: θ-like arrays, n_coef, floats."""

    def example(dtype):
        arrays = [np.empty(0, dtype) for _ in range(n_arrays)]
        floats = [dtype.type(0) for _ in range(n_floats)]
        return (*arrays, 0, *floats, 0, dtype.type(1))  # then n_decay, decay

    return example


def _relu_dropout_arguments(dtype):
    matrix = np.empty((0, 0), dtype)
    bits = np.empty((0, 0), np.uint32)
    return matrix, np.empty(0, dtype), bits, np.uint32(0), dtype.type(1), matrix, matrix


def _backward_arguments(dtype):
    matrix = np.empty((0, 0), dtype)
    return matrix, matrix, matrix


# name: (Python function, fast-math, dtype -> arguments of the types of a
# real call on empty arrays: compiling with them is a no-op call)
_KERNELS = {
    "sgd": (_sgd, True, _update_arguments(2, 3)),
    "momentum": (_momentum, True, _update_arguments(3, 4)),
    "nesterov": (_nesterov, True, _update_arguments(3, 4)),
    "rmsprop": (_rmsprop, True, _update_arguments(3, 6)),
    "adam": (_adam, True, _update_arguments(4, 8)),
    "relu_dropout": (_relu_dropout, False, _relu_dropout_arguments),
    "relu_dropout_backward": (_relu_dropout_backward, False, _backward_arguments),
}


def _mode_from_environment():
    mode = os.environ.get("SKNN_KERNELS", "auto").strip().lower() or "auto"
    if mode not in _MODES:
        warnings.warn(
            f"SKNN_KERNELS={mode!r} is not one of {', '.join(_MODES)}; using 'auto'.",
            RuntimeWarning,
            stacklevel=2,
        )
        mode = "auto"
    return mode


_lock = threading.RLock()
_mode = _mode_from_environment()
_numba = None  # the numba module once imported, False when it cannot be
_compiled = {}  # (name, dtype) -> dispatcher compiled for that dtype
_dispatchers = {}  # name -> dispatcher
_warned_missing = False


def _import_numba():
    """numba, or None when it is not installed or cannot compile."""
    global _numba
    if _numba is None:
        try:
            import numba
        except ImportError:  # also what numba raises on an unsupported NumPy
            _numba = False
        else:
            # NUMBA_DISABLE_JIT=1 would run the loops in the interpreter
            _numba = False if numba.config.DISABLE_JIT else numba
    return _numba or None


def numba_available():
    """Whether numba can be imported and compiles (imports it if so).

    Returns
    -------
    available : bool
    """
    return _import_numba() is not None


class use_numba:
    """Choose the path of the optimisers' steps; also a context manager.

    The choice holds for the whole process (every thread) until changed, or
    until the ``with`` block ends.

    Parameters
    ----------
    enable : bool or "auto", default=True
        True: numba at every size; False: always NumPy (as
        ``SKNN_KERNELS=numpy``); ``"auto"``: numba from ``MIN_PARAMS``
        parameters on, when it is installed (the default).

    Raises
    ------
    ImportError
        With ``enable=True`` when numba is not installed.

    Examples
    --------
    >>> from sknn._math.kernels import kernel_backend, use_numba
    >>> with use_numba(False):
    ...     kernel_backend(10**6, "float32")
    'numpy'
    """

    def __init__(self, enable=True):
        global _mode
        if enable == "auto":
            mode = "auto"
        elif enable is True or enable is False:
            mode = "numba" if enable else "numpy"
        else:
            raise ValueError(f"enable must be True, False or 'auto', not {enable!r}")
        if mode == "numba" and not numba_available():
            raise ImportError(
                "numba is not installed (or cannot compile); "
                "pip install 'sknn[performance]'"
            )
        with _lock:
            self.previous, _mode = _mode, mode

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        global _mode
        with _lock:
            _mode = self.previous


def _jit(name, cache):
    numba = _import_numba()
    function, fastmath, _ = _KERNELS[name]
    # error_model="numpy": x / 0 is ±inf or NaN as in NumPy, not an exception
    # (the check for it would also keep the loops from being vectorised)
    return numba.njit(
        cache=cache,
        nogil=True,
        error_model="numpy",
        fastmath=set(FASTMATH) if fastmath else False,
    )(function)


def _example_arguments(name, dtype):
    """Arguments of the types of a real call, on empty arrays (a no-op call)."""
    return _KERNELS[name][2](np.dtype(dtype))


def _compile(name, dtype):
    """The dispatcher of kernel ``name``, compiled (or loaded) for ``dtype``.

    Caches on disk when numba finds a writable cache directory; when it finds
    none, or writing the cache fails, compiles for this process only, quietly.
    """
    dispatcher = _dispatchers.get(name)
    if dispatcher is None:
        try:
            dispatcher = _jit(name, cache=True)
        except RuntimeError:  # "cannot cache function ...: no locator available"
            dispatcher = _jit(name, cache=False)
        _dispatchers[name] = dispatcher
    try:
        dispatcher(*_example_arguments(name, dtype))
    except OSError:  # the cache directory became unwritable or unreadable
        dispatcher = _dispatchers[name] = _jit(name, cache=False)
        dispatcher(*_example_arguments(name, dtype))
    return dispatcher


def kernel_backend(n_params, dtype):
    """Which path a step over ``n_params`` parameters of ``dtype`` takes.

    Parameters
    ----------
    n_params : int
    dtype : dtype or str

    Returns
    -------
    backend : {"numba", "numpy"}
        ``"numba"`` when the mode allows it (``auto``: ``n_params >=
        MIN_PARAMS``), the dtype is float32 or float64 and numba can be
        imported; ``"numpy"`` otherwise.
    """
    global _warned_missing
    mode = _mode
    if mode == "numpy" or (mode == "auto" and n_params < MIN_PARAMS):
        return "numpy"
    if np.dtype(dtype) not in _DTYPES:
        return "numpy"
    if _import_numba() is None:
        if mode == "numba" and not _warned_missing:
            _warned_missing = True
            warnings.warn(
                "SKNN_KERNELS=numba but numba is not installed (or cannot "
                "compile); the optimisers take the NumPy path.",
                RuntimeWarning,
                stacklevel=2,
            )
        return "numpy"
    return "numba"


def get_kernel(name, theta):
    """The compiled kernel ``name`` for ``theta``'s size and dtype, or None
    when the step should take the NumPy path (see ``kernel_backend``; a name
    with no kernel here takes it too).

    The first request for a kernel and dtype compiles it, or loads it from the
    disk cache; later ones cost a dictionary look-up.
    """
    if name not in _KERNELS or kernel_backend(theta.size, theta.dtype) == "numpy":
        return None  # a rule without a fused kernel takes the NumPy path
    key = (name, theta.dtype)
    dispatcher = _compiled.get(key)
    if dispatcher is None:
        with _lock:
            dispatcher = _compiled.get(key)
            if dispatcher is None:
                dispatcher = _compiled[key] = _compile(name, theta.dtype)
    return dispatcher
