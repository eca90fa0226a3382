"""pandas: DataFrame and Series in, labels of the same kind out,
feature names, and ColumnTransformer / set_output pipelines."""

import warnings

import numpy as np
import pandas as pd
import pytest
from _ecosystem_data import NUMERIC, STRINGS, mixed_frame, mixed_pipeline, mlp
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_iris
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from conftest import SMALL, X20, y20
from sknn import MLPClassifier

SPECIES = np.array(["setosa", "versicolor", "virginica"])


@pytest.fixture
def iris_frame():
    X, y = load_iris(return_X_y=True, as_frame=True)
    X = (X - X.mean()) / X.std()
    return X, pd.Series(SPECIES[y], name="species")


Y_KINDS = {
    "object": lambda y: y.astype(object),
    "category": lambda y: y.astype("category"),
    "string": lambda y: y.astype("string"),
    "str": lambda y: y.astype(str),
}


@pytest.mark.parametrize("kind", Y_KINDS)
def test_dataframe_and_string_like_series(iris_frame, kind):
    """Every string-like y dtype trains the same model as a plain ndarray of str,
    and predict gives strings back."""
    X, y = iris_frame
    y_pd = Y_KINDS[kind](y)
    clf = mlp(max_iter=30).fit(X, y_pd)
    reference = mlp(max_iter=30).fit(X.to_numpy(), y.to_numpy(dtype=str))

    assert clf.classes_.tolist() == SPECIES.tolist()
    assert np.array_equal(clf.predict_proba(X), reference.predict_proba(X.to_numpy()))
    pred = clf.predict(X)
    assert isinstance(pred, np.ndarray)
    assert all(isinstance(label, str) for label in pred)
    assert set(pred) <= set(SPECIES)
    assert np.array_equal(pred, reference.predict(X.to_numpy()))
    assert clf.score(X, y_pd) > 0.8


@pytest.mark.parametrize("kind", ["category", "string"])
def test_binary_string_labels(iris_frame, kind):
    X, y = iris_frame
    keep = (y != "setosa").to_numpy()
    X, y = X[keep], Y_KINDS[kind](y[keep])
    clf = mlp(max_iter=60).fit(X, y)
    assert clf.out_activation_ == "logistic"
    assert clf.classes_.tolist() == ["versicolor", "virginica"]
    pred = clf.predict(X)
    assert all(isinstance(label, str) for label in pred)
    assert clf.score(X, y) > 0.8


def test_integer_series_gives_integers(iris_frame):
    X, y = iris_frame
    y_int = pd.Series(np.searchsorted(SPECIES, y) + 10, name="code")
    pred = mlp(max_iter=5).fit(X, y_int).predict(X)
    assert pred.dtype.kind == "i"
    assert set(pred) <= {10, 11, 12}


def test_categorical_partial_fit(iris_frame):
    X, y = iris_frame
    clf = mlp()
    for chunk in np.array_split(np.arange(len(X)), 3):
        clf.partial_fit(
            X.iloc[chunk], y.iloc[chunk].astype("category"), classes=SPECIES
        )
    assert clf.classes_.tolist() == SPECIES.tolist()
    assert all(isinstance(label, str) for label in clf.predict(X))


def test_feature_names_in(iris_frame):
    X, y = iris_frame
    clf = mlp(max_iter=5).fit(X, y)
    assert clf.feature_names_in_.tolist() == X.columns.tolist()
    assert clf.n_features_in_ == 4
    assert not hasattr(mlp(max_iter=5).fit(X.to_numpy(), y), "feature_names_in_")


def test_feature_name_warnings_and_errors():
    df = pd.DataFrame(X20, columns=["a", "b", "c"])
    clf = MLPClassifier(**SMALL).fit(df, y20)
    np.testing.assert_array_equal(clf.feature_names_in_, ["a", "b", "c"])
    with pytest.raises(ValueError, match="feature names should match") as error:
        clf.predict(df.rename(columns={"c": "d"}))
    assert "unseen at fit time:\n- d" in str(error.value)
    with pytest.raises(ValueError, match="must be in the same order"):
        clf.predict(df[["c", "b", "a"]])  # same names, other order
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        clf.predict(X20)
    plain = MLPClassifier(**SMALL).fit(X20, y20)
    with pytest.warns(UserWarning, match="fitted without feature names"):
        plain.predict(df)

    with warnings.catch_warnings():  # the matching case is silent
        warnings.simplefilter("error")
        clf.predict(df)


def test_column_transformer_pipeline():
    X, y = mixed_frame()
    X_test, y_test = mixed_frame(seed=1)
    pipe = mixed_pipeline().fit(X, y)
    pred = pipe.predict(X_test)
    assert all(isinstance(label, str) for label in pred)
    assert set(pred) <= {"low", "mid", "high"}
    assert pipe.score(X_test, y_test) > 0.8
    # 3 scaled numbers + 3 + 3 one-hot columns reach the network
    assert pipe["mlp"].n_features_in_ == 9
    assert pipe.feature_names_in_.tolist() == X.columns.tolist()


def test_set_output_pandas_upstream():
    X, y = mixed_frame()
    prep = ColumnTransformer(
        [
            ("num", StandardScaler(), NUMERIC),
            ("cat", OneHotEncoder(sparse_output=False), STRINGS),
        ]
    )
    pipe = Pipeline([("prep", prep), ("mlp", mlp())]).set_output(transform="pandas")
    pipe.fit(X, y)
    Xt = pipe["prep"].transform(X)
    assert isinstance(Xt, pd.DataFrame)
    names = pipe["mlp"].feature_names_in_.tolist()
    assert names == Xt.columns.tolist()
    assert "cat__colour_red" in names
    # the DataFrame route gives exactly the model of the ndarray route
    plain = mlp().fit(Xt.to_numpy(), y)
    assert np.array_equal(pipe.predict_proba(X), plain.predict_proba(Xt.to_numpy()))
    assert pipe.score(X, y) > 0.8
