"""Prediction intervals with quantile regression
==============================================

``MLPRegressor(loss="quantile", quantile=q)`` minimises the pinball loss
max(q·r, (q − 1)·r) of the residual r = y − h, whose minimiser is the
conditional q-quantile of y. Three networks, at q = 0.05, 0.5 and 0.95, give the
median and a 90% prediction band. The noise here grows with x, so a good band
widens with it, which no constant ± around a mean can do. The script fits the
three networks on a noisy 1-D problem, checks how often the band covers test
points and draws it against the true quantiles::

    python examples/plot_quantile_regression.py
"""

# %%
# A noisy 1-D problem
# -------------------
#
# y = x·sin(x) + ε with ε ~ N(0, σ(x)²) and σ(x) = 0.5 + 0.3·x: the true
# q-quantile is x·sin(x) + σ(x)·Φ⁻¹(q), with Φ⁻¹ the standard normal quantile.

import matplotlib.pyplot as plt
import numpy as np
from scipy.stats import norm
from sklearn.metrics import mean_pinball_loss
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknn import MLPRegressor

rng = np.random.default_rng(0)


def f(x):
    return x * np.sin(x)


def sigma(x):
    return 0.5 + 0.3 * x


def sample(n):
    x = rng.uniform(0, 10, n)
    return x.reshape(-1, 1), f(x) + sigma(x) * rng.normal(size=n)


X_train, y_train = sample(1000)
X_test, y_test = sample(1000)

# %%
# One network per quantile
# ------------------------
#
# The same network and training for each q (Adam with a cosine schedule for
# 300 epochs); only ``quantile`` changes. A test point below the q-curve
# should occur with probability q, and no curve can do better on the pinball
# loss than the true quantile, whose loss is printed next to it.

QUANTILES = (0.05, 0.5, 0.95)
models = {}
for q in QUANTILES:
    models[q] = make_pipeline(
        StandardScaler(),
        MLPRegressor(
            (32, 32),
            activation="relu",
            loss="quantile",
            quantile=q,
            learning_rate=0.03,
            learning_rate_schedule="cosine",
            max_iter=300,
            n_iter_no_change=None,
            random_state=0,
        ),
    ).fit(X_train, y_train)
    predicted = models[q].predict(X_test)
    below = np.mean(y_test < predicted)
    pinball = mean_pinball_loss(y_test, predicted, alpha=q)
    best = mean_pinball_loss(
        y_test, f(X_test[:, 0]) + sigma(X_test[:, 0]) * norm.ppf(q), alpha=q
    )
    print(
        f"q = {q:.2f}: {below:.1%} of the test points lie below the curve; "
        f"pinball loss {pinball:.4f} (the true quantile's: {best:.4f})"
    )

low, high = (models[q].predict(X_test) for q in (0.05, 0.95))
covered = np.mean((low <= y_test) & (y_test <= high))
print(f"the 90% band covers {covered:.1%} of the test points")

# %%
# The prediction band
# -------------------
#
# The shaded band runs from the 0.05 to the 0.95 network, the solid line is the
# median network; the dashed lines are the true quantiles. The three networks
# are trained independently, so nothing forces their curves to keep their
# order; with this much data they do.

grid = np.linspace(0, 10, 500).reshape(-1, 1)
x = grid[:, 0]
figure, ax = plt.subplots(figsize=(9, 5))
ax.scatter(X_test[:, 0], y_test, s=4, color="0.6", label="test points")
ax.fill_between(
    x,
    models[0.05].predict(grid),
    models[0.95].predict(grid),
    alpha=0.3,
    color="C0",
    label="predicted 90% band (q = 0.05 to 0.95)",
)
ax.plot(x, models[0.5].predict(grid), color="C0", label="predicted median (q = 0.5)")
for q in QUANTILES:
    ax.plot(
        x,
        f(x) + sigma(x) * norm.ppf(q),
        "--",
        color="C3",
        linewidth=1,
        label="true quantiles" if q == QUANTILES[0] else None,
    )
ax.set_xlabel("x")
ax.set_ylabel("y")
ax.set_title("MLPRegressor(loss='quantile') at q = 0.05, 0.5, 0.95")
ax.legend(loc="upper left")
plt.show()
