"""ONNX export: the public entry points, which import skl2onnx only when called.

``import sknn`` must not import skl2onnx or onnx (an optional extra); the
converters themselves live in the ``_onnx`` package.
"""

from typing import TYPE_CHECKING, Any

from numpy.typing import ArrayLike

if TYPE_CHECKING:
    import onnx


def to_onnx(
    model: Any,
    X_sample: ArrayLike,
    *,
    zipmap: bool | str = False,
    target_opset: int | dict | None = None,
    options: dict | None = None,
    **kwargs: Any,
) -> "onnx.ModelProto":
    """Convert a fitted sknn model, or a pipeline holding one, to ONNX.

    One call for a user who does not know skl2onnx: it registers sknn's
    converters with skl2onnx (every call; registering twice is harmless) and
    returns ``skl2onnx.to_onnx(model, X_sample, ...)``, with plain arrays out
    instead of skl2onnx's ZipMap dictionaries unless ``zipmap`` asks for them.
    Needs ``pip install "sknn[onnx]"``; ``import sknn`` itself never imports
    skl2onnx.

    The graph computes in the dtype the model was trained in
    (``coefs_[0].dtype``). Run by onnxruntime, it reproduces ``predict``
    exactly (in float32, rows whose deciding probability is within 1e-5 of a
    tie aside) and ``predict_proba`` to 1e-5 in float32 and 1e-10 in float64,
    a regressor's ``predict`` to the same relative tolerances; typically the
    differences are a few units of the last place. Dropout is absent
    (inference only).

    Parameters
    ----------
    model : fitted MLPClassifier or MLPRegressor, or an estimator that holds one
        E.g. a ``Pipeline`` with ``StandardScaler`` or a ``ColumnTransformer``
        with ``OneHotEncoder`` before it: anything skl2onnx converts once
        sknn's converters are registered.
    X_sample : array-like or DataFrame
        A few rows of what ``model`` takes (one is enough): only the number,
        names and dtypes of its columns are used. An array gives one graph
        input ``"X"`` of shape (None, n_features) and of the array's dtype; a
        DataFrame gives one input per column, named after it, each of shape
        (None, 1). The input follows the sample, as everywhere in skl2onnx: a
        float64 sample declares a float64 input even for a float32 model, and
        the graph casts it to float32 first, exactly as ``predict`` does. Pass
        ``X_sample.astype(np.float32)`` to declare a float32 input. A sparse
        sample declares a dense input. A model that takes a raw table
        (``TabularClassifier``, ``TabularRegressor``, or a pipeline that
        starts with their ``TablePreprocessor``) has one input per column
        whatever the sample's dtypes: double (NaN for missing) for numbers,
        bools and numeric categories, string (``""`` for missing) for other
        categories; the sample's columns are checked against the model's.
    zipmap : bool or "columns", default=False
        skl2onnx's ``zipmap`` option for every sknn classifier in ``model``:
        False gives the probabilities as an array; True as a list of
        ``{label: probability}`` dicts (skl2onnx's own default; ZipMap holds
        float32 only, so a float64 model's probabilities are cast to float32
        at the end); "columns" as one output per class.
    target_opset : int or dict, default=None
        ONNX opset; None is skl2onnx's latest tested opset.
    options : dict, default=None
        Further skl2onnx options, keyed by class or by ``id(estimator)``. An
        entry for ``MLPClassifier`` or for an instance overrides ``zipmap``.
    **kwargs
        Passed on to ``skl2onnx.to_onnx`` (``name``, ``initial_types``,
        ``final_types``, ``naming``, ...).

    Returns
    -------
    onnx_model : onnx.ModelProto
        A classifier's graph has two outputs: ``label``, the predicted labels
        of shape (n,) (int64 for integer and bool labels, strings for string
        labels; an int64 indicator matrix (n, n_labels) for multilabel
        targets), and ``probabilities`` of shape (n, n_classes) in the model's
        dtype, columns in the order of ``classes_``. With ``zipmap`` they are
        ``output_label`` and ``output_probability``. A regressor's graph has
        one output, ``variable``, of shape (n, ``n_outputs_``): (n, 1) for a 1-D
        target, as skl2onnx's own regressors give.

    Raises
    ------
    ImportError
        skl2onnx or onnx is not installed.
    sklearn.exceptions.NotFittedError
        An sknn estimator in ``model`` is not fitted.
    ValueError
        ``X_sample`` has a number of columns the model was not fitted on, or
        the model is one the converter cannot reproduce (the error says why).

    See Also
    --------
    register_onnx_converters : to call ``skl2onnx.to_onnx`` yourself.

    Examples
    --------
    >>> import numpy as np
    >>> import onnxruntime as ort
    >>> from sklearn.datasets import load_iris
    >>> from sknn import MLPClassifier, to_onnx
    >>> X, y = load_iris(return_X_y=True)
    >>> X = X.astype(np.float32)
    >>> clf = MLPClassifier((8,), learning_rate=0.01, max_iter=500, random_state=0)
    >>> clf = clf.fit(X, y)
    >>> onx = to_onnx(clf, X[:1])
    >>> session = ort.InferenceSession(onx.SerializeToString())
    >>> labels, proba = session.run(None, {"X": X})
    >>> bool((labels == clf.predict(X)).all())
    True
    >>> bool(np.allclose(proba, clf.predict_proba(X), atol=1e-5))
    True
    """
    from . import _onnx

    return _onnx.to_onnx(
        model,
        X_sample,
        zipmap=zipmap,
        target_opset=target_opset,
        options=options,
        **kwargs,
    )


