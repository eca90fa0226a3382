"""Where one training step of the seed's MNIST network goes, piece by piece.

::

    python benchmarks/bench_step.py ../shared/data/mnist.npz [--dtype float32]
                                    [--steps 400] [--threads 2]

One step is what ``MLPClassifier.fit`` does per minibatch of the seed's recipe
(784-512-512-10, relu, dropout 0.2, RMSprop, batch 128, alpha 1e-4): gather
the shuffled rows, the forward pass, the loss, backpropagation and the
optimiser's step. The script

1. times ``--steps`` whole steps through ``Backprop.loss_and_gradient`` and
   the optimiser, as the training loop calls them;
2. times each piece on its own (the same operations written out, the
   activations on the NumPy path) and prints its share of their sum;
3. compares the whole step with and without the fused relu + dropout kernels
   (``_kernels``: one pass forward and one backward instead of five and two),
   interleaved 6 times so that the machine's drift hits both alike;
4. prints the float32 (or float64) matrix-multiply rate (best of 5
   3072 × 3072 products) and the share of it that the whole step, and the
   matrix products of a step alone, reach. The share of the products alone
   bounds what any saving outside them can give.

The optimiser takes the numba path when numba is installed (``SKNN_KERNELS``
chooses, as in sknn). Never run it beside another benchmark.
"""

import argparse
import itertools
import time

import _checkout  # noqa: F401  (this checkout's sknn, here and in children)
import numpy as np
from threadpoolctl import threadpool_limits

from sknn._math import kernels as _kernels
from sknn._math.activations import relu, relu_derivative
from sknn._math.network import Backprop, Network
from sknn._math.optimizers import RMSprop, make_optimizer

SIZES = (784, 512, 512, 10)
BATCH = 128
ALPHA = 1e-4


def flops_per_step():
    """2 flops per multiply-add: forward, weight gradients, and the error
    propagated to each hidden layer (as ``bench_mnist.py`` counts them)."""
    products = [i * o for i, o in itertools.pairwise(SIZES)]
    return 2 * BATCH * (2 * sum(products) + sum(products[1:]))


class Step:
    def __init__(self, path, dtype):
        self.dtype = dtype
        with np.load(path) as data:
            X = data["X_train"].reshape(len(data["X_train"]), -1)
            self.y = data["y_train"].astype(np.int64)
        self.X = (X / 255).astype(dtype)
        rng = np.random.default_rng(0)
        self.net = Network(SIZES, "relu", "softmax", (0.2, 0.2))
        self.backprop = Backprop(self.net, BATCH, dtype, rng)
        self.theta = self.net.initialize(rng, dtype)
        self.grad = np.empty_like(self.theta)
        self.optimizer = make_optimizer(
            RMSprop,
            self.net.n_params,
            dtype,
            {"learning_rate": 1e-3, "rho": 0.9, "epsilon": 1e-8},
            n_coef=self.net.n_coef,
        )
        self.buffer = np.empty((BATCH, SIZES[0]), dtype)
        self.order = rng.permutation(len(self.X))
        self.l2_scale = dtype(ALPHA / BATCH)

    def rows(self, s):
        start = (s * BATCH) % (len(self.X) - BATCH)
        return self.order[start : start + BATCH]

    def whole(self, steps):
        """Seconds per step, as the training loop runs it."""
        start = time.perf_counter()
        for s in range(steps):
            rows = self.rows(s)
            X = np.take(self.X, rows, axis=0, out=self.buffer, mode="clip")
            self.backprop.loss_and_gradient(
                X, self.y[rows], None, self.theta, self.grad, ALPHA, include_l2=False
            )
            self.optimizer.step(self.theta, self.grad, self.l2_scale)
        return (time.perf_counter() - start) / steps

    def pieces(self, steps):
        """Seconds per step of each piece, written out on the NumPy path."""
        net, bp, times = self.net, self.backprop, {}
        coefs, intercepts = net.unpack(self.theta)
        grad_coefs, grad_intercepts = net.unpack(self.grad)
        clock = [time.perf_counter()]

        def lap(name):
            now = time.perf_counter()
            times[name] = times.get(name, 0.0) + now - clock[0]
            clock[0] = now

        for s in range(steps):
            clock[0] = time.perf_counter()
            rows = self.rows(s)
            X = np.take(self.X, rows, axis=0, out=self.buffer, mode="clip")
            T = self.y[rows]
            lap("gather the shuffled rows")
            inputs = [X]
            for layer in range(3):
                Z = np.matmul(inputs[-1], coefs[layer], out=bp.Z[layer])
                lap("matmul: forward")
                Z += intercepts[layer]
                lap("bias")
                if layer == 2:
                    break
                relu(Z)
                lap("relu")
                bp._draw_mask(bp.masks[layer], 0.2)
                lap("dropout: draw the mask")
                Z = np.multiply(Z, bp.masks[layer], out=bp.dropped[layer])
                lap("dropout: apply")
                inputs.append(Z)
            losses = net.output.loss_and_output(Z, T)
            float(losses.sum())
            net.output.correct(Z, T).sum()
            lap("softmax, loss, accuracy")
            net.squared_norm(self.theta)
            lap("Σθ² (J's L2 term)")
            delta = net.output.error(Z, T)
            delta *= 1 / BATCH
            lap("softmax, loss, accuracy")
            for layer in (2, 1, 0):
                np.matmul(inputs[layer].T, delta, out=grad_coefs[layer])
                lap("matmul: weight gradients")
                np.sum(delta, axis=0, out=grad_intercepts[layer])
                lap("bias")
                if layer == 0:
                    break
                delta_in = np.matmul(delta, coefs[layer].T, out=bp.delta[layer - 1])
                lap("matmul: error to the layer below")
                delta_in *= bp.masks[layer - 1]
                lap("dropout: apply")
                relu_derivative(bp.Z[layer - 1], delta_in)
                lap("relu")
                delta = delta_in
            self.optimizer.step(self.theta, self.grad, self.l2_scale)
            lap("optimiser step (L2 term fused)")
        return {name: t / steps for name, t in times.items()}


