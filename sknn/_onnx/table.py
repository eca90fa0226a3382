"""The ONNX graph of ``TablePreprocessor``, and the feed that goes with it.

The input contract: **one graph input per column** of the table the model was
fitted on, named after the column (``x0``, ``x1``, ... after a NumPy array),
each of shape (N, 1):

- a numeric column (numbers and bools) is ``tensor(double)``: bools as 0.0 /
  1.0, NaN for a missing value;
- a categorical column whose categories are numbers (or bools) is
  ``tensor(double)`` too, NaN for missing;
- any other categorical column is ``tensor(string)``, each value as Python's
  ``str`` gives it, and the **empty string ``""`` for a missing value**
  (onnxruntime's string tensors hold no None; ``TablePreprocessor`` reads
  ``""`` as missing as well, so the two agree).

``onnx_inputs(model, X)`` builds that feed from a DataFrame. The graph then
computes what ``TablePreprocessor.transform`` does, in float64, with standard
ai.onnx ops only::

    numeric      IsNaN ─ Where(median) [─ Cast: the indicator]
                 [─ Sub(edges) ─ Div(widths) ─ Max(0) ─ Min(1): the bins]
    categorical  Equal(kept categories, broadcast over a row) ─ Cast
                 (IsNaN for the missing category of a numeric one)
    all          Concat ─ Sub(center_) ─ Mul(scale_) ─ z / √(1 + (z/c)²)

Equal on strings needs opset 19 or later (skl2onnx's default is later); an
earlier ``target_opset`` is refused for a model with string categories. The
encoding is written here rather than by skl2onnx's ``OneHotEncoder``
converter, which cannot convert infrequent categories (``min_frequency``,
``max_categories``).

In front of a network (an estimator with a fitted ``preprocessor_``), the
preprocessing is its own operator: its float64 matrix is the network's
input, cast to the network's dtype like any input. A regressor with
``target_scale_`` and ``target_center_`` ends with
``h · target_scale_ + target_center_`` in the model's dtype.

Like every module here, this one imports without onnx and skl2onnx.
"""

import re
from typing import Any

import numpy as np

from .._tabular.preprocessing import STRING_MISSING, TablePreprocessor, reads_strings
from .graph import Graph

TABLE_ALIAS = "SknnTablePreprocessor"
# the first opset whose Equal takes strings
STRING_EQUAL_OPSET = 19


def preprocessor_of(model):
    """The ``TablePreprocessor`` that takes ``model``'s raw input, or None:
    the model itself, its ``preprocessor_``, or a pipeline's first step."""
    if isinstance(model, TablePreprocessor):
        return model
    steps = getattr(model, "steps", None)
    if steps:
        return preprocessor_of(steps[0][1])
    return getattr(model, "preprocessor_", None)


def _checked(model):
    preprocessor = preprocessor_of(model)
    if preprocessor is None:
        raise TypeError(
            f"{type(model).__name__} takes no raw table: give a fitted "
            "TablePreprocessor or an estimator that holds one (preprocessor_)."
        )
    if not hasattr(preprocessor, "encodings_"):
        from sklearn.exceptions import NotFittedError

        raise NotFittedError(
            f"This {type(model).__name__} instance is not fitted yet: fit it "
            "before exporting it to ONNX."
        )
    return preprocessor


def input_names(preprocessor):
    """The graph's input names: ``x0``, ``x1``, ... after a NumPy array; after
    a DataFrame its columns' names made into ONNX variable names the way
    skl2onnx makes them (every character but letters, digits, ``_`` and
    ``+`` becomes ``_``, a leading digit gets a ``_`` in front, a name
    already taken gets 1, 2, ... after it), so that skl2onnx keeps them and
    ``onnx_inputs`` keys its feed by what the graph expects."""
    names = getattr(preprocessor, "feature_names_in_", None)
    if names is None:
        return [f"x{j}" for j in range(preprocessor.n_features_in_)]
    taken, result = set(), []
    for name in names:
        seed = re.sub(r"[^\w+]", "_", str(name)) or "_"
        if re.match("^[0-9]", seed):
            seed = "_" + seed
        candidate, i = seed, 1
        while candidate in taken:
            candidate, i = f"{seed}{i}", i + 1
        taken.add(candidate)
        result.append(candidate)
    return result


def input_types(model):
    """skl2onnx's ``initial_types`` for the contract: one (N, 1) input per
    column, ``tensor(string)`` for string categories, ``tensor(double)``
    for everything else."""
    from skl2onnx.common.data_types import DoubleTensorType, StringTensorType

    preprocessor = _checked(model)
    return [
        (name, (StringTensorType if reads_strings(e) else DoubleTensorType)([None, 1]))
        for name, e in zip(input_names(preprocessor), preprocessor.encodings_)
    ]


