r"""Hidden-layer activations g(z) and the factor g'(z) that backpropagation needs.

Both tables hold in-place functions, so the training loop allocates nothing
for the activations it has always had (identity, logistic, tanh, relu):

- ``ACTIVATIONS[name](Z)`` overwrites the pre-activations ``Z`` with ``g(Z)``;
- ``DERIVATIVES[name](K, delta)`` multiplies the error ``delta`` by ``g'(z)``,
  written in terms of ``K``, what the forward pass kept: the activation
  ``A = g(z)`` for most activations, the pre-activation ``z`` itself for the
  ones in ``NEEDS_Z`` (gelu, silu and mish cannot be inverted, so their g'
  cannot be written from ``a``; the forward pass keeps a copy of their z).

========== ================================== ================================
name       g(z)                               g'(z), from what the pass keeps
========== ================================== ================================
identity   z                                  1
logistic   σ(z) = 1 / (1 + exp(-z))           a (1 - a)
tanh       tanh(z)                            1 - a²
relu       max(z, 0)                          1 if a > 0 else 0
leaky_relu z if z > 0 else 0.01 z             1 if a > 0 else 0.01
elu        z if z > 0 else exp(z) - 1         1 if a > 0 else a + 1
selu       λ (z if z > 0 else α (exp(z) - 1)) λ if a > 0 else a + λα
softplus   log(1 + exp(z))                    σ(z) = 1 - exp(-a)
gelu       z Φ(z)                             from z: Φ(z) + z φ(z)
silu       z σ(z)                             from z: σ(z) (1 + z (1 - σ(z)))
mish       z t, t = tanh(softplus(z))         from z: t + z σ(z) (1 - t²)
========== ================================== ================================

Φ and φ are the standard normal distribution and density functions,
φ(z) = exp(-z²/2) / √(2π). The constants are the usual defaults:

- leaky_relu: slope 0.01 for z ≤ 0, PyTorch's ``LeakyReLU`` default
  ``negative_slope`` (Keras' ``leaky_relu`` defaults to 0.2);
- elu: α = 1 (PyTorch, Keras);
- selu: α = 1.6732632423543772848…, λ = 1.0507009873554804934… (Klambauer et
  al., "Self-Normalizing Neural Networks", 2017; PyTorch's and Keras'
  constants);
- softplus: β = 1 and no threshold (PyTorch switches to z above 20, a change
  below 2.1e-9);
- gelu: the exact form z Φ(z) = ½ z (1 + erf(z / √2)) (Hendrycks and Gimpel,
  2016), PyTorch's default ``approximate="none"`` and Keras'
  ``approximate=False``, not the tanh approximation
  ½ z (1 + tanh(√(2/π) (z + 0.044715 z³))), which is off by up to 4.7e-4: a
  model moved to or from PyTorch's default ``GELU`` computes the same function,
  and the ONNX export has the same Φ (onnxruntime's ``Erf`` in float32). The
  price: ``scipy.special.ndtr`` makes g and g' about twice as slow per unit as
  the tanh form's NumPy passes would be.
"""

import math

import numpy as np
from scipy.special import expit, ndtr

LEAKY_SLOPE = 0.01
ELU_ALPHA = 1.0
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_LAMBDA = 1.0507009873554804934193349852946
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def identity(Z):
    return Z


def logistic(Z):
    return expit(Z, out=Z)


def tanh(Z):
    return np.tanh(Z, out=Z)


def relu(Z):
    return np.maximum(Z, 0, out=Z)


def leaky_relu(Z):
    # max(z, 0.01 z) is z for z > 0 and 0.01 z otherwise (the slope is < 1)
    return np.maximum(Z, Z * LEAKY_SLOPE, out=Z)


def _exponential_unit(Z, alpha):
    """z for z > 0, α (exp(z) − 1) otherwise, in place; exp sees only
    min(z, 0), so it never overflows, and z > 0 adds an exact 0."""
    negative = np.minimum(Z, 0)
    np.expm1(negative, out=negative)
    if alpha != 1.0:
        negative *= alpha
    np.maximum(Z, 0, out=Z)
    Z += negative
    return Z


