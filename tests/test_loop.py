"""The training loop (``sknn._training.loop``): the order in which observers
hear an event, the epoch count it keeps, and a run that can be pickled and
advanced one block of rows at a time."""

import pickle

import numpy as np
import pytest

from conftest import GRADIENT_SOLVERS
from sknn import MLPClassifier
from sknn._base import assemble, prepare
from sknn._math.network import Network
from sknn._training import loop
from sknn._training.plan import RunState


class Recorder:
    """An observer of one role that records what it hears."""

    def __init__(self, phase, heard):
        self.phase = phase
        self.heard = heard

    def on_epoch_end(self, state, plan):
        self.heard.append((self.phase, state.completed))


def test_observers_are_called_in_the_order_of_their_roles():
    heard = []
    observers = [Recorder(phase, heard) for phase in reversed(loop.PHASES)]
    events = loop.Events(observers)
    state = RunState(theta=np.zeros(1), epoch=1)
    state.train_metric = type("M", (), {"name": "m", "value": lambda self: 0.0})()
    state.weight_sum = 1.0
    loop.end_epoch(None, state, events)
    assert [phase for phase, _ in heard] == list(loop.PHASES)
    # the loop counts the epoch once it is recorded, before it is announced
    counted = dict(heard)
    assert counted["record"] == 0 and counted["notify"] == 1
    assert state.epoch == 2


def _training(X, y, solver):
    """The plan and observers of a fit, as the estimator assembles them."""
    clf = MLPClassifier((6,), solver=solver, batch_size=16, max_iter=2, random_state=0)
    arguments = prepare.FitArguments(X, y)
    data = prepare.validated(clf, arguments, incremental=False, continuing=False)
    network = Network((X.shape[1], 6, 3), "relu", data.targets.output, (0.0,))
    rng = assemble.generator(clf, False)
    theta = network.initialize(rng, data.X.dtype)
    fit_input = prepare.hold_out(clf, data, arguments, None, incremental=False, rng=rng)
    training = assemble.assemble(
        clf, fit_input, network, rng, continuing=False, incremental=False
    )
    return training, theta


@pytest.mark.parametrize("solver", GRADIENT_SOLVERS)
def test_a_run_advanced_block_by_block_through_a_pickle_trains_as_one_pass(
    solver, multiclass_data
):
    """The run state travels (pickled, as to where a block of rows lives) and
    two blocks of whole batches give the weights of one pass over the rows."""
    X, y = multiclass_data
    X, y = X[:128], y[:128]
    whole, theta = _training(X, y, solver)
    whole.plan.shuffle = False
    state = RunState(theta=theta.copy(), epoch=1)
    state.train_metric = whole.plan.make_metric()
    events = loop.Events([])
    loop.train_rows(whole.plan, state, events, whole.plan.train)

    blocks, theta = _training(X, y, solver)
    blocks.plan.shuffle = False
    run = RunState(theta=theta.copy(), epoch=1)
    run.train_metric = blocks.plan.make_metric()
    for start in (0, 64):
        rows = blocks.plan.train.subset(np.arange(start, start + 64))
        plan, run = pickle.loads(pickle.dumps((blocks.plan, run)))
        loop.train_rows(plan, run, events, rows)
        blocks.plan = plan
    np.testing.assert_array_equal(run.theta, state.theta)
    assert run.steps == state.steps == 8
    assert run.loss_sum == pytest.approx(state.loss_sum, rel=1e-12)
