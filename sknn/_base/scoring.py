"""scikit-learn scorers on the hold-out, after every epoch.

``scoring`` takes what ``cross_validate`` takes: a scorer name, a callable
scorer, or a list, tuple or dict of them. scikit-learn's own machinery
(``check_scoring``, its multimetric scorer for lists and dicts) builds and
calls the scorers; this module only names their results as history keys and
hands them an estimator that predicts with the weights of the epoch.

History keys: ``val_<name>`` for each named scorer (``val_accuracy`` and
``val_r2`` are reused when a scorer is that very metric), ``val_score`` for a
single callable (``val_<key>`` for each key of a callable that returns a
dict). A name whose key would stand for something else (``val_loss``, the
learning rate, the ``val_acc`` alias, the built-in metric computed by another
scorer) is refused.

A score that cannot be computed on the hold-out is NaN, never a number that
looks like a score: a scorer that returns NaN (``roc_auc`` with one class in
y) is recorded as it is, and one that raises ``ValueError`` (scikit-learn's
metrics do where the rows cannot define them, e.g. ``neg_log_loss`` when y
lacks a class) is recorded as NaN, with a warning, as ``cross_validate``
records a failed score.
"""

from numbers import Real

import numpy as np
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import check_scoring, get_scorer

from .._exceptions import warn_user

SINGLE_CALLABLE = "score"

# scorer names whose history key val_<name> would stand for something else
RESERVED = {
    "loss": "the validation loss J(Θ), which early stopping minimises by default",
    "learning_rate": "named after the learning rate, which is no metric "
    "(history_['learning_rate'] is the rate of each epoch)",
    "acc": "the old-Keras alias of val_accuracy",
}


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


def _scorer_items(scoring):
    """(name, scorer) of each scorer of a str, list, tuple or dict ``scoring``."""
    if isinstance(scoring, str):
        return [(scoring, scoring)]
    if isinstance(scoring, dict):
        return list(scoring.items())
    return [(name, name) for name in scoring]


def _is_metric(scorer, metric):
    """True when ``scorer`` (a name or a callable) is scikit-learn's scorer
    of ``metric``: it scores what the estimator records as ``val_<metric>``."""
    if isinstance(scorer, str):
        return scorer == metric
    return repr(scorer) == repr(get_scorer(metric))


def _reserved_key_error(estimator_name, name, builtin, callable_key=False):
    if name in RESERVED:
        meaning = RESERVED[name]
    else:
        meaning = (
            f"the estimator's own metric ({builtin}), recorded every epoch; a "
            f"scorer may use that name only if it is {builtin} itself "
            f"(scoring={builtin!r})"
        )
    if callable_key:
        where, fix = "is a callable that returns the key", "Return another key"
    else:
        where, fix = "names a scorer", "Give this scorer another name"
    return ValueError(
        f"The 'scoring' parameter of {estimator_name} {where} {name!r}, whose "
        f"scores would be recorded as history_['val_{name}']: that key is "
        f"{meaning}. {fix}, e.g. '{name}_score'."
    )


def check_scorer_names(estimator, scoring, builtin):
    """Refuse a scorer whose history key would overwrite or shadow another
    (``val_loss``, ``val_acc``, ``val_<builtin>`` computed by another
    scorer, ``val_learning_rate``); ``builtin`` is the estimator's metric,
    "accuracy" or "r2". A single callable's keys are checked when it first
    returns them (``HoldOutScores``)."""
    if scoring is None or callable(scoring):
        return
    for name, scorer in _scorer_items(scoring):
        if name in RESERVED or (name == builtin and not _is_metric(scorer, builtin)):
            raise _reserved_key_error(type(estimator).__name__, name, builtin)


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


class HoldOutScores:
    """Scores the hold-out ``X``, ``y`` (as the user gave them, unweighted)
    with the weights θ of an epoch: ``snapshot(theta)`` is an estimator that
    predicts with them, dropout off.

    Parameters
    ----------
    scorer : callable
        ``make_scorer``'s scorer.
    X, y : the hold-out, as the user gave it.
    snapshot : callable
        ``(theta) -> estimator``.
    scoring : the ``scoring`` parameter, to score one scorer at a time when
        scoring them together fails.
    builtin : str
        The estimator's own metric ("accuracy" or "r2").
    hold_out : str
        How warnings name the hold-out, e.g. "X_val (20 rows)".
    estimator_name : str
        How errors name the estimator.
    """

    def __init__(self, scorer, X, y, snapshot, scoring=None, builtin=None,
                 hold_out="the hold-out", estimator_name="the estimator"):  # fmt: skip
        self.scorer = scorer
        self.X = X
        self.y = y
        self.snapshot = snapshot
        self.scoring = scoring
        self.builtin = builtin
        self.hold_out = hold_out
        self.estimator_name = estimator_name
        self.keys = (SINGLE_CALLABLE,)  # a single callable's keys, once seen
        self.warned = set()  # failures are reported once per fit

    def __call__(self, theta):
        estimator = self.snapshot(theta)
        try:
            scores = self.scorer(estimator, self.X, self.y)
        except ValueError as error:
            scores = self._one_at_a_time(estimator, error)
        if not isinstance(scores, dict):
            scores = {SINGLE_CALLABLE: scores}
        elif callable(self.scoring) and self.keys != tuple(scores):
            self._check_keys(scores)
        metrics = {}
        for name, value in scores.items():
            if not isinstance(value, Real | np.number):
                raise TypeError(
                    f"The scorer {name!r} returned {value!r}; a scorer must return "
                    "a number (or a dict of numbers)."
                )
            metrics[f"val_{name}"] = float(value)
        return metrics

    def _check_keys(self, scores):
        """A callable's keys, the first time it returns them: none may be a
        reserved name or the built-in metric's (which scorer computed it is
        unknown)."""
        for name in scores:
            if name in RESERVED or name == self.builtin:
                raise _reserved_key_error(
                    self.estimator_name, name, self.builtin, callable_key=True
                )
        self.keys = tuple(scores)

    def _one_at_a_time(self, estimator, error):
        """The scores, each scorer on its own: NaN for each one that raises
        ``ValueError`` (the metric is undefined on these rows)."""
        if callable(self.scoring):  # one callable: its keys are all NaN
            failed = dict.fromkeys(self.keys, error)
            scores = dict.fromkeys(self.keys, np.nan)
        else:
            failed, scores = {}, {}
            for name, item in _scorer_items(self.scoring):
                try:
                    scores[name] = check_scoring(estimator, item)(
                        estimator, self.X, self.y
                    )
                except ValueError as failure:
                    failed[name], scores[name] = failure, np.nan
        for name, failure in failed.items():
            if name not in self.warned:
                self.warned.add(name)
                warn_user(
                    f"The scorer {name!r} cannot be computed on {self.hold_out}, "
                    f"so history_['val_{name}'] is NaN in every epoch where it "
                    f"fails: {failure}",
                    UndefinedMetricWarning,
                )
        return scores
