"""``fit`` and ``partial_fit`` on a Dask collection: the estimator's
preparation steps for data that stays where it lives.

The estimator calls these in place of ``prepare.validated`` and
``prepare.hold_out``, builds its run as for arrays (``assemble``), and hands
it to ``distribute``, which gives the plan its solver loop over the
partitions: L-BFGS with J summed over them (``lbfgs``), or the gradient
solvers visiting the blocks (``blocks``). Everything else, the observers,
the history, early stopping, the commit, is the in-memory fit's.

The hold-out is ``X_val`` and ``y_val`` (Dask or in memory; in memory they
become one block). What involves the rows beyond J:

- ``validation_fraction`` (and ``early_stopping`` without ``X_val``) is
  refused: the stratified split is a global shuffle of the rows.
- ``scoring``'s scorers and scikit-learn's callbacks receive the collections
  as the user gave them; the estimator's own methods on them run on the
  cluster (``predict`` lazily, ``score`` as a reduction), so a scorer
  gathers only what its metric asks of the hold-out: its labels and
  predictions (one value, or one row of probabilities, per row), never X.
"""

import math
from functools import partial

from .._base import params
from .._base.prepare import (
    FitInput,
    GivenRows,
    check_explicit_validation,
    check_rows,
)
from .._training.loop import train_lbfgs
from . import blocks, lbfgs
from .inputs import validated, validation_data
from .rows import DaskRows, sub_batch_rows

__all__ = ["distribute", "hold_out", "validated"]


def _rows(estimator, data):
    widths = (
        data.X.shape[1],
        *params.settings(estimator).hidden,
        data.targets.n_outputs,
    )
    return DaskRows(
        data.X, data.targets.T, data.weights, data.total_weight,
        sub_batch_rows(len(data), widths),
    )  # fmt: skip


def hold_out(estimator, data, arguments, fraction, *, incremental, rng):
    """``prepare.hold_out`` for a Dask X: the training rows, the hold-out of
    ``X_val`` and ``y_val``, and the collections as given."""
    explicit = arguments.explicit_validation
    validation = given_validation = None
    if explicit:
        check_explicit_validation(estimator, incremental)
        validation = _rows(estimator, validation_data(estimator, data, arguments))
        given_validation = GivenRows(
            arguments.X_val, arguments.y_val, None, None,
            f"X_val ({len(validation)} rows)",
        )  # fmt: skip
    elif fraction is not None and not incremental:
        raise ValueError(
            f"validation_fraction={fraction} holds out a stratified random part "
            "of the rows, a shuffle of the whole data set that sknn does not "
            "run on a Dask collection: pass the hold-out as X_val and y_val "
            "(Dask or in memory, e.g. from dask_ml.model_selection."
            "train_test_split) with validation_fraction=None"
            + (" (early_stopping=True asks for a hold-out)."
               if estimator.validation_fraction is None else ".")
        )  # fmt: skip
    train = _rows(estimator, data)
    check_rows(estimator, train, validation, explicit)
    given_train = GivenRows(
        arguments.X, arguments.y, arguments.sample_weight, None, "the training rows"
    )
    return FitInput(data, train, validation, given_train, given_validation)


def distribute(training, fit_input):
    """Give the run the solver loop over the partitions of its rows."""
    plan, rows = training.plan, fit_input.train
    if plan.optimizer is None:
        plan.solver_loop = partial(train_lbfgs, objective=lbfgs.objective(rows, plan))
        return
    plan.solver_loop = partial(
        blocks.train_blocks, rows=rows, schedule=training.schedule,
        order=blocks.order_stream(plan.rng),
    )  # fmt: skip
    # a block's last batch may be short: the steps an epoch takes
    training.schedule.steps_per_epoch = max(
        sum(math.ceil(n / plan.batch_size) for n in rows.lengths), 1
    )
