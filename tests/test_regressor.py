"""MLPRegressor: targets, predictions, weights, hold-out, early stopping and
everything else it shares with the classifier, alone and in combination."""

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning, UndefinedMetricWarning
from sklearn.metrics import r2_score
from test_robustness import Interrupter

from conftest import SOLVERS, forward_predict
from sknn import DivergenceError, MLPRegressor

# what every regressor here starts from; each test sets its own epochs
BASE = dict(hidden_layer_sizes=(8,), learning_rate=0.01, random_state=0)


def quiet_fit(model, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(*args, **kwargs)


def fitted_state(model):
    return [c.copy() for c in model.coefs_ + model.intercepts_]


def assert_same_weights(a, b):
    for left, right in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
        np.testing.assert_array_equal(left, right)


# ----------------------------------------------------------- targets, shapes


def test_prediction_shape_follows_y(regression_data, multioutput_data):
    X, y = regression_data
    reg = quiet_fit(MLPRegressor(max_iter=5, **BASE), X, y)
    assert reg.predict(X).shape == (len(X),)
    assert reg.n_outputs_ == 1
    X3, Y3 = multioutput_data
    reg = quiet_fit(MLPRegressor(max_iter=5, **BASE), X3, Y3)
    assert reg.predict(X3).shape == (len(X3), 3)
    assert reg.n_outputs_ == 3
    assert reg.out_activation_ == "identity"


@pytest.mark.parametrize("kind", [int, bool])
def test_integer_and_boolean_targets_become_floats(regression_data, kind):
    X, y = regression_data
    y_kind = (y > 0).astype(kind)
    reg = quiet_fit(MLPRegressor(max_iter=5, **BASE), X, y_kind)
    as_float = quiet_fit(MLPRegressor(max_iter=5, **BASE), X, y_kind.astype(float))
    assert reg.predict(X).dtype == np.float64
    np.testing.assert_array_equal(reg.predict(X), as_float.predict(X))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_y_is_an_error_that_changes_nothing(regression_data, bad):
    X, y = regression_data
    reg = quiet_fit(MLPRegressor(max_iter=3, **BASE), X, y)
    before = fitted_state(reg)
    y_bad = y.copy()
    y_bad[5] = bad
    with pytest.raises(ValueError, match=r"Input y contains (NaN|infinity)"):
        reg.fit(X, y_bad)
    with pytest.raises(ValueError, match=r"Input y contains (NaN|infinity)"):
        reg.partial_fit(X, y_bad)
    for old, new in zip(before, reg.coefs_ + reg.intercepts_):
        np.testing.assert_array_equal(old, new)
    assert reg.n_iter_ == 3


@pytest.mark.parametrize(
    "y", [[-1.0, 2.0, 3.0, 1.0], [0.0, 0.0, 0.0, 0.0]], ids=["negative", "all-zero"]
)
def test_poisson_needs_non_negative_y_with_positive_sum(y):
    X = np.arange(8.0).reshape(4, 2)
    reg = MLPRegressor(loss="poisson", max_iter=3)
    with pytest.raises(ValueError, match=r"y must be >= 0 with a positive sum"):
        reg.fit(X, y)
    assert not hasattr(reg, "coefs_")
    # squared error takes the same y
    quiet_fit(MLPRegressor(max_iter=3), X, y)


def test_poisson_partial_fit_takes_a_chunk_of_zero_counts(count_data):
    """J is defined on all-zero counts; only a whole fit on them has nothing
    to learn. A chunk of zeros in a stream (first or later) trains, and so
    does a hold-out of zeros."""
    X, y = count_data
    reg = MLPRegressor(loss="poisson", **BASE)
    mean_rate = []
    for chunk in (np.zeros(50), y[:50], np.zeros(50)):
        reg.partial_fit(X[:50], chunk)
        mean_rate.append(reg.predict(X[:50]).mean())
    assert reg.n_iter_ == 3 and np.isfinite(reg.loss_curve_).all()
    assert mean_rate[2] < mean_rate[1]  # zeros pull the rates down
    with pytest.raises(ValueError, match=r"y must be >= 0"):
        reg.partial_fit(X[:4], [1.0, -1.0, 0.0, 0.0])
    val = quiet_fit(
        MLPRegressor(loss="poisson", max_iter=3, **BASE), X, y,
        X_val=X[:10], y_val=np.zeros(10),
    )  # fmt: skip
    assert np.isfinite(val.history_["val_loss"]).all()


def test_poisson_warm_start_on_zero_counts_is_refused_like_a_fit(count_data):
    """A warm start is a fit: all-zero counts leave nothing to learn (the
    best rates are 0), so it is refused as a first fit is, changing nothing."""
    X, y = count_data
    reg = MLPRegressor(loss="poisson", max_iter=3, warm_start=True, **BASE)
    quiet_fit(reg, X, y)
    before = fitted_state(reg)
    with pytest.raises(ValueError, match=r"y must be >= 0 with a positive sum.*zero"):
        reg.fit(X, np.zeros(len(y)))
    assert reg.n_iter_ == 3
    for old, new in zip(before, reg.coefs_ + reg.intercepts_):
        np.testing.assert_array_equal(old, new)


def test_poisson_predicts_positive_rates_for_every_output(count_data):
    X, y = count_data
    Y = np.c_[y, y + 1]
    reg = quiet_fit(MLPRegressor(loss="poisson", solver="lbfgs", **BASE), X, Y)
    assert reg.out_activation_ == "exp"
    P = reg.predict(X)
    assert P.shape == (len(X), 2) and np.all(P > 0)
    # the fitted log-rates rise with the true ones
    assert np.corrcoef(np.log(P[:, 0]), X @ [0.4, -0.3, 0.2, 0.0])[0, 1] > 0.8


def test_a_model_fitted_on_one_output_refuses_three(regression_data):
    X, y = regression_data
    reg = quiet_fit(MLPRegressor(max_iter=2, warm_start=True, **BASE), X, y)
    Y = np.c_[y, y, y]
    for call in (reg.fit, reg.partial_fit):
        with pytest.raises(ValueError, match=r"y has 3 output\(s\).*fitted on 1"):
            call(X, Y)
    with pytest.raises(ValueError, match=r"y_val has 3 output\(s\) but y has 1"):
        MLPRegressor(max_iter=2).fit(X, y, X_val=X, y_val=Y)


# ------------------------------------------------------------------ weights


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
def test_a_weight_of_two_is_the_row_repeated(regression_data, count_data, solver, loss):
    X, y = count_data if loss == "poisson" else regression_data
    Y = np.c_[y, 2 * y]  # two outputs, so the mean over them is in play
    w = np.ones(len(X))
    w[:10] = 2.0
    X_rep, Y_rep = np.r_[X, X[:10]], np.r_[Y, Y[:10]]
    # one batch holding every row: the same gradient in any row order
    params = dict(BASE, solver=solver, loss=loss, max_iter=15, alpha=0.1)
    params.update(batch_size=len(X_rep), n_iter_no_change=None)
    repeated = quiet_fit(MLPRegressor(**params), X_rep, Y_rep)
    params["batch_size"] = len(X)
    weighted = quiet_fit(MLPRegressor(**params), X, Y, sample_weight=w)
    np.testing.assert_allclose(weighted.predict(X), repeated.predict(X), rtol=1e-9)
    np.testing.assert_allclose(weighted.loss_curve_, repeated.loss_curve_, rtol=1e-9)
    unweighted = quiet_fit(MLPRegressor(**params), X, Y)
    assert not np.allclose(weighted.predict(X), unweighted.predict(X), rtol=1e-6)


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_all_ones_weights_are_no_weights_history_included(regression_data, solver):
    X, y = regression_data
    params = dict(BASE, solver=solver, max_iter=8, validation_fraction=0.25)
    plain = quiet_fit(MLPRegressor(**params), X, y)
    ones = quiet_fit(
        MLPRegressor(**params),
        X,
        y,
        sample_weight=np.ones(len(X)),
    )
    assert_same_weights(plain, ones)
    assert ones.history_ == plain.history_  # no NaN here: == compares values


def test_weighted_hold_out_loss_is_weighted_like_J(regression_data):
    X, y = regression_data
    w_val = np.r_[np.full(10, 3.0), np.ones(20)]
    reg = quiet_fit(
        MLPRegressor(max_iter=4, alpha=0.0, n_iter_no_change=None, **BASE),
        X[30:],
        y[30:],
        X_val=X[:30],
        y_val=y[:30],
        sample_weight_val=w_val,
    )
    residual = 0.5 * (reg.predict(X[:30]) - y[:30]) ** 2
    assert reg.history_["val_loss"][-1] == pytest.approx(
        np.dot(w_val, residual) / w_val.sum(), rel=1e-10
    )
    # R² stays unweighted
    assert reg.history_["val_r2"][-1] == pytest.approx(
        r2_score(y[:30], reg.predict(X[:30])), rel=1e-10
    )


# ------------------------------------------------- hold-out and early stopping


def test_history_and_validation_scores_are_the_hold_out_r2(multioutput_data):
    X, Y = multioutput_data
    reg = quiet_fit(
        MLPRegressor(max_iter=6, n_iter_no_change=None, **BASE),
        X[20:],
        Y[20:],
        X_val=X[:20],
        y_val=Y[:20],
    )
    assert set(reg.history_) == {"loss", "r2", "learning_rate", "val_loss", "val_r2"}
    assert all(len(v) == 6 for v in reg.history_.values())
    assert reg.validation_scores_ == reg.history_["val_r2"]
    assert reg.best_validation_score_ == max(reg.history_["val_r2"])
    assert reg.history_["val_r2"][-1] == pytest.approx(
        r2_score(Y[:20], reg.predict(X[:20])), rel=1e-10
    )
    assert reg.history_["val_r2"][-1] == pytest.approx(reg.score(X[:20], Y[:20]))


def test_the_hold_out_is_random_not_stratified(regression_data):
    """Every y value is unique, so a stratified split would fail; the hold-out
    is ceil(fraction · n) random rows and ``val_r2`` is recorded."""
    X, y = regression_data
    reg = quiet_fit(MLPRegressor(max_iter=3, validation_fraction=0.2, **BASE), X, y)
    assert len(reg.history_["val_r2"]) == 3
    assert reg.t_ == 3 * (len(X) - 24)  # 96 training rows per epoch
    without = quiet_fit(MLPRegressor(max_iter=3, **BASE), X, y)
    assert "val_r2" not in without.history_
    assert without.validation_scores_ is None


def test_early_stopping_restores_the_best_epoch(regression_data):
    X, y = regression_data
    y_noisy = y + np.random.default_rng(0).normal(scale=1.5, size=len(y))
    params = dict(
        hidden_layer_sizes=(64,),
        learning_rate=0.05,
        validation_fraction=0.3,
        n_iter_no_change=8,
        random_state=0,
    )
    reg = quiet_fit(MLPRegressor(early_stopping=True, **params), X, y_noisy)
    best = int(np.argmin(reg.history_["val_loss"]))
    assert best < reg.n_iter_ - 1, "this data should overfit"
    assert reg.best_loss_ == min(reg.history_["val_loss"])
    # the same split and epochs, without early stopping, stopped at the best
    at_best = quiet_fit(
        MLPRegressor(**{**params, "n_iter_no_change": None}, max_iter=best + 1),
        X,
        y_noisy,
    )
    assert_same_weights(reg, at_best)


def test_r2_of_one_row_is_nan_and_of_a_constant_target_force_finite(regression_data):
    """R² is undefined on one row: NaN in the history (training and hold-out),
    as r2_score gives, never 0.0; a constant target on two rows keeps
    r2_score's force_finite value."""
    X, y = regression_data
    one = quiet_fit(MLPRegressor(max_iter=3, **BASE), X[:1], y[:1])
    assert np.isnan(one.history_["r2"]).all()
    reg = quiet_fit(MLPRegressor(max_iter=3, **BASE), X, y, X_val=X[:1], y_val=y[:1])
    assert np.isnan(reg.history_["val_r2"]).all()
    assert not np.isnan(reg.history_["r2"]).any()
    constant = np.full(2, y[0])
    reg = quiet_fit(
        MLPRegressor(max_iter=3, **BASE), X, y, X_val=X[:2], y_val=constant
    )
    assert reg.history_["val_r2"][-1] == r2_score(constant, reg.predict(X[:2])) == 0.0


@pytest.mark.parametrize("metric", ["loss", "r2"])
def test_early_stopping_on_fewer_than_two_hold_out_rows_is_sklearns_error(
    regression_data, metric
):
    """Two rows hold one out: scikit-learn's "The validation set is too
    small" error, whatever the metric (R² of one row is undefined, a loss of
    one row is noise), before anything changes; X_val of one row too."""
    X, y = regression_data
    params = dict(BASE, max_iter=3, early_stopping=True, early_stopping_metric=metric)
    if metric != "loss":
        params["scoring"] = metric
    reg = MLPRegressor(**params)
    with pytest.raises(
        ValueError,
        match=r"^The validation set is too small\. Increase 'validation_fraction' "
        r"or the size of your dataset\.$",
    ):
        reg.fit(X[:2], y[:2])
    assert not hasattr(reg, "coefs_")
    with pytest.raises(ValueError, match=r"too small\. .*two rows in X_val \(got 1\)"):
        reg.fit(X, y, X_val=X[:1], y_val=y[:1])
    assert not hasattr(reg, "coefs_")
    # without early stopping, one row is only recorded (as NaN); the "r2"
    # scorer is scikit-learn's r2_score, which warns that it is undefined
    reg.set_params(early_stopping=False, early_stopping_metric="loss")
    with (
        pytest.warns(UndefinedMetricWarning, match="less than two samples")
        if metric == "r2"
        else warnings.catch_warnings()
    ):
        quiet_fit(reg, X, y, X_val=X[:1], y_val=y[:1])
    assert np.isnan(reg.history_["val_r2"]).all()
    assert np.isnan(reg.best_validation_score_)


def test_partial_fit_after_an_early_stopping_fit_goes_on_without_hold_out(
    regression_data,
):
    X, y = regression_data
    reg = quiet_fit(MLPRegressor(early_stopping=True, max_iter=5, **BASE), X, y)
    n = reg.n_iter_
    reg.partial_fit(X, y)
    assert reg.n_iter_ == n + 1
    assert np.isnan(reg.history_["val_r2"][-1])
    assert len(reg.history_["val_r2"]) == len(reg.history_["r2"]) == n + 1


# -------------------------------------------- partial_fit, warm start, dtypes


def test_partial_fit_takes_no_classes(regression_data):
    X, y = regression_data
    reg = MLPRegressor(**BASE)
    with pytest.raises(TypeError, match="classes"):
        reg.partial_fit(X, y, classes=[0, 1])
    assert not hasattr(MLPRegressor(solver="lbfgs"), "partial_fit")


def test_weighted_partial_fit_chunks_in_float32(regression_data):
    X, y = regression_data
    X32 = X.astype(np.float32)
    w = np.linspace(0.5, 2.0, len(X))
    reg = MLPRegressor(**BASE)
    for start in range(0, len(X), 40):
        part = slice(start, start + 40)
        reg.partial_fit(X32[part], y[part], sample_weight=w[part])
    assert reg.n_iter_ == 3 and reg.t_ == len(X)
    assert {a.dtype for a in reg.coefs_ + reg.intercepts_} == {np.dtype(np.float32)}
    assert reg.predict(X32).dtype == np.float32
    assert reg.predict(X).dtype == np.float32  # the model keeps its dtype
    unweighted = MLPRegressor(**BASE)
    for start in range(0, len(X), 40):
        unweighted.partial_fit(X32[start : start + 40], y[start : start + 40])
    assert not np.array_equal(reg.predict(X32), unweighted.predict(X32))


def test_float32_sparse_weighted_hold_out_multi_output(multioutput_data):
    """The combination: float32 CSR X, weights, early stopping, 3 outputs."""
    X, Y = multioutput_data
    X32 = sp.csr_matrix(X.astype(np.float32))
    w = np.linspace(0.5, 2.0, len(X))
    params = dict(BASE, early_stopping=True, validation_fraction=0.2, max_iter=20)
    sparse = quiet_fit(MLPRegressor(**params), X32, Y, sample_weight=w)
    dense = quiet_fit(MLPRegressor(**params), X32.toarray(), Y, sample_weight=w)
    assert sparse.coefs_[0].dtype == np.float32
    P = sparse.predict(X32)
    assert P.shape == (len(X), 3) and P.dtype == np.float32
    np.testing.assert_allclose(P, dense.predict(X32.toarray()), rtol=1e-4, atol=1e-5)
    assert sparse.history_["val_r2"] == pytest.approx(
        dense.history_["val_r2"], rel=1e-3, abs=1e-4
    )
    assert sparse.score(X32, Y) > 0.5


def test_warm_start_continues_with_its_history(regression_data):
    X, y = regression_data
    params = dict(BASE, max_iter=4, n_iter_no_change=None, validation_fraction=0.2)
    reg = quiet_fit(MLPRegressor(warm_start=True, **params), X, y)
    first = dict(reg.history_)
    first = {k: list(v) for k, v in first.items()}
    quiet_fit(reg, X, y)
    assert reg.n_iter_ == 8
    assert {k: v[:4] for k, v in reg.history_.items()} == first
    assert reg.history_["loss"][4] < first["loss"][0]


# ---------------------------------------------------------------- dropout


def test_dropout_changes_training_not_prediction(regression_data):
    X, y = regression_data
    params = dict(BASE, max_iter=10, n_iter_no_change=None)
    dropped = quiet_fit(MLPRegressor(dropout=0.3, **params), X, y)
    plain = quiet_fit(MLPRegressor(**params), X, y)
    assert not np.allclose(dropped.predict(X), plain.predict(X))
    # inverted dropout: prediction is the plain forward pass through the
    # fitted weights, with no units dropped and no rescaling, for the whole
    # set, for any subset and row by row
    expected = forward_predict(dropped, X).ravel()
    atol = 1e-10 * np.abs(expected).max()  # predictions cross 0
    np.testing.assert_allclose(dropped.predict(X), expected, rtol=1e-10, atol=atol)
    np.testing.assert_allclose(
        dropped.predict(X[::7]), expected[::7], rtol=1e-10, atol=atol
    )
    for i in (0, 60, 119):
        np.testing.assert_allclose(
            dropped.predict(X[i : i + 1]), expected[i : i + 1], rtol=1e-10, atol=atol
        )
    with pytest.raises(ValueError, match="dropout needs a gradient solver"):
        MLPRegressor(solver="lbfgs", dropout=0.3).fit(X, y)


# ------------------------------------------------------------------ pandas


def test_pandas_frames_give_feature_names_and_multi_output(multioutput_data):
    X, Y = multioutput_data
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    targets = pd.DataFrame(Y, columns=["a", "b", "c"])
    reg = quiet_fit(MLPRegressor(max_iter=3, **BASE), frame, targets)
    assert list(reg.feature_names_in_) == list(frame.columns)
    assert reg.predict(frame).shape == (len(X), 3)
    series = quiet_fit(MLPRegressor(max_iter=3, **BASE), frame, targets["a"])
    assert series.predict(frame).shape == (len(X),)
    with pytest.warns(UserWarning, match="fitted with feature names"):
        reg.predict(X)
    with pytest.raises(ValueError, match="feature names"):
        reg.predict(frame[frame.columns[::-1]])


# ------------------------------------------- divergence, Ctrl-C, display


@pytest.mark.parametrize("how", ["fit", "warm_start", "partial_fit"])
def test_divergence_raises_and_leaves_the_model_as_it_was(regression_data, how):
    X, y = regression_data
    reg = quiet_fit(MLPRegressor(solver="sgd", max_iter=3, **BASE), X, y)
    before, history = fitted_state(reg), dict(reg.history_)
    reg.set_params(learning_rate=1e3, warm_start=how == "warm_start", max_iter=50)
    with pytest.raises(DivergenceError, match=r"learning_rate=1000 is too large"):
        if how == "partial_fit":
            for _ in range(50):
                reg.partial_fit(X, 100 * y)
        else:
            reg.fit(X, 100 * y)
    if how != "partial_fit":  # earlier successful chunks are kept, by design
        for old, new in zip(before, reg.coefs_ + reg.intercepts_):
            np.testing.assert_array_equal(old, new)
        assert reg.history_ == history and reg.n_iter_ == 3
    assert all(np.all(np.isfinite(c)) for c in reg.coefs_)


@pytest.mark.parametrize("solver", SOLVERS)
def test_ctrl_c_keeps_the_completed_epochs(monkeypatch, regression_data, solver):
    X, y = regression_data
    params = dict(BASE, solver=solver, batch_size=40, n_iter_no_change=None)
    reference = quiet_fit(MLPRegressor(**params, max_iter=3), X, y)
    Interrupter(monkeypatch, after_epochs=3, at_batch=1 if solver == "lbfgs" else 2)
    reg = MLPRegressor(**params, max_iter=50)
    with pytest.warns(UserWarning, match="interrupted during epoch 4"):
        assert reg.fit(X, y) is reg
    assert reg.n_iter_ == 3 and len(reg.history_["r2"]) == 3
    assert_same_weights(reg, reference)
    np.testing.assert_array_equal(reg.predict(X), reference.predict(X))


@pytest.mark.parametrize("verbose", [1, 2])
def test_verbose_prints_r2_in_place_of_accuracy(regression_data, capsys, verbose):
    X, y = regression_data
    quiet_fit(
        MLPRegressor(max_iter=2, verbose=verbose, validation_fraction=0.2, **BASE),
        X,
        y,
    )
    lines = [line for line in capsys.readouterr().out.splitlines() if line]
    assert lines[-1].startswith("Epoch 2/2")
    assert " - r2: " in lines[-1] and " - val_r2: " in lines[-1]
    assert "accuracy" not in lines[-1]
    assert ("[====" in lines[-1]) == (verbose == 1)


def test_summary_names_the_output_layer_of_each_loss(regression_data, count_data):
    X, y = regression_data
    lines = []
    quiet_fit(MLPRegressor(max_iter=2, **BASE), X, np.c_[y, y]).summary(
        print_fn=lines.append
    )
    assert "output        2  identity                     18" in lines[0]
    Xc, yc = count_data
    quiet_fit(MLPRegressor(loss="poisson", max_iter=2, **BASE), Xc, yc).summary(
        print_fn=lines.append
    )
    assert "output        1  exp" in lines[1]
    assert "Total parameters: 49" in lines[1]  # 4·8 + 8 + 8·1 + 1
