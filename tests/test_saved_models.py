"""Models saved by earlier sknn versions load, predict as they did when they
were saved, and keep training.

The files are in ``tests/saved_models`` (its README says which sknn commit
and which library versions made each set, and how to add a set). Every
fixture is loaded with pickle, joblib and skops as it was saved.

Predictions are recomputed on this machine, whose BLAS may sum the products of
a layer in another order (or fuse them) than the machine that saved them:
labels must be equal (the fixtures keep every decision at least
``MIN_MARGIN`` of ``make_saved_models.py`` from its boundary), probabilities
and regression outputs equal within ``ULPS`` units in the last place of the
model's dtype, relative and absolute (regression: absolute in units of the
largest output). A unit's value in these tiny networks is a sum of at most 7
products, which reordering moves by δz, a few ulps of its largest term (of
the size of |z|); a logistic or softmax output then moves by p(1 − p)·δz, and
p(1 − p)·|z| < 0.23 for every z, so by a few ulps however large the logit
(78 here); an exp (Poisson) output moves by δz relative, with |z| < 2 there.
256 ulps leaves room on any machine, while a wrong weight, layer or output
misses by orders of magnitude more.
"""

import copy
import importlib
import json
import pickle
import sys
import warnings
from pathlib import Path

import joblib
import numpy as np
import pytest
import sklearn
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import InconsistentVersionWarning
from sklearn.metrics import accuracy_score, r2_score

import sknn
from sknn import MLPClassifier, MLPRegressor, skops_trusted_types
from sknn._base.upgrade import parameter_defaults
from sknn._old_paths import MOVED, install, resolve
from sknn._training.history import History

FIXTURES = Path(__file__).parent / "saved_models"
MANIFESTS = sorted(FIXTURES.glob("sknn-*.json"))
ULPS = 256
# How much worse than at save time a model may score after one more epoch or
# a warm start of three on its own training data: it goes on from its
# weights (a restart from random weights scores far lower), and an epoch of
# SGD is free to trade a few rows.
SCORE_SLACK = 0.1

pytestmark = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning"
)


def numpy_major(version):
    return int(version.split(".")[0])


def skip_reason(manifest, fmt):
    """Why this NumPy cannot load the file, or None."""
    if (
        fmt in ("pkl", "joblib")
        and numpy_major(manifest["numpy"]) >= 2
        and numpy_major(np.__version__) < 2
    ):
        return (
            f"saved under NumPy {manifest['numpy']}, which pickles the model's "
            "random generator (numpy.random.Generator) naming its bit "
            "generator's class; NumPy < 2's numpy.random._pickle accepts only "
            "a name there (ValueError: <class 'numpy.random._pcg64.PCG64'> is "
            "not a known BitGenerator module). The arrays would load: NumPy "
            "1.26 has a numpy._core shim. The skops files of the set load."
        )
    return None


def fixture_cases():
    for path in MANIFESTS:
        manifest = json.loads(path.read_text())
        for name, entry in manifest["models"].items():
            for fmt in entry["formats"]:
                reason = skip_reason(manifest, fmt)
                yield pytest.param(
                    path.stem,
                    name,
                    fmt,
                    id=f"{path.stem}-{name}-{fmt}",
                    marks=[pytest.mark.skip(reason=reason)] if reason else [],
                )


CASES = list(fixture_cases())


def manifest_of(tag):
    return json.loads((FIXTURES / f"{tag}.json").read_text())


def load_file(path, fmt):
    if fmt == "pkl":
        with open(path, "rb") as file:
            return pickle.load(file)
    if fmt == "joblib":
        return joblib.load(path)
    sio = pytest.importorskip("skops.io")
    untrusted = sio.get_untrusted_types(file=path)
    # the file names only types that sknn declares (skops trusts
    # scikit-learn's own), under the module paths of the version that saved it
    assert set(untrusted) <= set(skops_trusted_types()), untrusted
    return sio.load(path, trusted=skops_trusted_types())


def load(tag, name, fmt):
    """(model, its sknn estimator, manifest entry, saved arrays)."""
    manifest = manifest_of(tag)
    entry = manifest["models"][name]
    path = FIXTURES / f"{tag}__{name}.{fmt}"
    # scikit-learn checks the version only of its own estimators (the
    # pipeline and the scaler; sknn's record none)
    if entry["kind"] == "pipeline" and manifest["scikit-learn"] != sklearn.__version__:
        with pytest.warns(InconsistentVersionWarning):
            model = load_file(path, fmt)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("error", InconsistentVersionWarning)
            model = load_file(path, fmt)
    estimator = model[-1] if entry["kind"] == "pipeline" else model
    with np.load(FIXTURES / f"{tag}__{name}.npz") as arrays:
        saved = dict(arrays)
    return model, estimator, entry, saved


