"""Schedules: the value of a scalar (the learning rate) at each epoch and step.

Each rule is an object, made once from its name when a run is planned
(``make_rule``); the loop asks it for values and never compares a name. A
rule computes from the state's base value α, so it can drive any scalar; the
learning rate is the one it drives today. With α the estimator's
``learning_rate``:

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
coslog4        α · ½ (1 − cos(2π log₂(1 + 15 s/S))), s/S and the horizon as
               for cosine: RealMLP's warm restarts, 4 cycles from 0 up to α
               and back to 0, the n-th ending at s/S = (2ⁿ − 1)/15 (each
               twice as long as the one before); 0 once s ≥ S
callable f     f(epoch, rate) before each epoch (0-based, counting earlier
               calls), given the rate in use (Keras' ``LearningRateScheduler``)
============== ==============================================================

What must survive between calls (the value in use, the cosine's epochs) lives
in a ``ScheduleState`` that the estimator keeps, so ``warm_start``,
``partial_fit`` and a pickled model continue the same schedule.
"""

import math
from dataclasses import dataclass

import numpy as np

ADAPTIVE_MIN_RATE = 1e-6
ADAPTIVE_FACTOR = 5.0


@dataclass
class ScheduleState:
    """The schedule's memory: the base value, the value in use and the epochs
    (``partial_fit``: calls) of the cosine's current run."""

    base_rate: float  # the ``learning_rate`` it started from
    rate: float  # the rate in use (adaptive and callable change it)
    epochs: int = 0  # cosine: epochs (partial_fit: calls) completed in its run


class Rule:
    """A schedule rule: the value for an epoch and for each of its steps, and
    what a plateau of the stopping rule does. The base rule holds the value in
    use; subclasses say how it changes."""

    def check(self, state, last_samples_seen):
        """Raise before training if the rule cannot give a usable value up to
        ``last_samples_seen`` samples."""

    def epoch_value(self, state, epoch, samples_seen):
        """The value at the start of 0-based ``epoch``, after ``samples_seen``."""
        return state.rate

    def step_value(self, state, step, steps_per_epoch):
        """The value of step ``step`` (0-based) of an epoch of
        ``steps_per_epoch`` steps."""
        return state.rate

    def ended(self, state):
        """Whether the rule has nothing left to give (the value stays 0)."""
        return False

    def on_plateau(self, state):
        """The stopping rule fired: True to stop, False to train on."""
        return True


class Constant(Rule):
    """α at every step, even after a warm-started fit that switched from a
    rule that changed the value in use."""

    def epoch_value(self, state, epoch, samples_seen):
        state.rate = state.base_rate
        return state.rate


class InvScaling(Rule):
    """α / (t + 1)^power_t for a whole epoch, t the samples seen before it."""

    def __init__(self, power_t):
        self.power_t = power_t

    def check(self, state, last_samples_seen):
        try:
            rate = state.base_rate / (last_samples_seen + 1) ** self.power_t
        except OverflowError:
            rate = 0.0
        if not rate > 0:
            raise ValueError(
                f"learning_rate_schedule='invscaling' with power_t={self.power_t:g} "
                f"makes the rate α / (t + 1)^power_t underflow to 0 after "
                f"t = {last_samples_seen} samples, so training would stop "
                "learning: use a smaller power_t (scikit-learn's default is 0.5)."
            )

    def epoch_value(self, state, epoch, samples_seen):
        state.rate = state.base_rate / (samples_seen + 1) ** self.power_t
        return state.rate


class Adaptive(Rule):
    """The value in use until the stopping rule would stop; then, while it is
    above ``ADAPTIVE_MIN_RATE``, divided by ``ADAPTIVE_FACTOR`` (training goes
    on); at or below it, training stops."""

    def on_plateau(self, state):
        if state.rate <= ADAPTIVE_MIN_RATE:
            return True
        state.rate /= ADAPTIVE_FACTOR
        return False


