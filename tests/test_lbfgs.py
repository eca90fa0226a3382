"""L-BFGS: what it stops on, which of its points count, and what an abnormal
end of SciPy's run leaves behind.

scikit-learn's rules: ``tol`` is SciPy's ``gtol``, ``max_iter`` and ``max_fun``
bound the run, and a run SciPy does not end with success warns. sknn adds the
patience rule only with ``early_stopping=True`` (monitoring the hold-out), and
only the points L-BFGS accepts are checked for divergence or kept.
"""

import copy
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_diabetes, make_regression
from sklearn.exceptions import ConvergenceWarning

from sknn import MLPClassifier, MLPRegressor
from sknn._math.losses import cost, weighted_loss_sum


def _quiet_fit(model, X, y, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y, **kwargs)


def _training_cost(model, X, y):
    """J(Θ) of the fitted weights on (X, y), computed from the public
    attributes: the squared error of the regressor plus the L2 term."""
    H = model.predict(X).reshape(len(X), -1)
    T = np.asarray(y, dtype=float).reshape(len(X), -1)
    losses = 0.5 * ((H - T) ** 2).mean(axis=1)
    sq_norm = sum(float((c**2).sum()) for c in model.coefs_)
    return cost(weighted_loss_sum(losses, None), len(X), model.alpha, sq_norm)


# ----------------------------------------------- accepted points, not trials


def test_line_search_trial_points_are_not_divergence():
    """A rejected trial point of the line search with a huge J is no reason
    to stop: scikit-learn's MLPRegressor scores 0.998 here."""
    X, y = make_regression(200, 5, noise=10, random_state=0)
    model = _quiet_fit(
        MLPRegressor((16,), solver="lbfgs", max_iter=50, random_state=3), X, y
    )
    assert model.score(X, y) > 0.99


@pytest.mark.parametrize("seed", range(5))
def test_unscaled_targets_train_with_lbfgs(seed):
    X, y = load_diabetes(return_X_y=True)
    model = _quiet_fit(
        MLPRegressor((16,), solver="lbfgs", max_iter=50, random_state=seed),
        X,
        y * 1000,
    )
    assert model.score(X, y * 1000) > 0.4
    assert np.isfinite(model.loss_)


# ------------------------------------------------------ an abnormal end


def _hopeless_targets():
    X, _ = make_regression(100, 5, random_state=0)
    return X, (X @ np.arange(1.0, 6.0)) * 1e20


def test_no_accepted_iterate_is_an_error_about_y():
    X, y = _hopeless_targets()
    model = MLPRegressor(solver="lbfgs", random_state=0)
    with pytest.raises(ValueError, match=r"accepted no step.*targets y reach"):
        model.fit(X, y)
    assert not hasattr(model, "coefs_")


def test_no_accepted_iterate_leaves_a_warm_started_model_unchanged(
    regression_data,
):
    X, y = regression_data
    model = _quiet_fit(
        MLPRegressor((5,), solver="lbfgs", max_iter=20, random_state=0), X, y
    )
    model.set_params(warm_start=True)
    before = {k: copy.deepcopy(v) for k, v in vars(model).items()}
    prediction = model.predict(X)
    with pytest.raises(ValueError, match="accepted no step"):
        model.fit(X, y * 1e22)
    assert vars(model).keys() == before.keys()
    for old, new in zip(before["coefs_"], model.coefs_):
        np.testing.assert_array_equal(old, new)
    assert model.n_iter_ == before["n_iter_"]
    assert model.history_ == before["history_"]
    np.testing.assert_array_equal(model.predict(X), prediction)


def test_no_accepted_iterate_with_a_monitored_scorer_is_the_same_error():
    X, y = _hopeless_targets()
    model = MLPRegressor(
        solver="lbfgs",
        early_stopping=True,
        scoring="r2",
        early_stopping_metric="r2",
        random_state=0,
    )
    with pytest.raises(ValueError, match="accepted no step"):
        model.fit(X, y)


def _abnormal_end(monkeypatch, after):
    """Make SciPy end the run abnormally (status 2) after ``after``
    iterations, with trial points evaluated past the last accepted one, as a
    failing line search does."""
    import scipy.optimize

    minimize = scipy.optimize.minimize

    def failing_minimize(fun, x0, *, callback, options, **kwargs):
        options = {**options, "maxiter": after}
        result = minimize(fun, x0, callback=callback, options=options, **kwargs)
        # a line search past the last iterate, then rejected
        fun(result.x + 10.0)
        result.status, result.success = 2, False
        result.message = "ABNORMAL: "
        return result

    monkeypatch.setattr(scipy.optimize, "minimize", failing_minimize)


