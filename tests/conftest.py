"""Shared fixtures: small, deterministic data sets."""

import numpy as np
import pytest
from sklearn.datasets import (
    load_iris,
    make_classification,
    make_multilabel_classification,
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
def rng():
    return np.random.default_rng(0)
