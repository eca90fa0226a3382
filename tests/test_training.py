"""The seed's training features: dropout, class weights, validation, stopping,
history and divergence."""

import warnings
from types import SimpleNamespace

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import recall_score

from conftest import forward_proba
from sknn import DivergenceError, MLPClassifier
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


def test_balanced_class_weight_raises_minority_recall():
    X, y = make_classification(
        n_samples=600,
        n_features=8,
        weights=[0.95, 0.05],
        flip_y=0.0,
        class_sep=0.5,
        random_state=0,
    )
    params = dict(hidden_layer_sizes=(16,), max_iter=100, random_state=0)
    plain = MLPClassifier(**params).fit(X, y)
    balanced = MLPClassifier(class_weight="balanced", **params).fit(X, y)
    plain_recall = recall_score(y, plain.predict(X), pos_label=1)
    balanced_recall = recall_score(y, balanced.predict(X), pos_label=1)
    assert balanced_recall > plain_recall + 0.2


def test_class_weight_dict_equals_sample_weight(multiclass_data):
    X, y = multiclass_data
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    params = dict(hidden_layer_sizes=(8,), max_iter=10, random_state=0)
    weights = {"setosa": 3.0, "virginica": 0.5}
    by_class = MLPClassifier(class_weight=weights, **params).fit(X, labels)
    per_sample = np.vectorize(lambda c: weights.get(c, 1.0))(labels)
    by_sample = MLPClassifier(**params).fit(X, labels, sample_weight=per_sample)
    np.testing.assert_array_equal(by_class.coefs_[0], by_sample.coefs_[0])
    # and class weights multiply sample weights
    both = MLPClassifier(class_weight=weights, **params)
    both.fit(X, labels, sample_weight=np.full(len(y), 2.0))
    doubled = MLPClassifier(**params).fit(X, labels, sample_weight=2 * per_sample)
    np.testing.assert_array_equal(both.coefs_[0], doubled.coefs_[0])


def test_class_weight_naming_an_unknown_label_is_an_error(multiclass_data):
    X, y = multiclass_data
    with pytest.raises(ValueError, match="class_weight names labels \\[7\\]"):
        MLPClassifier(class_weight={0: 1.0, 7: 2.0}).fit(X, y)


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


def test_too_small_a_hold_out_names_validation_fraction(multiclass_data):
    X, y = multiclass_data
    with pytest.raises(ValueError, match=r"validation_fraction=0\.01"):
        MLPClassifier(validation_fraction=0.01).fit(X, y)
    y_rare = y.copy()
    y_rare[0] = 5  # a class with a single member cannot be stratified
    with pytest.raises(ValueError, match=r"validation_fraction=0\.2"):
        MLPClassifier(validation_fraction=0.2).fit(X, y_rare)


def test_divergence_names_learning_rate_and_epoch(multiclass_data):
    X, y = multiclass_data
    clf = MLPClassifier((32,), solver="sgd", learning_rate=1e4, random_state=0)
    with pytest.raises(DivergenceError, match=r"epoch \d+.*learning_rate=10000"):
        clf.fit(X * 100, y)
    assert not hasattr(clf, "coefs_")


def test_divergence_during_warm_start_keeps_the_previous_model(multiclass_data):
    X, y = multiclass_data
    clf = MLPClassifier(
        (32,),
        solver="sgd",
        learning_rate=0.01,
        warm_start=True,
        max_iter=5,
        random_state=0,
    ).fit(X, y)
    before = [c.copy() for c in clf.coefs_]
    proba = clf.predict_proba(X)
    history = {k: list(v) for k, v in clf.history_.items()}
    clf.set_params(learning_rate=1e4)
    with pytest.raises(DivergenceError, match="lower it"):
        clf.fit(X * 100, y)
    assert all(np.array_equal(a, b) for a, b in zip(before, clf.coefs_))
    assert np.array_equal(proba, clf.predict_proba(X))
    assert clf.history_ == history


def test_fit_makes_at_most_one_converted_copy_of_X(rng):
    import tracemalloc

    X = rng.random((20_000, 100), dtype=np.float32)
    y = (X[:, 0] > 0.5).astype(int)
    params = dict(
        hidden_layer_sizes=(16,), max_iter=1, validation_fraction=0.1, random_state=0
    )
    tracemalloc.start()
    try:
        MLPClassifier(**params).fit(X, y)  # float32: no copy at all
        _, peak = tracemalloc.get_traced_memory()
        assert peak < 0.25 * X.nbytes
        X_int = (X * 100).astype(np.int64)  # converted once, to float64
        tracemalloc.reset_peak()
        before, _ = tracemalloc.get_traced_memory()
        MLPClassifier(**params).fit(X_int, y)
        _, peak = tracemalloc.get_traced_memory()
        assert peak - before < 1.5 * X_int.nbytes
    finally:
        tracemalloc.stop()


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
