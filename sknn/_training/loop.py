"""The training loop: it runs a ``Plan`` and says what happened.

The mathematics (J(Θ), its gradient, the update rules) lives in ``sknn._math``;
this module only decides what is computed when.
An "epoch" is one pass over the training rows for the gradient solvers and one
iteration for L-BFGS.

The loop emits events to observers (``observers``), each with one job, in the
order of their roles (``PHASES``):

==============  ================================================================
event           when
==============  ================================================================
``run_begin``   before the first epoch of a call
``epoch_begin`` before each epoch
``batch_end``   after each step; ``state.batch_loss`` is J(Θ) of the batch
                before the step (L-BFGS: of the initial weights, then of each
                accepted iterate)
``epoch_end``   after each epoch; ``state.metrics`` holds its training metrics
                and observers add theirs (the hold-out's), keep weights, record
                the history and may set ``state.stop``
``run_end``     after the last epoch, unless the call failed
==============  ================================================================

The loop is the same for sgd, rmsprop and adam; L-BFGS drives the same events
from scipy's callback.
"""

from dataclasses import dataclass

import numpy as np
import scipy.optimize
from sklearn.exceptions import ConvergenceWarning

from .._exceptions import warn_user
from .._math.losses import cost, weighted_loss_sum
from .plan import RunState

# The order in which observers hear an event, by their role: the rate is set
# first; at an epoch's end the hold-out is measured, then stopping decides and
# keeps the weights, then the epoch is recorded (and only then counts as
# completed: the loop advances the counters there), then scikit-learn's
# callbacks are told, then the guard checks, and the progress line shows it
# last. So a Ctrl-C at any point leaves weights, history and count in step.
PHASES = ("rate", "measure", "decide", "record", "notify", "guard", "display")


class Events:
    """Calls each observer's ``on_<event>`` method, observers ordered by their
    ``phase`` (one of ``PHASES``) whatever the order they came in."""

    NAMES = ("run_begin", "epoch_begin", "batch_end", "epoch_end", "run_end")

    def __init__(self, observers):
        ordered = sorted(observers, key=lambda o: PHASES.index(o.phase))
        self._handlers = {
            name: [
                (o.phase, getattr(o, f"on_{name}"))
                for o in ordered
                if hasattr(o, f"on_{name}")
            ]
            for name in self.NAMES
        }

    def emit(self, name, state, plan, phases=PHASES):
        for phase, handler in self._handlers[name]:
            if phase in phases:
                handler(state, plan)


def evaluate(backprop, rows, theta, alpha, chunk, metric=None):
    """J(Θ) on ``rows`` with dropout off, ``chunk`` rows at a time.

    J divides by the rows' own Σw; ``metric``, when given, sees every output.
    Rows that live elsewhere (a Dask collection's) sum their losses where
    they are, with ``loss_sum`` on each part, through their own ``loss_sum``.
    """
    sums = getattr(rows, "loss_sum", None)
    if sums is None:
        total = loss_sum(backprop, rows, theta, chunk, metric)
    else:
        total = sums(backprop, theta, chunk, metric)
    net = backprop.network
    sq_norm = net.squared_norm(theta) if alpha else 0.0
    return cost(total, rows.total_weight, alpha, sq_norm)


def loss_sum(backprop, rows, theta, chunk, metric=None):
    """Σ_i w_i ℓ_i over ``rows``, dropout off, ``chunk`` rows at a time (no L2
    term, no division by Σw); ``metric``, when given, sees every output."""
    net = backprop.network
    total = 0.0
    for batch in rows.batches(chunk):
        H, _ = backprop.forward(batch.X, theta, train=False)
        losses = net.output.loss_and_output(H, batch.T)
        total += weighted_loss_sum(losses, batch.weights)
        if metric is not None:
            metric.update(H, batch.T)
    return total


def loss_and_gradient_sum(backprop, rows, theta, chunk, sum_w, grad, metric=None):
    """The share of ``rows`` in J(Θ) and ∂J/∂θ of a larger set whose Σw is
    ``sum_w``: (1/Σw) Σ_i w_i ℓ_i returned, (1/Σw) Σ_i w_i ∂ℓ_i/∂θ added to
    ``grad`` (float64), dropout off, no L2 term, ``chunk`` rows at a time.

    Summed over the parts of a set, with the L2 term added once, these are
    the set's J and gradient, as one ``Backprop.loss_and_gradient`` on all of
    its rows gives them, to rounding.
    """
    step = np.zeros_like(theta)  # a product writes into it: no garbage
    share = 0.0
    for batch in rows.batches(chunk):
        share += backprop.loss_and_gradient(
            batch.X, batch.T, batch.weights, theta, step, 0.0, False,
            metric=metric, sum_w=sum_w,
        )  # fmt: skip
        grad += step
    return share


