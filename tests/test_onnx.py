"""ONNX export: every output kind, activation and dtype through
onnxruntime against sknn itself, pipelines, ZipMap, files, and clear errors.

Tolerances: labels equal (float32 near-ties excepted: at most 1 row in 200,
and only where the deciding margin is below 1e-5); probabilities within 1e-5
absolute for float32 models and 1e-10 for float64 ones (1e-5 through ZipMap,
which holds float32); regression outputs within 1e-5 relative (float32) and
1e-10 (float64).
"""

import copy
import itertools
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from _ecosystem_data import mixed_frame, mixed_pipeline
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.datasets import (
    make_classification,
    make_multilabel_classification,
    make_regression,
)
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sknn
from conftest import LOSS_PARAMETERS, PARAMETRIZATIONS
from sknn import MLPClassifier, register_onnx_converters, to_onnx
from sknn._math.activations import ACTIVATIONS, ALIASES

skl2onnx = pytest.importorskip("skl2onnx")
onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

# every name, and per-layer mixes (the networks here have two hidden layers)
ACTIVATION_NAMES = [
    *sorted(ACTIVATIONS),
    "sigmoid",
    ("gelu", "relu"),
    ("sigmoid", "mish"),
    ("selu", "silu"),
]
DTYPES = [np.float32, np.float64]
PROBA_ATOL = {np.float32: 1e-5, np.float64: 1e-10}
NEAR_TIE = 1e-5
has_regressor = pytest.mark.skipif(
    not hasattr(sknn, "MLPRegressor"), reason="sknn has no MLPRegressor yet"
)


# ------------------------------------------------------------------ helpers


def session(model_or_path):
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3  # no "removing unused initializer" notes
    source = (
        str(model_or_path)
        if isinstance(model_or_path, Path)
        else model_or_path.SerializeToString()
    )
    return ort.InferenceSession(source, options, providers=["CPUExecutionProvider"])


def run(onx, X):
    """The graph's outputs by name, for an array X or a DataFrame (one input
    per column)."""
    onnx.checker.check_model(onx, full_check=True)
    sess = session(onx)
    if isinstance(X, pd.DataFrame):
        feeds = {
            col: X[[col]].to_numpy(
                X[col].dtype if pd.api.types.is_numeric_dtype(X[col]) else object
            )
            for col in X
        }
    else:
        feeds = {sess.get_inputs()[0].name: X}
    names = [o.name for o in sess.get_outputs()]
    return dict(zip(names, sess.run(None, feeds)))


def new_rows(X, rng, n=200):
    """Rows unlike the training set: wider spread, and a few far outside it."""
    rows = rng.normal(0, 2 * X.std(axis=0), (n, X.shape[1]))
    rows[:10] *= 25  # saturated logistic units and a lopsided softmax
    return rows.astype(X.dtype)


def margins(proba, kind):
    """How close each row's decision is: |p − 0.5| (the smallest over labels
    for multilabel targets) or the gap between the two largest probabilities."""
    if kind == "binary":
        return np.abs(proba[:, 1] - 0.5)
    if kind == "multilabel-indicator":
        return np.abs(proba - 0.5).min(axis=1)
    top2 = np.sort(proba, axis=1)[:, -2:]
    return top2[:, 1] - top2[:, 0]


