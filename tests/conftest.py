"""Shared fixtures, constants and checks.

Fixtures: small, deterministic data sets, and ``cluster_client`` (a Dask
``LocalCluster`` of two worker processes, one per module that asks).
Constants: ``SMALL`` (a network that fits in milliseconds), ``FAST`` (one
that learns visibly in ``FEW_EPOCHS`` epochs), ``SOLVERS``, ``GRADIENT_SOLVERS`` and
``PARAMETRIZATIONS`` (the network's parametrisations); ``X20``/``y20``
(a tiny data set for calls that must be refused); ``MULTIOUTPUT`` and
``SCALE``, what two refusals must say; ``version(module)``, a dependency's
(major, minor). Checks used by several test files: hand-written forward
passes, the probability checks, model comparisons, the snapshot a failed call
must leave untouched, and ``assert_refused``.

Test files import the constants and checks with ``from conftest import ...``
(``tests/`` is on ``sys.path`` under pytest's default import mode). Everything
here uses the public API only, except ``snapshot``/``assert_unchanged``, which
also compare the private optimiser state when there is one.
"""

import copy
import re
import warnings

import numpy as np
import pytest
from sklearn.datasets import (
    load_iris,
    make_classification,
    make_multilabel_classification,
    make_regression,
)
from sklearn.exceptions import NotFittedError
from sklearn.preprocessing import StandardScaler

# a few epochs of a small network that learn visibly on the data sets below
FEW_EPOCHS = 4
FAST = {
    "hidden_layer_sizes": (8,),
    "learning_rate": 0.05,
    "max_iter": FEW_EPOCHS,
    "n_iter_no_change": None,
    "random_state": 0,
}
# A network that fits in milliseconds; override what a test needs.
SMALL = {"hidden_layer_sizes": (5,), "max_iter": 5, "random_state": 0}
SOLVERS = ["sgd", "rmsprop", "adam", "lbfgs"]
# a tabular preset's network cut to what fits in milliseconds
TINY = {"hidden_layer_sizes": (16,), "max_iter": 8, "random_state": 0}
# every regression loss, with its own parameter at a value other than its default
LOSS_PARAMETERS = {
    "squared_error": {},
    "poisson": {},
    "gamma": {},
    "absolute_error": {},
    "quantile": {"quantile": 0.8},
    "huber": {"huber_delta": 0.5},
}
GRADIENT_SOLVERS = ["sgd", "rmsprop", "adam"]
# the network's parametrisations away from the default: a learnt front scale,
# the NTK parametrisation, and both with RealMLP's rate factors per group
PARAMETRIZATIONS = {
    "front_scale": {"front_scale": True},
    "ntk": {"parametrization": "ntk"},
    "realmlp": {
        "front_scale": True,
        "parametrization": "ntk",
        "learning_rate_factors": {"biases": 0.1, "front_scale": 6.0},
    },
}

# 20 rows, 3 features, two alternating classes: a tiny data set for calls
# that must be refused, and for the models they must leave unchanged
X20 = np.random.default_rng(0).normal(size=(20, 3))
y20 = np.arange(20) % 2

# scikit-learn's refusal of a 2-D target of labels
MULTIOUTPUT = "Multioutput target data is not supported with label binarization"
# what an error about features too large to train on must advise
SCALE = r"(?i)scal"


def version(module):
    """(major, minor) of an imported module, for tests that depend on it."""
    return tuple(int(part) for part in module.__version__.split(".")[:2])


# ---------------------------------------------------------------- fixtures


@pytest.fixture
def binary_data():
    X, y = make_classification(
        n_samples=120, n_features=6, n_informative=4, random_state=0
    )
    return StandardScaler().fit_transform(X), y


@pytest.fixture
def multiclass_data():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture
def multilabel_data():
    X, Y = make_multilabel_classification(
        n_samples=100, n_features=6, n_classes=3, random_state=0
    )
    return StandardScaler().fit_transform(X), Y


@pytest.fixture
def regression_data():
    """Scaled X and a 1-D y of unit spread (make_regression, 3 of 5 informative)."""
    X, y = make_regression(
        n_samples=120, n_features=5, n_informative=3, noise=5.0, random_state=0
    )
    return StandardScaler().fit_transform(X), (y - y.mean()) / y.std()


@pytest.fixture
def multioutput_data():
    """Scaled X and three scaled targets of shape (100, 3)."""
    X, Y = make_regression(
        n_samples=100, n_features=5, n_targets=3, noise=5.0, random_state=1
    )
    return StandardScaler().fit_transform(X), (Y - Y.mean(axis=0)) / Y.std(axis=0)


