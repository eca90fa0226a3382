"""Training on a Dask DataFrame that stays on the cluster
======================================================

The rows of a Dask DataFrame live on the cluster's workers; ``fit``,
``score`` and ``predict_proba`` take it as they take a pandas DataFrame, and
the rows never come to this process. The script makes the table on the
workers, partition by partition from a seed (a stand-in for
``dd.read_parquet`` of a data set too large to load), then trains two
classifiers on it:

- ``solver="lbfgs"``: exact L-BFGS, the optimiser on the client and J and its
  gradient summed over the partitions where they live;
- ``solver="adam"``: the model travels from partition to partition, a few
  epochs of minibatch steps on each;

each with a Dask hold-out as ``X_val``, then scores both on the cluster and
draws their learning curves. By default it starts a ``distributed.
LocalCluster`` of two worker processes; give ``--scheduler`` the address of a
running scheduler to use a real cluster (every worker needs sknn installed)::

    pip install "sknn[dask]"
    python examples/dask_training.py                     # LocalCluster
    python examples/dask_training.py --scheduler tcp://10.0.0.5:8786 \\
        --rows 100000000 --partitions 400                # a real cluster

It takes a few minutes, so the documentation does not run it; it shows what it
printed and drew on this project's 2-core machine on 2026-12-05 (other jobs
sharing the two cores), run from the repository's root as::

    python examples/dask_training.py --figure docs/_static/gallery/dask_training.png

.. code-block:: text

    scheduler tcp://127.0.0.1:43261, 2 workers
    training table: 4,000,000 rows × 16 features (0.51 GB of float64) in 40 partitions; hold-out: 400,000 rows
    lbfgs: 100 iterations in 160 s, classes [0, 1, 2], hold-out accuracy 0.9219 (scored in 1.0 s)
    adam: 8 epochs in 26 s, classes [0, 1, 2], hold-out accuracy 0.9357 (scored in 0.5 s)
    predict_proba: a lazy Dask array of shape (400000, 3), chunks (100000, 100000, 100000)...
    its first rows:
     [[0.001 0.037 0.961]
     [0.042 0.93  0.028]
     [0.945 0.047 0.008]]
    figure saved to docs/_static/gallery/dask_training.png

Each L-BFGS iteration is a pass over the 40 partitions (and one over the
hold-out's 4 for ``val_loss``); each adam epoch visits the 40 partitions one
after the other. The data is 0.5 GB here, so the workers keep it in memory
(it takes less than half of their memory, see the user guide); on a
cluster, ``--rows`` as large as the cluster's disks or generator allow.

The user guide's :ref:`dask` page explains what each method computes where,
and the figures of a run on data three times larger than the cluster's
memory.

.. image:: /_static/gallery/dask_training.png
   :alt: Accuracy and loss by L-BFGS iteration and by adam epoch, training and
         hold-out
"""

import argparse
import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning

from sknn import MLPClassifier, plot_history

# sphinx_gallery_thumbnail_path = "_static/gallery/dask_training.png"

N_FEATURES = 16
COLUMNS = [f"x{j}" for j in range(N_FEATURES)]


def partition(index, rows, seed):
    """Partition ``index`` of the table: its own random stream, so a worker
    makes it without the others (and makes it again the same if asked)."""
    rng = np.random.default_rng([seed, index])
    X = rng.standard_normal((rows, N_FEATURES))
    # three classes from two nonlinear scores, 5% of the labels flipped
    first = X[:, 0] + np.sin(2 * X[:, 1]) + 0.5 * X[:, 2] * X[:, 3]
    second = X[:, 4] - 0.5 * X[:, 5] ** 2 + 0.5 * X[:, 6]
    label = np.where(first > 0.5, 2, np.where(second > -0.5, 1, 0))
    flip = rng.random(rows) < 0.05
    label[flip] = rng.integers(0, 3, flip.sum())
    frame = pd.DataFrame(X, columns=COLUMNS)
    frame["label"] = label
    return frame


