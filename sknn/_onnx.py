"""ONNX export through skl2onnx: a parser, a shape calculator and a converter
for each sknn estimator.

The graph is the network's forward pass, written out node by node::

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

This module must import without skl2onnx installed (pytest collects it for
doctests, and ``import sknn`` must stay light): every skl2onnx import is inside
a function. The public entry points are the thin wrappers ``sknn.to_onnx`` and
``sknn.register_onnx_converters`` in ``sknn/__init__.py``.
"""

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import NotFittedError

from ._math.activations import ALIASES

CLASSIFIER_ALIAS = "SknnMLPClassifier"
REGRESSOR_ALIAS = "SknnMLPRegressor"
# "nocl" must be registered because skl2onnx's ZipMap wiring reads it; sknn's
# graphs always return the real class labels, so only False is allowed
CLASSIFIER_OPTIONS = {"zipmap": [True, False, "columns"], "nocl": [False]}

# hidden activation → ONNX operator (None: no node at all)
HIDDEN_OPS = {"identity": None, "logistic": "Sigmoid", "tanh": "Tanh", "relu": "Relu"}
CLASSIFIER_OUTPUTS = {
    "binary": "logistic",
    "multiclass": "softmax",
    "multilabel-indicator": "logistic",
}
REGRESSOR_OUTPUTS = ("identity", "exp")
REGRESSOR_KINDS = ("continuous", "continuous-multioutput")


# ------------------------------------------------------------ model facts


def _name(model):
    return type(model).__name__


def _check_fitted(model):
    if not hasattr(model, "coefs_"):
        raise NotFittedError(
            f"This {_name(model)} instance is not fitted yet: fit it before "
            "exporting it to ONNX."
        )


