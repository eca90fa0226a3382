"""ONNX export through skl2onnx, behind ``sknn.to_onnx`` and
``sknn.register_onnx_converters`` (``sknn/_export.py``).

- ``facts``: what the converters read from a fitted model, checked first;
- ``graph``: the network's forward pass and output layer as ONNX nodes;
- ``converters``: the skl2onnx side: parsers, shape calculators, converters,
  their registration and ``to_onnx``.

Every module here imports without skl2onnx and onnx installed (pytest collects
them for doctests, and ``import sknn`` must stay light): their imports are
inside functions, and ``sknn/_export.py`` imports this package only when called.
"""

from .converters import (
    CLASSIFIER_ALIAS,
    CLASSIFIER_OPTIONS,
    REGRESSOR_ALIAS,
    convert_classifier,
    convert_regressor,
    parse_classifier,
    parse_regressor,
    register_onnx_converters,
    shape_classifier,
    shape_regressor,
    to_onnx,
)

__all__ = [
    "CLASSIFIER_ALIAS",
    "CLASSIFIER_OPTIONS",
    "REGRESSOR_ALIAS",
    "convert_classifier",
    "convert_regressor",
    "parse_classifier",
    "parse_regressor",
    "register_onnx_converters",
    "shape_classifier",
    "shape_regressor",
    "to_onnx",
]