@pytest.fixture
def count_data():
    """Scaled X and Poisson counts whose log-mean is linear in X."""
    gen = np.random.default_rng(3)
    X = gen.normal(size=(150, 4))
    y = gen.poisson(np.exp(0.5 + X @ [0.4, -0.3, 0.2, 0.0]))
    return X, y


@pytest.fixture
def unscaled_data(binary_data):
    """binary_data as it might come unscaled: features of order 1e3."""
    X, y = binary_data
    return X * 1e3 + 50, y


@pytest.fixture
def rng():
    return np.random.default_rng(0)


# ------------------------------------------------------------ forward pass

_ACTIVATIONS = {
    "identity": lambda Z: Z,
    "relu": lambda Z: np.maximum(Z, 0),
    "logistic": lambda Z: 1 / (1 + np.exp(-Z)),
    "sigmoid": lambda Z: 1 / (1 + np.exp(-Z)),
    "tanh": np.tanh,
}


def forward_proba(clf, X):
    """``predict_proba`` worked out independently, in float64, from the fitted
    ``coefs_``, ``intercepts_``, ``activation`` and ``out_activation_``: what
    the model must predict, with no dropout and no rescaling at prediction."""
    A = np.asarray(X, dtype=np.float64)
    g = _ACTIVATIONS[clf.activation]
    for W, b in zip(clf.coefs_[:-1], clf.intercepts_[:-1]):
        A = g(A @ W.astype(np.float64) + b.astype(np.float64))
    Z = A @ clf.coefs_[-1].astype(np.float64) + clf.intercepts_[-1].astype(np.float64)
    if clf.out_activation_ == "softmax":
        E = np.exp(Z - Z.max(axis=1, keepdims=True))
        return E / E.sum(axis=1, keepdims=True)
    P = 1 / (1 + np.exp(-Z))
    if Z.shape[1] == 1:
        return np.hstack([1 - P, P])  # binary: one logistic unit
    return P  # multilabel: one logistic unit per label


def forward_predict(reg, X):
    """A regressor's ``predict`` worked out independently, in float64, from the
    fitted ``coefs_``, ``intercepts_``, ``activation`` and ``out_activation_``,
    of shape (n_samples, n_outputs): no dropout and no rescaling at prediction."""
    A = np.asarray(X, dtype=np.float64)
    g = _ACTIVATIONS[reg.activation]
    for W, b in zip(reg.coefs_[:-1], reg.intercepts_[:-1]):
        A = g(A @ W.astype(np.float64) + b.astype(np.float64))
    Z = A @ reg.coefs_[-1].astype(np.float64) + reg.intercepts_[-1].astype(np.float64)
    return np.exp(Z) if reg.out_activation_ == "exp" else Z  # Poisson, or identity


# ------------------------------------------------------- probability checks


def assert_valid_proba(clf, X, atol=1e-6):
    """predict_proba / predict_log_proba / predict of a fitted model on X are
    well formed and agree with each other; returns the probabilities."""
    P = clf.predict_proba(X)
    multilabel = np.ndim(clf.predict(X[:1])) == 2
    assert P.shape == (X.shape[0], len(clf.classes_))
    assert np.all(np.isfinite(P))
    assert np.all((P >= 0) & (P <= 1))
    L = clf.predict_log_proba(X)
    assert L.shape == P.shape
    assert not np.any(np.isnan(L))
    assert np.all(np.isfinite(L[P > 0]))
    assert np.all(L <= 0)
    labels = clf.predict(X)
    if multilabel:
        assert labels.shape == P.shape
        assert set(np.unique(labels).tolist()) <= {0, 1}
        np.testing.assert_array_equal(labels, (P > 0.5).astype(int))
    else:
        np.testing.assert_allclose(P.sum(axis=1), 1, rtol=0, atol=atol)
        assert labels.shape == (X.shape[0],)
        assert np.isin(labels, clf.classes_).all()
        np.testing.assert_array_equal(labels, clf.classes_[P.argmax(axis=1)])
    return P


# ------------------------------------------------------- model comparisons


def params_of(clf):
    return [*clf.coefs_, *clf.intercepts_]


def assert_same_params(a, b, rtol=0.0, atol=0.0):
    """Same weights: bit for bit (the default) or to ``rtol``/``atol``."""
    assert [p.shape for p in params_of(a)] == [q.shape for q in params_of(b)]
    for p, q in zip(params_of(a), params_of(b)):
        assert p.dtype == q.dtype
        if rtol == 0 and atol == 0:
            np.testing.assert_array_equal(p, q)
        else:
            np.testing.assert_allclose(p, q, rtol=rtol, atol=atol)