def assert_labels_match(labels, expected, proba, kind, dtype):
    """Equal labels, except float32 near-ties: at most 1 row in 200, each with a
    margin below NEAR_TIE."""
    labels, expected = np.asarray(labels), np.asarray(expected)
    assert labels.shape == expected.shape
    differ = labels != expected
    if differ.ndim == 2:
        differ = differ.any(axis=1)
    if dtype == np.float64:
        assert not differ.any(), f"{differ.sum()} labels differ"
        return
    assert differ.sum() <= max(1, len(differ) // 200), f"{differ.sum()} differ"
    assert np.all(margins(proba, kind)[differ] < NEAR_TIE)


def assert_classifier_matches(onx, clf, X, dtype, zipmapped=False):
    out = run(onx, X)
    if zipmapped:
        label, proba = out["output_label"], out["output_probability"]
        assert list(proba[0]) == clf.classes_.tolist()  # keyed by class label
        proba = np.array([[row[c] for c in clf.classes_.tolist()] for row in proba])
        atol = 1e-5
    else:
        label, proba = out["label"], out["probabilities"]
        assert proba.dtype == dtype
        atol = PROBA_ATOL[dtype]
    expected = clf.predict_proba(X)
    assert proba.shape == expected.shape
    np.testing.assert_allclose(proba, expected, rtol=0, atol=atol)
    assert_labels_match(label, clf.predict(X), expected, clf._target_kind, dtype)


def fitted(kind, activation="relu", dtype=np.float64, labels=None, **params):
    """A small model of the target ``kind`` and its training X."""
    if kind == "multilabel-indicator":
        X, y = make_multilabel_classification(
            n_samples=150, n_features=6, n_classes=3, random_state=0
        )
    else:
        X, y = make_classification(
            n_samples=150,
            n_features=6,
            n_informative=4,
            n_classes=2 if kind == "binary" else 4,
            random_state=0,
        )
        if labels is not None:
            y = np.asarray(labels)[y]
    X = StandardScaler().fit_transform(X).astype(dtype)
    settings = dict(
        hidden_layer_sizes=(7, 5),
        activation=activation,
        learning_rate=0.02,
        max_iter=30,
        random_state=0,
    )
    clf = MLPClassifier(**{**settings, **params}).fit(X, y)
    assert clf._target_kind == kind and clf.coefs_[0].dtype == dtype
    return clf, X


def clone_fit(clf, X, y):
    return clone(clf).fit(X, y)


# ------------------------------------------------------- kinds × activations


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
@pytest.mark.parametrize("kind", ["binary", "multiclass", "multilabel-indicator"])
def test_every_kind_activation_and_dtype(kind, activation, dtype, rng):
    labels = ["no", "yes"] if kind == "binary" else None
    clf, X = fitted(kind, activation, dtype, labels)
    onx = to_onnx(clf, X[:1])
    assert_classifier_matches(onx, clf, X, dtype)
    assert_classifier_matches(onx, clf, new_rows(X, rng), dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("name", PARAMETRIZATIONS)
@pytest.mark.parametrize("kind", ["binary", "multiclass", "multilabel-indicator"])
def test_every_parametrization(kind, name, dtype, rng):
    """The graph is the ordinary network of coefs_ and intercepts_, which
    fold the front scale and the NTK factors in."""
    clf, X = fitted(kind, "selu", dtype, **PARAMETRIZATIONS[name])
    assert clf._network.plain is False
    onx = to_onnx(clf, X[:1])
    assert_classifier_matches(onx, clf, X, dtype)
    assert_classifier_matches(onx, clf, new_rows(X, rng), dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_no_hidden_layer(dtype, rng):
    clf, X = fitted("multiclass", dtype=dtype, hidden_layer_sizes=())
    assert_classifier_matches(to_onnx(clf, X[:1]), clf, new_rows(X, rng), dtype)


LABEL_KINDS = {
    "int": [3, 7, 11, 20],
    "negative int": [-1, 1, -5, 5],
    "bool": [False, True],
    "integral float": [0.0, 1.0, 2.0, 5.0],
    "str": ["cat", "dog", "ant", "zebra"],
    "object str": np.array(["cat", "dog", "ant", "zebra"], dtype=object),
}


@pytest.mark.parametrize(
    "kind, label_kind",
    [
        (kind, label_kind)
        for kind in ("binary", "multiclass")
        for label_kind in LABEL_KINDS
        if kind == "binary" or len(LABEL_KINDS[label_kind]) > 2
    ],
)
def test_label_types(kind, label_kind, rng):
    """Integer-like labels come out as int64 with their values, strings as
    strings."""
    labels = np.asarray(LABEL_KINDS[label_kind])
    clf, X = fitted(kind, labels=labels[:2] if kind == "binary" else labels)
    X_new = new_rows(X, rng)
    out = run(to_onnx(clf, X[:1]), X_new)
    string_labels = labels.dtype.kind in "UO"
    assert out["label"].dtype == (object if string_labels else np.int64)
    assert out["label"].tolist() == clf.predict(X_new).tolist()


# ------------------------------------------------------------------- dtypes


def test_float32_model_float64_sample_casts_in_the_graph(rng):
    """The input follows X_sample, as in skl2onnx; the graph casts it to the
    model's float32 first, exactly as predict does."""
    clf, X = fitted("multiclass", dtype=np.float32)
    X64 = new_rows(X, rng).astype(np.float64)
    onx = to_onnx(clf, X64[:1])
    sess = session(onx)
    assert sess.get_inputs()[0].type == "tensor(double)"
    assert [o.type for o in sess.get_outputs()] == ["tensor(int64)", "tensor(float)"]
    assert_classifier_matches(onx, clf, X64, np.float32)
    assert "Cast" in {node.op_type for node in onx.graph.node}


def test_float64_model_float32_sample(rng):
    clf, X = fitted("binary", dtype=np.float64)
    X32 = new_rows(X, rng).astype(np.float32)
    onx = to_onnx(clf, X32[:1])
    assert session(onx).get_inputs()[0].type == "tensor(float)"
    assert_classifier_matches(onx, clf, X32, np.float64)


SAMPLE_DTYPES = [np.int64, np.int32, np.bool_]


@pytest.mark.parametrize("sample_dtype", SAMPLE_DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_integer_and_bool_samples_are_cast_to_the_model_dtype(dtype, sample_dtype):
    """An int or bool sample declares an int or bool input, which the graph
    casts first, as predict converts X (np.dtype("float64") == None is True,
    so a float64 model must not take "no float type" for its own)."""
    rng = np.random.default_rng(0)
    X = rng.integers(0, 4, size=(300, 5)).astype(sample_dtype)
    y = (X.astype(np.float64) @ [1.0, 1.0, -1.0, 0.5, 0.0]).round().clip(0, 2)
    clf = MLPClassifier(
        (7,), max_iter=30, random_state=0, dtype=np.dtype(dtype).name
    ).fit(X, y)
    onx = to_onnx(clf, X[:1])
    assert "Cast" in {node.op_type for node in onx.graph.node}
    assert_classifier_matches(onx, clf, X, dtype)


@has_regressor
@pytest.mark.parametrize("sample_dtype", SAMPLE_DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_regressor_takes_integer_and_bool_samples(dtype, sample_dtype):
    rng = np.random.default_rng(1)
    X = rng.integers(0, 4, size=(200, 5)).astype(sample_dtype)
    y = X.astype(np.float64) @ [1.0, -0.5, 0.2, 0.0, 0.3]
    reg = sknn.MLPRegressor(
        (6,), max_iter=30, random_state=0, dtype=np.dtype(dtype).name
    ).fit(X, y)
    prediction = run(to_onnx(reg, X[:1]), X)["variable"]
    assert prediction.dtype == dtype
    assert_regression_close(prediction, reg.predict(X), dtype)


@pytest.mark.filterwarnings("ignore::scipy.sparse.SparseEfficiencyWarning")
@pytest.mark.parametrize("fmt", ["coo", "dia", "bsr", "lil", "dok", "csc"])
@pytest.mark.parametrize("container", [sp.csr_matrix, sp.csr_array])
def test_a_sample_of_any_sparse_format(container, fmt):
    clf, X = fitted("multiclass")
    sample = container(np.where(np.abs(X[:3]) > 1, X[:3], 0.0)).asformat(fmt)
    onx = to_onnx(clf, sample)
    assert session(onx).get_inputs()[0].type == "tensor(double)"
    assert_classifier_matches(onx, clf, X, np.float64)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_weights_are_stored_exactly_in_the_model_dtype(dtype):
    clf, X = fitted("multiclass", dtype=dtype)
    onx = to_onnx(clf, X[:1])
    stored = {t.name: onnx.numpy_helper.to_array(t) for t in onx.graph.initializer}
    floats = [a for a in stored.values() if a.dtype.kind == "f"]
    assert {a.dtype for a in floats} == {np.dtype(dtype)}
    for W in clf.coefs_:
        assert any(a.shape == W.shape and np.array_equal(a, W) for a in floats)
    for b in clf.intercepts_:
        assert any(np.array_equal(a.ravel(), b) for a in floats if a.ndim == 2)


# ------------------------------------------------ the fitted network, not params


def test_dropout_is_absent_from_the_graph(rng):
    clf, X = fitted("multiclass", dropout=0.3)
    onx = to_onnx(clf, X[:1])
    ops = {node.op_type for node in onx.graph.node}
    assert not ops & {"Dropout", "RandomUniform", "RandomUniformLike", "Bernoulli"}
    assert_classifier_matches(onx, clf, new_rows(X, rng), np.float64)


def test_follows_the_fitted_activation_not_a_later_set_params(rng):
    clf, X = fitted("multiclass", activation="tanh")
    clf.set_params(activation="relu")  # takes effect at the next fit only
    assert_classifier_matches(to_onnx(clf, X[:1]), clf, new_rows(X, rng), np.float64)


def test_sparse_training_data_and_sample(rng):
    clf, X = fitted("multiclass")
    X_sparse = sp.csr_matrix(np.where(np.abs(X) > 1, X, 0.0))
    clf = clone_fit(clf, X_sparse, clf.predict(X))
    onx = to_onnx(clf, X_sparse[:1])
    out = run(onx, X_sparse.toarray())
    np.testing.assert_allclose(
        out["probabilities"], clf.predict_proba(X_sparse), rtol=0, atol=1e-10
    )
    assert np.array_equal(out["label"], clf.predict(X_sparse))


def test_numeric_dataframe_gives_one_input_per_column(rng):
    clf, X = fitted("binary", labels=["no", "yes"])
    columns = [f"f{i}" for i in range(X.shape[1])]
    frame = pd.DataFrame(X, columns=columns)
    clf = clone_fit(clf, frame, clf.predict(X))
    onx = to_onnx(clf, frame[:1])
    assert [i.name for i in session(onx).get_inputs()] == columns
    new = pd.DataFrame(new_rows(X, rng), columns=columns)
    assert_classifier_matches(onx, clf, new, np.float64)


# ------------------------------------------------------------------- ZipMap


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("kind", ["binary", "multiclass", "multilabel-indicator"])
def test_zipmap(kind, dtype, rng):
    """ZipMap holds float32: a float64 model's probabilities are cast at the
    end, its labels still decided in float64."""
    labels = ["no", "yes"] if kind == "binary" else None
    clf, X = fitted(kind, dtype=dtype, labels=labels)
    onx = to_onnx(clf, X[:1], zipmap=True)
    assert "ZipMap" in {node.op_type for node in onx.graph.node}
    assert_classifier_matches(onx, clf, new_rows(X, rng), dtype, zipmapped=True)


def test_zipmap_columns(rng):
    clf, X = fitted("multiclass", labels=["a", "b", "c", "d"])
    out = run(to_onnx(clf, X[:1], zipmap="columns"), X)
    assert list(out) == ["output_label", "sa", "sb", "sc", "sd"]
    proba = np.column_stack([out[f"s{c}"] for c in clf.classes_])
    np.testing.assert_allclose(proba, clf.predict_proba(X), rtol=0, atol=1e-10)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_skl2onnx_default_options_give_a_valid_graph(dtype, rng):
    """skl2onnx.to_onnx's own defaults (ZipMap on) after registration."""
    clf, X = fitted("multiclass", dtype=dtype)
    register_onnx_converters()
    onx = skl2onnx.to_onnx(clf, X[:1])
    assert_classifier_matches(onx, clf, new_rows(X, rng), dtype, zipmapped=True)


def test_sknn_to_onnx_gives_plain_arrays():
    clf, X = fitted("multiclass")
    onx = to_onnx(clf, X[:1])
    assert [o.name for o in onx.graph.output] == ["label", "probabilities"]
    assert "ZipMap" not in {node.op_type for node in onx.graph.node}


# ---------------------------------------------------------------- pipelines


def test_standard_scaler_pipeline_through_skl2onnx(rng):
    X, y = make_classification(n_samples=150, n_features=5, random_state=1)
    X = X * [1, 10, 100, 0.1, 5] + 3
    pipe = make_pipeline(
        StandardScaler(), MLPClassifier((6,), "tanh", max_iter=30, random_state=0)
    ).fit(X, y)
    register_onnx_converters()
    onx = skl2onnx.to_onnx(pipe, X[:1], options={MLPClassifier: {"zipmap": False}})
    new = X[:100] + rng.normal(0, 5, (100, 5))
    out = run(onx, new)
    # skl2onnx's scaler computes (x − mean) · (1 / scale): a few ulps away
    # from scikit-learn's (x − mean) / scale, far below 1e-10
    np.testing.assert_allclose(
        out["probabilities"], pipe.predict_proba(new), rtol=0, atol=1e-10
    )
    assert np.array_equal(out["label"], pipe.predict(new))


def test_column_transformer_one_hot_dataframe_string_labels():
    X, y = mixed_frame()
    pipe = mixed_pipeline().fit(X, y)
    new, _ = mixed_frame(n=120, seed=1)
    new.loc[:4, "colour"] = "purple"  # unseen: handle_unknown="ignore"
    onx = to_onnx(pipe, X[:1])
    out = run(onx, new)
    assert out["label"].tolist() == pipe.predict(new).tolist()
    np.testing.assert_allclose(
        out["probabilities"], pipe.predict_proba(new), rtol=0, atol=1e-10
    )


def test_round_trip_through_a_file(tmp_path, rng):
    clf, X = fitted("binary", dtype=np.float32, labels=["no", "yes"])
    path = tmp_path / "model.onnx"
    onnx.save(to_onnx(clf, X[:1]), path)
    X_new = new_rows(X, rng)
    out = run(onnx.load(path), X_new)
    sess = session(path)  # a session built from the path alone
    labels, proba = sess.run(None, {sess.get_inputs()[0].name: X_new})
    np.testing.assert_allclose(proba, clf.predict_proba(X_new), rtol=0, atol=1e-5)
    assert_labels_match(labels, clf.predict(X_new), proba, "binary", np.float32)
    assert np.array_equal(out["probabilities"], proba)


# ------------------------------------------------------------------- errors


def test_unfitted_model_is_a_clear_error():
    X = np.zeros((1, 4))
    with pytest.raises(NotFittedError, match=r"not fitted yet.*before exporting"):
        to_onnx(MLPClassifier(), X)
    pipe = make_pipeline(StandardScaler().fit(X), MLPClassifier())
    with pytest.raises(NotFittedError, match="not fitted yet"):
        to_onnx(pipe, X)
    register_onnx_converters()
    with pytest.raises(NotFittedError, match="not fitted yet"):
        skl2onnx.to_onnx(MLPClassifier(), X)


def test_wrong_number_of_features_is_a_clear_error():
    clf, X = fitted("multiclass")
    with pytest.raises(ValueError, match=r"has 4 features.*fitted on 6"):
        to_onnx(clf, X[:1, :4])


def test_text_reaching_the_network_is_a_clear_error():
    clf, X = fitted("binary")
    frame = pd.DataFrame(X).astype(str)
    frame.columns = [f"f{i}" for i in range(X.shape[1])]
    with pytest.raises(TypeError, match=r"numeric features.*OneHotEncoder"):
        to_onnx(clf, frame[:1])


def test_unknown_activation_is_refused_not_approximated():
    """A network the converter does not know (here an activation added to
    sknn later) raises instead of giving a graph computing something else."""
    clf, X = fitted("multiclass")
    odd = copy.deepcopy(clf)
    odd._network.activations = ("relu", "swish")
    with pytest.raises(ValueError, match=r"activation='swish' \(hidden layer 2\)"):
        to_onnx(odd, X[:1])


ONNX_KERNELS_WITHOUT_FLOAT64 = {"Erf", "Gelu", "Elu", "Selu", "Softplus"}
# float attributes, float32 whatever the tensor's dtype
FLOAT32_ATTRIBUTES = {"LeakyRelu", "Elu", "Selu", "Softplus", "Mish", "Gelu"}


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("activation", ["gelu", "elu", "selu", "softplus", "mish"])
def test_new_activations_are_written_from_elementary_ops(activation, dtype, rng):
    """No op onnxruntime lacks in float64 or computes with float32 constants;
    float32 gelu takes onnxruntime's Erf. At opset 13 too."""
    clf, X = fitted("binary", activation, dtype)
    for opset in (None, 13):
        onx = to_onnx(clf, X[:1], target_opset=opset)
        ops = {node.op_type for node in onx.graph.node}
        assert not ops & (ONNX_KERNELS_WITHOUT_FLOAT64 - {"Erf"} | FLOAT32_ATTRIBUTES)
        assert ("Erf" in ops) == (activation == "gelu" and dtype == np.float32)
        assert_classifier_matches(onx, clf, new_rows(X, rng), dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_each_activation_graph_against_numpy_over_a_wide_range(name, dtype):
    """A one-unit network that outputs g(x) itself: the graph's g against
    sknn's NumPy g from −40 to 40, to a few ulps of max(|g|, |x|, 1). The
    graph's pieces are exact to ulps of 1, absolutely, not relatively: the
    Chebyshev erfc of gelu's Φ (float64), exp(z) − 1 for expm1,
    log(1 + e^−|z|) for log1p (ONNX has neither) and onnxruntime's Sigmoid
    (0 below z ≈ −36.7 in float64, 1.2e-7 at −17 in float32); silu and mish
    multiply such a factor by z."""
    register_stub()
    reg = StubRegressor((1, 1, 1), name, "identity", dtype).fit(None)
    reg.coefs_ = [np.ones((1, 1), dtype), np.ones((1, 1), dtype)]
    reg.intercepts_ = [np.zeros(1, dtype), np.zeros(1, dtype)]
    x = np.concatenate([np.linspace(-40, 40, 8001), [-1e-9, 0.0, 1e-9]])
    x = x.astype(dtype).reshape(-1, 1)
    graph = run(skl2onnx.to_onnx(reg, x[:1]), x)["variable"].ravel()
    expected = ACTIVATIONS[name](x.ravel().copy())
    eps = np.finfo(dtype).eps
    scale = np.maximum(np.maximum(np.abs(expected), np.abs(x.ravel())), 1.0)
    assert np.all(np.abs(graph - expected) <= 8 * eps * scale), name


def test_bad_options_are_errors():
    clf, X = fitted("multiclass")
    with pytest.raises(ValueError, match="zipmap must be"):
        to_onnx(clf, X[:1], zipmap="yes")
    with pytest.raises(ValueError, match="nocl"):
        to_onnx(clf, X[:1], options={MLPClassifier: {"nocl": True}})


def test_import_sknn_does_not_import_onnx_packages():
    code = (
        "import sys, sknn; "
        "print(sorted(m for m in ('skl2onnx', 'onnx', 'onnxruntime') "
        "if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(sknn.__file__).parent.parent,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "[]"


# --------------------------------------------------------------- regression


def assert_regression_close(prediction, expected, dtype):
    """Within 1e-5 (float32) or 1e-10 (float64) relative; near 0, where an
    identity output changes sign, relative to the outputs' scale instead."""
    tol = PROBA_ATOL[dtype]
    if expected.ndim == 1:
        assert prediction.shape == (len(expected), 1)
        prediction = prediction.ravel()
    np.testing.assert_allclose(
        prediction, expected, rtol=tol, atol=tol * np.abs(expected).max()
    )


class StubRegressor(RegressorMixin, BaseEstimator):
    """The fitted-attribute contract of sknn's MLPRegressor, with random
    weights: the converter is tested against it before the real one lands."""

    def __init__(
        self, layer_sizes=(4, 6, 1), activation="tanh", out="identity", dtype=np.float64
    ):
        self.layer_sizes = layer_sizes
        self.activation = activation
        self.out = out
        self.dtype = dtype

    def fit(self, X, y=None):
        rng = np.random.default_rng(0)
        sizes = self.layer_sizes
        self.coefs_ = [
            rng.normal(0, 1 / np.sqrt(i), (i, o)).astype(self.dtype)
            for i, o in itertools.pairwise(sizes)
        ]
        self.intercepts_ = [rng.normal(0, 0.3, o).astype(self.dtype) for o in sizes[1:]]
        self.n_outputs_ = sizes[-1]
        self.out_activation_ = self.out
        self._target_kind = "continuous" if sizes[-1] == 1 else "continuous-multioutput"
        self.n_features_in_ = sizes[0]
        return self

    def predict(self, X):
        A = np.asarray(X, dtype=self.dtype)
        names = self.activation
        if isinstance(names, str):
            names = (names,) * (len(self.coefs_) - 1)
        for layer, (W, b) in enumerate(zip(self.coefs_, self.intercepts_)):
            A = A @ W + b
            if layer < len(self.coefs_) - 1:
                A = ACTIVATIONS[ALIASES.get(names[layer], names[layer])](A)
        if self.out_activation_ == "exp":
            A = np.exp(A)
        return A.ravel() if self.n_outputs_ == 1 else A


def register_stub():
    from sknn import _onnx

    skl2onnx.update_registered_converter(
        StubRegressor,
        _onnx.REGRESSOR_ALIAS,
        _onnx.shape_regressor,
        _onnx.convert_regressor,
        parser=_onnx.parse_regressor,
    )


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
@pytest.mark.parametrize("out", ["identity", "exp"])
@pytest.mark.parametrize("n_outputs", [1, 3])
def test_regressor_contract_with_a_stub(n_outputs, out, activation, dtype, rng):
    register_stub()
    reg = StubRegressor((4, 6, 5, n_outputs), activation, out, dtype).fit(None)
    X = rng.normal(0, 1.5, (100, 4)).astype(dtype)
    outputs = run(skl2onnx.to_onnx(reg, X[:1]), X)
    assert list(outputs) == ["variable"]
    prediction = outputs["variable"]
    assert prediction.dtype == dtype and prediction.shape == (100, n_outputs)
    assert_regression_close(prediction, reg.predict(X), dtype)


def regression_problem(loss, n_outputs, dtype):
    X, y = make_regression(
        n_samples=150, n_features=5, n_targets=n_outputs, noise=1.0, random_state=0
    )
    X = StandardScaler().fit_transform(X).astype(dtype)
    y = (y - y.mean(axis=0)) / y.std(axis=0)
    if loss == "poisson":
        y = np.random.default_rng(0).poisson(np.exp(np.clip(y, -3, 3) / 2))
    if loss == "gamma":
        y = np.random.default_rng(0).gamma(2.0, np.exp(np.clip(y, -3, 3) / 2) / 2)
    return X, y.astype(dtype)




@has_regressor
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
@pytest.mark.parametrize("loss", LOSS_PARAMETERS)
@pytest.mark.parametrize("n_outputs", [1, 2])
def test_regressor(n_outputs, loss, activation, dtype, rng):
    X, y = regression_problem(loss, n_outputs, dtype)
    reg = sknn.MLPRegressor(
        (7, 5),
        activation,
        loss=loss,
        **LOSS_PARAMETERS[loss],
        learning_rate=0.01,
        max_iter=30,
        random_state=0,
    ).fit(X, y)
    assert reg.coefs_[0].dtype == dtype
    log_link = loss in ("poisson", "gamma")
    assert reg.out_activation_ == ("exp" if log_link else "identity")
    X_new = new_rows(X, rng)
    X_new[:10] /= 10  # far, but not so far that exp(z) overflows
    onx = to_onnx(reg, X[:1])
    prediction = run(onx, X_new)["variable"]
    expected = reg.predict(X_new)
    assert prediction.dtype == dtype and prediction.shape == (len(X_new), n_outputs)
    assert_regression_close(prediction, expected, dtype)


@has_regressor
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("name", PARAMETRIZATIONS)
def test_regressor_of_every_parametrization(name, dtype, rng):
    X, y = regression_problem("squared_error", 2, dtype)
    reg = sknn.MLPRegressor(
        (7, 5), "mish", learning_rate=0.01, max_iter=30, random_state=0,
        **PARAMETRIZATIONS[name],
    ).fit(X, y)  # fmt: skip
    X_new = new_rows(X, rng)
    prediction = run(to_onnx(reg, X[:1]), X_new)["variable"]
    assert prediction.dtype == dtype
    assert_regression_close(prediction, reg.predict(X_new), dtype)


@has_regressor
def test_regressor_in_a_scaler_pipeline_through_skl2onnx(rng):
    X, y = regression_problem("squared_error", 1, np.float64)
    X = X * 10 + 3
    pipe = make_pipeline(
        StandardScaler(),
        sknn.MLPRegressor((6,), "tanh", max_iter=30, random_state=0),
    ).fit(X, y)
    register_onnx_converters()
    onx = skl2onnx.to_onnx(pipe, X[:1])
    X_new = X[:50] + rng.normal(0, 5, (50, X.shape[1]))
    prediction = run(onx, X_new)["variable"]
    assert_regression_close(prediction, pipe.predict(X_new), np.float64)


@has_regressor
def test_unfitted_regressor_is_a_clear_error():
    with pytest.raises(NotFittedError, match="not fitted yet"):
        to_onnx(sknn.MLPRegressor(), np.zeros((1, 3)))
