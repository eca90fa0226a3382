"""Do two versions of sknn train the same models, bit for bit, on this machine?

A change that must not change behaviour (a refactoring) is checked by training
the same models with the code before and after it, in one run on one machine,
and comparing what they predict with ``==``. Numbers stored on another
machine would not do: BLAS kernels differ in the last bits from CPU to CPU.

    python benchmarks/same_models.py REV              # REV against the work tree
    python benchmarks/same_models.py REV --kernels    # numba kernels on (if installed)

REV is any git revision (a commit, a branch, ``HEAD~3``); it is checked out
into a temporary worktree. Each side runs in its own process with its tree
first on ``sys.path``. The cases cover every solver, float64 and float32,
sample and class weights, dropout, a hold-out, ``X_val``, early stopping on the
loss and on a scorer, schedules, ``warm_start``, ``partial_fit``, sparse X and
both estimators. The last line reads ``same: N of N cases`` (or lists the
cases that differ) and the exit code is 0 only when every case is the same.
"""

import argparse
import contextlib
import os
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _cases():
    """(name, estimator kind, parameters, fit options) of every case."""
    cases = []
    for solver in ("sgd", "rmsprop", "adam", "lbfgs"):
        gradient = solver != "lbfgs"
        for dtype in ("float64", "float32"):
            # L-BFGS iterations are cheap: enough of them to reach its stopping rules
            base = {"solver": solver, "random_state": 0,
                    "max_iter": 6 if gradient else 60}
            if solver == "sgd":
                base.update(momentum=0.9, nesterov=True, learning_rate=0.01)
            cases += [
                (f"{solver}-{dtype}-plain", "clf", base, {"dtype": dtype}),
                (
                    f"{solver}-{dtype}-weights-holdout-early",
                    "clf",
                    {
                        **base,
                        "class_weight": "balanced",
                        "early_stopping": True,
                        "validation_fraction": 0.2,
                        "n_iter_no_change": 2,
                        "dropout": 0.2 if gradient else 0.0,
                        "max_iter": 15,
                    },
                    {"dtype": dtype, "sample_weight": True},
                ),
                (
                    f"{solver}-{dtype}-scorer-xval",
                    "clf",
                    {
                        **base,
                        "early_stopping": True,
                        "scoring": ["accuracy", "neg_log_loss"],
                        "early_stopping_metric": "neg_log_loss",
                    },
                    {"dtype": dtype, "X_val": True},
                ),
                (
                    f"{solver}-{dtype}-sparse",
                    "clf",
                    base,
                    {"dtype": dtype, "sparse": True},
                ),
                (
                    f"{solver}-{dtype}-multilabel",
                    "multilabel",
                    {**base, "validation_fraction": 0.2},
                    {"dtype": dtype},
                ),
                (
                    f"{solver}-{dtype}-regression",
                    "reg",
                    {**base, "dropout": 0.1 if gradient else 0.0,
                     "validation_fraction": 0.2},
                    {"dtype": dtype, "sample_weight": True},
                ),
                (
                    f"{solver}-{dtype}-poisson",
                    "poisson",
                    {**base, "loss": "poisson"},
                    {"dtype": dtype},
                ),
                (
                    f"{solver}-{dtype}-warm-start",
                    "clf",
                    {**base, "warm_start": True},
                    {"dtype": dtype, "twice": True},
                ),
            ]
            if gradient:
                for schedule in ("cosine", "invscaling", "adaptive"):
                    cases.append(
                        (
                            f"{solver}-{dtype}-{schedule}",
                            "clf",
                            {**base, "learning_rate_schedule": schedule,
                             "n_iter_no_change": 2, "tol": 0.5},
                            {"dtype": dtype},
                        )
                    )
                cases.append(
                    (
                        f"{solver}-{dtype}-partial-fit",
                        "clf",
                        {**base, "learning_rate_schedule": "cosine", "dropout": 0.1},
                        {"dtype": dtype, "partial": True, "sample_weight": True},
                    )
                )
    return cases


