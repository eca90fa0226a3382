"""The feed-forward network: forward propagation, J(Θ) and its gradient.

All parameters live in one flat vector θ — every weight matrix Θ⁽ˡ⁾ first, then
every bias vector — and ``Network.unpack`` hands out views of it. The
optimisers then update all parameters in a few whole-vector passes, L-BFGS sees
the vector it needs, and the L2 term of J, which leaves the biases out, is one
contiguous slice.

Layer l+1 computes ``A⁽ˡ⁺¹⁾ = g(A⁽ˡ⁾ Θ⁽ˡ⁾ + b⁽ˡ⁾)`` for a whole batch at once
(rows are samples), with the hidden layer's own g, so a forward pass is one
matrix product per layer.
Backpropagation runs the error δ from the output back:
``δ⁽ᴸ⁾ = w ⊙ (h − y) / Σw``, ``∂J/∂Θ⁽ˡ⁾ = A⁽ˡ⁾ᵀ δ⁽ˡ⁺¹⁾ + (λ/Σw) Θ⁽ˡ⁾``,
``∂J/∂b⁽ˡ⁾ = Σ_i δ⁽ˡ⁺¹⁾_i`` and ``δ⁽ˡ⁾ = (δ⁽ˡ⁺¹⁾ Θ⁽ˡ⁾ᵀ) ⊙ g'(z⁽ˡ⁾)``.
"""

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


class Network:
    """Architecture of the network: layer sizes, activations, output, dropout.

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
    """

    def __init__(self, layer_sizes, activations, output, dropout):
        self.layer_sizes = tuple(int(n) for n in layer_sizes)
        n_hidden = len(self.layer_sizes) - 2
        if isinstance(activations, str):
            activations = (activations,) * n_hidden
        self.activations = tuple(activations)
        if len(self.activations) != n_hidden:
            raise ValueError(
                f"{len(self.activations)} activations for {n_hidden} hidden layers"
            )
        self.output = OUTPUTS[output] if isinstance(output, str) else output
        self.dropout = tuple(float(r) for r in dropout)
        self.coef_shapes = list(zip(self.layer_sizes[:-1], self.layer_sizes[1:]))
        self.n_coef = sum(i * o for i, o in self.coef_shapes)
        self.n_params = self.n_coef + sum(self.layer_sizes[1:])

    @property
    def n_layers(self):
        return len(self.layer_sizes)

    def unpack(self, theta):
        """Views of ``theta`` as the lists ``coefs`` and ``intercepts``."""
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

    def pack(self, coefs, intercepts, dtype):
        """A new flat θ holding copies of ``coefs`` and ``intercepts``."""
        parts = [np.ravel(c) for c in coefs] + [np.ravel(b) for b in intercepts]
        return np.concatenate(parts).astype(dtype, copy=False)

    def squared_norm(self, theta):
        """Σθ² over the weights of θ, the biases left out (the L2 term's sum)."""
        theta_coef = theta[: self.n_coef]
        return float(np.dot(theta_coef, theta_coef))

    def initialize(self, rng, dtype):
        """Glorot-uniform weights, U(±√(6 / (fan_in + fan_out))), zero biases."""
        theta = np.zeros(self.n_params, dtype=dtype)
        coefs, _ = self.unpack(theta)
        for W in coefs:
            limit = np.sqrt(6.0 / (W.shape[0] + W.shape[1]))
            W[...] = rng.uniform(-limit, limit, size=W.shape)
        return theta

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
        """Forward pass (``Network.forward``) through the reused buffers, with
        dropout while ``train``; returns the logits buffer and each layer's
        input."""
        net = self.network
        coefs, intercepts = net.unpack(theta)
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
        coefs, _ = net.unpack(theta)
        grad_coefs, grad_intercepts = net.unpack(grad)
        n = X.shape[0]
        if sum_w is None:
            sum_w = n if weights is None else weights.sum()

        H, inputs = self.forward(X, theta, train)
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
