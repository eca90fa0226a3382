"""Project-specific glue for the sknn docs (loaded by conf.py).

- ``GalleryOrder`` and ``gallery_position``: the gallery's order, the scripts
  in ``ORDER`` first and then any other example by file name (sphinx-gallery
  takes them by their dotted names), in its toctree and in the sections of
  examples/index.rst.
- Links for the scikit-learn labels that MLPClassifier's inherited docstrings
  use, and the scikit-learn names the pages use, that are newer than the
  inventory in docs/_intersphinx/sklearn.inv.
- Docstrings inherited from scikit-learn (``set_fit_request`` and the like)
  lose their "Added in version 1.3" notes: those are scikit-learn's versions,
  not sknn's.
- A function as a default value shows as its name in signatures:
  ``summary(print_fn=print)``, not ``<built-in function print>``.
- A check that docs/api.rst lists every name in ``sknn.__all__``: a public name
  added to the package without its API entry fails the build (a warning, and
  the build runs with -W).
"""

import re
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)

ORDER = (
    "quickstart.py",
    "regression.py",
    "plot_learning_curves.py",
    "plot_confusion_matrix.py",
    "plot_solvers.py",
    "plot_schedules.py",
    "plot_scoring.py",
    "plot_dropout.py",
    "plot_activations.py",
    "plot_quantile_regression.py",
    "pandas_pipeline.py",
    "out_of_core.py",
    "export_onnx.py",
    "dask_search.py",
    "dask_training.py",
    "mnist_seed.py",
)
SKLEARN = "https://scikit-learn.org/stable/"
# label -> page of scikit-learn's stable docs
NEWER_SKLEARN_LABELS = {
    "metadata_routing": "metadata_routing.html",
    # set_output, which the estimators inherit as transformers
    "df_output_transform": "auto_examples/miscellaneous/plot_set_output.html",
}
# Python object -> page of scikit-learn's stable docs
NEWER_SKLEARN_OBJECTS = {
    name: f"modules/generated/{name}.html#{name}"
    for name in ("sklearn.exceptions.InconsistentVersionWarning",)
}
VERSION_DIRECTIVE = re.compile(r"\s*\.\. (versionadded|versionchanged)::")
FUNCTION_REPR = re.compile(r"<(?:built-in )?function ([\w.]+)(?: at 0x[0-9a-f]+)?>")
NOT_DOCUMENTED = {"__version__"}


class GalleryOrder:
    """Sort key for the gallery: the names in ORDER, then the rest by name."""

    def __init__(self, src_dir):
        self.src_dir = src_dir

    def __call__(self, filename):
        position = ORDER.index(filename) if filename in ORDER else len(ORDER)
        return (position, filename)

    def __repr__(self):
        return f"<{type(self).__name__}>"


def gallery_position(path):
    """Sort key of the gallery's sections (examples/index.rst): ORDER again."""
    name = Path(path).name
    return (ORDER.index(name) if name in ORDER else len(ORDER), name)


def documented_names(api_rst):
    """Names listed under the autosummary directives of api.rst."""
    names, inside = set(), False
    for line in Path(api_rst).read_text(encoding="utf-8").splitlines():
        if line.startswith(".. autosummary::"):
            inside = True
            continue
        if inside:
            if line.strip() and not line.startswith(" "):
                inside = False
                continue
            match = re.fullmatch(r"\s+~?([A-Za-z_][\w.]*)\s*", line)
            if match and not line.strip().startswith(":"):
                names.add(match.group(1).rsplit(".", 1)[-1])
    return names


def check_api_list(app):
    import sknn

    api_rst = Path(app.srcdir) / "api.rst"
    listed = documented_names(api_rst)
    public = set(sknn.__all__) - NOT_DOCUMENTED
    for name in sorted(public - listed):
        logger.warning(
            "sknn.%s is public (in sknn.__all__) but not in docs/api.rst: add it "
            "to one of the autosummary lists there",
            name,
            location=str(api_rst),
        )
    for name in sorted(listed - public):
        logger.warning(
            "docs/api.rst lists %s, which is not in sknn.__all__",
            name,
            location=str(api_rst),
        )


def newer_sklearn_label(app, env, node, contnode):
    """Resolve a :ref: to a scikit-learn label, or a :class: to a scikit-learn
    name, that the stored inventory lacks."""
    if node.get("refdomain") == "std" and node.get("reftype") == "ref":
        page = NEWER_SKLEARN_LABELS.get(node.get("reftarget"))
    elif node.get("refdomain") == "py":
        page = NEWER_SKLEARN_OBJECTS.get(node.get("reftarget"))
    else:
        page = None
    if page is None:
        return None
    from docutils import nodes

    reference = nodes.reference("", "", internal=False, refuri=SKLEARN + page)
    reference += contnode
    return reference


def drop_foreign_versions(app, what, name, obj, options, lines):
    """Remove versionadded/versionchanged notes from the docstrings that
    sknn's classes inherit from scikit-learn: their versions are scikit-learn's.
    """
    if getattr(obj, "__module__", "").partition(".")[0] == "sknn":
        return
    kept, skipping = [], False
    for line in lines:
        if VERSION_DIRECTIVE.match(line):
            skipping = True
            indent = len(line) - len(line.lstrip())
            continue
        if skipping and (not line.strip() or len(line) - len(line.lstrip()) > indent):
            continue  # the note's body and the blank lines after it
        skipping = False
        kept.append(line)
    lines[:] = kept


def function_defaults_by_name(app, what, name, obj, options, signature, annotation):
    """``f(print_fn=<built-in function print>)`` -> ``f(print_fn=print)``."""
    if signature:
        return FUNCTION_REPR.sub(r"\1", signature), annotation
    return None


def setup(app):
    app.connect("builder-inited", check_api_list)
    app.connect("missing-reference", newer_sklearn_label)
    app.connect("autodoc-process-docstring", drop_foreign_versions)
    app.connect("autodoc-process-signature", function_defaults_by_name)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
