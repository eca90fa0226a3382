"""``fit``'s arguments → one ``FitInput``, whoever gave the hold-out.

``fit(X, y, sample_weight, X_val=, y_val=, sample_weight_val=)`` and
``partial_fit`` hand their arguments over once, as ``FitArguments``. Two steps
turn them into the ``FitInput`` everything below works from, the same shape
whether the hold-out was split off (``validation_fraction``) or given
(``X_val``), as scikit-learn's HistGradientBoosting converges on six names at
the top of ``fit``:

1. ``validated``: X checked and converted, y encoded by the estimator's target
   codec, the sample weights times the class weights (``TrainingData``);
2. ``hold_out``: the training and validation ``Rows``, and the same rows as
   the user gave them (``GivenRows``) for scikit-learn's scorers and callbacks.

The network's initial weights are drawn between the two, from the generator
that then draws the split: that order of the random stream is the model's.
No raw ``sample_weight`` and no row index travels past this module.
"""

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.model_selection import train_test_split
from sklearn.utils.validation import column_or_1d, validate_data

from .._training.data import Rows, TrainingData
from .compat import _check_sample_weight, _safe_indexing
from .params import fit_dtype


@dataclass(frozen=True)
class FitArguments:
    """What ``fit`` or ``partial_fit`` was called with."""

    X: object
    y: object
    sample_weight: object = None
    X_val: object = None
    y_val: object = None
    sample_weight_val: object = None
    classes: object = None  # partial_fit's

    @property
    def explicit_validation(self):
        return self.X_val is not None


@dataclass(frozen=True)
class GivenRows:
    """Rows as the user gave them: raw X, the original y and the validated
    sample weights, indexed only when a scorer or callback asks (``take``)."""

    X: object
    y: np.ndarray
    sample_weight: np.ndarray | None
    index: np.ndarray | None
    description: str

    def take(self):
        """(X, y, sample_weight) of these rows. X keeps its type (a DataFrame
        stays a DataFrame) so scorers see what the user passed; a sparse
        format that cannot index rows (COO, DIA, BSR) comes as CSR, the
        format ``validate_data`` makes of every sparse input."""
        if self.index is None:
            return self.X, self.y, self.sample_weight
        X = self.X
        if sp.issparse(X) and X.format not in ("csr", "csc"):
            X = X.tocsr()
        weights = None if self.sample_weight is None else self.sample_weight[self.index]
        return _safe_indexing(X, self.index), self.y[self.index], weights


@dataclass(frozen=True)
class FitInput:
    """The one result of preparing a call: every name below ``fit`` uses."""

    data: TrainingData  # every training row, validated and encoded
    train: Rows
    validation: Rows | None
    given_train: GivenRows  # the training rows as given, for the callbacks
    given_validation: GivenRows | None  # the hold-out as given, for scorers


def validated(estimator, arguments, *, incremental, continuing):
    """``TrainingData`` of the training rows: X validated, y encoded by the
    estimator's codec, the sample weights (class weights included; None when
    every weight is 1)."""
    X, y = estimator._validate_X_y(
        arguments.X,
        arguments.y,
        reset=not continuing,
        dtype=fit_dtype(estimator, continuing),
        y_numeric=estimator._y_numeric,
    )
    check_magnitude(X)
    if estimator._y_numeric:
        check_magnitude(y, "y", X.dtype)
    targets = estimator._codec().encode(
        y,
        X.dtype,
        continuing=continuing,
        incremental=incremental,
        classes=arguments.classes,
    )
    weights = sample_weights(
        arguments.sample_weight, X, targets, "sample_weight (times class_weight)"
    )
    return TrainingData(X, y, targets, weights)


def validate_X_y(estimator, X, y, **kwargs):
    """``validate_data`` for X and y, a one-column y made 1-D."""
    X, y = validate_data(
        estimator, X, y, accept_sparse="csr", multi_output=True, **kwargs
    )
    return X, _one_column_as_1d(y)


def validate_y(estimator, y, *, y_numeric):
    """``validate_data`` for y alone (X is checked by the caller), a
    one-column y made 1-D: the tabular estimators' X is a raw table."""
    y = validate_data(
        estimator, "no_validation", y, multi_output=True, y_numeric=y_numeric
    )
    return _one_column_as_1d(y)


def _one_column_as_1d(y):
    if y.ndim == 2 and y.shape[1] == 1:
        y = column_or_1d(y, warn=True)
    return y


