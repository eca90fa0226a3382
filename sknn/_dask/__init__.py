"""The Dask path: estimators' methods on Dask collections (not public).

``import sknn`` imports no Dask: this module recognises a Dask collection by
its ``__dask_graph__`` method, and only then imports :mod:`.predict`, which
imports Dask. Prediction and scoring are here; fitting on Dask collections is
not (``fit`` still needs in-memory data, or ``partial_fit`` on chunks).
"""


def is_dask_collection(X):
    """Whether ``X`` is a Dask collection (array, DataFrame, Series...),
    without importing Dask."""
    return hasattr(X, "__dask_graph__") and not isinstance(X, type)


def maybe_blockwise(estimator, method, X):
    """``estimator.<method>(X)`` as a lazy Dask array computed block by block
    when ``X`` is a Dask collection; None otherwise, for the in-memory path."""
    if not is_dask_collection(X):
        return None
    from .predict import blockwise

    return blockwise(estimator, method, X)


def maybe_score(estimator, X, y, sample_weight):
    """The estimator's score computed on the cluster when ``X`` is a Dask
    collection (a Python float); None otherwise."""
    if not is_dask_collection(X):
        return None
    from .predict import score

    return score(estimator, X, y, sample_weight)
