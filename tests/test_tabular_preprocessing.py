"""TablePreprocessor: RealMLP's encoding of a raw table (imputation with
indicators, one-hot of frequent categories, robust scaling, smooth clipping),
checked against values computed by hand; its refusals; scikit-learn's
estimator checks; and its ONNX graph run by onnxruntime against ``transform``,
alone and in front of a network."""

import pickle

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import parametrize_with_checks

from conftest import FAST, TINY
from sknn import MLPClassifier
from sknn._tabular import TablePreprocessor

EPS = np.finfo(np.float64).eps


def clip(z, c=3.0):
    """The smooth clipping, as the docstring writes it."""
    return z / np.sqrt(1 + (z / c) ** 2)


def column(pre, Z, name):
    """The output column called ``name``."""
    names = pre.get_feature_names_out().tolist()
    return Z[:, names.index(name)]


def mixed_frame(n=200, seed=0):
    """Every column kind, with missing values in most of them."""
    rng = np.random.default_rng(seed)

    def holes(values, rate=0.1):
        values = pd.Series(values, dtype=object)
        values[rng.random(n) < rate] = None
        return values

    colour = rng.choice(["red", "green", "blue"], n, p=[0.5, 0.3, 0.2])
    colour[:3] = "rare"  # below the default min_frequency
    return pd.DataFrame(
        {
            "age": holes(rng.normal(40, 12, n)).astype(float),
            "income": rng.lognormal(3, 1, n),
            "rooms": rng.integers(1, 6, n),
            "owner": rng.random(n) < 0.3,
            "insured": pd.array(holes(rng.random(n) < 0.5), dtype="boolean"),
            "colour": holes(colour),
            "size": pd.Series(rng.choice(["S", "M", "L"], n)).astype("category"),
            "yes_no": pd.Series(rng.choice(["yes", "no"], n), dtype="str"),
            "kids": pd.array(holes(rng.integers(0, 3, n)), dtype="Int64"),
            "code": rng.choice([1.5, 2.5, 7.0], n),
        }
    )


CATEGORICAL = ["colour", "size", "yes_no", "kids", "code"]


# ------------------------------------------------------------ the recipe


def test_numbers_median_indicator_and_robust_scale_by_hand():
    df = pd.DataFrame({"x": [1.0, 2.0, np.nan, 4.0, 10.0]})
    pre = TablePreprocessor(smooth_clip=None).fit(df)
    Z = pre.transform(df)
    assert pre.get_feature_names_out().tolist() == ["x", "x_missing"]
    # imputed with the median of 1, 2, 4, 10 (3): 1 2 3 4 10; centred on 3,
    # divided by q75 − q25 = 4 − 2
    np.testing.assert_allclose(Z[:, 0], [-1.0, -0.5, 0.0, 0.5, 3.5], rtol=0, atol=EPS)
    # the indicator 0 0 1 0 0: median 0, IQR 0, so 1 / (½ (1 − 0)) = 2
    np.testing.assert_array_equal(Z[:, 1], [0, 0, 2, 0, 0])
    np.testing.assert_array_equal(pre.center_, [3.0, 0.0])
    np.testing.assert_array_equal(pre.scale_, [0.5, 2.0])


def test_fallback_and_zero_scale():
    df = pd.DataFrame({"spike": [0.0, 0, 0, 0, 8], "constant": [5.0] * 5})
    Z = TablePreprocessor(smooth_clip=None).fit_transform(df)
    np.testing.assert_array_equal(Z[:, 0], [0, 0, 0, 0, 2])  # 8 / (½ · 8)
    np.testing.assert_array_equal(Z[:, 1], 0.0)  # a constant column gives zeros


@pytest.mark.parametrize("c", [3.0, 1.0, 0.5])
def test_smooth_clip_formula(c):
    x = np.array([-100.0, -3.0, -0.1, 0.0, 0.2, 1.0, 2.0, 3.0, 50.0])
    df = pd.DataFrame({"x": x})
    raw = TablePreprocessor(smooth_clip=None).fit_transform(df)
    clipped = TablePreprocessor(smooth_clip=c).fit_transform(df)
    np.testing.assert_allclose(clipped, clip(raw, c), rtol=2 * EPS, atol=0)
    assert np.all(np.abs(clipped) < c)
    assert np.abs(clipped).max() > 0.9 * c  # the far values come close to c


