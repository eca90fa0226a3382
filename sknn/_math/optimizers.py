"""The gradient solvers' update rules, applied in place to the flat θ.

A step takes the gradient g of the batch's loss without its L2 term and adds
that term first, on the weights only (the first ``n_coef`` entries of θ; the
biases are not penalised): g := g + l2_scale · θ, where the training loop
passes l2_scale = λ/Σw for the batch. Then:

- ``SGD``: θ := θ − α g (the seed's rule); with momentum μ, v := μ v − α g and
  θ := θ + v; with Nesterov momentum, v := μ v − α g and θ := θ − α g + μ v.
- ``RMSprop``: s := ρ s + (1 − ρ) g², θ := θ − α g / (√s + ε).
- ``Adam``: m := β₁ m + (1 − β₁) g, v := β₂ v + (1 − β₂) g²,
  θ := θ − α √(1 − β₂ᵗ)/(1 − β₁ᵗ) · m / (√v + ε).

Every rule takes two regularisers: ``clip_grad_norm`` c scales g (the L2 term
included) by min(1, c / (‖g‖ + 1e-6)) first; ``weight_decay`` wd then decays
the weights, θ := θ·(1 − α·wd) (not the biases), before the rule's update
with the gradient of the old θ: decoupled weight decay (AdamW; SGDW).

Every rule also takes per-group factors on the rate (``learning_rate_factors``,
``rate_factors`` here): entry i of θ steps with the rate α·f_i, f_i the
factor of its group (the weights, the biases, the front scale), as PyTorch's
parameter groups with their own ``lr``. The rule's update is multiplied by
f entry by entry (Adam: θ := θ − α f ⊙ √(1 − β₂ᵗ)/(1 − β₁ᵗ) · m / (√v + ε);
SGD with momentum: v := μ v − α f ⊙ g), and the weights decay by their
group's rate, θ := θ·(1 − α·f·wd). The vector f is built once per run, at
the first step, and freed with the scratch buffer. A step with factors takes
the NumPy path: the kernels have no factor (the networks these factors are
meant for, RealMLP's, are below ``kernels.MIN_PARAMS`` anyway).

Two implementations compute each step. The NumPy one updates θ in a few
whole-vector passes through one scratch buffer, so a step allocates nothing;
the scratch buffer exists only while training (``release`` frees it), so a
fitted model, and the copy that ``partial_fit`` resumes from, do not carry it.
When numba is installed and θ has at least ``kernels.MIN_PARAMS`` entries, a
compiled kernel of ``kernels`` makes the whole step, L2 term and flush
included, in one pass, and needs no scratch buffer (see ``kernels`` for the
choice, and ``SKNN_KERNELS=numpy`` to turn it off). The two agree to
rounding; the NumPy path is the reference. The optimisers themselves hold
only NumPy arrays and numbers, whichever path ran, so they pickle as before.

Running averages of squared gradients decay geometrically where a gradient is
always zero (MNIST's blank border pixels, for one), and so do the weights of
such inputs under the L2 term (RMSprop and Adam shrink them by a constant
factor each step once √s is below ε); both would pass through the denormal
floats, on which a CPU can be many times slower (on the AMD EPYC this was
measured on, √ and ÷ are 2.5 times slower; many Intel CPUs also slow down
on denormal operands of products). Every ``FLUSH_EVERY`` steps the state and
θ are flushed to zero, as a CPU's flush-to-zero mode would.
"""

import math

import numpy as np

from . import kernels

FLUSH_EVERY = 32


def _clip_in_place(grad, max_norm):
    """grad := grad · min(1, c / (‖grad‖ + 1e-6)), ‖·‖ the L2 norm in the
    gradient's dtype (``torch.nn.utils.clip_grad_norm_``'s rule)."""
    norm = math.sqrt(float(np.dot(grad, grad)))
    scale = max_norm / (norm + 1e-6)
    if scale < 1.0:
        grad *= grad.dtype.type(scale)


def _flush_denormals(*arrays):
    """Set the entries of each array below the smallest normal float to zero.

    Multiplying by the 0/1 indicator is one fast pass; a masked assignment
    (``np.copyto(..., where=...)``) is an order of magnitude slower.
    """
    for a in arrays:
        if a is not None:
            np.multiply(a, np.abs(a) >= np.finfo(a.dtype).tiny, out=a)