def assert_same_history(a, b, rtol=0.0, skip=()):
    """Same keys, same number of epochs, and the same values (NaN matching
    NaN), exactly or to ``rtol``; keys in ``skip`` are only counted."""
    assert set(a.history_) == set(b.history_)
    for key in a.history_:
        assert len(a.history_[key]) == len(b.history_[key]), key
        if key in skip:
            continue
        np.testing.assert_allclose(
            a.history_[key], b.history_[key], rtol=rtol, atol=0, equal_nan=True,
            err_msg=f"history_[{key!r}]",
        )  # fmt: skip


def assert_same_model(a, b, rtol=0.0):
    """Two fits that must be the same model: weights, epochs, curves."""
    assert_same_params(a, b, rtol=rtol, atol=rtol * 1e-3)
    assert a.n_iter_ == b.n_iter_
    assert a.t_ == b.t_
    np.testing.assert_allclose(a.loss_curve_, b.loss_curve_, rtol=rtol, atol=0)
    assert_same_history(a, b, rtol=rtol)


def assert_history_aligned(clf):
    """Every per-epoch list has one entry per epoch, whatever the sequence of
    fit / warm-start fit / partial_fit calls that made the model."""
    for key, values in clf.history_.items():
        assert len(values) == clf.n_iter_, (key, len(values), clf.n_iter_)
    assert list(clf.loss_curve_) == list(clf.history_["loss"])
    if "val_accuracy" in clf.history_:
        assert clf.validation_scores_ is not None
        np.testing.assert_array_equal(
            clf.validation_scores_, clf.history_["val_accuracy"]
        )
    else:
        assert clf.validation_scores_ is None


# ------------------------------------------- what a failed call must keep


def assert_refused(clf, call, error, *patterns):
    """``call`` raises ``error`` whose message matches every pattern, and a
    model that was not fitted stays unfitted; returns the error."""
    fitted = hasattr(clf, "coefs_")
    with pytest.raises(error) as info:
        call()
    for pattern in patterns:
        assert re.search(pattern, str(info.value)), (pattern, str(info.value))
    if not fitted:
        assert not hasattr(clf, "coefs_")
        with pytest.raises(NotFittedError):
            clf.predict(X20)
    return info.value


def snapshot(clf, X):
    """Everything a failed call must leave untouched."""
    fitted = hasattr(clf, "coefs_")
    return {
        "dict": dict(clf.__dict__),
        "deep": copy.deepcopy(
            {k: v for k, v in clf.__dict__.items() if not k.startswith("__")}
        ),
        "proba": clf.predict_proba(X) if fitted else None,
        "predict": clf.predict(X) if fitted else None,
    }


def assert_unchanged(clf, X, before):
    assert clf.__dict__.keys() == before["dict"].keys()
    for key, value in before["dict"].items():
        assert clf.__dict__[key] is value, f"{key} was replaced"
    deep = before["deep"]
    if "coefs_" not in deep:
        assert not hasattr(clf, "coefs_")
        with pytest.raises(NotFittedError):
            clf.predict(X)
        return
    for name in ("coefs_", "intercepts_"):
        for old, new in zip(deep[name], getattr(clf, name)):
            np.testing.assert_array_equal(old, new)
    for name in ("n_iter_", "t_", "loss_curve_", "best_loss_", "history_"):
        assert getattr(clf, name) == deep[name], name
    optimizer = deep.get("_optimizer")
    if optimizer is not None:
        for key, value in vars(optimizer).items():
            if isinstance(value, np.ndarray) and key != "scratch":
                np.testing.assert_array_equal(value, vars(clf._optimizer)[key])
    np.testing.assert_array_equal(clf.predict_proba(X), before["proba"])
    np.testing.assert_array_equal(clf.predict(X), before["predict"])


@pytest.fixture(scope="module")
def cluster_client():
    """A Dask client of a ``LocalCluster`` of 2 worker processes, one thread
    and single-threaded BLAS each (as a cluster runs one task per core),
    started once per test module and closed after it."""
    distributed = pytest.importorskip("distributed")
    with (
        warnings.catch_warnings(),
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            protocol="tcp",
            host="127.0.0.1",
            dashboard_address=":0",
            env={"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"},
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        warnings.filterwarnings("ignore", message="Port .* is already in use")
        yield client
