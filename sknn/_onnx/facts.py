"""What the ONNX converters read from a fitted model, checked first.

A model the graph could not reproduce is refused here, with an error naming
the problem, before skl2onnx declares a single variable: the dtype (float32 or
float64, every array alike), each hidden layer's activation, layer shapes that chain,
the target kind and its output layer, and class labels ONNX can return
(integers or strings).
"""

import numpy as np
from sklearn.exceptions import NotFittedError

from .._math.activations import ALIASES
from .graph import HIDDEN_OPS, REGRESSOR_LINKS

# the output layer each target kind needs: the one the graph writes for it
CLASSIFIER_OUTPUTS = {
    "binary": "logistic",
    "multiclass": "softmax",
    "multilabel-indicator": "logistic",
}
REGRESSOR_KINDS = ("continuous", "continuous-multioutput")


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


def _hidden_activations(model):
    """The activation of each hidden layer of the fitted network (a later
    ``set_params`` does not change them until the next fit), as keys of
    ``HIDDEN_OPS``; a model without sknn's network reads ``activation``."""
    n_hidden = len(model.coefs_) - 1
    names = getattr(getattr(model, "_network", None), "activations", None)
    if names is None:
        names = model.activation
        names = (names,) * n_hidden if isinstance(names, str) else tuple(names)
    names = tuple(ALIASES.get(name, name) for name in names)
    for layer, name in enumerate(names, start=1):
        if name not in HIDDEN_OPS:
            raise ValueError(
                f"Cannot export a {_name(model)} with activation={name!r} "
                f"(hidden layer {layer}) to ONNX: the converter knows "
                f"{sorted(HIDDEN_OPS)} (and the aliases {sorted(ALIASES)})."
            )
    if len(names) != n_hidden:
        raise ValueError(
            f"Cannot export this {_name(model)} to ONNX: it names "
            f"{len(names)} activations for its {n_hidden} hidden layers."
        )
    return names


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
        ``dtype``, ``activations``, ``kind``, ``classes``, ``string_labels``,
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
        "activations": _hidden_activations(model),
        "kind": kind,
        "classes": classes,
        "string_labels": string_labels,
        "n_features": n_features,
        "n_outputs": n_outputs,
    }


def regressor_facts(model):
    """Everything the regressor's parser and converter need, checked.

    Returns
    -------
    facts : dict
        ``dtype``, ``activations``, ``out_activation``, ``n_features`` and
        ``n_outputs``.
    """
    _check_fitted(model)
    dtype = _model_dtype(model)
    n_features, n_outputs = _check_layers(model)
    if model.out_activation_ not in REGRESSOR_LINKS:
        raise ValueError(
            f"Cannot export this {_name(model)} to ONNX: its output activation "
            f"{model.out_activation_!r} is not one of {list(REGRESSOR_LINKS)}."
        )
    kind = getattr(model, "_target_kind", None)
    if kind is not None and kind not in REGRESSOR_KINDS:
        raise ValueError(
            f"Cannot export this {_name(model)} to ONNX: its target kind {kind!r} "
            f"is not one of {list(REGRESSOR_KINDS)}."
        )
    return {
        "dtype": dtype,
        "activations": _hidden_activations(model),
        "out_activation": model.out_activation_,
        "n_features": n_features,
        "n_outputs": n_outputs,
    }