def register_onnx_converters() -> None:
    """Register sknn's estimators with skl2onnx.

    After this call, ``skl2onnx.to_onnx`` and ``skl2onnx.convert_sklearn``
    convert ``MLPClassifier`` and ``MLPRegressor``, alone or inside pipelines
    mixed with scikit-learn's own transformers. Registration lasts for the
    Python process; call it once before converting (calling it again is
    harmless). ``sknn.to_onnx`` calls it for you.

    The classifier accepts skl2onnx's ``zipmap`` option (True by default in
    skl2onnx, as for every classifier: probabilities as a list of dicts,
    cast to float32 for a float64 model because ZipMap holds float32 only;
    pass ``options={MLPClassifier: {"zipmap": False}}`` for an array in the
    model's dtype). See ``sknn.to_onnx`` for the graph's inputs and outputs.

    Raises
    ------
    ImportError
        skl2onnx or onnx is not installed (``pip install "sknn[onnx]"``).

    Examples
    --------
    >>> import numpy as np
    >>> import onnxruntime as ort
    >>> import skl2onnx
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sknn import MLPClassifier, register_onnx_converters
    >>> X, y = load_iris(return_X_y=True)
    >>> mlp = MLPClassifier((8,), learning_rate=0.01, max_iter=500, random_state=0)
    >>> pipe = make_pipeline(StandardScaler(), mlp)
    >>> pipe = pipe.fit(X, y)
    >>> register_onnx_converters()
    >>> options = {MLPClassifier: {"zipmap": False}}
    >>> onx = skl2onnx.to_onnx(pipe, X[:1], options=options)
    >>> session = ort.InferenceSession(onx.SerializeToString())
    >>> labels, proba = session.run(None, {"X": X})
    >>> bool((labels == pipe.predict(X)).all())
    True
    >>> bool(np.allclose(proba, pipe.predict_proba(X), rtol=0, atol=1e-10))
    True
    """
    from . import _onnx

    _onnx.register_onnx_converters()


def onnx_inputs(model: Any, X: Any) -> dict:
    """The onnxruntime feed of a table model's graph: one array per column.

    A model that carries a ``TablePreprocessor`` (``TabularClassifier``,
    ``TabularRegressor``) exports to a graph with one input per column of
    the table it was fitted on (the deployment guide's contract): numbers
    and bools as float64 with NaN for missing, string categories as ``str``
    with ``""`` for missing. This builds that feed from a DataFrame the way
    ``predict`` reads it. Needs no ONNX package.

    Parameters
    ----------
    model : fitted TabularClassifier, TabularRegressor or TablePreprocessor
    X : DataFrame or array-like of shape (n_samples, n_features)
        Rows with the columns the model was fitted on.

    Returns
    -------
    feed : dict of str to ndarray
        One (n_samples, 1) array per column, keyed by the graph's input names.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from sknn import TabularRegressor, onnx_inputs
    >>> X = pd.DataFrame({"age": [31.0, np.nan, 52.0, 40.0] * 5,
    ...                   "city": ["Oslo", None, "Rome", "Oslo"] * 5})
    >>> reg = TabularRegressor((8,), max_iter=2, random_state=0)
    >>> reg = reg.fit(X, np.arange(20.0))
    >>> feed = onnx_inputs(reg, X.head(2))
    >>> feed["age"].ravel().tolist(), feed["city"].ravel().tolist()
    ([31.0, nan], ['Oslo', ''])
    """
    from ._onnx.table import onnx_inputs as feed

    return feed(model, X)
