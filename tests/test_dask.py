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

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification, make_multilabel_classification
from sklearn.exceptions import NotFittedError

from sknn import MLPClassifier, MLPRegressor

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")  # needs pyarrow

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
            N, 6, n_informative=4, n_classes=2 if kind == "binary" else 3,
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
    rel = 1e-12 if kind not in ("regression", "multioutput") else (
        100 * float(np.finfo(dtype).eps)
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


@pytest.fixture(scope="module")
def cluster_client():
    distributed = pytest.importorskip("distributed")
    with (
        warnings.catch_warnings(),
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            protocol="tcp",
            host="127.0.0.1",
            dashboard_address=":0",
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        warnings.filterwarnings("ignore", message="Port .* is already in use")
        yield client


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