class _Optimizer:
    """The step count ``t``, the scratch buffer and the L2 term every rule
    shares; ``STATE`` names the running averages that ``make_optimizer``
    carries over, ``_kernel_name`` the fused kernel of the rule."""

    STATE = ()
    PARAMETERS = ()  # the estimator parameters after the learning rate
    n_coef = None  # also for optimisers pickled before it existed
    # the regularisers every rule takes (``make_optimizer`` sets them; an
    # optimiser pickled before they existed has neither)
    weight_decay = 0.0
    clip_grad_norm = None
    # per-group factors on the rate, {group: (start, stop, factor)} over θ
    # with every factor other than 1 ("weights" is θ[:n_coef]), or None
    # (``make_optimizer`` sets them)
    rate_factors = None
    factors = None  # their vector over θ, built at the first step of a run

    def __init__(self, n_params, dtype, n_coef=None):
        self.n_params = n_params
        self.dtype = np.dtype(dtype).name  # a str, as simple to persist as the rest
        self.n_coef = None if n_coef is None else int(n_coef)
        self.scratch = None
        self.t = 0

    def _scratch(self):
        if self.scratch is None:
            self.scratch = np.empty(self.n_params, self.dtype)
        return self.scratch

    def release(self):
        """Free the scratch buffer and the vector of rate factors; the next
        ``step`` builds them again."""
        self.scratch = None
        self.factors = None

    def _factor_vector(self):
        """f over θ: each entry the factor of its group (1 outside them)."""
        if self.factors is None:
            factors = np.ones(self.n_params, self.dtype)
            for start, stop, factor in self.rate_factors.values():
                factors[start:stop] = factor
            self.factors = factors
        return self.factors

    def _apply_factors(self, update):
        """update := f ⊙ update, with rate factors; nothing without."""
        if self.rate_factors:
            update *= self._factor_vector()

    def _l2_entries(self, l2_scale):
        """How many leading entries of θ the L2 term applies to."""
        if not l2_scale:
            return 0
        if self.n_coef is None:
            raise ValueError(
                "an L2 term needs the optimiser to know n_coef, the number of "
                "weights at the start of θ"
            )
        return self.n_coef

    def _add_l2(self, theta, grad, n_l2, l2_scale):
        """grad[:n_l2] += l2_scale · θ[:n_l2], through the scratch buffer."""
        if n_l2:
            l2 = self._scratch()[:n_l2]
            np.multiply(theta[:n_l2], l2_scale, out=l2)
            grad[:n_l2] += l2

    def _decay(self):
        """(entries, factor) of decoupled weight decay: the weights, θ :=
        θ·(1 − α·f·wd) with α the rate of this step and f the weights' rate
        factor; (0, 1.0) without it."""
        if not self.weight_decay:
            return 0, 1.0
        rate = self.learning_rate
        if self.rate_factors and "weights" in self.rate_factors:
            rate = rate * self.rate_factors["weights"][2]
        return self.n_coef, 1.0 - rate * self.weight_decay

    def step(self, theta, grad, l2_scale=0.0):
        """One update of ``theta`` in place, L2 term included.

        With ``clip_grad_norm`` c, the gradient g (L2 term included) is first
        scaled by min(1, c / (‖g‖ + 1e-6)), as ``torch.nn.utils.
        clip_grad_norm_``; with ``weight_decay`` wd, the weights (not the
        biases) are then decayed, θ := θ·(1 − α·wd), and the rule applies the
        gradient taken at the old θ: decoupled weight decay (PyTorch's AdamW,
        SGDW for sgd).

        Parameters
        ----------
        theta : ndarray of shape (n_params,)
            θ: the weights (its first ``n_coef`` entries), then the biases.
        grad : ndarray of shape (n_params,)
            ∂/∂θ of the batch's loss without its L2 term. Used as scratch
            space: its content afterwards is unspecified (the NumPy path
            leaves g + l2_scale · θ in it, the numba path leaves it as it was).
        l2_scale : float, default=0.0
            The L2 term's factor λ/Σw: ``l2_scale * theta[:n_coef]`` is added
            to ``grad[:n_coef]`` before the rule applies. Used as given, so a
            Python float keeps a float32 step in float32. Non-zero needs the
            optimiser built with ``n_coef``.
        """
        self.t += 1
        n_l2 = self._l2_entries(l2_scale)
        if self.clip_grad_norm is not None:
            # the gradient clipped is J's, L2 term included
            self._add_l2(theta, grad, n_l2, l2_scale)
            _clip_in_place(grad, self.clip_grad_norm)
            n_l2, l2_scale = 0, 0.0
        n_decay, decay = self._decay()
        flush = self.t % FLUSH_EVERY == 0
        kernel = (
            None if self.rate_factors else kernels.get_kernel(self._kernel_name, theta)
        )
        if kernel is not None:
            cast = theta.dtype.type  # every float argument in θ's dtype
            tiny = np.finfo(theta.dtype).tiny if flush else 0.0
            self._fused_step(
                kernel, theta, grad, n_l2, cast(l2_scale), cast(tiny),
                n_decay, cast(decay),
            )  # fmt: skip
            return
        self._add_l2(theta, grad, n_l2, l2_scale)
        if n_decay:
            theta[:n_decay] *= theta.dtype.type(decay)
        self._numpy_step(theta, grad)
        if flush:
            _flush_denormals(theta, *(getattr(self, name) for name in self.STATE))


