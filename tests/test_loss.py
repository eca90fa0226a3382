"""J(Θ) against values worked out by hand, and the output layers' stability."""

import math

import numpy as np
import pytest

from sknn._math.losses import (
    AbsoluteErrorOutput,
    GammaOutput,
    HuberOutput,
    LogisticOutput,
    QuantileOutput,
    SoftmaxOutput,
)
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


def test_gamma_J_by_hand():
    # ℓ = y/h + log h = y e^(−z) + z: 3 · e^−0.13 + 0.13
    # = 3 · 0.8780954309 + 0.13 = 2.6342862928 + 0.13
    assert _J([[1, 2]], [[3]], None, 0.0, GammaOutput) == pytest.approx(
        2.7642862928, rel=1e-10
    )
    # y = 0.5 at z = 0.14: 0.5 · 0.8693582354 + 0.14 = 0.5746791177;
    # w = (2, 0.5), λ = 0.3: (2 · 2.7642862928 + 0.5 · 0.5746791177 + 0.1365) / 2.5
    # = (5.5285725855 + 0.2873395588 + 0.1365) / 2.5
    J = _J([[1, 2], [0, 0]], [[3], [0.5]], np.array([2.0, 0.5]), 0.3, GammaOutput)
    assert J == pytest.approx(2.3809648577, rel=1e-10)
    # two outputs, y = (3, 2): (2.7642862928 + 2 · e^−0.6 + 0.6) / 2
    # = (2.7642862928 + 1.0976232722 + 0.6) / 2
    J = _J([[1, 2]], [[3, 2]], None, 0.0, GammaOutput, W2_TWO, B2_TWO)
    assert J == pytest.approx(2.2309547825, rel=1e-10)


def test_absolute_error_J_by_hand():
    # ℓ = |y − h| = |1 − 0.13|
    assert _J([[1, 2]], [[1]], None, 0.0, AbsoluteErrorOutput) == pytest.approx(
        0.87, rel=1e-12
    )
    # y = 0 at h = 0.14; w = (2, 0.5), λ = 0.3:
    # (2 · 0.87 + 0.5 · 0.14 + 0.1365) / 2.5 = 1.9465 / 2.5
    J = _J([[1, 2], [0, 0]], [[1], [0]], np.array([2.0, 0.5]), 0.3, AbsoluteErrorOutput)
    assert J == pytest.approx(0.7786, rel=1e-12)
    # two outputs, y = (1, 0), h = (0.13, 0.6): (0.87 + 0.6) / 2
    J = _J([[1, 2]], [[1, 0]], None, 0.0, AbsoluteErrorOutput, W2_TWO, B2_TWO)
    assert J == pytest.approx(0.735, rel=1e-12)


def test_quantile_J_by_hand():
    # q = 0.2; y = 1, h = 0.13: r = 0.87 > 0, ℓ = q r = 0.174;
    # y = 0, h = 0.14: r = −0.14 < 0, ℓ = (q − 1) r = 0.112
    assert _J([[1, 2]], [[1]], None, 0.0, QuantileOutput(0.2)) == pytest.approx(
        0.174, rel=1e-12
    )
    # w = (2, 0.5), λ = 0.3: (2 · 0.174 + 0.5 · 0.112 + 0.1365) / 2.5 = 0.5405 / 2.5
    J = _J([[1, 2], [0, 0]], [[1], [0]], np.array([2.0, 0.5]), 0.3, QuantileOutput(0.2))
    assert J == pytest.approx(0.2162, rel=1e-12)
    # two outputs at q = 0.9, y = (1, 0), h = (0.13, 0.6):
    # (0.9 · 0.87 + 0.1 · 0.6) / 2 = (0.783 + 0.06) / 2
    J = _J([[1, 2]], [[1, 0]], None, 0.0, QuantileOutput(0.9), W2_TWO, B2_TWO)
    assert J == pytest.approx(0.4215, rel=1e-12)
    # q = ½ is half the absolute error
    J = _J([[1, 2]], [[1, 0]], None, 0.0, QuantileOutput(0.5), W2_TWO, B2_TWO)
    assert J == pytest.approx(0.735 / 2, rel=1e-12)


def test_huber_J_by_hand():
    # δ = 0.5; y = 1, h = 0.13: |r| = 0.87 > δ, ℓ = δ (|r| − δ/2) = 0.5 · 0.62;
    # y = 0, h = 0.14: |r| = 0.14 ≤ δ, ℓ = ½ r² = 0.0098
    assert _J([[1, 2]], [[1]], None, 0.0, HuberOutput(0.5)) == pytest.approx(
        0.31, rel=1e-12
    )
    # w = (2, 0.5), λ = 0.3: (2 · 0.31 + 0.5 · 0.0098 + 0.1365) / 2.5 = 0.7614 / 2.5
    J = _J([[1, 2], [0, 0]], [[1], [0]], np.array([2.0, 0.5]), 0.3, HuberOutput(0.5))
    assert J == pytest.approx(0.30456, rel=1e-12)
    # two outputs, y = (1, 0), h = (0.13, 0.6): (0.31 + 0.5 · (0.6 − 0.25)) / 2
    J = _J([[1, 2]], [[1, 0]], None, 0.0, HuberOutput(0.5), W2_TWO, B2_TWO)
    assert J == pytest.approx(0.2425, rel=1e-12)
    # δ above every |r|: squared error (test_squared_error_J_by_hand's 0.279225)
    J = _J([[1, 2]], [[1, 0]], None, 0.0, HuberOutput(1.0), W2_TWO, B2_TWO)
    assert J == pytest.approx(0.279225, rel=1e-12)


@pytest.mark.parametrize(
    "output, expected",
    [
        # h − y = (−1, 0, 2) over K = 3 outputs; 0 is the kink of the first two
        (AbsoluteErrorOutput, [-1 / 3, 0, 1 / 3]),  # sign(0) = 0
        (QuantileOutput(0.2), [-0.2 / 3, 0, 0.8 / 3]),  # −q, 0, 1 − q
        (HuberOutput(0.5), [-0.5 / 3, 0, 0.5 / 3]),  # clip to ±δ
        (HuberOutput(3.0), [-1 / 3, 0, 2 / 3]),  # h − y inside ±δ
    ],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_regression_errors_by_hand_at_and_off_the_kinks(output, expected, dtype):
    H = np.array([[1.0, 2.0, 3.0]], dtype)
    T = np.array([[2.0, 2.0, 1.0]], dtype)
    error = output.error(H, T)
    assert error is H and H.dtype == dtype  # in place, in the network's dtype
    np.testing.assert_allclose(
        H[0], expected, rtol=1e-6 if dtype == np.float32 else 1e-15
    )


def test_gamma_error_by_hand():
    # ∂ℓ/∂z = (1 − y/h) / K: h = (2, 4), y = (3, 1) → (−0.5, 0.75) / 2
    H = np.array([[2.0, 4.0]])
    GammaOutput.error(H, np.array([[3.0, 1.0]]))
    np.testing.assert_allclose(H[0], [-0.25, 0.375], rtol=1e-15)


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


def test_outputs_with_a_parameter_show_it():
    assert repr(QuantileOutput(0.2)) == "QuantileOutput(quantile=0.2)"
    assert repr(HuberOutput(3)) == "HuberOutput(huber_delta=3.0)"
    for output in (QuantileOutput(0.2), HuberOutput(3)):
        assert output.name == "identity" and not output.positive_only
