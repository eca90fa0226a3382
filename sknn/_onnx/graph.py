"""The network's forward pass and output layer, written as ONNX nodes.

This is the one second copy of ``predict``'s forward loop that sknn keeps: the
same layers, node by node::

    X ─ Cast ─ MatMul(Θ⁽¹⁾) ─ Add(b⁽¹⁾) ─ g₁ ─ … ─ MatMul(Θ⁽ᴸ⁾) ─ Add(b⁽ᴸ⁾) = z

(Cast to the model's dtype only when X has another; several inputs, one per
DataFrame column, are cast and concatenated first; g₁, g₂, … each hidden
layer's own activation, ``HIDDEN_OPS``)
and then the output layer of the target kind, the same formulas as
``predict`` and ``predict_proba``:

==================== ========================== ===================================
target kind          probabilities              label
==================== ========================== ===================================
binary               [σ(−z), σ(z)]              classes_[σ(z) > 0.5]
multiclass           softmax(z)                 classes_[argmax softmax(z)]
multilabel-indicator σ(z)                       (σ(z) > 0.5) as int64
continuous (regr.)   z, or exp(z) for poisson   —
==================== ========================== ===================================

Everything is computed in the dtype the model was trained in
(``coefs_[0].dtype``): X is cast to it first, as ``predict`` does. Dropout is
absent (inference only). Labels are int64 for integer, integral-float and bool
classes, strings otherwise; ZipMap (skl2onnx's ``zipmap`` option) takes float32
only, so with it a float64 model's probabilities are cast to float32 at the
end, after the labels were decided in float64.

onnx and skl2onnx are imported inside the functions, so that this module
imports without them.
"""

import functools

import numpy as np

from .._math.activations import ELU_ALPHA, LEAKY_SLOPE, SELU_ALPHA, SELU_LAMBDA

# ------------------------------------------------------------ dtypes


def _float_types():
    """float32 and float64 in ONNX's two spellings: skl2onnx's tensor type and
    ONNX's element type. Keyed by ``np.dtype.name``, never compared with
    ``==``: ``np.dtype("float64") == None`` is True."""
    from onnx import TensorProto
    from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType

    return {
        "float32": (FloatTensorType, TensorProto.FLOAT),
        "float64": (DoubleTensorType, TensorProto.DOUBLE),
    }


def tensor_type(dtype):
    """skl2onnx's tensor type of a float32 or float64 ``np.dtype``."""
    return _float_types()[dtype.name][0]


def proto_type(dtype):
    """ONNX's element type of a float32 or float64 ``np.dtype``."""
    return _float_types()[dtype.name][1]


def numpy_dtype(onnx_type):
    """float32 or float64 for a float tensor type, None for any other."""
    for name, (cls, _) in _float_types().items():
        if isinstance(onnx_type, cls):
            return np.dtype(name)
    return None


def has_dtype(onnx_type, dtype):
    """True when tensors of ``onnx_type`` hold ``dtype``.

    Not ``numpy_dtype(onnx_type) == dtype``: NumPy reads None as float64,
    so ``np.dtype("float64") == None`` is True and an int or bool input
    would pass for a float64 one.
    """
    found = numpy_dtype(onnx_type)
    return found is not None and found == dtype


# ------------------------------------------------------------ nodes


class Graph:
    """Small helpers that add nodes and initializers with unique names."""

    def __init__(self, scope, container, dtype):
        self.scope, self.container = scope, container
        self.dtype = np.dtype(dtype)
        self.proto = proto_type(self.dtype)

    def name(self, hint):
        return self.scope.get_unique_variable_name(hint)

    def node(self, op_type, inputs, hint=None, output=None, **attrs):
        output = output or self.name(hint or op_type.lower())
        self.container.add_node(
            op_type,
            inputs,
            output,
            name=self.scope.get_unique_operator_name(op_type),
            **attrs,
        )
        return output

    def constant(self, hint, array, proto=None):
        array = np.asarray(array)
        name = self.name(hint)
        values = array.ravel()
        if proto is None:
            proto = self.proto
        from onnx import TensorProto

        if proto == TensorProto.STRING:
            values = [str(v).encode("utf-8") for v in values]
        self.container.add_initializer(name, proto, list(array.shape), values)
        return name


# ------------------------------------------------------------ activations
#
# onnxruntime's CPU kernels for Erf and Gelu are float32 only, and the float
# attributes of LeakyRelu, Elu and Selu are float32 whatever the tensor's type
# (Selu's λ and α are then 1e-7 off, LeakyRelu's 0.01 by 7e-10): so the newer
# activations are written from elementary ops with constants in the model's
# dtype (Max, Min, Exp, Log, Abs, Sigmoid, Tanh, Where, arithmetic), which
# onnxruntime implements for both dtypes from opset 13 on (tests/test_onnx.py
# exports at 13 and at skl2onnx's default).


def _scalar(graph, hint, value):
    return graph.constant(hint, np.array(value, graph.dtype))


def _op(op_type):
    def write(graph, Z):
        return graph.node(op_type, [Z])

    return write


