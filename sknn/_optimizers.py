"""The gradient solvers' update rules, applied in place to the flat θ.

Each optimiser keeps its state in arrays the size of θ and updates θ in a few
whole-vector passes through one scratch buffer, so a step allocates nothing.
The scratch buffer exists only while training (``release`` frees it), so a
fitted model, and the copy that ``partial_fit`` resumes from, do not carry it.

- ``SGD``: θ := θ − α g (the seed's rule); with momentum μ, v := μ v − α g and
  θ := θ + v; with Nesterov momentum, θ := θ + μ v − α g.
- ``RMSprop``: s := ρ s + (1 − ρ) g², θ := θ − α g / (√s + ε).
- ``Adam``: m := β₁ m + (1 − β₁) g, v := β₂ v + (1 − β₂) g²,
  θ := θ − α √(1 − β₂ᵗ)/(1 − β₁ᵗ) · m / (√v + ε).

Running averages of squared gradients decay geometrically where a gradient is
always zero (MNIST's blank border pixels, for one), and so do the weights of
such inputs under the L2 term (RMSprop and Adam shrink them by a constant
factor each step once √s is below ε); both would pass through the denormal
floats, on which a CPU can be many times slower (on the AMD EPYC this was
measured on, √ and ÷ are 2.5 times slower; many Intel CPUs also slow down
on denormal operands of products). Every ``FLUSH_EVERY`` steps the state and
θ are flushed to zero, as a CPU's flush-to-zero mode would.
"""

import numpy as np

FLUSH_EVERY = 32


def _flush_denormals(*arrays):
    """Set the entries of each array below the smallest normal float to zero.

    Multiplying by the 0/1 indicator is one fast pass; a masked assignment
    (``np.copyto(..., where=...)``) is an order of magnitude slower.
    """
    for a in arrays:
        if a is not None:
            np.multiply(a, np.abs(a) >= np.finfo(a.dtype).tiny, out=a)


class _Optimizer:
    """The step count ``t`` and the scratch buffer every rule shares; ``STATE``
    names the running averages that ``make_optimizer`` carries over."""

    STATE = ()

    def __init__(self, n_params, dtype):
        self.n_params = n_params
        self.dtype = np.dtype(dtype).name  # a str, as simple to persist as the rest
        self.scratch = None
        self.t = 0

    def _scratch(self):
        if self.scratch is None:
            self.scratch = np.empty(self.n_params, self.dtype)
        return self.scratch

    def release(self):
        """Free the scratch buffer; the next ``step`` allocates it again."""
        self.scratch = None


class SGD(_Optimizer):
    STATE = ("velocity",)

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
            _flush_denormals(theta, v)


class RMSprop(_Optimizer):
    STATE = ("mean_square",)

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
            _flush_denormals(theta, s)


class Adam(_Optimizer):
    STATE = ("m", "v")

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
            _flush_denormals(theta, m, v)


def make_optimizer(solver, n_params, dtype, params, resume=None):
    """The optimiser for ``solver``, its constants taken from the estimator's
    parameters ``params`` (a dict of ``get_params()``).

    ``resume`` is the optimiser of an earlier ``partial_fit`` call: when it is
    of the same kind and shape, its running averages and step count carry on
    (copied, never shared), while constants such as a lowered
    ``learning_rate`` come from ``params``.
    """
    lr = params["learning_rate"]
    if solver == "sgd":
        new = SGD(n_params, dtype, lr, params["momentum"], params["nesterov"])
    elif solver == "rmsprop":
        new = RMSprop(n_params, dtype, lr, params["rho"], params["epsilon"])
    elif solver == "adam":
        new = Adam(
            n_params, dtype, lr, params["beta_1"], params["beta_2"], params["epsilon"]
        )
    else:
        raise ValueError(f"{solver!r} has no step-by-step optimiser")
    if type(resume) is type(new) and resume.n_params == new.n_params:
        for name in new.STATE:
            old = getattr(resume, name)
            if old is not None and getattr(new, name) is not None:
                getattr(new, name)[...] = old
        new.t = resume.t
    return new