def test_numeric_bins_formula():
    # quartiles 0, 2.5, 5, 7.5, 10; the training values at or below them
    x = np.append(np.arange(11.0), np.nan)
    df = pd.DataFrame({"x": x})
    pre = TablePreprocessor(numeric_bins=4, smooth_clip=None).fit(df)
    assert pre.encodings_[0]["edges"] == [0.0, 2.0, 5.0, 7.0, 10.0]
    names = pre.get_feature_names_out().tolist()
    assert names == ["x", "x_missing", "x_bin0", "x_bin1", "x_bin2", "x_bin3"]
    imputed = np.append(np.arange(11.0), 5.0)  # the missing row at the median
    left, width = np.array([0.0, 2.0, 5.0, 7.0]), np.array([2.0, 3.0, 2.0, 3.0])
    bins = np.clip((imputed[:, None] - left) / width, 0, 1)
    np.testing.assert_array_equal(bins[-1], [1, 1, 0, 0])
    # the scale of each bin: 1 / its spread, times 1/√T = 1/2 for T = 4 bins
    q25, q75 = np.quantile(bins, [0.25, 0.75], axis=0)
    half_range = 0.5 * (bins.max(axis=0) - bins.min(axis=0))
    spread = np.where(q75 > q25, q75 - q25, half_range)
    np.testing.assert_allclose(pre.scale_[2:], 0.5 / spread, rtol=2 * EPS)
    np.testing.assert_allclose(pre.center_[2:], np.median(bins, axis=0))
    Z = pre.transform(df)
    np.testing.assert_allclose(
        Z[:, 2:], (bins - pre.center_[2:]) * pre.scale_[2:], rtol=4 * EPS, atol=4 * EPS
    )
    # the first columns are as without bins
    plain = TablePreprocessor(smooth_clip=None).fit(df)
    np.testing.assert_array_equal(Z[:, :2], plain.transform(df))


def test_numeric_bins_need_two_distinct_quantiles():
    df = pd.DataFrame(
        {
            "binary": [0.0, 1.0] * 10,
            "three": [0.0, 1.0, 2.0, 2.0] * 5,
            "constant": [7.0] * 20,
        }
    )
    pre = TablePreprocessor(numeric_bins=16).fit(df)
    edges = [e["edges"] for e in pre.encodings_]
    assert edges == [None, [0.0, 1.0, 2.0], None]  # one bin would be x rescaled
    names = pre.get_feature_names_out().tolist()
    assert names == ["binary", "three", "three_bin0", "three_bin1", "constant"]
    with pytest.raises(InvalidParameterError, match="numeric_bins"):
        TablePreprocessor(numeric_bins=1).fit(df)


def test_numeric_bins_absent_from_an_older_encoding():
    # a model saved before numeric_bins existed has no "edges" in encodings_
    df = mixed_frame()
    pre = TablePreprocessor(categorical_features=CATEGORICAL).fit(df)
    expected = pre.transform(df)
    for encoding in pre.encodings_:
        encoding.pop("edges", None)
    np.testing.assert_array_equal(pre.transform(df), expected)
    assert len(pre.get_feature_names_out()) == expected.shape[1]


def test_binary_column_is_one_column():
    df = pd.DataFrame({"smoker": ["no", "yes", "yes", "no", "yes"]})
    pre = TablePreprocessor(min_frequency=1, smooth_clip=None).fit(df)
    assert pre.get_feature_names_out().tolist() == ["smoker_yes"]
    # 0 1 1 0 1: median 1, q25 = 0, q75 = 1
    np.testing.assert_array_equal(pre.transform(df)[:, 0], [-1, 0, 0, -1, 0])
    unseen = pre.transform(pd.DataFrame({"smoker": ["maybe"]}))
    np.testing.assert_array_equal(unseen, [[-1.0]])  # as "no": all zeros