def test_an_abnormal_end_warns_and_keeps_the_last_accepted_iterate(
    monkeypatch, regression_data
):
    X, y = regression_data
    params = dict(hidden_layer_sizes=(5,), solver="lbfgs", random_state=0)
    reference = _quiet_fit(MLPRegressor(max_iter=4, **params), X, y)
    _abnormal_end(monkeypatch, after=4)
    model = MLPRegressor(max_iter=50, **params)
    with pytest.warns(
        ConvergenceWarning,
        match=r"lbfgs failed to converge after 4 iteration\(s\) \(status=2\)",
    ):
        model.fit(X, y)
    assert model.n_iter_ == 4 == len(model.history_["loss"])
    assert model.loss_ == model.history_["loss"][-1]
    np.testing.assert_array_equal(model.predict(X), reference.predict(X))
    # the committed weights are the ones whose J the history recorded
    np.testing.assert_allclose(
        _training_cost(model, X, y), model.loss_, rtol=1e-12
    )


def test_a_halt_sknn_asks_for_does_not_warn(regression_data):
    """Early stopping ends SciPy's run through its callback (status 99 or 2
    by SciPy's version): that is no failure to converge."""
    X, y = regression_data
    model = MLPRegressor(
        (5,),
        solver="lbfgs",
        early_stopping=True,
        n_iter_no_change=1,
        max_iter=500,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model.fit(X, y)
    assert model.n_iter_ < 500


def test_initial_weights_meeting_tol_is_an_error(regression_data):
    X, y = regression_data
    model = MLPRegressor((5,), solver="lbfgs", tol=1e3, random_state=0)
    with pytest.raises(ValueError, match=r"before its first iteration.*Lower tol"):
        model.fit(X, y)


def test_a_warm_start_at_the_optimum_changes_nothing(regression_data):
    """Weights that already meet tol: SciPy takes no step, and the warm start
    is a no-op rather than an error."""
    X, y = regression_data
    model = MLPRegressor(
        (5,), solver="lbfgs", tol=1e-2, max_iter=500, warm_start=True,
        random_state=0,
    ).fit(X, y)
    n_iter, history = model.n_iter_, copy.deepcopy(model.history_)
    prediction = model.predict(X)
    model.fit(X, y)
    assert model.n_iter_ == n_iter
    assert model.history_ == history
    np.testing.assert_array_equal(model.predict(X), prediction)


# ------------------------------------------------------ what stops L-BFGS


def test_patience_does_not_stop_lbfgs_without_early_stopping(regression_data):
    """Without a hold-out, ``n_iter_no_change`` changes nothing: L-BFGS runs
    to SciPy's gtol or max_iter, as scikit-learn's does."""
    X, y = regression_data
    params = dict(hidden_layer_sizes=(8,), solver="lbfgs", tol=1e-6, max_iter=150,
                  random_state=0)
    impatient = _quiet_fit(MLPRegressor(n_iter_no_change=1, **params), X, y)
    never = _quiet_fit(MLPRegressor(n_iter_no_change=None, **params), X, y)
    assert impatient.n_iter_ == never.n_iter_
    np.testing.assert_array_equal(impatient.predict(X), never.predict(X))


def test_tol_is_scipys_gradient_tolerance(regression_data):
    X, y = regression_data
    params = dict(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=500,
                  random_state=0)
    loose = MLPRegressor(tol=1e-1, **params).fit(X, y)
    tight = _quiet_fit(MLPRegressor(tol=1e-8, **params), X, y)
    assert loose.n_iter_ < tight.n_iter_
    assert tight.loss_ <= loose.loss_


@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
def test_max_fun_bounds_the_evaluations_of_a_classifier(
    activation, multiclass_data
):
    """scikit-learn's test_lbfgs_classification_maxfun, translated."""
    X, y = multiclass_data
    max_fun = 10
    clf = MLPClassifier(
        hidden_layer_sizes=50,
        solver="lbfgs",
        max_iter=150,
        max_fun=max_fun,
        random_state=1,
        activation=activation,
    )
    with pytest.warns(ConvergenceWarning, match="status=1"):
        clf.fit(X, y)
    assert max_fun >= clf.n_iter_
