"""A prepared call (``FitInput``) and the estimator's parameters → the run.

Strings become objects here, once: the solver's name picks its update rule
from ``SOLVERS`` (None for L-BFGS), ``learning_rate_schedule`` its ``Rule``.
What comes out, ``Training``, is the plan the loop runs and the observers it
tells, handed over in no particular order (each says its role).
"""

import copy
import math
from dataclasses import dataclass
from functools import partial

import numpy as np
from sklearn.utils.validation import check_random_state

from .._exceptions import warn_user
from .._math.network import Backprop
from .._math.optimizers import SOLVERS, make_optimizer
from .._math.schedules import Schedule, ScheduleState, make_rule
from .._training.history import History
from .._training.observers import (
    Comparison,
    DivergenceGuard,
    HistoryLog,
    LearningRate,
    ProgressLine,
    Stopping,
    Validation,
)
from .._training.plan import Plan
from .callbacks import SklearnCallbacks
from .compat import CallbackSupportMixin
from .params import LBFGS, check_epsilon
from .prepare import data_hint
from .scoring import HoldOutScores, check_scorer_names, make_scorer


@dataclass
class Training:
    """A run, ready to go: the plan and the observers, and the ones the
    estimator reads back when it commits."""

    plan: Plan
    observers: list
    schedule: Schedule | None
    stopping: Stopping
    history: History
    callbacks: SklearnCallbacks | None


def generator(estimator, resume):
    """The random generator of this call: the stored one for partial_fit
    (copied, so a failed call leaves it untouched), else a fresh one seeded
    from ``random_state``."""
    if resume and getattr(estimator, "_rng", None) is not None:
        return copy.deepcopy(estimator._rng)
    seed = check_random_state(estimator.random_state).randint(np.iinfo(np.int32).max)
    return np.random.default_rng(seed)


def assemble(estimator, fit_input, network, rng, *, continuing, incremental):
    """The ``Training`` of one call of ``estimator`` on ``fit_input``."""
    codec = estimator._codec()
    plan = _plan(estimator, fit_input, network, rng, continuing, incremental, codec)
    snapshot = partial(estimator._snapshot, network, targets=fit_input.data.targets)
    schedule = _schedule(estimator, plan, continuing, incremental)
    stopping = _stopping(estimator, plan, incremental, schedule)
    history = History(copy.deepcopy(dict(estimator.history_)) if continuing else {})
    callbacks = _callbacks(estimator, fit_input, plan, snapshot, incremental)
    scores = _hold_out_scores(estimator, fit_input, snapshot, incremental, codec)
    observers = [
        stopping,
        HistoryLog(history),
        DivergenceGuard(schedule, partial(data_hint, estimator, fit_input.data)),
        ProgressLine(estimator.verbose, len(fit_input.train)),
    ]
    if schedule is not None:
        samples_seen = estimator.t_ if continuing else 0
        observers.append(LearningRate(schedule, samples_seen, plan.first_epoch - 1))
    if fit_input.validation is not None:
        observers.append(Validation(plan.batch_size, scores))
    if callbacks is not None:
        observers.append(callbacks)
    return Training(plan, observers, schedule, stopping, history, callbacks)


def _batch_size(estimator, train):
    n_train = len(train)
    if estimator.solver == LBFGS:
        # all rows at once, or as many as rows that live elsewhere (a Dask
        # collection's) allow a task to hold
        return getattr(train, "max_batch_rows", n_train)
    if estimator.batch_size == "auto":
        return estimator._auto_batch_size(n_train)
    if estimator.batch_size > n_train:
        warn_user("Got `batch_size` larger than sample size. It is going to be clipped")
        return n_train
    return estimator.batch_size


