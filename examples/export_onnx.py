"""
Export a digits classifier to ONNX
==================================

Train sknn's ``MLPClassifier`` on scikit-learn's handwritten digits inside a
``StandardScaler`` pipeline, export the whole pipeline to an ONNX file with
``sknn.to_onnx``, load that file with onnxruntime alone (what a serving machine
needs: no sknn, no scikit-learn) and check that it predicts what sknn predicts.
Needs ``pip install "sknn[onnx]" onnxruntime``; runs in a few seconds::

    python examples/export_onnx.py
"""

import shutil
import tempfile
from pathlib import Path

import numpy as np
import onnx
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sknn

# %%
# Train
# -----
# Float32 data gives a float32 model; the ONNX graph computes in the dtype the
# model was trained in.

X, y = load_digits(return_X_y=True)
X = X.astype(np.float32)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
model = make_pipeline(
    StandardScaler(),
    sknn.MLPClassifier(hidden_layer_sizes=(64,), random_state=0),
).fit(X_train, y_train)
print(f"sknn test accuracy: {model.score(X_test, y_test):.4f}")

# %%
# Export
# ------
# ``sknn.to_onnx`` registers sknn's converters with skl2onnx and converts the
# pipeline. One sample row tells it the input's width and dtype: float32 here,
# so the graph's input ``X`` takes float32 rows. The graph has two outputs,
# ``label`` and ``probabilities`` (plain arrays; pass ``zipmap=True`` for
# skl2onnx's list of dictionaries).

onnx_model = sknn.to_onnx(model, X_train[:1])
path = Path(tempfile.mkdtemp()) / "digits.onnx"
onnx.save(onnx_model, path)
print(f"saved {path} ({path.stat().st_size / 1024:.0f} KiB)")

# %%
# Predict with onnxruntime alone
# ------------------------------
# This is all the code a serving machine runs: onnxruntime and NumPy.


def onnxruntime_predict(model_path, rows):
    import onnxruntime as ort

    session = ort.InferenceSession(model_path, providers=["CPUExecutionProvider"])
    labels, proba = session.run(None, {session.get_inputs()[0].name: rows})
    return labels, proba


labels, proba = onnxruntime_predict(str(path), X_test)

# %%
# Compare
# -------
# The labels are the same; the probabilities agree to float32 rounding.

expected_labels = model.predict(X_test)
expected_proba = model.predict_proba(X_test)
same = int(np.sum(labels == expected_labels))
print(f"labels equal to sknn's: {same} of {len(X_test)}")
print(f"largest probability difference: {np.abs(proba - expected_proba).max():.1e}")
print(f"first ten, sknn:        {expected_labels[:10].tolist()}")
print(f"first ten, onnxruntime: {labels[:10].tolist()}")
shutil.rmtree(path.parent)
