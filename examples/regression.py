"""
Regression with MLPRegressor
============================

Train sknn's ``MLPRegressor`` on scikit-learn's diabetes data: the features
are standardised in a ``Pipeline`` and the target by a
``TransformedTargetRegressor``, 20 % of the training rows are held out to
stop early (the weights of the best validation epoch are kept), and the test
R² is printed. In the gallery or a notebook, or with ``--figure PATH``, it
draws the predicted against the true targets and the learning curves (loss
and R² by epoch) from ``plot_history``.

Run with ``python examples/regression.py [--figure regression.png]``.
"""

import argparse

from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import load_diabetes
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknn import MLPRegressor, plot_history


def fit():
    X, y = load_diabetes(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0
    )
    mlp = MLPRegressor(
        hidden_layer_sizes=(16,),
        alpha=1.0,
        learning_rate=0.003,
        batch_size=32,
        early_stopping=True,
        validation_fraction=0.2,
        n_iter_no_change=20,
        random_state=0,
    )
    model = TransformedTargetRegressor(
        regressor=make_pipeline(StandardScaler(), mlp), transformer=StandardScaler()
    ).fit(X_train, y_train)
    return model, X_test, y_test


def draw(model, X_test, y_test):
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 3, figsize=(15, 4))
    predicted = model.predict(X_test)
    axes[0].scatter(y_test, predicted, s=12)
    low, high = min(y_test.min(), predicted.min()), max(y_test.max(), predicted.max())
    axes[0].plot([low, high], [low, high], color="grey", linestyle="--")
    axes[0].set_title("Predicted vs. true (test)")
    axes[0].set_xlabel("true disease progression")
    axes[0].set_ylabel("predicted")
    mlp = model.regressor_[-1]  # the fitted network inside the pipeline
    plot_history(mlp, axes=axes[1:])
    figure.tight_layout()
    return figure


def main(argv=None):
    parser = argparse.ArgumentParser(description="MLPRegressor on load_diabetes")
    parser.add_argument("--figure", help="save the figure to this path")
    # In the gallery or a Jupyter notebook there is no __file__, and a notebook's
    # sys.argv holds the kernel's own arguments: run with the defaults there.
    interactive = "__file__" not in globals()
    args = parser.parse_args([] if argv is None and interactive else argv)
    model, X_test, y_test = fit()
    mlp = model.regressor_[-1]
    print(f"test R²:    {model.score(X_test, y_test):.4f}")
    best = mlp.best_validation_score_
    print(f"epochs run: {mlp.n_iter_} (best validation R² {best:.4f})")
    if args.figure or interactive:
        figure = draw(model, X_test, y_test)
        if args.figure:
            figure.savefig(args.figure)


if __name__ == "__main__":
    main()
