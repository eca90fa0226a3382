"""The network's forward pass and output layer, written as ONNX nodes.

This is the one second copy of ``predict``'s forward loop that sknn keeps: the
same layers, node by node::

    X ─ Cast ─ MatMul(Θ⁽¹⁾) ─ Add(b⁽¹⁾) ─ g ─ … ─ MatMul(Θ⁽ᴸ⁾) ─ Add(b⁽ᴸ⁾) = z

(Cast to the model's dtype only when X has another; several inputs, one per
DataFrame column, are cast and concatenated first)
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

import numpy as np

# hidden activation → ONNX operator (None: no node at all)
HIDDEN_OPS = {"identity": None, "logistic": "Sigmoid", "tanh": "Tanh", "relu": "Relu"}


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


def logits(graph, inputs, coefs, intercepts, activation):
    """z, the output layer's pre-activations, in the model's dtype, from the
    skl2onnx input variables ``inputs``."""
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
        op = HIDDEN_OPS[activation]
        A = Z if layer == last or op is None else graph.node(op, [Z])
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
