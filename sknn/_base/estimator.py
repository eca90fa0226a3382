"""``BaseMLP``: what ``MLPClassifier`` and ``MLPRegressor`` share.

The transaction (a failed call changes nothing), ``fit`` and the plumbing of
``partial_fit`` and ``warm_start``, the commit of the fitted attributes, the
prediction plumbing, ``summary()`` and the loading of saved models. The
parameters live in ``params``, the preparation of a call's data in
``prepare``, the assembly of its run in ``assemble``.

An estimator adds only what differs: its target codec (``_codec``: how y
becomes the targets T, the metric of each epoch, the hold-out), how outputs
become predictions, its own parameters and its docstrings.
"""

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
)
from sklearn.utils.validation import check_is_fitted, validate_data

from .. import _dask
from .._exceptions import warn_user
from .._math.network import Network
from .._math.optimizers import SOLVERS
from .._training.loop import LBFGSError, run, warn_if_not_converged
from . import assemble, params, prepare
from .compat import CallbackSupportMixin, with_callbacks
from .summary import layer_table
from .upgrade import portable_generator, upgrade_state


def _best(pick, values):
    """``pick`` (min or max) of the values that are defined; NaN (an undefined
    metric, or an epoch without it) when none is."""
    defined = [value for value in values if value == value]
    return float(pick(defined)) if defined else float("nan")


def _call(estimator, method, *args, **kwargs):
    return method(*args, **kwargs)


# scikit-learn >= 1.9: fit sets up and tears down the callbacks of
# ``set_callbacks`` (teardown runs even when fit fails)
_call_with_callbacks = _call if with_callbacks is None else with_callbacks(_call)
_CALLBACK_BASES = () if CallbackSupportMixin is None else (CallbackSupportMixin,)