def test_two_kept_categories_with_others_stay_two_columns():
    df = pd.DataFrame({"c": ["a"] * 5 + ["b"] * 5 + ["z"]})
    pre = TablePreprocessor(min_frequency=2).fit(df)
    assert pre.get_feature_names_out().tolist() == ["c_a", "c_b"]


def test_one_hot_order_is_sorted_with_missing_last():
    df = pd.DataFrame({"c": ["b", "a", None, "c", "a", "b", "b", np.nan]})
    pre = TablePreprocessor(min_frequency=1, smooth_clip=None).fit(df)
    assert pre.get_feature_names_out().tolist() == ["c_a", "c_b", "c_c", "c_missing"]
    Z = pre.transform(df)
    onehot = Z / pre.scale_ + pre.center_  # every scale here is positive
    expected = np.eye(4)[[1, 0, 3, 2, 0, 1, 1, 3]]  # rows of b a - c a b b -
    np.testing.assert_allclose(onehot, expected, rtol=0, atol=4 * EPS)


@pytest.mark.parametrize("missing", [None, np.nan, pd.NA, ""])
def test_every_missing_spelling_is_the_missing_category(missing):
    train = pd.DataFrame({"c": pd.Series(["a", "b", None, "a"], dtype=object)})
    pre = TablePreprocessor(min_frequency=1).fit(train)
    row = pd.DataFrame({"c": pd.Series([missing], dtype=object)})
    np.testing.assert_array_equal(pre.transform(row), pre.transform(train.iloc[[2]]))


def test_unseen_and_infrequent_categories_encode_as_zeros():
    train = pd.DataFrame({"c": ["a"] * 4 + ["b"] * 3 + ["rare"]})
    pre = TablePreprocessor(min_frequency=2).fit(train)
    assert pre.get_feature_names_out().tolist() == ["c_a", "c_b"]
    zeros = (0.0 - pre.center_) * pre.scale_
    expected = clip(zeros)
    for value in ["rare", "never seen", None]:
        Z = pre.transform(pd.DataFrame({"c": [value]}))
        np.testing.assert_allclose(Z[0], expected, rtol=0, atol=4 * EPS)


def test_max_categories_keeps_the_most_frequent():
    values = ["a"] * 2 + ["b"] * 6 + ["c"] * 4 + ["d"] * 4 + [None] * 5
    pre = TablePreprocessor(max_categories=3, min_frequency=1)
    pre.fit(pd.DataFrame({"c": values}))
    # b (6), missing (5), then c before d at 4 each (sorted order breaks ties)
    assert pre.get_feature_names_out().tolist() == ["c_b", "c_c", "c_missing"]


def test_id_like_column_is_dropped():
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "id": [f"customer-{i}" for i in rng.permutation(100)],
            "mostly_unique": ["common"] * 10 + [f"u{i}" for i in range(90)],
            "x": rng.normal(size=100),
        }
    )
    pre = TablePreprocessor(min_frequency=5).fit(df)
    # "id" is gone; only the one frequent value of the other stays
    assert pre.get_feature_names_out().tolist() == ["mostly_unique_common", "x"]
    assert pre.encodings_[0]["kind"] == "dropped"
    assert pre.transform(df).shape == (100, 2)
    with pytest.raises(ValueError, match="No column of X gives a feature"):
        TablePreprocessor(min_frequency=5).fit(df[["id"]])


def test_empty_numeric_column_is_dropped():
    df = pd.DataFrame({"empty": [np.nan] * 4, "x": [1.0, 2.0, 3.0, 4.0]})
    pre = TablePreprocessor().fit(df)
    assert pre.get_feature_names_out().tolist() == ["x"]
    Z = pre.transform(pd.DataFrame({"empty": [7.0], "x": [2.0]}))
    assert Z.shape == (1, 1)


def test_new_missing_values_in_a_column_that_had_none():
    df = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0, 5.0], "c": list("aabbb")})
    pre = TablePreprocessor(min_frequency=1).fit(df)
    assert pre.get_feature_names_out().tolist() == ["x", "c_b"]
    rows = pd.DataFrame({"x": [np.nan, 3.0], "c": [None, "b"]})
    Z = pre.transform(rows)
    np.testing.assert_array_equal(Z[0, 0], Z[1, 0])  # imputed with the median, 3
    assert np.isfinite(Z).all()


