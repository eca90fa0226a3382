"""The optimisers' steps: NumPy passes against the fused numba kernels.

Times one ``step`` (L2 term included, as in training with ``alpha`` > 0, and
the denormal flush every 32 steps) over the parameters of the seed's MNIST
network, 784-512-512-10 (669,706 parameters, 668,672 of them weights), for
every rule and both dtypes, and prints the microseconds per step of each path
as a markdown table. Then it prices numba's one-off costs: importing it, and
compiling each kernel for each dtype with an empty disk cache ("cold") or
loading it from the cache ("warm"), each measured in a fresh interpreter.
``--sizes`` adds a sweep over smaller networks, with the number of steps
after which the fused kernel has paid for the cold start: the figures behind
``sknn._kernels.MIN_PARAMS``.

::

    python benchmarks/bench_kernels.py [--sizes] [--repeats N]

Times are CPU times of this process (``time.process_time``), and a step's
time is the least of ``--repeats`` runs, so that other work on the machine
inflates them less than it would wall-clock medians; still, read them as
indicative. BLAS and OpenMP are pinned to one thread (the steps use neither,
but a benchmark next to other work should not spread). Needs numba.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time

import _checkout  # noqa: F401  (this checkout's sknn, here and in children)
import numpy as np
from threadpoolctl import threadpool_limits

from sknn._math import kernels as _kernels
from sknn._math.network import Network
from sknn._math.optimizers import SOLVERS, make_optimizer

PINNED = {
    name: "1"
    for name in (
        "OMP_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "MKL_NUM_THREADS",
        "NUMBA_NUM_THREADS",
    )
}
PARAMS = dict(
    learning_rate=1e-3,
    momentum=0.9,
    nesterov=False,
    rho=0.9,
    epsilon=1e-8,
    beta_1=0.9,
    beta_2=0.999,
)
RULES = {  # label: (solver, parameter overrides)
    "sgd": ("sgd", {"momentum": 0.0}),
    "momentum": ("sgd", {}),
    "nesterov": ("sgd", {"nesterov": True}),
    "rmsprop": ("rmsprop", {}),
    "adam": ("adam", {}),
}
L2_SCALE = 1e-4 / 200  # alpha / batch size, the seed's recipe
DTYPES = ("float32", "float64")


def seconds_per_step(rule, dtype, n_params, n_coef, numba, repeats, target=0.02):
    """Seconds of one step: the least of ``repeats`` timed runs of ~``target``
    seconds each."""
    solver, overrides = RULES[rule]
    rng = np.random.default_rng(0)
    theta = rng.standard_normal(n_params).astype(dtype)
    grad = (1e-3 * rng.standard_normal(n_params)).astype(dtype)
    grad_copy = grad.copy()
    optimizer = make_optimizer(
        SOLVERS[solver], n_params, dtype, {**PARAMS, **overrides}, n_coef=n_coef
    )
    with _kernels.use_numba(numba):
        optimizer.step(theta, grad, L2_SCALE)  # compiles, allocates the scratch
        start = time.process_time()
        optimizer.step(theta, grad, L2_SCALE)
        steps = max(8, int(target / max(time.process_time() - start, 1e-7)))
        times = []
        for _ in range(repeats):
            start = time.process_time()
            for _ in range(steps):
                grad[...] = grad_copy  # the NumPy path adds the L2 term into grad
                optimizer.step(theta, grad, L2_SCALE)
            times.append((time.process_time() - start) / steps)
        # the copy is part of neither path's step: take it out
        start = time.process_time()
        for _ in range(steps):
            grad[...] = grad_copy
        copy = (time.process_time() - start) / steps
    return min(times) - copy


COMPILE_SCRIPT = textwrap.dedent(
    """
    import json, time
    import numpy as np
    start = time.process_time()
    import numba
    result = {"import": time.process_time() - start}
    from sknn._math import kernels as _kernels
    for name in _kernels._KERNELS:
        for dtype in ("float32", "float64"):
            start = time.process_time()
            _kernels._compile(name, np.dtype(dtype))
            result[f"{name} {dtype}"] = time.process_time() - start
    print(json.dumps(result))
    """
)


def one_off_costs():
    """{"cold": {...}, "warm": {...}}: seconds to import numba, of numba's
    start-up and to compile (cold) or load (warm) each kernel for each dtype,
    each in a fresh interpreter with its own empty cache directory (cold),
    then the same one (warm).

    The first kernel a process compiles or loads also pays numba's start-up;
    it is estimated as the first warm load less the median of the others.
    """
    costs = {}
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, **PINNED, "NUMBA_CACHE_DIR": cache}
        for kind in ("cold", "warm"):
            out = subprocess.run(
                [sys.executable, "-c", COMPILE_SCRIPT],
                env=env,
                cwd=root,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            costs[kind] = json.loads(out.strip().splitlines()[-1])
    first, *others = [key for key in costs["warm"] if key != "import"]
    start_up = costs["warm"][first] - np.median([costs["warm"][k] for k in others])
    for kind in ("cold", "warm"):
        costs[kind][first] -= start_up
        costs[kind]["start-up"] = start_up
    return costs


def mnist_table(repeats):
    net = Network((784, 512, 512, 10), "relu", "softmax", (0.0, 0.0))
    print(
        f"\n### One step over {net.n_params:,} parameters "
        f"({net.n_coef:,} weights), µs\n"
    )
    print("| rule | dtype | NumPy | numba | speed-up |")
    print("|---|---|---:|---:|---:|")
    for rule in RULES:
        for dtype in DTYPES:
            t = {
                numba: seconds_per_step(
                    rule, dtype, net.n_params, net.n_coef, numba, repeats
                )
                for numba in (False, True)
            }
            print(
                f"| {rule} | {dtype} | {t[False] * 1e6:,.0f} | {t[True] * 1e6:,.0f} "
                f"| {t[False] / t[True]:.1f}× |",
                flush=True,
            )


def cost_table(costs):
    print("\n### numba's one-off costs per process, ms of CPU\n")
    print(
        f"import numba: {costs['cold']['import'] * 1e3:.0f} (then "
        f"{costs['warm']['import'] * 1e3:.0f}); numba's start-up at the first "
        f"kernel of a process: {costs['warm']['start-up'] * 1e3:.0f}\n"
    )
    print("| kernel | dtype | compile (empty cache) | load (warm cache) |")
    print("|---|---|---:|---:|")
    for key in costs["cold"]:
        if key in ("import", "start-up"):
            continue
        name, dtype = key.split()
        print(
            f"| {name} | {dtype} | {costs['cold'][key] * 1e3:.0f} "
            f"| {costs['warm'][key] * 1e3:.0f} |"
        )


def size_table(costs, repeats):
    """Per-step saving against size, and the steps that repay a cold start."""
    print("\n### Smaller networks: µs per step, and steps to repay numba\n")
    print(
        "Break-even: (import numba + its start-up + compiling or loading the "
        "kernel) / saving per step, with an empty cache, then a warm one.\n"
    )
    print("| parameters | rule | dtype | NumPy | numba | break-even cold | warm |")
    print("|---:|---|---|---:|---:|---:|---:|")
    sizes = [7_510, 100_000, 200_000, 300_000]  # 7,510: the digits benchmark's
    for n_params in sizes:
        for rule in ("sgd", "adam"):
            for dtype in DTYPES:
                t = {
                    numba: seconds_per_step(
                        rule, dtype, n_params, n_params * 9 // 10, numba, repeats
                    )
                    for numba in (False, True)
                }
                saving = t[False] - t[True]
                rule_dtype = f"{rule} {dtype}"
                cells = []
                for kind in ("cold", "warm"):
                    cost = sum(
                        costs[kind][key] for key in ("import", "start-up", rule_dtype)
                    )
                    cells.append(f"{cost / saving:,.0f}" if saving > 0 else "never")
                print(
                    f"| {n_params:,} | {rule} | {dtype} | {t[False] * 1e6:,.1f} "
                    f"| {t[True] * 1e6:,.1f} | {cells[0]} | {cells[1]} |",
                    flush=True,
                )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", action="store_true", help="sweep smaller sizes")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    if not _kernels.numba_available():
        sys.exit("bench_kernels needs numba: pip install 'sknn[performance]'")
    import numba

    print(f"numpy {np.__version__}, numba {numba.__version__}, one thread")
    with threadpool_limits(1):
        costs = one_off_costs()
        mnist_table(args.repeats)
        cost_table(costs)
        if args.sizes:
            size_table(costs, args.repeats)


if __name__ == "__main__":
    main()
