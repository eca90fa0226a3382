"""The Dask training path against the in-memory fit: seconds per L-BFGS
iteration and per adam epoch, and the Dask path's overhead.

::

    python benchmarks/bench_dask.py [--rows 1000000]
        [--features 50] [--hidden 32] [--iterations 10] [--epochs 2]
        [--chunk 125000] [--workers 1 2]

The same synthetic binary problem (float64, ``--rows`` × ``--features``)
is fitted in memory, with BLAS limited to one thread, and on a
``LocalCluster`` of 1 and 2 worker processes (one thread each,
single-threaded BLAS), from a Dask array of ``--chunk`` rows per block
persisted on the workers before timing. L-BFGS runs ``--iterations``
iterations (``tol=0``, so each fit takes them all), adam ``--epochs``
epochs (batch_size 200), each also with one iteration (epoch): the
difference, divided by the extra iterations, is the time per iteration
(epoch), and what remains of the one-iteration fit is the fit's fixed cost
(the checks' pass over the data, encoding and persisting the targets, the
final divergence check). Each time is the median of ``--repeat`` fits; the
table gives both, the ratio of the times per iteration to the in-memory
fit's and the overhead, ratio − 1, as markdown.

How it scales, and what limits it:

- L-BFGS: an evaluation is one pass of J and its gradient over every
  partition, in parallel on the workers, then 2·log2(P) transfers of the
  gradient (8 bytes per parameter) and one scheduler round trip. With W
  workers the pass takes about 1/W of the in-memory time, plus a fixed cost
  per evaluation (the graph of P tasks, θ sent out, the tree of sums: a few
  milliseconds per partition on this machine), so the speed-up grows with
  rows per partition and stops where the fixed cost dominates (small data,
  many partitions, or a large θ to ship). The L-BFGS step itself runs on
  the client, O(n_params) per iteration.
- adam (and sgd, rmsprop): the blocks are visited one after the other, the
  model travelling (θ and the optimiser's state, ~3 × 8 bytes per parameter
  for adam, each way, per block): no speed-up with workers, by design (the
  model is the state); the cost over the in-memory fit is one task and two
  model transfers per block, small when a block holds many batches.

On this 2-core machine the two workers share the cores with the client and
the scheduler, so the 2-worker line shows the overhead more than a speed-up.
"""

import argparse
import statistics
import time
import warnings

import _checkout  # noqa: F401  (this checkout's sknn, here and in the workers)
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from sknn import MLPClassifier


def problem(rows, features, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((rows, features))
    y = (X[:, 0] + np.sin(X[:, 1]) + 0.3 * rng.standard_normal(rows) > 0).astype(int)
    return X, y


def model(solver, iterations, hidden):
    common = {"hidden_layer_sizes": (hidden,), "random_state": 0}
    if solver == "lbfgs":
        return MLPClassifier(solver="lbfgs", max_iter=iterations, tol=0.0,
                             **common)  # fmt: skip
    return MLPClassifier(solver="adam", max_iter=iterations, batch_size=200,
                         n_iter_no_change=None, **common)  # fmt: skip


def per_iteration(solver, iterations, X, y, args):
    """(seconds per iteration, fixed seconds per fit): medians of
    ``--repeat`` fits of ``iterations`` and of 1 iteration."""

    def seconds(k):
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            fitted = model(solver, k, args.hidden).fit(X, y)
            times.append(time.perf_counter() - start)
            assert fitted.n_iter_ == k, (solver, fitted.n_iter_, k)
        return statistics.median(times)

    model(solver, 1, args.hidden).fit(X, y)  # warm-up: imports, caches, workers
    one, many = seconds(1), seconds(iterations)
    each = (many - one) / (iterations - 1)
    return each, one - each


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--features", type=int, default=50)
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--iterations", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--chunk", type=int, default=125_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import dask
    import dask.array as da
    from distributed import Client, LocalCluster

    warnings.simplefilter("ignore", ConvergenceWarning)
    X, y = problem(args.rows, args.features)
    units = {"lbfgs": args.iterations, "adam": args.epochs}
    results = {}
    with threadpool_limits(1):
        for solver in units:
            results[(solver, "memory")] = per_iteration(
                solver, units[solver], X, y, args
            )
    for n_workers in args.workers:
        with (
            LocalCluster(
                n_workers=n_workers, threads_per_worker=1, processes=True,
                dashboard_address=":0",
                env={"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"},
            ) as cluster,
            Client(cluster) as client,
            dask.config.set(scheduler=client.get),
        ):  # fmt: skip
            Xd = da.from_array(X, chunks=(args.chunk, -1)).persist()
            yd = da.from_array(y, chunks=args.chunk).persist()
            client.wait_for_workers(n_workers)
            for solver in units:
                results[(solver, f"{n_workers} worker(s)")] = per_iteration(
                    solver, units[solver], Xd, yd, args
                )
    print(
        f"{args.rows:,} rows × {args.features} features, hidden ({args.hidden},), "
        f"float64, blocks of {args.chunk:,} rows, median of {args.repeat} fits\n"
    )
    print("| solver | where | s / iteration (epoch) | fixed s / fit | ratio "
          "| overhead |")  # fmt: skip
    print("|---|---|---:|---:|---:|---:|")
    for (solver, where), (each, fixed) in results.items():
        ratio = each / results[(solver, "memory")][0]
        print(f"| {solver} | {where} | {each:.3f} | {fixed:.2f} | {ratio:.2f} | "
              f"{100 * (ratio - 1):+.0f}% |")  # fmt: skip


if __name__ == "__main__":
    main()
