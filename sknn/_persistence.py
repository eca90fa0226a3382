"""Persistence helpers: the types a saved sknn estimator is made of.

``pickle`` and ``joblib`` need nothing from sknn. ``skops.io`` refuses to load
any type it has not been told to trust; ``skops_trusted_types`` names the sknn
types a fitted (or partially fitted) model holds, so a user can trust exactly
those and still see anything else a file contains as untrusted.
"""

from ._base import History
from ._classifier import MLPClassifier
from ._loss import OUTPUTS
from ._network import Network
from ._optimizers import SGD, Adam, RMSprop
from ._regressor import MLPRegressor
from ._schedules import ScheduleState

_TRUSTED = (
    MLPClassifier,
    MLPRegressor,
    Network,
    History,
    ScheduleState,
    SGD,
    RMSprop,
    Adam,
    *OUTPUTS.values(),
)


def skops_trusted_types() -> list[str]:
    """Names of the sknn types to pass to ``skops.io.load(..., trusted=...)``.

    Returns
    -------
    names : list of str
        Fully qualified names of every sknn class a saved ``MLPClassifier``
        refers to (the estimator, its network, output layer, optimiser state
        and history), sorted.

    Examples
    --------
    >>> from sknn import skops_trusted_types
    >>> "sknn._classifier.MLPClassifier" in skops_trusted_types()
    True

    To load a model saved with ``skops.io.dump(model, "model.skops")``::

        import skops.io as sio
        untrusted = sio.get_untrusted_types(file="model.skops")
        assert set(untrusted) <= set(skops_trusted_types())
        model = sio.load("model.skops", trusted=skops_trusted_types())
    """
    return sorted(f"{cls.__module__}.{cls.__qualname__}" for cls in _TRUSTED)
