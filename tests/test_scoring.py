"""``scoring`` and ``early_stopping_metric``: scikit-learn scorers on the
hold-out after every epoch, and early stopping on one of them."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_classification
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import get_scorer, make_scorer, mean_absolute_error

from conftest import FAST, FEW_EPOCHS
from sknn import MLPClassifier, MLPRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _split(X, y, n_val):
    """Training and validation rows, shuffled (iris is sorted by class)."""
    order = np.random.default_rng(0).permutation(len(y))
    X, y = X[order], y[order]
    return X[:-n_val], y[:-n_val], X[-n_val:], y[-n_val:]


def _mae_and_max(estimator, X, y):
    """A callable scorer that returns a dict."""
    error = np.abs(estimator.predict(X) - y)
    return {"mae": -error.mean(), "max": -error.max()}


# (data fixture, estimator class, scoring, the scorers each history key holds)
FORMS = [
    ("binary_data", MLPClassifier, "roc_auc", {"val_roc_auc": "roc_auc"}),
    ("binary_data", MLPClassifier, get_scorer("f1"), {"val_score": "f1"}),
    (
        "binary_data",
        MLPClassifier,
        ["roc_auc", "accuracy"],
        {"val_roc_auc": "roc_auc", "val_accuracy": "accuracy"},
    ),
    ("multiclass_data", MLPClassifier, "f1_macro", {"val_f1_macro": "f1_macro"}),
    (
        "multiclass_data",
        MLPClassifier,
        ("roc_auc_ovr", "neg_log_loss"),
        {"val_roc_auc_ovr": "roc_auc_ovr", "val_neg_log_loss": "neg_log_loss"},
    ),
    (
        "multiclass_data",
        MLPClassifier,
        {"macro": "f1_macro", "balanced": get_scorer("balanced_accuracy")},
        {"val_macro": "f1_macro", "val_balanced": "balanced_accuracy"},
    ),
    (
        "regression_data",
        MLPRegressor,
        "neg_mean_absolute_error",
        {"val_neg_mean_absolute_error": "neg_mean_absolute_error"},
    ),
    (
        "regression_data",
        MLPRegressor,
        make_scorer(mean_absolute_error, greater_is_better=False),
        {"val_score": "neg_mean_absolute_error"},
    ),
    (
        "regression_data",
        MLPRegressor,
        ["r2", "neg_median_absolute_error"],
        {"val_r2": "r2", "val_neg_median_absolute_error": "neg_median_absolute_error"},
    ),
]


@pytest.mark.parametrize("fixture, Estimator, scoring, expected", FORMS)
def test_each_scoring_form_records_the_scorer_of_each_epoch(
    fixture, Estimator, scoring, expected, request
):
    X, y, X_val, y_val = _split(*request.getfixturevalue(fixture), n_val=30)
    est = Estimator(**FAST, scoring=scoring).fit(X, y, X_val=X_val, y_val=y_val)
    builtin = "accuracy" if Estimator is MLPClassifier else "r2"
    keys = {"loss", builtin, "learning_rate", "val_loss", f"val_{builtin}"}
    assert set(est.history_) == keys | set(expected)
    assert all(len(values) == FEW_EPOCHS for values in est.history_.values())
    # the last epoch's weights are the model's: its scores are the last entries
    for key, name in expected.items():
        score = get_scorer(name)(est, X_val, y_val)
        assert est.history_[key][-1] == pytest.approx(score, rel=1e-12)
        assert est.history_[key][0] != est.history_[key][-1]


def test_a_callable_that_returns_a_dict_records_each_key(regression_data):
    X, y, X_val, y_val = _split(*regression_data, n_val=30)
    reg = MLPRegressor(**FAST, scoring=_mae_and_max).fit(
        X, y, X_val=X_val, y_val=y_val
    )
    error = np.abs(reg.predict(X_val) - y_val)
    assert reg.history_["val_mae"][-1] == pytest.approx(-error.mean())
    assert reg.history_["val_max"][-1] == pytest.approx(-error.max())


def test_scoring_changes_no_weight_and_no_other_history(binary_data):
    X, y = binary_data
    params = {**FAST, "validation_fraction": 0.25, "dropout": 0.2}
    plain = MLPClassifier(**params).fit(X, y)
    scored = MLPClassifier(**params, scoring=["roc_auc", "f1"]).fit(X, y)
    for a, b in zip(plain.coefs_, scored.coefs_):
        np.testing.assert_array_equal(a, b)
    for key, values in plain.history_.items():
        np.testing.assert_array_equal(values, scored.history_[key])
    assert plain.validation_scores_ == scored.validation_scores_
    assert plain.best_loss_ == scored.best_loss_


def test_scorers_and_the_metric_are_unweighted_val_loss_is_weighted(binary_data):
    X, y, X_val, y_val = _split(*binary_data, n_val=40)
    weights = np.where(y_val == 1, 5.0, 0.5)
    params = {**FAST, "scoring": "roc_auc", "class_weight": {0: 1.0, 1: 3.0}}
    plain = MLPClassifier(**params).fit(X, y, X_val=X_val, y_val=y_val)
    weighted = MLPClassifier(**params).fit(
        X, y, X_val=X_val, y_val=y_val, sample_weight_val=weights
    )
    assert plain.history_["val_roc_auc"] == weighted.history_["val_roc_auc"]
    assert plain.history_["val_accuracy"] == weighted.history_["val_accuracy"]
    assert plain.history_["val_loss"] != weighted.history_["val_loss"]


def test_history_stays_aligned_across_warm_start_and_partial_fit(binary_data):
    X, y = binary_data
    clf = MLPClassifier(**FAST, validation_fraction=0.25, scoring="roc_auc")
    clf.fit(X, y).partial_fit(X, y)
    clf.set_params(warm_start=True).fit(X, y)
    assert clf.n_iter_ == 2 * FEW_EPOCHS + 1
    assert all(len(v) == clf.n_iter_ for v in clf.history_.values())
    scores = np.asarray(clf.history_["val_roc_auc"])
    assert np.isnan(scores[FEW_EPOCHS])  # partial_fit does not score
    assert not np.isnan(np.delete(scores, FEW_EPOCHS)).any()


def test_the_progress_line_shows_the_scorers(binary_data, capsys):
    X, y = binary_data
    MLPClassifier(
        **{**FAST, "max_iter": 1}, validation_fraction=0.25, scoring="roc_auc",
        verbose=2,
    ).fit(X, y)
    line = capsys.readouterr().out.strip()
    names = [part.split(":")[0] for part in line.split(" - ")[2:]]
    assert names == ["loss", "accuracy", "val_loss", "val_accuracy", "val_roc_auc"]


# ------------------------------------------------------------- early stopping

def _disagreeing_data():
    """A noisy problem where the epoch of the lowest validation loss (5) and
    that of the highest validation ROC AUC (26) differ."""
    X, y = make_classification(
        n_samples=160, n_features=8, n_informative=3, flip_y=0.2, random_state=2
    )
    return X[:100], y[:100], X[100:], y[100:]


DISAGREE = {
    "hidden_layer_sizes": (16,),
    "learning_rate": 0.02,
    "max_iter": 40,
    "n_iter_no_change": 40,  # never stops: the best of all 40 epochs is kept
    "random_state": 0,
}


def test_stopping_on_roc_auc_keeps_a_different_epoch_than_on_the_loss():
    X, y, X_val, y_val = _disagreeing_data()
    common = {**DISAGREE, "scoring": "roc_auc", "early_stopping": True}
    on_loss = MLPClassifier(**common).fit(X, y, X_val=X_val, y_val=y_val)
    on_auc = MLPClassifier(**common, early_stopping_metric="roc_auc").fit(
        X, y, X_val=X_val, y_val=y_val
    )
    history = on_auc.history_
    assert history == on_loss.history_  # same training, only the choice differs
    best_loss_epoch = int(np.argmin(history["val_loss"]))
    best_auc_epoch = int(np.argmax(history["val_roc_auc"]))
    assert best_loss_epoch != best_auc_epoch

    # each keeps the weights of its own best epoch: retrain to exactly there
    for model, epoch in [(on_loss, best_loss_epoch), (on_auc, best_auc_epoch)]:
        there = MLPClassifier(
            **{**DISAGREE, "max_iter": epoch + 1, "n_iter_no_change": None}
        ).fit(X, y, X_val=X_val, y_val=y_val)
        for a, b in zip(model.coefs_, there.coefs_):
            np.testing.assert_array_equal(a, b)
    assert get_scorer("roc_auc")(on_auc, X_val, y_val) == pytest.approx(
        history["val_roc_auc"][best_auc_epoch]
    )

    # validation_scores_ follow the monitored metric; best_loss_ stays a loss
    assert on_loss.validation_scores_ == history["val_accuracy"]
    assert on_auc.validation_scores_ == history["val_roc_auc"]
    assert on_auc.best_validation_score_ == max(history["val_roc_auc"])
    assert on_auc.best_loss_ == on_loss.best_loss_ == min(history["val_loss"])


def test_stopping_on_a_scorer_stops_when_it_stops_improving():
    X, y, X_val, y_val = _disagreeing_data()
    clf = MLPClassifier(
        **{**DISAGREE, "n_iter_no_change": 5}, scoring="roc_auc",
        early_stopping=True, early_stopping_metric="roc_auc", tol=0.0,
    ).fit(X, y, X_val=X_val, y_val=y_val)
    scores = clf.history_["val_roc_auc"]
    best = int(np.argmax(scores))
    assert clf.n_iter_ == best + 1 + 5 < DISAGREE["max_iter"]
    assert max(scores[best + 1 :]) <= scores[best]


def test_stopping_on_a_regression_scorer_on_a_hold_out_fraction(regression_data):
    X, y = regression_data
    reg = MLPRegressor(
        **{**FAST, "max_iter": 15}, scoring="neg_mean_absolute_error",
        early_stopping=True, early_stopping_metric="neg_mean_absolute_error",
        validation_fraction=0.2,
    ).fit(X, y)
    scores = reg.history_["val_neg_mean_absolute_error"]
    assert reg.validation_scores_ == scores
    assert reg.best_validation_score_ == max(scores)
    assert reg.best_loss_ == min(reg.history_["val_loss"])


def test_the_default_monitor_is_the_validation_loss(binary_data):
    X, y = binary_data
    clf = MLPClassifier(**FAST, early_stopping=True, scoring="roc_auc").fit(X, y)
    assert clf.best_loss_ == min(clf.history_["val_loss"])
    assert clf.validation_scores_ == clf.history_["val_accuracy"]


# --------------------------------------------------------------------- errors

def _fitted(data):
    return MLPClassifier(**FAST, validation_fraction=0.25).fit(*data)


@pytest.mark.parametrize(
    "params, words",
    [
        (
            {"scoring": "roc_auc", "validation_fraction": None},
            ["scoring='roc_auc'", "hold-out", "X_val"],
        ),
        ({"scoring": "rocauc", "validation_fraction": 0.2}, ["'scoring'", "rocauc"]),
        (
            {"early_stopping_metric": "roc_auc", "early_stopping": True},
            ["early_stopping_metric='roc_auc'", "scoring", "'loss'"],
        ),
        (
            {"early_stopping_metric": "f1", "early_stopping": True,
             "scoring": "roc_auc"},
            ["early_stopping_metric='f1'", "'roc_auc'"],
        ),
        (
            {"early_stopping_metric": "roc_auc", "scoring": "roc_auc"},
            ["early_stopping=False", "early_stopping=True"],
        ),
        (
            {"early_stopping_metric": "mae", "early_stopping": True,
             "scoring": get_scorer("f1")},
            ["'val_mae'", "val_score"],
        ),
    ],
)
def test_bad_scoring_is_a_clear_error_that_changes_nothing(binary_data, params, words):
    clf = _fitted(binary_data)
    before = {k: v for k, v in vars(clf).items() if k.endswith("_")}
    clf.set_params(warm_start=True, **params)
    with pytest.raises(ValueError) as error:
        clf.fit(*binary_data)
    for word in words:
        assert word in str(error.value), (word, str(error.value))
    assert clf.n_iter_ == before["n_iter_"]
    assert clf.history_ is before["history_"]
    for a, b in zip(clf.coefs_, before["coefs_"]):
        assert a is b


def test_partial_fit_ignores_scoring(binary_data):
    X, y = binary_data
    clf = MLPClassifier(**FAST, scoring="roc_auc").partial_fit(X, y, classes=[0, 1])
    assert sorted(clf.history_) == ["accuracy", "learning_rate", "loss"]


def test_scorers_see_the_hold_out_as_given_without_feature_name_warnings(
    binary_data, recwarn
):
    pd = pytest.importorskip("pandas")
    X, y = binary_data
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    seen = []

    def scorer(estimator, X, y):
        seen.append((type(X), len(X)))
        return 0.0

    clf = MLPClassifier(
        **FAST, scoring={"roc": "roc_auc", "custom": scorer}, validation_fraction=0.25
    ).fit(frame, y)
    assert seen == [(pd.DataFrame, 30)] * FEW_EPOCHS
    assert not [w for w in recwarn if "feature names" in str(w.message)]
    assert "val_roc" in clf.history_
    assert clf.history_["val_custom"] == [0.0] * FEW_EPOCHS


# ------------------------------------------------------ undefined scores

def _one_class_hold_out(data):
    """Training rows of both classes and a hold-out of class 1 only."""
    X, y = data
    return X[:80], y[:80], X[80:][y[80:] == 1], y[80:][y[80:] == 1]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.UndefinedMetricWarning")
@pytest.mark.parametrize(
    "scoring, metric",
    [
        ("roc_auc", "roc_auc"),  # returns NaN with one class
        ("neg_log_loss", "neg_log_loss"),  # raises with one class
        ({"nan": lambda estimator, X, y: np.nan}, "nan"),
    ],
)
def test_stopping_on_an_undefined_metric_is_a_clear_error(binary_data, scoring, metric):
    """NaN is neither better nor worse: stopping on it would run every epoch
    and keep no best one. A clear error names the metric and the hold-out,
    in the first epoch, and changes nothing."""
    X, y, X_val, y_val = _one_class_hold_out(binary_data)
    clf = MLPClassifier(
        **{**FAST, "max_iter": 50}, scoring=scoring, early_stopping=True,
        early_stopping_metric=metric,
    )  # fmt: skip
    with pytest.raises(ValueError) as error:
        clf.fit(X, y, X_val=X_val, y_val=y_val)
    message = str(error.value)
    assert f"early_stopping_metric={metric!r} is undefined (NaN)" in message
    assert f"hold-out ({len(y_val)} rows) in epoch 1" in message
    assert not hasattr(clf, "coefs_")


def test_a_scorer_that_cannot_be_computed_records_nan_not_an_error(binary_data):
    """neg_log_loss raises on a one-class hold-out: recorded as NaN with one
    warning (as cross_validate records a failed score); the other scorers
    and training go on."""
    X, y, X_val, y_val = _one_class_hold_out(binary_data)
    scoring = ["neg_log_loss", "f1", "roc_auc"]
    with pytest.warns(UndefinedMetricWarning) as record:
        clf = MLPClassifier(**FAST, scoring=scoring).fit(
            X, y, X_val=X_val, y_val=y_val
        )
    messages = [str(w.message) for w in record]
    failed = [m for m in messages if "'neg_log_loss' cannot be computed" in m]
    assert len(failed) == 1 and f"X_val ({len(y_val)} rows)" in failed[0]
    assert np.isnan(clf.history_["val_neg_log_loss"]).all()
    assert np.isnan(clf.history_["val_roc_auc"]).all()  # roc_auc returns NaN
    assert clf.history_["val_f1"][-1] == get_scorer("f1")(clf, X_val, y_val)
    assert clf.n_iter_ == FEW_EPOCHS


@pytest.mark.parametrize(
    "scoring, name",
    [
        ({"loss": "neg_log_loss", "f1": "f1"}, "loss"),
        ("loss", "loss"),
        (["roc_auc", "acc"], "acc"),
        ({"learning_rate": "f1"}, "learning_rate"),
        ({"accuracy": "roc_auc"}, "accuracy"),
        ({"accuracy": get_scorer("balanced_accuracy")}, "accuracy"),
    ],
)
def test_a_scorer_name_that_would_overwrite_a_history_key_is_refused(
    binary_data, scoring, name
):
    """``val_loss`` is J (and what early stopping minimises), ``val_acc`` an
    alias of ``val_accuracy``, ``learning_rate`` no metric; ``val_accuracy``
    is the built-in metric, which another scorer must not replace. Refused
    before anything changes."""
    clf = _fitted(binary_data)
    before = {k: v for k, v in vars(clf).items() if k.endswith("_")}
    clf.set_params(warm_start=True, scoring=scoring, early_stopping=True)
    with pytest.raises(ValueError) as error:
        clf.fit(*binary_data)
    assert f"names a scorer {name!r}" in str(error.value)
    assert f"history_['val_{name}']" in str(error.value)
    assert clf.n_iter_ == before["n_iter_"] and clf.history_ is before["history_"]
    assert clf.coefs_ is before["coefs_"]


@pytest.mark.parametrize(
    "Estimator, scoring, key",
    [
        (MLPClassifier, "accuracy", "val_accuracy"),
        (MLPClassifier, {"accuracy": "accuracy", "f1": "f1"}, "val_accuracy"),
        (MLPClassifier, {"accuracy": get_scorer("accuracy")}, "val_accuracy"),
        (MLPRegressor, ["r2"], "val_r2"),
    ],
)
def test_a_scorer_that_is_the_builtin_metric_shares_its_key(
    binary_data, Estimator, scoring, key
):
    X, y = binary_data
    y = y if Estimator is MLPClassifier else y + X[:, 0]
    est = Estimator(**FAST, scoring=scoring, validation_fraction=0.25).fit(X, y)
    assert len(est.history_[key]) == FEW_EPOCHS
    assert not any(k.startswith("val_val") for k in est.history_)


@pytest.mark.parametrize("key", ["loss", "acc", "learning_rate", "accuracy"])
def test_a_callable_returning_a_colliding_key_is_refused_in_its_first_epoch(
    binary_data, key
):
    X, y = binary_data
    calls = []

    def scorer(estimator, X, y):
        calls.append(1)
        return {key: 0.5, "other": 0.0}

    clf = MLPClassifier(**FAST, scoring=scorer, validation_fraction=0.25)
    with pytest.raises(ValueError, match=rf"returns the key '{key}'.*val_{key}"):
        clf.fit(X, y)
    assert len(calls) == 1 and not hasattr(clf, "coefs_")


# ----------------------------------------------------------------- sparse X

SPARSE_FORMATS = ["csr", "csc", "coo", "dia", "bsr", "lil", "dok"]


@pytest.mark.filterwarnings("ignore::scipy.sparse.SparseEfficiencyWarning")
@pytest.mark.parametrize("container", ["matrix", "array"])
@pytest.mark.parametrize("fmt", SPARSE_FORMATS)
def test_scorers_on_every_sparse_format_give_what_csr_gives(
    binary_data, fmt, container
):
    """The hold-out's raw rows are taken from X for the scorers: every
    scipy.sparse format, sparse matrix or sparse array, as CSR."""
    X, y = binary_data
    csr = sp.csr_matrix(np.where(np.abs(X) > 0.5, X, 0.0))
    make = sp.csr_matrix if container == "matrix" else sp.csr_array
    params = {**FAST, "validation_fraction": 0.2, "scoring": ["accuracy", "roc_auc"]}
    reference = MLPClassifier(**params).fit(csr, y)
    other = MLPClassifier(**params).fit(make(csr).asformat(fmt), y)
    assert other.history_ == reference.history_
