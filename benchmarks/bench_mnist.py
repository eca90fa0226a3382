"""The seed's MNIST network in sknn, scikit-learn and PyTorch, side by side.

::

    python benchmarks/bench_mnist.py ../shared/data/mnist.npz [--quick]
                                     [--epochs N] [--threads N] [--rounds R]

Contenders, run one after another, each in its own subprocess:

- sknn with the seed's settings: 784-512-512-10, relu, dropout 0.2, rmsprop,
  learning rate 1e-3, batch 128 (and alpha=1e-4, its default), as installed
  (with the fused numba kernels when ``sknn[performance]`` is there); the
  same as ``sknn-numpy`` with ``SKNN_KERNELS=numpy`` (the NumPy update
  path); and as ``sknn dtype=float32`` on float64 data (what a pandas user
  passes) with ``dtype="float32"``;
- scikit-learn's ``MLPClassifier`` with the closest settings it has: the same
  layers, adam, learning rate 1e-3, alpha 1e-4, batch 128, no dropout;
- PyTorch on the CPU with the same network and optimiser (RMSprop, rho 0.9,
  eps 1e-8, dropout 0.2, no L2 term), when ``torch`` is importable;

each in float32 and float64. For each it reports the median seconds per epoch
over ``--epochs`` epochs after one warm-up epoch (an epoch is one
``partial_fit`` call over the whole training set for sknn and scikit-learn: a
shuffled pass of minibatch updates with nothing else; ``sknn dtype=float32``
runs one ``fit`` of ``--epochs`` + 1 epochs instead, since ``partial_fit``
would convert the float64 rows again every epoch, which ``fit`` does once),
the fraction of the machine's matrix-multiply rate that epoch reaches, the
time to predict the test set (median of 5 after a warm-up), the peak memory
of the training (peak resident set size over the timed training, minus the
resident size before it, so that the data, imports and interpreter are not
counted), the test accuracy after the warm-up and timed epochs, and the
ratios sknn / peer in the same dtype.

With ``--rounds R`` every contender runs R times, the contenders taking turns
(round 1 of each, then round 2 of each, ...), and the table reports the median
of each contender's R epoch (and predict) times and its largest peak memory:
on a machine whose speed drifts by tens of per cent from minute to minute
(this project's, a shared 2-core VM), one round lets the drift decide ratios.

Thread counts are pinned identically for every contender: threadpoolctl limits
every BLAS and OpenMP pool in the process, ``torch.set_num_threads`` limits
PyTorch, and the ``*_NUM_THREADS`` variables are set for the subprocesses.

The matrix-multiply rate is the best of 5 products of two 3072 × 3072
matrices through ``np.matmul`` (NumPy's BLAS, the one sknn uses). An epoch's
work is counted as 2 flops per multiply-add of the forward pass
(Σ fan_in·fan_out per sample), of the weight gradients (the same again) and
of the error propagated back to every hidden layer (the same without the
first layer), times the number of training samples.
"""

import argparse
import itertools
import json
import os
import resource
import statistics
import subprocess
import sys
import time

import _checkout  # noqa: F401  (this checkout's sknn, here and in children)
import numpy as np

HIDDEN = (512, 512)
BATCH = 128
LEARNING_RATE = 1e-3
DROPOUT = 0.2
CLASSES = np.arange(10)
QUICK_TRAIN, QUICK_TEST = 10_000, 2_000
MATMUL_SIZE = 3072


# ------------------------------------------------------------------ the work


def load(path, dtype, quick):
    """MNIST scaled to [0, 1] in ``dtype``, converted a block at a time so that
    loading leaves no transient copy behind in the peak memory."""
    with np.load(path) as data:
        arrays = [data[k] for k in ("X_train", "y_train", "X_test", "y_test")]
    if quick:
        arrays = [a[:n] for a, n in zip(arrays, 2 * [QUICK_TRAIN] + 2 * [QUICK_TEST])]
    X_train, y_train, X_test, y_test = arrays

    def scale(X):
        out = np.empty(X.shape, dtype)
        for start in range(0, len(X), 4096):
            np.multiply(
                X[start : start + 4096], dtype(1 / 255), out=out[start : start + 4096]
            )
        return out

    return (
        scale(X_train),
        y_train.astype(np.int64),
        scale(X_test),
        y_test.astype(np.int64),
    )


