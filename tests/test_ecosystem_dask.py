"""Past one machine: a GridSearchCV of an sknn pipeline run on a Dask
cluster through joblib's Dask backend equals the same search run locally."""

import numpy as np
import pytest
import sklearn
from _ecosystem_data import mixed_frame, mixed_pipeline
from joblib import parallel_config
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from conftest import version

distributed = pytest.importorskip("distributed")

GRID = {
    "mlp__hidden_layer_sizes": [(4,), (8,)],
    "mlp__alpha": [1e-4, 1e-1],
    "mlp__dropout": [0.0, 0.2],
}


def search(n_jobs):
    return GridSearchCV(
        mixed_pipeline(max_iter=20),
        GRID,
        cv=StratifiedKFold(3, shuffle=True, random_state=0),
        scoring="neg_log_loss",
        n_jobs=n_jobs,
    )


@pytest.mark.filterwarnings("ignore:Port .* is already in use")
# Skipped, not xfail: a failure for any other reason would be an expected
# failure too, and a scikit-learn 1.8.x that backports the fix would fail a
# strict xfail; from 1.9 on it runs and every assertion counts.
@pytest.mark.skipif(
    version(sklearn) < (1, 9),
    reason="scikit-learn before 1.9 mixes up the arguments of a pipeline's "
    "ColumnTransformer on joblib's Dask backend (AttributeError: 'dict' object "
    "has no attribute 'transform'; scikit-learn issue 34005, fixed by pull "
    "request 34077 in 1.9), whatever the estimator after it",
)
def test_grid_search_on_a_local_dask_cluster(cluster_client):
    X, y = mixed_frame()
    local = search(n_jobs=1).fit(X, y)  # plain, in this process

    # worker processes, as on a real cluster: the estimators travel pickled
    with (
        distributed.get_task_stream(cluster_client) as tasks,
        parallel_config(backend="dask"),
    ):
        remote = search(n_jobs=-1).fit(X, y)  # every worker
    workers = {task["worker"] for task in tasks.data}

    assert len(workers) == 2, "the fits did not run on both Dask workers"
    assert remote.best_params_ == local.best_params_
    assert np.array_equal(
        remote.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"]
    )
    assert np.array_equal(
        remote.best_estimator_.predict_proba(X), local.best_estimator_.predict_proba(X)
    )