def test_numbers_named_categorical_are_categories_by_value():
    ints = pd.DataFrame({"k": [1, 2, 2, 3, 1]})
    floats = pd.DataFrame({"k": [1.0, 2.0, 2.0, 3.0, 1.0]})
    mixed = pd.DataFrame({"k": pd.Series([1, 2.0, 2, 3.0, True], dtype=object)})
    outputs = []
    for df in (ints, floats, mixed):
        pre = TablePreprocessor(categorical_features=["k"], min_frequency=1).fit(df)
        assert pre.get_feature_names_out().tolist() == ["k_1", "k_2", "k_3"]
        outputs.append(pre.transform(df))
    np.testing.assert_array_equal(outputs[0], outputs[1])
    np.testing.assert_array_equal(outputs[0], outputs[2])
    # a value that is no number is an unseen category, not an error
    pre = TablePreprocessor(categorical_features=["k"], min_frequency=1).fit(ints)
    unseen = pre.transform(pd.DataFrame({"k": pd.Series(["x"], dtype=object)}))
    np.testing.assert_allclose(unseen[0], clip(-pre.center_ * pre.scale_), atol=EPS)


def test_bool_columns_are_numbers_with_indicators():
    df = pd.DataFrame(
        {
            "plain": [True, False, True, True],
            "nullable": pd.array([True, None, False, True], dtype="boolean"),
        }
    )
    pre = TablePreprocessor(smooth_clip=None).fit(df)
    assert pre.get_feature_names_out().tolist() == [
        "plain",
        "nullable",
        "nullable_missing",
    ]
    # nullable: 1 _ 0 1 has median 1, imputed 1 1 0 1
    assert pre.encodings_[1] == {
        "kind": "numeric",
        "median": 1.0,
        "indicator": True,
        "edges": None,
    }


def test_dataframe_and_array_give_the_same_matrix():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 3))
    X[rng.random(X.shape) < 0.1] = np.nan
    X[:, 2] = rng.integers(0, 4, 50)
    df = pd.DataFrame(X, columns=["a", "b", "c"])
    by_name = TablePreprocessor(categorical_features=["c"], min_frequency=1).fit(df)
    by_index = TablePreprocessor(categorical_features=[2], min_frequency=1).fit(X)
    np.testing.assert_array_equal(by_name.transform(df), by_index.transform(X))
    names = by_index.get_feature_names_out().tolist()
    assert names == [n.replace("a", "x0").replace("b", "x1").replace("c_", "x2_")
                     for n in by_name.get_feature_names_out()]  # fmt: skip
    assert not hasattr(by_index, "feature_names_in_")
    assert by_name.feature_names_in_.tolist() == ["a", "b", "c"]


# ------------------------------------------------------------ categorical_features


@pytest.mark.parametrize(
    "spec",
    [
        ["colour", "size", "yes_no", "rooms"],
        [2, 5, 6, 7],
        [False, False, True, False, False, True, True, True, False, False],
        np.array([7, 6, 5, 2]),
    ],
)
def test_categorical_features_forms(spec):
    df = mixed_frame()
    pre = TablePreprocessor(categorical_features=spec).fit(df)
    assert np.flatnonzero(pre.is_categorical_).tolist() == [2, 5, 6, 7]
    assert pre.get_feature_names_out()[3:5].tolist() == ["rooms_1", "rooms_2"]


def test_categorical_features_from_dtype_and_none():
    df = mixed_frame()
    pre = TablePreprocessor().fit(df)
    # object, category and string dtypes; not the nullable Int64 nor bools
    assert df.columns[pre.is_categorical_].tolist() == ["colour", "size", "yes_no"]
    df = df.drop(columns=["colour", "size", "yes_no"])
    for spec in (None, []):
        pre = TablePreprocessor(categorical_features=spec).fit(df)
        assert not pre.is_categorical_.any()
    numbers = df.to_numpy(dtype=float, na_value=np.nan)  # pandas 2.1 needs na_value
    assert not TablePreprocessor().fit(numbers).is_categorical_.any()


