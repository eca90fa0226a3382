"""Small observers of the training loop, each with one job.

=================  ============================================================
observer           its one job
=================  ============================================================
``LearningRate``   sets the optimiser's rate for each epoch and step
``Validation``     scores the hold-out after each epoch (with ``scoring``'s
                   scorers too)
``Stopping``       tol / patience on the monitored metric; keeps the weights
``HistoryLog``     appends every metric of the epoch, keeping the lists aligned
``DivergenceGuard`` checks J(Θ) of every step, and once more after the last
``ProgressLine``   sknn's Keras-style progress line
=================  ============================================================

Each says its role (``phase``); the loop (``loop.Events``) calls them in the
order of ``loop.PHASES``, whatever order they are handed over in, and counts
an epoch as completed once it is recorded. scikit-learn's callbacks
(``sknn._base.callbacks.SklearnCallbacks``) join them as one more observer.
Metrics are compared through one helper, ``Comparison``.
"""

import numpy as np

from .._exceptions import DivergenceError, warn_user
from .._math.losses import cost, weighted_loss_sum
from .loop import evaluate
from .progress import Progress

# A loss this many times the first one means the run is exploding.
DIVERGENCE_FACTOR = 1e4


class LearningRate:
    """Applies a ``sknn._math.schedules.Schedule`` to the optimiser."""

    phase = "rate"

    def __init__(self, schedule, samples_seen, epochs_before):
        self.schedule = schedule
        self.samples_seen = samples_seen  # t_ before this call
        self.epochs_before = epochs_before

    def on_run_begin(self, state, plan):
        last = self.samples_seen + (plan.max_epochs - 1) * len(plan.train)
        self.schedule.check(last)
        if self.schedule.ended:
            warn_user(
                f"learning_rate_schedule={self.schedule.spec!r} reached its end "
                f"after max_iter={self.schedule.rule.max_iter} epochs (partial_fit: "
                "calls): "
                "the rate is 0, so this call changes no weight. Raise max_iter, "
                "or fit again to restart the cosine.",
                UserWarning,
            )

    def on_epoch_begin(self, state, plan):
        epoch = self.epochs_before + state.completed
        rate = self.schedule.epoch_rate(epoch, self.samples_seen)
        plan.optimizer.learning_rate = state.epoch_rate = rate

    def on_batch_end(self, state, plan):
        self.schedule.after_step()
        plan.optimizer.learning_rate = self.schedule.step_rate()

    def on_epoch_end(self, state, plan):
        self.samples_seen += len(plan.train)
        self.schedule.end_epoch()


class Validation:
    """``val_loss`` (weighted like J), the unweighted ``val_<metric>`` and the
    unweighted scores of ``scores`` (``sknn._base.scoring.HoldOutScores``),
    if given."""

    phase = "measure"

    def __init__(self, chunk, scores=None):
        self.chunk = chunk
        self.scores = scores

    def on_epoch_end(self, state, plan):
        metric = plan.make_metric()
        state.metrics["val_loss"] = evaluate(
            plan.backprop, plan.validation, state.theta, plan.alpha, self.chunk, metric
        )
        state.metrics[f"val_{metric.name}"] = metric.value()
        if self.scores is not None:
            state.metrics.update(self.scores(state.theta))


class Comparison:
    """Whether a monitored value improves on the best so far: the metric's
    name, its direction (``greater_is_better``), the smallest improvement that
    counts (``tol``) and the best value seen. Every observer that watches a
    metric compares through one of these."""

    def __init__(self, monitor, tol, greater_is_better=False):
        self.monitor = monitor
        self.sign = -1.0 if greater_is_better else 1.0  # compare as a loss
        self.tol = tol
        self.best = np.inf  # the best value, as a loss

    @property
    def best_value(self):
        return self.sign * self.best

    def update(self, value):
        """Take ``value`` in; (improved by ``tol``, is a new best)."""
        loss = self.sign * value
        # an infinite loss is no improvement (inf - tol is still inf)
        improved = not (loss > self.best - self.tol or loss == np.inf)
        new_best = loss < self.best
        if new_best:
            self.best = float(loss)
        return improved, new_best


