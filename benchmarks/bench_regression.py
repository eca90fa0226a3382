"""sknn's MLPRegressor against scikit-learn's on three regression data sets.

- ``load_diabetes`` (442 rows, 10 features): squared error, y standardised
  by a ``TransformedTargetRegressor`` around both models;
- ``make_friedman1`` (20,000 rows, 10 features, noise 1): squared error;
- a count target for Poisson (20,000 rows, 10 features): y ~ Poisson(exp(η))
  with η a smooth non-linear function of X; scored by mean Poisson deviance
  (lower is better), the others by R².

Both models get the same settings (two hidden layers of 64 relu units, adam
with step size 1e-3, alpha 1e-4, batch 200, at most 200 epochs, stopping
after 10 epochs without an improvement of 1e-4), standardised features inside
a ``Pipeline``, and the same 75/25 split per seed. For each data set the
script prints the mean ± std test score and mean fit time over the seeds,
side by side, as a markdown table::

    python benchmarks/bench_regression.py [--threads N] [--seeds N] [--quick]

BLAS threads are pinned with threadpoolctl (1 by default). ``--seeds N``
uses ``random_state`` 0 to N − 1 (default 5) for both the split and the
models. ``--quick`` is a smoke run: 2,000 rows, 20 epochs, one seed; its
figures mean nothing.
"""

import argparse
import time
import warnings

import _checkout  # noqa: F401  (this checkout's sknn, here and in children)
import numpy as np
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import load_diabetes, make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import mean_poisson_deviance
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPRegressor as SklearnMLP
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_info, threadpool_limits

from sknn import MLPRegressor as SknnMLP

SHARED = dict(
    hidden_layer_sizes=(64, 64),
    activation="relu",
    solver="adam",
    alpha=1e-4,
    batch_size=200,
    tol=1e-4,
    n_iter_no_change=10,
)


def count_data(n_samples, seed=0):
    """Counts whose log-mean is a smooth non-linear function of 10 features."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, 10))
    eta = 0.5 + 0.4 * np.sin(X[:, 0]) + 0.3 * X[:, 1] * X[:, 2] - 0.2 * X[:, 3] ** 2
    return X, rng.poisson(np.exp(eta))


def datasets(n_rows):
    """name → (X, y, loss, scale_y)."""
    X_d, y_d = load_diabetes(return_X_y=True)
    X_f, y_f = make_friedman1(n_samples=n_rows, noise=1.0, random_state=0)
    X_c, y_c = count_data(n_rows)
    return {
        "diabetes": (X_d, y_d, "squared_error", True),
        f"friedman1 ({n_rows} rows)": (X_f, y_f, "squared_error", False),
        f"Poisson counts ({n_rows} rows)": (X_c, y_c, "poisson", False),
    }


def make_model(library, loss, scale_y, seed, max_iter):
    if library == "sknn":
        mlp = SknnMLP(
            loss=loss,
            learning_rate=1e-3,
            max_iter=max_iter,
            random_state=seed,
            **SHARED,
        )
    else:
        mlp = SklearnMLP(
            loss=loss,
            learning_rate_init=1e-3,
            max_iter=max_iter,
            random_state=seed,
            **SHARED,
        )
    model = make_pipeline(StandardScaler(), mlp)
    if scale_y:
        model = TransformedTargetRegressor(
            regressor=model, transformer=StandardScaler()
        )
    return model


def score(model, X, y, loss):
    if loss == "poisson":
        return mean_poisson_deviance(y, np.clip(model.predict(X), 1e-12, None))
    return model.score(X, y)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads")
    parser.add_argument("--seeds", type=int, default=5, help="random_state 0..N-1")
    parser.add_argument("--quick", action="store_true", help="smoke run only")
    args = parser.parse_args()
    n_rows, max_iter, seeds = 20_000, 200, args.seeds
    if args.quick:
        n_rows, max_iter, seeds = 2_000, 20, 1

    with threadpool_limits(limits=args.threads, user_api="blas"):
        blas = ", ".join(
            f"{info['internal_api']} {info['version']} ({info['num_threads']} threads)"
            for info in threadpool_info()
            if info["user_api"] == "blas"
        )
        rows = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            for name, (X, y, loss, scale_y) in datasets(n_rows).items():
                results = {"sknn": ([], []), "scikit-learn": ([], [])}
                for seed in range(seeds):
                    X_tr, X_te, y_tr, y_te = train_test_split(
                        X, y, test_size=0.25, random_state=seed
                    )
                    for library, (scores, times) in results.items():
                        model = make_model(library, loss, scale_y, seed, max_iter)
                        start = time.perf_counter()
                        model.fit(X_tr, y_tr)
                        times.append(time.perf_counter() - start)
                        scores.append(score(model, X_te, y_te, loss))
                rows.append((name, loss, results))

    print(
        f"{seeds} seed(s) (random_state=0..{seeds - 1}), 75/25 split, "
        f"max_iter={max_iter}, BLAS: {blas}"
    )
    print()
    print(
        "| data | metric | sknn | scikit-learn | sknn fit (s) | scikit-learn fit (s) "
        "| sknn within 1 std of sklearn or better | sknn faster |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, loss, results in rows:
        (ours, our_t), (theirs, their_t) = (
            (np.array(s), np.array(t)) for s, t in results.values()
        )
        lower_is_better = loss == "poisson"
        metric = "Poisson deviance ↓" if lower_is_better else "R² ↑"
        if lower_is_better:
            good = ours.mean() <= theirs.mean() + theirs.std()
        else:
            good = ours.mean() >= theirs.mean() - theirs.std()
        faster = our_t.mean() < their_t.mean()
        print(
            f"| {name} | {metric} | {ours.mean():.4f} ± {ours.std():.4f} "
            f"| {theirs.mean():.4f} ± {theirs.std():.4f} "
            f"| {our_t.mean():.2f} | {their_t.mean():.2f} "
            f"| {'yes' if good else 'no'} | {'yes' if faster else 'no'} |"
        )


if __name__ == "__main__":
    main()
