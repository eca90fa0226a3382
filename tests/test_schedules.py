"""Learning-rate schedules (``learning_rate_schedule``, ``power_t``): each rule
against its formula, the step actually taken, "adaptive" against the stopping
rule, the callable's errors, continuation (warm start, partial_fit, pickle),
model selection, and "constant" against the model before schedules existed:
bit for bit against training without the schedule in the same run, and to
rounding against the probabilities that model computed."""

import copy
import math
import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.datasets import load_iris
from sklearn.model_selection import GridSearchCV
from sklearn.preprocessing import StandardScaler

from conftest import assert_same_history, assert_same_params
from sknn import MLPClassifier, MLPRegressor
from sknn._math.schedules import ScheduleState, make_rule

# short fits on purpose: their "not converged" warnings say nothing here
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

ALPHA = 0.05

# predict_proba(X[::50]) of the fits in ``_constant_fit``, computed by the code
# before schedules existed (commit 1a7053d) on a CPU where OpenBLAS ran its
# Haswell kernels and NumPy its AVX2 loops. Another CPU rounds differently, so
# these are compared to ``ROUNDING_EPS``; bit-identity is checked in one run.
# fmt: off
BEFORE_SCHEDULES = {
    ("sgd", "float64"): [
        0.3460048639686283, 0.3956896066240768, 0.2583055294072949,
        0.18709319271218397, 0.3400296507573533, 0.47287715653046264,
        0.044509274656159295, 0.12160302545854138, 0.8338876998852994,
    ],
    ("sgd", "float32"): [
        0.3460048735141754, 0.39568960666656494, 0.25830551981925964,
        0.18709316849708557, 0.34002959728240967, 0.4728772044181824,
        0.04450926557183266, 0.12160301208496094, 0.8338877558708191,
    ],
    ("nesterov", "float64"): [
        0.49763260247151847, 0.37876977305908455, 0.12359762446939702,
        0.11729482549793432, 0.3594436729881, 0.5232615015139657,
        0.0048370946110045995, 0.0421319947141104, 0.9530309106748851,
    ],
    ("nesterov", "float32"): [
        0.49763262271881104, 0.37876978516578674, 0.12359758466482162,
        0.11729484796524048, 0.35944366455078125, 0.5232614874839783,
        0.004837093409150839, 0.042132019996643066, 0.9530308246612549,
    ],
    ("rmsprop", "float64"): [
        0.7328866520984737, 0.23096860899767405, 0.03614473890385232,
        0.03639060243411523, 0.4343976378327933, 0.5292117597330915,
        0.0009556477956471491, 0.06033039940709797, 0.9387139527972548,
    ],
    ("rmsprop", "float32"): [
        0.7328866124153137, 0.2309686243534088, 0.036144740879535675,
        0.03639058396220207, 0.4343976676464081, 0.529211699962616,
        0.0009556471486575902, 0.060330431908369064, 0.9387139678001404,
    ],
    ("adam", "float64"): [
        0.3648471793858275, 0.45122099118234804, 0.18393182943182437,
        0.032709928249188655, 0.32825398506123393, 0.6390360866895775,
        0.001190884555647888, 0.03417883278129191, 0.9646302826630603,
    ],
    ("adam", "float32"): [
        0.36484718322753906, 0.4512209892272949, 0.18393181264400482,
        0.03270993381738663, 0.32825398445129395, 0.6390360593795776,
        0.0011908849701285362, 0.03417883813381195, 0.9646302461624146,
    ],
    ("adam_early", "float64"): [
        0.47551552103746175, 0.38117125289907, 0.14331322606346814,
        0.07004062973937834, 0.3735061954218495, 0.5564531748387722,
        0.004796032408018987, 0.07919578378036608, 0.9160081838116149,
    ],
    ("adam_early", "float32"): [
        0.4755155146121979, 0.38117125630378723, 0.1433132290840149,
        0.07004063576459885, 0.37350621819496155, 0.5564531683921814,
        0.004796034190803766, 0.0791957825422287, 0.9160081744194031,
    ],
    ("lbfgs", "float64"): [
        0.9999774610543787, 2.25388082795556e-05, 1.373417067915586e-10,
        5.4852644096585755e-06, 0.9266595449090251, 0.07333496982656505,
        8.92646683657988e-20, 3.791339302075478e-06, 0.9999962086606979,
    ],
    ("lbfgs", "float32"): [
        0.9999774694442749, 2.2539059500559233e-05, 1.3734222092942616e-10,
        5.48528032595641e-06, 0.9266596436500549, 0.07333484292030334,
        8.92659260490445e-20, 3.791362360061612e-06, 0.9999961853027344,
    ],
}
# fmt: on

