"""The feed-forward network: forward propagation, J(Θ) and its gradient.

All parameters live in one flat vector θ — every weight matrix Θ⁽ˡ⁾ first, then
every bias vector, then the front scale s if there is one — and
``Network.unpack`` hands out views of it. The optimisers then update all
parameters in a few whole-vector passes, L-BFGS sees the vector it needs, and
the L2 term of J, which leaves the biases (and s) out, is one contiguous slice.

Layer l+1 computes ``A⁽ˡ⁺¹⁾ = g(A⁽ˡ⁾ Θ⁽ˡ⁾ + b⁽ˡ⁾)`` for a whole batch at once
(rows are samples), with the hidden layer's own g, so a forward pass is one
matrix product per layer.
Backpropagation runs the error δ from the output back:
``δ⁽ᴸ⁾ = w ⊙ (h − y) / Σw``, ``∂J/∂Θ⁽ˡ⁾ = A⁽ˡ⁾ᵀ δ⁽ˡ⁺¹⁾ + (λ/Σw) Θ⁽ˡ⁾``,
``∂J/∂b⁽ˡ⁾ = Σ_i δ⁽ˡ⁺¹⁾_i`` and ``δ⁽ˡ⁾ = (δ⁽ˡ⁺¹⁾ Θ⁽ˡ⁾ᵀ) ⊙ g'(z⁽ˡ⁾)``.

The parametrisation. The weights the layers multiply by, Θ̃⁽ˡ⁾, may differ
from the stored ones Θ⁽ˡ⁾ (what θ holds, what the optimisers update and the
L2 term and weight decay act on): under ``parametrization="ntk"`` (the
neural-tangent parametrisation) Θ̃⁽ˡ⁾ = c_l Θ⁽ˡ⁾ with c_l = 1/√fan_in, and
with a front scale the first layer's rows are scaled too, Θ̃⁽¹⁾ = c_1
diag(s) Θ⁽¹⁾, so that z⁽¹⁾ = x Θ̃⁽¹⁾ + b⁽¹⁾ = c_1 (x ⊙ s) Θ⁽¹⁾ + b⁽¹⁾ (c_l = 1
under "standard").
``Network.effective`` maps θ to θ̃ (the standard layout, biases as they
are) once per forward pass, the one forward and backward code runs on θ̃,
and ``Network.raw_gradient`` maps the gradient G = ∂J/∂Θ̃ back in place:
∂J/∂Θ⁽ˡ⁾ = c_l G⁽ˡ⁾ (c_1 diag(s) G⁽¹⁾ for the first layer) and
∂J/∂s_j = c_1 Σ_k Θ⁽¹⁾_jk G⁽¹⁾_jk. A network without either (the default)
is *plain*: θ̃ is θ itself and nothing is mapped.
"""

import math

import numpy as np
import scipy.sparse as sp

from . import kernels
from .activations import ACTIVATIONS, DERIVATIVES, NEEDS_Z
from .losses import OUTPUTS, cost, weighted_loss_sum

# Rows per block when predicting: 2048 × 512 float32 activations (4 MB) stay in
# the caches of this class of CPU, and the products are still large enough to
# run at full speed.
PREDICT_ROWS = 2048


def _matmul(A, B, out):
    """``out = A @ B`` without allocating, for dense or scipy-sparse ``A``."""
    if sp.issparse(A):
        out[...] = A @ B
        return out
    return np.matmul(A, B, out=out)


# The parametrisations a network may use (see the module docstring), and the
# names of the groups of θ (``Network.groups``)
PARAMETRIZATIONS = ("standard", "ntk")
GROUPS = ("weights", "biases", "front_scale")


