"""Loading a model saved by an older sknn: what it lacks is filled in.

What was added since a model was saved is missing from it; ``upgrade_state``
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
    # one activation per hidden layer: a network saved before activations
    # were per layer names one, ``activation``, for every hidden layer
    "_network.activations": lambda state: (
        (state["_network"].activation,) * (state["_network"].n_layers - 2)
    ),
    # θ kept beside coefs_ when they differ (a front scale, "ntk"): a model
    # saved before either existed is plain, its coefs_ are θ
    "_theta": lambda state: None,
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


def portable_generator(rng):
    """A NumPy ``Generator`` as plain data: its bit generator's name and state.

    NumPy 2 pickles a ``Generator`` by reference to its bit-generator class,
    which NumPy 1.26 cannot read back; a name and a dict of integers load
    under every NumPy the package supports.
    """
    bit_generator = rng.bit_generator
    return {"bit_generator": type(bit_generator).__name__,
            "state": bit_generator.state}  # fmt: skip


def restored_generator(saved):
    """The ``Generator`` that ``portable_generator`` wrote down (a Generator
    pickled as such, by sknn 0.2.0.dev0 and earlier, passes through)."""
    if not isinstance(saved, dict):
        return saved
    bit_generator = getattr(np.random, saved["bit_generator"])()
    bit_generator.state = saved["state"]
    return np.random.Generator(bit_generator)


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
    if state.get("_rng") is not None:
        state["_rng"] = restored_generator(state["_rng"])
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
