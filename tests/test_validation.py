"""Parameter validation: ``__init__`` stores, ``fit`` and ``partial_fit`` check.

Every error names the parameter, the value received and what is allowed, in
scikit-learn's ``InvalidParameterError`` wording ("The 'p' parameter of
MLPClassifier must be ... Got ... instead."). ``InvalidParameterError`` is a
``ValueError`` and a ``TypeError``, as in scikit-learn.
"""

import re
from functools import partial

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import InvalidParameterError

from conftest import SMALL, X20, assert_refused, y20
from sknn import MLPClassifier

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

# parameter -> (invalid value, words the message must contain besides the name)
INVALID = {
    "hidden_layer_sizes": ((0,), ["positive integers"]),
    "activation": ("softsign", ["relu", "logistic", "tanh", "gelu", "'list'"]),
    "solver": ("newton", ["sgd", "rmsprop", "adam", "lbfgs"]),
    "alpha": (-0.1, ["[0.0, inf)"]),
    "learning_rate": (0.0, ["(0.0, inf)"]),
    "batch_size": (0, ["'auto'", "[1, inf)"]),
    "max_iter": (0, ["[1, inf)"]),
    "max_fun": (0, ["[1, inf)"]),
    "dropout": (1.0, ["[0.0, 1.0)"]),
    "weight_decay": (-0.1, ["[0.0, inf)"]),
    "clip_grad_norm": (0.0, ["(0.0, inf)", "None"]),
    "class_weight": ("balance", ["'balanced'", "dict", "None"]),
    "label_smoothing": (1.0, ["[0.0, 1.0)"]),
    "early_stopping": ("yes", ["bool"]),
    "early_stopping_metric": (3, ["'str'"]),
    "scoring": (3, ["'str'", "callable", "'list'", "'dict'", "None"]),
    "validation_fraction": (1.0, ["(0.0, 1.0)", "None"]),
    "n_iter_no_change": (0, ["[1, inf)", "None"]),
    "tol": (-1e-4, ["[0.0, inf)"]),
    "shuffle": ("no", ["bool"]),
    "random_state": ("seed", ["int", "RandomState", "None"]),
    "warm_start": (None, ["bool"]),
    "verbose": (3, ["[0, 2]"]),
    "momentum": (1.0, ["[0.0, 1.0)"]),
    "nesterov": ("true", ["bool"]),
    "rho": (1.0, ["[0.0, 1.0)"]),
    "beta_1": (1.0, ["[0.0, 1.0)"]),
    "beta_2": (-0.5, ["[0.0, 1.0)"]),
    "epsilon": (0.0, ["(0.0, inf)"]),
    "learning_rate_schedule": ("linear", ["'constant'", "'cosine'", "callable"]),
    "power_t": (-1.0, ["[0.0, inf)"]),
    "learning_rate_factors": ([0.1, 6.0], ["'dict'", "None"]),
    "front_scale": ("yes", ["bool"]),
    "parametrization": ("mup", ["'standard'", "'ntk'"]),
    "dtype": ("float16", ["'float32'", "'float64'", "None"]),
}

# more invalid values: (parameter, value, words the message must contain)
MORE_INVALID = [
    ("hidden_layer_sizes", (-3, 5), ["positive integers"]),
    ("hidden_layer_sizes", (10, 0), ["positive integers"]),
    ("hidden_layer_sizes", 0, ["[1, inf)"]),
    ("hidden_layer_sizes", -2, ["[1, inf)"]),
    ("hidden_layer_sizes", (2.5,), ["positive integers"]),
    ("hidden_layer_sizes", (True,), ["positive integers"]),
    ("hidden_layer_sizes", [[4, 4]], ["positive integers", "flat"]),
    ("hidden_layer_sizes", "big", ["array-like", "int"]),
    ("learning_rate", -0.01, ["(0.0, inf)"]),
    ("learning_rate", np.inf, ["(0.0, inf)"]),
    ("learning_rate", "fast", ["float"]),
    ("alpha", np.nan, ["[0.0, inf)"]),
    ("dropout", -0.1, ["[0.0, 1.0)"]),
    ("dropout", np.nan, ["[0.0, 1.0)"]),
    ("dropout", "high", ["[0.0, 1.0)"]),
    ("batch_size", "max", ["'auto'"]),
    ("batch_size", 2.5, ["[1, inf)"]),
    ("max_iter", 1.5, ["int", "[1, inf)"]),
    ("max_iter", None, ["int", "[1, inf)"]),
    ("validation_fraction", 0.0, ["(0.0, 1.0)"]),
    ("validation_fraction", 1.5, ["(0.0, 1.0)"]),
    ("class_weight", [1.0, 2.0], ["'balanced'", "dict"]),
    ("verbose", -1, ["[0, 2]"]),
    ("epsilon", -1e-8, ["(0.0, inf)"]),
    ("learning_rate_factors", {"bias": 0.1}, ["'weights'", "'front_scale'"]),
    ("learning_rate_factors", {"biases": 0.0}, ["finite positive"]),
    ("learning_rate_factors", {"biases": np.nan}, ["finite positive"]),
]