class Network:
    """Architecture of the network: layer sizes, activations, output, dropout,
    and how θ maps to the weights the layers multiply by.

    Parameters
    ----------
    layer_sizes : sequence of int
        Units per layer, input and output included.
    activations : str or sequence of str
        Keys of ``ACTIVATIONS``, one per hidden layer, or one for every
        hidden layer; kept as the tuple ``activations``.
    output : str or output layer
        Key of ``losses.OUTPUTS`` (``"logistic"``, ``"softmax"``, ``"identity"``,
        ``"exp"``, ...), or the output layer itself: a class of
        ``losses.OUTPUTS`` or an instance holding its parameters
        (``losses.regression_output``).
    dropout : sequence of float
        One rate per hidden layer.
    front_scale : bool, default=False
        A learnt scale s per input feature in front of the first layer,
        the last ``layer_sizes[0]`` entries of θ.
    parametrization : {"standard", "ntk"}, default="standard"
        "ntk": each layer multiplies by its stored weights times
        1/√fan_in (the module docstring has the mapping).
    """

    def __init__(
        self, layer_sizes, activations, output, dropout, front_scale=False,
        parametrization="standard",
    ):  # fmt: skip
        self.layer_sizes = tuple(int(n) for n in layer_sizes)
        n_hidden = len(self.layer_sizes) - 2
        if isinstance(activations, str):
            activations = (activations,) * n_hidden
        self.activations = tuple(activations)
        if len(self.activations) != n_hidden:
            raise ValueError(
                f"{len(self.activations)} activations for {n_hidden} hidden layers"
            )
        if parametrization not in PARAMETRIZATIONS:
            raise ValueError(
                f"parametrization must be one of {PARAMETRIZATIONS}, not "
                f"{parametrization!r}"
            )
        self.output = OUTPUTS[output] if isinstance(output, str) else output
        self.dropout = tuple(float(r) for r in dropout)
        self.front_scale = bool(front_scale)
        self.parametrization = parametrization
        self.coef_shapes = list(zip(self.layer_sizes[:-1], self.layer_sizes[1:]))
        self.n_coef = sum(i * o for i, o in self.coef_shapes)
        self.n_params = self.n_effective + self.layer_sizes[0] * self.front_scale

    @property
    def n_layers(self):
        return len(self.layer_sizes)

    @property
    def n_effective(self):
        """Entries of θ̃, the weights and biases the layers use (the
        standard layout: θ without the front scale)."""
        return self.n_coef + sum(self.layer_sizes[1:])

    @property
    def plain(self):
        """Whether θ̃ is θ: the standard parametrisation, no front scale."""
        return self.parametrization == "standard" and not self.front_scale

    def unpack(self, theta):
        """Views of ``theta`` (θ or θ̃) as the lists ``coefs`` and
        ``intercepts``."""
        coefs, intercepts = [], []
        start = 0
        for fan_in, fan_out in self.coef_shapes:
            coefs.append(
                theta[start : start + fan_in * fan_out].reshape(fan_in, fan_out)
            )
            start += fan_in * fan_out
        for _, fan_out in self.coef_shapes:
            intercepts.append(theta[start : start + fan_out])
            start += fan_out
        return coefs, intercepts

    def scale_of(self, theta):
        """The view of ``theta`` holding the front scale s (empty without)."""
        return theta[self.n_effective : self.n_params]

    def groups(self):
        """The parameter groups of θ by name, each a slice: "weights",
        "biases" and "front_scale" (an empty slice without one)."""
        bounds = (0, self.n_coef, self.n_effective, self.n_params)
        return {
            name: slice(start, stop)
            for name, start, stop in zip(GROUPS, bounds, bounds[1:])
        }

    def pack(self, coefs, intercepts, dtype):
        """A new flat θ̃ holding copies of ``coefs`` and ``intercepts`` (θ of a
        plain network)."""
        parts = [np.ravel(c) for c in coefs] + [np.ravel(b) for b in intercepts]
        return np.concatenate(parts).astype(dtype, copy=False)

    def squared_norm(self, theta):
        """Σθ² over the weights of θ, the biases left out (the L2 term's sum)."""
        theta_coef = theta[: self.n_coef]
        return float(np.dot(theta_coef, theta_coef))

    def initialize(self, rng, dtype):
        """θ at the start of training.

        "standard": Glorot-uniform weights, U(±√(6 / (fan_in + fan_out))),
        zero biases. "ntk": N(0, 1) weights and biases, drawn layer by layer
        (the 1/√fan_in of the parametrisation scales them), the output
        layer's all zero (RealMLP's initialisation). A front scale starts at
        1.
        """
        theta = np.zeros(self.n_params, dtype=dtype)
        coefs, intercepts = self.unpack(theta)
        if self.parametrization == "ntk":
            for W, b in zip(coefs[:-1], intercepts[:-1]):
                W[...] = rng.standard_normal(W.shape)
                b[...] = rng.standard_normal(b.shape)
        else:
            for W in coefs:
                limit = np.sqrt(6.0 / (W.shape[0] + W.shape[1]))
                W[...] = rng.uniform(-limit, limit, size=W.shape)
        self.scale_of(theta)[...] = 1
        return theta

    def _gains(self):
        """c_l of each layer: 1/√fan_in under "ntk", else 1."""
        if self.parametrization == "ntk":
            return [1.0 / math.sqrt(fan_in) for fan_in, _ in self.coef_shapes]
        return [1.0] * len(self.coef_shapes)

    def _row_scales(self, theta):
        """What each layer's stored weights are multiplied by: c_l (a scalar
        of θ's dtype), or c_1 s as a column for the first layer of a network
        with a front scale."""
        cast = theta.dtype.type
        scales = [cast(gain) for gain in self._gains()]
        if self.front_scale:
            scales[0] = (self.scale_of(theta) * scales[0])[:, None]
        return scales

    def effective(self, theta, out=None):
        """θ̃, the weights and biases the layers multiply by, from θ.

        Θ̃⁽ˡ⁾ = c_l Θ⁽ˡ⁾, the first layer's rows also times s (Θ̃⁽¹⁾ = c_1
        diag(s) Θ⁽¹⁾), the biases as they are. A plain network returns
        ``theta`` itself; otherwise θ̃ is written into ``out`` (a buffer of
        ``n_effective`` entries), or a new array when None.
        """
        if self.plain:
            return theta
        if out is None:
            out = np.empty(self.n_effective, theta.dtype)
        coefs, _ = self.unpack(theta)
        effective, _ = self.unpack(out)
        for W, W_effective, scale in zip(coefs, effective, self._row_scales(theta)):
            np.multiply(W, scale, out=W_effective)
        out[self.n_coef :] = theta[self.n_coef : self.n_effective]
        return out

    def raw_gradient(self, theta, grad):
        """Turn ∂J/∂θ̃, in ``grad``'s first ``n_effective`` entries, into ∂J/∂θ
        in place (θ the stored parameters ``theta``).

        ∂J/∂Θ⁽ˡ⁾ = c_l G⁽ˡ⁾ (c_1 diag(s) G⁽¹⁾ for the first layer) and
        ∂J/∂s_j = c_1 Σ_k Θ⁽¹⁾_jk G⁽¹⁾_jk, with G⁽ˡ⁾ = ∂J/∂Θ̃⁽ˡ⁾; the biases'
        gradient is theirs already. Nothing to do for a plain network.
        """
        if self.plain:
            return
        coefs, _ = self.unpack(theta)
        grads, _ = self.unpack(grad)
        scales = self._row_scales(theta)
        if self.front_scale:  # from G⁽¹⁾ before it is rescaled below
            grad_scale = self.scale_of(grad)
            np.einsum("jk,jk->j", coefs[0], grads[0], out=grad_scale)
            grad_scale *= theta.dtype.type(self._gains()[0])
        for G, scale in zip(grads, scales):
            G *= scale

    def logits(self, X, coefs, intercepts):
        """Output-layer pre-activations z for ``X``; dropout off, nothing shared.

        Allocates its own arrays, so any number of threads may predict at once.
        Rows go through in blocks of ``PREDICT_ROWS``: a block's hidden
        activations stay in cache between the matrix products, and memory
        does not grow with the number of rows beyond the output itself.
        """
        n = X.shape[0]
        if n <= PREDICT_ROWS:
            return self._block_logits(X, coefs, intercepts)
        return np.concatenate(
            [
                self._block_logits(X[start : start + PREDICT_ROWS], coefs, intercepts)
                for start in range(0, n, PREDICT_ROWS)
            ]
        )

    def hidden_activations(self, X, coefs, intercepts):
        """The last hidden layer's activations A⁽ᴸ⁻¹⁾ for ``X``, dropout off,
        ``PREDICT_ROWS`` rows at a time (the network has a hidden layer)."""
        n = X.shape[0]
        blocks = [
            self.forward(X[start : start + PREDICT_ROWS], coefs, intercepts)[1][-1]
            for start in range(0, n, PREDICT_ROWS)
        ]
        return blocks[0] if len(blocks) == 1 else np.concatenate(blocks)

    def _block_logits(self, X, coefs, intercepts):
        Z, _ = self.forward(X, coefs, intercepts)
        return Z

    def forward(self, X, coefs, intercepts, out=None, hidden=None):
        """The forward pass, the one loop over the layers that prediction and
        backpropagation share: z⁽ˡ⁺¹⁾ = A⁽ˡ⁾ Θ⁽ˡ⁾ + b⁽ˡ⁾, then A⁽ˡ⁺¹⁾ = g(z⁽ˡ⁺¹⁾)
        for the hidden layers, each with its own g (``activations``).

        Parameters
        ----------
        X : array or sparse matrix of shape (n, n_features)
        coefs, intercepts : lists of arrays (views of θ)
        out : list of arrays, optional
            One buffer of at least n rows per layer, where z is written
            (training reuses them); None allocates new arrays (prediction).
        hidden : callable, optional
            ``hidden(layer, Z, b) -> A``, in place of ``Z += b; g(Z)`` for the
            hidden layers (dropout while training).

        Returns
        -------
        Z : array of shape (n, n_outputs)
            The output layer's z (the logits).
        inputs : list of arrays
            The input of each layer, X first.
        """
        n, last = X.shape[0], len(coefs) - 1
        A, inputs = X, [X]
        for layer, (W, b) in enumerate(zip(coefs, intercepts)):
            Z = A @ W if out is None else _matmul(A, W, out[layer][:n])
            if layer == last:
                Z += b
                return Z, inputs
            if hidden is None:
                Z += b
                A = ACTIVATIONS[self.activations[layer]](Z)  # in place
            else:
                A = hidden(layer, Z, b)
            inputs.append(A)
        raise AssertionError("a network has at least one layer")


