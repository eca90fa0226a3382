"""Predict latency: sknn's ``predict_proba`` against onnxruntime on the same model.

::

    python benchmarks/bench_onnx.py [--repeat N] [--threads N]
                                    [--hidden 512 512] [--features 784]

The model has the seed's MNIST shape by default (784-512-512-10, relu,
softmax), trained for one ``partial_fit`` epoch on random data: latency depends
on the layer sizes, not on the weights, so no data set is needed. It is
trained in float32 and in float64, exported with ``sknn.to_onnx`` (plain
arrays out, no ZipMap) and loaded into an onnxruntime ``InferenceSession``.

For 1 row and for 10,000 rows, each dtype, the script times ``--repeat`` calls
of ``model.predict_proba(X)`` and of ``session.run(None, {"X": X})`` after two
warm-up calls, and prints the median time per call side by side with the
ratio sknn / onnxruntime, as a markdown table. Both get the same thread
count: threadpoolctl limits every BLAS and OpenMP pool in the process (sknn's
matrix products), and the session's ``intra_op_num_threads`` is set to it
(``inter_op_num_threads`` to 1). The largest difference between the two
probability matrices is printed too, as a check that both compute the same.
"""

import argparse
import os
import statistics
import time
import warnings

import _checkout  # noqa: F401  (this checkout's sknn, here and in children)
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_info, threadpool_limits

import sknn

ROWS = (1, 10_000)
N_CLASSES = 10


def fitted_model(dtype, hidden, n_features, seed=0):
    """One partial_fit epoch on 1,000 random rows: a fitted model of the shape."""
    rng = np.random.default_rng(seed)
    X = rng.random((1000, n_features), dtype=np.float64).astype(dtype)
    y = rng.integers(N_CLASSES, size=len(X))
    model = sknn.MLPClassifier(hidden_layer_sizes=hidden, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.partial_fit(X, y, classes=np.arange(N_CLASSES))


def onnx_session(model, X_sample, threads):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    onx = sknn.to_onnx(model, X_sample)
    return ort.InferenceSession(
        onx.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )


def median_seconds(repeat, function, *args):
    """Median seconds of ``repeat`` calls ``function(*args)`` after 2 warm-ups."""
    for _ in range(2):  # first-call allocations, caches
        function(*args)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function(*args)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def format_time(seconds):
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    return f"{seconds * 1e3:.2f} ms"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--repeat", type=int, default=100, help="timed calls per cell (default 100)"
    )
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--hidden", type=int, nargs="*", default=[512, 512])
    parser.add_argument("--features", type=int, default=784)
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    import onnxruntime as ort
    import skl2onnx

    rng = np.random.default_rng(1)
    rows = []
    with threadpool_limits(limits=args.threads):
        pools = sorted(
            {
                f"{p['internal_api']} {p.get('version') or ''}".strip()
                for p in threadpool_info()
            }
        )
        for dtype in (np.float32, np.float64):
            model = fitted_model(dtype, tuple(args.hidden), args.features)
            X_all = rng.random((max(ROWS), args.features)).astype(dtype)
            session = onnx_session(model, X_all[:1], args.threads)
            name = session.get_inputs()[0].name
            for n in ROWS:
                X = X_all[:n]
                ours = median_seconds(args.repeat, model.predict_proba, X)
                theirs = median_seconds(args.repeat, session.run, None, {name: X})
                diff = np.abs(
                    session.run(None, {name: X})[1] - model.predict_proba(X)
                ).max()
                rows.append((n, np.dtype(dtype).name, ours, theirs, diff))

    layers = "-".join(map(str, (args.features, *args.hidden, N_CLASSES)))
    print(
        f"{layers} relu/softmax; median of {args.repeat} calls after 2 warm-ups; "
        f"sknn {sknn.__version__}, onnxruntime {ort.__version__}, "
        f"skl2onnx {skl2onnx.__version__}"
    )
    print(
        f"Threads: {args.threads} (threadpoolctl: {', '.join(pools)}; "
        f"onnxruntime intra_op_num_threads={args.threads})"
    )
    print()
    print(
        "| rows | dtype | sknn predict_proba | onnxruntime | sknn / onnxruntime "
        "| max abs difference |"
    )
    print("|---|---|---|---|---|---|")
    for n, dtype, ours, theirs, diff in rows:
        print(
            f"| {n:,} | {dtype} | {format_time(ours)} | {format_time(theirs)} "
            f"| {ours / theirs:.2f} | {diff:.1e} |"
        )


if __name__ == "__main__":
    main()