def training_input(model, entry, X):
    """X as the sknn estimator of ``model`` sees it."""
    return model[:-1].transform(X) if entry["kind"] == "pipeline" else X


def tolerance(dtype):
    return ULPS * np.finfo(dtype).eps


def score(estimator, X, y):
    prediction = estimator.predict(X)
    if isinstance(estimator, MLPRegressor):
        return r2_score(y, prediction)
    return accuracy_score(y, prediction)


def assert_finite_model(estimator, dtype):
    for array in [*estimator.coefs_, *estimator.intercepts_]:
        assert array.dtype == dtype
        assert np.all(np.isfinite(array))


def assert_history_lengths(estimator):
    lengths = {key: len(values) for key, values in estimator.history_.items()}
    assert lengths == dict.fromkeys(lengths, estimator.n_iter_)
    assert "learning_rate" in lengths  # what today's fit records


def test_there_are_fixtures_of_each_version():
    tags = {path.stem for path in MANIFESTS}
    assert "sknn-0.1.0-1a7053d" in tags
    assert "sknn-0.2.0.dev0-15d2c94" in tags
    assert len(CASES) >= 50


@pytest.mark.parametrize(("tag", "name", "fmt"), CASES)
def test_loads_and_predicts_as_when_saved(tag, name, fmt):
    model, estimator, entry, saved = load(tag, name, fmt)
    dtype = np.dtype(entry["dtype"])
    kinds = {"regressor": MLPRegressor, "classifier": MLPClassifier}
    assert type(estimator) is kinds.get(entry["kind"], MLPClassifier)
    assert estimator.coefs_[0].dtype == dtype
    assert estimator.n_iter_ == entry["n_iter_"]
    X = saved["X"]
    predicted = model.predict(X)
    if entry["kind"] == "regressor":
        np.testing.assert_allclose(
            predicted,
            saved["predict"],
            rtol=tolerance(dtype),
            atol=tolerance(dtype) * np.abs(saved["predict"]).max(),
        )
    else:
        assert predicted.dtype == saved["predict"].dtype
        np.testing.assert_array_equal(predicted, saved["predict"])
        np.testing.assert_allclose(
            model.predict_proba(X),
            saved["predict_proba"],
            rtol=tolerance(dtype),
            atol=tolerance(dtype),
        )
    assert_history_lengths(estimator)
    # saved with one activation name, "relu", for every hidden layer
    n_hidden = estimator.n_layers_ - 2
    assert entry["params"].get("activation", "relu") == "relu"
    assert estimator._network.activations == ("relu",) * n_hidden
    lines = []
    estimator.summary(print_fn=lines.append)
    assert lines[0].splitlines()[3].split()[:3] == [
        "hidden_1",
        str(estimator.coefs_[0].shape[1]),
        "relu",
    ]


@pytest.mark.parametrize(("tag", "name", "fmt"), CASES)
def test_parameters_added_since_have_their_defaults(tag, name, fmt):
    """``get_params`` gives the saved parameters and, for every parameter the
    saving version did not have, its default; ``clone`` works."""
    _, estimator, entry, _ = load(tag, name, fmt)
    params = estimator.get_params()
    defaults = parameter_defaults(type(estimator))
    assert params.keys() == defaults.keys()
    for key, value in params.items():
        expected = entry["params"].get(key, defaults[key])
        assert json.loads(json.dumps(value)) == json.loads(json.dumps(expected)), key
    if tag.startswith("sknn-0.1.0-"):  # the first parameters added since 0.1.0
        assert params["learning_rate_schedule"] == "constant"
        assert params["power_t"] == 0.5
        assert params["scoring"] is None
        assert params["early_stopping_metric"] == "loss"
        assert params["dtype"] is None
    copied = clone(estimator)
    assert not hasattr(copied, "coefs_")
    assert copied.get_params() == params
    repr(estimator)


@pytest.mark.parametrize(("tag", "name", "fmt"), CASES)
def test_keeps_training(tag, name, fmt):
    """One more ``partial_fit`` epoch (gradient solvers), then a warm-started
    ``fit``: finite weights in the saved dtype, history and epoch count in
    step, and a model that goes on from its weights."""
    model, estimator, entry, saved = load(tag, name, fmt)
    dtype = np.dtype(entry["dtype"])
    X = training_input(model, entry, saved["X"])
    y = saved["y"]
    before = score(estimator, X, y)
    n_iter = estimator.n_iter_
    if estimator.solver != "lbfgs":
        estimator.partial_fit(X, y)
        assert estimator.n_iter_ == n_iter + 1
        assert_finite_model(estimator, dtype)
        assert_history_lengths(estimator)
        assert score(estimator, X, y) >= before - SCORE_SLACK
        n_iter += 1
    estimator.set_params(warm_start=True, max_iter=3).fit(X, y)
    # L-BFGS may find nothing left to do at a minimum it already reached
    assert n_iter + (estimator.solver != "lbfgs") <= estimator.n_iter_ <= n_iter + 3
    assert_finite_model(estimator, dtype)
    assert_history_lengths(estimator)
    assert score(estimator, X, y) >= before - SCORE_SLACK


