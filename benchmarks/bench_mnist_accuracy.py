"""How much the seed's MNIST result depends on the seed, in sknn and PyTorch.

::

    python benchmarks/bench_mnist_accuracy.py ../shared/data/mnist.npz --seeds 8

Trains the seed's recipe (``examples/mnist_seed.py``: 784-512-512-10, relu,
dropout 0.2, RMSprop 1e-3 with ε = 1e-7, batch 128, 20 epochs, a stratified 10%
held out) for ``random_state`` 0 … N−1 and prints each test accuracy, then the
mean, spread and how many runs reach the seed's 0.983. With ``torch``
importable, the same recipe in PyTorch (Glorot-uniform weights, zero biases,
its own RMSprop and dropout) runs beside it, so the spread of the recipe itself
can be told apart from anything sknn does.

Both train on the same rows: for each seed the stratified 10% hold-out is
drawn once, here, and both contenders get the other 90% (sknn with
``validation_fraction=None``, which trains exactly as the recipe's 0.1 does,
without recording the validation curves); each line also shows both
accuracies on that same hold-out.

``--recipe best`` also trains ``RECIPES["best"]`` of ``examples/mnist_seed.py``
(the same network and rows, at most 20 epochs) with each seed, and the last
line reads ``recipe best: mean 0.98xx over N seeds`` for scripts::

    python benchmarks/bench_mnist_accuracy.py ../shared/data/mnist.npz --seeds 8 \\
        --recipe best
"""

import argparse
import functools
import sys
import time
from pathlib import Path

import _checkout  # noqa: F401  (this checkout's sknn, here and in children)
import numpy as np
from sklearn.model_selection import train_test_split

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
from mnist_seed import RECIPES, load_mnist, seed_model

BAR = 0.983


def split(y_train, seed):
    """(rows to train on, rows held out): the recipe's stratified 10%, drawn
    once per seed and given to both contenders."""
    return train_test_split(
        np.arange(len(y_train)), test_size=0.1, stratify=y_train, random_state=seed
    )


def sknn_accuracy(data, seed, fit_rows, val_rows, recipe="seed"):
    """(test accuracy, hold-out accuracy)."""
    X_train, y_train, X_test, y_test = data
    model = seed_model(seed, verbose=0, recipe=recipe)
    model.set_params(validation_fraction=None)
    model.fit(X_train[fit_rows], y_train[fit_rows])
    return (
        model.score(X_test, y_test),
        model.score(X_train[val_rows], y_train[val_rows]),
    )


def torch_accuracy(data, seed, fit_rows, val_rows):
    """(test accuracy, hold-out accuracy)."""
    import torch

    X_train, y_train, X_test, y_test = data
    torch.manual_seed(seed)
    X_fit, y_fit = X_train[fit_rows], y_train[fit_rows]
    X_fit = torch.from_numpy(X_fit)
    y_fit = torch.from_numpy(y_fit.astype(np.int64))
    layers = [
        torch.nn.Linear(784, 512), torch.nn.ReLU(), torch.nn.Dropout(0.2),
        torch.nn.Linear(512, 512), torch.nn.ReLU(), torch.nn.Dropout(0.2),
        torch.nn.Linear(512, 10),
    ]  # fmt: skip
    for layer in layers:
        if isinstance(layer, torch.nn.Linear):
            torch.nn.init.xavier_uniform_(layer.weight)
            torch.nn.init.zeros_(layer.bias)
    model = torch.nn.Sequential(*layers)
    optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
    loss = torch.nn.CrossEntropyLoss()
    for _ in range(20):
        model.train()
        order = torch.randperm(len(X_fit))
        for start in range(0, len(X_fit), 128):
            rows = order[start : start + 128]
            optimizer.zero_grad()
            loss(model(X_fit[rows]), y_fit[rows]).backward()
            optimizer.step()
    model.eval()

    def accuracy(X, y):
        with torch.no_grad():
            predicted = model(torch.from_numpy(X)).argmax(1).numpy()
        return float(np.mean(predicted == y))

    return accuracy(X_test, y_test), accuracy(X_train[val_rows], y_train[val_rows])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", nargs="?", help="MNIST .npz")
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument(
        "--recipe", choices=sorted(set(RECIPES) - {"seed"}), default=None,
        help="also train this recipe of examples/mnist_seed.py",
    )  # fmt: skip
    args = parser.parse_args()
    data = load_mnist(args.path)

    contenders = {"sknn": sknn_accuracy}
    try:
        import torch

        torch.set_num_threads(2)
        contenders["PyTorch"] = torch_accuracy
    except ImportError:
        print("torch is not importable: sknn only")
    if args.recipe is not None:
        contenders[f"sknn {args.recipe}"] = functools.partial(
            sknn_accuracy, recipe=args.recipe
        )
    epochs = seed_model().max_iter  # every recipe runs all its epochs
    scores = {name: [] for name in contenders}
    seconds = {name: [] for name in contenders}
    for seed in range(args.seeds):
        fit_rows, val_rows = split(data[1], seed)
        row = []
        for name, accuracy in contenders.items():
            start = time.perf_counter()
            test, held_out = accuracy(data, seed, fit_rows, val_rows)
            seconds[name].append((time.perf_counter() - start) / epochs)
            scores[name].append(test)
            row.append(f"{name} {test:.4f} (hold-out {held_out:.4f})")
        print(f"random_state={seed}:  {'  '.join(row)}", flush=True)
    print()
    print("| contender | mean | std | min | max | runs at 0.983 or more | s/epoch |")
    print("|---|---|---|---|---|---|---|")
    for name, s in scores.items():
        print(
            f"| {name} | {np.mean(s):.4f} | {np.std(s):.4f} | {min(s):.4f} "
            f"| {max(s):.4f} | {sum(x >= BAR for x in s)} of {len(s)} "
            f"| {np.mean(seconds[name]):.2f} |"
        )
    if args.recipe is not None:
        s = scores[f"sknn {args.recipe}"]
        print(f"recipe {args.recipe}: mean {np.mean(s):.4f} over {len(s)} seeds")


if __name__ == "__main__":
    main()
