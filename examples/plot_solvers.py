"""The solvers side by side, each at its own best rate
===================================================

Train the same network on the digits with every solver — plain SGD (the
lecture's update), SGD with momentum 0.9 and with Nesterov momentum, RMSprop,
Adam and L-BFGS — and draw the training cost J(Θ) and the loss on held-out images
after each epoch (L-BFGS: each iteration)::

    python examples/plot_solvers.py

The solvers' learning rates do not mean the same thing (RMSprop and Adam divide
each step by a running size of the gradient; SGD does not), so one rate for
all would favour some of them. Each gradient solver is compared at its own
best rate instead, chosen the same way for all: the rate of a grid from 1e-3 to
3 with the lowest held-out loss after 30 epochs. L-BFGS has no rate.
"""

# %%
# Choosing each solver's rate
# ---------------------------
#
# A quarter of the digits is held out. For each gradient solver and each rate
# of the grid, 30 epochs of training, then the loss on the held-out images; a
# run that diverges (:class:`~sknn.DivergenceError`) counts as infinitely bad.

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sknn import DivergenceError, MLPClassifier

X, y = load_digits(return_X_y=True)
X_train, X_val, y_train, y_val = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
scaler = StandardScaler().fit(X_train)
X_train, X_val = scaler.transform(X_train), scaler.transform(X_val)

SOLVERS = {
    "sgd": dict(solver="sgd"),
    "momentum": dict(solver="sgd", momentum=0.9),
    "Nesterov": dict(solver="sgd", momentum=0.9, nesterov=True),
    "rmsprop": dict(solver="rmsprop"),
    "adam": dict(solver="adam"),
    "lbfgs": dict(solver="lbfgs"),
}
GRID = (1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0, 3.0)


def train(params):
    clf = MLPClassifier((64,), max_iter=30, n_iter_no_change=None, random_state=0)
    clf.set_params(**params)
    with warnings.catch_warnings():
        # 30 epochs on purpose
        warnings.simplefilter("ignore", ConvergenceWarning)
        return clf.fit(X_train, y_train, X_val=X_val, y_val=y_val)


def held_out_loss(params, rate):
    """The held-out loss after 30 epochs; infinite if the run diverges."""
    try:
        clf = train({**params, "learning_rate": rate})
    except DivergenceError:
        return np.inf
    return clf.history_["val_loss"][-1]


print("held-out loss after 30 epochs (div.: DivergenceError)")
print("rate      " + "".join(f"{rate:>7g}" for rate in GRID))
best_rate = {}
for label, params in SOLVERS.items():
    if label == "lbfgs":
        continue
    losses = [held_out_loss(params, rate) for rate in GRID]
    best_rate[label] = GRID[int(np.argmin(losses))]
    cells = "".join(
        "   div." if np.isinf(loss) else "   > 10" if loss > 10 else f"{loss:7.3g}"
        for loss in losses
    )
    print(f"{label:10s}{cells}")
print("best:", ", ".join(f"{label} {rate:g}" for label, rate in best_rate.items()))

# %%
# Each solver at its best rate
# ----------------------------
#
# SGD with momentum and with Nesterov momentum pick the same rate, and their
# curves nearly coincide (Nesterov's is dotted): on this small network the
# look-ahead changes little. At their best rates the gradient solvers end close
# together on the held-out images (losses of 0.09 to 0.11), while their
# training costs still differ tenfold. L-BFGS, which steps over the whole
# training set, drives the training cost lowest in a few iterations and stops
# there, but its held-out loss turns up after about ten: it over-fits.

STYLE = {"Nesterov": dict(linestyle=":", linewidth=2.5)}
figure, (ax_train, ax_val) = plt.subplots(1, 2, figsize=(12, 4.5), layout="constrained")
for label, params in SOLVERS.items():
    name = label
    if label in best_rate:
        params = {**params, "learning_rate": best_rate[label]}
        name = f"{label}, rate {best_rate[label]:g}"
    clf = train(params)
    history = clf.history_
    epochs = range(1, clf.n_iter_ + 1)
    style = STYLE.get(label, {})
    ax_train.plot(epochs, history["loss"], label=name, **style)
    ax_val.plot(epochs, history["val_loss"], label=name, **style)
    print(
        f"{name:19s} J(Θ) {history['loss'][-1]:.5f}, held-out loss "
        f"{history['val_loss'][-1]:.4f}, accuracy {history['val_accuracy'][-1]:.4f}"
    )

ax_train.set(title="Training J(Θ)", yscale="log")
ax_val.set(title="Loss on the held-out quarter", yscale="log")
for ax in (ax_train, ax_val):
    ax.set_xlabel("epoch (L-BFGS: iteration)")
ax_train.legend()
plt.show()
