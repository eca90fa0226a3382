"""Epoch time of the lecture's MNIST network: the work tree against a revision.

A change that must not slow training (a new code path beside the hot one) is
measured by timing the same epochs with the code before and after it, taking
turns in one run on one machine, and comparing medians:

    python benchmarks/bench_revisions.py REV ../shared/data/mnist.npz --rounds 5

Each round runs both sides, in an order that alternates, each in a fresh
process with its tree first on ``sys.path``: one untimed warm-up epoch, then
one timed epoch of the lecture's recipe (784-512-512-10, relu, dropout 0.2,
RMSprop at 1e-3, batch 128, float32 on the 54,000 training rows). The last
line reads ``work tree / REV: median epoch R× (a s vs b s over N rounds)``.
Nothing else may run on the machine meanwhile.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from same_models import REPO, checked_out  # benchmarks/ is on sys.path

EPOCH = """
import sys, time, warnings, json
import numpy as np
warnings.simplefilter("ignore")
sys.path.insert(0, {tree!r})
from sknn import MLPClassifier
data = np.load({data!r})
X = (data["X_train"].reshape(len(data["X_train"]), -1)[:54000] / 255).astype(np.float32)
y = data["y_train"][:54000]
times = []

def timed(epoch, rate):
    times.append(time.perf_counter())
    return rate

clf = MLPClassifier((512, 512), dropout=0.2, solver="rmsprop", learning_rate=1e-3,
                    learning_rate_schedule=timed, batch_size=128, max_iter=2,
                    n_iter_no_change=None, random_state=0).fit(X, y)
end = time.perf_counter()
print(json.dumps(end - times[1]))  # the second epoch: the first warms up
"""


def _epoch(tree, data):
    code = EPOCH.format(tree=str(tree), data=str(data))
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True,
        cwd=tree,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rev", help="the git revision to time against the work tree")
    parser.add_argument("data", help="path of mnist.npz (X_train, y_train)")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    data = Path(args.data).resolve()
    times = {"work tree": [], args.rev: []}
    with checked_out(args.rev) as old:
        sides = [("work tree", REPO), (args.rev, old)]
        for round_ in range(args.rounds):
            for name, tree in sides if round_ % 2 == 0 else sides[::-1]:
                seconds = _epoch(tree, data)
                times[name].append(seconds)
                print(f"round {round_ + 1}: {name}: {seconds:.3f} s", flush=True)
    new, before = (statistics.median(times[k]) for k in times)
    print(f"threads: {os.environ.get('OMP_NUM_THREADS', 'default')}")
    print(
        f"work tree / {args.rev}: median epoch {new / before:.3f}× "
        f"({new:.3f} s vs {before:.3f} s over {args.rounds} rounds)"
    )


if __name__ == "__main__":
    main()
