"""Prediction and scoring on Dask collections: block by block where the data
lives, lazy until computed, the same values as on the NumPy array.

Equalities under the synchronous scheduler (one process, the same BLAS:
predictions are row-wise, so a row gets the same bits whichever block it is
in); one test on a two-process ``LocalCluster``. ``import sknn`` imports no
Dask.
"""

import pickle
import subprocess
import sys
import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification, make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning, NotFittedError

from sknn import MLPClassifier, MLPRegressor

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")  # needs pyarrow
lbfgs = pytest.importorskip("sknn._dask.lbfgs")

# more rows than the model's own prediction blocks (PREDICT_ROWS = 2048), in
# Dask chunks that do not line up with them
N, CHUNK = 5000, 1300
COLUMNS = [f"f{i}" for i in range(6)]
CLASSIFIER_METHODS = ["predict", "predict_proba", "predict_log_proba", "transform"]
REGRESSOR_METHODS = ["predict", "transform"]
KINDS = ["binary", "multiclass", "multilabel", "regression", "multioutput"]


@pytest.fixture(autouse=True)
def synchronous():
    with dask.config.set(scheduler="synchronous"):
        yield


def data(kind, dtype=np.float64):
    if kind == "multilabel":
        X, y = make_multilabel_classification(N, 6, n_classes=3, random_state=0)
        X = (X - X.mean(axis=0)) / X.std(axis=0)
    else:
        X, y = make_classification(
            N,
            6,
            n_informative=4,
            n_classes=2 if kind == "binary" else 3,
            random_state=0,
        )
        if kind == "regression":
            y = X[:, 0] + 0.5 * X[:, 1] ** 2
        elif kind == "multioutput":
            y = np.c_[X[:, 0] + X[:, 2], X[:, 1] * X[:, 3]]
    return X.astype(dtype), y


def fitted(kind, dtype=np.float64, X=None):
    X0, y = data(kind, dtype)
    Estimator = MLPRegressor if kind in ("regression", "multioutput") else MLPClassifier
    model = Estimator((16, 8), max_iter=3, batch_size=500, random_state=0)
    return model.fit(X0 if X is None else X, y)


def methods(model):
    return CLASSIFIER_METHODS if isinstance(model, MLPClassifier) else REGRESSOR_METHODS


def tolerance(dtype):
    """For comparing with one NumPy call on all the rows: BLAS chooses its
    kernels by the shape of a product, so the same row can come out of
    different numbers of rows with its last bits changed (a 1-row call
    differs from a 2048-row call without Dask, see
    test_blas_changes_last_bits_with_the_number_of_rows); a few ulps per
    product, grown through the layers."""
    return 64 * np.finfo(dtype).eps


def assert_same(lazy, model, method, X, chunks):
    """A lazy Dask array with ``chunks`` along rows, the dtype and shape of
    ``model.<method>(X)``: bit for bit the NumPy result on the same blocks of
    rows, and that on all the rows at once to ``tolerance``."""
    eager = getattr(model, method)(X)
    assert isinstance(lazy, da.Array)
    assert lazy.chunks[0] == chunks
    assert lazy.dtype == eager.dtype and lazy.shape == eager.shape
    assert lazy._meta.ndim == eager.ndim  # the metadata dask propagates
    computed = lazy.compute()
    assert computed.dtype == eager.dtype and computed.shape == eager.shape
    rows = X.iloc if hasattr(X, "iloc") else X
    ends = np.cumsum(chunks)
    blocks = [
        getattr(model, method)(rows[end - n : end])
        for n, end in zip(chunks, ends, strict=True)
        if n
    ]
    np.testing.assert_array_equal(computed, np.concatenate(blocks), strict=True)
    if np.issubdtype(eager.dtype, np.floating):
        tol = tolerance(eager.dtype)
        np.testing.assert_allclose(computed, eager, rtol=tol, atol=tol)
    else:
        np.testing.assert_array_equal(computed, eager, strict=True)


def test_blas_changes_last_bits_with_the_number_of_rows():
    """Why the comparisons with one call on all rows have a tolerance: the
    in-memory path alone gives a row other bits in a 1-row call."""
    model = fitted("binary")
    X, _ = data("binary")
    alone = np.concatenate([model.predict_proba(X[i : i + 1]) for i in range(200)])
    together = model.predict_proba(X[:200])
    tol = tolerance(X.dtype)
    np.testing.assert_allclose(alone, together, rtol=tol, atol=tol)


# ------------------------------------------------------------------ no Dask


