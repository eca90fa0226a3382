"""Property-based tests: whatever the data, sknn fits or refuses it cleanly.

Over shapes, dtypes (float32, float64, int), label types (int, str, bool),
sample weights and solvers: ``fit`` succeeds or raises ``ValueError`` /
``TypeError`` (never anything else); a fitted model's probabilities are finite,
in [0, 1] and sum to 1; its predictions are among ``classes_``; float32 input
stays float32.
"""

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sknn import MLPClassifier

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

DTYPES = {"float32": np.float32, "float64": np.float64, "int": np.int64}
LABELS = {
    "int": np.array([3, -1, 7]),
    "str": np.array(["cat", "dog", "emu"]),
    "bool": np.array([True, False]),
}


@st.composite
def problems(draw, finite=True):
    n_samples = draw(st.integers(1, 12))
    n_features = draw(st.integers(1, 4))
    dtype = DTYPES[draw(st.sampled_from(sorted(DTYPES)))]
    if dtype is np.int64:
        elements = st.integers(-1000, 1000)
    else:
        elements = st.floats(
            -1e6,
            1e6,
            width=32 if dtype is np.float32 else 64,
            allow_nan=False,
            allow_infinity=False,
        )
        if not finite:
            elements = st.one_of(elements, st.sampled_from([np.nan, np.inf, -np.inf]))
    X = draw(arrays(dtype, (n_samples, n_features), elements=elements))
    label_kind = draw(st.sampled_from(sorted(LABELS)))
    labels = LABELS[label_kind]
    y = labels[
        draw(arrays(np.int64, n_samples, elements=st.integers(0, 2))) % len(labels)
    ]
    sample_weight = draw(
        st.one_of(
            st.none(),
            arrays(
                np.float64,
                n_samples,
                elements=st.floats(0, 10, allow_nan=False),
            ),
        )
    )
    params = {
        "hidden_layer_sizes": draw(st.sampled_from([(), (3,), (4, 2)])),
        "activation": draw(st.sampled_from(["relu", "logistic", "tanh", "identity"])),
        "solver": draw(st.sampled_from(["adam", "sgd", "rmsprop", "lbfgs"])),
        "batch_size": draw(st.sampled_from(["auto", 1, 5])),
        "max_iter": draw(st.integers(1, 4)),
        "random_state": 0,
    }
    return X, y, sample_weight, params


def check_fitted(clf, X, y, max_epochs=None):
    assert len(clf.classes_) >= 2
    assert set(np.unique(y)) <= set(clf.classes_.tolist())
    P = clf.predict_proba(X)
    expected = np.float32 if X.dtype == np.float32 else np.float64
    assert P.dtype == expected
    assert P.shape == (X.shape[0], len(clf.classes_))
    assert np.all(np.isfinite(P))
    assert np.all((P >= 0) & (P <= 1))
    np.testing.assert_allclose(P.sum(axis=1), 1, rtol=0, atol=1e-6)
    L = clf.predict_log_proba(X)
    assert not np.any(np.isnan(L))
    assert np.all(np.isfinite(L[P > 0]))
    labels = clf.predict(X)
    assert labels.shape == (X.shape[0],)
    assert np.isin(labels, clf.classes_).all()
    np.testing.assert_array_equal(labels, clf.classes_[P.argmax(axis=1)])
    assert all(np.isfinite(c).all() and c.dtype == expected for c in clf.coefs_)
    assert 0 < clf.n_iter_ <= (max_epochs or clf.max_iter)


def fit_or_refuse(clf, X, y, sample_weight):
    """Fit; return False when the data was refused with ValueError/TypeError."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence and batch-size warnings
        try:
            clf.fit(X, y, sample_weight=sample_weight)
        except (ValueError, TypeError) as error:
            assert not hasattr(clf, "coefs_")
            event(f"refused: {str(error)[:30]}")
            return False
    event("fitted")
    return True


@SETTINGS
@given(problem=problems())
def test_fit_succeeds_or_raises_value_or_type_error(problem):
    X, y, sample_weight, params = problem
    clf = MLPClassifier(**params)
    if fit_or_refuse(clf, X, y, sample_weight):
        check_fitted(clf, X, y)


@SETTINGS
@given(problem=problems(finite=False))
def test_non_finite_data_is_refused_with_value_error(problem):
    X, y, sample_weight, params = problem
    clf = MLPClassifier(**params)
    fitted = fit_or_refuse(clf, X, y, sample_weight)
    if not np.all(np.isfinite(X)):
        assert not fitted
    elif fitted:
        check_fitted(clf, X, y)


@SETTINGS
@given(problem=problems(), data=st.data())
def test_partial_fit_chunks(problem, data):
    """partial_fit over chunks holding any subset of the classes."""
    X, y, sample_weight, params = problem
    if params["solver"] == "lbfgs":
        params["solver"] = "adam"
    classes = np.unique(y)
    clf = MLPClassifier(**params)
    n_chunks = data.draw(st.integers(1, 3))
    fitted = 0
    for chunk in np.array_split(np.arange(len(y)), n_chunks):
        if len(chunk) == 0:
            continue
        weights = None if sample_weight is None else sample_weight[chunk]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                clf.partial_fit(
                    X[chunk], y[chunk], classes=classes, sample_weight=weights
                )
                fitted += 1
            except (ValueError, TypeError):
                continue
    if fitted:
        check_fitted(clf, X, y, max_epochs=fitted)
        assert clf.n_iter_ == fitted


@SETTINGS
@given(
    n_classes=st.integers(2, 5),
    scale=st.sampled_from([1e-3, 1.0, 1e3, 1e6]),
    dtype=st.sampled_from([np.float32, np.float64]),
    seed=st.integers(0, 2**16),
)
def test_probabilities_for_any_input_scale(n_classes, scale, dtype, seed):
    """A model fitted on scaled data, asked about data of any scale."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(30, 3)).astype(dtype)
    y = np.arange(30) % n_classes
    clf = MLPClassifier((4,), max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X, y)
    X_new = (rng.normal(size=(10, 3)) * scale).astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no overflow warnings
        check_fitted(clf, X_new, y[:0])


@pytest.mark.parametrize("label_kind", sorted(LABELS))
def test_label_types_round_trip(label_kind, binary_data):
    X, y = binary_data
    labels = LABELS[label_kind]
    y = labels[y % len(labels)]
    clf = MLPClassifier((4,), max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X, y)
    assert clf.classes_.dtype == y.dtype
    np.testing.assert_array_equal(clf.classes_, np.unique(y))
    assert clf.predict(X).dtype == y.dtype
