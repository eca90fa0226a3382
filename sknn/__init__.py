"""sknn: a scikit-learn-compatible neural-network classifier written in NumPy.

Public API: ``MLPClassifier``, ``plot_history``, ``DivergenceError`` and
``skops_trusted_types``.
Everything in modules whose name starts with ``_`` is private.
"""

from ._classifier import MLPClassifier
from ._exceptions import DivergenceError
from ._persistence import skops_trusted_types
from ._plotting import plot_history

__version__ = "0.1.0"
__all__ = [
    "DivergenceError",
    "MLPClassifier",
    "__version__",
    "plot_history",
    "skops_trusted_types",
]
