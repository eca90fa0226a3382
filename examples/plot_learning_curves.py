"""Learning curves, validation and early stopping
==============================================

Hold out part of the training set with ``validation_fraction``, follow the loss
and accuracy on both parts epoch by epoch with ``verbose=2``, draw them with
``sknn.plot_history``, then let ``early_stopping`` stop the run and restore the
weights of its best validation epoch::

    python examples/plot_learning_curves.py
"""

# %%
# A validation hold-out
# ---------------------
#
# ``validation_fraction=0.2`` holds out a stratified fifth of the training rows
# and records ``val_loss`` and ``val_accuracy`` in ``history_`` every epoch.
# ``n_iter_no_change=None`` runs all ``max_iter`` epochs, and ``alpha=0.0``
# turns the L2 term off, so the network is free to over-fit the small training
# set.

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sknn import MLPClassifier, plot_history

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, train_size=600, stratify=y, random_state=0
)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

clf = MLPClassifier(
    (256,),
    learning_rate=3e-3,
    alpha=0.0,
    max_iter=40,
    n_iter_no_change=None,
    validation_fraction=0.2,
    verbose=2,
    random_state=0,
)
clf.fit(X_train, y_train)
print("history_ keys:", sorted(clf.history_))

# %%
# The lecture's two plots
# -----------------------
#
# Accuracy and loss by epoch, on the training rows and on the hold-out.

plot_history(clf)
plt.show()

# %%
# Early stopping
# --------------
#
# With ``early_stopping=True`` the monitored loss is the validation loss:
# training stops once it has not improved by ``tol`` for ``n_iter_no_change``
# epochs in a row, and the model keeps the weights of its best epoch, not of
# its last.

stopped = MLPClassifier(
    (256,),
    learning_rate=3e-3,
    alpha=0.0,
    max_iter=200,
    early_stopping=True,
    validation_fraction=0.2,
    n_iter_no_change=5,
    random_state=0,
).fit(X_train, y_train)

best_epoch = int(np.argmin(stopped.history_["val_loss"])) + 1
print(f"epochs run: {stopped.n_iter_}, best validation epoch: {best_epoch}")
print(f"best validation loss (best_loss_): {stopped.best_loss_:.4f}")
print(f"test accuracy with the restored weights: {stopped.score(X_test, y_test):.4f}")

figure = plot_history(stopped)
for ax in figure.axes:
    ax.axvline(best_epoch, color="grey", linestyle="--", label="restored epoch")
    ax.legend(loc="best")
plt.show()
