"""The gradient solvers (sgd, rmsprop, adam) on a Dask collection: the model
travels to each block, not the data to the model.

Each epoch visits the blocks in a random order (``shuffle=False``: in
order), drawn from a stream of its own (``order_stream``), so that the
training generator draws exactly what it draws in memory. For each block,
one task receives the model (θ, the optimiser with its running averages,
the training generator, the schedule and the epoch's sums), runs the block's
minibatch steps where the block is, with the in-memory loop
(``loop.train_rows``: the rows shuffled within the block, dropout drawn
from the generator), and sends the model back. The tasks run one after the
other: the model is the state.

What differs from the in-memory fit is only the order of the rows: the
blocks in a random order, each block's rows shuffled within it, where the
in-memory fit shuffles all rows at once (dask-ml's ``Incremental`` makes one
pass over the blocks in order; this is its multi-epoch extension). A single
block trains as the NumPy array, bit for bit.

On the client, the observers of each epoch run as in memory; of each step,
the rate schedule runs on the worker with the model, the divergence check
on the client with the block's recorded J values, and the progress line
advances once per block.
"""

from dataclasses import dataclass, replace

import dask
import numpy as np

from .._training.loop import Events, end_epoch, start_epoch, train_rows
from .._training.observers import LearningRate
from . import cluster
from .rows import local_rows

# What the loop's state carries from block to block (θ is copied in place)
CARRIED = ("steps", "samples_done", "batch_loss", "loss_sum", "weight_sum",
           "train_metric")  # fmt: skip


def order_stream(rng):
    """A generator for the order of the blocks, seeded from the training
    generator's state without drawing from it (so the training draws stay
    those of the in-memory fit), reproducible from ``random_state``."""
    words = []

    def collect(value):
        if isinstance(value, dict):
            for item in value.values():
                collect(item)
        elif isinstance(value, int | np.integer):
            words.append(int(value))

    collect(rng.bit_generator.state)
    return np.random.default_rng(np.random.SeedSequence([*words, 0xB10C]))


def train_blocks(plan, state, events, *, rows, schedule, order):
    """``loop.train_minibatch`` over the blocks of the ``DaskRows`` ``rows``
    (``order``: the generator of the block order)."""
    parts, lengths = rows.parts(), rows.lengths
    for _ in range(plan.max_epochs):
        start_epoch(plan, state, events)
        sequence = order.permutation(len(parts)) if plan.shuffle else range(len(parts))
        for block in sequence:
            if lengths[block]:
                _visit(plan, state, events, schedule, parts[block])
        if end_epoch(plan, state, events):
            return


@dataclass
class _Model:
    """What travels to a block: the plan (without its rows), the loop's state
    (without the kept weights and buffers) and the rate schedule."""

    plan: object
    state: object
    schedule: object


class _StepLosses:
    """Records J of each step on the worker, for the client's divergence
    check."""

    phase = "guard"

    def __init__(self):
        self.losses = []

    def on_batch_end(self, state, plan):
        self.losses.append(state.batch_loss)


def _train_here(model, X, T, w):
    """On a worker: the minibatch steps of one block; what changed."""
    plan, state, schedule = model.plan, model.state, model.schedule
    steps = _StepLosses()
    observers = [steps] if schedule is None else [steps, LearningRate(schedule, 0, 0)]
    train_rows(plan, state, Events(observers), local_rows(X, T, w))
    state.grad = state.gather = None  # buffers, not state
    plan.optimizer.release()
    return state, plan.optimizer, plan.rng.bit_generator.state, schedule, steps.losses


def _visit(plan, state, events, schedule, part):
    """Send the model to the block ``part``, train there, take it back."""
    model = _Model(
        replace(plan, train=None, validation=None, solver_loop=None),
        replace(state, kept_theta=None, grad=None, gather=None),
        schedule,
    )
    task = dask.delayed(_train_here, pure=False)(
        cluster.constant(model, "model"), *part
    )
    (back,) = cluster.compute(task)
    back_state, optimizer, rng_state, back_schedule, losses = back
    # from another process these are copies: put them into the client's
    # objects, which the observers and the estimator hold
    state.theta[...] = back_state.theta
    for name in CARRIED:
        setattr(state, name, getattr(back_state, name))
    if optimizer is not plan.optimizer:
        vars(plan.optimizer).update(vars(optimizer))
    plan.rng.bit_generator.state = rng_state
    if schedule is not None and back_schedule is not schedule:
        vars(schedule).update(vars(back_schedule))
    for J in losses:  # each step's J, as the in-memory guard sees them
        state.batch_loss = J
        events.emit("batch_end", state, plan, ("guard",))
    events.emit("batch_end", state, plan, ("display",))
