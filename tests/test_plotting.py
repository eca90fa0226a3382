"""plot_history: the seed's accuracy and loss curves."""

import sys

import pytest

from sknn import MLPClassifier, MLPRegressor, plot_history

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")


def test_plot_history_renders_to_png(multiclass_data, tmp_path):
    X, y = multiclass_data
    clf = MLPClassifier(
        (8,), validation_fraction=0.2, max_iter=5, n_iter_no_change=None, random_state=0
    ).fit(X, y)
    figure = plot_history(clf)
    path = tmp_path / "history.png"
    figure.savefig(path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    accuracy, loss = figure.axes
    assert [line.get_label() for line in accuracy.lines] == ["train", "validation"]
    assert list(accuracy.lines[1].get_ydata()) == clf.history_["val_accuracy"]
    assert list(loss.lines[0].get_ydata()) == clf.history_["loss"]
    assert list(loss.lines[0].get_xdata()) == [1, 2, 3, 4, 5]


def test_without_validation_only_training_curves(multiclass_data):
    X, y = multiclass_data
    clf = MLPClassifier((8,), max_iter=3, random_state=0).fit(X, y)
    figure = plot_history(clf.history_)
    assert all(len(ax.lines) == 1 for ax in figure.axes)


def test_without_matplotlib_the_error_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"pip install \"sknn\[plot\]\""):
        plot_history({"loss": [1.0], "accuracy": [0.5]})


def test_a_regressor_gets_an_r2_panel(regression_data):
    X, y = regression_data
    reg = MLPRegressor(
        (8,), validation_fraction=0.2, max_iter=4, n_iter_no_change=None, random_state=0
    )
    reg.fit(X, y)  # n_iter_no_change=None: no ConvergenceWarning
    figure = plot_history(reg)
    assert [ax.get_title() for ax in figure.axes] == ["Model R²", "Model loss"]
    r2 = figure.axes[0]
    assert list(r2.lines[0].get_ydata()) == reg.history_["r2"]
    assert list(r2.lines[1].get_ydata()) == reg.history_["val_r2"]


def test_validation_only_metrics_and_the_learning_rate_get_panels():
    history = {
        "loss": [1.0, 0.5, 0.4],
        "accuracy": [0.5, 0.7, 0.8],
        "learning_rate": [0.1, 0.01, 0.001],
        "val_loss": [1.1, 0.6, 0.5],
        "val_accuracy": [0.4, 0.6, 0.7],
        "val_roc_auc": [0.6, 0.8, 0.9],
    }
    figure = plot_history(history, learning_rate=True)
    titles = [ax.get_title() for ax in figure.axes]
    assert titles == [
        "Model accuracy",
        "Validation roc_auc",
        "Model loss",
        "Learning rate",
    ]
    auc, rate = figure.axes[1], figure.axes[3]
    assert [line.get_label() for line in auc.lines] == ["validation"]
    assert list(auc.lines[0].get_ydata()) == history["val_roc_auc"]
    assert rate.get_yscale() == "log"
    assert list(rate.lines[0].get_ydata()) == history["learning_rate"]
    assert len(plot_history(history).axes) == 3  # no rate panel by default


def test_given_axes_must_match_the_panels():
    plt = pytest.importorskip("matplotlib.pyplot")
    history = {"loss": [1.0], "accuracy": [0.5]}
    figure, axes = plt.subplots(1, 3)
    with pytest.raises(ValueError, match="draws 2 panels"):
        plot_history(history, axes=axes)
    assert plot_history(history, axes=axes[:2]) is figure


@pytest.mark.parametrize("estimator", [MLPClassifier, MLPRegressor])
def test_an_unfitted_model_is_not_fitted_error(estimator):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError, match="not fitted yet"):
        plot_history(estimator())
