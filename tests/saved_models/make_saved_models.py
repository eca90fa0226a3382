"""Make the saved-model fixtures of one sknn version.

Usage::

    python tests/saved_models/make_saved_models.py SKNN_TREE [OUT_DIR]

``SKNN_TREE`` is a checkout of sknn (a git worktree at the commit to save
from); it goes first on ``sys.path``, so its ``sknn`` is the one that fits and
saves. ``OUT_DIR`` defaults to this script's folder. For every model the
script writes, beside a manifest ``<tag>.json`` (``<tag>`` is
``sknn-<version>-<commit>``):

- ``<tag>__<name>.pkl``, ``.joblib`` and ``.skops`` (skops when it is
  installed and can save the model): the fitted model;
- ``<tag>__<name>.npz``: the training data ``X`` and ``y`` (also the input of
  the predictions) and what the model predicted at save time (``predict``,
  and ``predict_proba`` for a classifier).

The data come from ``numpy.random.default_rng`` with fixed seeds, so they are
the same on every machine and NumPy version; the fits and predictions are
those of the machine that ran the script, stored so the tests compare with
them under a tolerance. The models are tiny (a few units, 60 rows), so the
files stay small. Models that need features the version lacks are left out.
"""

import argparse
import json
import pickle
import platform
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

N_ROWS = 60
# the smallest decision margin a classifier fixture may have: its labels must
# not flip under the rounding of another machine's BLAS
# (float32's tolerance in the tests is about 3e-5)
MIN_MARGIN = 1e-4


def make_data(task, seed=0):
    """Deterministic X (60 × 4, standard normal) and y for ``task``."""
    import numpy as np

    gen = np.random.default_rng(seed)
    X = gen.normal(size=(N_ROWS, 4))
    score = X @ np.array([1.0, -0.8, 0.5, 0.0])
    if task == "binary":
        return X, (score > 0).astype(np.int64)
    if task == "multiclass":
        return X, np.array(["ant", "bee", "cat"])[np.digitize(score, [-0.6, 0.6])]
    if task == "multilabel":
        Y = np.column_stack([score > 0, X[:, 1] > 0, X[:, 2] + X[:, 3] > 0])
        return X, Y.astype(np.int64)
    if task == "regression":
        return X, score + 0.1 * gen.normal(size=N_ROWS)
    if task == "counts":
        return X, gen.poisson(np.exp(0.5 * score)).astype(np.float64)
    raise ValueError(task)


def specs(sknn):
    """(name, estimator, task, how it is trained, explicit parameters) of
    every model this sknn can make."""
    has_regressor = hasattr(sknn, "MLPRegressor")
    few = {"hidden_layer_sizes": (5,), "max_iter": 30, "random_state": 0}
    rows = [
        ("clf_binary_sgd", "classifier", "binary", "fit",
         {**few, "solver": "sgd", "momentum": 0.9, "learning_rate": 0.05}),
        ("clf_multiclass_adam_dropout_early_stopping", "classifier", "multiclass",
         "fit",
         {**few, "hidden_layer_sizes": (6,), "solver": "adam", "dropout": 0.2,
          "early_stopping": True, "validation_fraction": 0.25,
          "n_iter_no_change": 5, "learning_rate": 0.02}),
        ("clf_multilabel_adam", "classifier", "multilabel", "fit",
         {**few, "learning_rate": 0.02}),
        ("clf_binary_lbfgs", "classifier", "binary", "fit",
         {**few, "solver": "lbfgs"}),
        ("clf_multiclass_rmsprop_float32", "classifier", "multiclass", "fit32",
         {**few, "solver": "rmsprop", "learning_rate": 0.01}),
        ("clf_multiclass_adam_partial_fit", "classifier", "multiclass",
         "partial_fit", {**few, "learning_rate": 0.05, "batch_size": 5}),
        ("pipeline_scaler_clf_sgd", "pipeline", "binary", "fit",
         {**few, "solver": "sgd", "learning_rate": 0.05}),
    ]
    if has_regressor:  # everything below came after 0.1.0
        rows += [
            ("reg_squared_error_adam", "regressor", "regression", "fit",
             {**few, "learning_rate": 0.02}),
            ("reg_poisson_sgd", "regressor", "counts", "fit",
             {**few, "loss": "poisson", "solver": "sgd", "learning_rate": 0.1}),
            ("clf_multiclass_cosine_scoring", "classifier", "multiclass", "fit",
             {**few, "hidden_layer_sizes": (6,), "learning_rate": 0.1,
              "learning_rate_schedule": "cosine",
              "scoring": ["accuracy", "f1_macro"], "early_stopping": True,
              "early_stopping_metric": "f1_macro", "validation_fraction": 0.25}),
            ("reg_dtype_float32_invscaling", "regressor", "regression", "fit",
             {**few, "dtype": "float32", "solver": "sgd", "learning_rate": 0.2,
              "learning_rate_schedule": "invscaling", "power_t": 0.25}),
        ]
    return rows