def elu(Z):
    return _exponential_unit(Z, ELU_ALPHA)


def selu(Z):
    _exponential_unit(Z, SELU_ALPHA)
    Z *= SELU_LAMBDA
    return Z


def _softplus(Z, out=None):
    """max(z, 0) + log1p(exp(−|z|)) = log(1 + e^z), which never overflows
    (and runs several times faster than ``np.logaddexp(0, z)``)."""
    tail = np.abs(Z)
    np.negative(tail, out=tail)
    np.exp(tail, out=tail)
    np.log1p(tail, out=tail)
    out = np.maximum(Z, 0, out=out)
    out += tail
    return out


def softplus(Z):
    return _softplus(Z, out=Z)


def gelu(Z):
    Z *= ndtr(Z)
    return Z


def silu(Z):
    Z *= expit(Z)
    return Z


def _tanh_softplus(Z):
    t = _softplus(Z)
    return np.tanh(t, out=t)


def mish(Z):
    Z *= _tanh_softplus(Z)
    return Z


def identity_derivative(A, delta):
    return delta


def logistic_derivative(A, delta):
    delta *= A
    delta *= 1 - A
    return delta


def tanh_derivative(A, delta):
    delta *= 1 - A**2
    return delta


def relu_derivative(A, delta):
    # multiplying by the 0/1 indicator is one fast pass; a masked copy
    # (np.copyto(..., where=...)) is an order of magnitude slower
    return np.multiply(delta, A > 0, out=delta)


def leaky_relu_derivative(A, delta):
    one, slope = A.dtype.type(1), A.dtype.type(LEAKY_SLOPE)
    delta *= np.where(A > 0, one, slope)
    return delta


def elu_derivative(A, delta):
    # a + 1 = exp(z) ≤ 1 where z ≤ 0, and a + 1 > 1 where z > 0
    delta *= np.minimum(A + 1, 1)
    return delta


def selu_derivative(A, delta):
    # where z ≤ 0: a + λα = λα exp(z), the derivative of λα (exp(z) − 1)
    delta *= np.where(A > 0, A.dtype.type(SELU_LAMBDA), A + SELU_LAMBDA * SELU_ALPHA)
    return delta


def softplus_derivative(A, delta):
    # σ(z) = 1 − 1/(1 + e^z) = 1 − e^(−a), accurate for small a too
    delta *= -np.expm1(-A)
    return delta


def gelu_derivative(Z, delta):
    factor = Z * Z
    factor *= -0.5
    np.exp(factor, out=factor)
    factor *= _INV_SQRT_2PI
    factor *= Z  # z φ(z)
    factor += ndtr(Z)
    delta *= factor
    return delta


def silu_derivative(Z, delta):
    s = expit(Z)
    factor = 1 - s
    factor *= Z
    factor += 1
    factor *= s  # σ(z) (1 + z (1 − σ(z)))
    delta *= factor
    return delta


def mish_derivative(Z, delta):
    t = _tanh_softplus(Z)
    factor = 1 - t * t
    factor *= expit(Z)
    factor *= Z
    factor += t  # t + z σ(z) (1 − t²)
    delta *= factor
    return delta


ACTIVATIONS = {
    "identity": identity,
    "logistic": logistic,
    "tanh": tanh,
    "relu": relu,
    "leaky_relu": leaky_relu,
    "elu": elu,
    "selu": selu,
    "softplus": softplus,
    "gelu": gelu,
    "silu": silu,
    "mish": mish,
}
DERIVATIVES = {
    "identity": identity_derivative,
    "logistic": logistic_derivative,
    "tanh": tanh_derivative,
    "relu": relu_derivative,
    "leaky_relu": leaky_relu_derivative,
    "elu": elu_derivative,
    "selu": selu_derivative,
    "softplus": softplus_derivative,
    "gelu": gelu_derivative,
    "silu": silu_derivative,
    "mish": mish_derivative,
}
# the activations whose DERIVATIVES take the pre-activation z, not a = g(z)
NEEDS_Z = frozenset({"gelu", "silu", "mish"})
ALIASES = {"sigmoid": "logistic"}
