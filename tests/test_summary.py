"""summary(): the layer table and the parameter count."""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from sknn import MLPClassifier


def test_seed_network_has_669706_parameters(rng):
    # the seed's 784-512-512-10 network, fitted for one epoch on a few rows
    X = rng.random((20, 784), dtype=np.float32)
    y = np.arange(20) % 10
    clf = MLPClassifier(
        (512, 512), dropout=0.2, solver="rmsprop", max_iter=1, random_state=0
    ).fit(X, y)
    lines = []
    clf.summary(print_fn=lines.append)
    table = lines[0].splitlines()
    assert "Total parameters: 669,706" in table
    assert "dtype: float32" in table
    assert table[2].split() == ["input", "784"]
    assert table[3].split() == ["hidden_1", "512", "relu", "0.2", "401,920"]
    assert table[4].split() == ["hidden_2", "512", "relu", "0.2", "262,656"]
    assert table[5].split() == ["output", "10", "softmax", "5,130"]
    assert sum(c.size for c in clf.coefs_ + clf.intercepts_) == 669_706


def test_summary_prints_to_stdout(multiclass_data, capsys):
    X, y = multiclass_data
    MLPClassifier((4,), max_iter=1).fit(X, y).summary()
    assert "Total parameters: 35" in capsys.readouterr().out


def test_summary_needs_a_fitted_model():
    with pytest.raises(NotFittedError):
        MLPClassifier().summary()
