"""Exceptions raised by sknn, and its way of warning."""

import sys
import warnings


class DivergenceError(ValueError):
    """Training diverged: J(Θ) became non-finite or exploded.

    Raised by ``fit`` and ``partial_fit``; the message names the epoch and the
    ``learning_rate`` to lower. The estimator keeps the state it had before
    the call.

    Examples
    --------
    >>> from sknn import DivergenceError
    >>> issubclass(DivergenceError, ValueError)
    True
    """


def warn_user(message, category=UserWarning):
    """``warnings.warn`` pointing at the first caller outside sknn.

    The training code is several calls deep under ``fit``; a fixed
    ``stacklevel`` would point at a different line for every path.
    """
    frame, level = sys._getframe(1), 2  # 1 would be warn_user itself
    while frame is not None and _in_sknn(frame.f_globals.get("__name__", "")):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


def _in_sknn(module):
    # fit runs inside scikit-learn's callback wrapper (``with_callbacks``)
    return (
        module == "sknn"
        or module.startswith("sknn.")
        or module == "sklearn.callback._callback_support"
    )