@pytest.mark.parametrize(
    "spec, error, message",
    [
        (["colour", "nope"], ValueError, r"names \['nope'\] which X does not have"),
        ([0, 10], ValueError, "index 10 is out of range"),
        ([-1], ValueError, "index -1 is out of range"),
        ([True, False], ValueError, "one entry per column of X"),
        ([[0, 1]], ValueError, "1-D"),
        ([0.5], ValueError, "must be 'from_dtype', None, a list"),
        ("auto", InvalidParameterError, "categorical_features"),
    ],
)
def test_categorical_features_invalid(spec, error, message):
    with pytest.raises(error, match=message):
        TablePreprocessor(categorical_features=spec).fit(mixed_frame())


def test_categorical_names_need_column_names():
    with pytest.raises(ValueError, match="give column indices or a boolean mask"):
        TablePreprocessor(categorical_features=["a"]).fit(np.zeros((5, 2)))


# ------------------------------------------------------------ refusals


@pytest.mark.parametrize(
    "values",
    [
        pd.date_range("2020-01-01", periods=4),
        pd.date_range("2020-01-01", periods=4, tz="Europe/Oslo"),
        pd.to_timedelta([1, 2, 3, 4], unit="D"),
        pd.Series(pd.date_range("2020-01-01", periods=4)).astype(object),
        pd.period_range("2020-01", periods=4, freq="M"),
    ],
)
def test_datetime_columns_are_refused(values):
    df = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "when": values})
    with pytest.raises(ValueError, match=r"Column 'when' holds dates.*\.dt\.year"):
        TablePreprocessor().fit(df)


def test_sparse_input_is_refused():
    with pytest.raises(TypeError, match="dense"):
        TablePreprocessor().fit(sp.csr_matrix(np.eye(3)))
    df = pd.DataFrame({"s": pd.arrays.SparseArray([0.0, 1.0, 0.0])})
    with pytest.raises(TypeError, match="sparse columns"):
        TablePreprocessor().fit(df)


def test_text_in_a_numeric_column_is_refused():
    df = pd.DataFrame({"x": pd.Series([1, "two", 3], dtype=object)})
    with pytest.raises(ValueError, match="Column 'x' is numeric here but holds 'two'"):
        TablePreprocessor(categorical_features=None).fit(df)


def test_infinity_is_refused():
    df = pd.DataFrame({"x": [1.0, np.inf, 3.0]})
    with pytest.raises(ValueError, match="infinity"):
        TablePreprocessor().fit(df)


def test_transform_needs_the_same_columns_in_the_same_order():
    df = mixed_frame()
    pre = TablePreprocessor().fit(df)
    with pytest.raises(ValueError, match="feature names should match"):
        pre.transform(df[df.columns[::-1]])
    with pytest.raises(ValueError, match="feature names should match"):
        pre.transform(df.drop(columns="age"))
    with pytest.raises(NotFittedError):
        TablePreprocessor().transform(df)


def test_a_failed_refit_leaves_the_fitted_state():
    df = mixed_frame()
    pre = TablePreprocessor().fit(df)
    before = pre.transform(df)
    bad = df.assign(when=pd.date_range("2020-01-01", periods=len(df)))
    with pytest.raises(ValueError, match="dates"):
        pre.fit(bad)
    assert pre.n_features_in_ == df.shape[1]
    np.testing.assert_array_equal(pre.transform(df), before)


# ------------------------------------------------------------ scikit-learn