def flops_per_epoch(n_samples, n_features):
    sizes = (n_features, *HIDDEN, 10)
    products = [i * o for i, o in itertools.pairwise(sizes)]
    forward = sum(products)
    backward = sum(products) + sum(products[1:])
    return 2 * (forward + backward) * n_samples


class Sknn:
    """sknn as installed: the fused numba kernels when numba is importable."""

    dtype = None  # the estimator's dtype parameter

    def __init__(self):
        from sknn import MLPClassifier

        self.model = MLPClassifier(
            hidden_layer_sizes=HIDDEN,
            activation="relu",
            dropout=DROPOUT,
            solver="rmsprop",
            learning_rate=LEARNING_RATE,
            batch_size=BATCH,
            n_iter_no_change=None,
            random_state=0,
            dtype=self.dtype,
        )

    def epoch(self, X, y):
        self.model.partial_fit(X, y, classes=CLASSES)

    def predict(self, X):
        return self.model.predict(X)


class SknnNumPy(Sknn):
    """sknn without the extra: the pure-NumPy update path."""

    def __init__(self):
        os.environ["SKNN_KERNELS"] = "numpy"  # read when sknn is imported
        super().__init__()


class SknnFloat32(Sknn):
    """float64 data (a DataFrame's, a transformer's) with dtype="float32",
    trained as such a user does: one ``fit``, which converts X once.

    ``partial_fit`` epochs would convert the 60,000 rows again every epoch,
    a cost no ``fit`` pays. The epochs are timed from their starts, which
    a schedule callable that leaves the rate alone records; the first epoch
    (the warm-up, not counted) includes the conversion.
    """

    dtype = "float32"

    def fit_epochs(self, X, y, epochs):
        starts = []

        def record_start(epoch, learning_rate):
            starts.append(time.perf_counter())
            return learning_rate

        self.model.set_params(max_iter=epochs, learning_rate_schedule=record_start)
        start = time.perf_counter()
        self.model.fit(X, y)
        bounds = [start, *starts[1:], time.perf_counter()]
        return [b - a for a, b in itertools.pairwise(bounds)]


class Sklearn(Sknn):
    def __init__(self):
        from sklearn.neural_network import MLPClassifier

        self.model = MLPClassifier(
            hidden_layer_sizes=HIDDEN,
            activation="relu",
            solver="adam",
            learning_rate_init=LEARNING_RATE,
            alpha=1e-4,
            batch_size=BATCH,
            random_state=0,
        )


class Torch:
    def __init__(self):
        import torch

        self.torch = torch
        torch.manual_seed(0)
        self.generator = torch.Generator().manual_seed(0)
        self.model = None

    def _build(self, dtype):
        nn = self.torch.nn
        layers, fan_in = [], None
        for units in HIDDEN:
            layers += [
                nn.LazyLinear(units) if fan_in is None else nn.Linear(fan_in, units)
            ]
            layers += [nn.ReLU(), nn.Dropout(DROPOUT)]
            fan_in = units
        self.model = nn.Sequential(*layers, nn.Linear(fan_in, 10)).to(dtype)
        self.optimizer = None

    def epoch(self, X, y):
        torch = self.torch
        X, y = torch.from_numpy(X), torch.from_numpy(y)
        if self.model is None:
            self._build(X.dtype)
            self.model(X[:1])  # materialise the lazy layer before the optimiser
            self.optimizer = torch.optim.RMSprop(
                self.model.parameters(), lr=LEARNING_RATE, alpha=0.9, eps=1e-8
            )
        self.model.train()
        order = torch.randperm(len(X), generator=self.generator)
        loss_sum = 0.0
        for start in range(0, len(X), BATCH):
            rows = order[start : start + BATCH]
            self.optimizer.zero_grad(set_to_none=True)
            loss = torch.nn.functional.cross_entropy(self.model(X[rows]), y[rows])
            loss.backward()
            self.optimizer.step()
            loss_sum += loss.item() * len(rows)
        return loss_sum / len(X)

    def predict(self, X):
        self.model.eval()
        with self.torch.inference_mode():
            return self.model(self.torch.from_numpy(X)).argmax(dim=1).numpy()


