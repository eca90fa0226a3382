"""scikit-learn scorers on the hold-out, after every epoch.

``scoring`` takes what ``cross_validate`` takes: a scorer name, a callable
scorer, or a list, tuple or dict of them. scikit-learn's own machinery
(``check_scoring``, its multimetric scorer for lists and dicts) builds and
calls the scorers; this module only names their results as history keys and
hands them an estimator that predicts with the weights of the epoch.

History keys: ``val_<name>`` for each named scorer (``val_accuracy`` and
``val_r2`` are reused when a scorer has that name), ``val_score`` for a single
callable (``val_<key>`` for each key of a callable that returns a dict).
"""

from numbers import Real

import numpy as np
import scipy.sparse as sp
from sklearn.metrics import check_scoring

from ._sklearn_compat import _safe_indexing

SINGLE_CALLABLE = "score"


def scorer_names(scoring):
    """The names the scorers of ``scoring`` record under (without ``val_``),
    or None for a single callable that may return a dict."""
    if scoring is None:
        return ()
    if isinstance(scoring, str):
        return (scoring,)
    if callable(scoring):
        return None
    return tuple(scoring)


def make_scorer(estimator, scoring):
    """scikit-learn's scorer for ``scoring``; a bad name is the user's error,
    reported as a parameter of ``estimator``."""
    if isinstance(scoring, str):
        scoring = [scoring]  # scores as a dict, keyed by the name
    try:
        return check_scoring(estimator, scoring)
    except ValueError as error:  # InvalidParameterError is a ValueError
        raise ValueError(
            f"The 'scoring' parameter of {type(estimator).__name__} must be what "
            "cross_validate takes: a scorer name (see "
            "sklearn.metrics.get_scorer_names()), a callable scorer, or a "
            f"list, tuple or dict of them. Got {scoring!r}: {error}"
        ) from error


def rows_as_given(X, index):
    """The rows ``index`` of ``X`` as the user passed it (None: all of them).

    What the scorers and scikit-learn's callbacks receive: a DataFrame stays a
    DataFrame, an array an array. A sparse matrix or array of a format that
    cannot index rows (COO, DIA, BSR) gives them in CSR, the format
    ``validate_data`` makes of every sparse input, so that every format
    scores what CSR scores.
    """
    if index is None:
        return X
    if sp.issparse(X) and X.format not in ("csr", "csc"):
        X = X.tocsr()
    return _safe_indexing(X, index)


class HoldOutScores:
    """Scores the hold-out ``X``, ``y`` (as the user gave them, unweighted)
    with the weights θ of an epoch: ``snapshot(theta)`` is an estimator that
    predicts with them, dropout off."""

    def __init__(self, scorer, X, y, snapshot):
        self.scorer = scorer
        self.X = X
        self.y = y
        self.snapshot = snapshot

    def __call__(self, theta):
        scores = self.scorer(self.snapshot(theta), self.X, self.y)
        if not isinstance(scores, dict):
            scores = {SINGLE_CALLABLE: scores}
        metrics = {}
        for name, value in scores.items():
            if not isinstance(value, Real | np.number):
                raise TypeError(
                    f"The scorer {name!r} returned {value!r}; a scorer must return "
                    "a number (or a dict of numbers)."
                )
            metrics[f"val_{name}"] = float(value)
        return metrics
