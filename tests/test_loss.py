"""J(Θ) against values worked out by hand, and the output layers' stability."""

import math

import numpy as np
import pytest

from sknn._loss import LogisticOutput, SoftmaxOutput
from sknn._network import Backprop, Network

# A 2-2-1 relu network, written out weight by weight.
W1 = [[0.1, -0.2], [0.3, 0.4]]
B1 = [0.0, 0.1]
W2 = [[0.5], [-0.6]]
B2 = [0.2]


def _theta(network):
    theta = np.zeros(network.n_params)
    coefs, intercepts = network.unpack(theta)
    coefs[0][...], coefs[1][...] = W1, W2
    intercepts[0][...], intercepts[1][...] = B1, B2
    return theta


def _J(X, T, w, alpha):
    network = Network((2, 2, 1), "relu", "logistic", (0.0,))
    backprop = Backprop(network, len(X), np.float64)
    theta = _theta(network)
    J = backprop.loss_and_gradient(
        np.asarray(X, float),
        np.asarray(T, float),
        w,
        theta,
        np.empty_like(theta),
        alpha,
    )
    return J


def test_J_of_one_sample_by_hand():
    # z1 = [1·0.1 + 2·0.3, 1·(−0.2) + 2·0.4 + 0.1] = [0.7, 0.7] = a1 (relu)
    # z2 = 0.7·0.5 − 0.7·0.6 + 0.2 = 0.13;  y = 1  →  ℓ = −log σ(0.13)
    loss = math.log(1 + math.exp(-0.13))
    assert loss == pytest.approx(0.630258, abs=1e-6)
    assert _J([[1, 2]], [[1]], None, 0.0) == pytest.approx(loss, rel=1e-12)
    # λ = 0.5, m = 1: + (0.5 / 2)·(0.01 + 0.04 + 0.09 + 0.16 + 0.25 + 0.36),
    # the biases left out
    assert _J([[1, 2]], [[1]], None, 0.5) == pytest.approx(
        loss + 0.25 * 0.91, rel=1e-12
    )


def test_J_of_two_weighted_samples_by_hand():
    # second sample x = [0, 0]: a1 = relu([0, 0.1]) = [0, 0.1],
    # z2 = −0.06 + 0.2 = 0.14, y = 0  →  ℓ = −log(1 − σ(0.14)) = log(1 + e^0.14)
    loss_1 = math.log(1 + math.exp(-0.13))
    loss_2 = math.log(1 + math.exp(0.14))
    w = np.array([2.0, 0.5])
    expected = (2.0 * loss_1 + 0.5 * loss_2 + 0.5 * 0.3 * 0.91) / 2.5
    J = _J([[1, 2], [0, 0]], [[1], [0]], w, 0.3)
    assert J == pytest.approx(expected, rel=1e-12)
    # a weight of 2 means the same as the sample repeated twice
    repeated = _J([[1, 2], [1, 2], [0, 0]], [[1], [1], [0]], None, 0.3)
    assert _J([[1, 2], [0, 0]], [[1], [0]], np.array([2.0, 1.0]), 0.3) == (
        pytest.approx(repeated, rel=1e-12)
    )


def test_softmax_cross_entropy_by_hand():
    Z = np.array([[1.0, 2.0, 3.0]])
    expected = -math.log(math.exp(1) / (math.exp(1) + math.exp(2) + math.exp(3)))
    loss = SoftmaxOutput.loss_and_output(Z, np.array([0]))
    assert loss[0] == pytest.approx(expected, rel=1e-12)
    assert Z.sum() == pytest.approx(1.0)


def test_multilabel_loss_is_the_seeds_sum_over_units():
    Z = np.array([[0.5, -1.0]])
    T = np.array([[1.0, 0.0]])
    h = 1 / (1 + np.exp(-Z[0]))
    expected = -(math.log(h[0]) + math.log(1 - h[1]))
    assert LogisticOutput.loss_and_output(Z, T)[0] == pytest.approx(expected)


@pytest.mark.parametrize("output", [LogisticOutput, SoftmaxOutput])
def test_huge_logits_stay_finite_and_silent(output):
    Z = np.array([[1e4, -1e4, 0.0], [-800.0, 800.0, 3.0]])
    T = np.array([1, 0]) if output is SoftmaxOutput else np.eye(3)[[1, 0]]
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        log_h = output.log_output(Z.copy())
        loss = output.loss_and_output(Z.copy(), T)
    assert np.all(np.isfinite(loss))
    assert np.all(np.isfinite(log_h) | (log_h == -np.inf))