def _data(kind, dtype):
    import numpy as np
    from sklearn.datasets import (
        make_classification,
        make_multilabel_classification,
        make_regression,
    )
    from sklearn.preprocessing import StandardScaler

    if kind == "clf":
        X, y = make_classification(
            300, 8, n_informative=5, n_classes=3, weights=[0.5, 0.3, 0.2],
            random_state=0,
        )
    elif kind == "multilabel":
        X, y = make_multilabel_classification(300, 8, n_classes=3, random_state=0)
    else:
        X, y = make_regression(300, 8, n_informative=5, noise=5, random_state=0)
        y = (y - y.mean()) / y.std()
        if kind == "poisson":
            y = np.round(np.exp(y / 2))
    X = StandardScaler().fit_transform(X).astype(dtype)
    return X, y


@contextlib.contextmanager
def checked_out(rev):
    """A temporary git worktree of ``rev`` (its path), removed afterwards."""
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "old"
        add = ["worktree", "add", "--detach", "-q", str(tree), rev]
        subprocess.run(["git", "-C", str(REPO), *add], check=True)
        try:
            yield tree
        finally:
            remove = ["worktree", "remove", "--force", str(tree)]
            subprocess.run(["git", "-C", str(REPO), *remove], check=False)


def run_cases(out_path):
    """Train every case with the sknn on ``sys.path``; pickle the outputs."""
    import warnings

    import numpy as np
    import scipy.sparse as sp

    import sknn
    from sknn import MLPClassifier, MLPRegressor

    print(f"training with {Path(sknn.__file__).parent}", flush=True)
    warnings.simplefilter("ignore")
    results = {}
    for name, kind, params, options in _cases():
        X, y = _data(kind, options["dtype"])
        estimator = MLPClassifier if kind in ("clf", "multilabel") else MLPRegressor
        model = estimator((16, 8), **params)
        fit = {}
        if options.get("sample_weight"):
            fit["sample_weight"] = np.random.default_rng(1).uniform(0.5, 2, len(y))
        if options.get("sparse"):
            X = sp.csr_matrix(X)
        try:
            if options.get("partial"):
                for chunk in np.array_split(np.arange(len(y)), 4):
                    extra = {"classes": np.unique(y)} if kind == "clf" else {}
                    weights = {k: v[chunk] for k, v in fit.items()}
                    model.partial_fit(X[chunk], y[chunk], **extra, **weights)
            elif options.get("X_val"):
                model.fit(X[:240], y[:240], X_val=X[240:], y_val=y[240:])
            else:
                model.fit(X, y, **fit)
                if options.get("twice"):
                    model.fit(X, y, **fit)
            out = model.predict_proba(X) if hasattr(model, "predict_proba") else (
                model.predict(X)
            )
            results[name] = (out, model.n_iter_, dict(model.history_))
        except Exception as error:  # an error is a result too: compared
            results[name] = ("error", type(error).__name__, str(error))
    with open(out_path, "wb") as file:
        pickle.dump(results, file)


def _run_side(tree, out_path, env):
    code = (
        f"import sys; sys.path.insert(0, {str(tree)!r}); "
        f"sys.path.insert(1, {str(REPO / 'benchmarks')!r}); "
        f"import same_models; same_models.run_cases({str(out_path)!r})"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=tree, env=env)
    with open(out_path, "rb") as file:
        return pickle.load(file)


def _equal(a, b):
    import numpy as np

    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True)
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and a != a:
        return b != b
    return a == b


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rev", help="the git revision to compare the work tree with")
    parser.add_argument(
        "--kernels", action="store_true",
        help="force the numba kernels (SKNN_KERNELS=numba; default: the NumPy path)",
    )
    args = parser.parse_args()
    env = {**os.environ, "SKNN_KERNELS": "numba" if args.kernels else "numpy"}
    with checked_out(args.rev) as old_tree:
        old = _run_side(old_tree, old_tree.parent / "old.pkl", env)
        new = _run_side(REPO, old_tree.parent / "new.pkl", env)
    differ = [name for name in old if not _equal(old[name], new.get(name))]
    errors = [name for name, value in new.items() if isinstance(value[0], str)]
    for name in differ:
        print(f"differs: {name}")
    if errors:
        print(f"cases that raise an error (compared too): {', '.join(errors)}")
    print(f"same: {len(old) - len(differ)} of {len(old)} cases")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