def _check_message(error, param, value, words):
    message = str(error.value)
    assert f"'{param}' parameter of MLPClassifier" in message
    assert f"Got {value!r} instead" in message
    for word in words:
        assert word in message, (word, message)


def test_every_constructor_parameter_has_a_constraint():
    params = set(MLPClassifier().get_params())
    assert set(MLPClassifier._parameter_constraints) == params
    assert set(INVALID) == params


@pytest.mark.parametrize("param", sorted(INVALID))
def test_init_only_stores(param):
    value, _ = INVALID[param]
    clf = MLPClassifier(**{param: value})
    assert clf.get_params()[param] is value
    assert clone(clf).get_params()[param] == value
    assert not hasattr(clf, "coefs_")


@pytest.mark.parametrize("param", sorted(INVALID))
def test_invalid_parameter_is_rejected_at_fit(param, binary_data):
    X, y = binary_data
    value, words = INVALID[param]
    clf = MLPClassifier(**{**SMALL, param: value})
    with pytest.raises(InvalidParameterError) as error:
        clf.fit(X, y)
    _check_message(error, param, value, words)
    assert isinstance(error.value, ValueError)
    assert not hasattr(clf, "coefs_")
    with pytest.raises(NotFittedError):
        clf.predict(X)


@pytest.mark.parametrize("param", sorted(INVALID))
def test_invalid_parameter_is_rejected_at_partial_fit(param, binary_data):
    X, y = binary_data
    value, words = INVALID[param]
    clf = MLPClassifier(**{**SMALL, param: value})
    if param == "solver":  # as in scikit-learn, only gradient solvers have it
        assert not hasattr(clf, "partial_fit")
        return
    with pytest.raises(InvalidParameterError) as error:
        clf.partial_fit(X, y, classes=[0, 1])
    _check_message(error, param, value, words)
    assert not hasattr(clf, "coefs_")


@pytest.mark.parametrize(("param", "value", "words"), MORE_INVALID)
def test_more_invalid_values(param, value, words, binary_data):
    X, y = binary_data
    clf = MLPClassifier(**{**SMALL, param: value})
    with pytest.raises(InvalidParameterError) as error:
        clf.fit(X, y)
    _check_message(error, param, value, words)


@pytest.mark.parametrize(
    ("hidden", "dropout"),
    [
        ((4,), (0.1, 0.2)),  # too many rates
        ((4, 3), (0.1,)),  # too few
        ((4, 3), ()),
        ((), (0.1,)),  # no hidden layer, one rate
        ((4, 3), (0.1, 1.0)),  # one rate out of range
        ((4, 3), (-0.2, 0.1)),
        ((4,), ("a",)),
    ],
)
def test_dropout_tuple_must_have_one_rate_per_hidden_layer(
    hidden, dropout, binary_data
):
    X, y = binary_data
    clf = MLPClassifier(**{**SMALL, "hidden_layer_sizes": hidden, "dropout": dropout})
    with pytest.raises(InvalidParameterError) as error:
        clf.fit(X, y)
    message = str(error.value)
    assert "'dropout' parameter of MLPClassifier" in message
    assert f"({len(hidden)} here)" in message
    assert "[0, 1)" in message
    assert f"Got {dropout!r} instead" in message


@pytest.mark.parametrize("batch_size", [True, False])
def test_batch_size_must_not_be_a_bool(batch_size):
    clf = MLPClassifier(**SMALL, batch_size=batch_size)
    assert_refused(clf, partial(clf.fit, X20, y20), InvalidParameterError, "batch_size")


@pytest.mark.parametrize("dropout", [[[0.1, 0.2]], [[0.1], [0.2]], ((0.1, 0.2),)])
def test_nested_dropout_is_refused(dropout):
    clf = MLPClassifier(**dict(SMALL, hidden_layer_sizes=(4, 4)), dropout=dropout)
    assert_refused(clf, partial(clf.fit, X20, y20), InvalidParameterError, "dropout")