def test_feature_names_out_and_set_output():
    df = mixed_frame()
    pre = TablePreprocessor(categorical_features=CATEGORICAL).fit(df)
    names = pre.get_feature_names_out().tolist()
    assert names == [
        *("age", "age_missing", "income", "rooms", "owner"),
        *("insured", "insured_missing"),
        *("colour_blue", "colour_green", "colour_red", "colour_missing"),
        *("size_L", "size_M", "size_S", "yes_no_yes"),
        *("kids_0", "kids_1", "kids_2", "kids_missing"),
        *("code_1.5", "code_2.5", "code_7"),
    ]
    assert pre.get_feature_names_out(df.columns).tolist() == names
    with pytest.raises(ValueError, match="input_features"):
        pre.get_feature_names_out(["a", "b"])
    on_array = TablePreprocessor(categorical_features=[2])
    on_array.fit(df[["age", "income", "code"]].to_numpy())
    assert on_array.get_feature_names_out().tolist() == [
        *("x0", "x0_missing", "x1", "x2_1.5", "x2_2.5", "x2_7")
    ]
    renamed = on_array.get_feature_names_out(["a", "b", "c"]).tolist()
    assert renamed == ["a", "a_missing", "b", "c_1.5", "c_2.5", "c_7"]
    out = clone(pre).set_output(transform="pandas").fit(df).transform(df)
    assert out.columns.tolist() == names
    assert out.index.equals(df.index)


def test_feature_names_out_are_unique():
    # "a" with category "b" and a column "a_b" would both be named a_b
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "a": pd.Categorical(rng.choice(["b", "c", "d"], 60)),
            "a_b": rng.normal(size=60),
            "a_b__2": rng.normal(size=60),
        }
    )
    pre = TablePreprocessor().set_output(transform="pandas").fit(df)
    names = pre.get_feature_names_out().tolist()
    assert names == ["a_b", "a_c", "a_d", "a_b__2", "a_b__2__2"]
    out = pre.transform(df)
    assert out.columns.tolist() == names
    assert out.columns.is_unique
    # the first a_b is the one-hot of "b", the second the column a_b
    is_b = (df["a"] == "b").to_numpy()
    assert out["a_b"][is_b].min() > out["a_b"][~is_b].max()
    np.testing.assert_array_equal(np.argsort(out["a_b__2"]), np.argsort(df["a_b"]))


def test_pickle_clone_and_skops():
    df = mixed_frame()
    pre = TablePreprocessor(categorical_features=CATEGORICAL, max_categories=2)
    pre.fit(df)
    again = pickle.loads(pickle.dumps(pre))
    np.testing.assert_array_equal(again.transform(df), pre.transform(df))
    fresh = clone(pre)
    assert fresh.get_params() == pre.get_params()
    assert not hasattr(fresh, "encodings_")
    sio = pytest.importorskip("skops.io")
    name = "sknn._tabular.preprocessing.TablePreprocessor"
    assert set(sio.get_untrusted_types(data=sio.dumps(pre))) <= {name}
    loaded = sio.loads(sio.dumps(pre), trusted=[name])
    np.testing.assert_array_equal(loaded.transform(df), pre.transform(df))


