"""The data that travels from ``fit`` to the training loop.

- ``Targets``: what an estimator makes of y — its kind, the targets T that the
  output layer compares with h, the output layer, the classes.
- ``TrainingData``: what ``fit`` validated — X, the original y, its
  ``Targets`` and the sample weights (class weights included).
- ``Rows``: a subset of the training data (the training part or the hold-out).
  It carries its own targets and weights, already indexed, and its own total
  weight Σw, the one J(Θ) divides by; X alone is indexed lazily, batch by batch,
  so a hold-out never copies X.
- ``Batch``: the X, T and weights of one minibatch.

No code outside ``Rows`` indexes targets or weights by row.
"""

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


@dataclass(frozen=True)
class Batch:
    X: object
    T: np.ndarray
    weights: np.ndarray | None  # None: every weight is 1

    @property
    def total_weight(self):
        return self.X.shape[0] if self.weights is None else float(self.weights.sum())


@dataclass(frozen=True)
class Targets:
    """What an estimator makes of y: its kind, the targets T, the output layer,
    the class labels (classifier) and the class weight of each sample."""

    kind: str  # scikit-learn's type_of_target, e.g. "binary", "continuous"
    T: np.ndarray
    output: object  # key of losses.OUTPUTS, or the output layer (Network's)
    n_outputs: int
    classes: np.ndarray | None = None
    class_weight: np.ndarray | None = None  # one factor per sample


@dataclass(frozen=True)
class TrainingData:
    """Validated training (or validation) data.

    ``weights`` is None when every sample weighs 1 (no ``sample_weight`` and
    no ``class_weight``), which keeps the unweighted arithmetic exact.
    """

    X: object
    y: np.ndarray
    targets: Targets
    weights: np.ndarray | None

    @property
    def T(self):
        return self.targets.T

    def __len__(self):
        return self.X.shape[0]

    def rows(self, index=None):
        """The ``Rows`` at positions ``index`` (sorted), or all of them."""
        if index is None:
            return Rows(self.X, self.T, self.weights)
        weights = None if self.weights is None else self.weights[index]
        return Rows(self.X, self.T[index], weights, index)


@dataclass(frozen=True)
class Rows:
    """Rows of ``X`` with their own targets ``T`` and ``weights``.

    ``index`` picks the rows of ``X`` (None: all of them, in order); ``T`` and
    ``weights`` are already those rows'.
    """

    X: object
    T: np.ndarray
    weights: np.ndarray | None
    index: np.ndarray | None = None

    def __len__(self):
        return len(self.T)

    @property
    def total_weight(self):
        """Σw over these rows: the m of J(Θ) = (1/Σw) Σ w_i ℓ_i + …"""
        return len(self) if self.weights is None else float(self.weights.sum())

    def subset(self, positions):
        """The rows at ``positions`` of these rows (a block of them), with
        their own targets and weights."""
        index = positions if self.index is None else self.index[positions]
        weights = None if self.weights is None else self.weights[positions]
        return Rows(self.X, self.T[positions], weights, index)

    def batch(self, start, stop, order=None, buffer=None):
        """Rows ``start:stop`` of this set, taken in ``order`` if one is given.

        Dense rows that are not one contiguous slice of X are gathered into
        ``buffer``, which is reused from batch to batch.
        """
        positions = slice(start, stop) if order is None else order[start:stop]
        rows = positions if self.index is None else self.index[positions]
        if isinstance(rows, slice) or sp.issparse(self.X) or buffer is None:
            X = self.X[rows]
        else:
            # the rows are valid by construction; mode="clip" spares the
            # bounds-checked ("raise") mode's extra buffering of ``out``
            X = np.take(self.X, rows, axis=0, out=buffer[: stop - start], mode="clip")
        weights = None if self.weights is None else self.weights[positions]
        return Batch(X, self.T[positions], weights)

    def batches(self, size, order=None, buffer=None):
        """Every batch of ``size`` rows (the last may be smaller)."""
        for start in range(0, len(self), size):
            yield self.batch(start, min(start + size, len(self)), order, buffer)

    def needs_gather_buffer(self, shuffle):
        return not sp.issparse(self.X) and (shuffle or self.index is not None)
