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
cosine         α · ½ (1 + cos(π s / S)) at step s of S = max_iter × steps per
               epoch (Keras' ``CosineDecay`` to 0); 0 once s ≥ S
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
    step: int = 0  # cosine: steps taken in its current run


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
    total_steps : int
        cosine's S.
    """

    def __init__(self, rule, state, power_t, total_steps):
        self.rule = rule
        self.state = state
        self.power_t = power_t
        self.total_steps = max(int(total_steps), 1)

    def epoch_rate(self, epoch, samples_seen):
        """The rate at the start of 0-based ``epoch``, after ``samples_seen``."""
        state = self.state
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

    def step_rate(self):
        """The rate of the next step: the cosine's, else the epoch's."""
        state = self.state
        if self.rule != "cosine":
            return state.rate
        s = min(state.step, self.total_steps)
        return state.base_rate * 0.5 * (1.0 + math.cos(math.pi * s / self.total_steps))

    def after_step(self):
        self.state.step += 1

    def on_plateau(self):
        """The stopping rule fired: True to stop, False to train on."""
        if self.rule != "adaptive" or self.state.rate <= ADAPTIVE_MIN_RATE:
            return True
        self.state.rate /= ADAPTIVE_FACTOR
        return False
