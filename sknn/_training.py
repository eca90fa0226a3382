"""The training loop: batches, validation, stopping, history and interruption.

The mathematics (J(Θ), its gradient, the update rules) lives in ``_network``,
``_loss`` and ``_optimizers``; this module only decides what is computed when.
An "epoch" is one pass over the training rows for the gradient solvers and one
iteration for L-BFGS; ``EpochMonitor`` treats both alike.
"""

import warnings
from dataclasses import dataclass

import numpy as np
import scipy.optimize
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from ._exceptions import DivergenceError
from ._loss import cost, weighted_loss_sum

# A loss this many times the first one means the run is exploding.
DIVERGENCE_FACTOR = 1e4
LBFGS_MAX_FUN = 15000


class History(dict):
    """Per-epoch lists ``loss``, ``accuracy`` and, with a validation set,
    ``val_loss`` and ``val_accuracy``; ``acc`` and ``val_acc`` answer too, as
    they did in old Keras."""

    ALIASES = {"acc": "accuracy", "val_acc": "val_accuracy"}

    def __missing__(self, key):
        if key in self.ALIASES:
            return self[self.ALIASES[key]]
        raise KeyError(key)

    def get(self, key, default=None):
        try:
            return self[key]
        except KeyError:
            return default

    def __reduce__(self):
        return (History, (dict(self),))


@dataclass
class Rows:
    """The rows of ``X`` used for training or validation, with their targets
    ``T`` and ``weights`` (None: all ones). ``index`` picks the rows of ``X``
    (None: all of them, in order), so a hold-out never copies ``X``."""

    X: object
    T: np.ndarray
    weights: np.ndarray | None
    index: np.ndarray | None = None

    def __len__(self):
        return self.X.shape[0] if self.index is None else len(self.index)

    def batch(self, start, stop, order=None, buffer=None):
        """Rows ``start:stop`` of this set, taken in ``order`` if one is given.

        Dense rows that are not one contiguous slice are gathered into
        ``buffer``, which is reused from batch to batch.
        """
        positions = slice(start, stop) if order is None else order[start:stop]
        rows = positions if self.index is None else self.index[positions]
        if isinstance(rows, slice) or sp.issparse(self.X) or buffer is None:
            X = self.X[rows]
        else:
            # the rows are valid by construction; mode="clip" spares the
            # bounds-checked ("raise") mode's extra buffering of ``out``
            X = np.take(self.X, rows, axis=0, out=buffer[: stop - start], mode="clip")
        weights = None if self.weights is None else self.weights[rows]
        return X, self.T[rows], weights

    def needs_gather_buffer(self, shuffle):
        return not sp.issparse(self.X) and (shuffle or self.index is not None)


def evaluate(backprop, rows, theta, alpha, chunk):
    """J(Θ) and accuracy on ``rows`` with dropout off, ``chunk`` rows at a time."""
    net = backprop.network
    loss_sum = 0.0
    n_correct = 0
    for start in range(0, len(rows), chunk):
        X, T, w = rows.batch(start, min(start + chunk, len(rows)))
        H, _ = backprop.forward(X, theta, train=False)
        loss_sum += weighted_loss_sum(net.output.loss_and_output(H, T), w)
        n_correct += int(net.output.correct(H, T).sum())
    sum_w = len(rows) if rows.weights is None else float(rows.weights.sum())
    sq_norm = net.squared_norm(theta) if alpha else 0.0
    return cost(loss_sum, sum_w, alpha, sq_norm), n_correct / len(rows)


@dataclass
class EpochMonitor:
    """What happens at the end of every epoch, whatever the solver.

    It records the history, scores the validation rows, applies the stopping
    rule, keeps the weights to return (the last completed epoch's, or the best
    validation epoch's with ``early_stopping``), watches for divergence and
    writes the progress line.
    """

    history: History
    progress: object
    learning_rate: float | None
    tol: float
    n_iter_no_change: int | None
    early_stopping: bool
    validate: object = None  # theta -> (val_loss, val_accuracy), or None
    first_epoch: int = 1
    completed: int = 0
    best_loss: float = np.inf
    no_improvement: int = 0
    kept_theta: np.ndarray | None = None
    reference_loss: float | None = None
    stopped: bool = False

    @property
    def epoch(self):
        return self.first_epoch + self.completed

    def start_epoch(self):
        self.progress.start_epoch(self.completed + 1)

    def check_batch(self, J):
        """Stop a run whose J(Θ) is non-finite or explodes, naming the cause."""
        if self.reference_loss is None:
            self.reference_loss = J
        if np.isfinite(J) and J <= DIVERGENCE_FACTOR * max(self.reference_loss, 1.0):
            return
        what = f"became {J}" if not np.isfinite(J) else f"exploded to {J:.4g}"
        if self.learning_rate is None:
            advice = "Scale the features (e.g. StandardScaler) or raise alpha."
        else:
            advice = (
                f"learning_rate={self.learning_rate:g} is too large for this "
                f"problem: lower it (e.g. to {self.learning_rate / 10:g}) or "
                "scale the features."
            )
        raise DivergenceError(
            f"Training diverged in epoch {self.epoch}: the cost J(Θ) {what}. " + advice
        )

    def end_epoch(self, theta, loss, accuracy):
        """Record a finished epoch; returns True when training should stop."""
        metrics = {"loss": loss, "accuracy": accuracy}
        if self.validate is not None:
            metrics["val_loss"], metrics["val_accuracy"] = self.validate(theta)

        monitored = metrics["val_loss"] if self.early_stopping else loss
        if monitored > self.best_loss - self.tol:
            self.no_improvement += 1
        else:
            self.no_improvement = 0
        if monitored < self.best_loss:
            self.best_loss = float(monitored)
            if self.early_stopping:
                self.kept_theta = theta.copy()
        if not self.early_stopping:
            self.kept_theta = theta.copy()
        # the weights are kept before the epoch counts as completed, and the
        # progress line comes last, so Ctrl-C at any point leaves them in step
        for key, value in metrics.items():
            self.history.setdefault(key, []).append(float(value))
        self.completed += 1
        self.stopped = (
            self.n_iter_no_change is not None
            and self.no_improvement >= self.n_iter_no_change
        )
        self.progress.end_epoch(metrics)
        return self.stopped


