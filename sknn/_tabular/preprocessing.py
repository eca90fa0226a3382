"""``TablePreprocessor``: a raw table (a pandas DataFrame of numbers, bools,
categories, strings and missing values) to the float matrix a network takes.

The recipe is RealMLP-TD-S's (Holzmüller, Grinsztajn, Steinwart, "Better by
Default", NeurIPS 2024; pytabkit's ``one_hot``, ``median_center``,
``robust_scale`` and ``smooth_clip`` transforms), with the median imputation
and missing indicators of the tabular estimators.

Why sknn writes this small transformer itself rather than composing
scikit-learn's or skrub's: it must travel inside a fitted estimator with no
run-time dependency beyond scikit-learn and pandas, and export to ONNX with
the network. skl2onnx cannot convert ``OneHotEncoder`` with infrequent
categories (``min_frequency`` / ``max_categories``), and skrub's
``SquashingScaler`` (the same robust scaling and smooth clipping) has no ONNX
converter; skrub is not a dependency. The ONNX graph of this transformer is
``sknn/_onnx/table.py``: every step below is a handful of standard ops.
"""

import math
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from .._base.compat import Interval, StrOptions, _check_feature_names_in

# A missing category is read from None, NaN, pd.NA and the empty string alike:
# "" is also how a missing category enters the ONNX graph, whose string
# tensors hold no None (sknn/_onnx/table.py)
STRING_MISSING = ""
# the suffix of a missing indicator and the label of the missing category
MISSING_LABEL = "missing"
# what pandas.api.types.infer_dtype calls an object column of numbers only
_NUMBER_KINDS = {"integer", "floating", "mixed-integer-float", "boolean", "decimal"}
_TIME_KINDS = {"datetime64", "datetime", "date", "timedelta64", "timedelta", "time"}
_TIME_KINDS |= {"period"}


def _refuse_times(series, name):
    """A clear error for a column of dates, times or durations."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        dtype = dtype.categories.dtype
    timelike = (
        pd.api.types.is_datetime64_any_dtype(dtype)
        or pd.api.types.is_timedelta64_dtype(dtype)
        or isinstance(dtype, pd.PeriodDtype)
    )
    if not timelike and pd.api.types.is_object_dtype(dtype):
        timelike = pd.api.types.infer_dtype(series, skipna=True) in _TIME_KINDS
    if timelike:
        raise ValueError(
            f"Column {name!r} holds dates, times or durations ({series.dtype}), "
            "which TablePreprocessor does not encode: convert it to numbers "
            f"first, e.g. df[{name!r}].dt.year, seconds since an epoch "
            f"((df[{name!r}] - pd.Timestamp('1970-01-01')).dt.total_seconds()), "
            "or a duration's .dt.total_seconds()."
        )


def _category_values(series):
    """The kind of a categorical column's values: "number" when every
    present value is a number (or a bool), else "string". It says how the
    categories compare (by value, or by ``str``) and how the column enters
    the ONNX graph."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return _category_values(pd.Series(dtype.categories))
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
        return "number"
    kind = pd.api.types.infer_dtype(series, skipna=True)
    if kind in ("mixed", "mixed-integer"):  # e.g. bools among numbers
        present = series[series.notna()]
        numbers = all(isinstance(v, Real) for v in present)
        return "number" if numbers else "string"
    return "number" if kind in _NUMBER_KINDS else "string"


def _as_numbers(series):
    """float64 values, NaN where missing (bools as 0/1), and a mask of the
    values that are not numbers at all."""
    dtype = series.dtype
    if not isinstance(dtype, pd.CategoricalDtype) and (
        pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype)
    ):
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        return values, np.zeros(len(values), dtype=bool)
    values = series.astype(object)
    missing = values.isna().to_numpy()
    numbers = pd.to_numeric(values, errors="coerce")
    numbers = np.asarray(numbers, dtype=np.float64)
    return numbers, np.isnan(numbers) & ~missing