def table(rows, partitions, seed):
    """A lazy Dask DataFrame of ``rows`` rows in ``partitions`` partitions:
    only the recipe is here, the workers make the rows when asked."""
    import dask.dataframe as dd

    sizes = np.diff(np.linspace(0, rows, partitions + 1).astype(int))
    meta = partition(0, 0, seed)
    return dd.from_map(
        lambda args: partition(*args, seed),
        list(enumerate(sizes)),
        meta=meta,
        label=f"table-{seed}",
        enforce_metadata=False,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786; "
        "without it a LocalCluster is started",
    )
    parser.add_argument("--workers", type=int, default=2, help="LocalCluster workers")
    parser.add_argument("--rows", type=int, default=4_000_000)
    parser.add_argument("--partitions", type=int, default=40)
    parser.add_argument("--figure", help="save the figure to this path")
    # In a Jupyter notebook (no __file__) sys.argv holds the kernel's own
    # arguments, not this script's: run with the defaults there.
    args = parser.parse_args(None if "__file__" in globals() else [])

    from distributed import Client, LocalCluster  # the optional "dask" extra

    # both fits stop at max_iter on purpose, short of convergence
    warnings.simplefilter("ignore", ConvergenceWarning)

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
        workers = client.scheduler_info(n_workers=-1)["workers"]
        print(f"scheduler {client.scheduler.address}, {len(workers)} workers")
        train = table(args.rows, args.partitions, seed=0)
        test = table(args.rows // 10, max(1, args.partitions // 10), seed=1)
        X, y = train[COLUMNS], train["label"]
        X_test, y_test = test[COLUMNS], test["label"]
        print(
            f"training table: {args.rows:,} rows × {N_FEATURES} features "
            f"({args.rows * N_FEATURES * 8 / 1e9:.2f} GB of float64) in "
            f"{train.npartitions} partitions; hold-out: {args.rows // 10:,} rows"
        )

        models = {
            "lbfgs": MLPClassifier((32,), solver="lbfgs", max_iter=100, random_state=0),
            "adam": MLPClassifier(
                (32,), solver="adam", learning_rate=3e-3, batch_size=500,
                max_iter=8, n_iter_no_change=None, random_state=0,
            ),
        }  # fmt: skip
        for name, model in models.items():
            start = time.perf_counter()
            model.fit(X, y, X_val=X_test, y_val=y_test)
            seconds = time.perf_counter() - start
            start = time.perf_counter()
            accuracy = model.score(X_test, y_test)  # on the cluster: a float
            score_seconds = time.perf_counter() - start
            unit = "iterations" if name == "lbfgs" else "epochs"
            print(
                f"{name}: {model.n_iter_} {unit} in {seconds:.0f} s, "
                f"classes {model.classes_.tolist()}, "
                f"hold-out accuracy {accuracy:.4f} (scored in {score_seconds:.1f} s)"
            )

        proba = models["adam"].predict_proba(X_test)  # lazy: a Dask array
        print(f"predict_proba: a lazy Dask array of shape {proba.shape}, chunks "
              f"{proba.chunks[0][:3]}...")  # fmt: skip
        print("its first rows:\n", np.round(proba[:3].compute(), 3))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()

    figure, axes = plt.subplots(2, 2, figsize=(9, 6), layout="constrained")
    for row, (name, model) in zip(axes, models.items()):
        plot_history(model, axes=row)
        for ax in row:
            ax.set_title(f"{name}: {ax.get_title()}")
        row[0].set_xlabel("iteration" if name == "lbfgs" else "epoch")
        row[1].set_xlabel("iteration" if name == "lbfgs" else "epoch")
    if args.figure:
        figure.savefig(args.figure, dpi=80)
        print(f"figure saved to {args.figure}")
    plt.show()


if __name__ == "__main__":
    main()