def undefined_metric_error(metric, hold_out, epoch):
    """The error of early stopping on a metric that is NaN at ``epoch``."""
    return ValueError(
        f"early_stopping_metric={metric!r} is undefined (NaN) on {hold_out} in "
        f"epoch {epoch}, so early stopping cannot compare the epochs (R² needs "
        "two rows, ROC AUC and log-loss every class in y_val; a scorer may also "
        "return NaN or fail). Validate on rows where it is defined (a larger "
        "validation_fraction, or another X_val), or set "
        "early_stopping_metric='loss'."
    )


class Stopping:
    """Stops once the monitored metric (a ``Comparison``) has not improved by
    ``tol`` for ``patience`` epochs in a row (None: never), and keeps the
    weights to return: the best epoch's with ``keep_best``, else the last
    completed epoch's.

    When the rule fires, ``on_plateau()`` decides: True stops, False (the
    adaptive schedule lowered the rate) restarts the patience count.
    """

    phase = "decide"

    def __init__(self, comparison, patience, keep_best, on_plateau=None):
        self.comparison = comparison
        self.patience = patience
        self.keep_best = keep_best
        self.on_plateau = on_plateau or (lambda: True)
        self.no_improvement = 0

    @property
    def monitor(self):
        return self.comparison.monitor

    @property
    def best_value(self):
        return self.comparison.best_value

    def on_run_begin(self, state, plan):
        if self.keep_best:
            state.kept_description = "its best"

    def on_epoch_end(self, state, plan):
        if self.monitor not in state.metrics:
            raise ValueError(
                f"early_stopping_metric asks to monitor {self.monitor!r}, which "
                f"this epoch did not record; it recorded {sorted(state.metrics)}."
            )
        value = state.metrics[self.monitor]
        # a NaN counts as neither better nor worse: patience would never run
        # out (J itself going non-finite is DivergenceGuard's to report)
        if np.isnan(value) and self.monitor != "loss":
            raise undefined_metric_error(
                self.monitor.removeprefix("val_"),
                f"the hold-out ({len(plan.validation)} rows)",
                state.epoch,
            )
        improved, new_best = self.comparison.update(value)
        self.no_improvement = 0 if improved else self.no_improvement + 1
        if new_best and self.keep_best:
            state.kept_theta = state.theta.copy()
        if not self.keep_best:
            state.kept_theta = state.theta.copy()
        if self.patience is not None and self.no_improvement >= self.patience:
            if self.on_plateau():
                state.stop = True
            else:
                self.no_improvement = 0


class HistoryLog:
    """Appends each epoch's metrics to ``history``; every list keeps one entry
    per epoch, NaN where a metric was not measured (no hold-out in that call,
    L-BFGS's learning rate). The loop counts the epoch once it is recorded."""

    phase = "record"

    def __init__(self, history):
        self.history = history

    def on_epoch_end(self, state, plan):
        history = self.history
        n_epochs = len(history["loss"]) if "loss" in history else 0
        for key in state.metrics.keys() - history.keys():
            history[key] = [np.nan] * n_epochs
        for key, values in history.items():
            values.append(float(state.metrics.get(key, np.nan)))


