"""Small mixed-type pandas data shared by the ecosystem tests."""

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from sknn import MLPClassifier

NUMERIC = ["age", "income", "hours"]
STRINGS = ["colour", "plan"]


def mixed_frame(n=240, seed=0):
    """A DataFrame with numeric and string columns and a string label Series.

    The label ("low", "mid", "high") depends on both kinds of column, so a
    model that ignored the one-hot columns, or scrambled them, would lose
    accuracy.
    """
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "age": rng.normal(40, 12, n),
            "income": rng.lognormal(10, 0.5, n),
            "hours": rng.normal(38, 6, n),
            "colour": rng.choice(["red", "green", "blue"], n),
            "plan": rng.choice(["basic", "plus", "pro"], n),
        }
    )
    score = (
        (X["age"] - 40) / 12
        + 1.5 * (X["colour"] == "red")
        - 1.5 * (X["plan"] == "basic")
        + 0.3 * rng.normal(size=n)
    )
    y = pd.Series(
        np.where(score > 0.8, "high", np.where(score > -0.5, "mid", "low")),
        name="segment",
    )
    return X, y


def preprocessor():
    return ColumnTransformer(
        [
            ("num", StandardScaler(), NUMERIC),
            ("cat", OneHotEncoder(handle_unknown="ignore"), STRINGS),
        ]
    )


def mlp(**params):
    defaults = dict(
        hidden_layer_sizes=(8,),
        learning_rate=0.02,
        max_iter=40,
        n_iter_no_change=None,
        random_state=0,
    )
    return MLPClassifier(**{**defaults, **params})


def mixed_pipeline(**params):
    """ColumnTransformer (scaled numbers, one-hot strings) → MLPClassifier."""
    return Pipeline([("prep", preprocessor()), ("mlp", mlp(**params))])