@parametrize_with_checks(
    [
        TablePreprocessor(),
        TablePreprocessor(smooth_clip=None),
        TablePreprocessor(numeric_bins=4),
    ]
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


# ------------------------------------------------------------ ONNX


@pytest.fixture
def ort():
    pytest.importorskip("skl2onnx")
    pytest.importorskip("onnx")
    return pytest.importorskip("onnxruntime")


def run(ort, onx, feed):
    import onnx

    onnx.checker.check_model(onx, full_check=True)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.log_severity_level = 3
    sess = ort.InferenceSession(
        onx.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )
    return sess.run(None, feed)


def assert_close64(actual, expected):
    """A few float64 ulps of each value (the graph does the same operations)."""
    assert actual.dtype == np.float64 and actual.shape == expected.shape
    np.testing.assert_allclose(actual, expected, rtol=4 * EPS, atol=4 * EPS)


def new_frame():
    """Rows unlike the training rows: unseen categories, missing values where
    training had none, values outside the training range."""
    df = mixed_frame(60, seed=1)
    df.loc[:9, "income"] = np.nan
    df.loc[:9, "size"] = None
    df["colour"] = df["colour"].astype(object)
    df.loc[10:19, "colour"] = "purple"
    df.loc[20:29, "code"] = 4.0
    df.loc[30:35, "age"] = 1e6
    return df


@pytest.mark.parametrize(
    "smooth_clip, numeric_bins", [(3.0, None), (None, None), (3.0, 8)]
)
def test_onnx_graph_matches_transform(ort, smooth_clip, numeric_bins):
    from sknn import to_onnx
    from sknn._onnx.table import onnx_inputs

    df = mixed_frame()
    pre = TablePreprocessor(
        categorical_features=CATEGORICAL,
        smooth_clip=smooth_clip,
        numeric_bins=numeric_bins,
    )
    pre.fit(df)
    onx = to_onnx(pre, df.iloc[:1])
    kinds = {i.name: i.type.tensor_type.elem_type for i in onx.graph.input}
    assert list(kinds) == df.columns.tolist()  # one input per column, in order
    assert {kinds["colour"], kinds["size"], kinds["yes_no"]} == {8}  # string
    assert {kinds[c] for c in ("age", "owner", "kids", "code")} == {11}  # double
    for rows in (df, new_frame()):
        (out,) = run(ort, onx, onnx_inputs(pre, rows))
        assert_close64(out, pre.transform(rows))


def test_onnx_of_an_array_fitted_preprocessor(ort):
    import skl2onnx

    from sknn import register_onnx_converters, to_onnx
    from sknn._onnx.table import onnx_inputs

    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 3))
    X[:, 1] = rng.integers(0, 3, 80)
    X[rng.random(X.shape) < 0.1] = np.nan
    pre = TablePreprocessor(categorical_features=[1], min_frequency=1).fit(X)
    onx = to_onnx(pre, X[:1])
    assert [i.name for i in onx.graph.input] == ["x0", "x1", "x2"]
    (out,) = run(ort, onx, onnx_inputs(pre, X))
    assert_close64(out, pre.transform(X))
    # skl2onnx with the array itself: one (N, 3) input, split into columns
    register_onnx_converters()
    onx = skl2onnx.to_onnx(pre, X[:1])
    (out,) = run(ort, onx, {onx.graph.input[0].name: X})
    assert_close64(out, pre.transform(X))


def test_onnx_string_categories_need_opset_19(ort):
    from sknn import to_onnx
    from sknn._onnx.table import onnx_inputs

    df = mixed_frame()
    pre = TablePreprocessor().fit(df)
    with pytest.raises(ValueError, match="opset 19"):
        to_onnx(pre, df.iloc[:1], target_opset=13)
    numbers = df.drop(columns=["colour", "size", "yes_no"])
    pre = TablePreprocessor(categorical_features=["kids"]).fit(numbers)
    (out,) = run(ort, to_onnx(pre, numbers, target_opset=13), onnx_inputs(pre, numbers))
    assert_close64(out, pre.transform(numbers))


def test_onnx_refusals(ort):
    import skl2onnx

    from sknn import register_onnx_converters, to_onnx
    from sknn._onnx.table import input_types, onnx_inputs

    df = mixed_frame()
    pre = TablePreprocessor(categorical_features=CATEGORICAL).fit(df)
    with pytest.raises(ValueError, match="feature names should match"):
        to_onnx(pre, df.drop(columns="age").iloc[:1])
    with pytest.raises(NotFittedError):
        onnx_inputs(TablePreprocessor(), df)
    with pytest.raises(TypeError, match="takes no raw table"):
        onnx_inputs(MLPClassifier(), df)
    # a numeric category declared as a string, as skl2onnx's guess does for
    # an object column of numbers
    register_onnx_converters()
    types = [
        (name, skl2onnx.common.data_types.StringTensorType([None, 1]))
        if name == "code"
        else (name, kind)
        for name, kind in input_types(pre)
    ]
    with pytest.raises(TypeError, match="Column 'code' enters the ONNX graph as"):
        skl2onnx.to_onnx(pre, initial_types=types)


# ------------------------------------------------------------ before a network


def target(df):
    return np.log(df["income"]) + (df["colour"] == "red") - 0.02 * df["age"].fillna(40)


