"""Out-of-core training: partial_fit over chunks of a CSV file read with pandas
============================================================================

The script writes a CSV to a temporary directory, then trains without ever
holding the whole file in memory: one pass of ``StandardScaler.partial_fit``
learns the scaling, and every further pass streams the file again with
``pandas.read_csv(chunksize=...)``, each chunk one ``MLPClassifier.partial_fit``
epoch. For comparison it also loads the file whole and calls ``fit`` with the
same number of epochs, and draws the streamed model's test accuracy epoch by
epoch against the whole-file model's::

    python examples/out_of_core.py [--rows 60000] [--chunksize 5000] [--epochs 10]
"""

import argparse
import tempfile
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.datasets import make_classification
from sklearn.preprocessing import StandardScaler

from sknn import MLPClassifier

LABELS = np.array(["cat", "dog", "fox", "owl"])


def write_csv(path, n_rows, n_test, seed=0):
    """Write ``n_rows`` rows to ``path``; return ``n_test`` more, held out."""
    X, y = make_classification(
        n_samples=n_rows + n_test,
        n_features=20,
        n_informative=12,
        n_classes=len(LABELS),
        class_sep=1.2,
        shift=None,  # features on very different scales: a scaler is needed
        scale=None,
        random_state=seed,
    )
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
    frame["label"] = LABELS[y]
    frame.iloc[:n_rows].to_csv(path, index=False)
    test = frame.iloc[n_rows:]
    return test.drop(columns="label"), test["label"]


def chunks(path, chunksize, columns):
    for chunk in pd.read_csv(path, chunksize=chunksize):
        yield chunk[columns], chunk["label"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--rows", type=int, default=60_000)
    parser.add_argument("--chunksize", type=int, default=5_000)
    parser.add_argument("--epochs", type=int, default=10)
    # In a Jupyter notebook (no __file__) sys.argv holds the kernel's own
    # arguments, not this script's: run with the defaults there.
    args = parser.parse_args(None if "__file__" in globals() else [])
    params = dict(hidden_layer_sizes=(64,), learning_rate=1e-3, random_state=0)

    with tempfile.TemporaryDirectory() as tmp:
        train_csv = Path(tmp) / "train.csv"
        X_test, y_test = write_csv(train_csv, args.rows, n_test=args.rows // 5)
        columns = list(X_test.columns)
        size = train_csv.stat().st_size / 1e6
        print(f"wrote {args.rows} rows ({size:.1f} MB) to {train_csv}")

        start = time.perf_counter()
        scaler = StandardScaler()
        for X, _ in chunks(train_csv, args.chunksize, columns):
            scaler.partial_fit(X)
        streamed = MLPClassifier(**params)
        by_epoch = []
        for epoch in range(1, args.epochs + 1):
            for X, y in chunks(train_csv, args.chunksize, columns):
                streamed.partial_fit(scaler.transform(X), y, classes=LABELS)
            accuracy = streamed.score(scaler.transform(X_test), y_test)
            by_epoch.append(accuracy)
            print(f"epoch {epoch:2d}: streamed test accuracy {accuracy:.4f}")
        streamed_time = time.perf_counter() - start

        start = time.perf_counter()
        frame = pd.read_csv(train_csv)
        whole = StandardScaler().fit(frame[columns])
        plain = MLPClassifier(max_iter=args.epochs, n_iter_no_change=None, **params)
        plain.fit(whole.transform(frame[columns]), frame["label"])
        plain_time = time.perf_counter() - start

    streamed_accuracy = streamed.score(scaler.transform(X_test), y_test)
    plain_accuracy = plain.score(whole.transform(X_test), y_test)
    print(
        f"partial_fit over {args.chunksize}-row chunks: test accuracy "
        f"{streamed_accuracy:.4f} ({streamed_time:.1f} s)"
    )
    print(
        f"fit on the whole file:                  test accuracy "
        f"{plain_accuracy:.4f} ({plain_time:.1f} s)"
    )
    print(f"difference: {streamed_accuracy - plain_accuracy:+.4f}")
    plot_accuracy(by_epoch, plain_accuracy, args.chunksize)
    plt.show()


def plot_accuracy(by_epoch, plain_accuracy, chunksize):
    """The streamed model's test accuracy by epoch, and the whole-file model's."""
    figure, ax = plt.subplots(figsize=(7, 4), layout="constrained")
    epochs = range(1, len(by_epoch) + 1)
    ax.plot(epochs, by_epoch, marker="o", label=f"partial_fit, {chunksize}-row chunks")
    ax.axhline(
        plain_accuracy, color="C1", linestyle="--", label="fit on the whole file"
    )
    ax.set_xlabel("epoch (one pass over the file)")
    ax.set_ylabel("test accuracy")
    ax.set_title("Out-of-core training against one fit in memory")
    ax.legend()
    return figure


if __name__ == "__main__":
    main()
