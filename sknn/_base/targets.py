"""Targets in, predictions out: each estimator's target codec.

``ClassifierTargets`` and ``RegressorTargets`` turn y into the ``Targets`` the
training loop compares the outputs with (the role ``LabelBinarizer`` plays in
scikit-learn), say which metric an epoch reports and how the hold-out is
drawn, and record what a fitted model must remember. For a classifier, the
labels' kind sets the output layer:

===================== ============= ===================================
target type           output layer  targets T given to the loss
===================== ============= ===================================
binary                1 logistic    (n, 1) floats, 1.0 for ``classes_[1]``
multiclass            K softmax     (n,) class indices into ``classes_``
multilabel-indicator  K logistic    (n, K) floats, the indicator matrix
===================== ============= ===================================
"""

from functools import partial
from numbers import Real

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets, type_of_target

from .._math.losses import REGRESSION_LOSSES, regression_output
from .._training.data import Targets
from .._training.metrics import R2, Accuracy

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
    weights = class_weight_vector(class_weight, classes, y, kind)
    if weights is None:
        return None
    return weights[class_indices(y if of is None else of, classes)]


def class_weight_vector(class_weight, classes, y, kind, counts=None):
    """The weight of each class of ``classes`` from ``class_weight`` (None
    when it is None), checked. ``counts``, when given, are the number of
    samples of each label of ``y`` (then the distinct labels), for
    ``"balanced"`` without the samples themselves (the Dask path)."""
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
    if class_weight == "balanced" and counts is not None:
        # compute_class_weight's n_samples / (n_classes · bincount), from the
        # counts of the labels y
        per_label = dict(zip(np.asarray(y).tolist(), counts.tolist(), strict=True))
        bincount = np.array([per_label.get(c, 0) for c in classes.tolist()])
        return bincount.sum() / (len(classes) * bincount.astype(np.float64))
    return compute_class_weight(class_weight, classes=classes, y=y)


def smoothed(T, kind, n_classes, dtype, epsilon):
    """T with ``label_smoothing`` ε: (1 − ε)·onehot(y) + ε/K for a softmax
    (class probabilities), y(1 − ε) + ε/2 for each logistic unit (Keras'
    rule); T itself when ε = 0."""
    if not epsilon:
        return T
    if kind == "multiclass":
        soft = np.full((len(T), n_classes), epsilon / n_classes, dtype)
        soft[np.arange(len(T)), T] += 1 - epsilon
        return soft
    return T * T.dtype.type(1 - epsilon) + T.dtype.type(epsilon / 2)


def label_targets(y, classes, kind, dtype, name, epsilon):
    """The targets T of labels ``y`` (``encode``, then ``smoothed``)."""
    T = encode(y, classes, kind, dtype, name)
    return smoothed(T, kind, len(classes), dtype, epsilon)


def value_targets(y, dtype):
    """A regressor's targets T: y's values in ``dtype``, one column per
    output."""
    return np.asarray(y, dtype=dtype).reshape(len(y), -1)


# ----------------------------------------------------------------- the codecs


class ClassifierTargets:
    """``MLPClassifier``'s codec: labels → ``Targets`` for the loop (with the
    class weights), and what a fitted model remembers of them."""

    metric_name = "accuracy"

    def __init__(self, estimator):
        self.estimator = estimator

    def metric(self, output):
        """A picklable factory of the epoch metric's accumulator."""
        return partial(Accuracy, output)

    def encode(self, y, dtype, *, continuing, incremental, classes):
        y = densify(y)
        situation = (
            ("partial_fit" if incremental else "warm_start")
            if continuing
            else ("classes" if classes is not None else "fit")
        )
        kind, classes_ = _CLASSES[situation](self.estimator, y, classes)
        class_weight = self.estimator.class_weight
        if incremental and class_weight == "balanced":
            raise ValueError(
                "class_weight='balanced' is not supported by partial_fit, which "
                "sees one chunk at a time: compute the weights once with "
                "sklearn.utils.class_weight.compute_class_weight('balanced', "
                "classes=classes, y=y) on enough of y, and pass them as a dict."
            )
        output, n_outputs = output_layer(kind, len(classes_))
        targets = Targets(
            kind=kind, T=None, output=output, n_outputs=n_outputs, classes=classes_
        )
        return Targets(
            kind=kind,
            T=self.encode_rows(y, targets, dtype),
            output=output,
            n_outputs=n_outputs,
            classes=classes_,
            class_weight=class_weights_per_sample(class_weight, classes_, y, kind),
        )

    def encode_validation(self, y_val, data):
        """Targets of ``y_val`` in the training targets' form; class weights
        computed from the training y."""
        y_val = densify(y_val)
        train = data.targets
        kind = target_kind(y_val, train.classes)
        if (kind == MULTILABEL) != (train.kind == MULTILABEL):
            raise ValueError(f"y_val is {kind} but y is {train.kind}.")
        class_weight = None
        if self.estimator.class_weight is not None:
            class_weight = class_weights_per_sample(
                self.estimator.class_weight, train.classes, data.y, train.kind,
                of=y_val,
            )  # fmt: skip
        return Targets(
            kind=train.kind,
            T=self.encode_rows(y_val, train, data.X.dtype, "y_val"),
            output=train.output,
            n_outputs=train.n_outputs,
            classes=train.classes,
            class_weight=class_weight,
        )

    def encode_rows(self, y, targets, dtype, name="y"):
        """The targets T of labels ``y`` for the kind and classes of
        ``targets`` (``name``: the argument ``y`` came in, for errors)."""
        return self.row_encoder(targets, dtype, name)(y)

    def row_encoder(self, targets, dtype, name="y"):
        """``encode_rows`` for ``targets`` as a small picklable function of y
        alone, which the Dask path applies to each block of y."""
        return partial(
            label_targets, classes=targets.classes, kind=targets.kind,
            dtype=dtype, name=name, epsilon=self.estimator.label_smoothing,
        )  # fmt: skip

    def stratify(self, targets, y):
        """The labels to stratify the hold-out by (None for multilabel y)."""
        return None if targets.kind == MULTILABEL else y

    def commit(self, targets):
        self.estimator.classes_ = targets.classes
        self.estimator._target_kind = targets.kind


