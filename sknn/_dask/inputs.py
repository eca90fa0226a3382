"""Dask collections as training data: checked, encoded, aligned, kept where
they live.

``validated`` is the Dask path's ``prepare.validated``: the same checks and
errors as in memory, made on a summary of the data that the workers compute
in one pass (each column's minimum and maximum, y's distinct labels and
their counts or its range, the weights' minimum, maximum, smallest positive
value and sum), never on the rows themselves:

- X: a Dask array chunked along rows only (chunked columns are refused, with
  the fix ``X.rechunk({1: -1})``) or a Dask DataFrame of numeric columns;
  its feature names and number of columns are checked (or set) by
  scikit-learn's ``validate_data`` on a one-row probe made from its
  metadata; NaN, infinity and values too large for the dtype are refused
  from the columns' extremes. Unknown partition lengths (every DataFrame's)
  are computed once on the workers (``to_dask_array(lengths=True)``).
- y and ``sample_weight``: Dask arrays or Series of X's length, rechunked to
  X's row chunks (positionally, as NumPy pairs rows), or in-memory arrays cut
  into X's chunks; a different number of rows is refused.
- The classes are y's distinct labels (one distributed ``unique``) or
  ``classes=``; the target codec checks them exactly as it checks an
  in-memory y, on a stand-in holding each distinct label once (a regressor's:
  each column's minimum and maximum). ``class_weight="balanced"`` comes from
  the distributed counts.

The targets T and the weights (sample weight times class weight) are then
computed block by block from y, lazily, with the codec's own encoding.
"""

from dataclasses import dataclass, replace
from functools import partial

import dask.array as da
import numpy as np
import pandas as pd
from sklearn.utils import assert_all_finite
from sklearn.utils.validation import check_non_negative, column_or_1d, validate_data

from .._base.params import fit_dtype
from .._base.prepare import check_magnitude, check_weight_summary
from .._base.targets import class_indices, class_weight_vector
from .._training.data import TrainingData
from . import cluster


def probe(X):
    """One row with X's columns and dtypes, for the client-side checks."""
    if not (isinstance(X, da.Array) or hasattr(type(X), "to_dask_array")):
        raise TypeError(
            f"sknn works on Dask arrays and Dask DataFrames; got a Dask "
            f"{type(X).__name__}: convert it to one of them, or compute it "
            "into memory first."
        )
    if hasattr(type(X), "_meta_nonempty"):  # DataFrame or Series: pandas metadata
        return X._meta_nonempty.iloc[:1]
    return np.zeros((1, *X.shape[1:]), dtype=X.dtype)


def row_blocks(X):
    """X as a Dask array chunked along rows only, with known chunk lengths."""
    if hasattr(type(X), "to_dask_array"):
        # a DataFrame's partition lengths are unknown: one pass on the workers
        # counts them, so the results' chunks are known
        return X.to_dask_array(lengths=True)
    if X.ndim == 2 and len(X.chunks[1]) > 1:
        raise ValueError(
            f"X is chunked along its columns ({len(X.chunks[1])} chunks on axis "
            "1); sknn works block by block on whole rows: rechunk it to one "
            "chunk of columns with X.rechunk({1: -1})."
        )
    if any(np.isnan(n) for n in X.chunks[0]):
        X = X.compute_chunk_sizes()  # one pass on the workers
    return X


def aligned(v, chunks, name):
    """``y`` or ``sample_weight`` (Dask or in memory) with X's row chunks."""
    if hasattr(type(v), "to_dask_array"):  # Dask Series or DataFrame
        if isinstance(getattr(v, "dtype", None), pd.StringDtype):
            # Dask stores string labels as pandas strings (its convert-string
            # setting); as NumPy they are objects, which it would warn about
            v = v.astype(object)
        v = v.to_dask_array(lengths=True)
    elif isinstance(v, da.Array):
        if any(np.isnan(n) for n in v.chunks[0]):
            v = v.compute_chunk_sizes()
    else:
        v = np.asarray(v)
    n = sum(chunks)
    if v.ndim == 0 or v.shape[0] != n:
        raise ValueError(
            f"{name} has {v.shape[0] if v.ndim else 0} rows and X has {n}: "
            f"give one {name} row per row of X."
        )
    if isinstance(v, da.Array):
        return v.rechunk({0: chunks, **{axis: -1 for axis in range(1, v.ndim)}})
    return da.from_array(v, chunks=(chunks, *v.shape[1:]))


@dataclass(frozen=True)
class DaskTrainingData(TrainingData):
    """``TrainingData`` whose X, targets T and weights are Dask arrays with
    the same row chunks. ``y`` is the stand-in the codec checked (each
    distinct label once; a regressor's column extremes), ``targets.T`` the
    Dask targets and ``targets.class_weight`` None: the class weights are
    in ``weights``, and per class in ``class_weights``."""

    class_weights: np.ndarray | None = None
    total_weight: float = 0.0


