"""``MLPClassifier``: labels in, labels and probabilities out.

What is specific to classification lives here: ``class_weight``, its target
codec (``ClassifierTargets``: labels to targets, class weights, the accuracy
of each epoch, the stratified hold-out), the decoding of probabilities and
the docstrings. Everything else is ``BaseMLP``'s.
"""

from collections.abc import Sequence
from numbers import Real

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import ClassifierMixin
from sklearn.utils.metaestimators import available_if

from . import _dask
from ._base import targets as _targets
from ._base.compat import Interval, StrOptions
from ._base.estimator import BaseMLP
from ._base.params import shared_parameters, signature
from ._base.targets import ClassifierTargets


@shared_parameters
class MLPClassifier(ClassifierMixin, BaseMLP):
    """A multi-layer perceptron classifier, trained by hand-written backpropagation.

    Minimises the cross-entropy cost J(Θ) with an L2 penalty (the user
    guide's mathematics page has it) by minibatch gradient descent
    (``"sgd"``, ``"rmsprop"``, ``"adam"``) or by L-BFGS. Binary targets get
    one logistic output unit, multiclass targets a softmax, multilabel
    indicator targets one logistic unit per label.

    Parameters
    ----------
    <layer parameters>
    <training parameters>
    class_weight : None, "balanced" or dict, default=None
        Weights per class, multiplied into ``sample_weight``. "balanced" is
        ``n_samples / (n_classes * count(class))``.
    label_smoothing : float, default=0.0
        ε in [0, 1): train on the targets (1 − ε)·y + ε/K of a softmax output
        (K classes) and y(1 − ε) + ε/2 of each logistic unit (Keras' rule).
        ``loss_``, ``loss_curve_``, ``best_loss_`` and ``val_loss`` are J of
        the smoothed targets (as Keras and PyTorch evaluate a smoothed loss;
        so early stopping compares like with like); accuracy and the scorers
        never smooth. Every solver takes it.
    <stopping parameters>
    validation_fraction : float or None, default=None
        Fraction held out, stratified by class, to record ``val_loss`` and
        ``val_accuracy`` every epoch. None holds nothing out unless
        ``early_stopping=True``.
    <loop and solver parameters>

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels (column indices for multilabel targets).
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
        Number of layers, input and output included.
    n_outputs_ : int
        Number of output units.
    out_activation_ : str
        "logistic" or "softmax".
    n_iter_ : int
        Epochs (L-BFGS: iterations) run so far.
    t_ : int
        Training samples seen so far.
    loss_ : float
        Training J(Θ) of the last epoch.
    best_loss_ : float
        Lowest monitored loss of the last ``fit`` (the validation loss with
        ``early_stopping=True``, also when a scorer is monitored, else the
        training loss).
    loss_curve_ : list of float
        Training J(Θ) of each epoch.
    validation_scores_ : list of float or None
        Validation accuracy of each epoch (NaN where an epoch had no
        hold-out; the monitored scorer's scores when ``early_stopping_metric``
        names one), None when no epoch had one.
    best_validation_score_ : float or None
        The highest of ``validation_scores_``.
    history_ : dict of list
        ``loss``, ``accuracy`` and ``learning_rate`` (the rate each epoch
        started with; NaN for L-BFGS) per epoch and, with a validation set,
        ``val_loss``, ``val_accuracy`` and one ``val_<name>`` per scorer of
        ``scoring``; ``acc`` and ``val_acc`` answer as aliases. Every list has
        one entry per epoch, NaN where an epoch had no hold-out
        (``partial_fit``, or a warm start that changed it).
        ``loss`` and ``val_loss`` are J(Θ): weighted by sample and class
        weights and including the L2 term, so with ``alpha > 0`` ``val_loss``
        is larger than ``sklearn.metrics.log_loss`` on the same rows.
        ``accuracy``, ``val_accuracy`` and the scorers are unweighted.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sknn import MLPClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MLPClassifier(hidden_layer_sizes=(16,), learning_rate=0.01,
    ...                     max_iter=300, random_state=0).fit(X, y)
    >>> clf.predict(X[:3])
    array([0, 0, 0])
    >>> clf.score(X, y) > 0.95
    True

    RealMLP's network (Holzmüller et al., 2024): a learnt scale per feature,
    the NTK parametrisation, a rate per group of parameters and the coslog4
    schedule with its warm restarts.

    >>> realmlp = MLPClassifier(
    ...     (64, 64), "selu", front_scale=True, parametrization="ntk",
    ...     learning_rate=0.04, beta_2=0.95,
    ...     learning_rate_factors={"biases": 0.1, "front_scale": 6.0},
    ...     learning_rate_schedule="coslog4", label_smoothing=0.1,
    ...     max_iter=30, n_iter_no_change=None, random_state=0,
    ... ).fit(X, y)
    >>> realmlp.front_scale_.shape
    (4,)
    >>> realmlp.score(X, y) > 0.9
    True
    """

    _parameter_constraints = {
        **BaseMLP._parameter_constraints,
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "label_smoothing": [Interval(Real, 0, 1, closed="left")],
    }

    def __init__(
        self,
        hidden_layer_sizes: int | Sequence[int] = (100,),
        activation: str | Sequence[str] = "relu",
        *,
        class_weight: str | dict | None = None,
        label_smoothing: float = 0.0,
        **params,
    ) -> None:
        super().__init__(hidden_layer_sizes, activation, **params)
        self.class_weight = class_weight
        self.label_smoothing = label_smoothing

    __init__.__signature__ = signature(class_weight=None, label_smoothing=0.0)

    # ------------------------------------------------------------------ fitting

    @available_if(BaseMLP._check_gradient_solver)
    def partial_fit(
        self,
        X: ArrayLike,
        y: ArrayLike,
        classes: ArrayLike | None = None,
        sample_weight: ArrayLike | None = None,
    ) -> "MLPClassifier":
        """Train for one epoch on the chunk ``X``, ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
        classes : array-like of shape (n_classes,), default=None
            Every label that will ever occur; required on the first call.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : MLPClassifier
            The updated estimator.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.datasets import load_iris
        >>> from sknn import MLPClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> clf = MLPClassifier((8,), random_state=0)
        >>> for chunk in np.array_split(np.random.default_rng(0).permutation(150), 3):
        ...     clf = clf.partial_fit(X[chunk], y[chunk], classes=[0, 1, 2])
        >>> clf.n_iter_
        3

        Notes
        -----
        ``partial_fit`` never holds rows out: validation and early stopping
        belong to ``fit``. With a history that has validation keys, the
        partial_fit epochs record NaN there, so every list keeps one entry per
        epoch.
        """
        if not hasattr(self, "coefs_") and classes is None:
            raise ValueError(
                "classes must be passed on the first call to partial_fit: "
                "every label that will ever occur, e.g. classes=np.unique(y)."
            )
        return self._partial_fit(X, y, sample_weight, classes)

    def _codec(self):
        return ClassifierTargets(self)

    # --------------------------------------------------------------- prediction

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Predicted class labels (an indicator matrix for multilabel targets).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)

        Examples
        --------
        >>> from sklearn.datasets import load_iris
        >>> from sknn import MLPClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> labels = ["setosa", "versicolor", "virginica"]
        >>> clf = MLPClassifier((16,), learning_rate=0.01, random_state=0)
        >>> clf.fit(X, [labels[i] for i in y]).predict(X[[0, 50]])
        array(['setosa', 'versicolor'], dtype='<U10')
        """
        if (lazy := _dask.maybe_blockwise(self, "predict", X)) is not None:
            return lazy  # a Dask collection: block by block on the workers
        proba = self._proba_from_logits(self._logits(X))
        if self._target_kind == "binary":
            proba = proba[:, 1:]
        return _targets.decode(proba, self.classes_, self._target_kind)

    def _proba_from_logits(self, Z):
        output = self._network.output.output
        if self._target_kind == "binary":
            # σ(−z) rather than 1 − σ(z): a tiny probability stays positive
            return np.hstack([output(-Z), output(Z.copy())])
        return output(Z.copy())

    def predict_proba(self, X: ArrayLike) -> np.ndarray:
        """Probability of each class; rows sum to 1 except for multilabel targets.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.datasets import load_breast_cancer
        >>> from sklearn.preprocessing import scale
        >>> from sknn import MLPClassifier
        >>> X, y = load_breast_cancer(return_X_y=True)
        >>> X = scale(X).astype(np.float32)
        >>> proba = MLPClassifier((8,), random_state=0).fit(X, y).predict_proba(X)
        >>> proba.shape, proba.dtype, bool(np.allclose(proba.sum(axis=1), 1))
        ((569, 2), dtype('float32'), True)
        """
        if (lazy := _dask.maybe_blockwise(self, "predict_proba", X)) is not None:
            return lazy  # a Dask collection: block by block on the workers
        return self._proba_from_logits(self._logits(X))

    def predict_log_proba(self, X: ArrayLike) -> np.ndarray:
        """Logarithm of ``predict_proba``, computed stably from the logits.

        Finite wherever ``predict_proba`` is positive; −inf where a probability
        underflowed to exactly 0 in the model's dtype, so that it always equals
        ``np.log(predict_proba(X))`` up to rounding.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.datasets import load_iris
        >>> from sknn import MLPClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> clf = MLPClassifier((8,), max_iter=50, random_state=0).fit(X, y)
        >>> bool(np.allclose(np.exp(clf.predict_log_proba(X)), clf.predict_proba(X)))
        True
        """
        if (lazy := _dask.maybe_blockwise(self, "predict_log_proba", X)) is not None:
            return lazy  # a Dask collection: block by block on the workers
        Z = self._logits(X)
        log_output = self._network.output.log_output
        if self._target_kind == "binary":
            log_proba = np.hstack([log_output(-Z), log_output(Z)])
        else:
            log_proba = log_output(Z)
        log_proba[self._proba_from_logits(Z) == 0] = -np.inf
        return log_proba

    def score(self, X: ArrayLike, y: ArrayLike, sample_weight=None) -> float:
        """Mean accuracy of ``predict(X)`` against y, weighted by ``sample_weight``.

        For multilabel targets, subset accuracy: a row counts when all its labels
        are right (as :meth:`sklearn.base.ClassifierMixin.score`).
        On a Dask collection X (y and ``sample_weight`` Dask or in memory), the
        sums run block by block on the workers and only they come back.

        Parameters
        ----------
        X : {array-like, sparse matrix, Dask collection}
            Of shape (n_samples, n_features).
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
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
        tags.classifier_tags.multi_label = True
        return tags
