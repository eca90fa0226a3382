"""``DaskRows``: the training or validation rows of a Dask fit, where they
live.

The in-memory ``Rows`` hand the loop batches; these hand it partitions: X,
the targets T and the weights are Dask arrays with the same row chunks, and
each block of the three is one partition. Sums over the rows (J on the
hold-out, J and its gradient for L-BFGS) run on each partition where it is,
``max_batch_rows`` rows at a time, and are added up pairwise on the workers
(``cluster.tree_sum``); the client receives one result.
"""

import copy
import threading
import uuid
from dataclasses import dataclass

import dask
import numpy as np

from .._math.network import Backprop
from .._training.data import Batch, Rows
from .._training.loop import loss_sum
from . import cluster

# A sub-batch holds at most this many numbers across its slice of X and its
# layers' activations: rows per sub-batch = SUB_BATCH_VALUES / (n_features +
# Σ layer widths), so a partition of any size is processed in bounded memory,
# and the client, which reads the first sub-batch of rows for the divergence
# check at the end of an L-BFGS fit, never receives more than that of X.
SUB_BATCH_VALUES = 2**21

_on_this_thread = threading.local()  # the worker thread's reusable Backprop


def sub_batch_rows(n_rows, widths):
    """The rows of a sub-batch for inputs and layers of these widths (the
    number of features, then each layer's, outputs included)."""
    return max(1, min(n_rows, SUB_BATCH_VALUES // max(sum(widths), 1)))


@dataclass(frozen=True)
class DaskRows:
    """Rows of a Dask fit: X, T and weights (None: every weight is 1) with
    the same row chunks; ``total`` is their Σw, the m that J divides by."""

    X: object
    T: object
    weights: object
    total: float
    max_batch_rows: int  # rows a task processes at once

    index = None  # every row of X, in order

    def __len__(self):
        return int(self.X.shape[0])

    @property
    def total_weight(self):
        return self.total

    @property
    def lengths(self):
        """The number of rows of each partition."""
        return self.X.chunks[0]

    def parts(self):
        """(X, T, weights) of each partition, as Delayed (weights None)."""
        X, T = cluster.blocks(self.X), cluster.blocks(self.T)
        w = [None] * len(X) if self.weights is None else cluster.blocks(self.weights)
        return list(zip(X, T, w, strict=True))

    def batch(self, start, stop, order=None, buffer=None):
        """Rows ``start:stop`` in memory (the first rows: what the divergence
        check reads; the rest stays where it is)."""
        if order is not None:
            raise ValueError("rows of a Dask collection are read in order")
        w = None if self.weights is None else self.weights[start:stop]
        X, T, w = cluster.compute(self.X[start:stop], self.T[start:stop], w)
        return Batch(X, T, w)

    def loss_sum(self, backprop, theta, chunk, metric=None):
        """Σ_i w_i ℓ_i over the rows (``loop.loss_sum`` of each partition,
        added up on the workers); ``metric`` is merged with every output's."""
        network = cluster.constant(backprop.network, "network")
        weights = cluster.constant(theta.copy(), "theta")
        template = cluster.constant(metric, "metric")
        task = dask.delayed(_part_loss_sum, pure=True)
        token = uuid.uuid4().hex  # the partitions of this sum share a Backprop
        parts = [
            task(X, T, w, weights, network, chunk, template, token)
            for X, T, w in self.parts()
        ]
        total, seen = cluster.compute(cluster.tree_sum(parts, add_sums))[0]
        if metric is not None:
            metric.merge(seen)
        return total


def local_rows(X, T, w):
    """A partition's ``Rows``, its arrays aligned in memory: a block that
    arrived over the network can be a view at an odd address into the
    message's bytes, on which every NumPy and BLAS operation takes a slow
    path (measured: 20 times slower steps); such a block is copied once."""
    aligned = [
        None if a is None else np.require(a, requirements="CA") for a in (X, T, w)
    ]
    return Rows(*aligned)


def part_backprop(network, X, chunk, token=None):
    """A ``Backprop`` for sub-batches of ``chunk`` rows of the block ``X``.

    On a ``distributed`` worker, with the ``token`` of a sum (every partition
    of one L-BFGS fit, or of one hold-out sum, shares one), the worker thread
    keeps its last one and the next partition with the same token reuses it.
    Fresh buffers in every task would be page-faulted in again every time:
    Dask's nannies start workers with ``MALLOC_TRIM_THRESHOLD_`` set, so glibc
    hands freed memory back to the system at once (measured: 11% slower
    evaluations of J at 1,000,000 × 50, 2% with the Backprop reused). A
    thread keeps one Backprop, at most ``SUB_BATCH_VALUES`` numbers per layer
    buffer, until a task of another sum replaces it.
    """
    rows = max(1, min(chunk, X.shape[0]))
    if token is None or not _on_a_worker():
        return Backprop(network, rows, X.dtype)
    key = (token, X.dtype)
    kept = getattr(_on_this_thread, "backprop", None)
    if kept is not None and kept[0] == key and kept[1].Z[0].shape[0] >= rows:
        return kept[1]
    # sized for the sum's sub-batch, whichever partition comes first
    backprop = Backprop(network, max(1, chunk), X.dtype)
    _on_this_thread.backprop = (key, backprop)
    return backprop


def _on_a_worker():
    """Whether this runs in a task on a ``distributed`` worker."""
    try:
        from distributed import get_worker

        get_worker()
    except (ImportError, ValueError):
        return False
    return True


def fresh(metric):
    """An empty accumulator of ``metric``'s kind (None for None)."""
    return None if metric is None else copy.deepcopy(metric)


def _part_loss_sum(X, T, w, theta, network, chunk, metric, token):
    """On a worker: ``loop.loss_sum`` of one partition, and its metric."""
    seen = fresh(metric)
    backprop = part_backprop(network, X, chunk, token)
    total = loss_sum(backprop, local_rows(X, T, w), theta, chunk, seen)
    return total, seen


def add_sums(a, b):
    """Two partitions' results, added: numbers and arrays summed, metric
    accumulators merged (None stays None)."""
    return tuple(
        x.merge(y) if hasattr(x, "merge") else (x if x is None else x + y)
        for x, y in zip(a, b, strict=True)
    )
