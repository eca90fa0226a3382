"""Training on a Dask array three times larger than the cluster's memory.

::

    python benchmarks/bench_dask_out_of_memory.py
        [--rows 10000000] [--features 100] [--chunk 125000]
        [--memory-limit 1.25e9] [--workers 2] [--iterations 3] [--epochs 1]

A ``LocalCluster`` of ``--workers`` worker processes (one thread each,
single-threaded BLAS) with ``--memory-limit`` bytes each; X is a float64 Dask
array of ``--rows`` × ``--features`` (by default 8 GB, 3.2 times the
cluster's 2.5 GB) made on the workers, block by block, from a seed per block
(``map_blocks``: the client holds only the graph), and y a function of X's
block. Neither is persisted: ``cluster.persisted`` keeps collections on the
workers only when they take at most ``PERSIST_FRACTION`` (half) of the
workers' memory, so every pass over X generates it again.

Two fits, each a single call: ``solver="lbfgs"`` for ``--iterations``
iterations and ``solver="adam"`` for ``--epochs`` epochs (batch 500). For
each, the script reports

- the seconds and the passes over X (how many times the workers made each
  block of X: the checks' pass, the targets' encoding, then one per L-BFGS
  evaluation of J or adam epoch);
- what the path persisted (the arrays handed to ``cluster.persisted`` and
  whether they were kept), and the bytes the workers hold afterwards;
- the client's resident memory: before the fit and its peak during it
  (sampled every 20 ms), against the data's size;
- the workers' peak resident memory (the nannies' reports, every 0.5 s);
- that no worker was lost: the same worker processes (pids) before and
  after, and no restart, kill or memory-limit message in the nannies' and
  workers' logs (the messages matching ``ALARMS`` are printed).

The script exits with status 1 if a worker died or restarted.
"""

import argparse
import gc
import os
import re
import threading
import time
import warnings

import _checkout  # noqa: F401  (this checkout's sknn, here and in the workers)
import numpy as np
import psutil
from sklearn.exceptions import ConvergenceWarning

from sknn import MLPClassifier
from sknn._dask import cluster as sknn_cluster
from sknn._dask import lbfgs as sknn_lbfgs

GB = 1e9
ALARMS = re.compile(
    r"restart|killed|terminat|exceed|memory limit|paused|spill|unmanaged|"
    r"worker process .* (died|exited)",
    re.IGNORECASE,
)


def features(rows, n_features, seed, block_id=None):
    """Block ``block_id`` of X: standard normals from its own seed. Counted
    on the worker that makes it (Dask may fuse the task into its users', so
    the task stream's keys would not tell)."""
    from distributed import get_worker

    try:
        worker = get_worker()
        worker.oom_blocks_made = getattr(worker, "oom_blocks_made", 0) + 1
    except ValueError:  # not on a worker (a local scheduler)
        pass
    rng = np.random.default_rng([seed, block_id[0]])
    return rng.standard_normal((rows, n_features))


def labels(X):
    """y of a block of X: a noiseless nonlinear boundary."""
    return (X[:, 0] + np.sin(3 * X[:, 1]) + X[:, 2] * X[:, 3] > 0).astype(np.int64)


