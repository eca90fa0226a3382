"""Incremental training: partial_fit, warm_start, and out-of-core training
over a CSV streamed in chunks with pandas."""

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split

from conftest import GRADIENT_SOLVERS, assert_same_params, params_of
from sknn import MLPClassifier

# short runs on purpose: "not converged" is expected, and not the point here
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.mark.parametrize("solver", GRADIENT_SOLVERS)
def test_partial_fit_is_one_epoch_of_the_solver(multiclass_data, solver):
    X, y = multiclass_data
    kwargs = dict(hidden_layer_sizes=(8,), solver=solver, dropout=0.2, random_state=0)
    one_epoch = MLPClassifier(max_iter=1, **kwargs).fit(X, y)
    partial = MLPClassifier(**kwargs).partial_fit(X, y, classes=[0, 1, 2])
    assert_same_params(partial, one_epoch)
    assert (partial.n_iter_, partial.t_) == (1, len(X))

    partial.partial_fit(X[:50], y[:50])
    assert (partial.n_iter_, partial.t_) == (2, len(X) + 50)
    assert len(partial.loss_curve_) == 2


def test_partial_fit_sample_weight(multiclass_data):
    """A weight of 2 in a partial_fit chunk counts the row twice (one
    minibatch holds the whole chunk either way: 150 and 200 rows)."""
    X, y = multiclass_data
    kwargs = dict(hidden_layer_sizes=(8,), batch_size="auto", shuffle=False)
    weights = np.where(y == 2, 2.0, 1.0)
    weighted = MLPClassifier(random_state=0, **kwargs)
    weighted.partial_fit(X, y, classes=[0, 1, 2], sample_weight=weights)
    repeated = MLPClassifier(random_state=0, **kwargs)
    repeat = np.repeat(np.arange(len(X)), weights.astype(int))
    repeated.partial_fit(X[repeat], y[repeat], classes=[0, 1, 2])
    assert_same_params(weighted, repeated, rtol=1e-10, atol=1e-12)
    unweighted = MLPClassifier(random_state=0, **kwargs)
    unweighted.partial_fit(X, y, classes=[0, 1, 2])
    assert not np.allclose(weighted.coefs_[0], unweighted.coefs_[0])


def test_label_outside_classes_is_a_clear_error(multiclass_data):
    X, y = multiclass_data
    labels = np.array(["a", "b", "c"])[y]
    clf = MLPClassifier((8,), random_state=0)
    with pytest.raises(ValueError, match=r"labels \['c'\] that are not in classes"):
        clf.partial_fit(X, labels, classes=["a", "b"])

    clf.partial_fit(X[y < 2], labels[y < 2], classes=["a", "b"])
    before = [p.copy() for p in params_of(clf)]
    with pytest.raises(ValueError, match=r"\['c'\].*not in classes"):
        clf.partial_fit(X, labels)
    # a failed call leaves the model as it was
    assert all(np.array_equal(p, q) for p, q in zip(before, params_of(clf)))
    assert clf.n_iter_ == 1


@pytest.mark.parametrize("solver", [*GRADIENT_SOLVERS, "lbfgs"])
def test_warm_start_continues(multiclass_data, solver):
    X, y = multiclass_data
    clf = MLPClassifier(
        (8,),
        solver=solver,
        learning_rate=0.01,
        max_iter=5,
        n_iter_no_change=None,
        random_state=0,
    )
    clf.fit(X, y)
    first = list(clf.loss_curve_)
    first_coefs = [c.copy() for c in clf.coefs_]
    n_first = clf.n_iter_
    clf.set_params(warm_start=True).fit(X, y)
    assert clf.n_iter_ == 2 * n_first == 10  # max_iter more epochs
    assert len(clf.loss_curve_) == clf.n_iter_
    assert clf.loss_curve_[:n_first] == first  # history kept and extended
    # training went on from the fitted weights, not from a fresh start
    assert clf.loss_curve_[n_first] < first[0]
    assert not np.array_equal(first_coefs[0], clf.coefs_[0])

    clf.set_params(warm_start=False).fit(X, y)
    assert clf.loss_curve_ == first  # warm_start=False starts over
    assert np.array_equal(clf.coefs_[0], first_coefs[0])  # as the first fit


def test_out_of_core_training_from_csv_chunks(tmp_path):
    """partial_fit over a CSV streamed with pandas.read_csv(chunksize=...)
    reaches the test accuracy of a plain fit to within MARGIN."""
    MARGIN = 0.03
    X, y = make_classification(
        n_samples=3000,
        n_features=10,
        n_informative=6,
        n_classes=3,
        class_sep=1.5,
        random_state=0,
    )
    labels = np.array(["ant", "bee", "cat"])[y]
    X_train, X_test, y_train, y_test = train_test_split(
        X, labels, test_size=0.25, random_state=0, stratify=labels
    )
    columns = [f"f{i}" for i in range(X.shape[1])]
    path = tmp_path / "train.csv"
    frame = pd.DataFrame(X_train, columns=columns).assign(label=y_train)
    frame.to_csv(path, index=False)
    test = pd.DataFrame(X_test, columns=columns)

    params = dict(hidden_layer_sizes=(32,), learning_rate=3e-3, random_state=0)
    epochs = 8
    plain = MLPClassifier(max_iter=epochs, n_iter_no_change=None, **params)
    plain.fit(frame[columns], frame["label"])
    plain_accuracy = plain.score(test, y_test)

    streamed = MLPClassifier(**params)
    n_chunks = 0
    for _ in range(epochs):
        for chunk in pd.read_csv(path, chunksize=250):
            streamed.partial_fit(
                chunk[columns], chunk["label"], classes=["ant", "bee", "cat"]
            )
            n_chunks += 1
    streamed_accuracy = streamed.score(test, y_test)

    assert n_chunks == epochs * 9  # 2250 rows in chunks of 250
    assert streamed.t_ == epochs * len(frame)
    assert streamed.feature_names_in_.tolist() == columns
    assert plain_accuracy > 0.8
    assert streamed_accuracy >= plain_accuracy - MARGIN, (
        streamed_accuracy,
        plain_accuracy,
    )