# How far the probabilities of these fits move with the CPU, in units of the
# dtype's machine epsilon ε: OpenBLAS's kernel and NumPy's SIMD loops sum and
# fuse (FMA) differently, and training carries each rounding into the weights.
# Measured against BEFORE_SCHEDULES under OpenBLAS's SkylakeX, Haswell,
# SandyBridge and Prescott kernels, NumPy with and without its AVX-512 loops,
# and NumPy 1.26 / SciPy 1.11 as well as NumPy 2.4 / SciPy 1.17: at most 9 ε for
# the first-order solvers (about 30 small steps, each rounded once) and 192 ε
# for L-BFGS (its quasi-Newton direction comes from differences of gradients,
# which cancel, its line search takes large steps, and its smallest
# probabilities, 1e-19, carry the logits' absolute error as a relative one;
# SciPy's Fortran L-BFGS-B before 1.15 adds 18 ε). The bounds leave a factor
# of 15 to 20 over that; a change of behaviour moves them by orders more.
ROUNDING_EPS = {"first-order": 2**7, "lbfgs": 2**12}

CONSTANT_CASES = {
    "sgd": dict(solver="sgd", learning_rate=0.05),
    "nesterov": dict(solver="sgd", learning_rate=0.02, momentum=0.9, nesterov=True),
    "rmsprop": dict(solver="rmsprop", learning_rate=0.01, dropout=0.2),
    "adam": dict(solver="adam", learning_rate=0.01, alpha=1e-2),
    "adam_early": dict(
        solver="adam",
        learning_rate=0.01,
        early_stopping=True,
        validation_fraction=0.2,
        n_iter_no_change=3,
    ),
    "lbfgs": dict(solver="lbfgs", alpha=1e-3),
}


