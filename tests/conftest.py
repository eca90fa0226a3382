"""Shared fixtures: small, deterministic data sets."""

import numpy as np
import pytest
from sklearn.datasets import (
    load_iris,
    make_classification,
    make_multilabel_classification,
    make_regression,
)
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
def rng():
    return np.random.default_rng(0)
