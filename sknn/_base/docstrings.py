"""Parameter descriptions that both estimators share, written once.

``MLPClassifier`` and ``MLPRegressor`` take the same parameters but one; their
class docstrings hold a marker line (``<training parameters>``, ``<stopping
parameters>``, ``<loop and solver parameters>``) where ``shared_parameters`` puts these
descriptions, so ``help()``, the API pages and the doctests all see one text.
"""

TRAINING = """\
    solver : {"adam", "sgd", "rmsprop", "lbfgs"}, default="adam"
        The optimiser.
    alpha : float, default=1e-4
        λ, the weight of the L2 term of J(Θ); 0 disables it.
    learning_rate : float, default=1e-3
        α, the step size of every gradient solver (scikit-learn calls this
        ``learning_rate_init``).
    learning_rate_schedule : {"constant", "invscaling", "adaptive", "cosine"} \
or callable, default="constant"
        How the rate of the gradient solvers changes while training (L-BFGS
        ignores it):

        - "constant": α at every step.
        - "invscaling": α / (t + 1)^power_t, t the training samples seen so
          far (``t_``), updated at the end of each epoch (scikit-learn's rule).
        - "adaptive": α until the stopping rule would stop (the monitored loss
          has not improved by ``tol`` for ``n_iter_no_change`` epochs); then,
          unless the rate is already at most 1e-6, the rate is divided by 5,
          the patience count restarts and training goes on (scikit-learn's
          rule). Needs ``n_iter_no_change``.
        - "cosine": α · ½ (1 + cos(π s / S)) with s / S = (c + k / K) /
          ``max_iter`` at step k of the K steps of an epoch, c the epochs
          completed, down to 0 (Keras' ``CosineDecay``). Each ``fit``,
          warm-started or not, runs its own cosine over its ``max_iter``
          epochs.
        - a callable ``f(epoch, learning_rate) -> float``, called before each
          epoch (0-based, counting the epochs of earlier calls) with the rate
          in use, as Keras' ``LearningRateScheduler``; it must return a finite
          positive float.

        ``history_["learning_rate"]`` holds the rate each epoch started with.
        ``warm_start`` continues "invscaling" (from ``t_``), "adaptive" (from
        the lowered rate) and the callable's epoch count. ``partial_fit``
        continues every schedule across calls: each call is an epoch of the
        cosine, c the calls completed and K this call's steps, whatever the
        sizes of the chunks; after ``max_iter`` calls the rate stays 0 and
        every further call warns (so set ``max_iter`` to the number of calls
        planned); "adaptive" stays at its rate there, as ``partial_fit`` never
        applies the stopping rule. Changing ``learning_rate`` starts the
        schedule afresh.
    power_t : float, default=0.5
        The exponent of "invscaling".
    batch_size : int or "auto", default="auto"
        Minibatch size; "auto" is ``min(200, n_samples)``.
    max_iter : int, default=200
        Epochs for the gradient solvers, iterations for L-BFGS.
    max_fun : int, default=15000
        L-BFGS only: the most evaluations of J(Θ) it may make (SciPy's
        ``maxfun``, as scikit-learn's MLPs). Ignored by the gradient solvers.
    dropout : float or tuple of float, default=0.0
        Inverted-dropout rate of every hidden layer, or one rate per hidden
        layer, each in [0, 1). Applied while training only.
"""

STOPPING = """\
    early_stopping : bool, default=False
        Monitor the validation loss (holding out 0.1 unless
        ``validation_fraction`` says otherwise), stop when it stops improving
        and restore the weights of the best validation epoch.
    early_stopping_metric : str, default="loss"
        What early stopping monitors and restores the best epoch of: "loss"
        (the validation loss) or one of the names of ``scoring`` ("score" for
        a single callable), higher being better; ``tol`` is then in the
        scorer's units. Needs ``early_stopping=True`` when not "loss".
    scoring : str, callable, list, tuple, dict or None, default=None
        scikit-learn scorers evaluated on the hold-out (or ``X_val``) after
        every epoch, dropout off, as ``cross_validate`` takes them: a scorer
        name such as "roc_auc", a callable ``scorer(estimator, X, y)``, or a
        list, tuple or dict of them. Each is recorded as
        ``history_["val_<name>"]`` (``val_score`` for a single callable; the
        built-in metric's own scorer, "accuracy" or "r2", shares its key) and
        shown on the progress line. The names "loss", "learning_rate" and
        "acc", and "accuracy"/"r2" bound to another scorer, are refused: their
        keys mean something else. A scorer that cannot be computed on the
        hold-out (it raises ``ValueError`` or returns NaN) is recorded as NaN,
        as ``cross_validate`` does. Needs a hold-out. ``val_loss`` is weighted like
        J (sample and class weights); the built-in validation metric and the
        scorers are unweighted, as Keras' metrics without
        ``weighted_metrics``. ``partial_fit`` never scores.
"""

LOOP_AND_SOLVER = """\
    n_iter_no_change : int or None, default=10
        Stop once the monitored loss has not improved by ``tol`` for this many
        epochs in a row; None always runs ``max_iter`` epochs. With "lbfgs"
        this rule applies only with ``early_stopping=True`` (monitoring the
        hold-out); otherwise L-BFGS stops as scikit-learn's does, on ``tol``
        and ``max_iter``.
    tol : float, default=1e-4
        Smallest improvement that counts. With "lbfgs" and no early stopping,
        SciPy's gradient tolerance ``gtol`` (as in scikit-learn's MLPs).
    shuffle : bool, default=True
        Shuffle the training rows every epoch.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, the hold-out, the shuffling and dropout.
    warm_start : bool, default=False
        Continue from the fitted weights at the next ``fit``.
    verbose : {0, 1, 2}, default=0
        0 silent, 1 a progress bar each epoch, 2 one line each epoch.
    momentum : float, default=0.0
        Momentum of "sgd", in [0, 1).
    nesterov : bool, default=False
        Nesterov momentum for "sgd".
    rho : float, default=0.9
        Decay of the squared-gradient average of "rmsprop".
    beta_1, beta_2 : float, default=0.9, 0.999
        Decays of "adam"'s moment estimates.
    epsilon : float, default=1e-8
        Numerical stability constant of "rmsprop" and "adam".
    dtype : {"float32", "float64"} or None, default=None
        The precision of training and prediction. None keeps float32 input in
        float32 and computes everything else in float64.
"""

MARKERS = {
    "<training parameters>": TRAINING,
    "<stopping parameters>": STOPPING,
    "<loop and solver parameters>": LOOP_AND_SOLVER,
}


def shared_parameters(cls):
    """Class decorator: replace each marker line of the docstring (indented
    like a parameter of a class docstring) by the shared descriptions."""
    doc = cls.__doc__
    for marker, text in MARKERS.items():
        line = f"    {marker}\n"
        if line not in doc:
            raise AssertionError(f"{cls.__name__}'s docstring has no {marker}")
        doc = doc.replace(line, text)
    cls.__doc__ = doc
    return cls