def onnx_inputs(model: Any, X: Any) -> dict[str, np.ndarray]:
    """The onnxruntime feed for rows of a table, by the input contract.

    Parameters
    ----------
    model : fitted TablePreprocessor, or an estimator holding one in ``preprocessor_``
        The model the graph was exported from.
    X : DataFrame or array-like of shape (n_samples, n_features)
        Rows with the columns the model was fitted on, as ``transform`` or
        ``predict`` takes them (checked the same way).

    Returns
    -------
    feed : dict of str to ndarray
        One (n_samples, 1) array per column, keyed by the graph's input
        names: float64 (NaN for missing, bools as 0/1) for numeric columns
        and numeric categories, ``str`` objects (``""`` for missing) for
        the other categories.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from sknn._onnx.table import onnx_inputs
    >>> from sknn._tabular import TablePreprocessor
    >>> df = pd.DataFrame({"age": [31.0, np.nan, 52.0], "city": ["Oslo", None, "Rome"]})
    >>> feed = onnx_inputs(TablePreprocessor(min_frequency=1).fit(df), df)
    >>> feed["age"].ravel().tolist(), feed["city"].ravel().tolist()
    ([31.0, nan, 52.0], ['Oslo', '', 'Rome'])
    """
    preprocessor = _checked(model)
    arrays = preprocessor._columns(X)
    return {
        name: values.reshape(-1, 1)
        for name, values in zip(input_names(preprocessor), arrays)
    }


# ------------------------------------------------------------ skl2onnx side


def parse_table(scope, model, inputs, custom_parsers=None):
    """skl2onnx parser: one float64 output, the encoded matrix."""
    from skl2onnx.common.data_types import DoubleTensorType

    operator = scope.declare_local_operator(TABLE_ALIAS, model)
    operator.inputs = inputs
    features = scope.declare_local_variable("table_features", DoubleTensorType())
    operator.outputs.append(features)
    return operator.outputs


def network_inputs(scope, model, inputs):
    """The inputs of an estimator's network: the raw ones, or for an
    estimator with a ``preprocessor_`` the output of its preprocessing."""
    preprocessor = preprocessor_of(model)
    if preprocessor is None:
        return inputs
    return parse_table(scope, _checked(model), inputs)


def _columns(operator):
    """(variable, column index within it, its string-ness) for each input
    column: the inputs' widths must add up to ``n_features_in_``."""
    from skl2onnx.common.data_types import StringTensorType

    preprocessor = operator.raw_operator
    columns = []
    for variable in operator.inputs:
        shape = variable.type.shape
        width = shape[1] if shape is not None and len(shape) == 2 else None
        if not isinstance(width, (int, np.integer)):
            raise ValueError(
                f"The ONNX input {variable.onnx_name!r} of TablePreprocessor has "
                f"shape {shape}: give inputs of shape (N, k), one per column "
                "(sknn.to_onnx declares them)."
            )
        string = isinstance(variable.type, StringTensorType)
        columns.extend((variable, k, string) for k in range(width))
    n = preprocessor.n_features_in_
    if len(columns) != n:
        raise ValueError(
            f"The ONNX inputs hold {len(columns)} columns, but this "
            f"TablePreprocessor was fitted on {n}: give one input per column."
        )
    names = input_names(preprocessor)
    for (variable, _, string), name, e in zip(columns, names, preprocessor.encodings_):
        if string != reads_strings(e) and e["kind"] != "dropped":
            wanted = "tensor(string)" if reads_strings(e) else "a numeric tensor"
            raise TypeError(
                f"Column {name!r} enters the ONNX graph as {variable.type}, but "
                f"TablePreprocessor needs {wanted} for it: declare the inputs "
                "with sknn.to_onnx, which follows the input contract."
            )
    return columns


def shape_table(operator):
    """skl2onnx shape calculator: (N, number of output columns)."""
    from skl2onnx.common.data_types import DoubleTensorType

    _columns(operator)
    n = operator.inputs[0].get_first_dimension()
    width = len(operator.raw_operator.center_)
    operator.outputs[0].type = DoubleTensorType([n, width])