@pytest.mark.parametrize(
    "params",
    [
        {"hidden_layer_sizes": ()},
        {"hidden_layer_sizes": 3},
        {"hidden_layer_sizes": [5, 3]},
        {"hidden_layer_sizes": np.array([5, 3])},
        {"hidden_layer_sizes": (np.int64(4),)},
        {"hidden_layer_sizes": (5, 3), "dropout": (0.0, 0.5)},
        {"hidden_layer_sizes": (5, 3), "dropout": [0.1, 0.2]},
        {"dropout": np.float32(0.2)},
        {"activation": "sigmoid"},
        {"batch_size": 7},
        {"batch_size": np.int64(7)},
        {"learning_rate": np.float32(0.01)},
        {"validation_fraction": 0.25},
        {"n_iter_no_change": None},
        {"class_weight": {0: 2.0}},
        {"class_weight": "balanced"},
        {"random_state": np.random.RandomState(0)},
        {"verbose": np.int64(0)},
        {"tol": 0.0, "alpha": 0.0, "momentum": 0.0, "rho": 0.0, "beta_1": 0.0},
    ],
)
def test_valid_edge_values_are_accepted(params, binary_data):
    X, y = binary_data
    clf = MLPClassifier(**{**SMALL, "n_iter_no_change": None, **params})
    clf.fit(X, y)
    assert clf.n_iter_ == SMALL["max_iter"]
    hidden = clf.get_params()["hidden_layer_sizes"]
    hidden = (hidden,) if np.isscalar(hidden) else tuple(hidden)
    assert [c.shape[1] for c in clf.coefs_[:-1]] == list(hidden)


def test_lbfgs_with_dropout_names_both(binary_data):
    X, y = binary_data
    clf = MLPClassifier(**{**SMALL, "solver": "lbfgs", "dropout": 0.2})
    with pytest.raises(ValueError, match=r"dropout.*'sgd', 'rmsprop' or 'adam'"):
        clf.fit(X, y)
    assert not hasattr(clf, "coefs_")


def test_lbfgs_has_no_partial_fit(binary_data):
    X, y = binary_data
    clf = MLPClassifier(**{**SMALL, "solver": "lbfgs"})
    assert not hasattr(clf, "partial_fit")  # as scikit-learn's MLPClassifier
    with pytest.raises(AttributeError, match="partial_fit") as error:
        clf.partial_fit(X, y, classes=[0, 1])
    assert "solver='lbfgs'" in str(error.value.__cause__)
    assert "'sgd', 'rmsprop' or 'adam'" in str(error.value.__cause__)
    assert not hasattr(clf, "coefs_")


@pytest.mark.parametrize(
    ("class_weight", "match"),
    [
        ({0: -1.0}, "non-negative"),
        ({0: np.nan}, "finite"),
        ({1: np.inf}, "finite"),
        ({0: "heavy"}, "numbers"),
        ({0: None}, "numbers"),
        ({7: 2.0}, r"class_weight names labels \[7\]"),
        ({0: 0.0, 1: 0.0}, "zero for every sample"),
    ],
)
def test_class_weight_dict_values_are_checked(class_weight, match, binary_data):
    X, y = binary_data
    clf = MLPClassifier(**{**SMALL, "class_weight": class_weight})
    with pytest.raises(ValueError, match=match) as error:
        clf.fit(X, y)
    assert "class_weight" in str(error.value)
    assert not hasattr(clf, "coefs_")


def test_class_weight_with_multilabel_targets(multilabel_data):
    X, Y = multilabel_data
    clf = MLPClassifier(**{**SMALL, "class_weight": "balanced"})
    with pytest.raises(ValueError, match=r"class_weight.*multilabel.*sample_weight"):
        clf.fit(X, Y)


def test_balanced_class_weight_with_partial_fit_explains_the_alternative(binary_data):
    X, y = binary_data
    clf = MLPClassifier(**{**SMALL, "class_weight": "balanced"})
    with pytest.raises(ValueError, match="compute_class_weight"):
        clf.partial_fit(X, y, classes=[0, 1])


def test_partial_fit_needs_classes_first(binary_data):
    X, y = binary_data
    clf = MLPClassifier(**SMALL)
    with pytest.raises(ValueError, match=re.escape("classes=np.unique(y)")) as error:
        clf.partial_fit(X, y)
    assert "classes must be passed" in str(error.value)
    assert not hasattr(clf, "coefs_")
    with pytest.raises(ValueError, match="at least 2 labels"):
        clf.partial_fit(X, y, classes=[0])
    # later calls may leave classes out
    clf.partial_fit(X[:10], y[:10], classes=[0, 1]).partial_fit(X, y)
    assert clf.classes_.tolist() == [0, 1]


