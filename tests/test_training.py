"""The seed's training features: dropout, the hold-out's history_ (also
when warm starts switch the hold-out on or off), and early stopping with its
stopping rule."""

import warnings
from types import SimpleNamespace

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from conftest import assert_history_aligned, forward_proba
from sknn import MLPClassifier, plot_history
from sknn._base import prepare
from sknn._training.observers import Comparison, Stopping


def test_dropout_changes_training_not_prediction(multiclass_data):
    X, y = multiclass_data
    params = dict(max_iter=20, n_iter_no_change=None, random_state=0)
    plain = MLPClassifier((32,), **params).fit(X, y)
    dropped = MLPClassifier((32,), dropout=0.5, **params).fit(X, y)
    assert not np.allclose(plain.coefs_[0], dropped.coefs_[0])
    # inverted dropout: prediction is the plain forward pass through the
    # fitted weights, with no units dropped and no rescaling, for the whole
    # set, for any subset and row by row
    expected = forward_proba(dropped, X)
    np.testing.assert_allclose(dropped.predict_proba(X), expected, rtol=1e-10)
    np.testing.assert_allclose(dropped.predict_proba(X[::7]), expected[::7], rtol=1e-10)
    for i in (0, 75, 149):
        np.testing.assert_allclose(
            dropped.predict_proba(X[i : i + 1]), expected[i : i + 1], rtol=1e-10
        )
    np.testing.assert_array_equal(
        dropped.predict(X), dropped.classes_[expected.argmax(axis=1)]
    )