def hold_out(estimator, data, arguments, fraction, *, incremental, rng):
    """The ``FitInput`` of this call: training and validation rows, split off
    by ``fraction`` (drawing from ``rng``) or given as ``X_val``."""
    # the weights the callbacks see: validated as scikit-learn's fit would
    weights_given = None
    if arguments.sample_weight is not None:
        weights_given = _check_sample_weight(arguments.sample_weight, data.X)
    if arguments.explicit_validation:
        check_explicit_validation(estimator, incremental)
        validation_data = _explicit_validation(estimator, data, arguments)
        train, validation = data.rows(), validation_data.rows()
        given_validation = GivenRows(
            arguments.X_val, arguments.y_val, None, None,
            f"X_val ({len(validation)} rows)",
        )  # fmt: skip
    elif fraction is None or incremental:
        train, validation, given_validation = data.rows(), None, None
    else:
        train, validation = _split(estimator, data, fraction, rng)
        given_validation = GivenRows(
            arguments.X, data.y, None, validation.index,
            f"the validation_fraction hold-out ({len(validation)} rows)",
        )  # fmt: skip
    check_rows(estimator, train, validation, arguments.explicit_validation)
    given_train = GivenRows(
        arguments.X, data.y, weights_given, train.index, "the training rows"
    )
    return FitInput(data, train, validation, given_train, given_validation)


def check_explicit_validation(estimator, incremental):
    """X_val is given to a call that can validate on it."""
    if incremental:
        raise ValueError("partial_fit takes no X_val: it never validates.")
    if estimator.validation_fraction is not None:
        raise ValueError(
            f"validation_fraction={estimator.validation_fraction} and X_val "
            "both give a hold-out: set validation_fraction=None to "
            "validate on X_val, or drop X_val."
        )


def check_rows(estimator, train, validation, explicit):
    if estimator.early_stopping and validation is not None and len(validation) < 2:
        # scikit-learn's words; one row defines no R² and stops on noise
        where = (
            f"Pass at least two rows in X_val (got {len(validation)})."
            if explicit
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


def _explicit_validation(estimator, data, arguments):
    """``TrainingData`` of ``X_val``, ``y_val``, encoded like the training y."""
    if arguments.y_val is None:
        raise ValueError("X_val needs y_val.")
    X_val, y_val = estimator._validate_X_y(
        arguments.X_val, arguments.y_val, reset=False, dtype=data.X.dtype
    )
    targets = estimator._codec().encode_validation(y_val, data)
    weights = sample_weights(
        arguments.sample_weight_val, X_val, targets, "sample_weight_val"
    )
    return TrainingData(X_val, y_val, targets, weights)


def _split(estimator, data, fraction, rng):
    """Training and validation ``Rows``, stratified where the codec says so."""
    n = len(data)
    n_val = math.ceil(fraction * n)
    if n_val >= n:
        raise ValueError(
            f"validation_fraction={fraction} of {n} samples holds out "
            f"{n_val} and leaves none for training: use a smaller "
            "validation_fraction or more data."
        )
    stratify = estimator._codec().stratify(data.targets, data.y)
    try:
        train_index, val_index = train_test_split(
            np.arange(n),
            test_size=fraction,
            stratify=stratify,
            random_state=int(rng.integers(np.iinfo(np.int32).max)),
        )
    except ValueError as error:
        n_classes = len(np.unique(stratify))
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


def sample_weights(sample_weight, X, targets, name):
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
    with np.errstate(over="ignore"):  # an infinite sum is what is checked
        total = weights.sum()
    positive = weights[weights > 0]
    check_weight_summary(
        weights.dtype, total, positive.min() if positive.size else None, name
    )


def check_weight_summary(dtype, total, smallest_positive, name):
    """``_check_weights`` from a summary of the weights (their dtype, Σw and
    smallest positive weight, None when none is positive), which a Dask
    collection's are reduced to where they live."""
    if smallest_positive is None:
        raise ValueError(
            "Sample weights must contain at least one non-zero number: "
            f"{name} is zero for every sample."
        )
    tiny = np.finfo(dtype).tiny
    if not np.isfinite(total) or smallest_positive < tiny:
        raise ValueError(
            f"{name} cannot be used in {np.dtype(dtype).name}: its sum is {total} "
            f"and its smallest positive weight {smallest_positive}. "
            "Rescale sample_weight (e.g. divide it by its mean)."
        )


def check_magnitude(values, name="X", dtype=None):
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


def data_hint(estimator, data):
    """What to scale when J(Θ) cannot be computed from the first weights."""
    X = data.X.data if sp.issparse(data.X) else data.X
    largest_X = float(np.max(np.abs(X))) if X.size else 0.0
    if not estimator._y_numeric:
        return f"the features X reach {largest_X:.3g} in magnitude: scale them"
    largest_y = float(np.max(np.abs(data.y))) if data.y.size else 0.0
    return (
        f"the targets y reach {largest_y:.3g} in magnitude (the features X "
        f"{largest_X:.3g}): scale y, e.g. with sklearn.compose."
        "TransformedTargetRegressor(transformer=StandardScaler())"
    )