class DivergenceGuard:
    """Raises ``DivergenceError`` once J(Θ) is non-finite or exceeds
    ``DIVERGENCE_FACTOR`` times the call's first J.

    Each step's J comes from the forward pass of the step itself (the J of the
    weights the previous step left; L-BFGS: of each accepted iterate, never of
    a trial point of its line search); the weights that the call keeps are
    checked once more at the end, so the last step of a call is checked too and
    the error blames the call that diverged.

    The reference is the J of the call's first batch before its first step:
    divergence is about what the steps do, not about the scale of the data a
    later ``partial_fit`` call brings. A first J that is already non-finite is
    the data's fault, not the rate's: ``data_hint()`` says which (y or X).
    """

    phase = "guard"

    def __init__(self, schedule=None, data_hint=None):
        self.schedule = schedule  # _schedules.Schedule; None for L-BFGS
        self.data_hint = data_hint or (lambda: "scale the features")
        self.reference_loss = None

    def on_run_begin(self, state, plan):
        self.reference_loss = None

    def on_batch_end(self, state, plan):
        self.check(state.batch_loss, state.epoch, plan)

    def on_run_end(self, state, plan):
        kept = state.theta if state.kept_theta is None else state.kept_theta
        epoch = state.epoch - 1 if state.completed else state.epoch
        if not np.all(np.isfinite(kept)):
            self.check(np.nan, epoch, plan)
        # J of the kept weights on the first rows, dropout off
        first = plan.train.batch(0, min(plan.batch_size, len(plan.train)))
        if first.total_weight > 0:
            network = plan.backprop.network
            H, _ = plan.backprop.forward(first.X, kept, train=False)
            losses = network.output.loss_and_output(H, first.T)
            # J as every step computes it: weighted, L2 term included
            sq_norm = network.squared_norm(kept) if plan.alpha else 0.0
            J = cost(
                weighted_loss_sum(losses, first.weights),
                first.total_weight,
                plan.alpha,
                sq_norm,
            )
            self.check(J, epoch, plan, after_last_step=True)

    def check(self, J, epoch, plan, after_last_step=False):
        if self.reference_loss is None:
            if not np.isfinite(J):
                raise ValueError(
                    f"The cost J(Θ) is {J} at the start of epoch {epoch}, "
                    f"before any step of this call: {self.data_hint()}."
                )
            self.reference_loss = J
        if np.isfinite(J) and J <= DIVERGENCE_FACTOR * max(self.reference_loss, 1.0):
            return
        what = f"became {J}" if not np.isfinite(J) else f"exploded to {J:.4g}"
        when = " after its last step" if after_last_step else ""
        if plan.optimizer is None:
            advice = "Scale the features (e.g. StandardScaler) or raise alpha."
        else:
            rate = plan.optimizer.learning_rate
            advice = (
                f"learning_rate={rate:g} is too large for this problem: lower it "
                f"(e.g. to {rate / 10:g}) or scale the features."
            )
            if self.schedule is not None and rate != self.schedule.state.base_rate:
                advice = (
                    f"The rate in use, {rate:g} (learning_rate_schedule="
                    f"{self.schedule.spec!r} from learning_rate="
                    f"{self.schedule.state.base_rate:g}), is too large for this "
                    f"problem: lower learning_rate (e.g. to "
                    f"{self.schedule.state.base_rate / 10:g}) or scale the "
                    "features."
                )
        raise DivergenceError(
            f"Training diverged in epoch {epoch}{when}: the cost J(Θ) {what}. "
            + advice
        )


class ProgressLine:
    """sknn's Keras-style line (``progress.Progress``) for each epoch."""

    phase = "display"

    HIDDEN = ("learning_rate",)

    def __init__(self, verbose, n_samples, stream=None):
        self.verbose = verbose
        self.n_samples = n_samples
        self.stream = stream

    def on_run_begin(self, state, plan):
        self.progress = Progress(
            self.verbose, plan.last_epoch, self.n_samples, self.stream
        )

    def on_epoch_begin(self, state, plan):
        self.progress.start_epoch(state.epoch)

    def on_batch_end(self, state, plan):
        self.progress.update(state.samples_done, lambda: state.running_metrics)

    def on_epoch_end(self, state, plan):
        shown = {k: v for k, v in state.metrics.items() if k not in self.HIDDEN}
        self.progress.end_epoch(shown)
