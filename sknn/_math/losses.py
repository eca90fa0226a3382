"""Output layers and the cost J(Θ) of the SPEC.

For m samples with weights w (all ones when none are given) and per-sample
losses ℓ_i::

    J(Θ) = (1/Σw) Σ_i w_i ℓ_i + (λ / 2Σw) Σ_l Σ_i Σ_j (θ_ji⁽ˡ⁾)²   (no bias terms)

The output layer follows the target:

- ``LogisticOutput`` (binary: K = 1; multilabel: K labels) — h = σ(z) and the
  seed's ℓ = −Σ_k [y_k log h_k + (1 − y_k) log(1 − h_k)];
- ``SoftmaxOutput`` (multiclass) — h = softmax(z) and ℓ = −Σ_k y_k log h_k;
- ``IdentityOutput`` (regression, ``loss="squared_error"``) — h = z and
  ℓ = ½ mean_k (h_k − y_k)²;
- ``PoissonOutput`` (regression, ``loss="poisson"``) — h = exp(z) and
  ℓ = mean_k (h_k − y_k log h_k).

The classification losses are computed from the logits z (log-sum-exp and
softplus), so large logits never overflow. For the classification outputs the
error on the output units is ∂ℓ/∂z = h − y; for the regression outputs, which
average over the K outputs, it is (h − y)/K. That is where backpropagation
starts.
"""

import numpy as np
from scipy.special import expit


def softplus(Z):
    """log(1 + exp(z)) without overflow."""
    return np.logaddexp(0, Z)


class LogisticOutput:
    """K independent logistic units; targets ``T`` are 0/1 floats of shape (n, K)."""

    name = "logistic"

    @staticmethod
    def loss_and_output(Z, T):
        """Per-sample ℓ from the logits ``Z``, then overwrite ``Z`` with h = σ(Z).

        ℓ = Σ_k [softplus(z_k) − y_k z_k], the seed's cross-entropy rewritten
        with log h = −softplus(−z) and log(1 − h) = −softplus(z).
        """
        loss = (softplus(Z) - T * Z).sum(axis=1)
        expit(Z, out=Z)
        return loss

    @staticmethod
    def output(Z):
        return expit(Z, out=Z)

    @staticmethod
    def log_output(Z):
        """log h, computed as −softplus(−z)."""
        return -softplus(-Z)

    @staticmethod
    def error(H, T):
        """Overwrite ``H`` with ∂ℓ/∂z = h − y."""
        H -= T
        return H

    @staticmethod
    def correct(H, T):
        """Whether every unit of a sample is on the right side of 0.5."""
        return ((H > 0.5) == (T > 0.5)).all(axis=1)


class SoftmaxOutput:
    """One softmax over K classes; targets ``T`` are class indices of shape
    (n,), or class probabilities of shape (n, K) (smoothed labels: each row
    sums to 1)."""

    name = "softmax"

    @staticmethod
    def loss_and_output(Z, T):
        """Per-sample ℓ = logsumexp(z) − Σ_k t_k z_k (−z_y for an index),
        then overwrite ``Z`` with softmax(Z)."""
        Z -= Z.max(axis=1, keepdims=True)
        # Σ_k t_k z_k: z_y for an index, a weighted sum for probabilities
        indexed = T.ndim == 1
        z_true = Z[np.arange(len(T)), T] if indexed else np.einsum("ij,ij->i", T, Z)
        np.exp(Z, out=Z)
        total = Z.sum(axis=1)
        Z /= total[:, None]
        return np.log(total) - z_true

    @staticmethod
    def output(Z):
        Z -= Z.max(axis=1, keepdims=True)
        np.exp(Z, out=Z)
        Z /= Z.sum(axis=1, keepdims=True)
        return Z

    @staticmethod
    def log_output(Z):
        """log softmax(z) = z − logsumexp(z)."""
        shifted = Z - Z.max(axis=1, keepdims=True)
        return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))

    @staticmethod
    def error(H, T):
        """Overwrite ``H`` with ∂ℓ/∂z = h − t (t = onehot(y) for an index)."""
        if T.ndim == 1:
            H[np.arange(len(T)), T] -= 1
        else:
            H -= T
        return H

    @staticmethod
    def correct(H, T):
        return H.argmax(axis=1) == (T if T.ndim == 1 else T.argmax(axis=1))


