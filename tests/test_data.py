"""Row subsets carry their own targets and weights; J(Θ) on a subset divides
by the subset's own Σw (the defect behind a wrong weighted ``val_loss``)."""

import numpy as np
import pytest

from sknn._math.network import Backprop, Network
from sknn._training.data import Targets, TrainingData
from sknn._training.loop import evaluate


def _data(rng, n=12, weights=True):
    X = rng.normal(size=(n, 3))
    T = (rng.uniform(size=(n, 1)) > 0.5).astype(float)
    w = rng.uniform(0.5, 3.0, size=n) if weights else None
    return TrainingData(X, T[:, 0], Targets("binary", T, "logistic", 1), w)


def _J(data, rows, alpha, rng):
    net = Network((3, 4, 1), "tanh", "logistic", (0.0,))
    theta = net.initialize(np.random.default_rng(1), np.float64)
    backprop = Backprop(net, len(data), np.float64)
    return evaluate(backprop, rows, theta, alpha, chunk=5)


def test_a_subset_carries_its_own_targets_weights_and_total(rng):
    data = _data(rng)
    index = np.array([1, 4, 5, 9])
    rows = data.rows(index)
    assert len(rows) == 4
    np.testing.assert_array_equal(rows.T, data.T[index])
    np.testing.assert_array_equal(rows.weights, data.weights[index])
    assert rows.total_weight == pytest.approx(data.weights[index].sum(), rel=1e-15)
    batch = rows.batch(1, 3)
    np.testing.assert_array_equal(batch.X, data.X[index[1:3]])
    np.testing.assert_array_equal(batch.T, data.T[index[1:3]])
    np.testing.assert_array_equal(batch.weights, data.weights[index[1:3]])


@pytest.mark.parametrize("alpha", [0.0, 0.5])
@pytest.mark.parametrize("weights", [True, False])
def test_J_of_a_subset_equals_J_of_those_rows_alone(rng, alpha, weights):
    data = _data(rng, weights=weights)
    index = np.array([0, 2, 3, 7, 11])
    alone = TrainingData(
        data.X[index],
        data.y[index],
        Targets("binary", data.T[index], "logistic", 1),
        None if data.weights is None else data.weights[index],
    )
    J_subset = _J(data, data.rows(index), alpha, rng)
    J_alone = _J(alone, alone.rows(), alpha, rng)
    assert J_subset == pytest.approx(J_alone, rel=1e-12)
    # and not J divided by the weight of every row (the old defect)
    total = len(data) if data.weights is None else data.weights.sum()
    assert abs(J_subset * data.rows(index).total_weight / total - J_subset) > 1e-3


def test_a_weight_of_two_equals_the_row_twice(rng):
    data = _data(rng, weights=False)
    w = np.ones(len(data))
    w[3] = 2.0
    weighted = TrainingData(data.X, data.y, data.targets, w)
    order = np.r_[np.arange(len(data)), 3]
    doubled = TrainingData(
        data.X[order], data.y[order],
        Targets("binary", data.T[order], "logistic", 1), None,
    )
    for alpha in (0.0, 0.3):
        assert _J(weighted, weighted.rows(), alpha, rng) == pytest.approx(
            _J(doubled, doubled.rows(), alpha, rng), rel=1e-12
        )
