"""``transform``: both estimators as feature extractors, the activations of
the last hidden layer, with scikit-learn's transformer machinery around them
(``fit_transform``, ``get_feature_names_out``, ``set_output``)."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from sknn import MLPClassifier, MLPRegressor

G = {"relu": lambda Z: np.maximum(Z, 0), "tanh": np.tanh}


def hand_hidden(model, X):
    """The last hidden layer worked out in float64 from the public weights."""
    A = np.asarray(X, dtype=np.float64)
    for W, b in zip(model.coefs_[:-1], model.intercepts_[:-1]):
        A = G[model.activation](A @ W.astype(np.float64) + b)
    return A


def _fitted(estimator, data, **params):
    X, y = data
    params = {"hidden_layer_sizes": (8, 5), "max_iter": 5, "random_state": 0, **params}
    return estimator(**params).fit(X, y)


@pytest.fixture(params=[MLPClassifier, MLPRegressor])
def case(request, binary_data, regression_data):
    data = binary_data if request.param is MLPClassifier else regression_data
    return request.param, data


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_the_last_hidden_layer_with_dropout_off(case, activation):
    estimator, (X, y) = case
    model = _fitted(estimator, (X, y), activation=activation, dropout=0.3)
    A = model.transform(X)
    assert A.shape == (len(X), 5)
    np.testing.assert_allclose(A, hand_hidden(model, X), rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(model.transform(X), A)  # no random dropout


def test_fit_transform_is_fit_then_transform(case):
    estimator, (X, y) = case
    params = {"hidden_layer_sizes": (6,), "max_iter": 4, "random_state": 0}
    fitted = estimator(**params).fit(X, y)
    np.testing.assert_array_equal(estimator(**params).fit_transform(X, y),
                                  fitted.transform(X))  # fmt: skip


def test_feature_names_and_pandas_output(case):
    estimator, (X, y) = case
    model = _fitted(estimator, (X, y))
    prefix = estimator.__name__.lower()
    names = model.get_feature_names_out()
    assert list(names) == [f"{prefix}{i}" for i in range(5)]
    frame = model.set_output(transform="pandas").transform(X)
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == list(names)
    plain = model.set_output(transform="default").transform(X)
    np.testing.assert_array_equal(frame.to_numpy(), plain)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float32_stays_float32_and_sparse_gives_dense(case, dtype):
    estimator, (X, y) = case
    X = X.astype(dtype)
    model = _fitted(estimator, (X, y))
    assert model.transform(X).dtype == dtype
    np.testing.assert_allclose(
        model.transform(sp.csr_matrix(X)), model.transform(X),
        rtol=10 * np.finfo(dtype).eps, atol=10 * np.finfo(dtype).eps,
    )  # fmt: skip


def test_a_network_without_hidden_layer_refuses_transform(case):
    estimator, (X, y) = case
    model = estimator((), max_iter=3, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match=r"no hidden layer.*hidden_layer_sizes=\(\)"):
        model.transform(X)


def test_an_unfitted_model_cannot_transform(case):
    estimator, (X, _) = case
    with pytest.raises(NotFittedError):
        estimator().transform(X)


def test_a_feature_extractor_in_front_of_another_estimator(binary_data):
    """An MLP's learnt features feed a linear model in a Pipeline."""
    X, y = binary_data
    mlp = MLPClassifier((16,), learning_rate=0.01, max_iter=300, random_state=0)
    pipe = make_pipeline(mlp, LogisticRegression()).fit(X, y)
    assert pipe[-1].coef_.shape == (1, 16)  # it saw the 16 learnt features
    # they separate the classes as well as the network's own output layer
    assert pipe.score(X, y) >= pipe[0].score(X, y) - 0.05 > 0.9