# ------------------------------------------------------------ the old paths


def test_every_old_path_names_its_new_object():
    """Each row of the table: the old module answers the old name with the
    object now at the new path, pickle finds it there, and skops trusts the
    old name."""
    assert MOVED  # History moved after 0.1.0
    trusted = set(skops_trusted_types())
    for old, new in MOVED.items():
        module, _, name = old.rpartition(".")
        target = resolve(new)
        assert getattr(importlib.import_module(module), name) is target
        # a pickle that names the class by its old path
        assert pickle.loads(f"c{module}\n{name}\n.".encode()) is target
        if new in trusted:
            assert old in trusted
    assert "sknn._training.History" in trusted
    assert resolve("sknn._training.History") is History


def test_a_module_that_disappears_stays_loadable(monkeypatch):
    """How a future move is recorded: one row, and the old module path, even
    a package that no longer exists, loads from files that name it."""
    gone = ("sknn._gone", "sknn._gone_package", "sknn._gone_package.inner")
    rows = {
        "sknn._gone.History": "sknn._training.history.History",
        "sknn._gone_package.inner.Moved": "sknn._gone.History",  # moved twice
    }
    monkeypatch.setattr(sknn._old_paths, "MOVED", {**MOVED, **rows})
    try:
        install()
        history = History({"loss": [1.0]})
        for old in rows:
            module, _, name = old.rpartition(".")
            # the pickle written when the class lived at the old path
            data = pickle.dumps(history, protocol=0).replace(
                b"csknn._training.history\nHistory\n", f"c{module}\n{name}\n".encode()
            )
            assert module.encode() in data
            loaded = pickle.loads(data)
            assert type(loaded) is History
            assert loaded == history
        assert sys.modules["sknn._gone"].History is History
        with pytest.raises(AttributeError, match="no attribute 'Other'"):
            sys.modules["sknn._gone"].Other
    finally:
        for module in gone:
            sys.modules.pop(module, None)
            if hasattr(sknn, module.split(".")[1]):
                delattr(sknn, module.split(".")[1])
        monkeypatch.undo()
        install()
    assert sknn._training.History is History
    with pytest.raises(AttributeError, match="no attribute 'Moved'"):
        sknn._training.Moved


# --------------------------------------------------- the generic upgrade rule


@pytest.mark.parametrize("estimator_class", [MLPClassifier, MLPRegressor])
def test_every_missing_parameter_and_state_gets_its_default(
    estimator_class, binary_data, monkeypatch
):
    """A state without any parameter (as a model saved before each of them
    existed) and without the fitted state added after 0.1.0 loads with the
    defaults, through scikit-learn's own ``__setstate__``."""
    X, y = binary_data
    model = estimator_class(max_iter=3, alpha=0.5, random_state=0).fit(X, y)
    state = copy.deepcopy(model.__getstate__())
    for name in estimator_class._get_param_names():
        del state[name]
    del state["_schedule_state"]
    del state["_optimizer"].__dict__["n_coef"]
    network = state["_network"].__dict__
    network["activation"] = network.pop("activations")[0]  # one name for all
    del state["history_"]["learning_rate"]

    calls = []
    original = BaseEstimator.__setstate__

    def spy(self, state):
        calls.append(type(self))
        original(self, state)

    monkeypatch.setattr(BaseEstimator, "__setstate__", spy)
    loaded = estimator_class.__new__(estimator_class)
    loaded.__setstate__(state)
    assert calls == [estimator_class]
    assert loaded.get_params() == estimator_class().get_params()
    assert loaded._schedule_state is None
    assert loaded._optimizer.n_coef == loaded._network.n_coef
    assert loaded._network.activations == ("relu",) * (loaded.n_layers_ - 2)
    assert np.isnan(loaded.history_["learning_rate"]).all()
    assert_history_lengths(loaded)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    loaded.partial_fit(X, y)  # alpha=1e-4 now: the optimiser's L2 term works
    assert loaded.n_iter_ == model.n_iter_ + 1


def test_an_unfitted_estimator_gets_parameters_only():
    state = MLPClassifier(alpha=0.5).__getstate__()
    del state["dtype"]
    loaded = MLPClassifier.__new__(MLPClassifier)
    loaded.__setstate__(state)
    assert loaded.get_params() == MLPClassifier(alpha=0.5).get_params()
    assert not hasattr(loaded, "_schedule_state")
    assert not hasattr(loaded, "history_")
