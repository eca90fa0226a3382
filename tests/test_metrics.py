"""The epoch metrics against scikit-learn's: R² fed batch by batch."""

import numpy as np
import pytest
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import r2_score

from sknn._training.metrics import R2


def _r2_in_batches(H, T, sizes):
    metric = R2()
    start = 0
    for size in sizes:
        metric.update(H[start : start + size], T[start : start + size])
        start += size
    assert start == len(T)
    return metric.value()


@pytest.mark.parametrize("n_outputs", [1, 3])
@pytest.mark.parametrize("sizes", [[40], [1, 39], [7, 13, 20], [10, 10, 10, 10]])
def test_r2_merged_over_batches_equals_r2_score(n_outputs, sizes):
    rng = np.random.default_rng(0)
    # a large mean next to the spread: the merge must not lose the spread
    T = 1e6 + rng.normal(scale=[1.0, 5.0, 0.1][:n_outputs], size=(40, n_outputs))
    H = T + rng.normal(scale=0.5, size=T.shape)
    expected = r2_score(T, H, multioutput="uniform_average")
    assert _r2_in_batches(H, T, sizes) == pytest.approx(expected, rel=1e-9)


def test_r2_of_a_constant_output_follows_force_finite():
    """A constant output scores 1 when predicted exactly, else 0 (as
    r2_score with force_finite=True), and the outputs are averaged."""
    T = np.c_[np.full(6, 2.0), np.arange(6.0)]
    exact = T.copy()
    off = T + np.c_[np.full(6, 0.1), np.zeros(6)]
    for H in (exact, off):
        expected = r2_score(T, H, multioutput="uniform_average")
        assert _r2_in_batches(H, T, [2, 4]) == pytest.approx(expected, rel=1e-12)
    assert _r2_in_batches(exact, T, [6]) == 1.0
    assert _r2_in_batches(off, T, [6]) == 0.5  # 0 for the constant, 1 for the other


def test_r2_of_one_row_batches_and_of_nothing():
    T = np.array([[1.0], [2.0], [4.0]])
    H = np.array([[1.5], [2.0], [3.0]])
    assert _r2_in_batches(H, T, [1, 1, 1]) == pytest.approx(r2_score(T, H))
    assert np.isnan(R2().value())


@pytest.mark.parametrize("n_outputs", [1, 2])
def test_r2_of_one_row_is_undefined_not_zero(n_outputs):
    """r2_score is NaN on one row (with a warning); so is the epoch metric,
    whatever force_finite would make of the zero spread."""
    T = np.array([[3.0, -1.0][:n_outputs]])
    for H in (T, T + 0.5):  # predicted exactly, or not
        with pytest.warns(UndefinedMetricWarning):
            assert np.isnan(r2_score(T, H))
        assert np.isnan(_r2_in_batches(H, T, [1]))
    # two rows of a constant target are defined: force_finite's 1 or 0
    T2 = np.repeat(T, 2, axis=0)
    assert _r2_in_batches(T2, T2, [1, 1]) == r2_score(T2, T2) == 1.0
    assert _r2_in_batches(T2 + 0.5, T2, [1, 1]) == r2_score(T2, T2 + 0.5) == 0.0
