"""``sknn._base.params``: the shared parameter descriptions reach each
estimator's docstring, whatever indentation Python left in it."""

import inspect
import re

import pytest

from sknn import MLPClassifier
from sknn._base.params import MARKERS, shared_parameters


@pytest.mark.parametrize("indent", ["    ", ""])  # Python < 3.13, and 3.13 on
def test_markers_are_replaced_at_the_docstrings_indentation(indent):
    class Documented:
        __doc__ = "Title.\n\n" + "".join(f"{indent}{marker}\n" for marker in MARKERS)

    doc = shared_parameters(Documented).__doc__
    assert not any(marker in doc for marker in MARKERS)
    assert f"\n{indent}alpha : float, default=1e-4\n{indent}    λ" in doc


def test_every_parameter_of_the_signature_is_described():
    doc = MLPClassifier.__doc__
    for name in inspect.signature(MLPClassifier).parameters:
        # "beta_1, beta_2 : float" describes two at once; Python 3.13 strips
        # the docstring's common indentation, earlier versions keep it
        described = rf"^[ \t]*(\w+, )*{name}(, \w+)* : "
        assert re.search(described, doc, re.MULTILINE), name


def test_a_docstring_without_a_marker_is_an_error():
    class Bare:
        """Title."""

    with pytest.raises(AssertionError, match="has no <layer parameters>"):
        shared_parameters(Bare)
