"""Labels in, labels out: scikit-learn's target types mapped to output layers.

===================== ============= ===================================
target type           output layer  targets T given to the loss
===================== ============= ===================================
binary                1 logistic    (n, 1) floats, 1.0 for ``classes_[1]``
multiclass            K softmax     (n,) class indices into ``classes_``
multilabel-indicator  K logistic    (n, K) floats, the indicator matrix
===================== ============= ===================================
"""

from numbers import Real

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets, type_of_target

MULTILABEL = "multilabel-indicator"


def target_kind(y, classes=None):
    """``"binary"``, ``"multiclass"`` or ``"multilabel-indicator"`` for ``y``.

    Raises scikit-learn's "Unknown label type" error for continuous targets.
    ``classes`` (from ``partial_fit``) decides binary versus multiclass.
    """
    if y.dtype == object and np.any(pd.isna(y)):
        raise ValueError(
            "Input y contains NaN or None: every sample needs a class label. "
            "Drop the unlabelled rows or give them a label of their own."
        )
    check_classification_targets(y)
    kind = type_of_target(y, input_name="y")
    if kind == "multiclass-multioutput":
        raise ValueError(
            "Multioutput target data is not supported with label binarization: "
            "y has several columns of labels. A multilabel y must be an "
            "indicator matrix of 0 and 1; for several multiclass outputs, use "
            "sklearn.multioutput.MultiOutputClassifier."
        )
    if kind == MULTILABEL:
        values = np.unique(y)
        if not np.all(np.isin(values, (0, 1))):
            raise ValueError(
                "y is a multilabel indicator matrix, whose entries must be 0 "
                f"and 1; got the values {values.tolist()}. Map them to 0 and 1 "
                "first, e.g. (y == y.max()).astype(int)."
            )
        return kind
    n_classes = len(np.unique(y) if classes is None else classes)
    return "binary" if n_classes <= 2 else "multiclass"


def densify(y):
    """A sparse indicator matrix as a dense array; anything else unchanged."""
    return y.toarray() if sp.issparse(y) else y


def find_classes(y, kind):
    """``classes_`` for ``y``: the sorted labels, or the column indices."""
    if kind == MULTILABEL:
        return np.arange(y.shape[1])
    classes = np.unique(y)
    if len(classes) < 2:
        raise ValueError(
            "The number of classes has to be greater than one; got "
            f"{len(classes)} class: y holds only {classes.tolist()}. A classifier "
            "needs samples of at least 2 classes."
        )
    return classes


def output_layer(kind, n_classes):
    """(output activation, number of output units)."""
    if kind == "multiclass":
        return "softmax", n_classes
    if kind == "binary":
        return "logistic", 1
    return "logistic", n_classes


def class_indices(y, classes, name="y"):
    """Positions of the labels ``y`` in ``classes``; unknown labels are an
    error about ``name`` (``"y"`` or ``"y_val"``)."""
    index = np.searchsorted(classes, y)
    index = np.clip(index, 0, len(classes) - 1)
    unknown = classes[index] != y
    if np.any(unknown):
        labels = np.unique(y[unknown]).tolist()
        if name == "y_val":
            raise ValueError(
                f"y_val contains labels {labels} that are not among the classes "
                f"the model is trained on, {classes.tolist()}: a validation set "
                "can only hold classes that y has. Drop those rows from X_val "
                "and y_val."
            )
        raise ValueError(
            f"{name} contains labels {labels} that are not in classes "
            f"{classes.tolist()}: pass every label to the first partial_fit "
            "call through `classes`."
        )
    return index


def encode(y, classes, kind, dtype, name="y"):
    """The targets T that the output layer compares with h (``name`` is the
    argument ``y`` came in, for errors)."""
    if kind == MULTILABEL:
        return np.asarray(y, dtype=dtype)
    index = class_indices(y, classes, name)
    if kind == "binary":
        return index.astype(dtype).reshape(-1, 1)
    return index


def decode(H, classes, kind):
    """Predicted labels from the output probabilities h."""
    if kind == MULTILABEL:
        return (H > 0.5).astype(int)
    if kind == "binary":
        return classes[(H[:, 0] > 0.5).astype(int)]
    return classes[H.argmax(axis=1)]


def class_weights_per_sample(class_weight, classes, y, kind, of=None):
    """The factor each sample's weight is multiplied by, from ``class_weight``.

    ``"balanced"`` gives n_samples / (n_classes · count(class)), counted in
    ``y``; a dict maps labels to weights (labels it leaves out weigh 1). The
    factors are those of the labels ``of`` (a validation y), else of ``y``.
    """
    if class_weight is None:
        return None
    if kind == MULTILABEL:
        raise ValueError(
            "class_weight is not supported for multilabel targets; pass "
            "sample_weight instead."
        )
    if isinstance(class_weight, dict):
        known = set(classes.tolist())
        unknown = [label for label in class_weight if label not in known]
        if unknown:
            raise ValueError(
                f"class_weight names labels {unknown} that are not in y, whose "
                f"classes are {classes.tolist()}: remove them or correct the keys."
            )
        bad = {
            label: weight
            for label, weight in class_weight.items()
            if isinstance(weight, bool)
            or not isinstance(weight, Real)
            or not (np.isfinite(weight) and weight >= 0)
        }
        if bad:
            raise ValueError(
                "class_weight must map labels to finite, non-negative numbers; "
                f"got {bad}."
            )
    weights = compute_class_weight(class_weight, classes=classes, y=y)
    return weights[class_indices(y if of is None else of, classes)]