class BaseMLP(
    ClassNamePrefixFeaturesOutMixin, TransformerMixin, *_CALLBACK_BASES, BaseEstimator
):
    """Shared parameters and machinery of sknn's estimators (not public).

    Both estimators are also transformers: ``transform`` gives the last hidden
    layer's activations, a learnt representation of X for the next step of a
    ``Pipeline``; ``set_output`` and ``get_feature_names_out`` follow.
    """

    _y_numeric = False  # the regressor has validate_data make y numeric
    _parameter_constraints = params.CONSTRAINTS

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", **parameters):
        params.set_parameters(self, hidden_layer_sizes, activation, parameters)

    __init__.__signature__ = params.signature()

    # ------------------------------------------------- what an estimator adds

    def _codec(self):
        """The estimator's target codec (``targets``), for this call."""
        raise NotImplementedError

    # ------------------------------------------------------------------ fitting

    def fit(
        self,
        X: ArrayLike,
        y: ArrayLike,
        sample_weight: ArrayLike | None = None,
        *,
        X_val: ArrayLike | None = None,
        y_val: ArrayLike | None = None,
        sample_weight_val: ArrayLike | None = None,
    ) -> "BaseMLP":
        """Train the network on ``X`` and ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; float32 stays float32 unless ``dtype`` says
            otherwise, anything else becomes float64.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Classifier: class labels, or a multilabel indicator matrix of 0
            and 1. Regressor: targets; integers and booleans become floats.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; a weight of 2 counts a sample twice.
        X_val, y_val : array-like, default=None
            An explicit validation set, used in place of a hold-out
            (``validation_fraction`` must then be None).
        sample_weight_val : array-like of shape (n_val_samples,), default=None
            Weights of the validation samples, for ``val_loss``.

        Returns
        -------
        self : estimator
            The fitted estimator.

        Examples
        --------
        >>> from sklearn.datasets import load_iris
        >>> from sknn import MLPClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> clf = MLPClassifier((8,), max_iter=50, n_iter_no_change=None,
        ...                     validation_fraction=0.2, random_state=0).fit(X, y)
        >>> clf.n_iter_, sorted(clf.history_)
        (50, ['accuracy', 'learning_rate', 'loss', 'val_accuracy', 'val_loss'])

        >>> import numpy as np
        >>> from sknn import MLPRegressor
        >>> X = np.linspace(-1, 1, 200).reshape(-1, 1)
        >>> reg = MLPRegressor((16,), activation="tanh", learning_rate=0.01,
        ...                    max_iter=300, n_iter_no_change=None,
        ...                    random_state=0).fit(X, X[:, 0] ** 2)
        >>> bool(reg.score(X, X[:, 0] ** 2) > 0.9)
        True
        """
        if X_val is None and (y_val is not None or sample_weight_val is not None):
            given = "y_val" if y_val is not None else "sample_weight_val"
            raise ValueError(
                f"{given} was given without X_val: pass X_val and y_val together "
                f"(and sample_weight_val with them), or drop {given}."
            )
        arguments = prepare.FitArguments(
            X, y, sample_weight, X_val, y_val, sample_weight_val
        )
        return self._transaction(self._fit, arguments, incremental=False)

    def _partial_fit(self, X, y, sample_weight, classes=None):
        arguments = prepare.FitArguments(X, y, sample_weight, classes=classes)
        return self._transaction(self._fit, arguments, incremental=True)

    def _epochs(self, n_train):
        """Epochs (L-BFGS: iterations) of a fit on ``n_train`` rows: ``max_iter``
        (the tabular estimators can scale them with the rows)."""
        return self.max_iter

    def _auto_batch_size(self, n_train):
        """Rows per minibatch for ``batch_size="auto"``: scikit-learn's
        ``min(200, n_train)`` (the tabular estimators even out the batches)."""
        return min(200, n_train)

    def _check_gradient_solver(self):
        if self.solver not in SOLVERS:  # L-BFGS, or no solver at all
            raise AttributeError(
                f"partial_fit is not available with solver={self.solver!r}, which "
                "minimises over the whole training set; use 'sgd', 'rmsprop' or "
                "'adam'."
            )
        return True

    def _transaction(self, method, *args, **kwargs):
        """Run ``method``; if it raises, put every attribute back as it was."""
        saved = dict(self.__dict__)
        try:
            return method(*args, **kwargs)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(saved)
            raise

    def _fit(self, arguments, *, incremental):
        if incremental:  # callbacks follow fit only
            return self._train(arguments, True)
        return _call_with_callbacks(self, self._train, arguments, False)

    def _train(self, arguments, incremental):
        settings = params.settings(self)
        continuing = hasattr(self, "coefs_") and (incremental or self.warm_start)
        # X a Dask collection: the Dask path's preparation, which keeps the
        # rows where they live
        preparation = _dask.fit_preparation(self, arguments.X) or prepare
        data = preparation.validated(
            self, arguments, incremental=incremental, continuing=continuing
        )
        network = Network(
            (data.X.shape[1], *settings.hidden, data.targets.n_outputs),
            settings.activations,
            data.targets.output,
            settings.dropout,
            front_scale=self.front_scale,
            parametrization=self.parametrization,
        )
        rng = assemble.generator(self, continuing and incremental)
        if continuing:
            self._check_same_architecture(network)
            theta = self._stored_parameters(network, data.X.dtype)
        else:
            theta = network.initialize(rng, data.X.dtype)  # before the split draws
        fit_input = preparation.hold_out(
            self, data, arguments, settings.validation_fraction,
            incremental=incremental, rng=rng,
        )  # fmt: skip
        training = assemble.assemble(
            self, fit_input, network, rng,
            continuing=continuing, incremental=incremental,
        )  # fmt: skip
        if preparation is not prepare:
            preparation.distribute(training, fit_input)
        try:
            result = run(training.plan, theta, training.observers)
        except LBFGSError as error:
            if error.result.status == 0 and continuing:
                # a warm start from weights that already meet tol: nothing to
                # learn, and nothing changes
                if training.callbacks is not None:
                    training.callbacks.end_fit()
                return self
            raise self._no_lbfgs_step(error, data) from None
        warn_if_not_converged(training.plan, result, training.stopping.patience)
        # training succeeded: only now does the estimator change
        self._commit(network, result, training, continuing, len(fit_input.train))
        self._set_model(network, result.theta.copy(), data.targets)
        self._optimizer, self._rng = training.plan.optimizer, rng
        schedule = training.schedule
        self._schedule_state = None if schedule is None else schedule.state
        if training.callbacks is not None:
            try:
                training.callbacks.end_fit()
            except KeyboardInterrupt:  # the fit is committed: keep it
                warn_user(
                    "Training was interrupted while scikit-learn's callbacks "
                    f"ended the fit; the model keeps its {result.n_epochs} "
                    "epoch(s) of this call.",
                    UserWarning,
                )
        return self

    def _no_lbfgs_step(self, error, data):
        """The error for an L-BFGS run that accepted no iterate."""
        result = error.result
        if result.status == 0:  # SciPy's tests hold at the initial weights
            return ValueError(
                "L-BFGS stopped before its first iteration: the gradient at the "
                f"initial weights already meets tol={self.tol:g} (SciPy's "
                "gradient tolerance), so nothing was learnt. Lower tol."
            )
        hint = prepare.data_hint(self, data)
        return ValueError(
            f"L-BFGS accepted no step from the initial weights (status="
            f"{result.status}: {result.message}); J(Θ) there is "
            f"{error.initial_loss:.4g}. {hint[0].upper()}{hint[1:]}."
        )

    def _check_same_architecture(self, network):
        shapes = [c.shape for c in self.coefs_]
        if shapes != network.coef_shapes:
            raise ValueError(
                "warm_start and partial_fit continue from the fitted weights, "
                f"whose layer shapes are {shapes}; the parameters now ask for "
                f"{network.coef_shapes}. Keep hidden_layer_sizes as it was, or "
                "set warm_start=False to start over."
            )
        fitted = self._network
        for name in ("front_scale", "parametrization"):
            was, now = getattr(fitted, name), getattr(network, name)
            if was != now:
                raise ValueError(
                    "warm_start and partial_fit continue from the fitted "
                    f"parameters, which were trained with {name}={was!r}; the "
                    f"parameters now ask for {name}={now!r}. Keep {name} as it "
                    "was, or set warm_start=False to start over."
                )

    def _stored_parameters(self, network, dtype):
        """A copy of θ, the stored parameters training continues from: the
        fitted ``coefs_`` and ``intercepts_`` of a plain network, else the
        θ kept beside them (``coefs_`` then hold θ̃)."""
        if network.plain:
            return network.pack(self.coefs_, self.intercepts_, dtype)
        return np.array(self._theta, dtype=dtype)

    def _commit(self, network, result, training, continuing, n_train):
        """Set the fitted attributes but the model's (``_set_model``); called
        only once training succeeded."""
        history, stopping = training.history, training.stopping
        self.n_iter_ = (self.n_iter_ if continuing else 0) + result.n_epochs
        self.t_ = (self.t_ if continuing else 0) + n_train * result.n_epochs
        self.history_ = history
        self.loss_curve_ = list(history.get("loss", []))
        self.loss_ = self.loss_curve_[-1] if self.loss_curve_ else None
        if stopping.comparison.sign > 0:  # a loss is monitored
            self.best_loss_ = stopping.best_value
            scores = history.get(f"val_{self._codec().metric_name}")
        else:  # a scorer is monitored: its scores, and the best val_loss
            self.best_loss_ = _best(min, history["val_loss"][-result.n_epochs :])
            scores = history[stopping.monitor]
        if scores is not None:
            self.validation_scores_ = list(scores)
            self.best_validation_score_ = _best(max, scores)
        else:
            self.validation_scores_ = None
            self.best_validation_score_ = None

    def _snapshot(self, network, theta, targets):
        """A copy of the estimator that predicts with ``theta`` (views, not
        copies); the estimator itself is left as it is."""
        snapshot = type(self).__new__(type(self))
        snapshot.__dict__.update(self.__dict__)
        snapshot._set_model(network, theta, targets)
        return snapshot

    def _set_model(self, network, theta, targets):
        """The attributes predictions read: the network, the weights its
        layers multiply by (views of ``theta`` for a plain network, else θ̃
        computed from it, with ``theta`` kept for further training) and what
        the targets were."""
        self._network = network
        effective = network.effective(theta)
        self._theta = None if effective is theta else theta
        self.coefs_, self.intercepts_ = network.unpack(effective)
        if network.front_scale:
            self.front_scale_ = network.scale_of(theta)
        else:
            self.__dict__.pop("front_scale_", None)
        self.n_layers_ = network.n_layers
        self.n_outputs_ = network.layer_sizes[-1]
        self.out_activation_ = network.output.name
        self._codec().commit(targets)

    # --------------------------------------------------------------- prediction

    def __sklearn_is_fitted__(self):
        return hasattr(self, "coefs_")

    def _validate_X_y(self, X, y, **kwargs):
        """X and y of a fit, validated (``validate_data``'s keywords); the
        tabular estimators encode their raw table here."""
        return prepare.validate_X_y(self, X, y, **kwargs)

    def _validate_X(self, X):
        """X to predict on, validated against the fit and in the model's
        dtype; the tabular estimators encode their raw table here."""
        return validate_data(
            self, X, accept_sparse="csr", dtype=self.coefs_[0].dtype, reset=False
        )

    def _logits(self, X):
        check_is_fitted(self)
        X = self._validate_X(X)
        return self._network.logits(X, self.coefs_, self.intercepts_)

    def transform(self, X: ArrayLike) -> np.ndarray:
        """The activations of the last hidden layer, dropout off: the features
        the network has learnt, for the next step of a pipeline.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        A : ndarray of shape (n_samples, hidden_layer_sizes[-1])
            g(z) of the last hidden layer, in the model's dtype.

        Examples
        --------
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.linear_model import LogisticRegression
        >>> from sklearn.pipeline import make_pipeline
        >>> from sknn import MLPClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> mlp = MLPClassifier((16, 4), max_iter=50, random_state=0).fit(X, y)
        >>> mlp.transform(X).shape
        (150, 4)
        >>> mlp.get_feature_names_out()
        array(['mlpclassifier0', 'mlpclassifier1', 'mlpclassifier2',
               'mlpclassifier3'], dtype=object)
        """
        if (lazy := _dask.maybe_blockwise(self, "transform", X)) is not None:
            return lazy  # a Dask collection: block by block on the workers
        check_is_fitted(self)
        if self.n_layers_ < 3:
            raise ValueError(
                f"transform returns the activations of the last hidden layer, and "
                f"this {type(self).__name__} has no hidden layer "
                f"(hidden_layer_sizes={self.hidden_layer_sizes!r}): fit it with at "
                "least one hidden layer, e.g. hidden_layer_sizes=(32,)."
            )
        X = self._validate_X(X)
        return self._network.hidden_activations(X, self.coefs_, self.intercepts_)

    @property
    def _n_features_out(self):
        """Units of the last hidden layer (``get_feature_names_out``)."""
        return self.coefs_[-1].shape[0]

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
        # transform keeps float32 and float64 input as it is, or gives the
        # dtype the user asked for
        tags.transformer_tags.preserves_dtype = (
            ["float64", "float32"] if self.dtype is None else [self.dtype]
        )
        return tags

    def __getstate__(self):
        state = super().__getstate__()
        if getattr(self, "_rng", None) is not None:  # loadable by NumPy 1.26 too
            state = {**state, "_rng": portable_generator(self._rng)}
        return state

    def __setstate__(self, state):
        # a model saved by an older sknn lacks what was added since
        super().__setstate__(upgrade_state(self, state))