class IdentityOutput:
    """Squared error on K real outputs; targets ``T`` are floats of shape (n, K).

    ℓ = ½ mean_k (h_k − y_k)² with h = z, scikit-learn's squared loss (half
    the mean over outputs), so ∂ℓ/∂z_k = (h_k − y_k) / K.
    """

    name = "identity"
    loss = "squared_error"  # MLPRegressor's name for it
    positive_only = False

    @staticmethod
    def check_targets(T, name, whole_fit):
        """Any real targets will do."""

    @staticmethod
    def loss_and_output(Z, T):
        """Per-sample ℓ; ``Z`` is already h."""
        residual = Z - T
        return 0.5 * np.einsum("ij,ij->i", residual, residual) / Z.shape[1]

    @staticmethod
    def output(Z):
        return Z

    @staticmethod
    def error(H, T):
        """Overwrite ``H`` with ∂ℓ/∂z = (h − y) / K."""
        H -= T
        H *= H.dtype.type(1.0 / H.shape[1])
        return H


class PoissonOutput:
    """Poisson deviance with a log link; targets ``T`` are counts ≥ 0, (n, K).

    h = exp(z) and ℓ = mean_k (h_k − y_k log h_k) = mean_k (exp(z_k) − y_k z_k):
    half the Poisson deviance y log(y/h) − y + h without its constant
    y log y − y, which does not depend on θ (scikit-learn's ``HalfPoissonLoss``
    keeps the same terms). ∂ℓ/∂z_k = (h_k − y_k) / K.
    """

    name = "exp"
    loss = "poisson"
    positive_only = True

    @staticmethod
    def check_targets(T, name, whole_fit):
        """Counts are never negative and, in a whole fit, not all zero (the
        best predictions would be 0: J(Θ) falls for ever as they go there, and
        there is nothing to learn); ``name`` is the argument T came from."""
        if not np.all(T >= 0):
            raise ValueError(
                "Some value(s) of y are out of the valid range of the loss "
                f"'poisson': {name} must be >= 0"
                + (" with a positive sum." if whole_fit else ".")
            )
        if whole_fit and not T.sum() > 0:
            raise ValueError(
                "Some value(s) of y are out of the valid range of the loss "
                f"'poisson': {name} must be >= 0 with a positive sum. Every count "
                "is 0, so the best predictions are 0 and training would push "
                "them down for ever: fit on data with some positive counts (a "
                "partial_fit chunk may be all zeros)."
            )

    @staticmethod
    def loss_and_output(Z, T):
        """Per-sample ℓ from the log-predictions ``Z``, then overwrite ``Z`` with
        h = exp(Z)."""
        loss = -np.einsum("ij,ij->i", T, Z)
        np.exp(Z, out=Z)
        loss += Z.sum(axis=1)
        return loss / Z.shape[1]

    @staticmethod
    def output(Z):
        return np.exp(Z, out=Z)

    error = IdentityOutput.error


# Every output layer by name; the regression ones also by the name of their
# loss (MLPRegressor's ``loss``). A new output is a class and a row here.
OUTPUTS = {
    "logistic": LogisticOutput,
    "softmax": SoftmaxOutput,
    "identity": IdentityOutput,
    "exp": PoissonOutput,
}
REGRESSION_LOSSES = {
    output.loss: output for output in OUTPUTS.values() if hasattr(output, "loss")
}


def weighted_loss_sum(sample_losses, weights):
    """Σ_i w_i ℓ_i, with all weights 1 when ``weights`` is None."""
    if weights is None:
        return float(sample_losses.sum())
    return float(np.dot(weights, sample_losses))


def cost(loss_sum, sum_weights, alpha, squared_norm):
    """J(Θ) = (Σ_i w_i ℓ_i + ½ λ Σθ²) / Σw, from ``weighted_loss_sum`` and Σθ²
    over the non-bias weights."""
    return (loss_sum + 0.5 * alpha * squared_norm) / sum_weights
