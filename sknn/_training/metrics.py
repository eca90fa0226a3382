"""The per-epoch metric of each estimator: accuracy or R², batch by batch.

An accumulator sees the outputs h of every batch (``update``) and gives the
metric of all rows seen so far (``value``), so the training metric of an epoch
comes from the forward passes that training does anyway, as in Keras, and the
hold-out's from one pass over it. Both are unweighted, as Keras' metrics are
without ``weighted_metrics``; only J(Θ) is weighted.
"""

import numpy as np


class Accuracy:
    """The fraction of samples whose every output is right (``output.correct``)."""

    name = "accuracy"

    def __init__(self, output):
        self.output = output
        self.correct = 0
        self.count = 0

    def update(self, H, T):
        self.correct += int(self.output.correct(H, T).sum())
        self.count += H.shape[0]

    def merge(self, other):
        """Add the rows ``other`` (an accumulator of the same metric) has seen,
        as if this one had seen them: the sum over partitions of the data."""
        self.correct += other.correct
        self.count += other.count
        return self

    def value(self):
        return self.correct / self.count if self.count else np.nan


class R2:
    """R² = 1 − Σ(h − y)² / Σ(y − ȳ)² per output, averaged over the outputs.

    It equals ``sklearn.metrics.r2_score`` (``multioutput="uniform_average"``,
    ``force_finite=True``: an output whose y is constant scores 1 when
    predicted exactly, else 0), NaN included: R² is undefined on fewer than
    two rows, where ``r2_score`` warns and returns NaN. The spread of y is
    merged batch by batch (Chan et al.'s pairwise update), which stays exact
    where y's mean is large next to its spread.
    """

    name = "r2"

    def __init__(self):
        self.count = 0
        self.mean = 0.0
        self.m2 = 0.0  # Σ(y − ȳ)² per output
        self.residual = 0.0  # Σ(h − y)² per output

    def update(self, H, T):
        T = np.asarray(T, dtype=np.float64)
        batch_mean = T.mean(axis=0)
        self._add(
            T.shape[0],
            batch_mean,
            ((T - batch_mean) ** 2).sum(axis=0),
            ((H - T) ** 2).sum(axis=0),
        )

    def merge(self, other):
        """Add the rows ``other`` (an ``R2``) has seen, as if this one had
        seen them: the sum over partitions of the data."""
        if other.count:
            self._add(other.count, other.mean, other.m2, other.residual)
        return self

    def _add(self, n, mean, m2, residual):
        """Merge the statistics of ``n`` more rows (their mean, Σ(y − ȳ)²
        and Σ(h − y)²) into these: Chan et al.'s pairwise update."""
        delta = mean - self.mean
        total = self.count + n
        self.m2 = self.m2 + m2 + delta**2 * self.count * n / total
        self.mean = self.mean + delta * n / total
        self.count = total
        self.residual = self.residual + residual

    def value(self):
        if self.count < 2:  # undefined, not the 0 that force_finite would give
            return np.nan
        m2 = np.atleast_1d(self.m2)
        residual = np.atleast_1d(self.residual)
        with np.errstate(divide="ignore", invalid="ignore"):
            scores = np.where(
                m2 > 0, 1 - residual / np.where(m2 > 0, m2, 1), residual == 0
            )
        return float(np.mean(scores))
