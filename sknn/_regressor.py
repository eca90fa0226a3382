"""``MLPRegressor``: real (or count) targets in, predictions out.

What is specific to regression lives here: its ``loss`` parameter, its target
codec (``RegressorTargets``: the losses' output layers, R² as the metric of
each epoch), the shape of predictions and the docstrings. Everything else is
``BaseMLP``'s.
"""

from collections.abc import Sequence
from numbers import Real

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import RegressorMixin
from sklearn.utils.metaestimators import available_if

from . import _dask
from ._base.compat import Interval, InvalidParameterError, StrOptions
from ._base.estimator import BaseMLP
from ._base.params import shared_parameters, signature
from ._base.targets import RegressorTargets
from ._math.losses import REGRESSION_LOSSES


@shared_parameters
class MLPRegressor(RegressorMixin, BaseMLP):
    """A multi-layer perceptron regressor, trained by hand-written backpropagation.

    Minimises J(Θ) = (1/Σw) Σ_i w_i ℓ_i + (λ / 2Σw) Σθ² (biases left out) by
    minibatch gradient descent (``"sgd"``, ``"rmsprop"``, ``"adam"``) or by
    L-BFGS, where for K outputs, with r_k = y_k − h_k,

    - ``loss="squared_error"``: h = z (identity output) and
      ℓ = ½ mean_k r_k², scikit-learn's squared loss;
    - ``loss="poisson"``: h = exp(z) (log link) and ℓ = mean_k (h_k − y_k log h_k),
      half the Poisson deviance without its constant y log y − y, which does
      not depend on θ. y must be ≥ 0; a ``fit`` (warm start included) needs
      a positive sum, as all-zero counts leave nothing to learn, while one
      ``partial_fit`` chunk (or ``y_val``) may be all zeros;
    - ``loss="gamma"``: h = exp(z) (log link) and ℓ = mean_k (y_k / h_k + log h_k),
      half the Gamma deviance without its constant −log y − 1 (the loss of
      ``GammaRegressor`` and of HistGradientBoosting's "gamma"). y must be > 0;
    - ``loss="absolute_error"``: h = z and ℓ = mean_k ``|r_k|`` (the
      conditional median);
    - ``loss="quantile"``: h = z and ℓ = mean_k max(q r_k, (q − 1) r_k), the
      pinball loss of q = ``quantile`` (the conditional q-quantile);
    - ``loss="huber"``: h = z and ℓ = mean_k ρ_δ(r_k), ρ_δ(r) = ½ r² if
      ``|r| ≤ δ`` else ``δ (|r| − ½ δ)``, δ = ``huber_delta`` (squared error on
      the small residuals, absolute error on the large ones).

    Absolute error and quantile have a kink at r = 0; their gradient there
    is 0, the subgradient of least magnitude (sign(0) = 0), so a row
    predicted exactly pulls neither way. With these two, L-BFGS may end on a
    line search that finds no decrease near the minimum (SciPy's status 2,
    more often in float32): it then warns that "lbfgs failed to converge" and
    keeps its last accepted iterate, as for any loss.

    Parameters
    ----------
    <layer parameters>
    loss : {"squared_error", "poisson", "gamma", "absolute_error", "quantile", \
"huber"}, default="squared_error"
        The loss ℓ and with it the output layer: exp for "poisson" and
        "gamma" (log link), identity for the others. The names are
        HistGradientBoostingRegressor's.
    quantile : float or None, default=None
        q in (0, 1), the quantile ``loss="quantile"`` estimates (0.5: the
        median); required by that loss, ignored by the others.
    huber_delta : float, default=1.0
        δ > 0, the threshold of ``loss="huber"`` in the units of y: residuals
        up to δ are penalised quadratically, larger ones linearly (PyTorch's
        ``HuberLoss`` and Keras' ``Huber`` call it ``delta``). Scale it with
        y; ignored by the other losses. ``HuberRegressor(epsilon=ε)`` sets its
        threshold relative to a scale it fits, ``scale_``: its model
        minimises this loss with ``huber_delta=ε * scale_``.
    <training parameters>
    <stopping parameters>
    validation_fraction : float or None, default=None
        Fraction held out at random (not stratified) to record ``val_loss``
        and ``val_r2`` every epoch.
    <loop and solver parameters>

    Attributes
    ----------
    coefs_ : list of ndarray
        ``coefs_[l]`` is the weight matrix Θ⁽ˡ⁾ from layer l to layer l + 1,
        the one predictions multiply by: with ``front_scale=True`` the first
        is diag(``front_scale_``) W⁽¹⁾, under ``parametrization="ntk"`` each
        is W/√fan_in (training continues from the stored W).
    intercepts_ : list of ndarray
        Bias vectors of layers 1 to L.
    front_scale_ : ndarray of shape (n_features,)
        The learnt scale s of each input feature; only with
        ``front_scale=True``.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Defined when X was a DataFrame with string column names.
    n_layers_ : int
    n_outputs_ : int
    out_activation_ : str
        The inverse link of the output layer: "exp" for "poisson" and
        "gamma", "identity" for the other losses.
    n_iter_ : int
    t_ : int
    loss_ : float
    best_loss_ : float
    loss_curve_ : list of float
    validation_scores_ : list of float or None
        Validation R² of each epoch (NaN where an epoch had no hold-out;
        the monitored scorer's scores when ``early_stopping_metric`` names
        one), None without a validation set.
    best_validation_score_ : float or None
    history_ : dict of list
        ``loss``, ``r2`` and ``learning_rate`` per epoch and, with a hold-out,
        ``val_loss`` (weighted like J, L2 term included), ``val_r2`` and one
        ``val_<name>`` per scorer of ``scoring`` (unweighted).

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sknn import MLPRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> model = make_pipeline(
    ...     StandardScaler(),
    ...     MLPRegressor((8,), solver="lbfgs", alpha=10.0, max_iter=2000,
    ...                  random_state=0),
    ... ).fit(X[:300], y[:300])
    >>> model.predict(X[300:303]).shape
    (3,)
    >>> model.score(X[300:], y[300:]) > 0.4
    True

    The 90th percentile of y given x: 90% of the rows lie below it.

    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(-2, 2, size=(500, 1))
    >>> y = X[:, 0] ** 2 + rng.normal(scale=0.5, size=500)
    >>> q90 = MLPRegressor((16,), "tanh", loss="quantile", quantile=0.9,
    ...                    solver="lbfgs", random_state=0).fit(X, y)
    >>> bool(abs(np.mean(y < q90.predict(X)) - 0.9) < 0.03)
    True
    """

    _parameter_constraints = {
        **BaseMLP._parameter_constraints,
        "loss": [StrOptions(set(REGRESSION_LOSSES))],
        "quantile": [Interval(Real, 0, 1, closed="neither"), None],
        "huber_delta": [Interval(Real, 0, None, closed="neither")],
    }
    _y_numeric = True

    def __init__(
        self,
        hidden_layer_sizes: int | Sequence[int] = (100,),
        activation: str | Sequence[str] = "relu",
        *,
        loss: str = "squared_error",
        quantile: float | None = None,
        huber_delta: float = 1.0,
        **params,
    ) -> None:
        super().__init__(hidden_layer_sizes, activation, **params)
        self.loss = loss
        self.quantile = quantile
        self.huber_delta = huber_delta

    __init__.__signature__ = signature(
        loss="squared_error", quantile=None, huber_delta=1.0
    )

    def _validate_params(self):
        super()._validate_params()
        if self.loss == "quantile" and self.quantile is None:
            # HistGradientBoostingRegressor refuses it too
            raise InvalidParameterError(
                "loss='quantile' needs the quantile to estimate: set the "
                "'quantile' parameter of MLPRegressor to a float in (0, 1), "
                "e.g. quantile=0.9 for the 90th percentile (0.5 for the median)."
            )

    @available_if(BaseMLP._check_gradient_solver)
    def partial_fit(
        self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> "MLPRegressor":
        """Train for one epoch on the chunk ``X``, ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : MLPRegressor

        Examples
        --------
        >>> import numpy as np
        >>> from sknn import MLPRegressor
        >>> rng = np.random.default_rng(0)
        >>> reg = MLPRegressor((8,), random_state=0)
        >>> for _ in range(3):
        ...     X = rng.normal(size=(50, 2))
        ...     reg = reg.partial_fit(X, X.sum(axis=1))
        >>> reg.n_iter_, reg.t_
        (3, 150)
        """
        return self._partial_fit(X, y, sample_weight)

    def _codec(self):
        return RegressorTargets(self)

    # --------------------------------------------------------------- prediction

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Predicted targets, in the training dtype.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)

        Examples
        --------
        >>> import numpy as np
        >>> from sknn import MLPRegressor
        >>> X = np.arange(20, dtype=np.float32).reshape(10, 2)
        >>> Y = np.c_[X.sum(axis=1), X[:, 0]]
        >>> reg = MLPRegressor((4,), max_iter=5, random_state=0).fit(X, Y)
        >>> reg.predict(X).shape, reg.predict(X).dtype
        ((10, 2), dtype('float32'))
        """
        if (lazy := _dask.maybe_blockwise(self, "predict", X)) is not None:
            return lazy  # a Dask collection: block by block on the workers
        Z = self._logits(X)  # first: it checks that the model is fitted
        H = self._network.output.output(Z)
        return H.ravel() if self._target_kind == "continuous" else H

    def score(self, X: ArrayLike, y: ArrayLike, sample_weight=None) -> float:
        """Coefficient of determination R² of ``predict(X)``, weighted by
        ``sample_weight`` and averaged uniformly over the outputs.

        R²ₖ = 1 − Σᵢ wᵢ (yᵢₖ − ŷᵢₖ)² / Σᵢ wᵢ (yᵢₖ − ȳₖ)², ȳₖ the weighted mean, as
        :meth:`sklearn.base.RegressorMixin.score` (:func:`sklearn.metrics.r2_score`).
        On a Dask collection X (y and ``sample_weight`` Dask or in memory), the
        sums run block by block on the workers and only they come back.

        Parameters
        ----------
        X : {array-like, sparse matrix, Dask collection}
            Of shape (n_samples, n_features).
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        score : float
        """
        if (score := _dask.maybe_score(self, X, y, sample_weight)) is not None:
            return score
        return super().score(X, y, sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        output = REGRESSION_LOSSES.get(self.loss)
        tags.target_tags.positive_only = output is not None and output.positive_only
        return tags

