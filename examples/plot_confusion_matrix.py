"""Confusion matrix on the digits
==============================

Train ``MLPClassifier`` in a pipeline on scikit-learn's 8×8 digits, print the
per-class precision and recall, draw the confusion matrix of the test set with
scikit-learn's ``ConfusionMatrixDisplay``, and look at the digits the network
got wrong::

    python examples/plot_confusion_matrix.py
"""

# %%
# Train and report
# ----------------

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.metrics import ConfusionMatrixDisplay, classification_report
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknn import MLPClassifier

digits = load_digits()
X_train, X_test, y_train, y_test, images_train, images_test = train_test_split(
    digits.data,
    digits.target,
    digits.images,
    test_size=0.25,
    stratify=digits.target,
    random_state=0,
)
model = make_pipeline(
    StandardScaler(), MLPClassifier((64,), dropout=0.1, random_state=0)
).fit(X_train, y_train)
predicted = model.predict(X_test)
print(classification_report(y_test, predicted, digits=3))

# %%
# The confusion matrix
# --------------------
#
# Row *i*, column *j* counts the test images of digit *i* predicted as *j*:
# everything off the diagonal is a mistake.

ConfusionMatrixDisplay.from_predictions(y_test, predicted, cmap="Blues")
plt.title("sknn MLPClassifier on the digits test set")
plt.show()

# %%
# The mistakes
# ------------

wrong = (predicted != y_test).nonzero()[0]
print(f"{len(wrong)} of {len(y_test)} test images misclassified")
n = min(len(wrong), 8)
if n:
    figure, axes = plt.subplots(1, n, figsize=(1.5 * n, 2.2), squeeze=False)
    for ax, index in zip(axes[0], wrong[:n]):
        ax.imshow(images_test[index], cmap="gray_r")
        ax.set_title(f"{y_test[index]} → {predicted[index]}")
        ax.set_axis_off()
    figure.suptitle("true → predicted")
    plt.show()
