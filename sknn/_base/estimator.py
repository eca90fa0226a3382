"""``BaseMLP``: what ``MLPClassifier`` and ``MLPRegressor`` share.

It holds the scikit-learn glue of both estimators: the parameters and their
validation, the transaction (a failed call changes nothing), the plan of a
call (data, hold-out, network, optimiser, schedule, observers), the commit of
the fitted attributes, ``partial_fit`` and ``warm_start`` continuation, the
prediction plumbing and ``summary()``.

An estimator adds only what differs: how y becomes the targets T
(``_encode_targets``), how outputs become predictions, which metric an epoch
reports (``_make_metric``), whether the hold-out is stratified
(``_stratify``), its own parameters and its docstrings.
"""

import copy
import inspect
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator
from sklearn.model_selection import train_test_split
from sklearn.utils.validation import (
    check_is_fitted,
    check_random_state,
    column_or_1d,
    validate_data,
)

from .._exceptions import warn_user
from .._math.activations import ALIASES
from .._math.network import Backprop, Network
from .._math.optimizers import make_optimizer
from .._math.schedules import Schedule, ScheduleState
from .._training.data import TrainingData
from .._training.history import History
from .._training.loop import LBFGSError, Plan, run, warn_if_not_converged
from .._training.observers import (
    DivergenceGuard,
    HistoryLog,
    LearningRate,
    ProgressLine,
    Stopping,
    Validation,
)
from .callbacks import SklearnCallbacks
from .compat import (
    CallbackSupportMixin,
    Interval,
    InvalidParameterError,
    StrOptions,
    _check_sample_weight,
    with_callbacks,
)
from .scoring import (
    HoldOutScores,
    check_scorer_names,
    make_scorer,
    rows_as_given,
    scorer_names,
)
from .summary import layer_table

GRADIENT_SOLVERS = ("sgd", "rmsprop", "adam")
DTYPES = {"float32": np.float32, "float64": np.float64}


@dataclass(frozen=True)
class Settings:
    """The validated parameters in the form the training code uses."""

    hidden: tuple
    activation: str
    dropout: tuple
    validation_fraction: float | None


def _as_tuple(value):
    return tuple(np.ravel(value).tolist()) if not np.isscalar(value) else (value,)


def signature_with(base_init, **extra):
    """The signature of an estimator's ``__init__``: ``base_init``'s parameters
    plus the keyword-only ``extra`` ones with their defaults.

    scikit-learn reads an estimator's parameters from this signature
    (``get_params``, ``clone``, ``repr``), and so do ``help()`` and the
    documentation; setting it keeps the shared parameters written once.
    """
    params = list(inspect.signature(base_init).parameters.values())
    params += [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default)
        for name, default in extra.items()
    ]
    return inspect.Signature(params)


def _call(estimator, method, *args, **kwargs):
    return method(*args, **kwargs)


# scikit-learn >= 1.9: fit sets up and tears down the callbacks of
# ``set_callbacks`` (teardown runs even when fit fails)
_call_with_callbacks = _call if with_callbacks is None else with_callbacks(_call)
_CALLBACK_BASES = () if CallbackSupportMixin is None else (CallbackSupportMixin,)


