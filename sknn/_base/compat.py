"""Every private scikit-learn name sknn uses, imported in one place.

scikit-learn may move or change these between minor releases (sknn supports
1.6 to 1.9); when it does, this module is the one place to adapt. The
precedent is imbalanced-learn's ``utils/_sklearn_compat.py``.
"""

from sklearn.utils import _safe_indexing
from sklearn.utils._param_validation import (
    Interval,
    InvalidParameterError,
    StrOptions,
)
from sklearn.utils._set_output import _get_output_config
from sklearn.utils.validation import _check_feature_names_in, _check_sample_weight

try:  # scikit-learn >= 1.9: the experimental callback API
    from sklearn.callback import CallbackSupportMixin, with_callbacks
except ImportError:  # pragma: no cover - depends on the installed version
    CallbackSupportMixin = None
    with_callbacks = None

__all__ = [
    "CallbackSupportMixin",
    "Interval",
    "InvalidParameterError",
    "StrOptions",
    "_check_feature_names_in",
    "_check_sample_weight",
    "_get_output_config",
    "_safe_indexing",
    "with_callbacks",
]
