"""Learning-rate schedules: the rate α_e of each epoch or α_s of each step.

With α the estimator's ``learning_rate``:

============== ==============================================================
rule           rate
============== ==============================================================
constant       α at every step
invscaling     α / (t + 1)^power_t for a whole epoch, t the samples seen
               before it (scikit-learn's rule, updated at each epoch's end)
adaptive       α until the stopping rule would stop; then, while the rate is
               above 1e-6, it is divided by 5 and training goes on
cosine         α · ½ (1 + cos(π s / S)), s/S = (c + k/K) / max_iter at step k
               of the K steps of an epoch, c the epochs completed since the
               schedule started (Keras' ``CosineDecay`` to 0); 0 once
               s ≥ S. ``fit`` runs its own cosine over its ``max_iter``
               epochs; in ``partial_fit`` each call is an epoch, so the
               horizon is ``max_iter`` calls whatever their sizes
callable f     f(epoch, rate) before each epoch (0-based, counting earlier
               calls), given the rate in use (Keras' ``LearningRateScheduler``)
============== ==============================================================

What must survive between calls (the rate in use, the cosine's step) lives in a
``ScheduleState`` that the estimator keeps, so ``warm_start``, ``partial_fit``
and a pickled model continue the same schedule.
"""

import math
from dataclasses import dataclass

import numpy as np

ADAPTIVE_MIN_RATE = 1e-6
ADAPTIVE_FACTOR = 5.0


@dataclass
class ScheduleState:
    """The schedule's memory: the rate in use and the steps taken."""

    base_rate: float  # the ``learning_rate`` it started from
    rate: float  # the rate in use (adaptive and callable change it)
    epochs: int = 0  # cosine: epochs (partial_fit: calls) completed in its run


class Schedule:
    """The rate for each epoch and step of a call, and what a plateau does.

    Parameters
    ----------
    rule : str or callable
        ``learning_rate_schedule``.
    state : ScheduleState
        Updated in place as training goes.
    power_t : float
        invscaling's exponent.
    max_iter : int
        cosine's horizon in epochs (``partial_fit``: calls).
    steps_per_epoch : int
        K, the steps of each epoch of this call.
    """

    def __init__(self, rule, state, power_t, max_iter, steps_per_epoch):
        self.rule = rule
        self.state = state
        self.power_t = power_t
        self.max_iter = max_iter
        self.steps_per_epoch = max(int(steps_per_epoch), 1)
        self.step = 0  # k, the step within the current epoch

    def check(self, last_samples_seen):
        """Raise before training if invscaling's rate for the last epoch of
        the call, after ``last_samples_seen`` samples, is not a usable number."""
        if self.rule != "invscaling":
            return
        try:
            rate = self.state.base_rate / (last_samples_seen + 1) ** self.power_t
        except OverflowError:
            rate = 0.0
        if not rate > 0:
            raise ValueError(
                f"learning_rate_schedule='invscaling' with power_t={self.power_t:g} "
                f"makes the rate α / (t + 1)^power_t underflow to 0 after "
                f"t = {last_samples_seen} samples, so training would stop "
                "learning: use a smaller power_t (scikit-learn's default is 0.5)."
            )

    def epoch_rate(self, epoch, samples_seen):
        """The rate at the start of 0-based ``epoch``, after ``samples_seen``."""
        state = self.state
        self.step = 0
        if self.rule == "constant":
            # α even after a warm-started fit that switched from a rule that
            # changed the rate in use
            state.rate = state.base_rate
        elif self.rule == "invscaling":
            state.rate = state.base_rate / (samples_seen + 1) ** self.power_t
        elif callable(self.rule):
            rate = self.rule(epoch, state.rate)
            if isinstance(rate, bool) or not isinstance(rate, (int, float, np.number)):
                raise TypeError(
                    f"learning_rate_schedule returned {rate!r} for epoch {epoch}; "
                    "it must return a float."
                )
            if not (np.isfinite(rate) and rate > 0):
                raise ValueError(
                    f"learning_rate_schedule returned {rate} for epoch {epoch}; "
                    "the rate must be finite and positive."
                )
            state.rate = float(rate)
        elif self.rule == "cosine":
            return self.step_rate()
        return state.rate

    @property
    def ended(self):
        """True once the cosine has reached its horizon (the rate is 0)."""
        return self.rule == "cosine" and self.state.epochs >= self.max_iter

    def step_rate(self):
        """The rate of the next step: the cosine's, else the epoch's."""
        state = self.state
        if self.rule != "cosine":
            return state.rate
        # s / S = (c + k/K) / max_iter, written with integers s = cK + k and
        # S = max_iter·K so that a fit's rates are those of a step count
        K = self.steps_per_epoch
        S = self.max_iter * K
        s = min(state.epochs * K + min(self.step, K), S)
        return state.base_rate * 0.5 * (1.0 + math.cos(math.pi * s / S))

    def after_step(self):
        self.step += 1

    def end_epoch(self):
        self.state.epochs += 1

    def on_plateau(self):
        """The stopping rule fired: True to stop, False to train on."""
        if self.rule != "adaptive" or self.state.rate <= ADAPTIVE_MIN_RATE:
            return True
        self.state.rate /= ADAPTIVE_FACTOR
        return False
