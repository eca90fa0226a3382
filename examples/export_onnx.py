"""
Export a digits classifier to ONNX
==================================

Train sknn's ``MLPClassifier`` on scikit-learn's handwritten digits inside a
``StandardScaler`` pipeline, export the whole pipeline to an ONNX file with
``sknn.to_onnx``, load that file with onnxruntime alone (what a serving machine
needs: no sknn, no scikit-learn) and check that it predicts what sknn predicts,
with a histogram of the differences between the two sets of probabilities.
Needs ``pip install "sknn[onnx]" onnxruntime`` and matplotlib; runs in a few
seconds::

    python examples/export_onnx.py
"""

import shutil
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
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

# %%
# How far apart the probabilities are
# -----------------------------------
# Every one of the test set's probabilities (10 per image), as the absolute
# difference between onnxruntime's and sknn's; exact agreements are counted
# apart, since a log scale has no room for 0, and differences below 1e-20 are
# counted in the leftmost bar. Most differences are tiny because most
# probabilities are: a digit the network rules out gets a probability near 0.
# The largest are a few units in float32's last place near 1 (its spacing
# there is about 1e-7): rounding, not disagreement.

difference = np.abs(proba - expected_proba).ravel()
exact = int(np.sum(difference == 0))
figure, ax = plt.subplots(figsize=(7, 4), layout="constrained")
ax.hist(np.log10(np.maximum(difference[difference > 0], 1e-20)), bins=28)
ax.set_xlabel("log10 |onnxruntime − sknn|, per probability")
ax.set_ylabel("probabilities")
ax.set_title(f"{difference.size} probabilities, {exact} of them exactly equal")
plt.show()
