"""``MLPClassifier``: the scikit-learn face of the network.

This module is glue: it validates parameters and data, turns labels into
targets, builds the network, the optimiser and the training loop from the other
modules, and commits the result to the estimator only when training succeeded.
"""

import copy
import warnings
from collections.abc import Callable, Sequence
from numbers import Integral, Real

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import train_test_split
from sklearn.utils._param_validation import (
    Interval,
    InvalidParameterError,
    StrOptions,
)
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    check_random_state,
    column_or_1d,
    validate_data,
)

from . import _targets
from ._activations import ALIASES
from ._network import Backprop, Network
from ._optimizers import make_optimizer
from ._progress import Progress
from ._summary import layer_table
from ._training import (
    EpochMonitor,
    History,
    Rows,
    evaluate,
    run,
    train_lbfgs,
    train_minibatch,
)

GRADIENT_SOLVERS = ("sgd", "rmsprop", "adam")


def _as_tuple(value):
    return tuple(np.ravel(value).tolist()) if not np.isscalar(value) else (value,)


class MLPClassifier(ClassifierMixin, BaseEstimator):
    """A multi-layer perceptron classifier, trained by hand-written backpropagation.

    Minimises the cross-entropy cost J(Θ) with an L2 penalty (see the SPEC) by
    minibatch gradient descent (``"sgd"``, ``"rmsprop"``, ``"adam"``) or by
    L-BFGS. Binary targets get one logistic output unit, multiclass targets a
    softmax, multilabel indicator targets one logistic unit per label.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(100,)
        Units of each hidden layer; ``()`` for no hidden layer.
    activation : {"relu", "logistic", "sigmoid", "tanh", "identity"}, default="relu"
        Activation g of the hidden layers; "sigmoid" is "logistic".
    solver : {"adam", "sgd", "rmsprop", "lbfgs"}, default="adam"
        The optimiser.
    alpha : float, default=1e-4
        λ, the weight of the L2 term of J(Θ); 0 disables it.
    learning_rate : float, default=1e-3
        α, the step size of every gradient solver (scikit-learn calls this
        ``learning_rate_init``).
    batch_size : int or "auto", default="auto"
        Minibatch size; "auto" is ``min(200, n_samples)``.
    max_iter : int, default=200
        Epochs for the gradient solvers, iterations for L-BFGS.
    dropout : float or tuple of float, default=0.0
        Inverted-dropout rate of every hidden layer, or one rate per hidden
        layer, each in [0, 1). Applied while training only.
    class_weight : None, "balanced" or dict, default=None
        Weights per class, multiplied into ``sample_weight``. "balanced" is
        ``n_samples / (n_classes * count(class))``.
    early_stopping : bool, default=False
        Monitor the validation loss (holding out 0.1 unless
        ``validation_fraction`` says otherwise), stop when it stops improving
        and restore the weights of the best validation epoch.
    validation_fraction : float or None, default=None
        Fraction held out, stratified by class, to record ``val_loss`` and
        ``val_accuracy`` every epoch. None holds nothing out unless
        ``early_stopping=True``.
    n_iter_no_change : int or None, default=10
        Stop once the monitored loss has not improved by ``tol`` for this many
        epochs in a row; None always runs ``max_iter`` epochs.
    tol : float, default=1e-4
        Smallest improvement that counts.
    shuffle : bool, default=True
        Shuffle the training rows every epoch.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, the hold-out, the shuffling and dropout.
    warm_start : bool, default=False
        Continue from the fitted weights at the next ``fit``.
    verbose : {0, 1, 2}, default=0
        0 silent, 1 a progress bar each epoch, 2 one line each epoch.
    momentum : float, default=0.0
        Momentum of "sgd", in [0, 1).
    nesterov : bool, default=False
        Nesterov momentum for "sgd".
    rho : float, default=0.9
        Decay of the squared-gradient average of "rmsprop".
    beta_1, beta_2 : float, default=0.9, 0.999
        Decays of "adam"'s moment estimates.
    epsilon : float, default=1e-8
        Numerical stability constant of "rmsprop" and "adam".

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels (column indices for multilabel targets).
    coefs_ : list of ndarray
        ``coefs_[l]`` is the weight matrix Θ⁽ˡ⁾ from layer l to layer l + 1.
    intercepts_ : list of ndarray
        Bias vectors of layers 1 to L.
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
        ``early_stopping=True``, else the training loss).
    loss_curve_ : list of float
        Training J(Θ) of each epoch.
    validation_scores_ : list of float or None
        Validation accuracy of each epoch, None without a validation set.
    best_validation_score_ : float or None
        The highest of ``validation_scores_``.
    history_ : dict of list
        ``loss``, ``accuracy`` and, with a validation set, ``val_loss`` and
        ``val_accuracy`` per epoch; ``acc`` and ``val_acc`` answer as aliases.

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
    """

    _parameter_constraints = {
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [StrOptions({"relu", "logistic", "sigmoid", "tanh", "identity"})],
        "solver": [StrOptions({"sgd", "rmsprop", "adam", "lbfgs"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left"), "array-like"],
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither"), None],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left"), None],
        "tol": [Interval(Real, 0, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "warm_start": ["boolean"],
        "verbose": [Interval(Integral, 0, 2, closed="both")],
        "momentum": [Interval(Real, 0, 1, closed="left")],
        "nesterov": ["boolean"],
        "rho": [Interval(Real, 0, 1, closed="left")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(
        self,
        hidden_layer_sizes: int | Sequence[int] = (100,),
        activation: str = "relu",
        *,
        solver: str = "adam",
        alpha: float = 1e-4,
        learning_rate: float = 1e-3,
        batch_size: int | str = "auto",
        max_iter: int = 200,
        dropout: float | Sequence[float] = 0.0,
        class_weight: str | dict | None = None,
        early_stopping: bool = False,
        validation_fraction: float | None = None,
        n_iter_no_change: int | None = 10,
        tol: float = 1e-4,
        shuffle: bool = True,
        random_state: int | np.random.RandomState | None = None,
        warm_start: bool = False,
        verbose: int = 0,
        momentum: float = 0.0,
        nesterov: bool = False,
        rho: float = 0.9,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.dropout = dropout
        self.class_weight = class_weight
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.shuffle = shuffle
        self.random_state = random_state
        self.warm_start = warm_start
        self.verbose = verbose
        self.momentum = momentum
        self.nesterov = nesterov
        self.rho = rho
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    # ------------------------------------------------------------------ fitting

    def fit(
        self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> "MLPClassifier":
        """Train the network on ``X`` and ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; float32 is kept float32, anything else becomes float64.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a multilabel indicator matrix.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; a weight of 2 counts a sample twice.

        Returns
        -------
        self : MLPClassifier
            The fitted estimator.

        Examples
        --------
        >>> from sklearn.datasets import load_iris
        >>> from sknn import MLPClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> clf = MLPClassifier((8,), max_iter=50, n_iter_no_change=None,
        ...                     validation_fraction=0.2, random_state=0).fit(X, y)
        >>> clf.n_iter_, sorted(clf.history_)
        (50, ['accuracy', 'loss', 'val_accuracy', 'val_loss'])
        """
        return self._transaction(self._fit, X, y, sample_weight, incremental=False)

    def _check_gradient_solver(self):
        if self.solver not in GRADIENT_SOLVERS:
            raise AttributeError(
                f"partial_fit is not available with solver={self.solver!r}, which "
                "minimises over the whole training set; use 'sgd', 'rmsprop' or "
                "'adam'."
            )
        return True

    @available_if(_check_gradient_solver)
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
        return self._transaction(
            self._fit, X, y, sample_weight, incremental=True, classes=classes
        )

    def _transaction(self, method, *args, **kwargs):
        """Run ``method``; if it raises, put every attribute back as it was."""
        saved = dict(self.__dict__)
        try:
            return method(*args, **kwargs)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(saved)
            raise

    def _settings(self):
        """Validated parameters in the form the training code uses."""
        self._validate_params()
        try:
            hidden = _as_tuple(self.hidden_layer_sizes)
            flat = np.ndim(self.hidden_layer_sizes) <= 1
        except ValueError:  # ragged nested sequences
            hidden, flat = (), False
        if not flat or not all(
            isinstance(n, Integral) and not isinstance(n, bool) and n >= 1
            for n in hidden
        ):
            raise InvalidParameterError(
                "The 'hidden_layer_sizes' parameter of MLPClassifier must hold "
                "positive integers, one per hidden layer (a flat tuple). Got "
                f"{self.hidden_layer_sizes!r} instead."
            )
        if np.isscalar(self.dropout):
            dropout = (float(self.dropout),) * len(hidden)
        else:
            dropout = _as_tuple(self.dropout)
            if len(dropout) != len(hidden) or not all(
                isinstance(r, Real) and 0 <= r < 1 for r in dropout
            ):
                raise InvalidParameterError(
                    "The 'dropout' parameter of MLPClassifier must be a float in "
                    "[0, 1) or a tuple of such floats, one per hidden layer "
                    f"({len(hidden)} here). Got {self.dropout!r} instead."
                )
        if self.solver == "lbfgs" and any(dropout):
            raise ValueError(
                "dropout needs a gradient solver ('sgd', 'rmsprop' or 'adam'): "
                "L-BFGS cannot minimise a cost that changes at every evaluation. "
                "Set dropout=0.0 or choose another solver."
            )
        fraction = self.validation_fraction
        if fraction is None and self.early_stopping:
            fraction = 0.1
        return {
            "hidden": tuple(int(n) for n in hidden),
            "activation": ALIASES.get(self.activation, self.activation),
            "dropout": dropout,
            "validation_fraction": fraction,
        }

    def _fit(self, X, y, sample_weight, incremental, classes=None):
        settings = self._settings()
        fitted = hasattr(self, "coefs_")
        continuing = fitted and (incremental or self.warm_start)
        if incremental and not fitted and classes is None:
            raise ValueError(
                "classes must be passed on the first call to partial_fit: "
                "every label that will ever occur, e.g. classes=np.unique(y)."
            )
        X, y, kind, classes_, T, weights = self._training_data(
            X, y, sample_weight, classes, incremental, continuing
        )
        out_activation, n_outputs = _targets.output_layer(kind, len(classes_))
        network = Network(
            (X.shape[1], *settings["hidden"], n_outputs),
            settings["activation"],
            out_activation,
            settings["dropout"],
        )
        rng = self._generator(continuing and incremental)
        if continuing:
            self._check_same_architecture(network)
            theta = network.pack(self.coefs_, self.intercepts_, X.dtype)
        else:
            theta = network.initialize(rng, X.dtype)

        fraction = None if incremental else settings["validation_fraction"]
        train, validation = self._split(X, T, weights, y, kind, fraction, rng)
        batch_size = self._batch_size(len(train))
        backprop = Backprop(network, batch_size, X.dtype, rng)
        monitor = self._monitor(len(train), incremental, continuing, validation)
        if validation is not None:
            monitor.validate = lambda theta: evaluate(
                backprop, validation, theta, self.alpha, batch_size
            )

        optimizer = None
        if self.solver == "lbfgs":
            result = run(
                train_lbfgs,
                theta,
                monitor,
                self.max_iter,
                backprop=backprop,
                train=train,
                alpha=self.alpha,
                max_iter=self.max_iter,
                tol=self.tol,
            )
        else:
            optimizer = make_optimizer(
                self.solver,
                network.n_params,
                X.dtype,
                self.get_params(),
                resume=getattr(self, "_optimizer", None) if incremental else None,
            )
            max_epochs = 1 if incremental else self.max_iter
            result = run(
                train_minibatch,
                theta,
                monitor,
                max_epochs,
                backprop=backprop,
                optimizer=optimizer,
                train=train,
                alpha=self.alpha,
                batch_size=batch_size,
                max_epochs=max_epochs,
                shuffle=self.shuffle,
                rng=rng,
            )
        # training succeeded: only now does the estimator change
        self._commit(network, result, monitor, continuing, len(train))
        self.classes_, self._target_kind = classes_, kind
        self._optimizer, self._rng = optimizer, rng
        return self

    def _training_data(self, X, y, sample_weight, classes, incremental, continuing):
        """Validated X and y, the target kind, ``classes_``, the targets T and
        the sample weights (None when every weight is 1)."""
        dtype = [np.float64, np.float32]
        if continuing and incremental:
            dtype = self.coefs_[0].dtype  # a model keeps its dtype across chunks
        X, y = validate_data(
            self,
            X,
            y,
            reset=not continuing,
            accept_sparse="csr",
            dtype=dtype,
            multi_output=True,
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)

        kind, classes_ = self._classes(y, continuing, classes, incremental)
        weights = _check_sample_weight(
            sample_weight, X, dtype=X.dtype, ensure_non_negative=True
        )
        if incremental and self.class_weight == "balanced":
            raise ValueError(
                "class_weight='balanced' is not supported by partial_fit, which "
                "sees one chunk at a time: compute the weights once with "
                "sklearn.utils.class_weight.compute_class_weight('balanced', "
                "classes=classes, y=y) on enough of y, and pass them as a dict."
            )
        per_class = _targets.class_weights_per_sample(
            self.class_weight, classes_, y, kind
        )
        if per_class is not None:
            weights = weights * per_class.astype(X.dtype)
        if not np.any(weights > 0):
            raise ValueError(
                "Sample weights must contain at least one non-zero number: "
                "sample_weight (times class_weight) is zero for every sample."
            )
        if sample_weight is None and per_class is None:
            weights = None
        T = _targets.encode(y, classes_, kind, X.dtype)
        return X, y, kind, classes_, T, weights

    def _batch_size(self, n_train):
        if self.solver == "lbfgs":
            return n_train
        if self.batch_size == "auto":
            return min(200, n_train)
        if self.batch_size > n_train:
            warnings.warn(
                "Got `batch_size` larger than sample size. It is going to be clipped",
                stacklevel=5,  # _batch_size < _fit < _transaction < fit < caller
            )
            return n_train
        return self.batch_size

    def _monitor(self, n_train, incremental, continuing, validation):
        """The ``EpochMonitor`` of this call, continuing a fitted model's history."""
        history = History(
            copy.deepcopy(getattr(self, "history_", {})) if continuing else {}
        )
        if incremental and "val_loss" in history:
            for key in ("val_loss", "val_accuracy"):
                history[key].append(np.nan)
        max_epochs = 1 if incremental else self.max_iter
        monitor = EpochMonitor(
            history=history,
            progress=Progress(self.verbose, max_epochs, n_train),
            learning_rate=None if self.solver == "lbfgs" else self.learning_rate,
            tol=self.tol,
            n_iter_no_change=None if incremental else self.n_iter_no_change,
            early_stopping=self.early_stopping and validation is not None,
            first_epoch=self.n_iter_ + 1 if continuing else 1,
        )
        if continuing and incremental:
            # a run that explodes a little more at each partial_fit call is
            # caught too: J is compared with the first call's, not this one's
            monitor.reference_loss = getattr(self, "_reference_loss", None)
        return monitor

    def _classes(self, y, continuing, classes, incremental):
        """(target kind, classes_) for this call, checked against a fitted model."""
        if continuing:
            kind = self._target_kind
            new_kind = _targets.target_kind(y)  # "Unknown label type" → error
            if (new_kind == _targets.MULTILABEL) != (kind == _targets.MULTILABEL):
                raise ValueError(
                    f"y is {new_kind} but the model was fitted on {kind} targets."
                )
            if kind == _targets.MULTILABEL and y.shape[1] != len(self.classes_):
                raise ValueError(
                    f"y has {y.shape[1]} labels but the model was fitted with "
                    f"{len(self.classes_)}."
                )
            if incremental:
                if classes is not None and not np.array_equal(
                    np.unique(np.asarray(classes)), self.classes_
                ):
                    raise ValueError(
                        f"classes={classes!r} is not the same as on the first "
                        f"call to partial_fit, {self.classes_.tolist()}."
                    )
                if kind != _targets.MULTILABEL:
                    _targets.class_indices(y, self.classes_)  # unknown labels
                return kind, self.classes_
            new_classes = _targets.find_classes(y, kind)
            if not np.array_equal(new_classes, self.classes_):
                raise ValueError(
                    "warm_start can only be used where `y` has the same classes "
                    f"as in the previous call to fit. Previously got "
                    f"{self.classes_}, `y` has {new_classes}."
                )
            return kind, self.classes_
        if classes is not None:
            classes_ = np.unique(np.asarray(classes))
            if len(classes_) < 2:
                raise ValueError(
                    f"classes must hold at least 2 labels; got {classes_.tolist()}."
                )
            kind = _targets.target_kind(y, classes_)
            if kind == _targets.MULTILABEL:
                classes_ = np.arange(y.shape[1])
            else:
                _targets.class_indices(y, classes_)
            return kind, classes_
        kind = _targets.target_kind(y)
        return kind, _targets.find_classes(y, kind)

    def _generator(self, resume):
        """The random generator of this call: the stored one for partial_fit
        (copied, so a failed call leaves it untouched), else a fresh one seeded
        from ``random_state``."""
        if resume and getattr(self, "_rng", None) is not None:
            return copy.deepcopy(self._rng)
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        return np.random.default_rng(seed)

    def _check_same_architecture(self, network):
        shapes = [c.shape for c in self.coefs_]
        if shapes != network.coef_shapes:
            raise ValueError(
                "warm_start and partial_fit continue from the fitted weights, "
                f"whose layer shapes are {shapes}; the parameters now ask for "
                f"{network.coef_shapes}. Keep hidden_layer_sizes as it was, or "
                "set warm_start=False to start over."
            )

    def _split(self, X, T, weights, y, kind, fraction, rng):
        """Training and validation ``Rows``; the hold-out is stratified by class."""
        if fraction is None:
            return Rows(X, T, weights), None
        stratify = None if kind == _targets.MULTILABEL else y
        try:
            train_index, val_index = train_test_split(
                np.arange(X.shape[0]),
                test_size=fraction,
                stratify=stratify,
                random_state=int(rng.integers(np.iinfo(np.int32).max)),
            )
        except ValueError as error:
            raise ValueError(
                f"validation_fraction={fraction} cannot hold out a validation set "
                f"with every class of y in it: {error} Use a larger "
                "validation_fraction, more data, or validation_fraction=None."
            ) from error
        train_index.sort()
        val_index.sort()
        return (
            Rows(X, T, weights, train_index),
            Rows(X, T, weights, val_index),
        )

    def _commit(self, network, result, monitor, continuing, n_train):
        """Set the fitted attributes; called only once training succeeded."""
        history = monitor.history
        self._network = network
        self.coefs_, self.intercepts_ = network.unpack(result.theta.copy())
        self.n_layers_ = network.n_layers
        self.n_outputs_ = network.layer_sizes[-1]
        self.out_activation_ = network.output.name
        self.n_iter_ = (self.n_iter_ if continuing else 0) + result.n_epochs
        self.t_ = (self.t_ if continuing else 0) + n_train * result.n_epochs
        self.history_ = history
        self.loss_curve_ = list(history.get("loss", []))
        self.loss_ = self.loss_curve_[-1] if self.loss_curve_ else None
        self.best_loss_ = monitor.best_loss
        if "val_accuracy" in history:
            self.validation_scores_ = list(history["val_accuracy"])
            self.best_validation_score_ = float(np.nanmax(self.validation_scores_))
        else:
            self.validation_scores_ = None
            self.best_validation_score_ = None
        self._reference_loss = monitor.reference_loss

    # --------------------------------------------------------------- prediction

    def __sklearn_is_fitted__(self):
        return hasattr(self, "coefs_")

    def _logits(self, X):
        check_is_fitted(self)
        X = validate_data(
            self, X, accept_sparse="csr", dtype=self.coefs_[0].dtype, reset=False
        )
        return self._network.logits(X, self.coefs_, self.intercepts_)

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
        Z = self._logits(X)
        log_output = self._network.output.log_output
        if self._target_kind == "binary":
            log_proba = np.hstack([log_output(-Z), log_output(Z)])
        else:
            log_proba = log_output(Z)
        log_proba[self._proba_from_logits(Z) == 0] = -np.inf
        return log_proba

    # ------------------------------------------------------------------ display

    def summary(self, print_fn: Callable[[str], object] = print) -> None:
        """Print the layer table: units, activation, dropout and parameters.

        Parameters
        ----------
        print_fn : callable, default=print
            Receives the table as one string.

        Examples
        --------
        >>> from sklearn.datasets import load_iris
        >>> from sknn import MLPClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> clf = MLPClassifier((8,), dropout=0.1, max_iter=5, random_state=0)
        >>> clf.fit(X, y).summary()
        Layer     Units  Activation  Dropout  Parameters
        ------------------------------------------------
        input         4
        hidden_1      8  relu            0.1          40
        output        3  softmax                      27
        ------------------------------------------------
        Total parameters: 67
        dtype: float64
        """
        check_is_fitted(self)
        print_fn(layer_table(self._network, self.coefs_[0].dtype))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.classifier_tags.multi_label = True
        return tags
