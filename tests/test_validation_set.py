"""The validation set: an explicit one, ``fit(..., X_val=, y_val=,
sample_weight_val=)``, scikit-learn 1.9's convention (HistGradientBoosting),
routed through a ``Pipeline(..., transform_input=["X_val"])``; and the errors
of a ``validation_fraction`` split that cannot be made."""

from functools import partial

import numpy as np
import pytest
import sklearn
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

import sknn._base.prepare
from conftest import SMALL, X20, assert_refused, y20
from sknn import MLPClassifier, MLPRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

# long enough for early stopping to have epochs to compare
SIX_EPOCHS = {
    "hidden_layer_sizes": (8,),
    "learning_rate": 0.05,
    "max_iter": 6,
    "random_state": 0,
}


def _index_split(n, n_val):
    val = np.sort(np.random.default_rng(1).choice(n, n_val, replace=False))
    return np.setdiff1d(np.arange(n), val), val


@pytest.mark.parametrize("Estimator", [MLPClassifier, MLPRegressor])
def test_x_val_is_the_same_as_holding_the_rows_out(Estimator, binary_data, monkeypatch):
    X, y = binary_data
    y = y if Estimator is MLPClassifier else y + X[:, 0]
    weights = np.random.default_rng(2).uniform(0.5, 2.0, len(y))
    train, val = _index_split(len(y), 30)
    params = {**SIX_EPOCHS, "shuffle": False, "early_stopping": True, "scoring": "r2"}
    if Estimator is MLPClassifier:
        params.update(scoring="roc_auc", class_weight={0: 1.0, 1: 2.0})

    # hold out exactly ``val`` by index: the split returns it
    monkeypatch.setattr(
        sknn._base.prepare, "train_test_split", lambda *args, **kwargs: (train, val)
    )
    held = Estimator(**params, validation_fraction=0.2).fit(X, y, weights)
    monkeypatch.undo()
    given = Estimator(**params).fit(
        X[train], y[train], weights[train],
        X_val=X[val], y_val=y[val], sample_weight_val=weights[val],
    )
    assert held.history_ == given.history_
    assert held.n_iter_ == given.n_iter_ and held.best_loss_ == given.best_loss_
    for a, b in zip(held.coefs_, given.coefs_):
        np.testing.assert_array_equal(a, b)


def test_early_stopping_alone_validates_on_x_val(binary_data):
    X, y = binary_data
    clf = MLPClassifier(**SIX_EPOCHS, early_stopping=True).fit(
        X[:90], y[:90], X_val=X[90:], y_val=y[90:]
    )
    assert len(clf.history_["val_loss"]) == clf.n_iter_
    assert clf.t_ == 90 * clf.n_iter_  # every row trained, none held out


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"validation_fraction": 0.2}, ["validation_fraction=0.2", "X_val"]),
        ({"y_val": None}, ["X_val needs y_val"]),
        ({"X_val": None}, ["y_val was given without X_val"]),
        (
            {"X_val": None, "y_val": None, "sample_weight_val": np.ones(10)},
            ["sample_weight_val was given without X_val"],
        ),
    ],
)
def test_x_val_conflicts_are_clear_errors(binary_data, kwargs, words):
    X, y = binary_data
    fit_kwargs = {"X_val": X[:10], "y_val": y[:10], "sample_weight_val": None}
    params = {k: v for k, v in kwargs.items() if k not in fit_kwargs}
    fit_kwargs.update({k: v for k, v in kwargs.items() if k in fit_kwargs})
    clf = MLPClassifier(**SIX_EPOCHS, **params)
    with pytest.raises(ValueError) as error:
        clf.fit(X, y, **fit_kwargs)
    assert all(word in str(error.value) for word in words), str(error.value)
    assert not hasattr(clf, "coefs_")


def test_an_unseen_y_val_label_is_an_error_about_y_val(multiclass_data):
    X, y = multiclass_data
    train = y < 2
    clf = MLPClassifier(**SIX_EPOCHS)
    with pytest.raises(ValueError, match=r"^y_val contains labels \[2\]") as error:
        clf.fit(X[train], y[train], X_val=X, y_val=y)
    assert "partial_fit" not in str(error.value)
    assert not hasattr(clf, "coefs_")


@pytest.mark.parametrize("fraction, advice", [(0.995, "smaller"), (0.02, "larger")])
def test_a_stratified_split_that_fails_gives_the_right_advice(
    multiclass_data, fraction, advice
):
    """Too few training rows for every class: a smaller fraction; too few
    hold-out rows: a larger one."""
    X, y = multiclass_data
    X, y = X[::5], y[::5]  # 30 rows, 10 of each class
    if advice == "smaller":
        X, y = np.concatenate([X] * 10), np.concatenate([y] * 10)
    clf = MLPClassifier(**SIX_EPOCHS, validation_fraction=fraction)
    with pytest.raises(ValueError, match=f"validation_fraction={fraction}") as error:
        clf.fit(X, y)
    assert f"Use a {advice} validation_fraction" in str(error.value)
    other = "larger" if advice == "smaller" else "smaller"
    assert other not in str(error.value)


def test_a_hold_out_that_leaves_no_training_rows():
    clf = MLPClassifier(**SMALL, validation_fraction=0.99)
    error = assert_refused(clf, partial(clf.fit, X20, y20), ValueError, "(?i)training")
    assert "every class" not in str(error)
    assert "validation_fraction=0.99" in str(error)


def _data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 4)) * [1.0, 10.0, 100.0, 1000.0] + [0, 5, -50, 300]
    y = (X[:, 0] + X[:, 1] / 10 > 0.5).astype(int)
    return X[:90], y[:90], X[90:], y[90:]


PREPROCESSORS = {
    "scaler": StandardScaler(),
    "columns": ColumnTransformer(
        [("scaled", StandardScaler(), [0, 1, 2]), ("kept", "passthrough", [3])]
    ),
}


@pytest.mark.parametrize("name", sorted(PREPROCESSORS))
def test_a_pipeline_transforms_x_val_with_transform_input(name):
    X, y, X_val, y_val = _data()
    prep = PREPROCESSORS[name]
    mlp = MLPClassifier(**SIX_EPOCHS, scoring="roc_auc", n_iter_no_change=None)
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = Pipeline(
            [("prep", clone(prep)),
             ("mlp", clone(mlp).set_fit_request(X_val=True, y_val=True))],
            transform_input=["X_val"],
        ).fit(X, y, X_val=X_val, y_val=y_val)
    fitted_prep = clone(prep).fit(X)
    by_hand = clone(mlp).fit(
        fitted_prep.transform(X), y, X_val=fitted_prep.transform(X_val), y_val=y_val
    )
    assert pipe[-1].history_ == by_hand.history_
    # untransformed, the hold-out would score differently
    raw = clone(mlp).fit(fitted_prep.transform(X), y, X_val=X_val, y_val=y_val)
    assert raw.history_["val_loss"] != by_hand.history_["val_loss"]