def _leaky_relu(graph, Z):
    # max(z, 0.01 z), as NumPy computes it
    slope = _scalar(graph, "leaky_slope", LEAKY_SLOPE)
    return graph.node("Max", [Z, graph.node("Mul", [Z, slope])])


def _exponential_unit(graph, Z, alpha, scale=None):
    """scale · (max(z, 0) + α (exp(min(z, 0)) − 1)): elu and selu. ONNX has no
    expm1; exp(z) − 1 differs from it by an ulp of 1, absolutely."""
    zero = _scalar(graph, "zero", 0.0)
    one = _scalar(graph, "one", 1.0)
    negative = graph.node("Exp", [graph.node("Min", [Z, zero])])
    negative = graph.node("Sub", [negative, one])
    if alpha != 1.0:
        negative = graph.node("Mul", [negative, _scalar(graph, "alpha", alpha)])
    A = graph.node("Add", [graph.node("Max", [Z, zero]), negative])
    if scale is not None:
        A = graph.node("Mul", [A, _scalar(graph, "scale", scale)])
    return A


def _elu(graph, Z):
    return _exponential_unit(graph, Z, ELU_ALPHA)


def _selu(graph, Z):
    return _exponential_unit(graph, Z, SELU_ALPHA, SELU_LAMBDA)


def _softplus(graph, Z):
    """max(z, 0) + log(1 + exp(−|z|)), which never overflows; without log1p
    the last term is off by at most an ulp of 1, absolutely."""
    zero = _scalar(graph, "zero", 0.0)
    one = _scalar(graph, "one", 1.0)
    tail = graph.node("Exp", [graph.node("Neg", [graph.node("Abs", [Z])])])
    tail = graph.node("Log", [graph.node("Add", [one, tail])])
    return graph.node("Add", [graph.node("Max", [Z, zero]), tail])


def _silu(graph, Z):
    """z · σ(z). In float64 written z / (1 + exp(−z)): onnxruntime before 1.21
    fuses Mul(z, Sigmoid(z)) into its QuickGelu op, which has no float64
    kernel (the graph would not load); for z → −∞ exp(−z) overflows to inf
    and the quotient to −0, as z · σ(z) tends to 0."""
    if graph.dtype != np.float64:
        return graph.node("Mul", [Z, graph.node("Sigmoid", [Z])])
    one = _scalar(graph, "one", 1.0)
    denominator = graph.node("Add", [one, graph.node("Exp", [graph.node("Neg", [Z])])])
    return graph.node("Div", [Z, denominator])


def _mish(graph, Z):
    return graph.node("Mul", [Z, graph.node("Tanh", [_softplus(graph, Z)])])


# Φ(z) in float64 from ½ erfc(|z|/√2), with erfc written as Numerical Recipes
# does (3rd ed., §6.2.2): for x ≥ 0, t = 2/(2 + x),
#     erfc(x) = t · exp(−x² + P(2t − 1)),
# P a Chebyshev series on [−1, 1] (P(y) = log(erfcx(x) / t), smooth up to
# x = ∞). Degree 24 gives Φ to 1e-15 absolutely (tests/test_onnx.py checks it
# against scipy.special.ndtr); NumPy computes Φ with scipy.special.ndtr.
ERFC_DEGREE = 24


@functools.cache
def erfc_chebyshev():
    """The coefficients of P, interpolated at Chebyshev points in float64."""
    from numpy.polynomial import chebyshev
    from scipy.special import erfcx

    def log_ratio(y):
        t = (1 + y) / 2
        return np.log(erfcx(2 / t - 2) / t)

    return chebyshev.chebinterpolate(log_ratio, ERFC_DEGREE)


def _normal_cdf64(graph, Z):
    """Φ(z) from elementary ops: ½ erfc(|z|/√2), or 1 minus it for z > 0;
    P by Clenshaw's recurrence b_k = 2y b_{k+1} − b_{k+2} + c_k."""
    zero = _scalar(graph, "zero", 0.0)
    one = _scalar(graph, "one", 1.0)
    two = _scalar(graph, "two", 2.0)
    x = graph.node("Abs", [Z])
    x = graph.node("Mul", [x, _scalar(graph, "rsqrt2", 0.5**0.5)])  # |z| / √2
    t = graph.node("Div", [two, graph.node("Add", [x, two])])
    y = graph.node("Sub", [graph.node("Add", [t, t]), one])
    two_y = graph.node("Add", [y, y])
    c = erfc_chebyshev()
    b1, b2 = _scalar(graph, "chebyshev", c[-1]), zero
    for ck in c[-2:0:-1]:
        step = graph.node("Sub", [graph.node("Mul", [two_y, b1]), b2])
        b1, b2 = graph.node("Add", [step, _scalar(graph, "chebyshev", ck)]), b1
    P = graph.node("Sub", [graph.node("Mul", [y, b1]), b2])
    P = graph.node("Add", [P, _scalar(graph, "chebyshev", c[0])])
    exponent = graph.node("Sub", [P, graph.node("Mul", [x, x])])
    half_tail = graph.node("Mul", [t, graph.node("Exp", [exponent])])
    half_tail = graph.node("Mul", [half_tail, _scalar(graph, "half", 0.5)])
    upper = graph.node("Sub", [one, half_tail])
    return graph.node("Where", [graph.node("Greater", [Z, zero]), upper, half_tail])