def end_epoch(plan, state, events):
    """Hand the finished epoch to the observers; True when training stops."""
    state.metrics = {
        "loss": state.loss_sum / state.weight_sum,
        state.train_metric.name: state.train_metric.value(),
        "learning_rate": state.epoch_rate,
    }
    cut = PHASES.index("record") + 1
    events.emit("epoch_end", state, plan, PHASES[:cut])
    state.completed += 1  # recorded: the epoch counts
    state.epoch += 1
    events.emit("epoch_end", state, plan, PHASES[cut:])
    return state.stop


def start_epoch(plan, state, events):
    state.samples_done = 0
    state.loss_sum = state.weight_sum = 0.0
    state.train_metric = plan.make_metric()
    events.emit("epoch_begin", state, plan)


def _l2_scale(alpha, batch):
    """λ/Σw of the batch, with Σw computed exactly as backpropagation does
    (a NumPy scalar in X's dtype for weighted rows), so that the L2 term is
    bit for bit the one backpropagation would add."""
    if not alpha:
        return 0.0
    n = batch.X.shape[0]
    return alpha / (n if batch.weights is None else batch.weights.sum())


def train_minibatch(plan, state, events):
    """Minibatch gradient descent for up to ``plan.max_epochs`` epochs."""
    for _ in range(plan.max_epochs):
        start_epoch(plan, state, events)
        train_rows(plan, state, events, plan.train)
        if end_epoch(plan, state, events):
            return


def train_rows(plan, state, events, rows):
    """The minibatch steps of one pass over ``rows`` (the training rows, or
    one block of them), shuffled when the plan says so; the epoch's sums and
    metric accumulate in ``state``."""
    backprop, optimizer, theta = plan.backprop, plan.optimizer, state.theta
    if state.grad is None:
        state.grad = np.zeros_like(theta)  # a product writes into it: no garbage
    n, batch_size = len(rows), plan.batch_size
    if state.gather is None and rows.needs_gather_buffer(plan.shuffle):
        state.gather = np.empty((batch_size, rows.X.shape[1]), rows.X.dtype)
    # one batch holding every row gives the same gradient in any order
    order = plan.rng.permutation(n) if plan.shuffle and n > batch_size else None
    for batch in rows.batches(batch_size, order, state.gather):
        state.samples_done += batch.X.shape[0]
        batch_weight = batch.total_weight
        if batch_weight == 0:
            # all weights zero: J is undefined and nothing is learnt, but the
            # rows count in the (unweighted) metric; dropout off, so that
            # skipping draws nothing from the random generator
            H, _ = backprop.forward(batch.X, theta, train=False)
            backprop.network.output.loss_and_output(H, batch.T)
            state.train_metric.update(H, batch.T)
            continue
        J = backprop.loss_and_gradient(
            batch.X,
            batch.T,
            batch.weights,
            theta,
            state.grad,
            plan.alpha,
            metric=state.train_metric,
            include_l2=False,  # the optimiser's step adds it, fused
        )
        optimizer.step(theta, state.grad, _l2_scale(plan.alpha, batch))
        state.steps += 1
        state.batch_loss = J
        state.loss_sum += J * batch_weight
        state.weight_sum += batch_weight
        events.emit("batch_end", state, plan)


def full_batch_objective(plan):
    """J(Θ) over all training rows in memory, as one batch: a function of
    (θ, grad, metric) that returns J and writes ∂J/∂θ into ``grad``."""
    batch = plan.train.batch(0, len(plan.train))

    def objective(theta, grad, metric):
        return plan.backprop.loss_and_gradient(
            batch.X, batch.T, batch.weights, theta, grad, plan.alpha, False,
            metric=metric,
        )  # fmt: skip

    return objective