def checked_X(estimator, X, *, reset, dtype):
    """X as a row-chunked Dask array of the fit's dtype, its columns checked
    (and, with ``reset``, recorded) as ``validate_data`` does in memory."""
    row = validate_data(estimator, probe(X), reset=reset, dtype=dtype)
    X = row_blocks(X)
    if not isinstance(X._meta, np.ndarray):
        raise TypeError(
            f"sknn trains on dense Dask arrays; the blocks of X are "
            f"{type(X._meta).__name__}: convert them with "
            "X.map_blocks(lambda b: b.toarray())."
        )
    return X.astype(row.dtype, copy=False)


def _label_summary(y):
    """What the workers reduce a classifier's y to: its distinct labels and
    how many rows hold each (the values of every column for a 2-D y)."""
    if y.ndim == 1:
        return da.unique(y, return_counts=True)
    return da.unique(y.ravel()), None


def _range_summary(v):
    """Each column's minimum and maximum (NaN and infinities show there)."""
    return da.min(v, axis=0), da.max(v, axis=0)


def _weight_summary(w):
    """Minimum, maximum, Σw and the smallest positive weight."""
    positive = da.where(w > 0, w, np.inf)
    return da.min(w), da.max(w), da.sum(w), da.min(positive)


def _check_weights(summary, dtype, name, argument):
    """The in-memory checks of ``sample_weight`` from its summary."""
    smallest, largest, total, smallest_positive = summary
    assert_all_finite(np.array([smallest, largest]), input_name=argument)
    check_non_negative(np.array([smallest]), f"`{argument}`")
    check_weight_summary(
        dtype,
        total,
        None if not np.isfinite(smallest_positive) else smallest_positive,
        name,
    )


def _check_X(estimator, summary, dtype):
    low, high = summary
    stand_in = np.array([low, high], dtype=dtype)
    assert_all_finite(stand_in, input_name="X", estimator_name=_name(estimator))
    check_magnitude(stand_in)


def _standin(estimator, y, summary, X_dtype):
    """An in-memory y the codec checks as it would check ``y``."""
    if estimator._y_numeric:  # regressor: each column's extremes
        low, high = summary
        stand_in = np.array([low, high], dtype=np.float64)
        assert_all_finite(stand_in, input_name="y", estimator_name=_name(estimator))
        check_magnitude(stand_in, "y", X_dtype)
        return stand_in
    labels, _ = summary
    if y.ndim == 2:  # every column holds every label once
        return np.repeat(labels[:, None], y.shape[1], axis=1)
    return labels


def _name(estimator):
    return type(estimator).__name__


def _one_column(y):
    """A one-column y made 1-D, with scikit-learn's warning."""
    if y.ndim == 2 and y.shape[1] == 1:
        column_or_1d(np.zeros((1, 1)), warn=True)
        return y[:, 0]
    return y


def encoded(codec, targets, y, dtype, name):
    """The targets T of ``y``, block by block (lazy), by the codec's own
    encoding (``row_encoder``)."""
    encode = codec.row_encoder(targets, dtype, name)
    sample = encode(_two_labels(y, targets))  # the encoding's shape and dtype
    if sample.ndim == 1:
        return y.map_blocks(encode, dtype=sample.dtype, meta=sample[:0])
    return y.map_blocks(
        encode,
        chunks=(y.chunks[0], (sample.shape[1],)),
        new_axis=None if y.ndim == 2 else 1,
        dtype=sample.dtype,
        meta=sample[:0],
    )


def _two_labels(y, targets):
    """Two valid rows of y's kind."""
    if targets.classes is None or y.ndim == 2:  # values, or a label matrix
        return np.zeros((2, *y.shape[1:]), dtype=y.dtype)
    return np.asarray(targets.classes[:2])


def _sample_class_weights(y, classes, class_weights, dtype, name):
    """Each row's class weight, block by block (lazy)."""
    factors = class_weights.astype(dtype)
    return y.map_blocks(
        partial(_class_weights, factors=factors, classes=classes, name=name),
        dtype=dtype,
        meta=np.empty(0, dtype),
    )


def _class_weights(block, factors, classes, name):
    return factors[class_indices(block, classes, name)]