def _gelu(graph, Z):
    """z Φ(z), exact (not the tanh approximation): Φ(z) = ½ (1 + erf(z/√2))
    with onnxruntime's Erf in float32, from elementary ops in float64."""
    if graph.dtype == np.float64:
        cdf = _normal_cdf64(graph, Z)
    else:
        one = _scalar(graph, "one", 1.0)
        erf = graph.node("Mul", [Z, _scalar(graph, "rsqrt2", 0.5**0.5)])
        erf = graph.node("Erf", [erf])
        cdf = graph.node("Add", [one, erf])
        cdf = graph.node("Mul", [cdf, _scalar(graph, "half", 0.5)])
    return graph.node("Mul", [Z, cdf])


# hidden activation → a function writing g(Z)'s nodes and returning A's name
# (None: no node at all); every key of ``activations.ACTIVATIONS`` has a row
HIDDEN_OPS = {
    "identity": None,
    "logistic": _op("Sigmoid"),
    "tanh": _op("Tanh"),
    "relu": _op("Relu"),
    "leaky_relu": _leaky_relu,
    "elu": _elu,
    "selu": _selu,
    "softplus": _softplus,
    "gelu": _gelu,
    "silu": _silu,
    "mish": _mish,
}


def logits(graph, inputs, coefs, intercepts, activations):
    """z, the output layer's pre-activations, in the model's dtype, from the
    skl2onnx input variables ``inputs``; ``activations`` names each hidden
    layer's activation (a key of ``HIDDEN_OPS``)."""
    names = []
    for variable in inputs:
        name = variable.full_name
        if not has_dtype(variable.type, graph.dtype):  # int, bool, other float
            name = graph.node("Cast", [name], "cast_input", to=graph.proto)
        names.append(name)
    A = names[0] if len(names) == 1 else graph.node("Concat", names, axis=1)
    last = len(coefs) - 1
    for layer, (W, b) in enumerate(zip(coefs, intercepts)):
        W = graph.constant(f"coefficient{layer}", W)
        b = graph.constant(f"intercept{layer}", b.reshape(1, -1))
        Z = graph.node("MatMul", [A, W])
        Z = graph.node("Add", [Z, b])
        write = None if layer == last else HIDDEN_OPS[activations[layer]]
        A = Z if write is None else write(graph, Z)
    return A


def classifier_outputs(graph, Z, facts, label_out, proba_out, proba_type):
    """The probabilities and labels from z, written to the outputs named
    ``label_out`` and ``proba_out``; the probabilities are cast at the end when
    ``proba_type`` (the float type the parser declared) is not the model's."""
    from onnx import TensorProto

    kind = facts["kind"]
    if kind == "binary":
        # σ(−z) rather than 1 − σ(z), as predict_proba: a tiny probability stays
        # positive
        P1 = graph.node("Sigmoid", [Z], "proba_positive")
        P0 = graph.node("Sigmoid", [graph.node("Neg", [Z])], "proba_negative")
        P = graph.node("Concat", [P0, P1], "probabilities", axis=1)
        half = graph.constant("half", np.array(0.5, graph.dtype))
        index = graph.node("Greater", [P1, half], "positive")
        index = graph.node("Cast", [index], to=TensorProto.INT64)
        flat = graph.constant("flat", np.array([-1], np.int64), TensorProto.INT64)
        index = graph.node("Reshape", [index, flat], "class_index")
    elif kind == "multiclass":
        P = graph.node("Softmax", [Z], "probabilities", axis=1)
        index = graph.node("ArgMax", [P], "class_index", axis=1, keepdims=0)
    else:  # multilabel-indicator
        P = graph.node("Sigmoid", [Z], "probabilities")
        half = graph.constant("half", np.array(0.5, graph.dtype))
        above = graph.node("Greater", [P, half], "above_half")
        graph.node("Cast", [above], output=label_out, to=TensorProto.INT64)
        index = None

    if index is not None:
        string_labels = facts["string_labels"]
        classes = graph.constant(
            "classes",
            facts["classes"],
            TensorProto.STRING if string_labels else TensorProto.INT64,
        )
        graph.node("Gather", [classes, index], output=label_out, axis=0)

    if has_dtype(proba_type, graph.dtype):
        graph.node("Identity", [P], output=proba_out)
    else:
        to = proto_type(numpy_dtype(proba_type))
        graph.node("Cast", [P], output=proba_out, to=to)


# The inverse link of each regression output layer (``out_activation_``) as an
# ONNX op: "identity" for squared error, absolute error, quantile and Huber,
# "exp" for the log link of Poisson and Gamma. A regression loss with a new
# link adds its row here
REGRESSOR_LINKS = {"identity": "Identity", "exp": "Exp"}


def regressor_output(graph, Z, out_activation, out):
    """The predictions h = link⁻¹(z), written to the output named ``out``:
    exp(z) for a log link (poisson, gamma), z itself for the others."""
    graph.node(REGRESSOR_LINKS[out_activation], [Z], output=out)
