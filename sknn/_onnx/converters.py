"""The skl2onnx side of the export: for each sknn estimator a parser, a shape
calculator and a converter, their registration, and ``to_onnx``.

The parsers and shape calculators declare the graph's outputs from the model's
checked facts (``facts``); the converters write the nodes (``graph``). The
public wrappers are ``sknn.to_onnx`` and ``sknn.register_onnx_converters`` in
``sknn/_export.py``.
"""

import numpy as np
import scipy.sparse as sp

from . import table
from .facts import classifier_facts, regressor_facts
from .graph import (
    Graph,
    classifier_outputs,
    logits,
    regressor_output,
    tensor_type,
)

CLASSIFIER_ALIAS = "SknnMLPClassifier"
REGRESSOR_ALIAS = "SknnMLPRegressor"
# "nocl" must be registered because skl2onnx's ZipMap wiring reads it; sknn's
# graphs always return the real class labels, so only False is allowed
CLASSIFIER_OPTIONS = {"zipmap": [True, False, "columns"], "nocl": [False]}


# ------------------------------------------------------------ parsers


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
    inputs = table.network_inputs(scope, model, inputs)
    operator = scope.declare_local_operator(CLASSIFIER_ALIAS, model)
    operator.inputs = inputs
    label_type = StringTensorType if facts["string_labels"] else Int64TensorType
    # ZipMap maps to float only: with it the probabilities leave as float32
    proba_type = FloatTensorType if zipmap is True else tensor_type(facts["dtype"])
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
    inputs = table.network_inputs(scope, model, inputs)
    operator = scope.declare_local_operator(REGRESSOR_ALIAS, model)
    operator.inputs = inputs
    variable = scope.declare_local_variable("variable", tensor_type(facts["dtype"])())
    operator.outputs.append(variable)
    return operator.outputs


# ------------------------------------------------------------ shape calculators


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
    name = type(operator.raw_operator).__name__
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
    variable.type = tensor_type(facts["dtype"])([n, facts["n_outputs"]])


# ------------------------------------------------------------ converters


def convert_classifier(scope, operator, container):
    """skl2onnx converter: the forward pass, the probabilities and the labels."""
    model = operator.raw_operator
    facts = classifier_facts(model)
    graph = Graph(scope, container, facts["dtype"])
    Z = logits(
        graph, operator.inputs, model.coefs_, model.intercepts_, facts["activations"]
    )
    label, proba = operator.outputs
    # the parser declared a float type for the probabilities
    classifier_outputs(graph, Z, facts, label.full_name, proba.full_name, proba.type)


def convert_regressor(scope, operator, container):
    """skl2onnx converter: the forward pass, then exp for a poisson model,
    then the targets' scale and centre for a model that standardised them."""
    model = operator.raw_operator
    facts = regressor_facts(model)
    graph = Graph(scope, container, facts["dtype"])
    Z = logits(
        graph, operator.inputs, model.coefs_, model.intercepts_, facts["activations"]
    )
    out = operator.outputs[0].full_name
    scaling = table.target_scaling(model, facts["n_outputs"])
    h = out if scaling is None else graph.name("standardised_prediction")
    regressor_output(graph, Z, facts["out_activation"], h)
    if scaling is not None:
        table.unscale_targets(graph, h, scaling, out)


# ------------------------------------------------------------ entry points


def _with_subclasses(cls):
    """cls and every subclass defined so far (skl2onnx looks converters up
    by the exact class: the tabular estimators are subclasses)."""
    found = [cls]
    for sub in cls.__subclasses__():
        found.extend(c for c in _with_subclasses(sub) if c not in found)
    return found


def _estimators():
    """The sknn estimator classes, with their skl2onnx registration pieces."""
    import sknn

    from .._tabular.preprocessing import TablePreprocessor

    classifier = (
        CLASSIFIER_ALIAS,
        shape_classifier,
        convert_classifier,
        parse_classifier,
        CLASSIFIER_OPTIONS,
    )
    regressor = (
        REGRESSOR_ALIAS,
        shape_regressor,
        convert_regressor,
        parse_regressor,
        None,
    )
    return [
        *((cls, *classifier) for cls in _with_subclasses(sknn.MLPClassifier)),
        *((cls, *regressor) for cls in _with_subclasses(sknn.MLPRegressor)),
        (
            TablePreprocessor,
            table.TABLE_ALIAS,
            table.shape_table,
            table.convert_table,
            table.parse_table,
            None,
        ),
    ]


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

    # the class-level zipmap choice, for every classifier class (options
    # are looked up by exact class); options given per instance (id) win
    options = dict(options or {})
    for cls in _with_subclasses(sknn.MLPClassifier):
        options[cls] = {"zipmap": zipmap, **options.get(cls, {})}
    preprocessor = table.preprocessor_of(model)
    if preprocessor is not None and "initial_types" not in kwargs:
        # one input per column, by the contract; the sample's own dtypes
        # (category, object holding numbers) would not say it
        table.onnx_inputs(model, X_sample)  # the sample's columns, checked
        kwargs["initial_types"] = table.input_types(model)
        X_sample = None

    import skl2onnx

    return skl2onnx.to_onnx(
        model, X_sample, target_opset=target_opset, options=options, **kwargs
    )