def test_partial_fit_classes_must_not_change(binary_data):
    X, y = binary_data
    clf = MLPClassifier(**SMALL).partial_fit(X, y, classes=[0, 1])
    coefs = [c.copy() for c in clf.coefs_]
    with pytest.raises(ValueError, match="not the same as on the first call"):
        clf.partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match=r"labels \[5\] that are not in classes"):
        clf.partial_fit(X, np.where(y == 1, 5, 0))
    for before, after in zip(coefs, clf.coefs_):
        np.testing.assert_array_equal(before, after)
    clf.partial_fit(X, y, classes=[1, 0])  # the same classes, in any order


def test_classes_of_a_multilabel_partial_fit_are_its_columns(multilabel_data):
    X, Y = multilabel_data  # 3 columns
    clf = MLPClassifier(**SMALL)
    assert_refused(
        clf, partial(clf.partial_fit, X, Y, classes=[0, 1, 2, 5]), ValueError, "classes"
    )
    clf.partial_fit(X, Y, classes=[0, 1, 2])
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])


def test_partial_fit_chunk_with_a_subset_of_classes(multiclass_data):
    """A chunk need not hold every class, warm_start or not."""
    X, y = multiclass_data
    for warm_start in (False, True):
        clf = MLPClassifier(**SMALL, warm_start=warm_start)
        clf.partial_fit(X, y, classes=[0, 1, 2])
        clf.partial_fit(X[y < 2], y[y < 2])
        assert clf.n_iter_ == 2
        np.testing.assert_array_equal(clf.classes_, [0, 1, 2])


def test_warm_start_needs_the_same_classes(multiclass_data):
    X, y = multiclass_data
    clf = MLPClassifier(**SMALL, warm_start=True).fit(X, y)
    with pytest.raises(ValueError, match=r"warm_start.*same classes"):
        clf.fit(X[y < 2], y[y < 2])
    with pytest.raises(ValueError, match=r"warm_start.*same classes"):
        clf.fit(X, np.where(y == 2, 7, y))


def test_warm_start_with_a_new_architecture(binary_data):
    X, y = binary_data
    clf = MLPClassifier(**SMALL, warm_start=True).fit(X, y)
    clf.set_params(hidden_layer_sizes=(6,))
    with pytest.raises(ValueError, match=r"hidden_layer_sizes.*warm_start=False"):
        clf.fit(X, y)
    assert clf.coefs_[0].shape == (X.shape[1], *SMALL["hidden_layer_sizes"])


def test_continuing_with_another_target_type(binary_data, multilabel_data):
    X, y = binary_data
    clf = MLPClassifier(**SMALL).partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match="multilabel-indicator"):
        clf.partial_fit(X, np.c_[y, 1 - y])
    with pytest.raises(ValueError, match="Unknown label type"):
        clf.partial_fit(X, y + 0.5)
    X, Y = multilabel_data
    clf = MLPClassifier(**SMALL).partial_fit(X, Y, classes=[0, 1, 2])
    with pytest.raises(
        ValueError, match="y has 2 labels but the model was fitted with 3"
    ):
        clf.partial_fit(X, Y[:, :2])


def test_invalid_parameter_on_a_fitted_model_changes_nothing(binary_data):
    X, y = binary_data
    clf = MLPClassifier(**SMALL, warm_start=True).fit(X, y)
    state = dict(clf.__dict__)
    proba = clf.predict_proba(X)
    for param, (value, _) in INVALID.items():
        clf.set_params(**{param: value})
        with pytest.raises(InvalidParameterError, match=param):
            clf.fit(X, y)
        if param == "solver":
            # partial_fit exists for the gradient solvers only, so an unknown
            # solver hides it, as in scikit-learn
            assert not hasattr(clf, "partial_fit")
            with pytest.raises(AttributeError, match="no attribute 'partial_fit'") as e:
                clf.partial_fit(X, y)
            assert f"solver={value!r}" in str(e.value.__cause__)  # the reason
        else:
            with pytest.raises(InvalidParameterError, match=param):
                clf.partial_fit(X, y)
        clf.set_params(**{param: state[param]})
    assert clf.__dict__.keys() == state.keys()
    for key, value in state.items():
        assert clf.__dict__[key] is value, key
    np.testing.assert_array_equal(clf.predict_proba(X), proba)
