"""A pandas DataFrame through a ColumnTransformer, tuned with GridSearchCV
=======================================================================

A mixed-type pandas DataFrame with string labels goes through a
``ColumnTransformer`` into sknn's ``MLPClassifier``, tuned with ``GridSearchCV``.
The data is made here: customers with numeric columns (age, income, hours of
use a week) and string columns (region, plan), and a string label saying which
offer each one took up ("none", "discount", "upgrade"). The script prints
the search's best settings and scores and draws the cross-validated accuracy
of every candidate::

    python examples/pandas_pipeline.py
"""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from sknn import MLPClassifier

NUMERIC = ["age", "income", "hours"]
CATEGORICAL = ["region", "plan"]


def make_customers(n=1500, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "age": rng.normal(40, 12, n).round(),
            "income": rng.lognormal(10.3, 0.5, n).round(-2),
            "hours": rng.gamma(4, 2.5, n).round(1),
            "region": rng.choice(["north", "south", "east", "west"], n),
            "plan": rng.choice(["basic", "plus", "pro"], n, p=[0.5, 0.3, 0.2]),
        }
    )
    upgrade = (
        0.08 * (X["hours"] - 10)
        + 1.2 * (X["plan"] == "basic")
        - 1.5 * (X["plan"] == "pro")
        + 0.5 * (X["region"] == "west")
    )
    discount = -0.05 * (X["age"] - 40) - 1.0 * (np.log(X["income"]) - 10.3)
    noise = rng.normal(0, 0.4, (n, 2))
    scores = np.column_stack(
        [np.zeros(n), discount + noise[:, 0], upgrade + noise[:, 1]]
    )
    offers = np.array(["none", "discount", "upgrade"])
    y = pd.Series(offers[scores.argmax(axis=1)], name="offer")
    return X, y


def main():
    X, y = make_customers()
    print(X.head(), "\n")
    print(X.dtypes.to_string(), "\n")
    print("labels:", y.value_counts().to_dict(), "\n")
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )

    pipe = Pipeline(
        [
            (
                "prep",
                ColumnTransformer(
                    [
                        ("num", StandardScaler(), NUMERIC),
                        ("cat", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL),
                    ]
                ),
            ),
            (
                "mlp",
                MLPClassifier(
                    learning_rate=0.01,
                    max_iter=100,
                    early_stopping=True,
                    random_state=0,
                ),
            ),
        ]
    )
    grid = {
        "mlp__hidden_layer_sizes": [(16,), (32, 16)],
        "mlp__alpha": [1e-4, 1e-2],
        "mlp__dropout": [0.0, 0.2],
        "mlp__class_weight": [None, "balanced"],
    }
    search = GridSearchCV(pipe, grid, cv=3, n_jobs=2).fit(X_train, y_train)

    print("best params:", search.best_params_)
    print(f"best cross-validated accuracy: {search.best_score_:.3f}")
    print(f"test accuracy: {search.score(X_test, y_test):.3f}")
    print("first test predictions:", search.predict(X_test[:5]).tolist())
    print("true labels:           ", y_test[:5].tolist())
    plot_candidates(search)
    plt.show()


def plot_candidates(search):
    """Mean cross-validated accuracy (± std over the folds) of each candidate."""
    results = pd.DataFrame(search.cv_results_)
    # best at the top; among equal scores, the first one, which the search keeps
    results["order"] = -np.arange(len(results))
    results = results.sort_values(["mean_test_score", "order"])
    labels = [
        ", ".join(f"{key.removeprefix('mlp__')}={value}" for key, value in p.items())
        for p in results["params"]
    ]
    figure, ax = plt.subplots(figsize=(9, 6), layout="constrained")
    ax.barh(labels, results["mean_test_score"], xerr=results["std_test_score"])
    scores = results["mean_test_score"]
    ax.set_xlim(scores.min() - 0.05, scores.max() + 0.05)
    ax.set_xlabel("mean cross-validated accuracy (3 folds, ± std)")
    ax.set_title("GridSearchCV: every candidate, best at the top")
    ax.tick_params(axis="y", labelsize=8)
    return figure


if __name__ == "__main__":
    main()
