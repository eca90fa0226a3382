"""scikit-learn's callbacks (``sklearn.callback``, scikit-learn >= 1.9) as one
more observer of the training loop.

A ``fit`` is one callback task; each epoch (L-BFGS: each iteration) is one
sub-task of it. The loop's events drive the hooks, the same events that drive
sknn's own progress line, so both always report the same epochs:

=================  ========================================================
sknn event         scikit-learn hook
=================  ========================================================
``run_begin``      the fit task's ``on_fit_task_begin``
``epoch_begin``    a new epoch sub-task's ``on_fit_task_begin``
``epoch_end``      its ``on_fit_task_end``; True from any callback stops
                   training after this epoch, like an early stop
``run_end``        ends an epoch sub-task that began but never ran (L-BFGS
                   asks for one more iteration than it takes; Ctrl-C)
after the commit   the fit task's ``on_fit_task_end`` (``end_fit``)
=================  ========================================================

Every ``on_fit_task_begin`` is matched by an ``on_fit_task_end``. The hooks
receive the training rows as the user passed them (``X``, ``y`` and, in
``metadata``, ``sample_weight``), computed once and only if a callback asks,
and a ``fitted_estimator`` built lazily from the epoch's weights.
"""


class SklearnCallbacks:
    """Calls the callbacks set with ``set_callbacks`` at the loop's events.

    Parameters
    ----------
    estimator : BaseMLP
        The estimator being fitted (it holds the callbacks and the context).
    max_subtasks : int
        The most epoch sub-tasks the fit can have.
    training_rows : GivenRows
        The training rows as the user gave them (``prepare.GivenRows``),
        taken only if a callback asks.
    snapshot : callable
        ``(theta) -> estimator`` that predicts with the weights ``theta``.
    """

    phase = "notify"

    def __init__(self, estimator, max_subtasks, training_rows, snapshot):
        self.estimator = estimator
        self.max_subtasks = max_subtasks
        self._training_rows = training_rows
        self._rows = None
        self.snapshot = snapshot
        self.context = self.epoch_context = None

    def _hook_arguments(self, state=None):
        """Keyword arguments of a hook; each one lazy (the context calls them
        only for callbacks that ask for them)."""
        arguments = {
            "estimator": self.estimator,
            "X": lambda: self._rows_once()[0],
            "y": lambda: self._rows_once()[1],
            "metadata": lambda: self._rows_once()[2],
        }
        if state is not None:
            # evaluated inside the hook, while θ is this epoch's; copied, as
            # a callback may keep the estimator while training goes on
            n_iter = state.epoch - 1
            arguments["reconstruction_attributes"] = lambda: {
                **vars(self.snapshot(state.theta.copy())),
                "n_iter_": n_iter,
            }
        return arguments

    def _rows_once(self):
        if self._rows is None:
            X, y, sample_weight = self._training_rows.take()
            metadata = {} if sample_weight is None else {"sample_weight": sample_weight}
            self._rows = X, y, metadata
        return self._rows

    def on_run_begin(self, state, plan):
        self.context = self.estimator._init_callback_context(
            max_subtasks=self.max_subtasks
        )
        self.context.call_on_fit_task_begin(**self._hook_arguments())

    def on_epoch_begin(self, state, plan):
        self.epoch_context = self.context.subcontext(task_name="epoch")
        self.epoch_context.call_on_fit_task_begin(**self._hook_arguments(state))

    def on_epoch_end(self, state, plan):
        # runs after HistoryLog: state.epoch already counts this epoch
        context, self.epoch_context = self.epoch_context, None
        if context.call_on_fit_task_end(**self._hook_arguments(state)):
            state.stop = True

    def on_run_end(self, state, plan):
        if self.epoch_context is not None:  # began, never ran: an empty task
            self.epoch_context.call_on_fit_task_end(estimator=self.estimator)
            self.epoch_context = None

    def end_fit(self):
        """The fit task's end, once the fitted attributes are set."""
        self.context.call_on_fit_task_end(
            **self._hook_arguments(), reconstruction_attributes={}
        )
