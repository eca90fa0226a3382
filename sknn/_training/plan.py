"""What a run needs (``Plan``) and where it stands (``RunState``).

Both are plain, picklable objects: the network, the optimiser with its
running averages, the random generator, the rows, the epoch counters and the
sums of the current epoch. A caller can hold them and advance the run one
block of rows at a time (``loop.train_rows``), which is how training moves to
where the data lives.
"""

from dataclasses import dataclass, field

import numpy as np

from .data import Rows


@dataclass
class Plan:
    """Everything one ``fit`` or ``partial_fit`` call trains with."""

    backprop: object  # _network.Backprop
    optimizer: object | None  # None: L-BFGS
    train: Rows
    validation: Rows | None
    make_metric: object  # picklable () -> accumulator: name, update(H, T), value()
    alpha: float
    batch_size: int
    max_epochs: int
    shuffle: bool
    rng: np.random.Generator
    tol: float  # L-BFGS's gtol
    max_fun: int = 15000  # L-BFGS's limit on evaluations of J
    first_epoch: int = 1  # the number of this call's first epoch, counting all calls
    # the loop for rows that are not in memory (the Dask path's); None: the
    # solver's own (loop.train_lbfgs or loop.train_minibatch)
    solver_loop: object = None

    @property
    def last_epoch(self):
        return self.first_epoch + self.max_epochs - 1


@dataclass
class RunState:
    """What observers read and write while a call trains."""

    theta: np.ndarray
    epoch: int  # number of the current epoch, counting earlier calls
    completed: int = 0  # epochs completed in this call
    steps: int = 0  # optimiser steps taken in this call
    samples_done: int = 0  # rows of the current epoch seen so far
    batch_loss: float = np.nan
    epoch_rate: float = np.nan  # the rate the epoch started with; NaN for L-BFGS
    loss_sum: float = 0.0  # Σ_batches J·Σw of the current epoch
    weight_sum: float = 0.0
    train_metric: object = None
    metrics: dict = field(default_factory=dict)
    kept_theta: np.ndarray | None = None  # the weights the model will keep
    kept_description: str = "the last completed"  # which epoch kept_theta is
    stop: bool = False  # an observer asks to end training after this epoch
    interrupted: bool = False
    grad: np.ndarray | None = None  # ∂J/∂θ, reused by every step
    gather: np.ndarray | None = None  # rows of a shuffled batch, reused

    @property
    def running_metrics(self):
        """Loss and metric of the current epoch so far (for the progress bar)."""
        loss = self.loss_sum / self.weight_sum if self.weight_sum else np.nan
        return {"loss": loss, self.train_metric.name: self.train_metric.value()}