def train_lbfgs(plan, state, events, objective=None):
    """L-BFGS (scipy) on J(Θ) over all training rows; one iteration = one epoch.

    ``objective`` computes J and its gradient (``full_batch_objective``'s
    form; by default that one); the Dask path sums them over partitions.

    Only the points L-BFGS accepts are seen by the observers: the initial
    weights (the ``batch_end`` of the call's first J) and the iterate at the
    end of each iteration. The trial points of the line search, which it may
    reject, are never checked for divergence nor kept: after the run θ is
    ``result.x``, the last accepted iterate, whatever was evaluated last.
    """
    train = plan.train
    if objective is None:
        objective = full_batch_objective(plan)
    theta = state.theta
    grad = np.zeros_like(theta)  # a product writes into it: no garbage
    last = {}

    def cost_and_gradient(x):
        theta[:] = x
        metric = plan.make_metric()
        J = objective(theta, grad, metric)
        if not last:  # the initial weights: the reference of this call
            state.batch_loss = J
            events.emit("batch_end", state, plan)
        last.update(x=x.copy(), J=J, metric=metric)
        return J, grad.astype(np.float64)

    def end_iteration(intermediate_result):
        if not np.array_equal(intermediate_result.x, last["x"]):
            cost_and_gradient(intermediate_result.x)
        theta[:] = intermediate_result.x
        state.batch_loss = last["J"]
        events.emit("batch_end", state, plan)  # an accepted iterate
        state.samples_done = len(train)
        state.loss_sum, state.weight_sum = last["J"], 1.0
        state.train_metric = last["metric"]
        if end_epoch(plan, state, events):
            raise StopIteration
        start_epoch(plan, state, events)

    start_epoch(plan, state, events)
    result = scipy.optimize.minimize(
        cost_and_gradient,
        theta.astype(np.float64),
        jac=True,
        method="L-BFGS-B",
        callback=end_iteration,
        options={"maxiter": plan.max_epochs, "maxfun": plan.max_fun, "gtol": plan.tol},
    )
    if state.completed == 0:
        raise LBFGSError(result, last.get("J", np.nan))
    theta[:] = result.x  # the last accepted iterate, not the last trial point
    if result.status != 0 and not state.stop:
        warn_user(lbfgs_warning(result, state.completed), ConvergenceWarning)


def lbfgs_warning(result, n_iter):
    """scikit-learn's words for an L-BFGS run SciPy did not end with success."""
    message = result.message
    if isinstance(message, bytes):  # SciPy < 1.15
        message = message.decode("latin1")
    return (
        f"lbfgs failed to converge after {n_iter} iteration(s) "
        f"(status={result.status}):\n{message}\n\n"
        "Increase the number of iterations (max_iter) or scale the data as "
        "shown in:\n    https://scikit-learn.org/stable/modules/"
        "preprocessing.html"
    )


class LBFGSError(RuntimeError):
    """L-BFGS accepted no step from the initial weights; the estimator turns
    this into an error about the data (``BaseMLP``)."""

    def __init__(self, result, initial_loss):
        super().__init__(lbfgs_warning(result, 0))
        self.result = result
        self.initial_loss = initial_loss


@dataclass
class TrainingResult:
    theta: np.ndarray
    n_epochs: int
    interrupted: bool
    stopped: bool


def run(plan, theta, observers):
    """Train ``theta`` (in place) as ``plan`` says; observers decide what is kept.

    A ``KeyboardInterrupt`` after at least one completed epoch ends training
    with a warning and keeps what was learnt; before that, it propagates.
    """
    state = RunState(theta=theta, epoch=plan.first_epoch)
    events = Events(observers)
    solver_loop = plan.solver_loop or (
        train_lbfgs if plan.optimizer is None else train_minibatch
    )
    events.emit("run_begin", state, plan)
    try:
        solver_loop(plan, state, events)
    except KeyboardInterrupt:
        if state.completed == 0:
            raise
        state.interrupted = True
        warn_user(
            f"Training was interrupted during epoch {state.epoch}; the model "
            f"keeps the weights of {state.kept_description} epoch "
            f"({state.completed} completed in this call).",
            UserWarning,
        )
    finally:
        if plan.optimizer is not None:
            plan.optimizer.release()  # a fitted model does not carry the scratch
    events.emit("run_end", state, plan)
    kept = theta if state.kept_theta is None else state.kept_theta
    return TrainingResult(kept, state.completed, state.interrupted, state.stop)


def warn_if_not_converged(plan, result, patience):
    """scikit-learn's warning when a gradient solver used up its epochs."""
    if (
        plan.optimizer is not None
        and not result.interrupted
        and not result.stopped
        and patience is not None
        and result.n_epochs >= plan.max_epochs
    ):
        warn_user(
            f"Stochastic optimizer: maximum iterations (max_iter={plan.max_epochs}) "
            "reached and the optimization hasn't converged yet.",
            ConvergenceWarning,
        )
