"""Learning-rate schedules
=======================

Train the same network on the digits with each ``learning_rate_schedule`` —
``"constant"``, ``"invscaling"`` (scikit-learn's rule), ``"cosine"`` (Keras'
``CosineDecay`` to 0) and a callable that halves the rate every 10 epochs (as
Keras' ``LearningRateScheduler``) — and draw the rate each epoch started with,
from ``history_["learning_rate"]``, next to the validation accuracy. Then
``plot_history(..., learning_rate=True)`` draws one model's curves with the
rate as a panel of its own::

    python examples/plot_schedules.py
"""

import warnings

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sknn import MLPClassifier, plot_history

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)


def halve_every_10(epoch, rate):
    """Keras-style step decay: the rate of each epoch from the one in use."""
    return rate / 2 if epoch > 0 and epoch % 10 == 0 else rate


SCHEDULES = {
    "constant": "constant",
    "invscaling": "invscaling",
    "cosine": "cosine",
    "halve_every_10": halve_every_10,
}

# %%
# One model per schedule
# ----------------------
# Plain SGD with momentum, step size 0.05, 40 epochs each (no early stopping,
# so every schedule runs to the end), 20 % of the training rows held out to
# record the validation accuracy each epoch. ``power_t=0.25`` softens
# invscaling: with ``t`` counting samples, the default 0.5 would cut the rate
# by a factor of about 33 after the first epoch already (1,077 rows).

models = {}
for label, schedule in SCHEDULES.items():
    clf = MLPClassifier(
        (64,),
        solver="sgd",
        momentum=0.9,
        learning_rate=0.05,
        learning_rate_schedule=schedule,
        power_t=0.25,
        max_iter=40,
        n_iter_no_change=None,
        validation_fraction=0.2,
        random_state=0,
    )
    with warnings.catch_warnings():  # 40 epochs on purpose
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_train, y_train)
    models[label] = clf

print("schedule        last rate  best val_accuracy  test accuracy")
for label, clf in models.items():
    last_rate = clf.history_["learning_rate"][-1]
    best_val = max(clf.history_["val_accuracy"])
    test = clf.score(X_test, y_test)
    print(f"{label:15s} {last_rate:9.2e}  {best_val:17.4f}  {test:13.4f}")

# %%
# The rate and the validation accuracy by epoch
# ---------------------------------------------

figure, (ax_rate, ax_acc) = plt.subplots(1, 2, figsize=(12, 4.5))
for label, clf in models.items():
    epochs = range(1, clf.n_iter_ + 1)
    ax_rate.plot(epochs, clf.history_["learning_rate"], label=label)
    ax_acc.plot(epochs, clf.history_["val_accuracy"], label=label)
ax_rate.set_yscale("log")
ax_rate.set_xlabel("epoch")
ax_rate.set_ylabel("learning rate at the epoch's start")
ax_rate.set_title("history_['learning_rate']")
ax_acc.set_xlabel("epoch")
ax_acc.set_ylabel("validation accuracy")
ax_acc.set_ylim(0.9, 1.0)
ax_acc.set_title("history_['val_accuracy']")
ax_acc.legend(loc="lower right")
figure.tight_layout()

# %%
# One model's history with the rate as a panel
# --------------------------------------------
# ``learning_rate=True`` adds the rate, on a log scale, after the accuracy and
# loss panels.

plot_history(models["cosine"], learning_rate=True)
plt.show()