def make_data(rows, n_features, chunk, seed=0):
    import dask.array as da

    n_blocks = -(-rows // chunk)
    lengths = tuple(min(chunk, rows - i * chunk) for i in range(n_blocks))
    X = da.map_blocks(
        lambda block_id=None: features(
            lengths[block_id[0]], n_features, seed, block_id
        ),
        chunks=(lengths, (n_features,)),
        dtype=np.float64,
        meta=np.empty((0, 0)),
        name="oom-features",
    )
    y = X.map_blocks(labels, drop_axis=1, dtype=np.int64, name="oom-labels")
    return X, y


class Peaks(threading.Thread):
    """Samples the client's RSS (every 20 ms) and the workers' (every 0.5 s)
    until stopped; keeps the maxima."""

    def __init__(self, client):
        super().__init__(daemon=True)
        self.client, self.stop = client, threading.Event()
        self.process = psutil.Process()
        self.client_peak = self.process.memory_info().rss
        self.worker_peak = {}

    def run(self):
        last = 0.0
        while not self.stop.is_set():
            self.client_peak = max(self.client_peak, self.process.memory_info().rss)
            now = time.monotonic()
            if now - last >= 0.5:
                last = now
                workers = self.client.scheduler_info(n_workers=-1)["workers"]
                for address, info in workers.items():
                    memory = info.get("metrics", {}).get("memory", 0)
                    self.worker_peak[address] = max(
                        self.worker_peak.get(address, 0), memory
                    )
            self.stop.wait(0.02)


def recording(decisions, evaluations):
    """Wrap ``cluster.persisted`` and the L-BFGS objective so that the fit's
    decisions to persist and its evaluations of J are recorded; returns the
    originals, to put back."""
    persisted, objective = sknn_cluster.persisted, sknn_lbfgs.objective

    def recorded_persisted(*arrays):
        kept = persisted(*arrays)
        for given, result in zip(arrays, kept):
            if given is not None:
                decisions.append((given.nbytes, result is not given))
        return kept

    def recorded_objective(rows, plan):
        evaluate = objective(rows, plan)

        def counted(*args):
            evaluations.append(1)
            return evaluate(*args)

        return counted

    sknn_cluster.persisted = recorded_persisted
    sknn_lbfgs.objective = recorded_objective
    return persisted, objective


def worker_state(client):
    gc.collect()  # the fit's collections, released: their keys too
    time.sleep(1)
    pids = client.run(os.getpid)
    held = client.run(
        lambda dask_worker: sum(
            getattr(v, "nbytes", 0) for v in dask_worker.data.values()
        )
    )
    return pids, held


def alarms(client):
    found = []
    for source, logs in (
        ("nanny", client.get_worker_logs(nanny=True)),
        ("worker", client.get_worker_logs()),
    ):
        for address, entries in logs.items():
            for level, message in entries:
                if ALARMS.search(message):
                    found.append(f"{source} {address} {level}: {message[:200]}")
    return found


def fit_one(client, solver, X, y, args):
    if solver == "lbfgs":
        model = MLPClassifier(
            (args.hidden,), solver="lbfgs", max_iter=args.iterations, tol=0.0,
            random_state=0,
        )  # fmt: skip
    else:
        model = MLPClassifier(
            (args.hidden,), solver="adam", max_iter=args.epochs, batch_size=500,
            learning_rate=3e-3, n_iter_no_change=None, random_state=0,
        )  # fmt: skip
    decisions, evaluations = [], []
    originals = recording(decisions, evaluations)
    peaks = Peaks(client)
    before = peaks.client_peak
    client.run(lambda dask_worker: setattr(dask_worker, "oom_blocks_made", 0))
    try:
        peaks.start()
        start = time.perf_counter()
        model.fit(X, y)
        seconds = time.perf_counter() - start
    finally:
        peaks.stop.set()
        peaks.join()
        sknn_cluster.persisted, sknn_lbfgs.objective = originals
    made = client.run(lambda dask_worker: getattr(dask_worker, "oom_blocks_made", 0))
    return {
        "model": model,
        "seconds": seconds,
        "passes": sum(made.values()) / X.numblocks[0],
        "evaluations": len(evaluations),
        "decisions": decisions,
        "client_before": before,
        "client_peak": peaks.client_peak,
        "worker_peak": max(peaks.worker_peak.values(), default=0),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--features", type=int, default=100)
    parser.add_argument("--chunk", type=int, default=125_000)
    parser.add_argument("--hidden", type=int, default=16)
    parser.add_argument("--memory-limit", type=float, default=1.25e9)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--iterations", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=1)
    args = parser.parse_args()

    from distributed import Client, LocalCluster

    warnings.simplefilter("ignore", ConvergenceWarning)
    X, y = make_data(args.rows, args.features, args.chunk)
    memory = args.workers * args.memory_limit
    print(
        f"X: {args.rows:,} × {args.features} float64 = {X.nbytes / GB:.2f} GB in "
        f"{X.numblocks[0]} blocks of {args.chunk * args.features * 8 / 1e6:.0f} MB; "
        f"cluster: {args.workers} workers × {args.memory_limit / GB:.2f} GB = "
        f"{memory / GB:.2f} GB (X is {X.nbytes / memory:.1f}× that); "
        f"persisted only below {sknn_cluster.PERSIST_FRACTION:.0%} of it"
    )
    failed = False
    with (
        LocalCluster(
            n_workers=args.workers, threads_per_worker=1, processes=True,
            memory_limit=args.memory_limit, dashboard_address=None,
            host="127.0.0.1",
            env={"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                 "MKL_NUM_THREADS": "1"},
        ) as cluster,
        Client(cluster) as client,
    ):  # fmt: skip
        client.wait_for_workers(args.workers)
        client.run(lambda: __import__("sknn"))  # import the stack on the workers
        pids_start, _ = worker_state(client)
        idle = max(
            w["metrics"]["memory"]
            for w in client.scheduler_info(n_workers=-1)["workers"].values()
        )
        print(f"an idle worker with sknn imported: {idle / 1e6:.0f} MB\n")
        print("| solver | iterations (evaluations of J) | s | passes over X "
              "| persisted (GB: kept?) | client RSS before → peak (MB) "
              "| worker peak RSS (MB) | workers hold after (MB) "
              "| accuracy (first 200k rows) |")  # fmt: skip
        print("|---|---|---:|---:|---|---|---:|---:|---:|")
        for solver in ("lbfgs", "adam"):
            r = fit_one(client, solver, X, y, args)
            pids, held = worker_state(client)
            persisted = ", ".join(
                f"{nbytes / GB:.2f}: {'yes' if kept else 'no'}"
                for nbytes, kept in r["decisions"]
            )
            sample = slice(0, 200_000)
            accuracy = r["model"].score(X[sample], y[sample])
            print(
                f"| {solver} | {r['model'].n_iter_}"
                + (f" ({r['evaluations']})" if r["evaluations"] else "")
                + f" | {r['seconds']:.0f} | {r['passes']:.0f} | {persisted} "
                f"| {r['client_before'] / 1e6:.0f} → {r['client_peak'] / 1e6:.0f} "
                f"| {r['worker_peak'] / 1e6:.0f} "
                f"| {sum(held.values()) / 1e6:.0f} | {accuracy:.3f} |"
            )
            if pids != pids_start:
                print(f"  worker processes changed: {pids_start} → {pids}")
                failed = True
        found = alarms(client)
        workers = len(client.scheduler_info(n_workers=-1)["workers"])
        print(
            f"\nworkers at the end: {workers} of {args.workers}, the same processes: "
            f"{worker_state(client)[0] == pids_start}; log messages about restarts, "
            f"kills, memory limits or spilling: {len(found)}"
        )
        for line in found:
            print("  " + line)
        failed |= any(
            re.search(r"restart|killed|terminat|died|exited", line, re.I)
            for line in found
        )
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