def build(sknn, kind, params):
    if kind == "regressor":
        return sknn.MLPRegressor(**params)
    model = sknn.MLPClassifier(**params)
    if kind == "pipeline":
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        return make_pipeline(StandardScaler(), model)
    return model


def train(model, how, X, y):
    import numpy as np

    if how == "fit32":
        return model.fit(X.astype(np.float32), y)
    if how == "partial_fit":  # six chunks of 20 rows: two passes over X
        chunks = np.array_split(np.arange(len(X)), 3)
        for chunk in chunks + chunks:
            model.partial_fit(X[chunk], y[chunk], classes=np.unique(y))
        return model
    return model.fit(X, y)


def margin(proba, task):
    """The smallest distance of a prediction from the decision boundary."""
    import numpy as np

    if task != "multiclass":  # logistic units: 0.5 is the boundary
        return float(np.abs(proba - 0.5).min())
    top2 = np.sort(proba, axis=1)[:, -2:]
    return float((top2[:, 1] - top2[:, 0]).min())


def versions():
    import joblib
    import numpy
    import scipy
    import sklearn

    found = {
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
        "joblib": joblib.__version__,
    }
    try:
        import skops

        found["skops"] = skops.__version__
    except ImportError:
        pass
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tree", type=Path, help="a checkout of sknn to save from")
    parser.add_argument("out", type=Path, nargs="?", default=Path(__file__).parent)
    args = parser.parse_args()
    tree = args.tree.resolve()
    sys.path.insert(0, str(tree))

    import joblib
    import numpy as np

    import sknn

    if Path(sknn.__file__).resolve().parent != tree / "sknn":
        raise SystemExit(f"imported {sknn.__file__}, not the sknn of {tree}")
    commit = subprocess.run(
        ["git", "-C", str(tree), "rev-parse", "--short=7", "HEAD"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    tag = f"sknn-{sknn.__version__}-{commit}"
    args.out.mkdir(parents=True, exist_ok=True)
    manifest = {"sknn": sknn.__version__, "commit": commit, **versions()}
    manifest["models"] = {}
    warnings.simplefilter("ignore")  # ConvergenceWarning: few epochs on purpose
    for name, kind, task, how, params in specs(sknn):
        X, y = make_data(task)
        model = train(build(sknn, kind, params), how, X, y)
        stem = args.out / f"{tag}__{name}"
        saved = {"X": X, "y": y, "predict": model.predict(X)}
        if kind != "regressor":
            saved["predict_proba"] = model.predict_proba(X)
            if margin(saved["predict_proba"], task) < MIN_MARGIN:
                raise SystemExit(f"{name}: a label is too close to its boundary")
        np.savez_compressed(f"{stem}.npz", **saved)
        with open(f"{stem}.pkl", "wb") as file:
            pickle.dump(model, file)  # the default protocol, as most users save
        joblib.dump(model, f"{stem}.joblib")
        formats = ["pkl", "joblib"]
        try:
            import skops.io as sio

            # one file per array inside the zip: deflated, they shrink 5-fold
            sio.dump(model, f"{stem}.skops", compression=zipfile.ZIP_DEFLATED)
            formats.append("skops")
        except ImportError:
            pass
        estimator = model[-1] if kind == "pipeline" else model
        manifest["models"][name] = {
            "kind": kind,
            "task": task,
            "trained_by": how,
            "params": {k: list(v) if isinstance(v, tuple) else v
                       for k, v in params.items()},
            "dtype": estimator.coefs_[0].dtype.name,
            "n_iter_": estimator.n_iter_,
            "formats": formats,
        }
        print(f"{stem.name}: {', '.join(formats)}")
    with open(args.out / f"{tag}.json", "w") as file:
        json.dump(manifest, file, indent=1, sort_keys=True)
        file.write("\n")


if __name__ == "__main__":
    main()