def _plan(estimator, fit_input, network, rng, continuing, incremental, codec):
    dtype = fit_input.data.X.dtype
    batch_size = _batch_size(estimator, fit_input.train)
    optimizer = None
    if estimator.solver != LBFGS:
        check_epsilon(estimator.solver, estimator.epsilon, dtype)
        optimizer = make_optimizer(
            SOLVERS[estimator.solver],
            network.n_params,
            dtype,
            estimator.get_params(),
            resume=getattr(estimator, "_optimizer", None) if incremental else None,
            n_coef=network.n_coef,
            groups=network.groups(),
        )
    return Plan(
        backprop=Backprop(network, batch_size, dtype, rng),
        optimizer=optimizer,
        train=fit_input.train,
        validation=fit_input.validation,
        make_metric=codec.metric(network.output),
        alpha=estimator.alpha,
        batch_size=batch_size,
        max_epochs=1 if incremental else estimator._epochs(len(fit_input.train)),
        shuffle=estimator.shuffle,
        rng=rng,
        tol=estimator.tol,
        max_fun=estimator.max_fun,
        first_epoch=estimator.n_iter_ + 1 if continuing else 1,
    )


def _stopping(estimator, plan, incremental, schedule):
    early = estimator.early_stopping and plan.validation is not None
    # L-BFGS stops on tol as SciPy's gtol, as scikit-learn's does; the
    # patience rule watches only a hold-out there
    lbfgs = plan.optimizer is None
    metric = estimator.early_stopping_metric
    return Stopping(
        Comparison(
            monitor=f"val_{metric}" if early else "loss",
            tol=estimator.tol,
            greater_is_better=early and metric != "loss",
        ),
        patience=None
        if incremental or (lbfgs and not early)
        else estimator.n_iter_no_change,
        keep_best=early,
        # "adaptive" lowers the rate where the rule would stop
        on_plateau=None if schedule is None else schedule.on_plateau,
    )


def _schedule(estimator, plan, continuing, incremental):
    """The learning-rate ``Schedule`` of this call (None for L-BFGS)."""
    if plan.optimizer is None:
        return None
    state = getattr(estimator, "_schedule_state", None) if continuing else None
    if state is None or state.base_rate != estimator.learning_rate:
        state = ScheduleState(estimator.learning_rate, estimator.learning_rate)
    else:
        state = copy.copy(state)  # a failed call leaves the model's alone
        if not incremental:
            state.epochs = 0  # each fit runs its own cosine
    rule = make_rule(
        estimator.learning_rate_schedule,
        power_t=estimator.power_t,
        max_iter=estimator._epochs(len(plan.train)),
    )
    steps_per_epoch = math.ceil(len(plan.train) / plan.batch_size)
    return Schedule(estimator.learning_rate_schedule, rule, state, steps_per_epoch)


def _hold_out_scores(estimator, fit_input, snapshot, incremental, codec):
    """The scorers of ``scoring`` on the hold-out (as the user gave it),
    or None."""
    if estimator.scoring is None or incremental:
        return None  # partial_fit never validates
    check_scorer_names(estimator, estimator.scoring, codec.metric_name)
    given = fit_input.given_validation
    if given is None:
        raise ValueError(
            f"scoring={estimator.scoring!r} is evaluated on a hold-out after each "
            "epoch, and this fit has none: set validation_fraction (or "
            "early_stopping=True), or pass X_val and y_val."
        )
    X_val, y_val, _ = given.take()
    return HoldOutScores(
        make_scorer(estimator, estimator.scoring), X_val, y_val, snapshot,
        estimator.scoring, codec.metric_name, given.description,
        type(estimator).__name__,
    )  # fmt: skip


def _callbacks(estimator, fit_input, plan, snapshot, incremental):
    """The observer that calls scikit-learn's callbacks, or None."""
    if CallbackSupportMixin is None or incremental:
        return None
    # L-BFGS asks for one more iteration than it takes
    max_subtasks = plan.max_epochs + (plan.optimizer is None)
    return SklearnCallbacks(estimator, max_subtasks, fit_input.given_train, snapshot)
