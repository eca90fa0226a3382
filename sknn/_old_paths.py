"""Old module paths of moved classes, so that saved models keep loading.

pickle, joblib and skops record a class by its module path and name
(``sknn._training.History``) and look it up there when a file is loaded. A
file saved before a class moved names the old path. ``MOVED`` is the one
record of every move: a row ``"old.module.Name": "new.module.Name"`` in the
commit that moves the class, and never removed. Importing ``sknn`` applies it:

- where the old module still exists, it answers the old name through a
  module ``__getattr__``, which looks the new path up only when a file asks
  for the name (and leaves every name the module defines alone);
- where the old module is gone, a stand-in module is registered in
  ``sys.modules`` under the old path; it answers the table's names only, and
  the package tree stays clean.

``sknn.skops_trusted_types()`` lists the old names too, since skops checks the
names a file contains against the trusted list before it looks them up. A row
whose old path is itself a later row's new path is fine: lookups follow the
chain. Renaming a class within a module is a move as well.
"""

import importlib
import importlib.util
import sys
import types

# old path (as saved files name it) → where the object lives now
MOVED = {
    # sknn 0.1.0 (1a7053d): the history moved with the code shared by the
    # classifier and the regressor
    "sknn._training.History": "sknn._base.History",
    # 0.2: the modules became three folders, one per layer (the mathematics,
    # the training loop, the scikit-learn glue)
    "sknn._base.History": "sknn._training.history.History",
    "sknn._network.Network": "sknn._math.network.Network",
    "sknn._loss.LogisticOutput": "sknn._math.losses.LogisticOutput",
    "sknn._loss.SoftmaxOutput": "sknn._math.losses.SoftmaxOutput",
    "sknn._loss.IdentityOutput": "sknn._math.losses.IdentityOutput",
    "sknn._loss.PoissonOutput": "sknn._math.losses.PoissonOutput",
    "sknn._optimizers.SGD": "sknn._math.optimizers.SGD",
    "sknn._optimizers.RMSprop": "sknn._math.optimizers.RMSprop",
    "sknn._optimizers.Adam": "sknn._math.optimizers.Adam",
    "sknn._schedules.ScheduleState": "sknn._math.schedules.ScheduleState",
}


def resolve(path):
    """The object that ``path`` names now (following ``MOVED``)."""
    seen = set()
    while path in MOVED:
        if path in seen:
            raise RuntimeError(f"MOVED has a cycle through {path!r}")
        seen.add(path)
        path = MOVED[path]
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def _old_names(module_name):
    """{name: old path} of the moved objects whose old module is ``module_name``."""
    return {
        old.rpartition(".")[2]: old
        for old in MOVED
        if old.rpartition(".")[0] == module_name
    }


def _answer_old_names(module, names):
    """Make ``module`` answer each of ``names`` (a module ``__getattr__``, which
    Python calls only for names the module does not define), keeping the
    module's own ``__getattr__`` for every other name."""
    own = module.__dict__.get("__getattr__")
    own = getattr(own, "own", own)  # installed before: wrap the module's own

    def __getattr__(name):
        if name in names:
            return resolve(names[name])
        if own is not None:
            return own(name)
        raise AttributeError(f"module {module.__name__!r} has no attribute {name!r}")

    __getattr__.own = own
    module.__getattr__ = __getattr__


def _module(module_name):
    """The module at ``module_name``: imported if it exists, else a stand-in
    registered in ``sys.modules`` (its parents too, where they are gone)."""
    if module_name in sys.modules:
        return sys.modules[module_name]
    parent, _, child = module_name.rpartition(".")
    if parent:
        _module(parent)
    try:
        exists = importlib.util.find_spec(module_name) is not None
    except ModuleNotFoundError:  # its parent is a stand-in, with no __path__
        exists = False
    if exists:
        return importlib.import_module(module_name)
    module = types.ModuleType(
        module_name,
        f"Stand-in for {module_name}, which no longer exists: it answers the "
        "names of the objects that moved out of it (sknn._old_paths.MOVED), so "
        "that files saved before the move load.",
    )
    sys.modules[module_name] = module
    if parent:
        setattr(sys.modules[parent], child, module)
    return module


def install():
    """Make every old path of ``MOVED`` loadable; calling it again is harmless."""
    for module_name in sorted({old.rpartition(".")[0] for old in MOVED}):
        _answer_old_names(_module(module_name), _old_names(module_name))


install()