class Backprop:
    """J(Θ) and ∂J/∂θ on batches of up to ``max_rows`` rows, in reused buffers.

    One instance serves one fit: it owns the activations, errors and dropout
    masks of every layer, allocated once and sliced to each batch's size.
    ``kept[l]`` is what g' of hidden layer l reads: its activations (the
    buffer ``Z[l]``, where the forward pass applies g in place), or, for an
    activation of ``NEEDS_Z``, its own buffer holding a copy of z.
    """

    def __init__(self, network, max_rows, dtype, rng=None):
        self.network = network
        self.dtype = np.dtype(dtype)
        self.rng = rng
        sizes = network.layer_sizes[1:]
        # zeros, not np.empty: the products write into these buffers, and
        # garbage NaNs in a fresh buffer can raise the FPU's invalid flag in
        # some BLAS kernels, which NumPy reports as a spurious RuntimeWarning
        self.Z = [np.zeros((max_rows, n), dtype) for n in sizes]
        self.pre = [
            np.empty((max_rows, n), dtype) if name in NEEDS_Z else None
            for n, name in zip(sizes[:-1], network.activations)
        ]
        self.kept = [Z if pre is None else pre for Z, pre in zip(self.Z, self.pre)]
        # the hidden layers that the fused relu + dropout kernels compute
        self.fusable = tuple(
            name == "relu" and rate > 0
            for name, rate in zip(network.activations, network.dropout)
        )
        self.delta = [np.zeros((max_rows, n), dtype) for n in sizes[:-1]]
        self.masks = [
            np.empty((max_rows, n), dtype) if rate > 0 else None
            for n, rate in zip(sizes[:-1], network.dropout)
        ]
        self.dropped = [
            np.empty((max_rows, n), dtype) if rate > 0 else None
            for n, rate in zip(sizes[:-1], network.dropout)
        ]
        self._l2 = None  # (λ/Σw) Θ, allocated at the first use of λ > 0
        # θ̃ of each pass, for a network that is not plain
        self._effective = (
            None if network.plain else np.zeros(network.n_effective, dtype)
        )

    def _dropout_bits(self, shape, rate):
        """32 random bits per unit straight from the bit generator, and the
        threshold at or above which a unit is kept (probability 1 − rate).

        As exact as a uniform float (more so than float32's 24 bits), at
        about half the cost of turning the bits into floats first.
        """
        size = shape[0] * shape[1]
        raw = self.rng.bit_generator.random_raw((size + 1) // 2)  # uint64
        bits = raw.view(np.uint32)[:size].reshape(shape)
        return bits, np.uint32(min(round(rate * 2**32), 2**32 - 1))

    def _keep_scale(self, rate):
        # in the network's dtype: a Python float would make NumPy compute the
        # bool × float product in float64
        return self.dtype.type(1.0 / (1.0 - rate))

    def _draw_mask(self, mask, rate):
        """Inverted dropout: keep a unit with probability 1 − rate, scale it by
        1/(1 − rate), so predictions need no rescaling."""
        bits, threshold = self._dropout_bits(mask.shape, rate)
        np.multiply(bits >= threshold, self._keep_scale(rate), out=mask)

    def forward(self, X, theta, train):
        """Forward pass (``Network.forward``) of the parameters θ through the
        reused buffers, with dropout while ``train``; returns the logits
        buffer and each layer's input."""
        effective = self.network.effective(theta, self._effective)
        return self._forward(X, effective, theta, train)

    def _forward(self, X, effective, theta, train):
        """``forward`` with θ̃ already computed."""
        net = self.network
        coefs, intercepts = net.unpack(effective)
        n = X.shape[0]
        activations = [ACTIVATIONS[name] for name in net.activations]
        fused = self._fused_dropout_kernel("relu_dropout", theta) if train else None

        def hidden(layer, Z, b):
            rate = net.dropout[layer]
            # fused is None unless training
            if fused is not None and self.fusable[layer]:
                # bias, relu, mask and product in one pass, bit for bit the
                # same as the lines below
                mask, dropped = self.masks[layer][:n], self.dropped[layer][:n]
                bits, threshold = self._dropout_bits(mask.shape, rate)
                fused(Z, b, bits, threshold, self._keep_scale(rate), mask, dropped)
                return dropped
            Z += b
            pre = self.pre[layer]
            if pre is not None:  # g' of this activation needs z
                np.copyto(pre[:n], Z)
            activations[layer](Z)
            if train and rate > 0:
                mask = self.masks[layer][:n]
                self._draw_mask(mask, rate)
                Z = np.multiply(Z, mask, out=self.dropped[layer][:n])
            return Z

        return net.forward(X, coefs, intercepts, out=self.Z, hidden=hidden)

    def loss_and_gradient(
        self, X, T, weights, theta, grad, alpha, train=True, *, metric=None,
        include_l2=True, sum_w=None,
    ):
        """J(Θ) on the batch, with ∂J/∂θ written into ``grad``.

        θ is the stored parameters: the pass runs on θ̃
        (``Network.effective``) and the gradient is mapped back
        (``Network.raw_gradient``); J's L2 term is on the stored weights.

        Parameters
        ----------
        X : array or sparse matrix of shape (n, n_features)
        T : targets in the output layer's form
        weights : array of shape (n,) or None
            Sample weights; None means all ones.
        theta, grad : flat arrays of ``network.n_params``
        alpha : float
            λ, the L2 weight.
        train : bool
            Whether dropout is on.
        metric : object with ``update(H, T)``, optional
            Shown the batch's outputs h before backpropagation overwrites them
            (the training accuracy or R² of the epoch).
        include_l2 : bool
            Whether ``grad`` gets the L2 term (λ/Σw) Θ. A fused optimiser step
            adds it itself (``l2_scale``); J always includes the L2 term.
        sum_w : float, optional
            The Σw that J and ∂J/∂θ divide by; by default the batch's own. A
            sum over several batches passes the total of all of them, so that
            each batch's J and gradient are its share of the total's.

        Returns
        -------
        J : float
        """
        net = self.network
        effective = net.effective(theta, self._effective)
        coefs, _ = net.unpack(effective)
        # ∂J/∂θ̃ has θ's layout up to the front scale: written into grad
        grad_coefs, grad_intercepts = net.unpack(grad)
        n = X.shape[0]
        if sum_w is None:
            sum_w = n if weights is None else weights.sum()

        H, inputs = self._forward(X, effective, theta, train)
        losses = net.output.loss_and_output(H, T)
        if metric is not None:
            metric.update(H, T)
        sq_norm = net.squared_norm(theta) if alpha else 0.0
        J = cost(weighted_loss_sum(losses, weights), sum_w, alpha, sq_norm)

        delta = net.output.error(H, T)  # ∂ℓ/∂z, in place
        if weights is None:
            delta *= 1.0 / sum_w
        else:
            delta *= (weights / sum_w)[:, None].astype(self.dtype, copy=False)
        derivatives = [DERIVATIVES[name] for name in net.activations]
        fused = (
            self._fused_dropout_kernel("relu_dropout_backward", theta)
            if train
            else None
        )
        for layer in range(len(coefs) - 1, -1, -1):
            A_in = inputs[layer]
            _matmul(A_in.T, delta, grad_coefs[layer])
            np.sum(delta, axis=0, out=grad_intercepts[layer])
            if layer == 0:
                break
            delta_in = np.matmul(delta, coefs[layer].T, out=self.delta[layer - 1][:n])
            mask, A = self.masks[layer - 1], self.kept[layer - 1][:n]
            if fused is not None and self.fusable[layer - 1]:  # None unless training
                fused(delta_in, mask[:n], A)
            else:
                if mask is not None and train:
                    delta_in *= mask[:n]
                derivatives[layer - 1](A, delta_in)
            delta = delta_in
        net.raw_gradient(theta, grad)
        if alpha and include_l2:
            self.add_l2_gradient(theta, grad, alpha, sum_w)
        return float(J)

    def add_l2_gradient(self, theta, grad, alpha, sum_w):
        """``grad += (λ/Σw) Θ`` on the weights (not the biases): ∂/∂Θ of the
        L2 term (λ / 2Σw) Σθ², through a reused buffer."""
        n_coef = self.network.n_coef
        l2 = self._l2_buffer()
        np.multiply(theta[:n_coef], alpha / sum_w, out=l2)
        grad[:n_coef] += l2

    def _fused_dropout_kernel(self, name, theta):
        """The numba kernel ``name`` of ``kernels`` when it applies here (a
        relu layer with dropout, a network large enough for the kernels), else
        None; it computes the layers of ``fusable`` only."""
        if not any(self.fusable):
            return None
        return kernels.get_kernel(name, theta)

    def _l2_buffer(self):
        if self._l2 is None:
            self._l2 = np.empty(self.network.n_coef, self.dtype)
        return self._l2