def _first_step(X, y, dropout):
    """The change one plain SGD step makes to each weight matrix, with no L2
    term (so that a weight with no gradient does not move at all)."""
    params = dict(
        hidden_layer_sizes=(32, 32),  # wide: some units dropped, never all
        activation="tanh",  # no dead units: only dropout zeroes a gradient
        solver="sgd",
        alpha=0.0,
        max_iter=1,
        shuffle=False,
        dropout=dropout,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        # a step of 1e-300 leaves the initial weights exactly as they were
        initial = MLPClassifier(learning_rate=1e-300, **params).fit(X, y)
        stepped = MLPClassifier(learning_rate=1.0, **params).fit(X, y)
    return [a - b for a, b in zip(stepped.coefs_, initial.coefs_)]


def test_dropout_per_layer(multiclass_data):
    """dropout=(r1, r2) drops units of the first hidden layer at r1 and of the
    second at r2, not the other way round. A unit dropped for every sample
    of the batch gets no gradient: its incoming weights (a column of
    coefs_[l]) and outgoing weights (a row of coefs_[l + 1]) do not move."""
    X, y = multiclass_data
    X, y = X[[0, 50, 100, 1]], y[[0, 50, 100, 1]]  # one batch of 4 rows

    def frozen_units(step, layer):
        incoming = np.all(step[layer] == 0, axis=0)
        outgoing = np.all(step[layer + 1] == 0, axis=1)
        np.testing.assert_array_equal(incoming, outgoing)
        return int(incoming.sum())

    first_only = _first_step(X, y, (0.9, 0.0))
    assert frozen_units(first_only, 0) > 0
    assert frozen_units(first_only, 1) == 0
    second_only = _first_step(X, y, (0.0, 0.9))
    assert frozen_units(second_only, 0) == 0
    assert frozen_units(second_only, 1) > 0
    neither = _first_step(X, y, (0.0, 0.0))
    assert frozen_units(neither, 0) == frozen_units(neither, 1) == 0

    clf = MLPClassifier((8, 8), dropout=(0.0, 0.5), max_iter=3, random_state=0)
    lines = []
    clf.fit(X, y).summary(print_fn=lines.append)
    rows = {line.split()[0]: line.split() for line in lines[0].splitlines()}
    assert rows["hidden_1"][3] == "0"
    assert rows["hidden_2"][3] == "0.5"


def test_validation_fraction_records_validation_history(multiclass_data):
    X, y = multiclass_data
    clf = MLPClassifier(
        (8,),
        validation_fraction=0.2,
        max_iter=6,
        n_iter_no_change=None,
        random_state=0,
    ).fit(X, y)
    h = clf.history_
    assert set(h) == {"loss", "accuracy", "learning_rate", "val_loss", "val_accuracy"}
    assert all(len(v) == 6 for v in h.values())
    assert h["acc"] is h["accuracy"] and h["val_acc"] is h["val_accuracy"]
    assert clf.validation_scores_ == h["val_accuracy"]
    assert clf.best_validation_score_ == max(h["val_accuracy"])
    assert clf.loss_curve_ == h["loss"]
    assert clf.t_ == 6 * 120  # 30 of the 150 rows held out


def test_validation_hold_out_is_stratified(multiclass_data, monkeypatch):
    X, y = multiclass_data
    seen = {}
    split = prepare._split

    def spy(*args, **kwargs):
        train, validation = split(*args, **kwargs)
        seen["val"] = np.bincount(y[validation.index])
        return train, validation

    monkeypatch.setattr(prepare, "_split", spy)
    MLPClassifier((4,), validation_fraction=0.2, max_iter=1, random_state=0).fit(X, y)
    assert list(seen["val"]) == [10, 10, 10]


def test_no_validation_history_without_a_hold_out(multiclass_data):
    X, y = multiclass_data
    clf = MLPClassifier((8,), max_iter=3, random_state=0).fit(X, y)
    assert set(clf.history_) == {"loss", "accuracy", "learning_rate"}


def _warm(validation_fraction, X, y):
    return MLPClassifier(
        (8,), max_iter=3, n_iter_no_change=None, warm_start=True,
        validation_fraction=validation_fraction, random_state=0,
    ).fit(X, y)  # fmt: skip


def test_switching_the_hold_out_on_keeps_history_aligned(multiclass_data, tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot

    X, y = multiclass_data
    clf = _warm(None, X, y)
    clf.set_params(validation_fraction=0.2).fit(X, y)
    assert clf.n_iter_ == 6
    assert_history_aligned(clf)
    for key in ("val_loss", "val_accuracy"):
        values = np.array(clf.history_[key])
        assert np.isnan(values[:3]).all() and np.isfinite(values[3:]).all(), key
    assert len(clf.validation_scores_) == 6
    assert clf.best_validation_score_ == np.nanmax(clf.history_["val_accuracy"])
    figure = plot_history(clf)
    figure.savefig(tmp_path / "history.png")
    matplotlib.pyplot.close(figure)


def test_switching_the_hold_out_off_keeps_history_aligned(multiclass_data):
    X, y = multiclass_data
    clf = _warm(0.2, X, y)
    first = list(clf.history_["val_loss"])
    clf.set_params(validation_fraction=None).fit(X, y)
    assert clf.n_iter_ == 6
    assert_history_aligned(clf)
    for key in ("val_loss", "val_accuracy"):
        values = np.array(clf.history_[key])
        assert np.isfinite(values[:3]).all() and np.isnan(values[3:]).all(), key
    assert clf.history_["val_loss"][:3] == first
    assert len(clf.validation_scores_) == 6
    assert np.isnan(clf.validation_scores_[3:]).all()
    clf.partial_fit(X, y)  # and partial_fit appends NaN, still aligned
    assert_history_aligned(clf)
    assert np.isnan(clf.history_["val_loss"][-1])


def test_early_stopping_holds_out_a_tenth_and_restores_the_best_weights(
    multiclass_data, monkeypatch
):
    X, y = multiclass_data
    snapshots = []
    original = Stopping.on_epoch_end

    def spy(self, state, plan):
        snapshots.append(state.theta.copy())
        return original(self, state, plan)

    monkeypatch.setattr(Stopping, "on_epoch_end", spy)
    clf = MLPClassifier(
        (16,),
        early_stopping=True,
        learning_rate=0.05,
        n_iter_no_change=5,
        max_iter=200,
        random_state=0,
    ).fit(X, y)
    val_loss = clf.history_["val_loss"]
    best = int(np.argmin(val_loss))
    assert best < len(val_loss) - 1  # it ran past its best epoch, then stopped
    assert len(val_loss) == best + 1 + 5
    assert clf.t_ == len(val_loss) * 135  # 15 of 150 rows held out
    assert clf.best_loss_ == val_loss[best]
    restored = np.concatenate([c.ravel() for c in clf.coefs_])
    expected = clf._network.unpack(snapshots[best])[0]
    np.testing.assert_array_equal(
        restored, np.concatenate([c.ravel() for c in expected])
    )


def _stopping_states(monitor, values):
    """Feed ``values`` of ``monitor`` to a Stopping rule (patience 2); the
    epoch at which it asks to stop, or None."""
    rule = Stopping(Comparison(monitor, tol=0.0), patience=2, keep_best=True)
    plan = SimpleNamespace(validation=np.zeros(3))  # a hold-out of 3 rows
    for epoch, value in enumerate(values, start=1):
        state = SimpleNamespace(
            metrics={monitor: value}, theta=np.full(2, float(epoch)),
            kept_theta=None, stop=False, epoch=epoch,
        )  # fmt: skip
        rule.on_epoch_end(state, plan)
        if state.stop:
            return epoch
    return None


def test_an_infinite_monitored_loss_is_no_improvement():
    """inf − tol is inf, so ``inf > best − tol`` was False and every infinite
    epoch reset the patience count: training never stopped."""
    assert _stopping_states("val_loss", [np.inf] * 6) == 2
    assert _stopping_states("val_loss", [1.0, np.inf, np.inf, 0.5]) == 3


def test_a_nan_monitored_metric_is_an_error_naming_it_and_the_epoch():
    undefined = r"metric='loss' is undefined .*\(3 rows\) in epoch 2"
    with pytest.raises(ValueError, match=undefined):
        _stopping_states("val_loss", [1.0, np.nan, 0.5])


def test_the_best_value_skips_undefined_epochs_and_keeps_a_zero():
    """best_loss_ and best_validation_score_ over a history: NaN epochs are
    undefined, a perfect 0.0 is a value like any other."""
    from sknn._base.estimator import _best

    assert _best(min, [0.5, np.nan, 0.0]) == 0.0
    assert _best(max, [np.nan, 0.25, 0.75]) == 0.75
    assert np.isnan(_best(max, [np.nan, np.nan]))
