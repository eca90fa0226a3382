"""TabularClassifier and TabularRegressor: presets of the MLPs on raw tables.

The preprocessing itself is tested in test_tabular_preprocessing.py; here,
what the estimators do with it: raw DataFrames in every call, the fitted
preprocessing carried through pickle, clone, search and warm start, the
standardised regression target, and the MLP features they inherit.
"""

import math
import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from conftest import TINY, assert_refused
from sknn import MLPClassifier, MLPRegressor, TabularClassifier, TabularRegressor
from sknn._training.data import Rows


def table(n=120, seed=0):
    """Numbers, a category, a string column, a bool, missing values; y."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "age": rng.normal(40, 12, n),
            "income": rng.lognormal(10, 1, n),
            "colour": pd.Categorical(rng.choice(["red", "green", "blue"], n)),
            "city": rng.choice(["Paris", "Lyon", "Nice", "Lille"], n).astype(object),
            "member": rng.random(n) < 0.5,
        }
    )
    frame.loc[rng.random(n) < 0.1, "age"] = np.nan
    frame.loc[rng.random(n) < 0.1, "city"] = None
    signal = (
        (frame["age"].fillna(40) - 40) / 12
        + (frame["colour"] == "red")
        - 0.5 * frame["member"]
    )
    return frame, signal.to_numpy()


@pytest.fixture
def classification():
    X, signal = table()
    return X, np.where(signal > signal.mean(), "yes", "no")


@pytest.fixture
def regression():
    X, signal = table()
    return X, 1000.0 * signal + 5000.0


def test_raw_dataframe_in_every_call(classification):
    X, y = classification
    clf = TabularClassifier(**TINY).fit(X, y)
    assert list(clf.feature_names_in_) == list(X.columns)
    assert clf.n_features_in_ == X.shape[1]
    assert set(clf.predict(X)) <= {"yes", "no"}
    assert clf.predict_proba(X).shape == (len(X), 2)
    assert clf.transform(X).shape == (len(X), 16)
    assert 0.0 <= clf.score(X, y) <= 1.0


def test_unseen_categories_and_missing_values_at_predict_time(classification):
    X, y = classification
    clf = TabularClassifier(**TINY).fit(X, y)
    new = X.head(4).copy()
    new["city"] = ["Rome", None, "Paris", "Oslo"]  # unseen, missing
    new["income"] = np.nan  # a column that had no missing value in training
    proba = clf.predict_proba(new)
    assert np.all(np.isfinite(proba))


def test_a_numpy_array_is_all_numbers():
    X = np.random.default_rng(0).normal(size=(60, 3))
    y = X[:, 0] > 0
    clf = TabularClassifier(**TINY).fit(X, y)
    assert not hasattr(clf, "feature_names_in_")
    assert clf.predict(X).dtype == bool


def test_feature_names_are_replaced_by_a_refit_without_them(classification):
    X, y = classification
    clf = TabularClassifier(**TINY).fit(X, y)
    numbers = X[["age", "income"]].to_numpy()
    clf.fit(numbers, y)
    assert not hasattr(clf, "feature_names_in_")
    assert clf.n_features_in_ == 2


@pytest.mark.parametrize("numeric_bins", [None, 8])
def test_pickle_and_clone_keep_the_preprocessing(classification, numeric_bins):
    X, y = classification
    clf = TabularClassifier(**TINY, numeric_bins=numeric_bins).fit(X, y)
    loaded = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    fresh = clone(clf)
    assert not hasattr(fresh, "preprocessor_")
    assert fresh.get_params() == clf.get_params()


@pytest.mark.parametrize("numeric_bins", [None, 8])
def test_skops_round_trip(classification, numeric_bins):
    sio = pytest.importorskip("skops.io")
    from sknn import skops_trusted_types

    X, y = classification
    clf = TabularClassifier(**TINY, numeric_bins=numeric_bins).fit(X, y)
    loaded = sio.loads(sio.dumps(clf), trusted=skops_trusted_types())
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))


def test_warm_start_keeps_the_fitted_preprocessing(classification):
    X, y = classification
    clf = TabularClassifier(**TINY, warm_start=True).fit(X, y)
    preprocessor = clf.preprocessor_
    # other rows: a refit of the preprocessing would learn other medians
    clf.fit(X.iloc[::2], y[::2])
    assert clf.preprocessor_ is preprocessor
    assert clf.n_iter_ == 2 * TINY["max_iter"]


def test_grid_search_and_cross_validate(classification):
    X, y = classification
    search = GridSearchCV(
        TabularClassifier(**TINY),
        {"smooth_clip": [3.0, None], "numeric_bins": [None, 4]},
        cv=2,
    ).fit(X, y)
    assert search.best_estimator_.preprocessor_ is not None
    scores = cross_validate(TabularClassifier(**TINY), X, y, cv=2)["test_score"]
    assert np.all((0 <= scores) & (scores <= 1))


def test_inside_a_pipeline(regression):
    X, y = regression
    model = make_pipeline(FunctionTransformer(), TabularRegressor(**TINY)).fit(X, y)
    assert model.predict(X).shape == (len(X),)


def test_x_val_is_encoded_with_the_training_preprocessing(classification):
    X, y = classification
    clf = TabularClassifier(**TINY, validation_fraction=None).fit(
        X.iloc[:80], y[:80], X_val=X.iloc[80:], y_val=y[80:]
    )
    assert len(clf.history_["val_loss"]) == TINY["max_iter"]
    assert np.all(np.isfinite(clf.history_["val_loss"]))


def test_scoring_and_history(classification):
    X, y = classification
    clf = TabularClassifier(
        **TINY, scoring=["balanced_accuracy"], validation_fraction=0.2
    ).fit(X, y)
    assert len(clf.history_["val_balanced_accuracy"]) == TINY["max_iter"]


def test_class_and_sample_weights(classification):
    X, y = classification
    weights = np.where(y == "yes", 3.0, 1.0)
    by_sample = TabularClassifier(**TINY).fit(X, y, sample_weight=weights)
    by_class = TabularClassifier(**TINY, class_weight={"yes": 3.0, "no": 1.0}).fit(X, y)
    np.testing.assert_allclose(
        by_sample.predict_proba(X), by_class.predict_proba(X), rtol=1e-12
    )
    plain = TabularClassifier(**TINY).fit(X, y)
    assert not np.allclose(plain.predict_proba(X), by_class.predict_proba(X))


def test_no_partial_fit(classification):
    X, y = classification
    clf = TabularClassifier(**TINY)
    assert not hasattr(clf, "partial_fit")
    with pytest.raises(AttributeError, match="learnt from the whole training set"):
        clf.partial_fit(X, y, classes=["no", "yes"])


def test_a_class_of_one_row_holds_out_at_random():
    X = np.random.default_rng(0).normal(size=(30, 2))
    y = np.array([0, 1] * 14 + [2, 1])  # class 2 has one row
    with pytest.raises(ValueError, match="every class of y"):
        MLPClassifier(**TINY, validation_fraction=0.2).fit(X, y)
    clf = TabularClassifier(**TINY, validation_fraction=0.2).fit(X, y)
    assert list(clf.classes_) == [0, 1, 2]
    assert len(clf.history_["val_loss"]) == TINY["max_iter"]


def test_the_preset_is_the_signature():
    clf, reg = TabularClassifier(), TabularRegressor()
    assert clf.hidden_layer_sizes == reg.hidden_layer_sizes
    assert clf.max_iter == reg.max_iter == "auto"
    assert reg.learning_rate > clf.learning_rate
    # the MLPs keep their own defaults
    assert MLPClassifier().hidden_layer_sizes == (100,)
    assert "categorical_features" in clf.get_params()
    assert "categorical_features" not in MLPClassifier().get_params()


def test_unknown_parameter_is_refused():
    with pytest.raises(TypeError, match="unexpected keyword argument 'colour'"):
        TabularClassifier(colour="red")


def test_regression_targets_are_standardised(regression):
    X, y = regression
    reg = TabularRegressor(**TINY).fit(X, y)
    np.testing.assert_allclose(reg.target_center_, [y.mean()])
    np.testing.assert_allclose(reg.target_scale_, [y.std()])
    # an affine change of y trains the same network on the same standardised
    # targets: predictions follow it, up to rounding
    shifted = TabularRegressor(**TINY).fit(X, 1e-3 * y - 7.0)
    np.testing.assert_allclose(
        shifted.predict(X), 1e-3 * reg.predict(X) - 7.0, rtol=1e-9, atol=1e-9
    )
    # and R² is the same on either scale
    assert reg.score(X, y) == pytest.approx(shifted.score(X, 1e-3 * y - 7.0))


def test_standardisation_beats_raw_targets_of_thousands(regression):
    X, y = regression
    tabular = TabularRegressor(**TINY).fit(X, y)
    # the same preset without standardisation: the MLP on the encoded table
    Z = tabular.preprocessor_.transform(X)
    mlp_params = {
        name: value
        for name, value in tabular.get_params().items()
        if name in MLPRegressor().get_params()
    }
    raw = MLPRegressor(**mlp_params).fit(Z, y)
    assert tabular.score(X, y) > raw.score(Z, y)


def test_multioutput_regression(regression):
    X, y = regression
    Y = np.c_[y, -y / 1000.0]
    reg = TabularRegressor(**TINY).fit(X, Y)
    assert reg.predict(X).shape == (len(X), 2)
    assert reg.target_scale_.shape == (2,)


def test_log_link_losses_keep_raw_targets(regression):
    X, y = regression
    reg = TabularRegressor(**TINY, loss="poisson").fit(X, y - y.min() + 1.0)
    np.testing.assert_array_equal(reg.target_center_, [0.0])
    np.testing.assert_array_equal(reg.target_scale_, [1.0])


def test_a_failed_fit_leaves_the_model_as_it_was(classification):
    X, y = classification
    clf = TabularClassifier(**TINY).fit(X, y)
    before = clf.predict_proba(X)
    preprocessor = clf.preprocessor_
    assert_refused(clf, lambda: clf.fit(X, y[:-1]), ValueError, "inconsistent")
    assert clf.preprocessor_ is preprocessor
    np.testing.assert_array_equal(clf.predict_proba(X), before)


def test_summary_and_progress_line(classification, capsys):
    X, y = classification
    clf = TabularClassifier(**TINY, verbose=1).fit(X, y)
    clf.summary()
    out = capsys.readouterr().out
    assert "Total parameters" in out
    assert "loss:" in out


def test_dask_collections_are_refused_clearly(classification):
    dd = pytest.importorskip("dask.dataframe")
    X, y = classification
    clf = TabularClassifier(**TINY).fit(X, y)
    lazy = dd.from_pandas(X, npartitions=2)
    for call in (
        lambda: TabularClassifier(**TINY).fit(lazy, y),
        lambda: clf.predict(lazy),
        lambda: clf.score(lazy, y),
    ):
        with pytest.raises(TypeError, match="does not take Dask collections"):
            call()


def test_auto_epochs_scale_with_the_rows():
    rng = np.random.default_rng(0)
    epochs = {}
    for n in (100, 1000, 4000):
        X = rng.normal(size=(n, 2))
        clf = TabularClassifier((4,), n_iter_no_change=None, random_state=0)
        clf.fit(X, X[:, 0] > 0)
        epochs[n] = clf.n_iter_
    assert epochs[100] == 64  # a small table: the most epochs
    assert epochs[1000] == 33  # 2**15 / 1000 rows, rounded up
    assert epochs[4000] == 16  # a large one: the fewest


def test_auto_batches_are_even():
    """batch_size="auto" splits an epoch into k = ceil(n / 256) batches of at
    most 256 rows, the last at most k rows short (never a step on a few rows
    after full ones, while batches are few)."""
    for n in range(1, 20_000):
        size = TabularRegressor()._auto_batch_size(n)
        k = math.ceil(n / 256)
        assert size <= 256
        assert math.ceil(n / size) == k
        assert n - (k - 1) * size >= size - k
    assert MLPRegressor()._auto_batch_size(404) == 200  # scikit-learn's rule


def test_auto_batches_of_a_fit(monkeypatch):
    """A fit on 404 rows steps on two batches of 202, not 200, 200 and 4; an
    explicit batch_size is kept."""
    sizes = []
    batches = Rows.batches

    def recording(self, size, order=None, buffer=None):
        for batch in batches(self, size, order, buffer):
            sizes.append(batch.X.shape[0])
            yield batch

    monkeypatch.setattr(Rows, "batches", recording)
    X = np.random.default_rng(0).normal(size=(404, 3))
    TabularRegressor((4,), max_iter=2, random_state=0).fit(X, X[:, 0])
    assert sizes == [202, 202] * 2
    sizes.clear()
    TabularRegressor((4,), max_iter=1, batch_size=200, random_state=0).fit(X, X[:, 0])
    assert sizes == [200, 200, 4]


@pytest.mark.parametrize("numeric_bins", [None, 6])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("Estimator", [TabularClassifier, TabularRegressor])
def test_weights_hold_out_early_stopping_and_warm_start_together(
    classification, regression, Estimator, dtype, numeric_bins
):
    """The features meeting: sample weights, a validation_fraction hold-out
    with early stopping that keeps the best epoch, then a warm start that
    continues from it with the fitted preprocessing, in either dtype, with
    and without numeric bins."""
    X, y = classification if Estimator is TabularClassifier else regression
    weights = np.random.default_rng(1).uniform(0.5, 2.0, len(y))
    params = {
        **TINY, "max_iter": 12, "dtype": dtype, "early_stopping": True,
        "validation_fraction": 0.25, "n_iter_no_change": 3, "warm_start": True,
        "numeric_bins": numeric_bins,
    }  # fmt: skip
    model = Estimator(**params).fit(X, y, sample_weight=weights)
    preprocessor, first = model.preprocessor_, model.n_iter_
    binned = [e for e in preprocessor.encodings_ if e.get("edges")]
    assert bool(binned) == bool(numeric_bins)
    assert model.coefs_[0].dtype == dtype
    assert len(model.history_["val_loss"]) == first <= params["max_iter"]
    # the kept weights are the best epoch's: its validation loss is best_loss_
    assert model.best_loss_ == pytest.approx(min(model.history_["val_loss"]))
    unweighted = Estimator(**params).fit(X, y)
    assert not np.allclose(unweighted.coefs_[0], model.coefs_[0])

    model.fit(X, y, sample_weight=weights)  # continues
    assert model.preprocessor_ is preprocessor
    assert model.n_iter_ > first
    assert len(model.history_["val_loss"]) == model.n_iter_  # one per epoch
    predictions = model.predict(X)
    assert predictions.shape == (len(y),)
    if Estimator is TabularRegressor:
        assert np.all(np.isfinite(predictions))