class SGD(_Optimizer):
    """Stochastic gradient descent, with optional (Nesterov) momentum.

    θ := θ − α g; with momentum μ > 0, v := μ v − α g and θ := θ + v; with
    Nesterov momentum, v := μ v − α g and θ := θ − α g + μ v. The velocity v
    starts at zero; g includes the L2 term (see ``step``).

    Parameters
    ----------
    n_params : int
        Entries of θ.
    dtype : dtype or str
        θ's dtype, float32 or float64.
    learning_rate : float
        α.
    momentum : float, default=0.0
        μ; 0 keeps no velocity.
    nesterov : bool, default=False
        Nesterov's momentum rather than the classical one.
    n_coef : int or None, default=None
        Weights at the start of θ, the entries the L2 term applies to; needed
        only for a non-zero ``l2_scale``.
    """

    STATE = ("velocity",)
    PARAMETERS = ("momentum", "nesterov")

    def __init__(
        self,
        n_params,
        dtype,
        learning_rate,
        momentum=0.0,
        nesterov=False,
        *,
        n_coef=None,
    ):
        super().__init__(n_params, dtype, n_coef)
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.nesterov = nesterov
        self.velocity = np.zeros(n_params, dtype) if momentum > 0 else None

    @property
    def _kernel_name(self):
        if self.velocity is None:
            return "sgd"
        return "nesterov" if self.nesterov else "momentum"

    def _numpy_step(self, theta, grad):
        scratch = self._scratch()
        step = np.multiply(grad, self.learning_rate, out=scratch)  # α g
        self._apply_factors(step)
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

    def _fused_step(self, kernel, theta, grad, n_l2, l2, tiny, n_decay, decay):
        cast = theta.dtype.type
        if self.velocity is None:
            kernel(
                theta, grad, n_l2, l2, cast(self.learning_rate), tiny, n_decay, decay
            )
        else:
            kernel(
                theta,
                grad,
                self.velocity,
                n_l2,
                l2,
                cast(self.learning_rate),
                cast(self.momentum),
                tiny,
                n_decay,
                decay,
            )


class RMSprop(_Optimizer):
    """RMSprop: gradients scaled by a running root mean square.

    s := ρ s + (1 − ρ) g², θ := θ − α g / (√s + ε), s starting at zero; g
    includes the L2 term (see ``step``).

    Parameters
    ----------
    n_params : int
        Entries of θ.
    dtype : dtype or str
        θ's dtype, float32 or float64.
    learning_rate : float
        α.
    rho : float, default=0.9
        ρ, the decay of the mean square.
    epsilon : float, default=1e-8
        ε.
    n_coef : int or None, default=None
        Weights at the start of θ, the entries the L2 term applies to; needed
        only for a non-zero ``l2_scale``.
    """

    STATE = ("mean_square",)
    PARAMETERS = ("rho", "epsilon")
    _kernel_name = "rmsprop"

    def __init__(
        self, n_params, dtype, learning_rate, rho=0.9, epsilon=1e-8, *, n_coef=None
    ):
        super().__init__(n_params, dtype, n_coef)
        self.learning_rate = learning_rate
        self.rho = rho
        self.epsilon = epsilon
        self.mean_square = np.zeros(n_params, dtype)

    def _numpy_step(self, theta, grad):
        s, scratch = self.mean_square, self._scratch()
        s *= self.rho
        np.square(grad, out=scratch)
        scratch *= 1 - self.rho
        s += scratch
        np.sqrt(s, out=scratch)
        scratch += self.epsilon
        np.divide(grad, scratch, out=scratch)
        scratch *= self.learning_rate
        self._apply_factors(scratch)
        theta -= scratch

    def _fused_step(self, kernel, theta, grad, n_l2, l2, tiny, n_decay, decay):
        cast = theta.dtype.type
        kernel(
            theta,
            grad,
            self.mean_square,
            n_l2,
            l2,
            cast(self.learning_rate),
            cast(self.rho),
            cast(1 - self.rho),
            cast(self.epsilon),
            tiny,
            n_decay,
            decay,
        )