CONTENDERS = {
    "sknn": Sknn,
    "sknn-numpy": SknnNumPy,
    "sknn dtype=float32": SknnFloat32,
    "scikit-learn": Sklearn,
    "PyTorch": Torch,
}
# the data dtypes each contender runs on (sknn dtype=float32 converts float64)
DATA_DTYPES = {"sknn dtype=float32": ("float64",)}


# ------------------------------------------------------------ measurement


def reset_peak_rss():
    """Start a new peak-RSS measurement; False where the kernel refuses."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # resets the resident-set high-water mark
        return True
    except OSError:
        return False


def current_rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pin_threads(n):
    from threadpoolctl import threadpool_info, threadpool_limits

    limiter = threadpool_limits(limits=n)
    pools = [
        f"{p['internal_api']} {p.get('version') or ''}".strip()
        for p in threadpool_info()
    ]
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(n)
        pools.append("torch.set_num_threads")
    return limiter, f"{n} thread(s): " + ", ".join(sorted(set(pools)))


def train(contender, X, y, epochs):
    """Seconds of each of ``epochs`` epochs: ``contender.fit_epochs`` where
    it has one (one ``fit``), else one ``epoch`` call per epoch."""
    if hasattr(contender, "fit_epochs"):
        return contender.fit_epochs(X, y, epochs)
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        contender.epoch(X, y)
        times.append(time.perf_counter() - start)
    return times


def run_contender(name, path, dtype, quick, epochs, threads):
    dtype = np.dtype(dtype).type
    contender = CONTENDERS[name]()
    _, pinned = pin_threads(threads)
    X_train, y_train, X_test, y_test = load(path, dtype, quick)

    before = current_rss_mb()
    exact_peak = reset_peak_rss()
    if not exact_peak:
        before = peak_rss_mb()
    times = train(contender, X_train, y_train, epochs + 1)
    peak = peak_rss_mb() - before

    contender.predict(X_test)
    predict_times = []
    for _ in range(5):
        start = time.perf_counter()
        predicted = contender.predict(X_test)
        predict_times.append(time.perf_counter() - start)
    return {
        "name": name,
        "dtype": np.dtype(dtype).name,
        "epoch_s": statistics.median(times[1:]),
        "epochs_s": times,
        "predict_s": statistics.median(predict_times),
        "peak_mb": peak,
        "peak_exact": exact_peak,
        "accuracy": float(np.mean(predicted == y_test)),
        "n_train": len(X_train),
        "n_features": X_train.shape[1],
        "threads": pinned,
    }


def run_matmul(dtype, threads):
    _, pinned = pin_threads(threads)
    rng = np.random.default_rng(0)
    A = rng.random((MATMUL_SIZE, MATMUL_SIZE)).astype(dtype)
    B = rng.random((MATMUL_SIZE, MATMUL_SIZE)).astype(dtype)
    C = np.empty_like(A)
    np.matmul(A, B, out=C)
    best = min(_timed(lambda: np.matmul(A, B, out=C)) for _ in range(5))
    return {
        "dtype": dtype,
        "gflops": 2 * MATMUL_SIZE**3 / best / 1e9,
        "threads": pinned,
    }


def _timed(function):
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def in_subprocess(args, threads):
    """Run this script with ``args`` in a fresh interpreter; its JSON result."""
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)
    done = subprocess.run(
        [sys.executable, __file__, *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"{' '.join(args)} failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------- report


def torch_available():
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def report(results, peaks, args):
    first = results[0]
    flops = flops_per_epoch(first["n_train"], first["n_features"])
    print(
        f"MNIST {first['n_train']} training / {QUICK_TEST if args.quick else 10000} "
        f"test images, {args.epochs} timed epochs after 1 warm-up, batch {BATCH}, "
        f"784-{'-'.join(map(str, HIDDEN))}-10"
    )
    print(f"Threads: {first['threads']}")
    torch_threads = [r["threads"] for r in results if r["name"] == "PyTorch"]
    if torch_threads:
        print(f"Threads (PyTorch run): {torch_threads[0]}")
    print(
        "Matmul rate (np.matmul 3072²): "
        + ", ".join(f"{d} {p['gflops']:.1f} GFLOP/s" for d, p in peaks.items())
        + f"; one epoch = {flops / 1e9:.1f} GFLOP"
    )
    if not all(r["peak_exact"] for r in results):
        print("(peak memory from ru_maxrss without a reset: an upper bound)")
    print()
    print(
        "| contender | dtype | s/epoch | % of matmul peak | predict 10k (s) "
        "| peak fit memory (MB) | test acc |"
    )
    print("|---|---|---|---|---|---|---|")
    for r in results:
        compute = "float32" if r["name"] == "sknn dtype=float32" else r["dtype"]
        rate = flops / r["epoch_s"] / 1e9
        share = 100 * rate / peaks[compute]["gflops"]
        row = [
            r["name"],
            r["dtype"],
            f"{r['epoch_s']:.2f}",
            f"{share:.0f}%",
            f"{r['predict_s']:.3f}",
            f"{r['peak_mb']:.0f}",
            f"{r['accuracy']:.4f}",
        ]
        print("| " + " | ".join(row) + " |")
    print()
    print(
        "Ratios sknn / peer (epoch, predict, memory), the peer in the dtype the "
        "sknn row computes in:"
    )
    print("| sknn row | dtype | vs | epoch | predict | memory |")
    print("|---|---|---|---|---|---|")
    peers = [r for r in results if not r["name"].startswith("sknn")]
    for ours in (r for r in results if r["name"].startswith("sknn")):
        compute = "float32" if ours["name"] == "sknn dtype=float32" else ours["dtype"]
        for peer in (p for p in peers if p["dtype"] == compute):
            print(
                f"| {ours['name']} | {ours['dtype']} | {peer['name']} {compute} "
                f"| {ours['epoch_s'] / peer['epoch_s']:.2f} "
                f"| {ours['predict_s'] / peer['predict_s']:.2f} "
                f"| {ours['peak_mb'] / max(peer['peak_mb'], 1e-9):.2f} |"
            )
    print()
    print("Epoch times (s), warm-up first, round after round:")
    for r in results:
        times = ", ".join(f"{t:.2f}" for t in r["epochs_s"])
        print(f"  {r['name']:<12} {r['dtype']:<8} {times}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", help="MNIST .npz with X_train, y_train, X_test, y_test")
    parser.add_argument("--quick", action="store_true", help="10k/2k subset")
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs (>= 1)")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="run every contender this many times, in turn, and report medians",
    )
    parser.add_argument(
        "--only", nargs="+", choices=list(CONTENDERS), help="a subset of contenders"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--dtype", default="float32", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker == "matmul":
        print(json.dumps(run_matmul(args.dtype, args.threads)))
        return
    if args.worker:
        result = run_contender(
            args.worker, args.data, args.dtype, args.quick, args.epochs, args.threads
        )
        print(json.dumps(result))
        return

    names = args.only or [n for n in CONTENDERS if n != "PyTorch" or torch_available()]
    common = [args.data, "--epochs", str(args.epochs), "--threads", str(args.threads)]
    if args.quick:
        common.append("--quick")
    peaks = {
        d: in_subprocess([*common, "--worker", "matmul", "--dtype", d], args.threads)
        for d in ("float32", "float64")
    }
    runs = {}  # (name, dtype) -> one result per round
    for round_ in range(args.rounds):
        for name in names:
            for dtype in DATA_DTYPES.get(name, ("float32", "float64")):
                print(
                    f"round {round_ + 1}/{args.rounds}: {name} {dtype} ...",
                    file=sys.stderr,
                    flush=True,
                )
                runs.setdefault((name, dtype), []).append(
                    in_subprocess(
                        [*common, "--worker", name, "--dtype", dtype], args.threads
                    )
                )
    report([combine(rounds) for rounds in runs.values()], peaks, args)


def combine(rounds):
    """One contender's result over the rounds: the medians of its epoch and
    predict times and the largest peak memory; every epoch time is kept."""
    result = dict(rounds[0])
    result["epoch_s"] = statistics.median(r["epoch_s"] for r in rounds)
    result["predict_s"] = statistics.median(r["predict_s"] for r in rounds)
    result["peak_mb"] = max(r["peak_mb"] for r in rounds)
    result["epochs_s"] = [t for r in rounds for t in r["epochs_s"]]
    return result


if __name__ == "__main__":
    main()