class Cosine(Rule):
    """α · ½ (1 + cos(π s / S)) over ``max_iter`` epochs, updated every step."""

    def __init__(self, max_iter):
        self.max_iter = max_iter

    def epoch_value(self, state, epoch, samples_seen):
        return None  # the steps' values (step_value) make the epoch

    def step_value(self, state, step, steps_per_epoch):
        # s / S = (c + k/K) / max_iter, written with integers s = cK + k and
        # S = max_iter·K so that a fit's values are those of a step count
        K = steps_per_epoch
        S = self.max_iter * K
        s = min(state.epochs * K + min(step, K), S)
        return self.value(state.base_rate, s, S)

    @staticmethod
    def value(rate, s, S):
        """The value at step ``s`` of ``S`` (integers, 0 ≤ s ≤ S)."""
        return rate * 0.5 * (1.0 + math.cos(math.pi * s / S))

    def ended(self, state):
        return state.epochs >= self.max_iter


class CosLog(Cosine):
    """RealMLP's ``coslog`` schedule (Holzmüller et al., 2024): warm restarts
    on a logarithmic time axis, α · ½ (1 − cos(2π log₂(1 + (2ᶜ − 1) t))) with
    t = s/S, over ``max_iter`` epochs as ``Cosine`` (the same steps, epochs
    and ``partial_fit`` calls).

    The value is 0 at t = 0 and wherever log₂(1 + (2ᶜ − 1) t) is an integer,
    t = (2ⁿ − 1)/(2ᶜ − 1), so its ``cycles`` c cycles each last twice as long
    as the one before, and it ends at 0 at t = 1; each cycle peaks at α.
    """

    def __init__(self, max_iter, cycles):
        super().__init__(max_iter)
        self.cycles = cycles

    def value(self, rate, s, S):
        # (2ᶜ − 1)·s is an integer: the ends of the cycles are exact
        log_time = math.log2(1.0 + (2**self.cycles - 1) * s / S)
        return rate * 0.5 * (1.0 - math.cos(2.0 * math.pi * log_time))


class Custom(Rule):
    """``f(epoch, value)`` before each epoch, given the value in use."""

    def __init__(self, function):
        self.function = function

    def epoch_value(self, state, epoch, samples_seen):
        rate = self.function(epoch, state.rate)
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
        return state.rate


# The rules by name, each made from the keyword arguments it takes
RULES = {
    "constant": lambda **_: Constant(),
    "invscaling": lambda power_t, **_: InvScaling(power_t),
    "adaptive": lambda **_: Adaptive(),
    "cosine": lambda max_iter, **_: Cosine(max_iter),
    "coslog4": lambda max_iter, **_: CosLog(max_iter, cycles=4),
}


def make_rule(spec, **arguments):
    """The ``Rule`` of ``spec``, a name of ``RULES`` or a callable
    ``f(epoch, value)``; ``arguments`` are what rules may take (``power_t``,
    ``max_iter``)."""
    return Custom(spec) if callable(spec) else RULES[spec](**arguments)


class Schedule:
    """A rule driving a value through the epochs and steps of one call.

    Parameters
    ----------
    spec : str or callable
        What the user gave (``learning_rate_schedule``), for messages.
    rule : Rule
    state : ScheduleState
        Updated in place as training goes.
    steps_per_epoch : int
        K, the steps of each epoch of this call.
    """

    def __init__(self, spec, rule, state, steps_per_epoch):
        self.spec = spec
        self.rule = rule
        self.state = state
        self.steps_per_epoch = max(int(steps_per_epoch), 1)
        self.step = 0  # k, the step within the current epoch

    def check(self, last_samples_seen):
        self.rule.check(self.state, last_samples_seen)

    def epoch_rate(self, epoch, samples_seen):
        """The value at the start of 0-based ``epoch``, after ``samples_seen``."""
        self.step = 0
        value = self.rule.epoch_value(self.state, epoch, samples_seen)
        return self.step_rate() if value is None else value

    def step_rate(self):
        """The value of the next step."""
        return self.rule.step_value(self.state, self.step, self.steps_per_epoch)

    @property
    def ended(self):
        return self.rule.ended(self.state)

    def after_step(self):
        self.step += 1

    def end_epoch(self):
        self.state.epochs += 1

    def on_plateau(self):
        return self.rule.on_plateau(self.state)
