"""Persistence: the types a saved sknn estimator is made of, and how a model
saved by an older sknn is brought up to date when it is loaded.

``pickle`` and ``joblib`` need nothing from sknn. ``skops.io`` refuses to load
any type it has not been told to trust; ``skops_trusted_types`` names the sknn
types a fitted (or partially fitted) model holds, under their current module
paths and under the old ones files saved before a move contain
(``_old_paths.MOVED``), so a user can trust exactly those and still see
anything else a file contains as untrusted.

A model saved by an older sknn lacks what was added since; ``upgrade_state``
(called by the estimators' ``__setstate__``, for pickle, joblib, skops and
``copy.deepcopy`` alike) fills it in by two rules:

- every parameter of ``__init__`` missing from the saved state gets its
  default from the signature, for the estimator and for each sknn object it
  holds (network, optimiser, schedule state): a parameter added later needs
  no code here;
- fitted state a fit always sets, missing from a fitted model, gets the value
  that ``ADDED_STATE`` derives from the saved state: add a row there when fit
  starts storing something that predictions, ``get_params`` or a further fit
  read.
"""

import copy
import functools
import inspect

import numpy as np

from ._classifier import MLPClassifier
from ._math.losses import OUTPUTS
from ._math.network import Network
from ._math.optimizers import SOLVERS
from ._math.schedules import ScheduleState
from ._old_paths import MOVED, resolve
from ._regressor import MLPRegressor
from ._training.history import History

# every class a saved model holds; the optimisers and output layers come from
# their registries, so a new rule or loss is trusted without a line here
_TRUSTED = (
    MLPClassifier,
    MLPRegressor,
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
        or ``MLPRegressor`` refers to (the estimator, its network, output
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


# Fitted state added after sknn 0.1.0 that every fit sets: "attribute" of the
# estimator, or "attribute.name" of an object (or a key of a dict) it holds,
# → its value for a fitted model saved without it, derived from the saved
# state. Parameters need no row (see the module docstring).
ADDED_STATE = {
    # the schedule's memory: None starts the schedule at ``learning_rate``,
    # the constant rate of every model saved before there were schedules
    "_schedule_state": lambda state: None,
    # the number of weights at the start of θ (the L2 term's): the network's
    "_optimizer.n_coef": lambda state: state["_network"].n_coef,
    # the rate each epoch started with, not recorded before there were
    # schedules: NaN, as for any metric an epoch did not measure
    "history_.learning_rate": lambda state: (
        [np.nan] * len(state["history_"].get("loss", []))
    ),
}


@functools.cache
def parameter_defaults(cls):
    """{name: default} of the parameters of ``cls.__init__`` that have one."""
    try:
        signature = inspect.signature(cls.__init__)
    except (TypeError, ValueError):  # a builtin's __init__, say
        return {}
    return {
        name: parameter.default
        for name, parameter in signature.parameters.items()
        if parameter.default is not parameter.empty
        and parameter.kind not in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD)
    }


def _fill_parameters(obj):
    """Give an sknn object inside a model each ``__init__`` parameter it lacks
    (the classes store every parameter under its own name)."""
    for name, default in parameter_defaults(type(obj)).items():
        if not _holds(obj, name) and not isinstance(
            getattr(type(obj), name, None), property
        ):
            setattr(obj, name, copy.deepcopy(default))


def _holds(holder, name):
    """Whether the saved ``holder`` has ``name`` of its own (a class-level
    default does not count: it is not what the version that saved it set)."""
    return name in (holder if isinstance(holder, dict) else vars(holder))


def _put(holder, name, value):
    if isinstance(holder, dict):
        holder[name] = value
    else:
        setattr(holder, name, value)


def upgrade_state(estimator, state):
    """``state``, the saved ``__dict__`` of ``estimator``, with what an older
    sknn did not save filled in; modified in place and returned.

    Parameters
    ----------
    estimator : BaseMLP
        The estimator being loaded (its class gives the parameters).
    state : dict
        Its saved attributes.

    Returns
    -------
    state : dict
    """
    for name, default in parameter_defaults(type(estimator)).items():
        if name not in state:
            state[name] = copy.deepcopy(default)
    if "coefs_" not in state:  # not fitted: nothing else was saved
        return state
    for path, derive in ADDED_STATE.items():
        *holder_path, name = path.split(".")
        holder = state
        for part in holder_path:
            holder = _get(holder, part)
            if holder is None:
                break
        if holder is not None and not _holds(holder, name):
            _put(holder, name, derive(state))
    for value in state.values():
        if type(value).__module__.startswith("sknn.") and not isinstance(
            value, (type, dict)
        ):
            _fill_parameters(value)
    return state


def _get(holder, name):
    return holder.get(name) if isinstance(holder, dict) else getattr(holder, name, None)
