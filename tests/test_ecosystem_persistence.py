"""Persistence: pickle, joblib and skops round trips give bit-identical
predictions, also for a model half-way through partial_fit, which then goes on
exactly as the original does."""

import io
import pickle

import joblib
import numpy as np
import pytest
from _ecosystem_data import mixed_frame, mixed_pipeline

import sknn
from conftest import GRADIENT_SOLVERS, assert_same_model
from sknn import MLPClassifier

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

LABELS = np.array(["ant", "bee", "cat"])


def pickle_round_trip(model, tmp_path):
    return pickle.loads(pickle.dumps(model))


def joblib_round_trip(model, tmp_path):
    path = tmp_path / "model.joblib"
    joblib.dump(model, path)
    return joblib.load(path)


def skops_round_trip(model, tmp_path):
    sio = pytest.importorskip("skops.io")
    path = tmp_path / "model.skops"
    sio.dump(model, path)
    untrusted = set(sio.get_untrusted_types(file=path))
    ours = {name for name in untrusted if name.startswith("sknn.")}
    # every sknn type in the file is one that sknn declares
    assert ours <= set(sknn.skops_trusted_types()), untrusted
    # skops may not know a scikit-learn internal either (ColumnTransformer's
    # _RemainderColsList under scikit-learn 1.6): that one is scikit-learn's
    others = sorted(untrusted - ours)
    assert all(name.startswith("sklearn.") for name in others), others
    return sio.load(path, trusted=[*sknn.skops_trusted_types(), *others])


ROUND_TRIPS = {
    "pickle": pickle_round_trip,
    "joblib": joblib_round_trip,
    "skops": skops_round_trip,
}


def outputs(model, X):
    return model.predict(X), model.predict_proba(X), model.predict_log_proba(X)


def assert_identical(a, b, X):
    for left, right in zip(outputs(a, X), outputs(b, X)):
        assert left.dtype == right.dtype
        assert np.array_equal(left, right)


@pytest.mark.parametrize("trip", ROUND_TRIPS)
@pytest.mark.parametrize(
    ("solver", "target", "dtype"),
    [
        ("adam", "multiclass", np.float64),
        ("sgd", "binary", np.float64),
        ("rmsprop", "multiclass", np.float32),
        ("lbfgs", "binary", np.float64),
        ("adam", "multilabel", np.float64),
    ],
)
def test_fitted_model_round_trip(
    trip, solver, target, dtype, multiclass_data, multilabel_data, tmp_path
):
    X, y = multilabel_data if target == "multilabel" else multiclass_data
    if target == "binary":
        y = LABELS[(y > 0).astype(int)]
    elif target == "multiclass":
        y = LABELS[y]
    X = X.astype(dtype)
    model = MLPClassifier(
        (8,), solver=solver, max_iter=20, validation_fraction=0.2, random_state=0
    ).fit(X, y)
    loaded = ROUND_TRIPS[trip](model, tmp_path)
    assert type(loaded) is MLPClassifier
    assert loaded.get_params() == model.get_params()
    assert np.array_equal(loaded.classes_, model.classes_)
    assert loaded.history_["val_acc"] == model.history_["val_acc"]
    assert_identical(loaded, model, X)


@pytest.mark.parametrize("trip", ROUND_TRIPS)
@pytest.mark.parametrize("solver", GRADIENT_SOLVERS)
def test_mid_partial_fit_round_trip_continues_identically(
    trip, solver, multiclass_data, tmp_path
):
    """Optimiser state, random generator (dropout, shuffling) and history all
    travel: the original and the copy stay bit-identical chunk after chunk."""
    X, y = multiclass_data
    y = LABELS[y]
    chunks = np.array_split(np.random.default_rng(0).permutation(len(X)), 5)
    model = MLPClassifier(
        (8, 8),
        solver=solver,
        momentum=0.9 if solver == "sgd" else 0.0,
        dropout=0.2,
        learning_rate=0.01,
        random_state=0,
    )
    for chunk in chunks[:2]:
        model.partial_fit(X[chunk], y[chunk], classes=LABELS)

    loaded = ROUND_TRIPS[trip](model, tmp_path)
    assert_identical(loaded, model, X)
    for chunk in chunks[2:]:
        model.partial_fit(X[chunk], y[chunk])
        loaded.partial_fit(X[chunk], y[chunk])
        assert_same_model(loaded, model)
    assert_identical(loaded, model, X)
    assert model.n_iter_ == 5


@pytest.mark.parametrize("trip", ROUND_TRIPS)
def test_dataframe_pipeline_round_trip(trip, tmp_path):
    X, y = mixed_frame()
    pipe = mixed_pipeline().fit(X, y)
    loaded = ROUND_TRIPS[trip](pipe, tmp_path)
    assert loaded.feature_names_in_.tolist() == X.columns.tolist()
    assert_identical(loaded, pipe, X)
    assert all(isinstance(label, str) for label in loaded.predict(X))


def test_joblib_to_file_object(multiclass_data):
    X, y = multiclass_data
    model = MLPClassifier((8,), max_iter=5, random_state=0).fit(X, y)
    buffer = io.BytesIO()
    joblib.dump(model, buffer)
    buffer.seek(0)
    assert_identical(joblib.load(buffer), model, X)


def test_skops_refuses_what_is_not_trusted(multiclass_data, tmp_path):
    sio = pytest.importorskip("skops.io")
    X, y = multiclass_data
    model = MLPClassifier((8,), max_iter=5, random_state=0).fit(X, y)
    path = tmp_path / "model.skops"
    sio.dump(model, path)
    with pytest.raises(Exception, match=r"[Uu]ntrusted"):
        sio.load(path)
    assert "sknn._classifier.MLPClassifier" in sio.get_untrusted_types(file=path)


def test_the_random_generator_is_saved_as_plain_data(multiclass_data):
    """NumPy 2 pickles a Generator by reference to its bit-generator class,
    which NumPy 1.26 cannot load; sknn saves its name and state instead, and
    training after loading continues the same random stream."""
    X, y = multiclass_data
    model = MLPClassifier((4,), dropout=0.2, max_iter=3, random_state=0).fit(X, y)
    data = pickle.dumps(model)
    assert b"numpy.random._pickle" not in data and b"__generator_ctor" not in data
    loaded = pickle.loads(data)
    assert loaded._rng.bit_generator.state == model._rng.bit_generator.state
    model.partial_fit(X, y)
    loaded.partial_fit(X, y)  # dropout draws from the restored stream
    np.testing.assert_array_equal(loaded.coefs_[0], model.coefs_[0])
