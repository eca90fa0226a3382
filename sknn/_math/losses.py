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
  ℓ = mean_k (h_k − y_k log h_k);
- ``GammaOutput`` (``loss="gamma"``) — h = exp(z) and
  ℓ = mean_k (y_k / h_k + log h_k);
- ``AbsoluteErrorOutput`` (``loss="absolute_error"``) — h = z and
  ℓ = mean_k |r_k|, with r = y − h;
- ``QuantileOutput`` (``loss="quantile"``) — h = z and
  ℓ = mean_k max(q r_k, (q − 1) r_k);
- ``HuberOutput`` (``loss="huber"``) — h = z and ℓ = mean_k ρ_δ(r_k), with
  ρ_δ(r) = ½ r² if |r| ≤ δ else δ (|r| − ½ δ).

The classification losses are computed from the logits z (log-sum-exp and
softplus), so large logits never overflow. For the classification outputs the
error on the output units is ∂ℓ/∂z = h − y; for the regression outputs, which
average over the K outputs, it is ∂ℓ_k/∂z_k / K ((h − y)/K for squared error
and Poisson). That is where backpropagation starts.

Where a loss has a kink (absolute error and quantile at r = 0) its error is
the subgradient of least magnitude there, 0 (sign(0) = 0, as NumPy's
``sign`` and PyTorch's ``L1Loss``): a row predicted exactly pulls neither
way, and absolute error stays twice the quantile loss at q = ½, error
included. Huber's loss has no kink (its derivative is continuous).

A regression output that takes parameters of the estimator (q, δ) names them
in ``PARAMETERS``; ``regression_output`` gives the class itself when it takes
none, else an instance holding them, which is what ``Network.output`` keeps.
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

    name = "identity"  # the inverse link, what out_activation_ reports
    loss = "squared_error"  # MLPRegressor's name for it
    positive_only = False
    PARAMETERS = ()  # the estimator parameters it takes (regression_output)

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
    PARAMETERS = ()

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


class GammaOutput:
    """Gamma deviance with a log link; targets ``T`` are amounts > 0, (n, K).

    h = exp(z) and ℓ = mean_k (y_k / h_k + log h_k) = mean_k (y_k e^(−z_k) + z_k):
    half the Gamma deviance log(h/y) + y/h − 1 without its constant
    −log y − 1, which does not depend on θ (scikit-learn's ``HalfGammaLoss``,
    the loss of ``GammaRegressor`` and of HistGradientBoosting's "gamma").
    ∂ℓ/∂z_k = (1 − y_k / h_k) / K.
    """

    name = "exp"
    loss = "gamma"
    positive_only = True
    PARAMETERS = ()

    @staticmethod
    def check_targets(T, name, whole_fit):
        """Every target is > 0: for y ≤ 0, y/h + log h falls without bound as
        h → 0, so J would have no minimum (and the deviance, with its log y,
        is undefined); ``name`` is the argument T came from."""
        if not np.all(T > 0):
            raise ValueError(
                "Some value(s) of y are out of the valid range of the loss "
                f"'gamma': {name} must be > 0 (a Gamma model predicts positive "
                "amounts). Drop the rows with y <= 0, or use loss='poisson' "
                "for targets that may be 0."
            )

    @staticmethod
    def loss_and_output(Z, T):
        """Per-sample ℓ from the log-predictions ``Z``, then overwrite ``Z``
        with h = exp(Z)."""
        loss = Z.sum(axis=1)
        np.exp(Z, out=Z)
        loss += (T / Z).sum(axis=1)
        return loss / Z.shape[1]

    @staticmethod
    def output(Z):
        return np.exp(Z, out=Z)

    @staticmethod
    def error(H, T):
        """Overwrite ``H`` with ∂ℓ/∂z = (1 − y / h) / K."""
        np.divide(T, H, out=H)
        np.subtract(1, H, out=H)
        H *= H.dtype.type(1.0 / H.shape[1])
        return H


class AbsoluteErrorOutput:
    """Absolute error on K real outputs; targets ``T`` are floats, (n, K).

    h = z and ℓ = mean_k |r_k| with r = y − h (HistGradientBoosting's
    "absolute_error"; its minimiser is the conditional median).
    ∂ℓ/∂z_k = sign(h_k − y_k) / K, with sign(0) = 0: at r = 0 the
    subdifferential is [−1, 1] / K and 0 is its element of least magnitude.
    """

    name = "identity"
    loss = "absolute_error"
    positive_only = False
    PARAMETERS = ()
    check_targets = staticmethod(IdentityOutput.check_targets)

    @staticmethod
    def loss_and_output(Z, T):
        """Per-sample ℓ; ``Z`` is already h."""
        return np.abs(Z - T).mean(axis=1)

    output = staticmethod(IdentityOutput.output)

    @staticmethod
    def error(H, T):
        """Overwrite ``H`` with ∂ℓ/∂z = sign(h − y) / K (0 where h = y)."""
        H -= T
        np.sign(H, out=H)
        H *= H.dtype.type(1.0 / H.shape[1])
        return H


class _IdentityWithParameter:
    """What the identity-link outputs that take one estimator parameter (its
    name in ``PARAMETERS``) share: h = z, any real targets, the repr."""

    name = "identity"
    positive_only = False
    check_targets = staticmethod(IdentityOutput.check_targets)
    output = staticmethod(IdentityOutput.output)

    def __repr__(self):
        (parameter,) = self.PARAMETERS
        return f"{type(self).__name__}({parameter}={getattr(self, parameter)!r})"


class QuantileOutput(_IdentityWithParameter):
    """Pinball loss of the quantile q on K real outputs; ``T`` floats, (n, K).

    h = z and ℓ = mean_k max(q r_k, (q − 1) r_k) with r = y − h
    (HistGradientBoosting's "quantile"; its minimiser is the conditional
    q-quantile). With d = h − y: ℓ_k = max(d_k, 0) − q d_k and
    ∂ℓ/∂z_k = (1 − q)/K where h_k > y_k, −q/K where h_k < y_k and 0 where
    h_k = y_k, the element of least magnitude of the subdifferential
    [−q, 1 − q] / K there. q = ½ gives half the absolute error.

    Parameters
    ----------
    quantile : float
        q, in (0, 1).
    """

    loss = "quantile"
    PARAMETERS = ("quantile",)

    def __init__(self, quantile):
        self.quantile = float(quantile)

    def loss_and_output(self, Z, T):
        """Per-sample ℓ; ``Z`` is already h."""
        d = Z - T
        loss = np.maximum(d, 0).sum(axis=1)
        loss -= Z.dtype.type(self.quantile) * d.sum(axis=1)
        return loss / Z.shape[1]

    def error(self, H, T):
        """Overwrite ``H`` with ∂ℓ/∂z = (s + (1 − 2q)|s|) / 2K, s = sign(h − y):
        (1 − q)/K, −q/K or 0."""
        H -= T
        np.sign(H, out=H)
        magnitude = np.abs(H)
        magnitude *= H.dtype.type(1.0 - 2.0 * self.quantile)
        H += magnitude
        H *= H.dtype.type(0.5 / H.shape[1])
        return H


class HuberOutput(_IdentityWithParameter):
    """Huber loss with a fixed threshold δ on K real outputs; ``T`` floats, (n, K).

    h = z and ℓ = mean_k ρ_δ(r_k) with r = y − h and
    ρ_δ(r) = ½ r² if |r| ≤ δ else δ (|r| − ½ δ), δ in the units of y
    (PyTorch's ``HuberLoss`` and Keras' ``Huber`` with ``delta=δ``).
    ∂ℓ/∂z_k = clip(h_k − y_k, −δ, δ) / K, continuous: the loss has no kink.

    Parameters
    ----------
    huber_delta : float
        δ > 0.
    """

    loss = "huber"
    PARAMETERS = ("huber_delta",)

    def __init__(self, huber_delta):
        self.huber_delta = float(huber_delta)

    def loss_and_output(self, Z, T):
        """Per-sample ℓ; ``Z`` is already h."""
        delta = Z.dtype.type(self.huber_delta)
        size = np.abs(Z - T)
        quadratic = np.minimum(size, delta)
        # ½ min(|r|, δ)² + δ (|r| − min(|r|, δ)): both branches at once
        loss = 0.5 * quadratic * quadratic + delta * (size - quadratic)
        return loss.mean(axis=1)

    def error(self, H, T):
        """Overwrite ``H`` with ∂ℓ/∂z = clip(h − y, −δ, δ) / K."""
        delta = H.dtype.type(self.huber_delta)
        H -= T
        np.clip(H, -delta, delta, out=H)
        H *= H.dtype.type(1.0 / H.shape[1])
        return H


# Every output layer, by key: the classification outputs and the first two
# regression outputs by their name (what ``Network`` takes as ``output``), the
# regression outputs whose link repeats one of those names by their loss.
# A new output is a class and a row here; MLPRegressor's ``loss`` takes every
# output with a ``loss`` name.
OUTPUTS = {
    "logistic": LogisticOutput,
    "softmax": SoftmaxOutput,
    "identity": IdentityOutput,
    "exp": PoissonOutput,
    "gamma": GammaOutput,
    "absolute_error": AbsoluteErrorOutput,
    "quantile": QuantileOutput,
    "huber": HuberOutput,
}
REGRESSION_LOSSES = {
    output.loss: output for output in OUTPUTS.values() if hasattr(output, "loss")
}


def regression_output(loss, params):
    """The output layer of MLPRegressor's ``loss``: its class when it takes no
    estimator parameters, else an instance built from ``params`` (a mapping
    of the estimator's parameters) for the names in its ``PARAMETERS``."""
    output = REGRESSION_LOSSES[loss]
    if not output.PARAMETERS:
        return output
    return output(*(params[name] for name in output.PARAMETERS))


def weighted_loss_sum(sample_losses, weights):
    """Σ_i w_i ℓ_i, with all weights 1 when ``weights`` is None."""
    if weights is None:
        return float(sample_losses.sum())
    return float(np.dot(weights, sample_losses))


def cost(loss_sum, sum_weights, alpha, squared_norm):
    """J(Θ) = (Σ_i w_i ℓ_i + ½ λ Σθ²) / Σw, from ``weighted_loss_sum`` and Σθ²
    over the non-bias weights."""
    return (loss_sum + 0.5 * alpha * squared_norm) / sum_weights
