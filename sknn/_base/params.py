"""The parameters both estimators share, each written once: its default, its
type, its constraint (``PARAMETERS``) and its description (the three text
blocks below, which ``shared_parameters`` puts into each estimator's
docstring). A new shared parameter is a row and a description here.

``settings`` checks what a constraint cannot and returns the parameters in the
form the training code uses.
"""

import inspect
import re
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np

from .._math.activations import ACTIVATIONS as FUNCTIONS
from .._math.activations import ALIASES
from .._math.network import GROUPS, PARAMETRIZATIONS
from .._math.optimizers import SOLVERS
from .._math.schedules import RULES
from .compat import Interval, InvalidParameterError, StrOptions
from .scoring import scorer_names

LBFGS = "lbfgs"
DTYPES = {"float32": np.float32, "float64": np.float64}
# every name ``activation`` takes, aliases included
ACTIVATIONS = set(FUNCTIONS) | set(ALIASES)


def _at_least(low, kind=Integral):
    return Interval(kind, low, None, closed="left")


def _fraction(closed="left"):
    return Interval(Real, 0, 1, closed=closed)


# name: (default, annotation, constraints), in the order of the signature
PARAMETERS = {
    "solver": ("adam", str, [StrOptions({*SOLVERS, LBFGS})]),
    "alpha": (1e-4, float, [_at_least(0, Real)]),
    "learning_rate": (1e-3, float, [Interval(Real, 0, None, closed="neither")]),
    "learning_rate_schedule": (
        "constant",
        str | Callable[[int, float], float],
        [StrOptions(set(RULES)), callable],
    ),
    "power_t": (0.5, float, [_at_least(0, Real)]),
    "learning_rate_factors": (None, dict | None, [dict, None]),
    "weight_decay": (0.0, float, [_at_least(0, Real)]),
    "clip_grad_norm": (
        None, float | None, [Interval(Real, 0, None, closed="neither"), None]
    ),
    "batch_size": ("auto", int | str, [StrOptions({"auto"}), _at_least(1)]),
    "max_iter": (200, int, [_at_least(1)]),
    "max_fun": (15000, int, [_at_least(1)]),
    "dropout": (0.0, float | Sequence[float], [_fraction(), "array-like"]),
    "front_scale": (False, bool, ["boolean"]),
    "parametrization": ("standard", str, [StrOptions(set(PARAMETRIZATIONS))]),
    "early_stopping": (False, bool, ["boolean"]),
    "early_stopping_metric": ("loss", str, [str]),
    "scoring": (
        None,
        str | Callable | Sequence[str] | dict | None,
        [str, callable, list, tuple, dict, None],
    ),
    "validation_fraction": (None, float | None, [_fraction("neither"), None]),
    "n_iter_no_change": (10, int | None, [_at_least(1), None]),
    "tol": (1e-4, float, [_at_least(0, Real)]),
    "shuffle": (True, bool, ["boolean"]),
    "random_state": (None, int | np.random.RandomState | None, ["random_state"]),
    "warm_start": (False, bool, ["boolean"]),
    "verbose": (0, int, [Interval(Integral, 0, 2, closed="both")]),
    "momentum": (0.0, float, [_fraction()]),
    "nesterov": (False, bool, ["boolean"]),
    "rho": (0.9, float, [_fraction()]),
    "beta_1": (0.9, float, [_fraction()]),
    "beta_2": (0.999, float, [_fraction()]),
    "epsilon": (1e-8, float, [Interval(Real, 0, None, closed="neither")]),
    "dtype": (None, str | None, [StrOptions(set(DTYPES)), None]),
}
# the two positional parameters, before every keyword-only one
LAYERS = {
    "hidden_layer_sizes": ((100,), int | Sequence[int], ["array-like", _at_least(1)]),
    "activation": (
        "relu",
        str | Sequence[str],
        [StrOptions(ACTIVATIONS), list, tuple],
    ),
}
CONSTRAINTS = {
    name: constraints for name, (_, _, constraints) in (LAYERS | PARAMETERS).items()
}