def _as_strings(series):
    """Each value as ``str``; ``STRING_MISSING`` where missing."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        labels = [str(c) for c in dtype.categories] + [STRING_MISSING]
        # code -1 (missing) picks the last label
        return np.array(labels, dtype=object)[series.cat.codes.to_numpy()]
    if isinstance(dtype, pd.StringDtype):
        return series.to_numpy(dtype=object, na_value=STRING_MISSING)
    values = series.to_numpy(dtype=object)
    missing = pd.isna(values)
    return np.array(
        [STRING_MISSING if m else str(v) for v, m in zip(values, missing)],
        dtype=object,
    )


def reads_strings(encoding):
    """Whether the column of ``encoding`` is read as ``str`` values (a string
    category column, kept or dropped), rather than as float64; the ONNX graph
    takes it as a string input then."""
    return encoding["kind"] != "numeric" and encoding["values"] == "string"


def _label(category):
    """A category as it appears in a feature name: 3 rather than 3.0."""
    if isinstance(category, float) and category.is_integer():
        return str(int(category))
    return str(category)


class TablePreprocessor(TransformerMixin, BaseEstimator):
    r"""Encode a raw table for a neural network, RealMLP's way.

    Learnt in ``fit`` on the rows it is given, in three steps:

    1. **Numeric columns** (numbers and bools, bools as 0/1): a missing value
       is replaced by the column's training median; a 0/1 indicator column
       ``<name>_missing`` follows every numeric column that had missing values
       in the training rows (only those). A column with no value at all in
       the training rows is dropped. With ``numeric_bins=k``, the imputed
       column is also encoded piecewise-linearly in up to k bins between its
       training quantiles (Gorishniy et al., "On Embeddings for Numerical
       Features in Tabular Deep Learning", 2022): for the distinct edges
       e₀ < e₁ < ... < e_T among the quantiles 0, 1/k, ..., 1 (T ≤ k; each
       a training value, NumPy's ``method="lower"``, so that a column of
       few values has no bin between two of them), columns ``<name>_bin0``
       ... ``<name>_bin{T-1}`` follow (after the indicator)::

           bin_t = min(1, max(0, (x − e_t) / (e_{t+1} − e_t)))

       so that a network can bend its response at any quantile of x; a
       column with fewer than two bins gets none (it would be x rescaled).
       Step 3 scales a column's T bins by a further 1/√T, so that together
       they enter the first layer with about the weight of one column
       (RealMLP trains its numeric embeddings at a tenth of the rate for
       the same reason: without it, 8 bins overfit the linear tables).
    2. **Categorical columns**: categories are counted on the training rows,
       a missing value (None, NaN, pd.NA or ``""``) being a category of its
       own, ``missing``. The ``max_categories`` most frequent categories with
       at least ``min_frequency`` rows each are kept and one-hot encoded, in
       sorted order with ``missing`` last; a column with exactly two kept
       categories and no other value gives one 0/1 column (1 for the second).
       Other categories, and at transform time categories never seen, encode
       as all zeros (never refused). A column left with no kept category (an
       ID-like column whose values are all rarer than ``min_frequency``) is
       dropped. Categories of numbers (and bools) compare by value, others by
       ``str``.
    3. **Every resulting column** ``x`` (numbers, indicators and one-hot
       columns alike), with ``m`` its training median and ``q₂₅``, ``q₇₅`` its
       quartiles (NumPy's linear interpolation)::

           s = 1 / (q₇₅ − q₂₅)             where q₇₅ > q₂₅,
               1 / (½ (max − min))         where q₇₅ = q₂₅ < max − min,
               0                           where the column is constant
               (times 1/√T for each of a column's T bins);
           z = (x − m) · s
           out = z / √(1 + (z / c)²)       c = smooth_clip

       The smooth clipping keeps ``|out| < c`` and is close to the identity
       for ``|z| ≪ c``; ``smooth_clip=None`` leaves ``z`` as it is.

    Parameters
    ----------
    categorical_features : "from_dtype", array-like or None, default="from_dtype"
        Which columns are categorical, as in
        :class:`~sklearn.ensemble.HistGradientBoostingClassifier`:
        ``"from_dtype"`` takes the DataFrame columns of category, object and
        string dtype (a NumPy array has none); or column names (DataFrame
        input only), column indices, a boolean mask with one entry per
        column, or None (no categorical column). A numeric column named here
        is categorical by value.
    max_categories : int or None, default=20
        The most categories one column keeps (the most frequent first,
        ``missing`` included); None keeps every category that is frequent
        enough.
    min_frequency : int, default=5
        The fewest training rows a category needs to be kept.
    smooth_clip : float or None, default=3.0
        ``c`` in the clipping ``z / √(1 + (z / c)²)``; None switches it off.
    numeric_bins : int or None, default=None
        The most quantile bins of each numeric column's piecewise-linear
        encoding (step 1); None encodes none.

    Attributes
    ----------
    n_features_in_ : int
        The number of input columns.
    feature_names_in_ : ndarray of str
        The input columns' names, when X was a DataFrame with string names.
    is_categorical_ : ndarray of bool, shape (n_features_in_,)
        Which input columns were treated as categorical.
    encodings_ : list of dict
        One per input column: ``{"kind": "numeric", "median": m,
        "indicator": bool, "edges": [e₀, ..., e_T] or None}``;
        ``{"kind": "categorical", "values": "number" or "string",
        "categories": [...], "missing": bool, "binary": bool}``
        (the kept categories in output order, without ``missing``, which
        comes last when it is kept); or ``{"kind": "dropped", "values": ...}``.
    center_ : ndarray of shape (n_features_out,)
        ``m``, the training median of each output column.
    scale_ : ndarray of shape (n_features_out,)
        ``s``, the factor of each output column.

    Notes
    -----
    ``TablePreprocessor`` has an ONNX graph (``sknn.to_onnx``; see the
    deployment guide), with one input per column: skl2onnx cannot convert
    :class:`~sklearn.preprocessing.OneHotEncoder` with infrequent categories,
    which is why sknn encodes categories itself. Datetime and timedelta
    columns are refused (convert them to numbers first); sparse input is
    refused (densify it).

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from sknn._tabular import TablePreprocessor
    >>> df = pd.DataFrame({
    ...     "age": [20.0, 30.0, np.nan, 50.0, 60.0, 40.0],
    ...     "colour": ["red", "blue", "red", None, "red", "blue"],
    ... })
    >>> pre = TablePreprocessor(min_frequency=1).fit(df)
    >>> pre.get_feature_names_out().tolist()
    ['age', 'age_missing', 'colour_blue', 'colour_red', 'colour_missing']
    >>> Z = pre.transform(df)
    >>> Z.shape
    (6, 5)
    >>> bool(np.all(np.abs(Z) < 3.0))
    True
    """

    _parameter_constraints: dict = {
        "categorical_features": ["array-like", StrOptions({"from_dtype"}), None],
        "max_categories": [Interval(Integral, 1, None, closed="left"), None],
        "min_frequency": [Interval(Integral, 1, None, closed="left")],
        "smooth_clip": [Interval(Real, 0, None, closed="neither"), None],
        "numeric_bins": [Interval(Integral, 2, None, closed="left"), None],
    }

    def __init__(
        self,
        categorical_features: Any = "from_dtype",
        *,
        max_categories: int | None = 20,
        min_frequency: int = 5,
        smooth_clip: float | None = 3.0,
        numeric_bins: int | None = None,
    ) -> None:
        self.categorical_features = categorical_features
        self.max_categories = max_categories
        self.min_frequency = min_frequency
        self.smooth_clip = smooth_clip
        self.numeric_bins = numeric_bins

    # ------------------------------------------------------------ fit

    def fit(self, X: Any, y: Any = None) -> "TablePreprocessor":
        """Learn the encodings, medians and scales from the rows of X.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            A DataFrame with numeric, bool, category, object or string
            columns and missing values, or a numeric array (NaN for missing).
        y : None
            Ignored.

        Returns
        -------
        self : TablePreprocessor
        """
        self._fit_columns(X)
        return self

    def fit_transform(self, X: Any, y: Any = None, **fit_params: Any) -> np.ndarray:
        """``fit(X).transform(X)``, encoding X once.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
        y : None
            Ignored.

        Returns
        -------
        Z : ndarray of shape (n_samples, n_features_out), float64
        """
        return self._scaled(self._fit_columns(X))

    def _fit_columns(self, X):
        """Fit; return the encoded (unscaled) training matrix. A failure
        leaves a fitted transformer as it was."""
        before = dict(self.__dict__)
        try:
            self._validate_params()
            frame = self._frame(X, reset=True)
            mask = self._categorical_mask(frame, isinstance(X, pd.DataFrame))
            names = _check_feature_names_in(self)
            encodings, arrays = [], []
            for j, name in enumerate(names):
                values, encoding = self._fit_column(frame.iloc[:, j], name, mask[j])
                arrays.append(values)
                encodings.append(encoding)
            if not any(e["kind"] != "dropped" for e in encodings):
                raise ValueError(
                    "No column of X gives a feature: every numeric column is "
                    "empty and no category is as frequent as min_frequency="
                    f"{self.min_frequency}. Give more rows or lower min_frequency."
                )
            self.is_categorical_ = mask
            self.encodings_ = encodings
            M = self._encoded(arrays)
            self.center_ = np.median(M, axis=0)
            q25, q75 = np.quantile(M, [0.25, 0.75], axis=0)
            spread = q75 - q25
            half_range = 0.5 * (M.max(axis=0) - M.min(axis=0))
            spread = np.where(spread > 0, spread, half_range)
            self.scale_ = np.zeros_like(spread)
            np.divide(1.0, spread, out=self.scale_, where=spread > 0)
            self.scale_ *= self._bin_factors()
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(before)
            raise
        return M

    def _fit_column(self, series, name, categorical):
        """The column's prepared values and its encoding."""
        _refuse_times(series, name)
        if not categorical:
            values = self._numbers(series, name)
            present = ~np.isnan(values)
            if not present.any():
                return values, {"kind": "dropped", "values": "number"}
            median = float(np.median(values[present]))
            return values, {
                "kind": "numeric",
                "median": median,
                "indicator": not present.all(),
                "edges": self._bin_edges(values[present]),
            }

        kind = _category_values(series)
        if kind == "number":
            values = self._numbers(series, name)
            missing = np.isnan(values)
        else:
            values = _as_strings(series)
            missing = values == STRING_MISSING
        present, counts = np.unique(values[~missing], return_counts=True)
        counts = np.append(counts, missing.sum())  # missing: the last candidate
        order = np.lexsort((np.arange(len(counts)), -counts))  # most frequent first
        order = order[counts[order] >= self.min_frequency][: self.max_categories]
        kept = np.sort(order)
        if len(kept) == 0:
            return values, {"kind": "dropped", "values": kind}
        missing_kept = bool(kept[-1] == len(present))
        categories = present[kept[:-1] if missing_kept else kept]
        convert = float if kind == "number" else str
        return values, {
            "kind": "categorical",
            "values": kind,
            "categories": [convert(c) for c in categories],
            "missing": missing_kept,
            "binary": bool(len(kept) == 2 and counts[kept].sum() == len(values)),
        }

    def _bin_edges(self, values):
        """The distinct quantiles 0, 1/k, ..., 1 of ``values`` (k =
        ``numeric_bins``) as a list, or None for fewer than two bins."""
        if self.numeric_bins is None:
            return None
        levels = np.linspace(0, 1, self.numeric_bins + 1)
        quantiles = np.quantile(values, levels, method="lower")
        edges = np.unique(quantiles)
        return [float(e) for e in edges] if len(edges) > 2 else None

    def _bin_factors(self):
        """1/√T for each of a numeric column's T bins, 1 for every other
        output column (in output order)."""
        names = _check_feature_names_in(self)
        return np.array(
            [
                factor
                for name, encoding in zip(names, self.encodings_)
                for _, factor in _output_columns(name, encoding)
            ]
        )

    def _numbers(self, series, name):
        values, bad = _as_numbers(series)
        if bad.any():
            example = series[bad].iloc[0]
            raise ValueError(
                f"Column {name!r} is numeric here but holds {example!r}, which "
                "is not a number: name it in categorical_features (or give it "
                "a category or string dtype), or convert it to numbers."
            )
        if np.isinf(values).any():
            raise ValueError(
                "Input X contains infinity or a value too large for "
                f"dtype('float64') (column {name!r})."
            )
        return values

    def _categorical_mask(self, frame, from_frame):
        """``categorical_features`` as a boolean mask over the columns
        (``from_frame``: X was a DataFrame, whose dtypes "from_dtype" reads)."""
        n = frame.shape[1]
        spec = self.categorical_features
        if spec is None:
            return np.zeros(n, dtype=bool)
        if isinstance(spec, str):  # "from_dtype"; other strings fail validation
            if not from_frame:
                return np.zeros(n, dtype=bool)
            return np.array(
                [
                    isinstance(d, (pd.CategoricalDtype, pd.StringDtype))
                    or pd.api.types.is_object_dtype(d)
                    for d in frame.dtypes
                ],
                dtype=bool,
            )
        spec = np.asarray(spec)
        if spec.ndim != 1:
            raise ValueError(
                "categorical_features must be 'from_dtype', None or a 1-D list "
                f"(names, indices or a boolean mask); got shape {spec.shape}."
            )
        mask = np.zeros(n, dtype=bool)
        if spec.size == 0:
            return mask
        if spec.dtype.kind == "b":
            if spec.size != n:
                raise ValueError(
                    "categorical_features as a boolean mask needs one entry per "
                    f"column of X ({n}); got {spec.size}."
                )
            return spec.copy()
        if spec.dtype.kind in "iu":
            wrong = spec[(spec < 0) | (spec >= n)]
            if wrong.size:
                raise ValueError(
                    f"categorical_features index {int(wrong[0])} is out of range: "
                    f"X has {n} columns, indices 0 to {n - 1}."
                )
            mask[spec] = True
            return mask
        if spec.dtype.kind in "UO" and all(isinstance(s, str) for s in spec):
            names = getattr(self, "feature_names_in_", None)
            if names is None:
                raise ValueError(
                    "categorical_features names columns, but X has no column "
                    "names (it is not a DataFrame with string column names): "
                    "give column indices or a boolean mask instead."
                )
            unknown = [str(s) for s in spec if s not in set(names)]
            if unknown:
                raise ValueError(
                    f"categorical_features names {unknown} which X does not "
                    f"have; its columns are {list(names)}."
                )
            return np.isin(names, spec)
        raise ValueError(
            "categorical_features must be 'from_dtype', None, a list of column "
            "names, a list of column indices or a boolean mask; got "
            f"{self.categorical_features!r}."
        )

    # ------------------------------------------------------------ transform

    def transform(self, X: Any) -> np.ndarray:
        """Encode, scale and clip the rows of X as learnt in ``fit``.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            The columns ``fit`` saw, in the same order. Missing values in
            any column and categories never seen are encoded, not refused.

        Returns
        -------
        Z : ndarray of shape (n_samples, n_features_out), float64
        """
        return self._scaled(self._encoded(self._columns(X)))

    def _columns(self, X):
        """Each column of X as the encoding reads it (and as it enters the
        ONNX graph): float64 with NaN for missing (+inf for a value of a
        numeric categorical column that is no number: it matches no
        category), or ``str`` with ``STRING_MISSING``."""
        check_is_fitted(self)
        frame = self._frame(X, reset=False)
        names = _check_feature_names_in(self)
        arrays = []
        for j, (name, encoding) in enumerate(zip(names, self.encodings_)):
            series = frame.iloc[:, j]
            _refuse_times(series, name)
            if reads_strings(encoding):
                arrays.append(_as_strings(series))
            elif encoding["kind"] == "categorical":
                values, bad = _as_numbers(series)
                arrays.append(np.where(bad, np.inf, values))
            else:
                arrays.append(self._numbers(series, name))
        return arrays

    def _encoded(self, arrays):
        """The matrix before scaling: imputed numbers, indicators, one-hot."""
        n = len(arrays[0])
        pieces = []
        for encoding, x in zip(self.encodings_, arrays):
            kind = encoding["kind"]
            if kind == "numeric":
                missing = np.isnan(x)
                imputed = np.where(missing, encoding["median"], x)
                pieces.append(imputed)
                if encoding["indicator"]:
                    pieces.append(missing.astype(np.float64))
                if encoding.get("edges"):  # None, or absent from older models
                    pieces.extend(_piecewise_linear(imputed, encoding["edges"]).T)
            elif kind == "categorical":
                codes = _codes(encoding, x)
                if encoding["binary"]:
                    pieces.append((codes == 1).astype(np.float64))
                    continue
                width = len(encoding["categories"]) + encoding["missing"]
                onehot = np.zeros((n, width))
                rows = np.flatnonzero(codes >= 0)
                onehot[rows, codes[rows]] = 1.0
                pieces.extend(onehot.T)
        return np.column_stack(pieces) if pieces else np.zeros((n, 0))

    def _scaled(self, M):
        """(M − center_) · scale_, then the smooth clipping; the ONNX graph
        computes the same operations in the same order."""
        Z = (M - self.center_) * self.scale_
        if self.smooth_clip is not None:
            t = Z / self.smooth_clip
            Z = Z / np.sqrt(1.0 + t * t)
        return Z

    def _frame(self, X, *, reset):
        """X as a DataFrame, checked as scikit-learn checks it: names and
        number of columns (set when ``reset``), no sparse data, some rows."""
        if sp.issparse(X):
            raise TypeError(
                "Sparse data was passed for X, but TablePreprocessor needs dense "
                "data: use X.toarray() to convert it to a dense array."
            )
        if isinstance(X, pd.DataFrame):
            if any(isinstance(d, pd.SparseDtype) for d in X.dtypes):
                raise TypeError(
                    "X has sparse columns, but TablePreprocessor needs dense "
                    "data: use X.sparse.to_dense() to densify them."
                )
            validate_data(self, X, reset=reset, skip_check_array=True)
            if X.shape[0] < 1 or X.shape[1] < 1:
                raise ValueError(
                    f"Found array with {X.shape[0]} sample(s) and {X.shape[1]} "
                    f"feature(s) (shape={X.shape}) while a minimum of 1 of each "
                    "is required by TablePreprocessor."
                )
            return X
        X = validate_data(
            self, X, reset=reset, dtype=np.float64, ensure_all_finite="allow-nan"
        )
        return pd.DataFrame(X, copy=False)

    # ------------------------------------------------------------ names

    def get_feature_names_out(self, input_features: ArrayLike | None = None):
        """Names of the output columns.

        ``<name>`` for a numeric column and ``<name>_missing`` for its
        indicator; ``<name>_<category>`` for each one-hot column
        (``<name>_missing`` for the missing category), the second category's
        for a binary column. A name that an earlier output column already
        has gets ``__2`` (``__3``, ...) appended, so that the names are unique
        (a column ``a_b`` beside a column ``a`` with a category ``b``).

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            The input columns' names; None takes ``feature_names_in_`` (or
            ``x0``, ``x1``, ... after an array).

        Returns
        -------
        names : ndarray of str objects
        """
        check_is_fitted(self)
        names = _check_feature_names_in(self, input_features)
        out = [
            column
            for name, encoding in zip(names, self.encodings_)
            for column, _ in _output_columns(name, encoding)
        ]
        return np.asarray(_made_unique(out), dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.categorical = True
        return tags


def _output_columns(name, encoding):
    """The output columns of the input column ``name`` as (name, factor)
    pairs, ``factor`` the part of the scale that is not the column's spread
    (1/√T for each of T bins, 1 otherwise)."""
    if encoding["kind"] == "numeric":
        columns = [(name, 1.0)]
        if encoding["indicator"]:
            columns.append((f"{name}_{MISSING_LABEL}", 1.0))
        bins = len(encoding.get("edges") or [None]) - 1  # absent: an older model
        columns += [(f"{name}_bin{t}", 1.0 / math.sqrt(bins)) for t in range(bins)]
        return columns
    if encoding["kind"] == "categorical":
        labels = [_label(c) for c in encoding["categories"]]
        labels += [MISSING_LABEL] * encoding["missing"]
        if encoding["binary"]:
            labels = labels[1:]
        return [(f"{name}_{label}", 1.0) for label in labels]
    return []


def _piecewise_linear(x, edges):
    """min(1, max(0, (x − e_t) / (e_{t+1} − e_t))) for each bin t: an array
    of shape (len(x), len(edges) − 1); the ONNX graph computes the same
    operations in the same order."""
    edges = np.asarray(edges)
    ratio = (x[:, None] - edges[:-1]) / (edges[1:] - edges[:-1])
    return np.minimum(np.maximum(ratio, 0.0), 1.0)


def _made_unique(names):
    """``names`` with ``__2``, ``__3``, ... appended to each repeat of an
    earlier name (a pandas output must not hold two columns of one name)."""
    seen, unique = set(), []
    for name in names:
        candidate, count = name, 1
        while candidate in seen:
            count += 1
            candidate = f"{name}__{count}"
        seen.add(candidate)
        unique.append(candidate)
    return unique


def _codes(encoding, x):
    """Each value's position among the kept categories (missing last when
    kept), or -1: an infrequent or unseen category."""
    categories = encoding["categories"]
    if encoding["values"] == "number":
        index = pd.Index(np.asarray(categories, dtype=np.float64))
        missing = np.isnan(x)
    else:
        index = pd.Index(np.asarray(categories, dtype=object), dtype=object)
        missing = x == STRING_MISSING
    codes = index.get_indexer(x)
    missing_code = len(categories) if encoding["missing"] else -1
    return np.where(missing, missing_code, codes)
