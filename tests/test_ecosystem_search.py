"""Pipelines and search: Pipeline, make_pipeline, GridSearchCV and
RandomizedSearchCV with n_jobs=2, clone, cross-validation helpers,
calibration and the multiclass / ensemble meta-estimators."""

import numpy as np
import pytest
from _ecosystem_data import mixed_frame, mixed_pipeline, mlp
from scipy.stats import loguniform
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import VotingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import (
    GridSearchCV,
    RandomizedSearchCV,
    StratifiedKFold,
    cross_val_score,
    cross_validate,
    learning_curve,
    validation_curve,
)
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from sknn import MLPClassifier

CV = StratifiedKFold(3, shuffle=True, random_state=0)

# One sub-grid per parameter a search typically tunes, so every one of them
# is searched over with two values while the grid stays small.
GRID = [
    {"mlp__hidden_layer_sizes": [(4,), (8, 8)]},
    {"mlp__alpha": [1e-4, 1.0]},
    {"mlp__learning_rate": [0.003, 0.03]},
    {"mlp__dropout": [0.0, 0.3]},
    {"mlp__class_weight": [None, "balanced"]},
]


@pytest.fixture(scope="module")
def data():
    return mixed_frame()


def fingerprint(model, X):
    return model.predict_proba(X)


def test_pipeline_and_make_pipeline_are_the_same_model(data):
    X, y = data
    numeric = X[["age", "income", "hours"]]
    a = Pipeline([("scale", StandardScaler()), ("mlp", mlp())]).fit(numeric, y)
    b = make_pipeline(StandardScaler(), mlp()).fit(numeric, y)
    assert "mlpclassifier" in b.named_steps
    assert np.array_equal(fingerprint(a, numeric), fingerprint(b, numeric))
    assert a.predict(numeric).dtype == object


def test_grid_search_n_jobs_2(data):
    X, y = data
    search = GridSearchCV(
        mixed_pipeline(), GRID, cv=CV, scoring="neg_log_loss", n_jobs=2
    ).fit(X, y)
    results = search.cv_results_
    assert len(results["params"]) == 10
    scores = results["mean_test_score"]
    assert np.all(np.isfinite(scores))
    # each parameter reached the network: its two values score differently
    for pair in range(0, 10, 2):
        assert scores[pair] != scores[pair + 1], results["params"][pair]

    # best_estimator_ is exactly a fresh fit with best_params_
    fresh = clone(mixed_pipeline()).set_params(**search.best_params_).fit(X, y)
    assert np.array_equal(search.best_estimator_.predict(X), fresh.predict(X))
    assert np.array_equal(fingerprint(search.best_estimator_, X), fingerprint(fresh, X))

    # two worker processes give what one process gives
    serial = GridSearchCV(
        mixed_pipeline(), GRID, cv=CV, scoring="neg_log_loss", n_jobs=1
    ).fit(X, y)
    assert np.array_equal(scores, serial.cv_results_["mean_test_score"])


def test_randomized_search_n_jobs_2(data):
    X, y = data
    distributions = {
        "mlp__hidden_layer_sizes": [(4,), (8,), (8, 4)],
        "mlp__alpha": loguniform(1e-5, 1e-1),
        "mlp__learning_rate": loguniform(3e-3, 3e-2),
        "mlp__dropout": [0.0, 0.1, 0.2],
        "mlp__class_weight": [None, "balanced", {"low": 2.0}],
    }
    search = RandomizedSearchCV(
        mixed_pipeline(),
        distributions,
        n_iter=4,
        cv=CV,
        n_jobs=2,
        random_state=0,
    ).fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert set(search.best_params_) == set(distributions)
    fresh = clone(mixed_pipeline()).set_params(**search.best_params_).fit(X, y)
    assert np.array_equal(fingerprint(search.best_estimator_, X), fingerprint(fresh, X))
    assert search.best_score_ > 0.7


def test_clone(data):
    X, y = data
    clf = mlp(class_weight={"low": 2.0}, dropout=(0.1,)).fit(X[["age", "hours"]], y)
    copy = clone(clf)
    assert copy.get_params() == clf.get_params()
    assert not hasattr(copy, "coefs_")
    assert copy.class_weight is not clf.class_weight  # deep-copied parameters


def test_cross_val_score_and_cross_validate(data):
    X, y = data
    scores = cross_val_score(mixed_pipeline(), X, y, cv=CV)
    assert scores.shape == (3,)
    assert scores.min() > 0.7

    result = cross_validate(
        mixed_pipeline(),
        X,
        y,
        cv=CV,
        scoring=["accuracy", "neg_log_loss"],
        return_train_score=True,
        return_estimator=True,
    )
    assert np.array_equal(result["test_accuracy"], scores)
    assert np.all(result["test_neg_log_loss"] < 0)
    assert np.all(result["train_accuracy"] >= 0.7)
    assert all(
        est["mlp"].classes_.tolist() == ["high", "low", "mid"]
        for est in result["estimator"]
    )


def test_calibrated_classifier(data):
    X, y = data
    calibrated = CalibratedClassifierCV(mixed_pipeline(), cv=3).fit(X, y)
    proba = calibrated.predict_proba(X)
    assert proba.shape == (len(X), 3)
    assert np.allclose(proba.sum(axis=1), 1)
    assert calibrated.classes_.tolist() == ["high", "low", "mid"]
    assert set(calibrated.predict(X)) <= {"high", "low", "mid"}
    assert calibrated.score(X, y) > 0.7


def test_learning_and_validation_curves(data):
    X, y = data
    sizes, train, test = learning_curve(
        mixed_pipeline(), X, y, train_sizes=[0.5, 1.0], cv=CV
    )
    assert sizes.tolist() == [80, 160]
    assert train.shape == test.shape == (2, 3)
    assert np.all(np.isfinite(test))

    train, test = validation_curve(
        mixed_pipeline(),
        X,
        y,
        param_name="mlp__alpha",
        param_range=[1e-4, 10.0],
        cv=CV,
    )
    assert train.shape == (2, 3)
    # a huge λ must hurt: the parameter really reached the network
    assert train[1].mean() < train[0].mean()


def test_one_vs_rest(data):
    X, y = data
    numeric = StandardScaler().fit_transform(X[["age", "income", "hours"]])
    ovr = OneVsRestClassifier(mlp(max_iter=20)).fit(numeric, y)
    assert len(ovr.estimators_) == 3
    assert all(est.out_activation_ == "logistic" for est in ovr.estimators_)
    pred = ovr.predict(numeric)
    assert set(pred) <= {"high", "low", "mid"}
    assert ovr.predict_proba(numeric).shape == (len(X), 3)


def test_soft_voting(data):
    X, y = data
    numeric = StandardScaler().fit_transform(X[["age", "income", "hours"]])
    voting = VotingClassifier(
        [("mlp", mlp()), ("lr", LogisticRegression())], voting="soft"
    ).fit(numeric, y)
    members = voting.named_estimators_
    expected = (
        members["mlp"].predict_proba(numeric) + members["lr"].predict_proba(numeric)
    ) / 2
    assert np.allclose(voting.predict_proba(numeric), expected)
    assert isinstance(members["mlp"], MLPClassifier)
    assert set(voting.predict(numeric)) <= {"high", "low", "mid"}
