"""``MLPRegressor``: real (or count) targets in, predictions out.

What is specific to regression lives here: its ``loss`` parameter, its target
codec (``RegressorTargets``: the losses' output layers, R² as the metric of
each epoch), the shape of predictions and the docstrings. Everything else is
``BaseMLP``'s.
"""

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import RegressorMixin
from sklearn.utils.metaestimators import available_if

from ._base.compat import StrOptions
from ._base.estimator import BaseMLP
from ._base.params import shared_parameters, signature
from ._base.targets import RegressorTargets
from ._math.losses import REGRESSION_LOSSES


@shared_parameters
class MLPRegressor(RegressorMixin, BaseMLP):
    """A multi-layer perceptron regressor, trained by hand-written backpropagation.

    Minimises J(Θ) = (1/Σw) Σ_i w_i ℓ_i + (λ / 2Σw) Σθ² (biases left out) by
    minibatch gradient descent (``"sgd"``, ``"rmsprop"``, ``"adam"``) or by
    L-BFGS, where for K outputs

    - ``loss="squared_error"``: h = z (identity output) and
      ℓ = ½ mean_k (h_k − y_k)², scikit-learn's squared loss;
    - ``loss="poisson"``: h = exp(z) (log link) and ℓ = mean_k (h_k − y_k log h_k),
      half the Poisson deviance without its constant y log y − y, which does
      not depend on θ. y must be ≥ 0; a ``fit`` (warm start included) needs
      a positive sum, as all-zero counts leave nothing to learn, while one
      ``partial_fit`` chunk (or ``y_val``) may be all zeros.

    Parameters
    ----------
    <layer parameters>
    loss : {"squared_error", "poisson"}, default="squared_error"
        The loss ℓ and with it the output layer (identity or exp).
    <training parameters>
    <stopping parameters>
    validation_fraction : float or None, default=None
        Fraction held out at random (not stratified) to record ``val_loss``
        and ``val_r2`` every epoch.
    <loop and solver parameters>

    Attributes
    ----------
    coefs_ : list of ndarray
        ``coefs_[l]`` is the weight matrix Θ⁽ˡ⁾ from layer l to layer l + 1.
    intercepts_ : list of ndarray
        Bias vectors of layers 1 to L.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Defined when X was a DataFrame with string column names.
    n_layers_ : int
    n_outputs_ : int
    out_activation_ : str
        "identity" (squared error) or "exp" (Poisson).
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
    """

    _parameter_constraints = {
        **BaseMLP._parameter_constraints,
        "loss": [StrOptions(set(REGRESSION_LOSSES))],
    }
    _y_numeric = True

    def __init__(
        self,
        hidden_layer_sizes: int | Sequence[int] = (100,),
        activation: str | Sequence[str] = "relu",
        *,
        loss: str = "squared_error",
        **params,
    ) -> None:
        super().__init__(hidden_layer_sizes, activation, **params)
        self.loss = loss

    __init__.__signature__ = signature(loss="squared_error")

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
        Z = self._logits(X)  # first: it checks that the model is fitted
        H = self._network.output.output(Z)
        return H.ravel() if self._target_kind == "continuous" else H

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        output = REGRESSION_LOSSES.get(self.loss)
        tags.target_tags.positive_only = output is not None and output.positive_only
        return tags

