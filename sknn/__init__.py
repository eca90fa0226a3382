"""sknn: scikit-learn-compatible neural networks written by hand in NumPy.

Public API: ``MLPClassifier``, ``MLPRegressor``, the tabular presets
``TabularClassifier`` and ``TabularRegressor``, ``plot_history``,
``DivergenceError``, ``skops_trusted_types``, and the ONNX export
``to_onnx``, ``register_onnx_converters`` and ``onnx_inputs``
(``pip install "sknn[onnx]"``; ``import sknn`` does not import skl2onnx).
Everything in modules whose name starts with ``_`` is private.
"""

from ._classifier import MLPClassifier
from ._exceptions import DivergenceError
from ._export import onnx_inputs, register_onnx_converters, to_onnx
from ._persistence import skops_trusted_types
from ._plotting import plot_history
from ._regressor import MLPRegressor
from ._tabular.estimators import TabularClassifier, TabularRegressor

__version__ = "0.2.0.dev0"
__all__ = [
    "DivergenceError",
    "MLPClassifier",
    "MLPRegressor",
    "TabularClassifier",
    "TabularRegressor",
    "__version__",
    "onnx_inputs",
    "plot_history",
    "register_onnx_converters",
    "skops_trusted_types",
    "to_onnx",
]
