"""Exact L-BFGS on a Dask collection: SciPy's L-BFGS-B runs on the client
(``loop.train_lbfgs``, the in-memory driver), and J(Θ) and its gradient are
sums over the partitions, computed where they live.

One evaluation of J at θ:

1. θ goes into the graph once, as one task every partition's task depends
   on (the scheduler copies it to each worker once);
2. each partition computes its share of J and of the gradient,
   (1/Σw) Σ_i w_i ℓ_i and (1/Σw) Σ_i w_i ∂ℓ_i/∂θ with the training set's Σw
   (``loop.loss_and_gradient_sum``: ``Backprop.loss_and_gradient`` on
   sub-batches of ``DaskRows.max_batch_rows`` rows, so a task holds a bounded
   slice of activations), and its training metric;
3. the shares are added pairwise on the workers (``cluster.tree_sum``), the
   gradients in float64; the client receives one J, one gradient, one metric
   and adds the L2 term, (λ / 2Σw) Σθ² and its gradient (λ/Σw) Θ.

That is J = (1/Σw) Σ_i w_i ℓ_i + (λ / 2Σw) Σθ², the in-memory J with its
sample and class weights, equal to it to rounding. The cost of an iteration
is one or a few evaluations (the line search's), each one pass over the data
(from memory when it was persisted, see ``cluster.persisted``; generated
again otherwise) plus sending θ out and gradients back: 2·log2(P) gradient
transfers of 8·n_params bytes for P partitions.
"""

import uuid

import dask
import numpy as np

from .._math.losses import cost
from .._training.loop import loss_and_gradient_sum
from . import cluster
from .rows import add_sums, fresh, local_rows, part_backprop


def objective(rows, plan):
    """J(Θ) and ∂J/∂θ over the ``DaskRows`` ``rows``, in the form of
    ``loop.full_batch_objective``: a function of (θ, grad, metric) returning
    J and writing the gradient into ``grad``."""
    network = plan.backprop.network
    total, alpha = rows.total_weight, plan.alpha
    task = dask.delayed(_part_gradient, pure=True)
    token = uuid.uuid4().hex  # the fit's tasks share a Backprop per thread

    def evaluate(theta, grad, metric):
        shared = [
            cluster.constant(value, name)
            for value, name in ((theta.copy(), "theta"), (network, "network"),
                                (fresh(metric), "metric"))
        ]  # fmt: skip
        parts = [
            task(X, T, w, *shared, plan.batch_size, total, token)
            for X, T, w in rows.parts()
        ]
        share, gradient, seen = cluster.compute(cluster.tree_sum(parts, add_sums))[0]
        grad[:] = gradient
        sq_norm = network.squared_norm(theta) if alpha else 0.0
        if alpha:
            plan.backprop.add_l2_gradient(theta, grad, alpha, total)
        if metric is not None:
            metric.merge(seen)
        return share + cost(0.0, total, alpha, sq_norm)  # + the L2 term

    return evaluate


def _part_gradient(X, T, w, theta, network, metric, chunk, total, token=None):
    """On a worker: one partition's share of J and of its gradient (float64)
    and its training metric."""
    seen = fresh(metric)
    grad = np.zeros(theta.shape, np.float64)
    backprop = part_backprop(network, X, chunk, token)
    rows = local_rows(X, T, w)
    share = loss_and_gradient_sum(backprop, rows, theta, chunk, total, grad, seen)
    return share, grad, seen
