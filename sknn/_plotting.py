"""Learning curves: a panel per metric of the history, then the loss."""

from collections.abc import Sequence
from typing import Any

from sklearn.utils.validation import check_is_fitted

TITLES = {"accuracy": "Model accuracy", "r2": "Model R²", "loss": "Model loss"}
NOT_METRICS = {"loss", "val_loss", "learning_rate"}


def _panels(history, learning_rate):
    """(key, title) of each panel: every training metric (with its val_ curve),
    every validation-only metric, the loss, and the rate if asked for."""
    keys = [k for k in history if k not in NOT_METRICS]
    trained = [k for k in keys if not k.startswith("val_")]
    val_only = [
        k for k in keys if k.startswith("val_") and k.removeprefix("val_") not in keys
    ]
    panels = [(k, TITLES.get(k, f"Model {k}")) for k in trained]
    panels += [(k, f"Validation {k.removeprefix('val_')}") for k in val_only]
    panels.append(("loss", TITLES["loss"]))
    if learning_rate:
        panels.append(("learning_rate", "Learning rate"))
    return panels


def plot_history(
    model: Any, *, axes: Sequence[Any] | None = None, learning_rate: bool = False
) -> Any:
    """Draw each metric and the loss by epoch, training and validation.

    One panel per metric of the history (``accuracy`` for a classifier, ``r2``
    for a regressor, each with its ``val_`` curve; a validation-only metric
    such as a scorer's ``val_roc_auc`` gets its own panel), then the loss,
    then, when asked for, the learning rate on a log scale.

    Parameters
    ----------
    model : fitted MLPClassifier, MLPRegressor or dict
        A fitted estimator, or its ``history_`` dict.
    axes : sequence of matplotlib Axes, default=None
        Where to draw, one per panel; a new figure with a row of axes when None.
    learning_rate : bool, default=False
        Add a panel of the learning rate each epoch started with.

    Returns
    -------
    figure : matplotlib.figure.Figure

    Raises
    ------
    ImportError
        When matplotlib is not installed (``pip install "sknn[plot]"``).
    ValueError
        When ``axes`` does not hold one Axes per panel.

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
    >>> figure = plot_history(clf, learning_rate=True)
    >>> [ax.get_title() for ax in figure.axes]
    ['Model accuracy', 'Model loss', 'Learning rate']
    """
    try:
        import matplotlib.pyplot as plt
        from matplotlib.ticker import MaxNLocator
    except ImportError as error:
        raise ImportError(
            'plot_history needs matplotlib: pip install "sknn[plot]" (or '
            "pip install matplotlib)."
        ) from error
    if isinstance(model, dict):
        history = model
    else:
        check_is_fitted(model, "history_")
        history = model.history_
    panels = _panels(history, learning_rate)
    if axes is None:
        figure, axes = plt.subplots(
            1, len(panels), figsize=(5.5 * len(panels), 4), squeeze=False
        )
        axes = axes[0]
    elif len(axes) != len(panels):
        raise ValueError(
            f"plot_history draws {len(panels)} panels here "
            f"({', '.join(title for _, title in panels)}) but got {len(axes)} "
            "axes: pass one Axes per panel, or axes=None."
        )
    figure = axes[0].figure
    for ax, (key, title) in zip(axes, panels):
        epochs = range(1, len(history[key]) + 1)
        if key.startswith("val_"):  # validation-only
            ax.plot(epochs, history[key], label="validation")
        else:
            ax.plot(epochs, history[key], label="train")
            if f"val_{key}" in history:
                ax.plot(epochs, history[f"val_{key}"], label="validation")
        if key == "learning_rate":
            ax.set_yscale("log")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # whole epochs
        ax.set_title(title)
        ax.set_xlabel("epoch")
        ax.set_ylabel(key.removeprefix("val_"))
        ax.legend(loc="best")
    return figure