def matmul_rate(dtype):
    A = np.random.default_rng(0).random((3072, 3072)).astype(dtype)
    C = np.empty_like(A)
    np.matmul(A, A, out=C)
    best = np.inf
    for _ in range(5):
        start = time.perf_counter()
        np.matmul(A, A, out=C)
        best = min(best, time.perf_counter() - start)
    return 2 * 3072**3 / best


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", help="MNIST .npz")
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    threadpool_limits(args.threads)
    dtype = np.dtype(args.dtype).type
    step = Step(args.path, dtype)
    backend = _kernels.kernel_backend(step.net.n_params, dtype)

    step.whole(50)  # warm-up: compiles or loads the kernels
    whole = step.whole(args.steps)
    step.pieces(50)
    pieces = step.pieces(args.steps)
    total = sum(pieces.values())
    print(
        f"{args.dtype}, {args.threads} thread(s), optimiser and activation "
        f"kernels: {backend}"
    )
    print(
        f"whole step {whole * 1e6:.0f} µs; the pieces below sum to {total * 1e6:.0f} µs"
    )
    print()
    print("| piece | µs per step | share |")
    print("|---|---|---|")
    for name, t in sorted(pieces.items(), key=lambda item: -item[1]):
        print(f"| {name} | {t * 1e6:.0f} | {100 * t / total:.1f}% |")

    if backend == "numba":
        fused = Backprop._fused_dropout_kernel
        runs = {"fused relu + dropout": [], "NumPy relu + dropout": []}
        for _ in range(6):
            for name in runs:
                Backprop._fused_dropout_kernel = (
                    fused if name.startswith("fused") else lambda *args: None
                )
                step.whole(20)
                runs[name].append(step.whole(args.steps // 2))
        Backprop._fused_dropout_kernel = fused
        print()
        print("Whole step, 6 interleaved runs (µs):")
        for name, times in runs.items():
            print(
                f"  {name}: median {np.median(times) * 1e6:.0f}  "
                f"({' '.join(f'{t * 1e6:.0f}' for t in times)})"
            )

    rate = matmul_rate(dtype)
    products = sum(t for name, t in pieces.items() if name.startswith("matmul"))
    flops = flops_per_step()
    print()
    print(
        f"matmul rate {rate / 1e9:.0f} GFLOP/s; a step is {flops / 1e9:.3f} GFLOP: "
        f"the whole step runs at {100 * flops / whole / rate:.0f}% of the rate, "
        f"its matrix products alone at {100 * flops / products / rate:.0f}%"
    )


if __name__ == "__main__":
    main()