def test_import_sknn_imports_no_dask():
    code = (
        "import sys, sknn; "
        "loaded = [m for m in sys.modules if m == 'dask' or m.startswith('dask.')]; "
        "assert not loaded, loaded"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# -------------------------------------------------------------- equalities


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", KINDS)
def test_every_method_on_a_dask_array_equals_numpy(kind, dtype):
    model = fitted(kind, dtype)
    X, _ = data(kind, dtype)
    Xd = da.from_array(X, chunks=(CHUNK, -1))
    for method in methods(model):
        assert_same(getattr(model, method)(Xd), model, method, X, Xd.chunks[0])


def test_a_dask_dataframe_with_unknown_lengths_equals_pandas():
    X, y = data("multiclass")
    frame = pd.DataFrame(X, columns=COLUMNS)
    model = fitted("multiclass", X=frame)
    ddf = dd.from_pandas(frame, npartitions=4)
    assert np.isnan(ddf.to_dask_array().chunks[0]).all()  # lengths unknown
    lengths = tuple(len(part) for part in ddf.partitions)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # names match: no warning, as pandas
        for method in CLASSIFIER_METHODS:
            assert_same(getattr(model, method)(ddf), model, method, frame, lengths)
        assert model.score(ddf, dd.from_pandas(pd.Series(y), npartitions=3)) == (
            pytest.approx(model.score(frame, y), rel=1e-12)
        )


def test_a_dask_dataframe_gets_the_feature_name_checks_of_pandas():
    X, _ = data("multiclass")
    frame = pd.DataFrame(X, columns=COLUMNS)
    named = fitted("multiclass", X=frame)
    swapped = frame[COLUMNS[::-1]]
    with pytest.raises(ValueError) as eager:
        named.predict(swapped)
    with pytest.raises(ValueError) as lazy:
        named.predict(dd.from_pandas(swapped, npartitions=2))
    assert str(lazy.value) == str(eager.value)
    # fitted with names, given an array: scikit-learn's warning, once
    with pytest.warns(UserWarning, match="does not have valid feature names") as rec:
        named.predict_proba(da.from_array(X, chunks=(CHUNK, -1))).compute()
    assert len(rec) == 1
    # fitted without names, given a frame: the other warning
    unnamed = fitted("multiclass")
    with pytest.warns(UserWarning, match="fitted without feature names"):
        unnamed.predict(dd.from_pandas(frame, npartitions=2))


def test_unknown_chunk_sizes_and_empty_blocks():
    model = fitted("binary")
    X, _ = data("binary")
    Xd = da.from_array(X, chunks=(CHUNK, -1))
    kept = X[:, 0] > 0
    masked = Xd[da.from_array(kept, chunks=CHUNK)]  # row chunks of unknown size
    assert np.isnan(masked.chunks[0]).all()
    lazy = model.predict_proba(masked)
    assert not np.isnan(lazy.chunks[0]).any()
    assert sum(lazy.chunks[0]) == kept.sum()
    assert_same(lazy, model, "predict_proba", X[kept], lazy.chunks[0])
    padded = da.from_array(X, chunks=((0, 2000, 0, 3000), (6,)))  # 0-row blocks
    assert 0 in padded.chunks[0]
    assert_same(model.predict(padded), model, "predict", X, padded.chunks[0])


def test_results_are_lazy_and_the_model_is_in_the_graph_once():
    model = fitted("multiclass")
    X, _ = data("multiclass")
    seen = []

    def record(block):
        seen.append(len(block))
        return block

    Xd = da.from_array(X, chunks=(CHUNK, -1)).map_blocks(record, meta=X[:0])
    lazy = model.predict_proba(Xd)
    assert seen == []  # nothing ran
    graph = dict(lazy.__dask_graph__())
    models = [k for k in graph if str(k).startswith("sknn-mlpclassifier-")]
    assert len(models) == 1
    assert_same(lazy, model, "predict_proba", X, Xd.chunks[0])
    assert sorted(seen) == sorted(Xd.chunks[0])


# ------------------------------------------------------------------ refusals


def test_columns_in_several_chunks_are_refused():
    model = fitted("binary")
    X, _ = data("binary")
    Xd = da.from_array(X, chunks=(CHUNK, 3))
    for method in CLASSIFIER_METHODS:
        with pytest.raises(ValueError, match=r"rechunk\({1: -1}\)"):
            getattr(model, method)(Xd)
    with pytest.raises(ValueError, match="chunked along its columns"):
        model.score(Xd, np.zeros(N))


def test_the_in_memory_errors_come_before_anything_runs():
    X, y = data("binary")
    Xd = da.from_array(X, chunks=(CHUNK, -1))
    with pytest.raises(NotFittedError):
        MLPClassifier().predict(Xd)
    model = fitted("binary")
    with pytest.raises(ValueError) as eager:
        model.predict(X[:, :4])
    with pytest.raises(ValueError) as lazy:
        model.predict(Xd[:, :4])
    assert str(lazy.value) == str(eager.value)
    flat = MLPRegressor(()).fit(X[:50], y[:50])
    with pytest.raises(ValueError, match="no hidden layer"):
        flat.transform(Xd)
    with pytest.raises(ValueError, match="y has 10 rows and X has 5000"):
        model.score(Xd, y[:10])
    with pytest.raises(TypeError, match="Dask arrays and Dask DataFrames"):
        model.predict(dask.delayed(X))
    model.set_output(transform="pandas")  # would gather X's rows
    with pytest.raises(ValueError, match=r"set_output\(transform='default'\)"):
        model.transform(Xd)


# -------------------------------------------------------------------- score


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_score_equals_the_in_memory_score(kind, dtype):
    model = fitted(kind, dtype)
    X, y = data(kind, dtype)
    weights = np.random.default_rng(0).uniform(0, 2, N)
    Xd = da.from_array(X, chunks=(CHUNK, -1))
    yd = da.from_array(y, chunks=1000)  # other chunks than X: rechunked
    wd = da.from_array(weights, chunks=2000)
    # accuracy: sums of 0/1 (exact); R²: float64 sums in another order than
    # scikit-learn's, which sums in the predictions' dtype
    rel = (
        1e-12
        if kind not in ("regression", "multioutput")
        else (100 * float(np.finfo(dtype).eps))
    )
    for target in (y, yd):
        for w, weight in ((None, None), (weights, weights), (weights, wd)):
            score = model.score(Xd, target, sample_weight=weight)
            assert type(score) is float
            assert score == pytest.approx(model.score(X, y, sample_weight=w), rel=rel)


# ------------------------------------------------------------------ pickles


def test_pickled_models_between_numpy_and_dask():
    X, _ = data("multiclass")
    Xd = da.from_array(X, chunks=(CHUNK, -1))
    trained = fitted("multiclass")
    expected = trained.predict_proba(X)
    # trained on NumPy, pickled, predicting on Dask
    restored = pickle.loads(pickle.dumps(trained))
    lazy = restored.predict_proba(Xd)
    assert_same(lazy, trained, "predict_proba", X, Xd.chunks[0])
    # used on Dask, pickled, predicting on NumPy: the Dask path left no state
    trained.predict(Xd).compute()
    again = pickle.loads(pickle.dumps(trained))
    np.testing.assert_array_equal(again.predict_proba(X), expected)
    assert not any("dask" in type(v).__module__ for v in vars(again).values())


# -------------------------------------------------------- a real cluster


def test_on_a_local_cluster(cluster_client):
    distributed = pytest.importorskip("distributed")
    clf, reg = fitted("multiclass"), fitted("multioutput")
    X, y = data("multiclass")
    _, Y = data("multioutput")
    Xd = da.from_array(X, chunks=(CHUNK, -1))
    with (
        dask.config.set(scheduler=cluster_client.get),
        distributed.get_task_stream(cluster_client) as tasks,
    ):
        proba = clf.predict_proba(Xd).compute()
        accuracy = clf.score(Xd, y)
        r2 = reg.score(Xd, da.from_array(Y, chunks=CHUNK))
    assert {task["worker"] for task in tasks.data} == set(
        cluster_client.scheduler_info()["workers"]
    )
    # other processes, the same BLAS, the same blocks: the same bits
    blocks = [clf.predict_proba(X[i : i + CHUNK]) for i in range(0, N, CHUNK)]
    np.testing.assert_array_equal(proba, np.concatenate(blocks))
    assert accuracy == pytest.approx(clf.score(X, y), rel=1e-12)
    assert r2 == pytest.approx(reg.score(X, Y), rel=1e-12)


# ====================================================== fitting on Dask input
#
# The data stays where it lives: X, y and the weights are checked from a
# summary the workers compute, L-BFGS sums J and its gradient over the
# partitions, the gradient solvers visit the blocks.


def dask_inputs(X, y, chunk=CHUNK, w=None):
    """X, y (and w) as Dask arrays with ``chunk`` rows per block."""
    Xd = da.from_array(X, chunks=(chunk, -1))
    yd = da.from_array(y, chunks=(chunk, *y.shape[1:]))
    wd = None if w is None else da.from_array(w, chunks=chunk)
    return Xd, yd, wd


def estimator_for(kind, **params):
    Estimator = MLPRegressor if kind in ("regression", "multioutput") else MLPClassifier
    return Estimator(**{"hidden_layer_sizes": (8, 5), "random_state": 0, **params})


def quiet(model, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(*args, **kwargs)


# ------------------------------------------------------------------ inputs


def validated_both(estimator, X, y, w, Xd, yd, wd):
    from sknn._base import prepare
    from sknn._dask import fit

    local = prepare.validated(
        clone(estimator), prepare.FitArguments(X, y, w),
        incremental=False, continuing=False,
    )  # fmt: skip
    distributed = fit.validated(
        clone(estimator), prepare.FitArguments(Xd, yd, wd),
        incremental=False, continuing=False,
    )  # fmt: skip
    return local, distributed


@pytest.mark.parametrize("class_weight", [None, "balanced", {0: 3.0, 2: 0.5}])
def test_targets_and_weights_equal_the_in_memory_ones(class_weight):
    X, y = data("multiclass")
    y = y[:N]
    w = np.random.default_rng(1).uniform(0, 2, N)
    model = MLPClassifier(class_weight=class_weight, label_smoothing=0.1)
    local, lazy = validated_both(model, X, y, w, *dask_inputs(X, y, w=w))
    np.testing.assert_array_equal(lazy.targets.classes, local.targets.classes)
    assert lazy.targets.kind == local.targets.kind
    np.testing.assert_array_equal(lazy.targets.T.compute(), local.targets.T)
    np.testing.assert_array_equal(lazy.weights.compute(), local.weights)
    assert lazy.total_weight == pytest.approx(local.weights.sum(), rel=1e-12)


# Dask keeps string labels as pandas strings: sknn takes them without the
# warning Dask gives when it converts them to NumPy
@pytest.mark.filterwarnings("error::UserWarning")
def test_labels_of_a_dask_series_and_a_dataframe_with_unknown_lengths():
    X, y = data("multiclass")
    labels = np.array(["cat", "dog", "emu"], dtype=object)[y]
    frame = pd.DataFrame(X, columns=COLUMNS)
    ddf = dd.from_pandas(frame, npartitions=4)
    series = dd.from_pandas(pd.Series(labels), npartitions=3)  # other partitions
    params = {"solver": "lbfgs", "max_iter": 5}
    lazy = quiet(estimator_for("multiclass", **params), ddf, series)
    eager = quiet(estimator_for("multiclass", **params), frame, labels)
    assert list(lazy.classes_) == ["cat", "dog", "emu"]
    assert list(lazy.feature_names_in_) == COLUMNS and lazy.n_features_in_ == 6
    np.testing.assert_allclose(
        lazy.predict_proba(frame), eager.predict_proba(frame), rtol=1e-6, atol=1e-9
    )


def test_in_memory_y_and_weights_are_cut_into_the_chunks_of_x():
    X, y = data("binary")
    w = np.random.default_rng(0).uniform(0, 2, N)
    Xd, yd, wd = dask_inputs(X, y, w=w)
    params = {"solver": "lbfgs", "max_iter": 5}
    given = quiet(estimator_for("binary", **params), Xd, y, w)
    rechunked = quiet(estimator_for("binary", **params), Xd, yd.rechunk(700), wd)
    np.testing.assert_array_equal(given.coefs_[0], rechunked.coefs_[0])


def test_the_fit_never_brings_the_collections_to_the_client(monkeypatch):
    """Only the summaries, the sums and the first rows (the final divergence
    check) are computed: nothing turns a whole collection into an array."""
    X, y = data("multiclass")
    Xd, yd, _ = dask_inputs(X, y)

    def refuse(*args, **kwargs):
        raise AssertionError("a Dask array was turned into a NumPy array")

    monkeypatch.setattr(da.Array, "__array__", refuse)
    for solver in ("lbfgs", "adam"):
        quiet(estimator_for("multiclass", solver=solver, max_iter=2), Xd, yd)


def in_memory_error(fit, *args):
    with pytest.raises((ValueError, TypeError)) as error:
        fit(*args)
    return str(error.value)


@pytest.mark.parametrize(
    "case", ["nan", "inf", "negative_weight", "continuous", "one_class", "poisson"]
)
def test_bad_input_gets_the_in_memory_error(case):
    X, y = data("multiclass")
    w = np.ones(N)
    model = estimator_for("multiclass", max_iter=1)
    if case == "nan":
        X = X.copy()
        X[123, 2] = np.nan
    elif case == "inf":
        X = X.copy()
        X[4000, 0] = np.inf
    elif case == "negative_weight":
        w[7] = -1
    elif case == "continuous":
        y = X[:, 0]
    elif case == "one_class":
        y = np.zeros(N)
    else:
        model = estimator_for("regression", loss="poisson", max_iter=1)
        y = -np.abs(X[:, 0])
    eager = in_memory_error(clone(model).fit, X, y, w)
    lazy = in_memory_error(clone(model).fit, *dask_inputs(X, y, w=w))
    assert lazy == eager


def test_misaligned_and_column_chunked_inputs_are_refused():
    X, y = data("binary")
    model = estimator_for("binary", max_iter=1)
    with pytest.raises(ValueError, match=r"rechunk\({1: -1}\)"):
        model.fit(da.from_array(X, chunks=(CHUNK, 3)), y)
    Xd, yd, _ = dask_inputs(X, y)
    with pytest.raises(ValueError, match="y has 4999 rows and X has 5000"):
        model.fit(Xd, yd[1:])
    with pytest.raises(ValueError, match="sample_weight has 10 rows and X has 5000"):
        model.fit(Xd, yd, np.ones(10))
    with pytest.raises(ValueError, match="holds out a stratified random part"):
        clone(model).set_params(early_stopping=True).fit(Xd, yd)
    with pytest.raises(ValueError, match="not in classes"):
        clone(model).partial_fit(Xd, yd, classes=[0, 5])
    assert not hasattr(model, "coefs_")  # nothing changed


# ------------------------------------------------------------------ L-BFGS


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_lbfgs_j_and_gradient_equal_the_in_memory_ones(dtype, monkeypatch):
    """At the same θ, with sample and class weights and L2, in sub-batches
    of a few rows in blocks of other sizes."""
    from sknn._dask import fit, rows
    from sknn._math.network import Backprop, Network
    from sknn._training.loop import full_batch_objective

    monkeypatch.setattr(rows, "SUB_BATCH_VALUES", 300)  # 300 // (6+8+5+3) = 13 rows
    X, y = data("multiclass", dtype)
    w = np.random.default_rng(2).uniform(0, 2, N).astype(dtype)
    model = MLPClassifier((8, 5), alpha=0.3, class_weight="balanced", solver="lbfgs")
    local, lazy = validated_both(model, X, y, w, *dask_inputs(X, y, w=w))
    network = Network((6, 8, 5, 3), "relu", local.targets.output, (0.0, 0.0))
    theta = network.initialize(np.random.default_rng(0), dtype)
    train = fit._rows(model, lazy)
    assert train.max_batch_rows == 13

    def plan_for(train, batch_rows):
        backprop = Backprop(network, batch_rows, dtype)
        return SimpleNamespace(backprop=backprop, alpha=0.3, batch_size=batch_rows,
                               train=train)  # fmt: skip

    results = []
    for objective in (
        full_batch_objective(plan_for(local.rows(), N)),
        lbfgs.objective(train, plan_for(train, train.max_batch_rows)),
    ):
        grad = np.zeros_like(theta)
        accuracy = model._codec().metric(network.output)()
        results.append((objective(theta, grad, accuracy), grad, accuracy.value()))
    (J, grad, accuracy), (J_dask, grad_dask, accuracy_dask) = results
    tol = 50 * float(np.finfo(dtype).eps)
    assert J_dask == pytest.approx(J, rel=tol)
    np.testing.assert_allclose(grad_dask, grad, rtol=tol, atol=tol * np.abs(grad).max())
    assert accuracy_dask == accuracy


@pytest.mark.parametrize("kind", ["multiclass", "multioutput"])
def test_lbfgs_fit_on_dask_equals_the_in_memory_fit(kind):
    X, y = data(kind)
    w = np.random.default_rng(3).uniform(0.5, 1.5, N)
    params = {"solver": "lbfgs", "max_iter": 40, "alpha": 0.01}
    if kind == "multiclass":
        params["class_weight"] = "balanced"
    eager = quiet(estimator_for(kind, **params), X, y, w)
    lazy = quiet(estimator_for(kind, **params), *dask_inputs(X, y, w=w))
    assert lazy.n_iter_ == eager.n_iter_
    method = "predict_proba" if kind == "multiclass" else "predict"
    np.testing.assert_allclose(
        getattr(lazy, method)(X), getattr(eager, method)(X), rtol=1e-4, atol=1e-8
    )
    np.testing.assert_allclose(lazy.loss_curve_, eager.loss_curve_, rtol=1e-6)


def test_lbfgs_tasks_and_the_client_hold_a_bounded_number_of_rows(monkeypatch):
    """A sub-batch holds at most SUB_BATCH_VALUES numbers of X and of the
    activations together; the client reads no more rows of X than that (the
    divergence check at the end of the fit)."""
    from sknn._dask import rows

    monkeypatch.setattr(rows, "SUB_BATCH_VALUES", 1000)
    sizes, read = [], []
    original, original_batch = lbfgs.part_backprop, rows.DaskRows.batch

    def recording(network, X, chunk, token=None):
        backprop = original(network, X, chunk, token)
        sizes.append(backprop.Z[0].shape[0])
        return backprop

    def reading(self, start, stop, order=None, buffer=None):
        read.append(stop - start)
        return original_batch(self, start, stop, order, buffer)

    monkeypatch.setattr(lbfgs, "part_backprop", recording)
    monkeypatch.setattr(rows.DaskRows, "batch", reading)
    X, y = data("binary")
    quiet(estimator_for("binary", solver="lbfgs", max_iter=2), *dask_inputs(X, y)[:2])
    bound = 1000 // (X.shape[1] + 8 + 5 + 1)  # features, hidden (8, 5), 1 output
    assert sizes and max(sizes) == bound
    assert read and max(read) == bound


def test_lbfgs_tasks_of_a_fit_share_one_backprop_per_worker_thread(monkeypatch):
    """On a distributed worker the partitions of a fit reuse one Backprop's
    buffers (fresh ones are page-faulted in again under Dask's malloc trim
    threshold); the fit is the same, bit for bit."""
    from sknn._dask import rows

    X, y = data("multiclass")
    params = {"solver": "lbfgs", "max_iter": 5}
    fresh_buffers = quiet(estimator_for("multiclass", **params), *dask_inputs(X, y)[:2])
    made = []

    class Counted(rows.Backprop):
        def __init__(self, *args, **kwargs):
            made.append(args[1])
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(rows, "_on_a_worker", lambda: True)
    monkeypatch.setattr(rows, "Backprop", Counted)
    shared = quiet(estimator_for("multiclass", **params), *dask_inputs(X, y)[:2])
    assert len(dask_inputs(X, y)[0].chunks[0]) > 1
    assert made == [rows.sub_batch_rows(N, (6, 8, 5, 3))]  # one, for the fit
    assert_same_fit(shared, fresh_buffers)
    made.clear()
    quiet(estimator_for("multiclass", **params), *dask_inputs(X, y)[:2])
    assert len(made) == 1  # another fit: its own


# ------------------------------------------------------ gradient solvers


BLOCK_PARAMS = {
    "max_iter": 4,
    "batch_size": 100,
    "dropout": 0.2,  # the training generator travels with the model
    "learning_rate_schedule": "cosine",  # so does the schedule, per step
    "alpha": 0.01,
}


def assert_same_fit(lazy, eager):
    assert lazy.n_iter_ == eager.n_iter_
    for a, b in zip(lazy.coefs_ + lazy.intercepts_, eager.coefs_ + eager.intercepts_):
        np.testing.assert_array_equal(a, b, strict=True)
    assert lazy.history_ == eager.history_


@pytest.mark.parametrize("solver", ["sgd", "rmsprop", "adam"])
@pytest.mark.parametrize("kind", ["multiclass", "regression"])
def test_a_single_block_trains_as_the_numpy_array(solver, kind):
    X, y = data(kind)
    X_val, y_val = X[:500], y[:500]
    params = {**BLOCK_PARAMS, "solver": solver, "early_stopping": True}
    eager = quiet(estimator_for(kind, **params), X, y, X_val=X_val, y_val=y_val)
    Xd, yd, _ = dask_inputs(X, y, chunk=N)
    for validation in ((X_val, y_val), dask_inputs(X_val, y_val, chunk=500)[:2]):
        lazy = quiet(
            estimator_for(kind, **params), Xd, yd,
            X_val=validation[0], y_val=validation[1],
        )  # fmt: skip
        assert_same_fit(lazy, eager)


def test_blocks_differ_from_numpy_only_in_the_order_of_the_rows():
    """Without shuffling, blocks of whole batches in order are the rows in
    order: the same fit, bit for bit, whatever the number of blocks; the
    shuffled fits differ."""
    X, y = data("multiclass")
    w = np.random.default_rng(4).uniform(0, 2, N)
    params = {**BLOCK_PARAMS, "shuffle": False, "class_weight": "balanced"}
    eager = quiet(estimator_for("multiclass", **params), X, y, w)
    lazy = quiet(estimator_for("multiclass", **params), *dask_inputs(X, y, 1000, w))
    assert_same_fit(lazy, eager)
    shuffled = {**params, "shuffle": True}
    eager = quiet(estimator_for("multiclass", **shuffled), X, y, w)
    lazy = quiet(estimator_for("multiclass", **shuffled), *dask_inputs(X, y, 1000, w))
    again = quiet(estimator_for("multiclass", **shuffled), *dask_inputs(X, y, 1000, w))
    assert_same_fit(again, lazy)  # reproducible from random_state
    assert not np.array_equal(lazy.coefs_[0], eager.coefs_[0])
    assert lazy.score(X, y) == pytest.approx(eager.score(X, y), abs=0.05)


def test_each_epoch_visits_the_blocks_in_a_new_random_order(monkeypatch):
    from sknn._dask import blocks

    visits = []
    original = blocks._visit

    def recording(plan, state, events, schedule, part):
        visits.append((state.epoch, part[0].key))
        return original(plan, state, events, schedule, part)

    monkeypatch.setattr(blocks, "_visit", recording)
    X, y = data("binary")
    quiet(estimator_for("binary", max_iter=3), *dask_inputs(X, y, 1000)[:2])
    orders = [[key for epoch, key in visits if epoch == e] for e in (1, 2, 3)]
    assert all(sorted(order) == sorted(orders[0]) for order in orders)
    assert len(orders[0]) == 5 and len({tuple(order) for order in orders}) > 1


def test_partial_fit_is_one_pass_over_the_blocks_and_warm_start_continues():
    X, y = data("multiclass")
    params = {"max_iter": 2, "batch_size": 100, "shuffle": False}
    Xd, yd, _ = dask_inputs(X, y, 1000)
    eager = estimator_for("multiclass", **params)
    lazy = estimator_for("multiclass", **params)
    for _ in range(2):
        eager.partial_fit(X, y, classes=[0, 1, 2])
        lazy.partial_fit(Xd, yd, classes=[0, 1, 2])
    assert_same_fit(lazy, eager)
    eager = quiet(estimator_for("multiclass", warm_start=True, **params), X, y)
    lazy = quiet(estimator_for("multiclass", warm_start=True, **params), Xd, yd)
    assert_same_fit(quiet(lazy, Xd, yd), quiet(eager, X, y))
    assert lazy.n_iter_ == 4


def test_the_progress_line_advances_per_block(capsys):
    X, y = data("binary")
    quiet(estimator_for("binary", max_iter=2, verbose=2), *dask_inputs(X, y)[:2])
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[:2] for line in lines] == [["Epoch", "1/2"], ["Epoch", "2/2"]]
    assert all(f"{N}/{N}" in line and "loss:" in line for line in lines)


def test_an_interrupted_fit_keeps_the_last_completed_epoch(monkeypatch):
    from sknn._dask import blocks

    X, y = data("binary")
    Xd, yd, _ = dask_inputs(X, y, 1000)
    visits = []
    original = blocks._visit

    def interrupt(plan, state, events, schedule, part):
        if len(visits) == 7:  # during the second epoch
            raise KeyboardInterrupt
        visits.append(state.theta.copy())
        return original(plan, state, events, schedule, part)

    monkeypatch.setattr(blocks, "_visit", interrupt)
    model = estimator_for("binary", max_iter=5)
    with pytest.warns(UserWarning, match="interrupted during epoch 2"):
        model.fit(Xd, yd)
    assert model.n_iter_ == 1
    np.testing.assert_array_equal(model.coefs_[0].ravel(), visits[5][: 6 * 8])


def test_fit_on_a_local_cluster(cluster_client):
    """The model travels between the two worker processes; the block-wise
    fit of a single block equals the NumPy fit to rtol 1e-10 (other
    processes, other BLAS threads), L-BFGS over blocks the local L-BFGS to
    rtol 1e-4; the model pickles and predicts on NumPy."""
    distributed = pytest.importorskip("distributed")
    X, y = data("multiclass")
    X_val, y_val = X[:500], y[:500]
    adam = {**BLOCK_PARAMS, "early_stopping": True}
    lbfgs_params = {"solver": "lbfgs", "max_iter": 30, "class_weight": "balanced"}
    eager = quiet(estimator_for("multiclass", **adam), X, y, X_val=X_val, y_val=y_val)
    eager_lbfgs = quiet(estimator_for("multiclass", **lbfgs_params), X, y)
    with (
        dask.config.set(scheduler=cluster_client.get),
        distributed.get_task_stream(cluster_client) as tasks,
    ):
        Xd, yd, _ = dask_inputs(X, y, chunk=N)
        lazy = quiet(
            estimator_for("multiclass", **adam), Xd, yd,
            X_val=da.from_array(X_val), y_val=y_val,
        )  # fmt: skip
        lazy_lbfgs = quiet(
            estimator_for("multiclass", **lbfgs_params), *dask_inputs(X, y)[:2]
        )
    assert {task["worker"] for task in tasks.data} == set(
        cluster_client.scheduler_info()["workers"]
    )
    assert lazy.n_iter_ == eager.n_iter_
    for a, b in zip(lazy.coefs_ + lazy.intercepts_, eager.coefs_ + eager.intercepts_):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(lazy.loss_curve_, eager.loss_curve_, rtol=1e-10)
    assert lazy_lbfgs.n_iter_ == eager_lbfgs.n_iter_
    restored = pickle.loads(pickle.dumps(lazy_lbfgs))
    assert not any("dask" in type(v).__module__ for v in vars(restored).values())
    np.testing.assert_allclose(
        restored.predict_proba(X), eager_lbfgs.predict_proba(X), rtol=1e-4, atol=1e-8
    )


# ------------------------------------------- scorers, callbacks, hold-outs


def test_scorers_on_a_dask_hold_out_equal_the_in_memory_ones():
    """The hold-out stays on the cluster; the scorers' metrics receive its
    labels and predictions (computed block by block), never X_val."""
    X, y = data("multiclass")
    X_val, y_val = X[:600], y[:600]
    params = {**BLOCK_PARAMS, "scoring": ["f1_macro", "neg_log_loss"]}
    eager = quiet(estimator_for("multiclass", **params), X, y, X_val=X_val, y_val=y_val)
    Xd, yd, _ = dask_inputs(X, y, chunk=N)
    lazy = quiet(
        estimator_for("multiclass", **params), Xd, yd,
        X_val=da.from_array(X_val, chunks=(250, -1)), y_val=da.from_array(y_val),
    )  # fmt: skip
    assert lazy.history_.keys() == eager.history_.keys()
    for key in ("val_f1_macro", "val_neg_log_loss", "val_loss"):
        np.testing.assert_allclose(lazy.history_[key], eager.history_[key], rtol=1e-9)


class DaskScores:
    """A scikit-learn callback that scores each epoch's model on the
    training collections it receives."""

    def __init__(self):
        self.seen = []

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context, **kwargs):
        pass

    def on_fit_task_end(
        self, estimator, context, *, X=None, y=None, fitted_estimator=None, **kwargs
    ):
        if context.task_name == "epoch":
            self.seen.append((X, fitted_estimator.score(X, y)))


