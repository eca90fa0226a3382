"""The Dask path: estimators' methods on Dask collections (not public).

``import sknn`` imports no Dask: this module recognises a Dask collection by
its ``__dask_graph__`` method, and only then imports the modules that import
Dask: :mod:`.predict` (prediction and scoring, block by block) and
:mod:`.fit` (``fit`` and ``partial_fit``: L-BFGS with J summed over the
partitions, the gradient solvers visiting the blocks).

======================  =====================================================
module                  what it does
======================  =====================================================
``predict``             predict, predict_proba, transform, score on blocks
``fit``                 fit's preparation for Dask input; the hold-out
``inputs``              X, y and weights checked, encoded, aligned
``rows``                ``DaskRows``: sums over partitions where they live
``lbfgs``               J and its gradient summed over the partitions
``blocks``              the model travels from block to block
``cluster``             compute (cancellable), persist, pairwise sums
======================  =====================================================
"""


def is_dask_collection(X):
    """Whether ``X`` is a Dask collection (array, DataFrame, Series...),
    without importing Dask."""
    return hasattr(X, "__dask_graph__") and not isinstance(X, type)


def _check_supported(estimator):
    """The tabular estimators encode a raw table with pandas in memory: they
    take no Dask collection (yet), and say so rather than skip the encoding."""
    if not getattr(estimator, "_takes_dask", True):
        raise TypeError(
            f"{type(estimator).__name__} does not take Dask collections: its "
            "preprocessing encodes a raw table in memory. Compute the data into "
            "a pandas DataFrame first, or train MLPClassifier/MLPRegressor on "
            "the Dask collection behind your own numeric preprocessing."
        )


def fit_preparation(estimator, X):
    """The Dask path's preparation of a fit (the module ``fit``, used in
    place of ``sknn._base.prepare``) when ``X`` is a Dask collection; None
    otherwise."""
    if not is_dask_collection(X):
        return None
    _check_supported(estimator)
    from . import fit

    return fit


def maybe_blockwise(estimator, method, X):
    """``estimator.<method>(X)`` as a lazy Dask array computed block by block
    when ``X`` is a Dask collection; None otherwise, for the in-memory path."""
    if not is_dask_collection(X):
        return None
    _check_supported(estimator)
    from .predict import blockwise

    return blockwise(estimator, method, X)


def maybe_score(estimator, X, y, sample_weight):
    """The estimator's score computed on the cluster when ``X`` is a Dask
    collection (a Python float); None otherwise."""
    if not is_dask_collection(X):
        return None
    _check_supported(estimator)
    from .predict import score

    return score(estimator, X, y, sample_weight)
