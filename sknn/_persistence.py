"""Persistence: the types a saved sknn estimator is made of, and how a model
saved by an older sknn is brought up to date when it is loaded.

``pickle`` and ``joblib`` need nothing from sknn. ``skops.io`` refuses to load
any type it has not been told to trust; ``skops_trusted_types`` names the sknn
types a fitted (or partially fitted) model holds, under their current module
paths and under the old ones files saved before a move contain
(``_old_paths.MOVED``), so a user can trust exactly those and still see
anything else a file contains as untrusted.

A model saved by an older sknn is brought up to date when it loads by
``sknn._base.upgrade``.
"""

from ._classifier import MLPClassifier
from ._math.losses import OUTPUTS
from ._math.network import Network
from ._math.optimizers import SOLVERS
from ._math.schedules import ScheduleState
from ._old_paths import MOVED, resolve
from ._regressor import MLPRegressor
from ._tabular.estimators import TabularClassifier, TabularRegressor
from ._tabular.preprocessing import TablePreprocessor
from ._training.history import History

# every class a saved model holds; the optimisers and output layers come from
# their registries, so a new rule or loss is trusted without a line here
_TRUSTED = (
    MLPClassifier,
    MLPRegressor,
    TabularClassifier,
    TabularRegressor,
    TablePreprocessor,
    Network,
    History,
    ScheduleState,
    *SOLVERS.values(),
    *OUTPUTS.values(),
)


def skops_trusted_types() -> list[str]:
    """Names of the sknn types to pass to ``skops.io.load(..., trusted=...)``.

    Returns
    -------
    names : list of str
        Fully qualified names of every sknn class a saved ``MLPClassifier``
        , ``MLPRegressor``, ``TabularClassifier`` or ``TabularRegressor``
        refers to (the estimator, its preprocessing, its network, output
        layer, optimiser state, schedule state and history), sorted; also the
        names under which files saved by earlier sknn versions (0.1.0 on)
        refer to classes that have moved since.

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
    current = {f"{cls.__module__}.{cls.__qualname__}" for cls in _TRUSTED}
    # skops checks the names in the file before it looks them up
    old = {path for path in MOVED if resolve(path) in _TRUSTED}
    return sorted(current | old)
