"""Hidden-layer activations g(z) and the factor g'(z) that backpropagation needs.

Both tables hold in-place functions, so the training loop allocates nothing:

- ``ACTIVATIONS[name](Z)`` overwrites the pre-activations ``Z`` with ``g(Z)``;
- ``DERIVATIVES[name](A, delta)`` multiplies the error ``delta`` by ``g'(z)``,
  written in terms of the activation ``A = g(z)`` that the forward pass kept.

======== ======================== ===========================
name     g(z)                     g'(z) in terms of a = g(z)
======== ======================== ===========================
identity z                        1
logistic 1 / (1 + exp(-z))        a (1 - a)
tanh     tanh(z)                  1 - a²
relu     max(z, 0)                1 if a > 0 else 0
======== ======================== ===========================
"""

import numpy as np
from scipy.special import expit


def identity(Z):
    return Z


def logistic(Z):
    return expit(Z, out=Z)


def tanh(Z):
    return np.tanh(Z, out=Z)


def relu(Z):
    return np.maximum(Z, 0, out=Z)


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


ACTIVATIONS = {"identity": identity, "logistic": logistic, "tanh": tanh, "relu": relu}
DERIVATIVES = {
    "identity": identity_derivative,
    "logistic": logistic_derivative,
    "tanh": tanh_derivative,
    "relu": relu_derivative,
}
ALIASES = {"sigmoid": "logistic"}
