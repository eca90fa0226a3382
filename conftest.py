"""Skip the ONNX export's doctests when its optional extra is not installed.

The rest of the suite runs without ``sknn[onnx]``; ``tests/test_onnx.py`` skips
itself with ``pytest.importorskip``.
"""

import importlib.util

import pytest

ONNX_EXTRA = ("skl2onnx", "onnx", "onnxruntime")
ONNX_DOCTESTS = ("sknn._export.to_onnx", "sknn._export.register_onnx_converters")


def pytest_collection_modifyitems(config, items):
    missing = [name for name in ONNX_EXTRA if importlib.util.find_spec(name) is None]
    if not missing:
        return
    skip = pytest.mark.skip(
        reason=f"ONNX export needs {', '.join(missing)}: pip install 'sknn[onnx]'"
    )
    for item in items:
        if item.name in ONNX_DOCTESTS or item.name.startswith("sknn._onnx."):
            item.add_marker(skip)
