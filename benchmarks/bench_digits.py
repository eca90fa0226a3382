"""sknn's defaults against scikit-learn's MLPClassifier on ``load_digits``.

Both models get the same settings (one hidden layer of 100 relu units, adam
with step size 1e-3, alpha 1e-4, batch "auto", at most 200 epochs, stopping
after 10 epochs without an improvement of 1e-4), standardised features inside
a ``Pipeline``, and the same 5 stratified, shuffled folds. The script prints
the mean ± std test accuracy and the total fit time of each, as a markdown
table::

    python benchmarks/bench_digits.py [--threads N] [--seeds N]

BLAS threads are pinned with threadpoolctl (1 by default: on a tiny network
the matrix products are too small for threads to pay off, and pinning keeps
the timings comparable). ``--seeds N`` repeats the comparison with
``random_state`` 0 to N − 1 (default: 0 only) and pools the N × 5 fold
scores: on 360 test images per fold one image is 0.28 points of accuracy,
so a single seed's difference of a few images is noise.
"""

import argparse
import time
import warnings

import _checkout  # noqa: F401  (this checkout's sknn, here and in children)
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold
from sklearn.neural_network import MLPClassifier as SklearnMLP
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_info, threadpool_limits

from sknn import MLPClassifier as SknnMLP

SHARED = dict(
    hidden_layer_sizes=(100,),
    activation="relu",
    solver="adam",
    alpha=1e-4,
    batch_size="auto",
    max_iter=200,
    tol=1e-4,
    n_iter_no_change=10,
)


def contenders(seed):
    return {
        "sknn": lambda: SknnMLP(learning_rate=1e-3, random_state=seed, **SHARED),
        "scikit-learn": lambda: SklearnMLP(
            learning_rate_init=1e-3, random_state=seed, **SHARED
        ),
    }


def cross_validate(make_model, X, y, cv):
    """Test accuracy of each fold and the summed fit time."""
    scores, fit_seconds = [], 0.0
    for train, test in cv.split(X, y):
        model = make_pipeline(StandardScaler(), make_model())
        start = time.perf_counter()
        model.fit(X[train], y[train])
        fit_seconds += time.perf_counter() - start
        scores.append(model.score(X[test], y[test]))
    return np.array(scores), fit_seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads")
    parser.add_argument("--seeds", type=int, default=1, help="random_state 0..N-1")
    args = parser.parse_args()

    X, y = load_digits(return_X_y=True)
    cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    with threadpool_limits(limits=args.threads, user_api="blas"):
        blas = ", ".join(
            f"{info['internal_api']} {info['version']} ({info['num_threads']} threads)"
            for info in threadpool_info()
            if info["user_api"] == "blas"
        )
        scores, seconds = {}, {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            for seed in range(args.seeds):
                for name, make_model in contenders(seed).items():
                    fold_scores, fit_seconds = cross_validate(make_model, X, y, cv)
                    scores.setdefault(name, []).extend(fold_scores)
                    seconds[name] = seconds.get(name, 0.0) + fit_seconds
        results = {name: (np.array(scores[name]), seconds[name]) for name in scores}

    seeds = "random_state=0" if args.seeds == 1 else f"random_state=0..{args.seeds - 1}"
    print(
        f"load_digits ({X.shape[0]} samples), 5-fold stratified CV, {seeds}, "
        f"BLAS: {blas}"
    )
    print()
    print("| model | accuracy (mean ± std over folds) | total fit time (s) |")
    print("|---|---|---|")
    for name, (scores, seconds) in results.items():
        print(f"| {name} | {scores.mean():.4f} ± {scores.std():.4f} | {seconds:.2f} |")
    (ours, our_time), (theirs, their_time) = results.values()
    print(
        f"| sknn / scikit-learn | {ours.mean() / theirs.mean():.4f} "
        f"| {our_time / their_time:.2f} |"
    )


if __name__ == "__main__":
    main()