def labelled_rows(
    estimator, X, y, sample_weight, *, dtype, targets_of, weight_name, argument,
    class_weights_of,
):  # fmt: skip
    """X, y and the weights aligned and (when they fit) persisted; their
    summary, computed in one pass; the targets and weights that follow.

    ``targets_of(stand_in, summary)`` gives the codec's ``Targets`` of the
    stand-in; ``class_weights_of(targets, summary)`` the weight of each class
    (or None).
    """
    chunks = X.chunks[0]
    y = _one_column(aligned(y, chunks, argument.replace("sample_weight", "y")))
    w = None
    if sample_weight is not None:
        w = aligned(sample_weight, chunks, argument).astype(dtype)
    X, y, w = cluster.persisted(X, y, w)
    numeric = estimator._y_numeric
    y_for_summary = y.astype(np.float64) if numeric else y
    summaries = (
        _range_summary(X),
        _range_summary(y_for_summary) if numeric else _label_summary(y),
        None if w is None else _weight_summary(w),
    )
    X_summary, y_summary, w_summary = cluster.compute(*summaries)  # one pass
    _check_X(estimator, X_summary, dtype)
    if w_summary is not None:
        _check_weights(w_summary, dtype, weight_name, argument)
    stand_in = _standin(estimator, y, y_summary, dtype)
    targets = targets_of(stand_in, y_summary)
    class_weights = class_weights_of(targets, y_summary)
    codec = estimator._codec()
    y_name = "y" if argument == "sample_weight" else "y_val"
    T = encoded(codec, targets, y, dtype, y_name)
    weights, total = w, None
    if class_weights is not None and not np.all(class_weights == 1):
        factors = _sample_class_weights(
            y, targets.classes, class_weights, dtype, y_name
        )
        weights = factors if w is None else w * factors
        # the weights J divides by: one more pass, over y (and w)
        (summary,) = cluster.compute(_weight_summary(weights))
        check_weight_summary(
            dtype, summary[2],
            None if not np.isfinite(summary[3]) else summary[3], weight_name,
        )  # fmt: skip
        total = float(summary[2])
    elif w is not None:
        smallest, largest, w_total, _ = w_summary
        total = float(w_total)
        if smallest == largest == 1:
            weights = None
    if weights is None:
        total = X.shape[0]
    T, weights = cluster.persisted(T, weights)
    targets = replace(targets, T=T, class_weight=None)
    return X, stand_in, targets, weights, class_weights, total


def validated(estimator, arguments, *, incremental, continuing):
    """``prepare.validated`` for a Dask X: a ``DaskTrainingData``."""
    dtype = fit_dtype(estimator, continuing)
    X = checked_X(estimator, arguments.X, reset=not continuing, dtype=dtype)
    codec = estimator._codec()

    def targets_of(stand_in, summary):
        return codec.encode(
            stand_in, X.dtype, continuing=continuing, incremental=incremental,
            classes=arguments.classes,
        )  # fmt: skip

    def class_weights_of(targets, summary):
        if estimator._y_numeric or estimator.class_weight is None:
            return None
        labels, counts = summary
        return class_weight_vector(
            estimator.class_weight, targets.classes, labels, targets.kind, counts
        )

    X, stand_in, targets, weights, class_weights, total = labelled_rows(
        estimator, X, arguments.y, arguments.sample_weight, dtype=X.dtype,
        targets_of=targets_of, weight_name="sample_weight (times class_weight)",
        argument="sample_weight", class_weights_of=class_weights_of,
    )  # fmt: skip
    return DaskTrainingData(
        X, stand_in, targets, weights, class_weights=class_weights,
        total_weight=total,
    )  # fmt: skip


def validation_data(estimator, data, arguments):
    """``prepare._explicit_validation`` for the Dask path: X_val and y_val
    (Dask or in memory) as a ``DaskTrainingData`` encoded like the training
    targets, weighted by the training classes' weights."""
    if arguments.y_val is None:
        raise ValueError("X_val needs y_val.")
    X_val = arguments.X_val
    if not (isinstance(X_val, da.Array) or hasattr(type(X_val), "to_dask_array")):
        X_val = _as_dask(estimator, X_val)
    X_val = checked_X(estimator, X_val, reset=False, dtype=data.X.dtype)
    codec = estimator._codec()

    def targets_of(stand_in, summary):
        return codec.encode_validation(stand_in, data)

    def class_weights_of(targets, summary):
        return data.class_weights

    X_val, stand_in, targets, weights, _, total = labelled_rows(
        estimator, X_val, arguments.y_val, arguments.sample_weight_val,
        dtype=data.X.dtype, targets_of=targets_of, weight_name="sample_weight_val",
        argument="sample_weight_val", class_weights_of=class_weights_of,
    )  # fmt: skip
    return DaskTrainingData(X_val, stand_in, targets, weights, total_weight=total)


def _as_dask(estimator, X):
    """An in-memory X_val as a one-block Dask array (a DataFrame as a one-
    partition Dask DataFrame, keeping its column names)."""
    if hasattr(X, "iloc"):
        import dask.dataframe as dd

        return dd.from_pandas(X, npartitions=1)
    return da.from_array(np.asarray(X), chunks=-1)