class BaseMLP(*_CALLBACK_BASES, BaseEstimator):
    """Shared parameters and machinery of sknn's estimators (not public)."""

    _y_numeric = False  # the regressor has validate_data make y numeric

    _parameter_constraints = {
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [StrOptions({"relu", "logistic", "sigmoid", "tanh", "identity"})],
        "solver": [StrOptions({"sgd", "rmsprop", "adam", "lbfgs"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "learning_rate_schedule": [
            StrOptions({"constant", "invscaling", "adaptive", "cosine"}),
            callable,
        ],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left"), "array-like"],
        "early_stopping": ["boolean"],
        "early_stopping_metric": [str],
        "scoring": [str, callable, list, tuple, dict, None],
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
        "dtype": [StrOptions(set(DTYPES)), None],
    }

    def __init__(
        self,
        hidden_layer_sizes: int | Sequence[int] = (100,),
        activation: str = "relu",
        *,
        solver: str = "adam",
        alpha: float = 1e-4,
        learning_rate: float = 1e-3,
        learning_rate_schedule: str | Callable[[int, float], float] = "constant",
        power_t: float = 0.5,
        batch_size: int | str = "auto",
        max_iter: int = 200,
        max_fun: int = 15000,
        dropout: float | Sequence[float] = 0.0,
        early_stopping: bool = False,
        early_stopping_metric: str = "loss",
        scoring: str | Callable | Sequence[str] | dict | None = None,
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
        dtype: str | None = None,
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.learning_rate = learning_rate
        self.learning_rate_schedule = learning_rate_schedule
        self.power_t = power_t
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.max_fun = max_fun
        self.dropout = dropout
        self.early_stopping = early_stopping
        self.early_stopping_metric = early_stopping_metric
        self.scoring = scoring
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
        self.dtype = dtype

    # ------------------------------------------------- what an estimator adds

    def _encode_targets(self, y, dtype, *, continuing, incremental, classes):
        """``Targets`` for ``y``, checked against the fitted model when
        ``continuing``."""
        raise NotImplementedError

    def _make_metric(self, output):
        """A fresh accumulator of the epoch metric (``_metrics``)."""
        raise NotImplementedError

    def _stratify(self, targets, y):
        """The labels to stratify the hold-out by, or None."""
        return None

    def _commit_targets(self, targets):
        """Store what predictions need to know about the targets."""
        self._target_kind = targets.kind

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
        return self._transaction(
            self._fit,
            X,
            y,
            sample_weight,
            incremental=False,
            val=(X_val, y_val, sample_weight_val),
        )

    def _check_gradient_solver(self):
        if self.solver not in GRADIENT_SOLVERS:
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

    def _invalid(self, name, requirement):
        return InvalidParameterError(
            f"The {name!r} parameter of {type(self).__name__} must be "
            f"{requirement}. Got {getattr(self, name)!r} instead."
        )

    def _settings(self):
        """Validate the parameters; the ones the training code reshapes."""
        self._validate_params()
        for name in ("batch_size", "max_iter", "max_fun", "n_iter_no_change"):
            if isinstance(getattr(self, name), bool):  # bool passes as Integral
                raise self._invalid(name, "an int, not a bool")
        try:
            hidden = _as_tuple(self.hidden_layer_sizes)
            flat = np.ndim(self.hidden_layer_sizes) <= 1
        except ValueError:  # ragged nested sequences
            hidden, flat = (), False
        if not flat or not all(
            isinstance(n, Integral) and not isinstance(n, bool) and n >= 1
            for n in hidden
        ):
            raise self._invalid(
                "hidden_layer_sizes",
                "positive integers, one per hidden layer (a flat tuple)",
            )
        if np.isscalar(self.dropout):
            dropout = (float(self.dropout),) * len(hidden)
        else:
            try:
                flat = np.ndim(self.dropout) == 1
            except ValueError:
                flat = False
            dropout = _as_tuple(self.dropout) if flat else ()
            if (
                not flat
                or len(dropout) != len(hidden)
                or not all(
                    isinstance(r, Real) and not isinstance(r, bool) and 0 <= r < 1
                    for r in dropout
                )
            ):
                raise self._invalid(
                    "dropout",
                    "a float in [0, 1) or a flat tuple of such floats, one per "
                    f"hidden layer ({len(hidden)} here)",
                )
        if self.solver == "lbfgs" and any(dropout):
            raise ValueError(
                "dropout needs a gradient solver ('sgd', 'rmsprop' or 'adam'): "
                "L-BFGS cannot minimise a cost that changes at every evaluation. "
                "Set dropout=0.0 or choose another solver."
            )
        if (
            self.learning_rate_schedule == "adaptive"
            and self.n_iter_no_change is None
            and self.solver != "lbfgs"
        ):
            raise ValueError(
                "learning_rate_schedule='adaptive' lowers the rate where the "
                "stopping rule would stop, so it needs n_iter_no_change (an int); "
                "got n_iter_no_change=None."
            )
        fraction = self.validation_fraction
        if fraction is None and self.early_stopping:
            fraction = 0.1
        return Settings(
            hidden=tuple(int(n) for n in hidden),
            activation=ALIASES.get(self.activation, self.activation),
            dropout=tuple(dropout),
            validation_fraction=fraction,
        )

    def _fit_dtype(self, continuing, incremental):
        """The dtype(s) ``validate_data`` may leave X in."""
        if continuing and self.dtype is None:
            # a model keeps its dtype across chunks and warm starts, unless
            # the user asks for another one
            return self.coefs_[0].dtype
        if self.dtype is not None:
            return DTYPES[self.dtype]
        return [np.float64, np.float32]  # float32 stays, the rest → float64

    def _fit(self, X, y, sample_weight, *, incremental, classes=None, val=None):
        if incremental:  # callbacks follow fit only
            return self._train(X, y, sample_weight, True, classes, val)
        return _call_with_callbacks(
            self, self._train, X, y, sample_weight, False, classes, val
        )

    def _train(self, X, y, sample_weight, incremental, classes, val):
        settings = self._settings()
        self._check_monitor()
        fitted = hasattr(self, "coefs_")
        continuing = fitted and (incremental or self.warm_start)
        data = self._training_data(
            X, y, sample_weight, classes, incremental, continuing
        )
        targets = data.targets
        first_epoch = self.n_iter_ + 1 if continuing else 1
        network = Network(
            (data.X.shape[1], *settings.hidden, targets.n_outputs),
            settings.activation,
            targets.output,
            settings.dropout,
        )
        rng = self._generator(continuing and incremental)
        if continuing:
            self._check_same_architecture(network)
            theta = network.pack(self.coefs_, self.intercepts_, data.X.dtype)
        else:
            theta = network.initialize(rng, data.X.dtype)

        train, validation = self._rows(data, settings, incremental, val, rng)
        plan = self._plan(
            network, data, train, validation, incremental, rng, first_epoch
        )

        def snapshot(theta):
            return self._snapshot(network, theta, targets)

        scores = self._hold_out_scores(X, data, validation, val, snapshot, incremental)
        callbacks = self._callbacks(X, data, sample_weight, plan, snapshot, incremental)
        schedule = self._schedule(plan, continuing, incremental)
        stopping = self._stopping(plan, incremental, schedule)
        guard = DivergenceGuard(schedule, lambda: self._data_hint(data))
        history = History(
            copy.deepcopy(dict(self.history_)) if continuing else {}
        )
        observers = [
            LearningRate(schedule, self.t_ if continuing else 0, plan.first_epoch - 1)
            if schedule is not None
            else None,
            Validation(plan.batch_size, scores) if validation is not None else None,
            stopping,
            HistoryLog(history),
            callbacks,
            guard,
            ProgressLine(self.verbose, len(train)),
        ]
        try:
            result = run(plan, theta, [o for o in observers if o is not None])
        except LBFGSError as error:
            if error.result.status == 0 and continuing:
                # a warm start from weights that already meet tol: nothing to
                # learn, and nothing changes
                if callbacks is not None:
                    callbacks.end_fit()
                return self
            raise self._no_lbfgs_step(error, data) from None
        warn_if_not_converged(plan, result, stopping.patience)
        # training succeeded: only now does the estimator change
        self._commit(network, result, history, stopping, continuing, len(train))
        self._set_model(network, result.theta.copy(), targets)
        self._optimizer, self._rng = plan.optimizer, rng
        self._schedule_state = None if schedule is None else schedule.state
        if callbacks is not None:
            try:
                callbacks.end_fit()
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
        hint = self._data_hint(data)
        return ValueError(
            f"L-BFGS accepted no step from the initial weights (status="
            f"{result.status}: {result.message}); J(Θ) there is "
            f"{error.initial_loss:.4g}. {hint[0].upper()}{hint[1:]}."
        )

    def _data_hint(self, data):
        """What to scale when J(Θ) cannot be computed from the first weights."""
        X = data.X.data if sp.issparse(data.X) else data.X
        largest_X = float(np.max(np.abs(X))) if X.size else 0.0
        if not self._y_numeric:
            return f"the features X reach {largest_X:.3g} in magnitude: scale them"
        largest_y = float(np.max(np.abs(data.y))) if data.y.size else 0.0
        return (
            f"the targets y reach {largest_y:.3g} in magnitude (the features X "
            f"{largest_X:.3g}): scale y, e.g. with sklearn.compose."
            "TransformedTargetRegressor(transformer=StandardScaler())"
        )

    def _check_monitor(self):
        """``early_stopping_metric`` is "loss" or a name of ``scoring``, and
        only early stopping monitors it."""
        metric = self.early_stopping_metric
        if metric == "loss":
            return
        if not self.early_stopping:
            raise ValueError(
                f"early_stopping_metric={metric!r} says what early stopping "
                "monitors, but early_stopping=False: set early_stopping=True, or "
                "leave early_stopping_metric='loss'."
            )
        names = scorer_names(self.scoring)
        if names is not None and metric not in names:
            raise ValueError(
                f"early_stopping_metric={metric!r} is neither 'loss' nor a name "
                f"of scoring={self.scoring!r}: pick one of "
                f"{['loss', *names]}, or add {metric!r} to scoring."
            )

    def _hold_out_scores(self, X, data, validation, val, snapshot, incremental):
        """The scorers of ``scoring`` on the hold-out (as the user gave it),
        or None."""
        if self.scoring is None or incremental:
            return None  # partial_fit never validates
        builtin = self._make_metric(data.targets.output).name
        check_scorer_names(self, self.scoring, builtin)
        if validation is None:
            raise ValueError(
                f"scoring={self.scoring!r} is evaluated on a hold-out after each "
                "epoch, and this fit has none: set validation_fraction (or "
                "early_stopping=True), or pass X_val and y_val."
            )
        scorer = make_scorer(self, self.scoring)
        if val is not None and val[0] is not None:
            X_val, y_val = val[0], val[1]
            hold_out = f"X_val ({len(validation)} rows)"
        else:
            X_val = rows_as_given(X, validation.index)
            y_val = data.y[validation.index]
            hold_out = f"the validation_fraction hold-out ({len(validation)} rows)"
        return HoldOutScores(
            scorer, X_val, y_val, snapshot, self.scoring, builtin, hold_out,
            type(self).__name__,
        )  # fmt: skip

    def _callbacks(self, X, data, sample_weight, plan, snapshot, incremental):
        """The observer that calls scikit-learn's callbacks, or None."""
        if CallbackSupportMixin is None or incremental:
            return None
        index = plan.train.index

        def training_rows():
            rows_X = rows_as_given(X, index)
            rows_y = data.y if index is None else data.y[index]
            metadata = {}
            if sample_weight is not None:
                weights = _check_sample_weight(sample_weight, data.X)
                metadata["sample_weight"] = weights if index is None else weights[index]
            return rows_X, rows_y, metadata

        # L-BFGS asks for one more iteration than it takes
        max_subtasks = plan.max_epochs + (plan.optimizer is None)
        return SklearnCallbacks(self, max_subtasks, training_rows, snapshot)

    def _snapshot(self, network, theta, targets):
        """A copy of the estimator that predicts with ``theta`` (views, not
        copies); the estimator itself is left as it is."""
        snapshot = type(self).__new__(type(self))
        snapshot.__dict__.update(self.__dict__)
        snapshot._set_model(network, theta, targets)
        return snapshot

    def _set_model(self, network, theta, targets):
        """The attributes predictions read: the network, its weights as views
        of ``theta`` and what the targets were."""
        self._network = network
        self.coefs_, self.intercepts_ = network.unpack(theta)
        self.n_layers_ = network.n_layers
        self.n_outputs_ = network.layer_sizes[-1]
        self.out_activation_ = network.output.name
        self._commit_targets(targets)

    def _training_data(self, X, y, sample_weight, classes, incremental, continuing):
        """Validated X, the targets and the sample weights (class weights
        included; None when every weight is 1)."""
        X, y = self._validate_X_y(
            X,
            y,
            reset=not continuing,
            dtype=self._fit_dtype(continuing, incremental),
            y_numeric=self._y_numeric,
        )
        _check_magnitude(X)
        if self._y_numeric:
            _check_magnitude(y, "y", X.dtype)
        targets = self._encode_targets(
            y, X.dtype, continuing=continuing, incremental=incremental, classes=classes
        )
        weights = _weights(
            sample_weight, X, targets, "sample_weight (times class_weight)"
        )
        return TrainingData(X, y, targets, weights)

    def _validate_X_y(self, X, y, **kwargs):
        """``validate_data`` for X and y, a one-column y made 1-D."""
        X, y = validate_data(
            self, X, y, accept_sparse="csr", multi_output=True, **kwargs
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        return X, y

    def _rows(self, data, settings, incremental, val, rng):
        """The training and validation ``Rows`` of this call."""
        fraction = None if incremental else settings.validation_fraction
        if val is not None and val[0] is not None:
            if incremental:
                raise ValueError("partial_fit takes no X_val: it never validates.")
            if self.validation_fraction is not None:
                raise ValueError(
                    f"validation_fraction={self.validation_fraction} and X_val "
                    "both give a hold-out: set validation_fraction=None to "
                    "validate on X_val, or drop X_val."
                )
            validation = self._validation_rows(data, *val)
            train = data.rows()
        elif fraction is None:
            train, validation = data.rows(), None
        else:
            train, validation = self._split(data, fraction, rng)
        if self.early_stopping and validation is not None and len(validation) < 2:
            # scikit-learn's words; one row defines no R² and stops on noise
            where = (
                f"Pass at least two rows in X_val (got {len(validation)})."
                if val is not None and val[0] is not None
                else "Increase 'validation_fraction' or the size of your dataset."
            )
            raise ValueError(f"The validation set is too small. {where}")
        if train.total_weight <= 0:
            raise ValueError(
                "The training part holds no positive sample weight: every row "
                "with a weight above zero was held out for validation. Use a "
                "smaller validation_fraction, pass X_val, or check sample_weight."
            )
        if validation is not None and validation.total_weight <= 0:
            raise ValueError(
                "The validation rows hold no positive sample weight, so their "
                "loss is undefined: give some of them a weight above zero."
            )
        return train, validation

    def _validation_rows(self, data, X_val, y_val, sample_weight_val):
        """``Rows`` of an explicit validation set, encoded like the training y."""
        if y_val is None:
            raise ValueError("X_val needs y_val.")
        X_val, y_val = self._validate_X_y(
            X_val, y_val, reset=False, dtype=data.X.dtype
        )
        targets = self._encode_validation_targets(y_val, data)
        weights = _weights(sample_weight_val, X_val, targets, "sample_weight_val")
        return TrainingData(X_val, y_val, targets, weights).rows()

    def _encode_validation_targets(self, y_val, data):
        raise NotImplementedError

    def _split(self, data, fraction, rng):
        """Training and validation ``Rows``, stratified where the estimator
        says so."""
        n = len(data)
        n_val = math.ceil(fraction * n)
        if n_val >= n:
            raise ValueError(
                f"validation_fraction={fraction} of {n} samples holds out "
                f"{n_val} and leaves none for training: use a smaller "
                "validation_fraction or more data."
            )
        try:
            train_index, val_index = train_test_split(
                np.arange(n),
                test_size=fraction,
                stratify=self._stratify(data.targets, data.y),
                random_state=int(rng.integers(np.iinfo(np.int32).max)),
            )
        except ValueError as error:
            n_classes = len(np.unique(self._stratify(data.targets, data.y)))
            if n - n_val < n_classes:  # too few rows left for training
                advice = "Use a smaller validation_fraction, more data"
            elif n_val < n_classes:
                advice = "Use a larger validation_fraction, more data"
            else:  # a class too rare to be in both parts
                advice = "Use more data"
            raise ValueError(
                f"validation_fraction={fraction} cannot hold out a validation set "
                f"with every class of y in it: {error} {advice}, or "
                "validation_fraction=None."
            ) from error
        train_index.sort()
        val_index.sort()
        return data.rows(train_index), data.rows(val_index)

    def _batch_size(self, n_train):
        if self.solver == "lbfgs":
            return n_train
        if self.batch_size == "auto":
            return min(200, n_train)
        if self.batch_size > n_train:
            warn_user(
                "Got `batch_size` larger than sample size. It is going to be clipped"
            )
            return n_train
        return self.batch_size

    def _plan(self, network, data, train, validation, incremental, rng, first_epoch):
        batch_size = self._batch_size(len(train))
        optimizer = None
        if self.solver != "lbfgs":
            _check_epsilon(self.solver, self.epsilon, data.X.dtype)
            optimizer = make_optimizer(
                self.solver,
                network.n_params,
                data.X.dtype,
                self.get_params(),
                resume=getattr(self, "_optimizer", None) if incremental else None,
                n_coef=network.n_coef,
            )
        return Plan(
            backprop=Backprop(network, batch_size, data.X.dtype, rng),
            optimizer=optimizer,
            train=train,
            validation=validation,
            make_metric=lambda: self._make_metric(network.output),
            alpha=self.alpha,
            batch_size=batch_size,
            max_epochs=1 if incremental else self.max_iter,
            shuffle=self.shuffle,
            rng=rng,
            tol=self.tol,
            max_fun=self.max_fun,
            first_epoch=first_epoch,
        )

    def _stopping(self, plan, incremental, schedule):
        early = self.early_stopping and plan.validation is not None
        # L-BFGS stops on tol as SciPy's gtol, as scikit-learn's does; the
        # patience rule watches only a hold-out there
        lbfgs = plan.optimizer is None
        return Stopping(
            monitor=f"val_{self.early_stopping_metric}" if early else "loss",
            tol=self.tol,
            patience=None if incremental or (lbfgs and not early)
            else self.n_iter_no_change,
            keep_best=early,
            greater_is_better=early and self.early_stopping_metric != "loss",
            # "adaptive" lowers the rate where the rule would stop
            on_plateau=None if schedule is None else schedule.on_plateau,
        )

    def _schedule(self, plan, continuing, incremental):
        """The learning-rate ``Schedule`` of this call (None for L-BFGS)."""
        if plan.optimizer is None:
            return None
        state = getattr(self, "_schedule_state", None) if continuing else None
        if state is None or state.base_rate != self.learning_rate:
            state = ScheduleState(self.learning_rate, self.learning_rate)
        else:
            state = copy.copy(state)  # a failed call leaves the model's alone
            if not incremental:
                state.epochs = 0  # each fit runs its own cosine
        return Schedule(
            self.learning_rate_schedule,
            state,
            self.power_t,
            max_iter=self.max_iter,
            steps_per_epoch=math.ceil(len(plan.train) / plan.batch_size),
        )

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

    def _commit(self, network, result, history, stopping, continuing, n_train):
        """Set the fitted attributes but the model's (``_set_model``); called
        only once training succeeded."""
        self.n_iter_ = (self.n_iter_ if continuing else 0) + result.n_epochs
        self.t_ = (self.t_ if continuing else 0) + n_train * result.n_epochs
        self.history_ = history
        self.loss_curve_ = list(history.get("loss", []))
        self.loss_ = self.loss_curve_[-1] if self.loss_curve_ else None
        if stopping.sign > 0:  # a loss is monitored
            self.best_loss_ = stopping.best_value
            scores = history.get(f"val_{self._make_metric(network.output).name}")
        else:  # a scorer is monitored: its scores, and the best val_loss
            self.best_loss_ = float(np.nanmin(history["val_loss"][-result.n_epochs :]))
            scores = history[stopping.monitor]
        if scores is not None:
            self.validation_scores_ = list(scores)
            defined = [s for s in scores if not np.isnan(s)]  # NaN: undefined
            self.best_validation_score_ = max(defined) if defined else np.nan
        else:
            self.validation_scores_ = None
            self.best_validation_score_ = None

    # --------------------------------------------------------------- prediction

    def __sklearn_is_fitted__(self):
        return hasattr(self, "coefs_")

    def _logits(self, X):
        check_is_fitted(self)
        X = validate_data(
            self, X, accept_sparse="csr", dtype=self.coefs_[0].dtype, reset=False
        )
        return self._network.logits(X, self.coefs_, self.intercepts_)

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
        return tags

    def __setstate__(self, state):
        # a model saved by an older sknn lacks what was added since
        from .._persistence import upgrade_state  # sknn is fully imported by now

        super().__setstate__(upgrade_state(self, state))


def _weights(sample_weight, X, targets, name):
    """The weight of each sample: ``sample_weight`` times the class weights of
    ``targets``, checked; None when every weight is 1 (the unweighted
    arithmetic, bit for bit)."""
    weights = _check_sample_weight(
        sample_weight, X, dtype=X.dtype, ensure_non_negative=True
    )
    if targets.class_weight is not None:
        weights = weights * targets.class_weight.astype(X.dtype)
    _check_weights(weights, name)
    return None if np.all(weights == 1) else weights


def _check_weights(weights, name):
    """Weights J(Θ) can divide by: some positive, none subnormal, Σw finite."""
    if not np.any(weights > 0):
        raise ValueError(
            "Sample weights must contain at least one non-zero number: "
            f"{name} is zero for every sample."
        )
    tiny = np.finfo(weights.dtype).tiny
    with np.errstate(over="ignore"):  # an infinite sum is what is checked
        total = weights.sum()
    if not np.isfinite(total) or np.any((weights > 0) & (weights < tiny)):
        raise ValueError(
            f"{name} cannot be used in {weights.dtype.name}: its sum is {total} "
            f"and its smallest positive weight {weights[weights > 0].min()}. "
            "Rescale sample_weight (e.g. divide it by its mean)."
        )


def _check_magnitude(values, name="X", dtype=None):
    """Features (or regression targets) so large that J(Θ) or its gradient
    overflow (the optimiser squares gradients of the size of X; the squared
    error squares y) need scaling first: |values| < √(dtype max)."""
    dtype = np.dtype(dtype or values.dtype)
    values = values.data if sp.issparse(values) else values
    if values.size == 0:
        return
    limit = np.sqrt(np.finfo(dtype).max)
    largest = max(abs(float(values.max())), abs(float(values.min())))
    if largest >= limit:
        fix = (
            "scale the features first, e.g. with sklearn.preprocessing."
            "StandardScaler"
            if name == "X"
            else "scale the targets first, e.g. with sklearn.compose."
            "TransformedTargetRegressor(transformer=StandardScaler())"
        )
        raise ValueError(
            f"{name} holds values up to {largest:.3g} in magnitude, too large "
            f"to train on in {dtype.name} (limit {limit:.3g}): {fix}."
        )


def _check_epsilon(solver, epsilon, dtype):
    tiny = np.finfo(dtype).tiny
    if solver in ("rmsprop", "adam") and np.dtype(dtype).type(epsilon) < tiny:
        raise ValueError(
            f"epsilon={epsilon:g} is below the smallest normal "
            f"{np.dtype(dtype).name} ({tiny:.3g}), so {solver}'s division by "
            "√s + ε would overflow: raise epsilon (e.g. to 1e-8) or train in "
            "float64."
        )
