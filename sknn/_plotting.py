"""Learning curves: the seed's two plots of accuracy and loss by epoch."""

from collections.abc import Sequence
from typing import Any


def plot_history(model: Any, *, axes: Sequence[Any] | None = None) -> Any:
    """Draw accuracy and loss by epoch, training and validation, side by side.

    Parameters
    ----------
    model : fitted MLPClassifier or dict
        A fitted estimator, or its ``history_`` dict.
    axes : sequence of two matplotlib Axes, default=None
        Where to draw; a new figure with two axes when None.

    Returns
    -------
    figure : matplotlib.figure.Figure

    Raises
    ------
    ImportError
        When matplotlib is not installed (``pip install "sknn[plot]"``).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_iris
    >>> from sknn import MLPClassifier, plot_history
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MLPClassifier((8,), validation_fraction=0.2, max_iter=20,
    ...                     random_state=0).fit(X, y)
    >>> figure = plot_history(clf)
    >>> [ax.get_title() for ax in figure.axes]
    ['Model accuracy', 'Model loss']
    """
    try:
        import matplotlib.pyplot as plt
        from matplotlib.ticker import MaxNLocator
    except ImportError as error:
        raise ImportError(
            'plot_history needs matplotlib: pip install "sknn[plot]" (or '
            "pip install matplotlib)."
        ) from error
    history = model if isinstance(model, dict) else model.history_
    if axes is None:
        figure, axes = plt.subplots(1, 2, figsize=(11, 4))
    else:
        figure = axes[0].figure
    for ax, metric, title in zip(
        axes, ("accuracy", "loss"), ("Model accuracy", "Model loss")
    ):
        epochs = range(1, len(history[metric]) + 1)
        ax.plot(epochs, history[metric], label="train")
        if f"val_{metric}" in history:
            ax.plot(epochs, history[f"val_{metric}"], label="validation")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # whole epochs
        ax.set_title(title)
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.legend(loc="best")
    return figure