LAYER_PARAMETERS = """\
    hidden_layer_sizes : tuple of int, default=(100,)
        Units of each hidden layer; ``()`` for no hidden layer.
    activation : str, or list or tuple of str, default="relu"
        The activation g of the hidden layers: "relu", "leaky_relu" (slope
        0.01 below 0), "elu" (α = 1), "selu", "gelu", "silu" (swish), "mish",
        "softplus", "logistic" (alias "sigmoid"), "tanh" or "identity"; or
        one name per hidden layer, as many as ``hidden_layer_sizes`` has, e.g.
        ``("gelu", "relu")``. "gelu" is the exact z Φ(z), PyTorch's default,
        not the tanh approximation. The user guide's mathematics page gives
        each g and its derivative.
"""

TRAINING = """\
    solver : {"adam", "sgd", "rmsprop", "lbfgs"}, default="adam"
        The optimiser.
    alpha : float, default=1e-4
        λ, the weight of the L2 term of J(Θ); 0 disables it. It acts on the
        stored weights (under ``parametrization="ntk"``, W rather than the
        W/√fan_in the layers multiply by), never on the biases or the front
        scale.
    learning_rate : float, default=1e-3
        α, the step size of every gradient solver (scikit-learn calls this
        ``learning_rate_init``).
    learning_rate_schedule : {"constant", "invscaling", "adaptive", "cosine", \
"coslog4"} or callable, default="constant"
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
        - "coslog4": α · ½ (1 − cos(2π log₂(1 + 15 t))) with t = s / S as for
          "cosine": RealMLP's warm restarts (Holzmüller et al., 2024), four
          cycles from 0 up to α and back to 0, each twice as long as the one
          before (they end at t = 1/15, 3/15, 7/15 and 1). It starts at 0:
          the first step changes nothing. Its epochs, ``warm_start`` and
          ``partial_fit`` behave as "cosine"'s.
        - a callable ``f(epoch, learning_rate) -> float``, called before each
          epoch (0-based, counting the epochs of earlier calls) with the rate
          in use, as Keras' ``LearningRateScheduler``; it must return a finite
          positive float.

        ``history_["learning_rate"]`` holds the rate each epoch started with.
        ``warm_start`` continues "invscaling" (from ``t_``), "adaptive" (from
        the lowered rate) and the callable's epoch count. ``partial_fit``
        continues every schedule across calls: each call is an epoch of the
        cosine (and of "coslog4"), c the calls completed and K this call's
        steps, whatever the sizes of the chunks; after ``max_iter`` calls the
        rate stays 0 and every further call warns (so set ``max_iter`` to the
        number of calls planned); "adaptive" stays at its rate there, as
        ``partial_fit`` never applies the stopping rule. Changing
        ``learning_rate`` starts the schedule afresh.
    power_t : float, default=0.5
        The exponent of "invscaling".
    learning_rate_factors : dict or None, default=None
        Factors on the rate of the gradient solvers, by group of parameters:
        keys among "weights", "biases" and "front_scale", each a finite
        positive float (a missing key is 1.0; a group the network does not
        have, "front_scale" without ``front_scale=True``, is unused). A
        parameter of a group with factor f steps with the rate η·f, η the
        scheduled rate, as PyTorch's parameter groups with their own ``lr``
        (Adam: θ ← θ − η·f·m̂/(√v̂ + ε)); ``weight_decay`` decays the weights
        by their own rate, θ ← θ·(1 − η·f·wd). RealMLP uses {"biases": 0.1,
        "front_scale": 6.0} with ``parametrization="ntk"``. Not available
        with "lbfgs", which takes no steps of a given size (refused).
    weight_decay : float, default=0.0
        Decoupled weight decay of the gradient solvers, as PyTorch's
        ``AdamW`` (``SGDW`` for "sgd"): each step first decays the stored
        weights (not the biases, nor the front scale; W rather than
        W/√fan_in under "ntk"), θ ← θ·(1 − η·wd) with η the rate of that step,
        then applies the solver's update with the gradient taken at the old
        θ. Unlike ``alpha`` (an L2 term of J, which adaptive solvers rescale
        per weight), the decay is the same fraction for every weight; both
        may be used together. Not available with "lbfgs".
    clip_grad_norm : float or None, default=None
        Scale each step's gradient g of J (the L2 term and the biases
        included) by min(1, c / (‖g‖ + 1e-6)) before the update, as
        ``torch.nn.utils.clip_grad_norm_``; weight decay is not clipped.
        Not available with "lbfgs".
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
    front_scale : bool, default=False
        A learnt scale s per input feature in front of the first layer,
        starting at 1: z⁽¹⁾ = (x ⊙ s) W⁽¹⁾ + b⁽¹⁾, s trained with the other
        parameters (not by ``alpha`` nor ``weight_decay``). Fitted as
        ``front_scale_``; ``coefs_[0]`` is the product diag(s) W⁽¹⁾ that
        predictions multiply by.
    parametrization : {"standard", "ntk"}, default="standard"
        How the layers use their stored weights. "standard": z = A W + b,
        W starting Glorot-uniform and b at 0. "ntk", the neural-tangent
        parametrisation: z = A W / √fan_in + b, W and b starting N(0, 1)
        and the output layer's at 0 (RealMLP's initialisation); the factor
        1/√fan_in also scales W's gradient, for every solver. ``coefs_``
        hold W/√fan_in, what predictions multiply by; ``alpha`` and
        ``weight_decay`` act on the stored W.
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
    "<layer parameters>": LAYER_PARAMETERS,
    "<training parameters>": TRAINING,
    "<stopping parameters>": STOPPING,
    "<loop and solver parameters>": LOOP_AND_SOLVER,
}


def shared_parameters(cls):
    """Class decorator: replace each marker line of the docstring by the
    shared descriptions, indented as the marker is, so ``help()``, the API
    pages and the doctests all see one text. (Python 3.13 strips the common
    indentation of docstrings when it compiles them; earlier versions keep
    it.)"""
    doc = cls.__doc__
    for marker, text in MARKERS.items():
        found = re.search(rf"^([ \t]*){re.escape(marker)}\n", doc, re.MULTILINE)
        if found is None:
            raise AssertionError(f"{cls.__name__}'s docstring has no {marker}")
        block = textwrap.indent(textwrap.dedent(text), found.group(1))
        doc = doc[: found.start()] + block + doc[found.end() :]
    cls.__doc__ = doc
    return cls


def signature(defaults=None, **own):
    """The signature of an estimator's ``__init__``: the layers, the shared
    keyword-only parameters and the estimator's ``own`` ones with their
    defaults; ``defaults`` overrides the shared defaults (a preset such as
    the tabular estimators'). scikit-learn reads the parameters from it
    (``get_params``, ``clone``, ``repr``), and so do ``help()`` and the
    documentation."""
    defaults = defaults or {}

    def declared(table, kind):
        return [
            inspect.Parameter(
                name, kind, default=defaults.get(name, d), annotation=a
            )
            for name, (d, a, _) in table.items()
        ]

    self = inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)
    layers = declared(LAYERS, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    keywords = declared(PARAMETERS, inspect.Parameter.KEYWORD_ONLY)
    keywords += [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default)
        for name, default in own.items()
    ]
    return inspect.Signature([self, *layers, *keywords], return_annotation=None)


def set_parameters(estimator, hidden_layer_sizes, activation, params, defaults=None):
    """``__init__``'s work: store every parameter as given, the shared ones
    left out of ``params`` at their defaults (``defaults`` overriding
    ``PARAMETERS``')."""
    defaults = defaults or {}
    unknown = params.keys() - PARAMETERS.keys()
    if unknown:
        raise TypeError(
            f"{type(estimator).__name__}.__init__() got an unexpected keyword "
            f"argument {sorted(unknown)[0]!r}"
        )
    estimator.hidden_layer_sizes = hidden_layer_sizes
    estimator.activation = activation
    for name, (default, _, _) in PARAMETERS.items():
        setattr(estimator, name, params.get(name, defaults.get(name, default)))


@dataclass(frozen=True)
class Settings:
    """The validated parameters in the form the training code uses."""

    hidden: tuple
    activations: tuple
    dropout: tuple
    validation_fraction: float | None


def _as_tuple(value):
    return tuple(np.ravel(value).tolist()) if not np.isscalar(value) else (value,)


def _invalid(estimator, name, requirement):
    return InvalidParameterError(
        f"The {name!r} parameter of {type(estimator).__name__} must be "
        f"{requirement}. Got {getattr(estimator, name)!r} instead."
    )


def _hidden_layers(estimator):
    try:
        hidden = _as_tuple(estimator.hidden_layer_sizes)
        flat = np.ndim(estimator.hidden_layer_sizes) <= 1
    except ValueError:  # ragged nested sequences
        hidden, flat = (), False
    if not flat or not all(
        isinstance(n, Integral) and not isinstance(n, bool) and n >= 1 for n in hidden
    ):
        raise _invalid(
            estimator,
            "hidden_layer_sizes",
            "positive integers, one per hidden layer (a flat tuple)",
        )
    return tuple(int(n) for n in hidden)


def _dropout(estimator, n_hidden):
    if np.isscalar(estimator.dropout):
        return (float(estimator.dropout),) * n_hidden
    try:
        flat = np.ndim(estimator.dropout) == 1
    except ValueError:
        flat = False
    dropout = _as_tuple(estimator.dropout) if flat else ()
    if (
        not flat
        or len(dropout) != n_hidden
        or not all(
            isinstance(r, Real) and not isinstance(r, bool) and 0 <= r < 1
            for r in dropout
        )
    ):
        raise _invalid(
            estimator,
            "dropout",
            "a float in [0, 1) or a flat tuple of such floats, one per "
            f"hidden layer ({n_hidden} here)",
        )
    return tuple(dropout)


def _activations(estimator, n_hidden):
    """One activation name per hidden layer, aliases resolved."""
    activation = estimator.activation
    if isinstance(activation, str):  # the constraint checked the name
        return (ALIASES.get(activation, activation),) * n_hidden
    unknown = [
        name for name in activation
        if not isinstance(name, str) or name not in ACTIVATIONS
    ]  # fmt: skip
    if unknown:
        raise _invalid(
            estimator,
            "activation",
            f"a str among {sorted(ACTIVATIONS)}, or a list or tuple of them "
            f"(one per hidden layer); {unknown[0]!r} is not one",
        )
    if len(activation) != n_hidden:
        raise _invalid(
            estimator,
            "activation",
            "a single name, or a list or tuple with one name per hidden layer: "
            f"it has {len(activation)} name(s) but hidden_layer_sizes="
            f"{estimator.hidden_layer_sizes!r} has {n_hidden} hidden layer(s)",
        )
    return tuple(ALIASES.get(name, name) for name in activation)


def settings(estimator):
    """Validate the parameters of ``estimator``; the ones the training code
    reshapes, as ``Settings``."""
    estimator._validate_params()
    for name in ("batch_size", "max_iter", "max_fun", "n_iter_no_change"):
        if isinstance(getattr(estimator, name), bool):  # bool passes as Integral
            raise _invalid(estimator, name, "an int, not a bool")
    hidden = _hidden_layers(estimator)
    dropout = _dropout(estimator, len(hidden))
    activations = _activations(estimator, len(hidden))
    lbfgs = estimator.solver == LBFGS
    _check_rate_factors(estimator)
    step_shapers = {
        "weight_decay": " (use alpha for an L2 term L-BFGS minimises)",
        "clip_grad_norm": " (use alpha for an L2 term L-BFGS minimises)",
        "learning_rate_factors": " (None)",
    }
    for name, hint in step_shapers.items():
        if lbfgs and getattr(estimator, name) not in (0, 0.0, None):
            raise ValueError(
                f"{name}={getattr(estimator, name)!r} shapes the steps of a "
                "gradient solver, and L-BFGS takes none of its own: choose "
                f"'sgd', 'rmsprop' or 'adam', or leave {name} at its default"
                f"{hint}."
            )
    if lbfgs and any(dropout):
        raise ValueError(
            "dropout needs a gradient solver ('sgd', 'rmsprop' or 'adam'): "
            "L-BFGS cannot minimise a cost that changes at every evaluation. "
            "Set dropout=0.0 or choose another solver."
        )
    if (
        estimator.learning_rate_schedule == "adaptive"
        and estimator.n_iter_no_change is None
        and not lbfgs
    ):
        raise ValueError(
            "learning_rate_schedule='adaptive' lowers the rate where the "
            "stopping rule would stop, so it needs n_iter_no_change (an int); "
            "got n_iter_no_change=None."
        )
    _check_monitor(estimator)
    fraction = estimator.validation_fraction
    if fraction is None and estimator.early_stopping:
        fraction = 0.1
    return Settings(
        hidden=hidden,
        activations=activations,
        dropout=dropout,
        validation_fraction=fraction,
    )


def _check_rate_factors(estimator):
    """``learning_rate_factors``: None, or a dict of finite positive factors
    keyed by names of parameter groups."""
    factors = estimator.learning_rate_factors
    if factors is None:
        return
    unknown = [key for key in factors if key not in GROUPS]
    if unknown:
        raise _invalid(
            estimator,
            "learning_rate_factors",
            f"a dict whose keys are among {list(GROUPS)}; {unknown[0]!r} is not one",
        )
    for key, factor in factors.items():
        if (
            isinstance(factor, bool)
            or not isinstance(factor, Real)
            or not (np.isfinite(factor) and factor > 0)
        ):
            raise _invalid(
                estimator,
                "learning_rate_factors",
                f"a dict of finite positive numbers; its {key!r} factor is {factor!r}",
            )


def _check_monitor(estimator):
    """``early_stopping_metric`` is "loss" or a name of ``scoring``, and only
    early stopping monitors it."""
    metric = estimator.early_stopping_metric
    if metric == "loss":
        return
    if not estimator.early_stopping:
        raise ValueError(
            f"early_stopping_metric={metric!r} says what early stopping "
            "monitors, but early_stopping=False: set early_stopping=True, or "
            "leave early_stopping_metric='loss'."
        )
    names = scorer_names(estimator.scoring)
    if names is not None and metric not in names:
        raise ValueError(
            f"early_stopping_metric={metric!r} is neither 'loss' nor a name "
            f"of scoring={estimator.scoring!r}: pick one of "
            f"{['loss', *names]}, or add {metric!r} to scoring."
        )


def check_epsilon(solver, epsilon, dtype):
    """The ε of a rule that divides by √s + ε (rmsprop, adam) must be a normal
    number in the training dtype."""
    tiny = np.finfo(dtype).tiny
    uses_epsilon = "epsilon" in SOLVERS[solver].PARAMETERS
    if uses_epsilon and np.dtype(dtype).type(epsilon) < tiny:
        raise ValueError(
            f"epsilon={epsilon:g} is below the smallest normal "
            f"{np.dtype(dtype).name} ({tiny:.3g}), so {solver}'s division by "
            "√s + ε would overflow: raise epsilon (e.g. to 1e-8) or train in "
            "float64."
        )


def fit_dtype(estimator, continuing):
    """The dtype(s) ``validate_data`` may leave X in for this call."""
    if continuing and estimator.dtype is None:
        # a model keeps its dtype across chunks and warm starts, unless the
        # user asks for another one
        return estimator.coefs_[0].dtype
    if estimator.dtype is not None:
        return DTYPES[estimator.dtype]
    return [np.float64, np.float32]  # float32 stays, the rest → float64
