"""J(Θ) against values worked out by hand, and the output layers' stability."""

import math

import numpy as np
import pytest

from sknn._math.losses import LogisticOutput, SoftmaxOutput
from sknn._math.network import Backprop, Network

# A 2-2-1 relu network, written out weight by weight.
W1 = [[0.1, -0.2], [0.3, 0.4]]
B1 = [0.0, 0.1]
W2 = [[0.5], [-0.6]]
B2 = [0.2]


# A second output unit for the two-output regression cases.
W2_TWO = [[0.5, 0.0], [-0.6, 1.0]]
B2_TWO = [0.2, -0.1]


def _theta(network, W2, B2):
    theta = np.zeros(network.n_params)
    coefs, intercepts = network.unpack(theta)
    coefs[0][...], coefs[1][...] = W1, W2
    intercepts[0][...], intercepts[1][...] = B1, B2
    return theta


def _J(X, T, w, alpha, output="logistic", W2=W2, B2=B2):
    network = Network((2, 2, len(B2)), "relu", output, (0.0,))
    backprop = Backprop(network, len(X), np.float64)
    theta = _theta(network, W2, B2)
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


# The regression outputs on the same network: for x = [1, 2] the output z is
# 0.13 (and 0.6 on the second unit of W2_TWO: 0.7·0 + 0.7·1 − 0.1); for
# x = [0, 0] it is 0.14. The Σθ² of W2_TWO's network is 0.30 + 1.61 = 1.91.


def test_squared_error_J_by_hand():
    # ℓ = ½ (0.13 − 1)² = ½ · 0.7569
    assert _J([[1, 2]], [[1]], None, 0.0, "identity") == pytest.approx(
        0.378450, rel=1e-12
    )
    # two samples, y = 1 and 0, w = (2, 0.5), λ = 0.3:
    # (2 · 0.378450 + 0.5 · ½ · 0.14² + ½ · 0.3 · 0.91) / 2.5
    # = (0.756900 + 0.004900 + 0.136500) / 2.5
    J = _J([[1, 2], [0, 0]], [[1], [0]], np.array([2.0, 0.5]), 0.3, "identity")
    assert J == pytest.approx(0.359320, rel=1e-12)
    # two outputs average: ½ · ((0.13 − 1)² + (0.6 − 0)²) / 2 = ½ · 1.1169 / 2
    J = _J([[1, 2]], [[1, 0]], None, 0.0, "identity", W2_TWO, B2_TWO)
    assert J == pytest.approx(0.279225, rel=1e-12)
    # + (0.5 / 2) · 1.91 with λ = 0.5, m = 1
    J = _J([[1, 2]], [[1, 0]], None, 0.5, "identity", W2_TWO, B2_TWO)
    assert J == pytest.approx(0.279225 + 0.4775, rel=1e-12)


def test_poisson_J_by_hand():
    # ℓ = h − y log h with h = e^z: e^0.13 − 3 · 0.13 = 1.1388283833 − 0.39
    assert _J([[1, 2]], [[3]], None, 0.0, "exp") == pytest.approx(
        0.7488283833, rel=1e-10
    )
    # with y = 0 only h counts: e^0.14 = 1.1502737988; w = (2, 0.5), λ = 0.3
    # (2 · 0.7488283833 + 0.5 · 1.1502737988 + 0.1365) / 2.5
    # = (1.4976567666 + 0.5751368994 + 0.1365) / 2.5
    J = _J([[1, 2], [0, 0]], [[3], [0]], np.array([2.0, 0.5]), 0.3, "exp")
    assert J == pytest.approx(0.8837174664, rel=1e-10)
    # two outputs, y = (3, 1): (0.7488283833 + e^0.6 − 0.6) / 2
    # = (0.7488283833 + 1.2221188004) / 2
    J = _J([[1, 2]], [[3, 1]], None, 0.0, "exp", W2_TWO, B2_TWO)
    assert J == pytest.approx(0.9854735919, rel=1e-10)


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
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_output_layers_for_extreme_logits(output, dtype):
    big = np.finfo(dtype).max / 4
    Z = np.array([[big, -big, 0.0], [-1e4, 1e4, 3.0], [0.0, 0.0, 0.0]], dtype=dtype)
    T = (
        np.array([0, 0, 2])
        if output is SoftmaxOutput
        else np.array([[1, 0, 1], [1, 0, 0], [0, 1, 1]], dtype=dtype)
    )
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        log_h = output.log_output(Z.copy())
        H = output.output(Z.copy())
        losses = output.loss_and_output(Z.copy(), T)
    assert np.all(np.isfinite(H)) and np.all((H >= 0) & (H <= 1))
    assert not np.any(np.isnan(log_h)) and np.all(log_h <= 0)
    assert np.all(np.isfinite(losses)) and np.all(losses >= 0)
    if output is SoftmaxOutput:
        np.testing.assert_allclose(H.sum(axis=1), 1, atol=1e-6)
        assert losses[0] == 0  # the right class with a huge margin
    assert np.isclose(
        losses[-1], 3 * np.log(2) if output is LogisticOutput else np.log(3)
    )