def test_callbacks_receive_the_collections_and_score_on_the_cluster():
    pytest.importorskip("sklearn.callback")
    X, y = data("multiclass")
    Xd, yd, _ = dask_inputs(X, y)
    callback = DaskScores()
    model = estimator_for("multiclass", max_iter=2)
    quiet(model.set_callbacks(callback), Xd, yd)
    assert len(callback.seen) == 2
    assert all(given is Xd and type(score) is float for given, score in callback.seen)
    assert callback.seen[-1][1] == pytest.approx(model.score(X, y), rel=1e-12)


def _kernel_cache_counts():
    """(disk-cache hits, misses) of each numba kernel this process has used."""
    from sknn._math import kernels

    return {
        name: (sum(d.stats.cache_hits.values()), sum(d.stats.cache_misses.values()))
        for name, d in kernels._dispatchers.items()
    }


def test_workers_load_the_numba_kernels_from_the_disk_cache(cluster_client):
    """A network above the kernels' size threshold trains block by block with
    the fused Adam kernel in each worker process; the workers load its
    machine code from numba's disk cache (filled by this process) and
    compile nothing."""
    pytest.importorskip("numba")
    from sknn._math import kernels

    if kernels.kernel_backend(300_000, np.float64) != "numba":
        pytest.skip("the numba kernels are switched off (SKNN_KERNELS)")
    X, y = data("binary")
    params = {"hidden_layer_sizes": (512, 512), "max_iter": 1, "random_state": 0}
    assert X.shape[1] * 512 + 512 * 512 > kernels.MIN_PARAMS
    quiet(MLPClassifier(**params), X[:100], y[:100])  # compiles or loads here
    with dask.config.set(scheduler=cluster_client.get):
        quiet(MLPClassifier(**params), *dask_inputs(X, y, chunk=N // 2)[:2])
    per_worker = cluster_client.run(_kernel_cache_counts).values()
    counts = [c["adam"] for c in per_worker if "adam" in c]
    assert counts, "no worker used the Adam kernel"
    assert all(misses == 0 and hits >= 1 for hits, misses in counts), counts