class Adam(_Optimizer):
    """Adam: bias-corrected running averages of the gradient and its square.

    m := β₁ m + (1 − β₁) g, v := β₂ v + (1 − β₂) g² and
    θ := θ − α √(1 − β₂ᵗ)/(1 − β₁ᵗ) · m / (√v + ε) at step t = 1, 2, …, with
    m and v starting at zero; g includes the L2 term (see ``step``).

    Parameters
    ----------
    n_params : int
        Entries of θ.
    dtype : dtype or str
        θ's dtype, float32 or float64.
    learning_rate : float
        α.
    beta_1, beta_2 : float, default=0.9, 0.999
        β₁ and β₂, the decays of m and v.
    epsilon : float, default=1e-8
        ε.
    n_coef : int or None, default=None
        Weights at the start of θ, the entries the L2 term applies to; needed
        only for a non-zero ``l2_scale``.
    """

    STATE = ("m", "v")
    PARAMETERS = ("beta_1", "beta_2", "epsilon")
    _kernel_name = "adam"

    def __init__(
        self,
        n_params,
        dtype,
        learning_rate,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        *,
        n_coef=None,
    ):
        super().__init__(n_params, dtype, n_coef)
        self.learning_rate = learning_rate
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.m = np.zeros(n_params, dtype)
        self.v = np.zeros(n_params, dtype)

    def _step_size(self):
        """α √(1 − β₂ᵗ)/(1 − β₁ᵗ), a Python float (a float32 run stays float32)."""
        return float(
            self.learning_rate
            * np.sqrt(1 - self.beta_2**self.t)
            / (1 - self.beta_1**self.t)
        )

    def _numpy_step(self, theta, grad):
        m, v, scratch = self.m, self.v, self._scratch()
        m *= self.beta_1
        np.multiply(grad, 1 - self.beta_1, out=scratch)
        m += scratch
        v *= self.beta_2
        np.square(grad, out=scratch)
        scratch *= 1 - self.beta_2
        v += scratch
        np.sqrt(v, out=scratch)
        scratch += self.epsilon
        np.divide(m, scratch, out=scratch)
        scratch *= self._step_size()
        self._apply_factors(scratch)
        theta -= scratch

    def _fused_step(self, kernel, theta, grad, n_l2, l2, tiny, n_decay, decay):
        cast = theta.dtype.type
        kernel(
            theta,
            grad,
            self.m,
            self.v,
            n_l2,
            l2,
            cast(self._step_size()),
            cast(self.beta_1),
            cast(1 - self.beta_1),
            cast(self.beta_2),
            cast(1 - self.beta_2),
            cast(self.epsilon),
            tiny,
            n_decay,
            decay,
        )


# The gradient solvers by name: each rule names the estimator parameters its
# constructor takes after the learning rate, in order. A new rule is a class
# and a row here (a rule with no fused kernel takes the NumPy path).
SOLVERS = {"sgd": SGD, "rmsprop": RMSprop, "adam": Adam}


def make_optimizer(
    rule, n_params, dtype, params, resume=None, n_coef=None, groups=None
):
    """A ``rule`` optimiser (a class of ``SOLVERS``), its constants taken from
    the estimator's parameters ``params`` (a dict of ``get_params()``).

    ``resume`` is the optimiser of an earlier ``partial_fit`` call: when it is
    of the same kind and shape, its running averages and step count carry on
    (copied, never shared), while constants such as a lowered
    ``learning_rate`` come from ``params``. ``n_coef``, the number of weights
    at the start of θ, is needed for ``step``'s ``l2_scale``; ``groups``
    ({name: slice of θ}, ``Network.groups``) for the factors of
    ``params["learning_rate_factors"]``, a dict {group name: factor}.
    """
    constants = [params[name] for name in rule.PARAMETERS]
    new = rule(n_params, dtype, params["learning_rate"], *constants, n_coef=n_coef)
    new.weight_decay = params.get("weight_decay", 0.0)
    new.clip_grad_norm = params.get("clip_grad_norm")
    factors = params.get("learning_rate_factors") or {}
    if factors and groups is None:
        raise ValueError("learning_rate_factors need the groups of θ (groups=)")
    # a factor of 1, or of a group the network does not have, changes nothing
    new.rate_factors = {
        name: (groups[name].start, groups[name].stop, float(factor))
        for name, factor in factors.items()
        if factor != 1 and groups[name].stop > groups[name].start
    } or None
    if type(resume) is type(new) and resume.n_params == new.n_params:
        for name in new.STATE:
            old = getattr(resume, name)
            if old is not None and getattr(new, name) is not None:
                getattr(new, name)[...] = old
        new.t = resume.t
    return new
