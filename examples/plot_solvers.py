"""The solvers side by side
========================

Train the same network on the digits with every solver — plain SGD (the
lecture's update), SGD with momentum and with Nesterov momentum, RMSprop, Adam
and L-BFGS — and draw the training cost J(Θ) after each epoch (L-BFGS: each
iteration) from ``loss_curve_``::

    python examples/plot_solvers.py
"""

import warnings

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from sknn import MLPClassifier

X, y = load_digits(return_X_y=True)
X = StandardScaler().fit_transform(X)

SOLVERS = {
    "sgd": dict(solver="sgd", learning_rate=0.05),
    "sgd, momentum=0.9": dict(solver="sgd", learning_rate=0.05, momentum=0.9),
    "sgd, Nesterov": dict(
        solver="sgd", learning_rate=0.05, momentum=0.9, nesterov=True
    ),
    "rmsprop": dict(solver="rmsprop", learning_rate=1e-3),
    "adam": dict(solver="adam", learning_rate=1e-3),
    "lbfgs": dict(solver="lbfgs"),
}

figure, ax = plt.subplots(figsize=(8, 5))
for label, params in SOLVERS.items():
    clf = MLPClassifier(
        (64,), max_iter=30, n_iter_no_change=None, random_state=0, **params
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # 30 epochs on purpose
        clf.fit(X, y)
    ax.plot(range(1, clf.n_iter_ + 1), clf.loss_curve_, label=label)
    print(f"{label:18s} J(Θ) after {clf.n_iter_:2d} epochs: {clf.loss_:.5f}")

ax.set_yscale("log")
ax.set_xlabel("epoch (L-BFGS: iteration)")
ax.set_ylabel("training J(Θ)")
ax.set_title("MLPClassifier((64,)) on the digits")
ax.legend()
plt.show()
