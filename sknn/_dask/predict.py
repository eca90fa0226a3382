"""Prediction and scoring on Dask collections, block by block where the data
lives (imports Dask: only ``sknn._dask`` imports this module, and only when
it is handed a Dask collection).

What runs where: the client checks X's columns (names against
``feature_names_in_``, their number, the dtype) by running the method on a
one-row probe made from X's metadata, the way scikit-learn checks an array in
memory, and builds the graph. The workers run the method on each row block of
X, with the fitted model put in the graph once, as one task that every block's
task depends on (Dask ships it to each worker once, not once per block).
Predictions are row-wise, so each block's rows get the values they get in
memory. ``score`` sums per block on the workers and brings back a few numbers.
"""

import uuid
import warnings

import dask
import numpy as np
from sklearn.base import is_classifier
from sklearn.exceptions import UndefinedMetricWarning

from .._base.compat import _get_output_config
from .inputs import aligned, probe, row_blocks

# scikit-learn's warning for an array without column names given to a model
# fitted on a DataFrame: the client's probe has already raised it for the
# collection when it applies, and the workers see the blocks as plain arrays.
_NO_NAMES = "X does not have valid feature names"


def _apply(block, model, method, empty):
    """``model.<method>(block)`` on a worker, as a NumPy array."""
    if block.shape[0] == 0:  # scikit-learn refuses 0 rows; a partition may have
        return empty
    # a block from the network may sit at an odd address: copied once, aligned
    # (see rows.local_rows)
    block = np.require(block, requirements="CA")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_NO_NAMES, category=UserWarning)
        return np.asarray(getattr(model, method)(block))


def blockwise(estimator, method, X):
    """``estimator.<method>(X)`` for a Dask collection X: a lazy Dask array
    with X's row chunks, computed block by block on the workers.

    Parameters
    ----------
    estimator : MLPClassifier or MLPRegressor
        Fitted; used as it is when the result is computed.
    method : {"predict", "predict_proba", "predict_log_proba", "transform"}
    X : dask.array.Array or dask.dataframe.DataFrame
        Chunked along rows only.

    Returns
    -------
    dask.array.Array
        Of shape (n_samples,) or (n_samples, n_columns) and the dtype of the
        in-memory method's result.
    """
    if method == "transform":
        container = _get_output_config("transform", estimator)["dense"]
        if container != "default":
            # scikit-learn would wrap the Dask array into an in-memory frame,
            # gathering every row onto the client
            raise ValueError(
                f"transform on a Dask collection returns a Dask array, and this "
                f"model's set_output asks for {container!r} output, which would "
                "bring every row into the client's memory: call "
                "set_output(transform='default') for Dask input."
            )
    # the same checks and errors as in memory (fitted, number and names of the
    # columns, dtype, hidden layer for transform), and the result's dtype and
    # shape, before anything runs on the workers
    out = np.asarray(getattr(estimator, method)(probe(X)))
    X = row_blocks(X)
    name = f"sknn-{type(estimator).__name__.lower()}-{uuid.uuid4().hex}"
    model = dask.delayed(estimator, name=name, traverse=False)
    empty = np.empty((0, *out.shape[1:]), dtype=out.dtype)
    kwargs = {"model": model, "method": method, "empty": empty}
    if out.ndim == 1:
        return X.map_blocks(
            _apply, drop_axis=1, chunks=(X.chunks[0],), meta=empty[:0], **kwargs
        )
    return X.map_blocks(
        _apply, chunks=(X.chunks[0], (out.shape[1],)), meta=empty, **kwargs
    )


def score(estimator, X, y, sample_weight=None):
    r"""The estimator's score on Dask X, summed per block on the workers.

    The classifier's is the (sample-weighted) accuracy, the fraction of rows
    whose prediction equals y (all labels of a row, for multilabel targets:
    subset accuracy); the regressor's the coefficient of determination
    averaged uniformly over the outputs, as :func:`sklearn.metrics.r2_score`:

    .. math::

        R^2_k = 1 - \frac{\sum_i w_i (y_{ik} - \hat y_{ik})^2}
                        {\sum_i w_i (y_{ik} - \bar y_k)^2},
        \qquad \bar y_k = \frac{\sum_i w_i y_{ik}}{\sum_i w_i}

    (1 where both sums are 0, 0 where only the denominator is), in float64.

    Returns
    -------
    score : float
    """
    y_pred = blockwise(estimator, "predict", X)
    chunks = y_pred.chunks[0]
    y = aligned(y, chunks, "y")
    if y.ndim == 2 and y.shape[1] == 1 and y_pred.ndim == 1:
        y = y[:, 0]
    w = None
    if sample_weight is not None:
        w = aligned(sample_weight, chunks, "sample_weight")
        w = w.astype(np.float64).reshape(-1)
    if is_classifier(estimator):
        match = y_pred == y
        if match.ndim == 2:
            match = match.all(axis=1)
        if w is None:
            return float(match.mean().compute())
        hits, total = dask.compute((match * w).sum(), w.sum())
        return float(hits / total)
    if y_pred.shape[0] < 2:
        warnings.warn(
            "R^2 score is not well-defined with less than two samples.",
            UndefinedMetricWarning,
            stacklevel=4,  # the caller of the estimator's score
        )
        return float("nan")
    Y = y.astype(np.float64).reshape(y.shape[0], -1)
    P = y_pred.astype(np.float64).reshape(y_pred.shape[0], -1)
    W = 1.0 if w is None else w[:, None]
    mean = (W * Y).sum(axis=0) / (W * np.ones_like(Y[:, :1])).sum()
    numerator, denominator = dask.compute(
        (W * (Y - P) ** 2).sum(axis=0), (W * (Y - mean) ** 2).sum(axis=0)
    )
    scores = np.ones(numerator.shape)
    valid = (numerator != 0) & (denominator != 0)
    scores[valid] = 1 - numerator[valid] / denominator[valid]
    scores[(numerator != 0) & (denominator == 0)] = 0.0
    return float(scores.mean())