@pytest.mark.parametrize("numeric_bins", [None, 8])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_onnx_tabular_classifier(ort, dtype, numeric_bins):
    from sknn import TabularClassifier, to_onnx
    from sknn._onnx.table import onnx_inputs

    df = mixed_frame()
    y = np.where(target(df) > target(df).median(), "high", "low")
    clf = TabularClassifier(
        **TINY,
        categorical_features=CATEGORICAL,
        dtype=dtype,
        numeric_bins=numeric_bins,
    )
    clf.fit(df, y)
    onx = to_onnx(clf, df.iloc[:1])
    atol = 1e-10 if dtype == "float64" else 1e-5
    for rows in (df, new_frame()):
        label, proba = run(ort, onx, onnx_inputs(clf, rows))
        expected = clf.predict_proba(rows)
        assert proba.dtype == dtype
        np.testing.assert_allclose(proba, expected, rtol=0, atol=atol)
        decided = np.abs(expected[:, 1] - 0.5) > atol  # float32 near-ties aside
        np.testing.assert_array_equal(label[decided], clf.predict(rows)[decided])
    # the zipmap option reaches the subclass too
    zipped = to_onnx(clf, df.iloc[:1], zipmap=True)
    assert [o.name for o in zipped.graph.output] == [
        "output_label",
        "output_probability",
    ]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("outputs", [1, 2])
def test_onnx_tabular_regressor_with_its_target_scale(ort, dtype, outputs):
    from sknn import TabularRegressor, to_onnx
    from sknn._onnx.table import onnx_inputs

    df = mixed_frame()
    y = np.column_stack([target(df), 100 + 50 * target(df)])[:, :outputs]
    y = y.ravel() if outputs == 1 else y
    reg = TabularRegressor(**TINY, categorical_features=CATEGORICAL, dtype=dtype)
    reg.fit(df, y)
    assert np.all(reg.target_scale_ != 1) and np.all(reg.target_center_ != 0)
    onx = to_onnx(reg, df.iloc[:1])
    rtol = 1e-10 if dtype == "float64" else 1e-5
    for rows in (df, new_frame()):
        (out,) = run(ort, onx, onnx_inputs(reg, rows))
        assert out.dtype == dtype and out.shape == (len(rows), outputs)
        expected = reg.predict(rows).reshape(len(rows), outputs)
        np.testing.assert_allclose(out, expected, rtol=rtol)


def test_onnx_pipeline_with_preprocessing(ort):
    from sknn import to_onnx
    from sknn._onnx.table import onnx_inputs

    df = mixed_frame()
    y = target(df) > target(df).median()
    pipe = make_pipeline(TablePreprocessor(categorical_features=CATEGORICAL),
                         MLPClassifier(**FAST)).fit(df, y)  # fmt: skip
    label, proba = run(ort, to_onnx(pipe, df.iloc[:1]), onnx_inputs(pipe, df))
    np.testing.assert_allclose(proba, pipe.predict_proba(df), rtol=0, atol=1e-10)
    np.testing.assert_array_equal(label, pipe.predict(df))


def test_onnx_column_names_that_are_not_onnx_names(ort):
    # R's tables name columns "F.Undergrad"; skl2onnx would rename such inputs
    # ("F_Undergrad", and "F_Undergrad1" for a second one): the feed must
    # carry the graph's names
    from sknn import TabularRegressor, onnx_inputs, to_onnx

    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "F.Undergrad": rng.normal(size=40),
            "a b": rng.normal(size=40),
            "F_Undergrad": rng.normal(size=40),
            "1st": rng.choice(["x", "y", "z"], 40),
            "": rng.normal(size=40),
        }
    )
    y = df["F.Undergrad"].to_numpy() - df["a b"].to_numpy()
    reg = TabularRegressor(**TINY).fit(df, y)
    onx = to_onnx(reg, df.iloc[:1])
    feed = onnx_inputs(reg, df)
    assert [i.name for i in onx.graph.input] == list(feed)
    assert list(feed) == ["F_Undergrad", "a_b", "F_Undergrad1", "_1st", "_"]
    (out,) = run(ort, onx, feed)
    np.testing.assert_allclose(out.ravel(), reg.predict(df), rtol=1e-10)
