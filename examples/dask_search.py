"""Hyper-parameter search on a Dask cluster through joblib's Dask backend
======================================================================

By default the script starts a ``distributed.LocalCluster`` (two worker
processes on this machine). Give ``--scheduler`` the address of a running
scheduler to use a real cluster instead; every worker then needs sknn (and the
same scikit-learn) installed::

    pip install "sknn[dask]"
    python examples/dask_search.py                      # LocalCluster
    python examples/dask_search.py --scheduler tcp://10.0.0.5:8786
    python examples/dask_search.py --compare            # also run it locally

Nothing in the search itself is Dask-specific: the ``GridSearchCV`` is the one
you would run on a laptop; ``joblib.parallel_config(backend="dask")`` sends its
fits to the cluster's workers. The script prints the best settings and scores
and draws the cross-validated accuracy of every candidate.
"""

import argparse
import time

import matplotlib.pyplot as plt
import numpy as np
from joblib import parallel_config
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknn import MLPClassifier


def make_search(n_jobs):
    pipe = make_pipeline(
        StandardScaler(),
        MLPClassifier(
            learning_rate=3e-3, max_iter=30, n_iter_no_change=None, random_state=0
        ),
    )
    grid = {
        "mlpclassifier__hidden_layer_sizes": [(32,), (64,)],
        "mlpclassifier__alpha": [1e-4, 1e-2],
        "mlpclassifier__dropout": [0.0, 0.2],
    }
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    return GridSearchCV(pipe, grid, cv=cv, n_jobs=n_jobs)


def plot_candidates(search):
    """Mean cross-validated accuracy (± std over the folds) of each candidate."""
    results = search.cv_results_
    # best at the top; among equal scores, the first one, which the search keeps
    order = np.lexsort((-np.arange(len(results["params"])), results["mean_test_score"]))
    labels = [
        ", ".join(
            f"{key.removeprefix('mlpclassifier__')}={value}"
            for key, value in results["params"][i].items()
        )
        for i in order
    ]
    scores = results["mean_test_score"][order]
    figure, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
    ax.barh(labels, scores, xerr=results["std_test_score"][order])
    ax.set_xlim(scores.min() - 0.03, min(1, scores.max() + 0.03))
    ax.set_xlabel("mean cross-validated accuracy (3 folds, ± std)")
    ax.set_title("Every candidate, fitted on the cluster; best at the top")
    ax.tick_params(axis="y", labelsize=8)
    return figure


def main():
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786; "
        "without it a LocalCluster is started",
    )
    parser.add_argument("--workers", type=int, default=2, help="LocalCluster workers")
    parser.add_argument(
        "--compare",
        action="store_true",
        help="run the same search locally too and check the results agree",
    )
    # In a Jupyter notebook (no __file__) sys.argv holds the kernel's own
    # arguments, not this script's: run with the defaults there.
    args = parser.parse_args(None if "__file__" in globals() else [])

    from distributed import Client, LocalCluster  # the optional "dask" extra

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )

    if args.scheduler:
        cluster = None
        client = Client(args.scheduler)
    else:
        cluster = LocalCluster(
            n_workers=args.workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        )
        client = Client(cluster)
    try:
        workers = client.scheduler_info()["workers"]
        print(f"scheduler {client.scheduler.address}, {len(workers)} workers")
        start = time.perf_counter()
        with parallel_config(backend="dask"):
            search = make_search(n_jobs=-1).fit(X_train, y_train)
        print(f"Dask search: {time.perf_counter() - start:.1f} s")
    finally:
        client.close()
        if cluster is not None:
            cluster.close()

    print("best params:", search.best_params_)
    print(f"best cross-validated accuracy: {search.best_score_:.4f}")
    print(f"test accuracy: {search.score(X_test, y_test):.4f}")
    plot_candidates(search)
    plt.show()

    if args.compare:
        start = time.perf_counter()
        local = make_search(n_jobs=1).fit(X_train, y_train)
        print(f"local search: {time.perf_counter() - start:.1f} s")
        same = local.best_params_ == search.best_params_ and np.array_equal(
            local.cv_results_["mean_test_score"], search.cv_results_["mean_test_score"]
        )
        print("same results as the local search:", same)


if __name__ == "__main__":
    main()
