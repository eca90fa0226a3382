"""Quick start: train sknn's MLPClassifier on scikit-learn's digits
==================================================================

Scale the 8×8 digit images with a ``StandardScaler``, train a network with one
hidden layer of 100 units on three quarters of them, and print the test accuracy,
the layer sizes, the epochs run and the ``summary()`` layer table; with
matplotlib installed (``pip install "sknn[plot]"``), also draw the training
loss and accuracy by epoch with ``plot_history``::

    python examples/quickstart.py
"""

from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknn import MLPClassifier, plot_history


def main():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )
    mlp = MLPClassifier(hidden_layer_sizes=(100,), random_state=0)
    model = make_pipeline(StandardScaler(), mlp).fit(X_train, y_train)

    sizes = [mlp.coefs_[0].shape[0]] + [c.shape[1] for c in mlp.coefs_]
    print(f"test accuracy: {model.score(X_test, y_test):.4f}")
    print(f"layer sizes:   {' -> '.join(map(str, sizes))}")
    print(f"epochs run:    {mlp.n_iter_}")
    mlp.summary()

    try:
        import matplotlib.pyplot as plt
    except ImportError:  # plotting is optional: pip install "sknn[plot]"
        return
    plot_history(mlp)
    plt.show()


if __name__ == "__main__":
    main()