def convert_table(scope, operator, container):
    """skl2onnx converter: the encoding, the scaling and the clipping."""
    from onnx import TensorProto

    preprocessor = operator.raw_operator
    graph = Graph(scope, container, np.float64)
    columns = _columns(operator)
    names = input_names(preprocessor)
    strings = [n for n, e in zip(names, preprocessor.encodings_) if reads_strings(e)]
    if strings and container.target_opset < STRING_EQUAL_OPSET:
        raise ValueError(
            f"The string categories of column {strings[0]!r} need ONNX's Equal "
            f"on strings, from opset {STRING_EQUAL_OPSET}; target_opset is "
            f"{container.target_opset}. Export with target_opset >= "
            f"{STRING_EQUAL_OPSET} (or None, skl2onnx's latest)."
        )

    def as_double(flag):
        return graph.node("Cast", [flag], to=TensorProto.DOUBLE)

    pieces = []
    for (variable, k, string), e in zip(columns, preprocessor.encodings_):
        if e["kind"] == "dropped":
            continue
        x = variable.full_name
        if variable.type.shape[1] != 1:
            index = graph.constant("column", np.array([k], np.int64), TensorProto.INT64)
            x = graph.node("Gather", [x, index], "column", axis=1)
        if not string:
            x = graph.node("Cast", [x], "column", to=TensorProto.DOUBLE)
        if e["kind"] == "numeric":
            missing = graph.node("IsNaN", [x], "missing")
            median = graph.constant("median", np.array(e["median"]))
            imputed = graph.node("Where", [missing, median, x], "imputed")
            pieces.append(imputed)
            if e["indicator"]:
                pieces.append(as_double(missing))
            if e.get("edges"):
                pieces.append(_piecewise_linear(graph, imputed, e["edges"]))
            continue
        categories = list(e["categories"])
        if string:
            # "" is how a missing value enters, and no category is ""
            values = categories + [STRING_MISSING] * e["missing"]
            if e["binary"]:
                values = values[1:]
            table = graph.constant(
                "categories",
                np.array(values, object).reshape(1, -1),
                TensorProto.STRING,
            )
            pieces.append(as_double(graph.node("Equal", [x, table], "is_category")))
            continue
        if e["binary"]:  # the second kept category, maybe the missing one
            if len(categories) == 2:
                value = graph.constant("category", np.array([[categories[1]]]))
                pieces.append(as_double(graph.node("Equal", [x, value])))
            else:
                pieces.append(as_double(graph.node("IsNaN", [x], "missing")))
            continue
        if categories:
            table = graph.constant("categories", np.array(categories).reshape(1, -1))
            pieces.append(as_double(graph.node("Equal", [x, table], "is_category")))
        if e["missing"]:
            pieces.append(as_double(graph.node("IsNaN", [x], "missing")))

    M = pieces[0] if len(pieces) == 1 else graph.node("Concat", pieces, axis=1)
    center = graph.constant("center", preprocessor.center_.reshape(1, -1))
    scale = graph.constant("scale", preprocessor.scale_.reshape(1, -1))
    Z = graph.node("Mul", [graph.node("Sub", [M, center]), scale], "scaled")
    out = operator.outputs[0].full_name
    c = preprocessor.smooth_clip
    if c is None:
        graph.node("Identity", [Z], output=out)
        return
    # z / √(1 + t²), t = z / c: the operations of TablePreprocessor._scaled
    t = graph.node("Div", [Z, graph.constant("clip", np.array(float(c)))])
    one = graph.constant("one", np.array(1.0))
    root = graph.node("Sqrt", [graph.node("Add", [one, graph.node("Mul", [t, t])])])
    graph.node("Div", [Z, root], output=out)


def _piecewise_linear(graph, x, edges):
    """The bins of ``preprocessing._piecewise_linear``, (N, T) from (N, 1),
    with its operations in its order."""
    edges = np.asarray(edges, np.float64)
    left = graph.constant("bin_left", edges[:-1].reshape(1, -1))
    width = graph.constant("bin_width", (edges[1:] - edges[:-1]).reshape(1, -1))
    ratio = graph.node("Div", [graph.node("Sub", [x, left]), width], "bin_ratio")
    low = graph.node("Max", [ratio, graph.constant("zero", np.array(0.0))])
    return graph.node("Min", [low, graph.constant("one", np.array(1.0))], "bins")


# ------------------------------------------------------------ regression targets


def target_scaling(model, n_outputs):
    """(target_scale_, target_center_) of a regressor that standardised its
    targets, checked against its ``n_outputs``; None for one that did not."""
    scale = getattr(model, "target_scale_", None)
    center = getattr(model, "target_center_", None)
    if scale is None and center is None:
        return None
    scale, center = np.ravel(scale), np.ravel(center)
    if scale.shape != (n_outputs,) or center.shape != (n_outputs,):
        raise ValueError(
            f"Cannot export this {type(model).__name__} to ONNX: target_scale_ "
            f"and target_center_ have {scale.size} and {center.size} values "
            f"for its {n_outputs} outputs."
        )
    return scale, center


def unscale_targets(graph, h, scaling, out):
    """``h · target_scale_ + target_center_`` into the output ``out``, in the
    graph's dtype (the model's)."""
    scale, center = scaling
    scale = graph.constant("target_scale", scale.astype(graph.dtype).reshape(1, -1))
    center = graph.constant("target_center", center.astype(graph.dtype).reshape(1, -1))
    graph.node("Add", [graph.node("Mul", [h, scale]), center], output=out)