def train_minibatch(
    backprop,
    optimizer,
    theta,
    train,
    monitor,
    *,
    alpha,
    batch_size,
    max_epochs,
    shuffle,
    rng,
):
    """Minibatch gradient descent for up to ``max_epochs`` epochs."""
    grad = np.empty_like(theta)
    n = len(train)
    buffer = None
    if train.needs_gather_buffer(shuffle):
        buffer = np.empty((batch_size, train.X.shape[1]), train.X.dtype)
    try:
        for _ in range(max_epochs):
            monitor.start_epoch()
            # one batch holding every row gives the same gradient in any order
            order = rng.permutation(n) if shuffle and n > batch_size else None
            loss_sum = weight_sum = 0.0
            n_correct = 0
            for start in range(0, n, batch_size):
                stop = min(start + batch_size, n)
                X, T, w = train.batch(start, stop, order, buffer)
                batch_weight = stop - start if w is None else float(w.sum())
                if batch_weight == 0:
                    continue  # all weights zero: J is undefined, nothing is learnt
                J, correct = backprop.loss_and_gradient(X, T, w, theta, grad, alpha)
                monitor.check_batch(J)
                optimizer.step(theta, grad)
                loss_sum += J * batch_weight
                weight_sum += batch_weight
                n_correct += correct
                monitor.progress.update(
                    stop, {"loss": loss_sum / weight_sum, "accuracy": n_correct / stop}
                )
            if monitor.end_epoch(theta, loss_sum / weight_sum, n_correct / n):
                return
    finally:
        optimizer.release()  # a fitted model does not carry the scratch buffer


def train_lbfgs(backprop, theta, train, monitor, *, alpha, max_iter, tol):
    """L-BFGS (scipy) on J(Θ) over all training rows; one iteration = one epoch."""
    X, T, w = train.batch(0, len(train))
    grad = np.empty_like(theta)
    last = {}

    def cost_and_gradient(x):
        theta[:] = x
        J, correct = backprop.loss_and_gradient(X, T, w, theta, grad, alpha, False)
        monitor.check_batch(J)
        last.update(x=x.copy(), J=J, correct=correct)
        return J, grad.astype(np.float64)

    def end_iteration(intermediate_result):
        if not np.array_equal(intermediate_result.x, last["x"]):
            cost_and_gradient(intermediate_result.x)
        theta[:] = intermediate_result.x
        if monitor.end_epoch(theta, last["J"], last["correct"] / len(train)):
            raise StopIteration
        monitor.start_epoch()

    monitor.start_epoch()
    result = scipy.optimize.minimize(
        cost_and_gradient,
        theta.astype(np.float64),
        jac=True,
        method="L-BFGS-B",
        callback=end_iteration,
        options={"maxiter": max_iter, "maxfun": LBFGS_MAX_FUN, "gtol": tol},
    )
    if result.status == 1 and not monitor.stopped:
        warnings.warn(
            f"L-BFGS stopped after max_iter={max_iter} iterations before it "
            "converged: raise max_iter or scale the data.",
            ConvergenceWarning,
            stacklevel=6,  # train_lbfgs < run < _fit < _transaction < fit < caller
        )


@dataclass
class TrainingResult:
    theta: np.ndarray
    n_epochs: int
    interrupted: bool


def run(solver_loop, theta, monitor, epoch_limit, **kwargs):
    """Run ``solver_loop`` and decide which weights the model keeps.

    A ``KeyboardInterrupt`` after at least one completed epoch ends training
    with a warning and keeps what was learnt; before that, it propagates.
    """
    interrupted = False
    try:
        solver_loop(theta=theta, monitor=monitor, **kwargs)
    except KeyboardInterrupt:
        if monitor.completed == 0:
            raise
        interrupted = True
        kept = "its best" if monitor.early_stopping else "the last completed"
        warnings.warn(
            f"Training was interrupted during epoch {monitor.epoch}; the model "
            f"keeps the weights of {kept} epoch ({monitor.completed} completed "
            "in this call).",
            UserWarning,
            stacklevel=5,  # run < _fit < _transaction < fit < caller
        )
    kept = theta if monitor.kept_theta is None else monitor.kept_theta
    if not np.all(np.isfinite(kept)):
        raise DivergenceError(
            "Training diverged: the weights are no longer finite. Lower "
            "learning_rate or scale the features."
        )
    if (
        not interrupted
        and not monitor.stopped
        and monitor.n_iter_no_change is not None
        and monitor.completed >= epoch_limit
        and solver_loop is train_minibatch
    ):
        warnings.warn(
            f"Stochastic optimizer: maximum iterations (max_iter={epoch_limit}) "
            "reached and the optimization hasn't converged yet.",
            ConvergenceWarning,
            stacklevel=5,
        )
    return TrainingResult(kept, monitor.completed, interrupted)
