"""MLPRegressor in scikit-learn's machinery: Pipeline, TransformedTargetRegressor,
GridSearchCV with two workers, cross_val_score, multi-output y directly, and
pickle / joblib / skops round trips with bit-identical predictions."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from test_ecosystem_persistence import ROUND_TRIPS

from conftest import LOSS_PARAMETERS
from sknn import MLPRegressor

PARAMS = dict(
    hidden_layer_sizes=(16,),
    learning_rate=0.01,
    max_iter=60,
    n_iter_no_change=None,
    random_state=0,
)


@pytest.fixture
def raw_data(regression_data):
    """The regression data unscaled: X and y far from unit spread."""
    X, y = regression_data
    return 50.0 + 20.0 * X, 300.0 + 80.0 * y


def test_pipeline_scales_what_the_network_cannot(raw_data):
    X, y = raw_data
    pipe = make_pipeline(StandardScaler(), MLPRegressor(**PARAMS))
    model = TransformedTargetRegressor(regressor=pipe, transformer=StandardScaler())
    model.fit(X[:90], y[:90])
    assert model.score(X[90:], y[90:]) > 0.8
    # the same network on the raw target learns far less in as many epochs
    raw_target = make_pipeline(StandardScaler(), MLPRegressor(**PARAMS))
    raw_target.fit(X[:90], y[:90])
    assert raw_target.score(X[90:], y[90:]) < model.score(X[90:], y[90:])


def test_grid_search_with_two_workers(regression_data):
    X, y = regression_data
    search = GridSearchCV(
        MLPRegressor(**PARAMS),
        {"alpha": [1e-4, 1.0], "hidden_layer_sizes": [(4,), (16,)]},
        cv=3,
        n_jobs=2,
    ).fit(X, y)
    assert search.best_score_ > 0.5
    # every candidate was fitted and scored on every split: a fit that fails
    # scores NaN (error_score) with only a warning
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    # the refit model is the one a sequential fit gives
    best = clone(search.best_estimator_).fit(X, y)
    np.testing.assert_array_equal(best.predict(X), search.predict(X))


def test_cross_val_score_is_r2(multioutput_data):
    X, Y = multioutput_data
    cv = KFold(3, shuffle=True, random_state=0)
    scores = cross_val_score(MLPRegressor(**PARAMS), X, Y, cv=cv)
    assert scores.shape == (3,) and np.all(scores > 0.5)
    neg_mse = cross_val_score(
        MLPRegressor(**PARAMS), X, Y, cv=cv, scoring="neg_mean_squared_error"
    )
    assert np.all(neg_mse < 0)


def test_multi_output_y_needs_no_wrapper(multioutput_data):
    """No MultiOutputRegressor: one network predicts the three targets, about as
    well as three networks of the same size each fitted on one column."""
    X, Y = multioutput_data
    joint = MLPRegressor(**PARAMS).fit(X[:80], Y[:80])
    assert joint.predict(X[80:]).shape == (20, 3)
    separate = [
        MLPRegressor(**PARAMS).fit(X[:80], Y[:80, k]).score(X[80:], Y[80:, k])
        for k in range(3)
    ]
    assert joint.score(X[80:], Y[80:]) > np.mean(separate) - 0.1




@pytest.mark.parametrize("how", list(ROUND_TRIPS))
@pytest.mark.parametrize("loss", LOSS_PARAMETERS)
def test_round_trips_predict_bit_identically(
    multioutput_data, count_data, tmp_path, how, loss
):
    if loss in ("poisson", "gamma"):
        X, y = count_data
        Y = np.c_[y, y + 1] + (loss == "gamma")  # gamma: y > 0
    else:
        X, Y = multioutput_data
    X32 = X.astype(np.float32)
    params = {**PARAMS, "max_iter": 5, **LOSS_PARAMETERS[loss]}
    model = make_pipeline(StandardScaler(), MLPRegressor(loss=loss, **params))
    model.fit(X32, Y)
    loaded = ROUND_TRIPS[how](model, tmp_path)
    # the loss's parameters travel with the model
    assert loaded[-1].get_params() == model[-1].get_params()
    expected = model.predict(X32)
    assert loaded.predict(X32).dtype == expected.dtype == np.float32
    np.testing.assert_array_equal(loaded.predict(X32), expected)
    # a loaded model goes on training exactly as the original does
    scaled = model[0].transform(X32)
    model[-1].partial_fit(scaled, Y)
    loaded[-1].partial_fit(scaled, Y)
    np.testing.assert_array_equal(loaded[-1].coefs_[0], model[-1].coefs_[0])
