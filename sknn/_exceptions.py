"""Exceptions raised by sknn."""


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