def _fresh_classes(estimator, y, classes):
    kind = target_kind(y)
    return kind, find_classes(y, kind)


def _given_classes(estimator, y, classes):
    """A first partial_fit: ``classes`` names every label there will be."""
    if np.any(pd.isna(np.asarray(classes, dtype=object))):
        raise ValueError(
            f"classes={classes!r} contains NaN or None: every class needs a label."
        )
    classes_ = np.unique(np.asarray(classes))
    if len(classes_) < 2:
        raise ValueError(
            f"classes must hold at least 2 labels; got {classes_.tolist()}."
        )
    kind = target_kind(y, classes_)
    if kind == MULTILABEL:
        columns = np.arange(y.shape[1])
        if not np.array_equal(classes_, columns):
            raise ValueError(
                f"For a multilabel y, classes_ are its column indices "
                f"{columns.tolist()}; got classes={classes!r}. Pass "
                "classes=None or the column indices."
            )
        return kind, columns
    class_indices(y, classes_)  # unknown labels
    return kind, classes_


def _same_kind(estimator, y):
    """The fitted model's target kind, checked against ``y``'s."""
    kind = estimator._target_kind
    new_kind = target_kind(y)  # "Unknown label type" → error
    if (new_kind == MULTILABEL) != (kind == MULTILABEL):
        raise ValueError(
            f"y is {new_kind} but the model was fitted on {kind} targets."
        )
    if kind == MULTILABEL and y.shape[1] != len(estimator.classes_):
        raise ValueError(
            f"y has {y.shape[1]} labels but the model was fitted with "
            f"{len(estimator.classes_)}."
        )
    return kind


def _continued_classes(estimator, y, classes):
    """A later partial_fit: the first call's classes, every label among them."""
    kind = _same_kind(estimator, y)
    if classes is not None and not np.array_equal(
        np.unique(np.asarray(classes)), estimator.classes_
    ):
        raise ValueError(
            f"classes={classes!r} is not the same as on the first call to "
            f"partial_fit, {estimator.classes_.tolist()}."
        )
    if kind != MULTILABEL:
        class_indices(y, estimator.classes_)  # unknown labels
    return kind, estimator.classes_


def _warm_start_classes(estimator, y, classes):
    """A warm start: y must have exactly the fitted classes."""
    kind = _same_kind(estimator, y)
    new_classes = find_classes(y, kind)
    if not np.array_equal(new_classes, estimator.classes_):
        raise ValueError(
            "warm_start can only be used where `y` has the same classes as in "
            f"the previous call to fit. Previously got {estimator.classes_}, "
            f"`y` has {new_classes}."
        )
    return kind, estimator.classes_


# How a call finds its target kind and classes_, by situation
_CLASSES = {
    "fit": _fresh_classes,
    "classes": _given_classes,  # partial_fit's first call
    "partial_fit": _continued_classes,
    "warm_start": _warm_start_classes,
}


class RegressorTargets:
    """``MLPRegressor``'s codec: real targets (counts for Poisson) → ``Targets``
    whose output layer is the link of the estimator's ``loss``."""

    metric_name = "r2"

    def __init__(self, estimator):
        self.estimator = estimator

    def metric(self, output):
        return R2

    def encode(self, y, dtype, *, continuing, incremental, classes):
        # a fit (warm start too) needs a target the loss can learn from; a
        # chunk of partial_fit may be anything the loss is defined on
        targets = self._targets(y, dtype, "y", whole_fit=not incremental)
        fitted = self.estimator
        kind, n_outputs = targets.kind, targets.n_outputs
        if continuing and (kind, n_outputs) != (fitted._target_kind, fitted.n_outputs_):
            raise ValueError(
                f"y has {n_outputs} output(s) ({kind}) but the model was "
                f"fitted on {fitted.n_outputs_} ({fitted._target_kind})."
            )
        return targets

    def encode_validation(self, y_val, data):
        # val_loss is defined on any targets the loss accepts
        targets = self._targets(y_val, data.X.dtype, "y_val", whole_fit=False)
        if targets.n_outputs != data.targets.n_outputs:
            raise ValueError(
                f"y_val has {targets.n_outputs} output(s) but y has "
                f"{data.targets.n_outputs}."
            )
        return targets

    def _targets(self, y, dtype, name, whole_fit):
        """``Targets`` of ``y`` (named ``name`` in errors), checked by the
        output layer of the loss, which holds the loss's parameters (q, δ)."""
        T = self.encode_rows(y, None, dtype)
        kind = "continuous" if np.ndim(y) == 1 else "continuous-multioutput"
        estimator = self.estimator
        REGRESSION_LOSSES[estimator.loss].check_targets(T, name, whole_fit)
        output = regression_output(estimator.loss, estimator.get_params(deep=False))
        return Targets(kind, T, output, T.shape[1])

    def encode_rows(self, y, targets, dtype, name="y"):
        return value_targets(y, dtype)

    def row_encoder(self, targets, dtype, name="y"):
        """``encode_rows`` as a small picklable function of y alone."""
        return partial(value_targets, dtype=dtype)

    def stratify(self, targets, y):
        return None  # a random hold-out

    def commit(self, targets):
        self.estimator._target_kind = targets.kind
