"""Dropout against over-fitting
============================

A wide network trained without an L2 term on a few hundred digits learns its
training set by heart: its validation loss turns up while the training loss
keeps falling. Dropout on the hidden layers is one remedy. This script trains the
same network with several ``dropout`` rates and draws the validation loss of
each, epoch by epoch::

    python examples/plot_dropout.py
"""

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sknn import MLPClassifier

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, train_size=500, stratify=y, random_state=0
)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

figure, (ax_train, ax_val) = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
for rate in (0.0, 0.2, 0.5):
    clf = MLPClassifier(
        (256, 256),
        dropout=rate,
        alpha=0.0,
        learning_rate=1e-3,
        max_iter=50,
        n_iter_no_change=None,
        validation_fraction=0.2,
        random_state=0,
    ).fit(X_train, y_train)
    epochs = range(1, clf.n_iter_ + 1)
    ax_train.plot(epochs, clf.history_["loss"], label=f"dropout={rate}")
    ax_val.plot(epochs, clf.history_["val_loss"], label=f"dropout={rate}")
    print(
        f"dropout={rate}: lowest validation loss {min(clf.history_['val_loss']):.4f}, "
        f"last {clf.history_['val_loss'][-1]:.4f}, "
        f"test accuracy {clf.score(X_test, y_test):.4f}"
    )

for ax, title in ((ax_train, "Training loss"), (ax_val, "Validation loss")):
    ax.set_title(title)
    ax.set_xlabel("epoch")
    ax.set_yscale("log")
    ax.legend()
ax_train.set_ylabel("J(Θ)")
plt.show()