def _model_dtype(model):
    """The dtype the model computes in, checked to be one ONNX graphs use."""
    dtype = np.dtype(model.coefs_[0].dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(
            f"Cannot export a {_name(model)} whose weights are {dtype} to ONNX: "
            "only float32 and float64 models are supported."
        )
    arrays = [*model.coefs_, *model.intercepts_]
    if any(np.dtype(a.dtype) != dtype for a in arrays):
        raise ValueError(
            f"Cannot export this {_name(model)} to ONNX: its weights and biases "
            f"do not all have the dtype of coefs_[0] ({dtype})."
        )
    return dtype


def _hidden_activation(model):
    """The activation the fitted network uses (a later ``set_params`` does not
    change it until the next fit), as a key of ``HIDDEN_OPS``."""
    network = getattr(model, "_network", None)
    name = getattr(network, "activation", None) or model.activation
    name = ALIASES.get(name, name)
    if name not in HIDDEN_OPS:
        raise ValueError(
            f"Cannot export a {_name(model)} with activation={name!r} to ONNX: "
            f"the converter knows {sorted(HIDDEN_OPS)} (and the aliases "
            f"{sorted(ALIASES)})."
        )
    return name


def _check_layers(model):
    coefs, intercepts = model.coefs_, model.intercepts_
    if len(coefs) != len(intercepts) or not coefs:
        raise ValueError(
            f"Cannot export this {_name(model)} to ONNX: coefs_ and intercepts_ "
            "must be non-empty lists of the same length."
        )
    fan_in = coefs[0].shape[0]
    for W, b in zip(coefs, intercepts):
        if W.ndim != 2 or W.shape[0] != fan_in or b.shape != (W.shape[1],):
            raise ValueError(
                f"Cannot export this {_name(model)} to ONNX: the layer shapes "
                f"{[c.shape for c in coefs]} and {[i.shape for i in intercepts]} "
                "do not chain."
            )
        fan_in = W.shape[1]
    return coefs[0].shape[0], coefs[-1].shape[1]


def _onnx_classes(model):
    """``classes_`` as ONNX stores them: (int64 array, False) or (str array,
    True). Integral floats and bools become int64, as skl2onnx does."""
    classes = np.asarray(model.classes_)
    if classes.ndim != 1:
        raise ValueError(
            f"Cannot export this {_name(model)} to ONNX: classes_ has shape "
            f"{classes.shape}, expected one dimension."
        )
    if classes.dtype.kind in "biu":
        return classes.astype(np.int64), False
    if classes.dtype.kind == "f" and np.all(classes == np.round(classes)):
        return classes.astype(np.int64), False
    if classes.dtype.kind in "US" or (
        classes.dtype.kind == "O" and all(isinstance(c, str) for c in classes)
    ):
        return classes.astype(str), True
    if classes.dtype.kind == "O" and all(
        isinstance(c, (int, np.integer)) and not isinstance(c, bool) for c in classes
    ):
        return classes.astype(np.int64), False
    raise ValueError(
        f"Cannot export this {_name(model)} to ONNX: its class labels "
        f"{classes.tolist()!r} are neither all integers nor all strings, the two "
        "label types ONNX graphs can return. Refit with integer or string labels."
    )


def classifier_facts(model):
    """Everything the classifier's parser and converter need, checked.

    Returns
    -------
    facts : dict
        ``dtype``, ``activation``, ``kind``, ``classes``, ``string_labels``,
        ``n_features`` and ``n_outputs``.
    """
    _check_fitted(model)
    dtype = _model_dtype(model)
    n_features, n_outputs = _check_layers(model)
    kind = getattr(model, "_target_kind", None)
    if kind not in CLASSIFIER_OUTPUTS:
        raise ValueError(
            f"Cannot export this {_name(model)} to ONNX: its target kind {kind!r} "
            f"is not one of {sorted(CLASSIFIER_OUTPUTS)}."
        )
    if model.out_activation_ != CLASSIFIER_OUTPUTS[kind]:
        raise ValueError(
            f"Cannot export this {_name(model)} to ONNX: a {kind} target needs a "
            f"{CLASSIFIER_OUTPUTS[kind]!r} output layer, the model has "
            f"{model.out_activation_!r}."
        )
    classes, string_labels = _onnx_classes(model)
    expected = 1 if kind == "binary" else len(classes)
    if n_outputs != expected or (kind == "binary" and len(classes) != 2):
        raise ValueError(
            f"Cannot export this {_name(model)} to ONNX: {len(classes)} classes "
            f"and {n_outputs} output units do not make a {kind} model."
        )
    return {
        "dtype": dtype,
        "activation": _hidden_activation(model),
        "kind": kind,
        "classes": classes,
        "string_labels": string_labels,
        "n_features": n_features,
        "n_outputs": n_outputs,
    }


def regressor_facts(model):
    """Everything the regressor's parser and converter need, checked."""
    _check_fitted(model)
    dtype = _model_dtype(model)
    n_features, n_outputs = _check_layers(model)
    if model.out_activation_ not in REGRESSOR_OUTPUTS:
        raise ValueError(
            f"Cannot export this {_name(model)} to ONNX: its output activation "
            f"{model.out_activation_!r} is not one of {list(REGRESSOR_OUTPUTS)}."
        )
    kind = getattr(model, "_target_kind", None)
    if kind is not None and kind not in REGRESSOR_KINDS:
        raise ValueError(
            f"Cannot export this {_name(model)} to ONNX: its target kind {kind!r} "
            f"is not one of {list(REGRESSOR_KINDS)}."
        )
    return {
        "dtype": dtype,
        "activation": _hidden_activation(model),
        "out_activation": model.out_activation_,
        "n_features": n_features,
        "n_outputs": n_outputs,
    }


# ------------------------------------------------------------ skl2onnx parts


# keyed by name, not compared with ``==``: np.dtype("float64") == None is True


def _tensor_type(dtype):
    """skl2onnx's tensor type of a float32 or float64 ``np.dtype``."""
    from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType

    return {"float32": FloatTensorType, "float64": DoubleTensorType}[dtype.name]


def _proto_type(dtype):
    """ONNX's element type of a float32 or float64 ``np.dtype``."""
    from onnx import TensorProto

    return {"float32": TensorProto.FLOAT, "float64": TensorProto.DOUBLE}[dtype.name]


def parse_classifier(scope, model, inputs, custom_parsers=None):
    """skl2onnx parser: a label and a probability output, then ZipMap if the
    ``zipmap`` option (True by default, as for every skl2onnx classifier) asks."""
    from skl2onnx.common.data_types import (
        FloatTensorType,
        Int64TensorType,
        StringTensorType,
    )

    facts = classifier_facts(model)
    zipmap = scope.get_options(model, {"zipmap": True})["zipmap"]
    operator = scope.declare_local_operator(CLASSIFIER_ALIAS, model)
    operator.inputs = inputs
    label_type = StringTensorType if facts["string_labels"] else Int64TensorType
    # ZipMap maps to float only: with it the probabilities leave as float32
    proba_type = FloatTensorType if zipmap is True else _tensor_type(facts["dtype"])
    label = scope.declare_local_variable("label", label_type())
    proba = scope.declare_local_variable("probabilities", proba_type())
    operator.outputs.extend([label, proba])
    if zipmap is False:
        return operator.outputs
    # skl2onnx's own ZipMap wiring, private but what its classifiers use;
    # imported only here, so that zipmap=False needs none of skl2onnx's internals
    from skl2onnx._parse import _apply_zipmap

    return _apply_zipmap(zipmap, scope, model, proba_type(), operator.outputs)


def parse_regressor(scope, model, inputs, custom_parsers=None):
    """skl2onnx parser: one output, ``variable``, in the model's dtype."""
    facts = regressor_facts(model)
    operator = scope.declare_local_operator(REGRESSOR_ALIAS, model)
    operator.inputs = inputs
    variable = scope.declare_local_variable("variable", _tensor_type(facts["dtype"])())
    operator.outputs.append(variable)
    return operator.outputs


def _check_inputs(operator, n_features):
    """Numeric tensor inputs whose widths add up to the model's features."""
    from skl2onnx.common.data_types import (
        BooleanTensorType,
        DoubleTensorType,
        FloatTensorType,
        Int32TensorType,
        Int64TensorType,
    )

    numeric = (
        FloatTensorType,
        DoubleTensorType,
        Int64TensorType,
        Int32TensorType,
        BooleanTensorType,
    )
    name = _name(operator.raw_operator)
    widths = []
    for variable in operator.inputs:
        if not isinstance(variable.type, numeric):
            raise TypeError(
                f"sknn's {name} takes numeric features, but its ONNX input "
                f"{variable.onnx_name!r} is {variable.type}. Encode text and "
                "categories first (e.g. a ColumnTransformer with OneHotEncoder "
                "in a Pipeline)."
            )
        shape = variable.type.shape
        widths.append(shape[1] if shape is not None and len(shape) == 2 else None)
    known = all(isinstance(w, (int, np.integer)) for w in widths)
    if known and sum(widths) != n_features:
        raise ValueError(
            f"The ONNX input has {sum(widths)} features, but this {name} was "
            f"fitted on {n_features}: give a sample X with the columns the "
            "model was fitted on."
        )
    return operator.inputs[0].get_first_dimension()


def shape_classifier(operator):
    """skl2onnx shape calculator: label (N,) or (N, K), probabilities (N, K)."""
    facts = classifier_facts(operator.raw_operator)
    n = _check_inputs(operator, facts["n_features"])
    label, proba = operator.outputs
    k = len(facts["classes"])
    label.type = label.type.__class__(
        [n, k] if facts["kind"] == "multilabel-indicator" else [n]
    )
    proba.type = proba.type.__class__([n, k])


def shape_regressor(operator):
    """skl2onnx shape calculator: predictions (N, n_outputs_)."""
    facts = regressor_facts(operator.raw_operator)
    n = _check_inputs(operator, facts["n_features"])
    variable = operator.outputs[0]
    variable.type = _tensor_type(facts["dtype"])([n, facts["n_outputs"]])


class _Graph:
    """Small helpers that add nodes and initializers with unique names."""

    def __init__(self, scope, container, dtype):
        self.scope, self.container = scope, container
        self.dtype = np.dtype(dtype)
        self.proto = _proto_type(self.dtype)

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


def _logits(graph, operator, model, activation):
    """z, the output layer's pre-activations, in the model's dtype."""
    inputs = []
    for variable in operator.inputs:
        name = variable.full_name
        if not _has_dtype(variable.type, graph.dtype):  # int, bool, other float
            name = graph.node("Cast", [name], "cast_input", to=graph.proto)
        inputs.append(name)
    A = inputs[0] if len(inputs) == 1 else graph.node("Concat", inputs, axis=1)
    last = len(model.coefs_) - 1
    for layer, (W, b) in enumerate(zip(model.coefs_, model.intercepts_)):
        W = graph.constant(f"coefficient{layer}", W)
        b = graph.constant(f"intercept{layer}", b.reshape(1, -1))
        Z = graph.node("MatMul", [A, W])
        Z = graph.node("Add", [Z, b])
        op = HIDDEN_OPS[activation]
        A = Z if layer == last or op is None else graph.node(op, [Z])
    return A


def _numpy_dtype(onnx_type):
    """float32 or float64 for a float tensor type, None for any other."""
    from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType

    if isinstance(onnx_type, DoubleTensorType):
        return np.dtype(np.float64)
    if isinstance(onnx_type, FloatTensorType):
        return np.dtype(np.float32)
    return None


def _has_dtype(onnx_type, dtype):
    """True when tensors of ``onnx_type`` hold ``dtype``.

    Not ``_numpy_dtype(onnx_type) == dtype``: NumPy reads None as float64,
    so ``np.dtype("float64") == None`` is True and an int or bool input
    would pass for a float64 one.
    """
    found = _numpy_dtype(onnx_type)
    return found is not None and found == dtype


def convert_classifier(scope, operator, container):
    """skl2onnx converter: the forward pass, the probabilities and the labels."""
    from onnx import TensorProto

    model = operator.raw_operator
    facts = classifier_facts(model)
    graph = _Graph(scope, container, facts["dtype"])
    Z = _logits(graph, operator, model, facts["activation"])
    kind = facts["kind"]
    label_out, proba_out = (v.full_name for v in operator.outputs)

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

    proba_type = operator.outputs[1].type  # the parser declared a float type
    if _has_dtype(proba_type, graph.dtype):
        graph.node("Identity", [P], output=proba_out)
    else:
        to = _proto_type(_numpy_dtype(proba_type))
        graph.node("Cast", [P], output=proba_out, to=to)


def convert_regressor(scope, operator, container):
    """skl2onnx converter: the forward pass, then exp for a poisson model."""
    model = operator.raw_operator
    facts = regressor_facts(model)
    graph = _Graph(scope, container, facts["dtype"])
    Z = _logits(graph, operator, model, facts["activation"])
    out = operator.outputs[0].full_name
    if facts["out_activation"] == "exp":
        graph.node("Exp", [Z], output=out)
    else:
        graph.node("Identity", [Z], output=out)


# ------------------------------------------------------------ public entry points


def _estimators():
    """The sknn estimator classes, with their skl2onnx registration pieces."""
    import sknn

    pairs = [
        (
            sknn.MLPClassifier,
            CLASSIFIER_ALIAS,
            shape_classifier,
            convert_classifier,
            parse_classifier,
            CLASSIFIER_OPTIONS,
        )
    ]
    regressor = getattr(sknn, "MLPRegressor", None)
    if regressor is not None:
        pairs.append(
            (
                regressor,
                REGRESSOR_ALIAS,
                shape_regressor,
                convert_regressor,
                parse_regressor,
                None,
            )
        )
    return pairs


def register_onnx_converters():
    """Register sknn's estimators with skl2onnx; calling it again is harmless."""
    try:
        from skl2onnx import update_registered_converter
    except ImportError as error:
        raise ImportError(
            'ONNX export needs skl2onnx and onnx: pip install "sknn[onnx]".'
        ) from error

    for cls, alias, shape_fct, convert_fct, parser, options in _estimators():
        update_registered_converter(
            cls,
            alias,
            shape_fct,
            convert_fct,
            overwrite=True,
            parser=parser,
            options=options,
        )


def to_onnx(
    model, X_sample, *, zipmap=False, target_opset=None, options=None, **kwargs
):
    """Register, then convert with ``skl2onnx.to_onnx``; see ``sknn.to_onnx``."""
    register_onnx_converters()
    if not (zipmap is True or zipmap is False or zipmap == "columns"):
        raise ValueError(f"zipmap must be False, True or 'columns'; got {zipmap!r}.")
    if sp.issparse(X_sample):
        # the graph takes dense input; COO, DIA and BSR cannot slice rows
        X_sample = X_sample.tocsr()[:1].toarray()
    elif not hasattr(X_sample, "dtypes") and not isinstance(X_sample, np.ndarray):
        X_sample = np.asarray(X_sample)  # lists; DataFrames stay DataFrames
    import sknn

    # the class-level zipmap choice; options given per instance (id) win
    options = dict(options or {})
    options[sknn.MLPClassifier] = {
        "zipmap": zipmap,
        **options.get(sknn.MLPClassifier, {}),
    }

    import skl2onnx

    return skl2onnx.to_onnx(
        model, X_sample, target_opset=target_opset, options=options, **kwargs
    )