def _constant_fit(case, dtype):
    """The fit of ``BEFORE_SCHEDULES`` (the code of 1a7053d ran this same
    function) and the rows whose probabilities it stores."""
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X).astype(dtype)
    w = np.linspace(0.5, 2.0, len(y))
    clf = MLPClassifier(
        (8,), batch_size=32, max_iter=6, random_state=0, **CONSTANT_CASES[case]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if case == "sgd":  # partial_fit, then warm-started fits
            for _ in range(2):
                clf.partial_fit(X, y, classes=[0, 1, 2])
            clf.set_params(warm_start=True, max_iter=2).fit(X, y)
        else:
            clf.fit(X, y, sample_weight=w if case == "adam" else None)
    return clf, X[::50]


class _WithoutSchedule:
    """Stands in for the observer that applies the schedule and does nothing,
    so that the optimiser keeps the rate it was built with, ``learning_rate``,
    through the whole fit: the training of every model before schedules
    existed, run in the same process as the scheduled one."""

    phase = "rate"

    def __init__(self, *args, **kwargs):
        pass


@pytest.mark.parametrize("dtype", ["float64", "float32"])
# L-BFGS has no rate to schedule: test_lbfgs_ignores_the_schedule covers it
@pytest.mark.parametrize("case", [case for case in CONSTANT_CASES if case != "lbfgs"])
def test_constant_is_bit_identical_to_training_without_a_schedule(
    case, dtype, monkeypatch
):
    scheduled, _ = _constant_fit(case, dtype)
    monkeypatch.setattr("sknn._base.assemble.LearningRate", _WithoutSchedule)
    unscheduled, _ = _constant_fit(case, dtype)
    # "constant" may not change the rate even by one ulp, at any step
    assert_same_params(scheduled, unscheduled)
    assert scheduled.n_iter_ == unscheduled.n_iter_
    assert scheduled.t_ == unscheduled.t_
    # without the observer no rate is recorded
    assert_same_history(scheduled, unscheduled, skip=("learning_rate",))
    assert scheduled.history_["learning_rate"] == [scheduled.learning_rate] * len(
        scheduled.history_["loss"]
    )


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case", list(CONSTANT_CASES))
def test_constant_trains_as_the_model_before_schedules(case, dtype):
    clf, rows = _constant_fit(case, dtype)
    eps = ROUNDING_EPS["lbfgs" if case == "lbfgs" else "first-order"]
    np.testing.assert_allclose(
        clf.predict_proba(rows).ravel(),
        BEFORE_SCHEDULES[case, dtype],
        rtol=eps * np.finfo(dtype).eps,
        atol=0,
    )


# ------------------------------------------------------------------ formulas


# the rate of "cosine" and "coslog4" over α at t = s/S, from their formulas
SHAPES = {
    "cosine": lambda t: 0.5 * (1 + math.cos(math.pi * t)),
    "coslog4": lambda t: 0.5 * (1 - math.cos(2 * math.pi * math.log2(1 + 15 * t))),
}


def halve_after_two(epoch, rate):
    """A module-level schedule (picklable): α for epochs 0 and 1, then halved
    before every epoch."""
    return rate if epoch < 2 else rate / 2


def scheduled(rule, estimator=MLPClassifier, hidden=(4,), **params):
    """An estimator at rate ``ALPHA`` with schedule ``rule``, seeded."""
    params = {"learning_rate": ALPHA, "random_state": 0, **params}
    return estimator(hidden, learning_rate_schedule=rule, **params)


def expected_rates(rule, epochs, n_train, first=0, rate=ALPHA, power_t=0.5, S=None):
    """The rate each of ``epochs`` epochs starts with, from the formulas."""
    rates = []
    for e in range(first, first + epochs):
        if rule == "constant":
            rates.append(ALPHA)
        elif rule == "invscaling":
            rates.append(ALPHA / (e * n_train + 1) ** power_t)
        elif rule in SHAPES:  # epochs of one fit; e counts from its start
            rates.append(ALPHA * SHAPES[rule](e / S))
        else:
            rate = halve_after_two(e, rate)
            rates.append(rate)
    return rates


def _regression_data():
    X, _ = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    return X, X @ [0.5, -1.0, 2.0, 0.25]


@pytest.mark.parametrize("estimator", [MLPClassifier, MLPRegressor])
@pytest.mark.parametrize(
    "rule", ["constant", "invscaling", "cosine", "coslog4", halve_after_two]
)
def test_each_epoch_starts_with_the_rate_of_the_formula(estimator, rule):
    if estimator is MLPClassifier:
        X, y = load_iris(return_X_y=True)
        X = StandardScaler().fit_transform(X)
    else:
        X, y = _regression_data()
    # a hold-out (120 training rows), sample weights, sparse X, float32
    X = sp.csr_matrix(X.astype(np.float32))
    w = np.linspace(0.5, 2.0, len(y))
    model = scheduled(
        rule,
        estimator,
        (8,),
        solver="adam",
        power_t=0.7,
        batch_size=50,
        max_iter=6,
        n_iter_no_change=None,
        validation_fraction=0.2,
    ).fit(X, y, sample_weight=w)
    name = rule if isinstance(rule, str) else "callable"
    expected = expected_rates(name, 6, n_train=120, power_t=0.7, S=6)
    np.testing.assert_allclose(
        model.history_["learning_rate"], expected, rtol=1e-12, atol=1e-15 * ALPHA
    )
    assert len(model.history_["learning_rate"]) == len(model.history_["val_loss"])


def _sgd_steps(rule, calls, max_iter=4):
    """Plain-SGD partial_fit calls of one step each on iris: for each call,
    the rate it used, measured as Δθ / Δθ of a rate-1 step from the same θ."""
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    clf = scheduled(
        rule,
        hidden=(6,),
        solver="sgd",
        alpha=0.0,
        batch_size=len(y),  # one step per call
        max_iter=max_iter,
    )
    clf.partial_fit(X, y, classes=[0, 1, 2])  # the first step: rate α for all
    measured = []
    for _ in range(calls):
        before = copy.deepcopy(clf)
        clf.partial_fit(X, y)
        unit = copy.deepcopy(before).set_params(
            learning_rate=1.0, learning_rate_schedule="constant"
        )
        unit.partial_fit(X, y)
        taken = clf.coefs_[0] - before.coefs_[0]
        gradient_step = unit.coefs_[0] - before.coefs_[0]  # −∇J
        ratio = taken / gradient_step
        np.testing.assert_allclose(ratio, ratio.flat[0], rtol=1e-6)
        measured.append(ratio.flat[0])
    return clf, measured


@pytest.mark.parametrize(
    "rule, expected",
    [
        ("constant", [ALPHA] * 4),
        ("invscaling", [ALPHA / (k * 150 + 1) ** 0.5 for k in range(1, 5)]),
        # cosine counts calls: the fifth of max_iter=4 runs at 0 (and warns)
        (
            "cosine",
            [ALPHA * 0.5 * (1 + math.cos(math.pi * k / 4)) for k in (1, 2, 3)] + [0.0],
        ),
        (halve_after_two, [ALPHA, ALPHA / 2, ALPHA / 4, ALPHA / 8]),
    ],
)
def test_the_step_taken_follows_the_rule(rule, expected):
    ends = rule == "cosine"
    with pytest.warns(UserWarning, match="reached its end") if ends else (
        warnings.catch_warnings()
    ):
        if not ends:
            warnings.simplefilter("error", UserWarning)
        clf, measured = _sgd_steps(rule, calls=4)
    np.testing.assert_allclose(measured, expected, rtol=1e-6, atol=1e-12)
    # the history records the rate of each call (the first call's: α)
    np.testing.assert_allclose(
        clf.history_["learning_rate"], [ALPHA, *expected], rtol=1e-12, atol=1e-15
    )


def test_cosine_changes_the_rate_at_every_step_not_every_epoch(multiclass_data):
    X, y = multiclass_data
    params = dict(solver="sgd", alpha=0.0, learning_rate=ALPHA, shuffle=False)
    # one epoch of two steps: S = 2, the second step at α · ½ (1 + cos(π/2))
    fitted = MLPClassifier(
        (6,),
        learning_rate_schedule="cosine",
        batch_size=75,
        max_iter=1,
        random_state=0,
        **params,
    ).fit(X, y)
    by_hand = MLPClassifier((6,), batch_size=75, random_state=0, **params)
    by_hand.partial_fit(X[:75], y[:75], classes=[0, 1, 2])
    by_hand.set_params(learning_rate=ALPHA / 2).partial_fit(X[75:], y[75:])
    np.testing.assert_allclose(fitted.coefs_[0], by_hand.coefs_[0], rtol=1e-12)
    assert fitted.history_["learning_rate"] == [ALPHA]


def _rates_of_each_step(monkeypatch):
    """The learning rate of every optimiser step taken from now on."""
    from sknn._math.optimizers import SGD

    rates, step = [], SGD.step

    def recording_step(self, *args, **kwargs):
        rates.append(self.learning_rate)
        return step(self, *args, **kwargs)

    monkeypatch.setattr(SGD, "step", recording_step)
    return rates


@pytest.mark.parametrize("rule", list(SHAPES))
def test_cosine_in_partial_fit_counts_calls_not_chunk_sizes(
    monkeypatch, multiclass_data, rule
):
    """s/S = (c + k/K) / max_iter: call c of ``max_iter``, step k of its K,
    whatever the chunks' sizes; then the rate stays 0 and each call warns
    (coslog4 alike)."""
    X, y = multiclass_data
    X, y = np.tile(X, (2, 1))[:260], np.tile(y, 2)[:260]
    clf = MLPClassifier(
        (4,), solver="sgd", learning_rate=ALPHA, learning_rate_schedule=rule,
        batch_size=10, max_iter=5, random_state=0,
    )
    rates = _rates_of_each_step(monkeypatch)
    expected, start = [], 0
    for c, n in enumerate([80, 80, 10, 10, 80]):
        K = -(-n // 10)
        expected += [ALPHA * SHAPES[rule]((c + k / K) / 5) for k in range(K)]
        clf.partial_fit(X[start : start + n], y[start : start + n], classes=[0, 1, 2])
        start += n
    np.testing.assert_allclose(rates, expected, rtol=1e-12, atol=1e-15 * ALPHA)
    np.testing.assert_allclose(
        clf.history_["learning_rate"],
        [ALPHA * SHAPES[rule](c / 5) for c in range(5)],
        rtol=1e-12,
        atol=1e-15 * ALPHA,
    )
    weights = [c.copy() for c in clf.coefs_]
    with pytest.warns(UserWarning, match=r"reached its end after max_iter=5"):
        clf.partial_fit(X[:10], y[:10])
    assert clf.history_["learning_rate"][-1] == 0.0
    for old, new in zip(weights, clf.coefs_):
        np.testing.assert_array_equal(old, new)


def test_invscaling_with_a_huge_power_t_is_a_clear_error(multiclass_data):
    X, y = multiclass_data
    clf = MLPClassifier(
        (4,), learning_rate_schedule="invscaling", power_t=1e6, max_iter=3,
        random_state=0,
    )
    with pytest.raises(ValueError, match=r"power_t=1e\+06.*smaller power_t"):
        clf.fit(X, y)
    assert not hasattr(clf, "coefs_")


# ------------------------------------------------------------------ adaptive


def _fires(losses, tol, patience):
    """The epochs (0-based) after which the stopping rule fires, replayed on
    the monitored losses: not improved by ``tol`` for ``patience`` epochs."""
    best, count, fired = np.inf, 0, []
    for epoch, value in enumerate(losses):
        count = count + 1 if value > best - tol else 0
        best = min(best, value)
        if count >= patience:
            fired.append(epoch)
            count = 0
    return fired


@pytest.mark.parametrize("early_stopping", [False, True])
def test_adaptive_divides_by_5_exactly_where_the_stopping_rule_fires(
    multiclass_data, early_stopping
):
    X, y = multiclass_data
    params = dict(
        solver="sgd",
        learning_rate=0.1,
        tol=0.02,
        n_iter_no_change=2,
        max_iter=300,
        batch_size=32,
        early_stopping=early_stopping,
        validation_fraction=0.2,
        random_state=0,
    )
    constant = MLPClassifier((8,), **params).fit(X, y)
    adaptive = MLPClassifier((8,), learning_rate_schedule="adaptive", **params)
    adaptive.fit(X, y)
    rates = adaptive.history_["learning_rate"]
    monitored = adaptive.history_["val_loss" if early_stopping else "loss"]
    fired = _fires(monitored, params["tol"], params["n_iter_no_change"])
    # it stopped where the rule fired with the rate already at most 1e-6 ...
    assert fired[-1] == adaptive.n_iter_ - 1 < params["max_iter"] - 1
    assert rates[-1] <= 1e-6 < rates[-1] * 5
    # ... and at every earlier firing divided the rate by 5, and only there
    expected = [0.1]
    for epoch in range(1, adaptive.n_iter_):
        expected.append(expected[-1] / 5 if epoch - 1 in fired else expected[-1])
    np.testing.assert_allclose(rates, expected, rtol=1e-12)
    assert len(fired) > 3
    # until the first firing it trains as "constant", which stops there
    assert constant.n_iter_ == fired[0] + 1
    np.testing.assert_array_equal(
        constant.history_["loss"], adaptive.history_["loss"][: constant.n_iter_]
    )


def test_adaptive_needs_n_iter_no_change(multiclass_data):
    X, y = multiclass_data
    clf = MLPClassifier(
        (4,), learning_rate_schedule="adaptive", n_iter_no_change=None, max_iter=2
    )
    with pytest.raises(ValueError, match="needs n_iter_no_change"):
        clf.fit(X, y)
    assert not hasattr(clf, "coefs_")
    # L-BFGS ignores schedules
    clf.set_params(solver="lbfgs").fit(X, y)
    assert np.isnan(clf.history_["learning_rate"]).all()


def test_warm_start_continues_adaptive_from_the_lowered_rate(multiclass_data):
    X, y = multiclass_data
    clf = MLPClassifier(
        (8,),
        solver="sgd",
        learning_rate=0.1,
        learning_rate_schedule="adaptive",
        tol=10.0,
        n_iter_no_change=2,
        max_iter=5,
        random_state=0,
    ).fit(X, y)
    # tol=10 never improves: the rule fires after epochs 3 and 5
    assert clf.history_["learning_rate"] == [0.1, 0.1, 0.1, 0.02, 0.02]
    clf.set_params(warm_start=True, max_iter=3).fit(X, y)
    np.testing.assert_allclose(clf.history_["learning_rate"][5:], [0.004] * 3)
    # switching to "constant" goes back to α
    clf.set_params(learning_rate_schedule="constant", max_iter=1).fit(X, y)
    assert clf.history_["learning_rate"][-1] == 0.1


# ------------------------------------------------------------------ callable


@pytest.mark.parametrize(
    "returned, error, message",
    [
        (float("nan"), ValueError, "returned nan for epoch 2"),
        (float("inf"), ValueError, "returned inf for epoch 2"),
        (0.0, ValueError, "returned 0.0 for epoch 2; the rate must be finite and "),
        (-1e-3, ValueError, "returned -0.001 for epoch 2"),
        (None, TypeError, "returned None for epoch 2; it must return a float"),
        ("0.1", TypeError, "returned '0.1' for epoch 2"),
        (True, TypeError, "returned True for epoch 2"),
    ],
)
def test_a_bad_rate_from_the_callable_names_the_epoch(
    multiclass_data, returned, error, message
):
    X, y = multiclass_data
    clf = MLPClassifier(
        (4,),
        learning_rate_schedule=lambda epoch, rate: rate,
        max_iter=2,
        n_iter_no_change=None,
        warm_start=True,
        random_state=0,
    ).fit(X, y)
    before = copy.deepcopy(clf.__dict__)
    # epoch 2 is the first of the warm-started fit
    clf.set_params(
        learning_rate_schedule=lambda epoch, rate: returned if epoch == 2 else rate
    )
    with pytest.raises(error, match=message):
        clf.fit(X, y)
    assert clf.n_iter_ == 2
    assert clf.history_ == before["history_"]
    np.testing.assert_array_equal(clf.coefs_[0], before["coefs_"][0])


def test_the_callable_sees_each_epoch_and_the_rate_in_use(multiclass_data):
    X, y = multiclass_data
    calls = []

    def schedule(epoch, rate):
        calls.append((epoch, rate))
        return rate * 0.5 if epoch % 2 else rate + 0.01

    clf = scheduled(schedule, max_iter=3, n_iter_no_change=None).fit(X, y)
    assert calls == [(0, ALPHA), (1, ALPHA + 0.01), (2, (ALPHA + 0.01) / 2)]
    last = (ALPHA + 0.01) / 2 + 0.01
    assert clf.history_["learning_rate"] == [c[1] for c in calls[1:]] + [last]
    # warm start and partial_fit continue the epoch count and the rate
    clf.set_params(warm_start=True, max_iter=1).fit(X, y)
    clf.partial_fit(X, y)
    assert calls[3:] == [(3, last), (4, last / 2)]
    assert clf.history_["learning_rate"][3:] == [last / 2, last / 2 + 0.01]
    # clone keeps the callable itself
    assert clone(clf).learning_rate_schedule is schedule


# ------------------------------------------------------------------ continuing


@pytest.mark.parametrize("rule", ["invscaling", "cosine", "coslog4", halve_after_two])
def test_warm_start_continues_invscaling_and_the_callable_and_restarts_cosine(
    multiclass_data, rule
):
    X, y = multiclass_data
    clf = scheduled(rule, max_iter=3, n_iter_no_change=None, batch_size=50)
    clf.fit(X, y)
    clf.set_params(warm_start=True).fit(X, y)
    name = rule if isinstance(rule, str) else "callable"
    if name in SHAPES:  # each fit runs its own cosine over its max_iter
        expected = expected_rates(name, 3, 150, S=3) * 2
    else:
        expected = expected_rates(name, 6, n_train=150)
    atol = 1e-15 * ALPHA
    np.testing.assert_allclose(
        clf.history_["learning_rate"], expected, rtol=1e-12, atol=atol
    )
    # without warm_start, a second fit starts over
    clf.set_params(warm_start=False).fit(X, y)
    np.testing.assert_allclose(
        clf.history_["learning_rate"], expected[:3], rtol=1e-12, atol=atol
    )


# three epochs of a fit, then two partial_fit calls: cosine is past its end
@pytest.mark.filterwarnings("ignore:learning_rate_schedule='cos.*' reached its end")
@pytest.mark.parametrize(
    "rule", ["invscaling", "cosine", "coslog4", "adaptive", halve_after_two]
)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_an_unpickled_model_resumes_the_same_schedule(multiclass_data, rule, dtype):
    X, y = multiclass_data
    X = X.astype(dtype)
    clf = scheduled(
        rule,
        solver="rmsprop",
        tol=10.0,
        n_iter_no_change=1,
        max_iter=3,
        batch_size=40,
        warm_start=True,
    ).fit(X, y)
    copied = pickle.loads(pickle.dumps(clf))
    for model in (clf, copied):
        for _ in range(2):
            model.partial_fit(X, y)
        model.fit(X, y)
    assert copied.history_ == clf.history_
    np.testing.assert_array_equal(copied.coefs_[0], clf.coefs_[0])
    rates = clf.history_["learning_rate"]
    if rule == "adaptive":
        # tol=10, patience 1: a fit divides after each epoch but its first
        # (which improves on +inf); partial_fit keeps the rate in use
        a = ALPHA
        expected = [a, a, a / 5, a / 25, a / 25, a / 25, a / 25, a / 125]
        np.testing.assert_allclose(rates, expected, rtol=1e-12)
    else:  # coslog4's epochs start at 0, α·0.93, α·0.98, then 0 past its end
        assert len(set(rates)) > (2 if rule == "coslog4" else 3)


def test_grid_search_over_strings_and_a_callable(multiclass_data):
    X, y = multiclass_data
    rules = ["constant", "invscaling", "cosine", halve_after_two]
    search = GridSearchCV(
        MLPClassifier((4,), learning_rate=ALPHA, max_iter=4, random_state=0),
        {"learning_rate_schedule": rules},
        cv=2,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search.fit(X, y)
    assert list(search.cv_results_["param_learning_rate_schedule"]) == rules
    scores = search.cv_results_["mean_test_score"]
    assert len(set(np.round(scores, 12))) > 1  # the rules trained differently
    best = search.best_estimator_
    assert best.learning_rate_schedule is rules[int(np.argmax(scores))]
    expected = expected_rates(
        best.learning_rate_schedule
        if isinstance(best.learning_rate_schedule, str)
        else "callable",
        4,
        n_train=150,
        S=4,
    )
    np.testing.assert_allclose(best.history_["learning_rate"], expected, rtol=1e-12)


def test_lbfgs_ignores_the_schedule(multiclass_data):
    X, y = multiclass_data
    models = [
        scheduled(rule, solver="lbfgs", max_iter=5).fit(X, y)
        for rule in ("constant", "cosine", halve_after_two)
    ]
    for model in models:
        assert np.isnan(model.history_["learning_rate"]).all()
        assert len(model.history_["learning_rate"]) == len(model.history_["loss"])
        np.testing.assert_array_equal(model.coefs_[0], models[0].coefs_[0])


# ------------------------------------------------------------------ coslog4


def _coslog4_values(S, rate=ALPHA):
    """The rule's value at every step s = 0, …, S of a fit of S one-step
    epochs, and once past its end."""
    rule = make_rule("coslog4", max_iter=S)
    state = ScheduleState(rate, rate)
    values = []
    for _ in range(S + 2):
        values.append(rule.step_value(state, 0, 1))
        state.epochs += 1
    return values


def test_coslog4_is_zero_where_its_cycles_start_and_end():
    """log₂(1 + 15 s/S) is an integer at s/S = 0, 1/15, 3/15, 7/15 and 1:
    there the rate is 0 exactly (up to cos(2πn) in floating point); past
    the end it stays 0."""
    values = _coslog4_values(15)
    for s in (0, 1, 3, 7, 15, 16):
        assert abs(values[s]) <= 1e-15 * ALPHA, s
    assert values[0] == 0.0
    assert all(
        value > 0 for s, value in enumerate(values) if s not in (0, 1, 3, 7, 15, 16)
    )


def test_coslog4_has_four_cycles_each_peaking_at_the_rate():
    """On a fine grid: the formula at every step, never above α, four peaks,
    each at log₂(1 + 15 t) = n − ½ and reaching α, each cycle twice as long
    as the one before."""
    S = 15 * 2**10
    values = np.array(_coslog4_values(S)[: S + 1])
    t = np.arange(S + 1) / S
    formula = ALPHA * 0.5 * (1 - np.cos(2 * np.pi * np.log2(1 + 15 * t)))
    np.testing.assert_allclose(values, formula, rtol=1e-12, atol=1e-15 * ALPHA)
    assert values.max() <= ALPHA
    peaks = [
        s
        for s in range(1, S)
        if values[s] > values[s - 1] and values[s] >= values[s + 1]
    ]
    assert len(peaks) == 4
    for n, s in enumerate(peaks, start=1):
        assert values[s] == pytest.approx(ALPHA, rel=1e-4)
        assert 15 * s / S == pytest.approx(2 ** (n - 0.5) - 1, abs=15 / S)
    ends = [0, S // 15, 3 * S // 15, 7 * S // 15, S]
    lengths = np.diff(ends)
    np.testing.assert_array_equal(lengths[1:], 2 * lengths[:-1])


def test_coslog4_first_step_changes_nothing(multiclass_data):
    """The schedule starts at 0: one full-batch step leaves the weights as
    they were initialised, the second moves them."""
    X, y = multiclass_data
    params = dict(solver="sgd", batch_size=len(y), shuffle=False, max_iter=4)
    initial = scheduled("constant", **{**params, "learning_rate": 1e-300})
    initial.partial_fit(X, y, classes=[0, 1, 2])
    clf = scheduled("coslog4", **params)
    clf.partial_fit(X, y, classes=[0, 1, 2])
    np.testing.assert_array_equal(clf.coefs_[0], initial.coefs_[0])
    assert clf.history_["learning_rate"] == [0.0]
    clf.partial_fit(X, y)
    assert not np.array_equal(clf.coefs_[0], initial.coefs_[0])
