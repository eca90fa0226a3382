"""Sphinx configuration of sknn's documentation site.

Build it with ``make -C docs html`` (warnings are errors, the gallery runs).
Where things live, and how to add a page, an API name or a gallery example:
docs/README.md. The build needs no network: MathJax comes from the
``sphinx-mathjax-offline`` package, intersphinx reads the inventories kept in
``docs/_intersphinx/``.
"""

import os
import re
import sys
from pathlib import Path

from threadpoolctl import threadpool_limits

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
# The sknn of this checkout, even where another one is installed.
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(DOCS / "_ext"))

import sknn  # noqa: E402

project = "sknn"
author = "the sknn developers"
copyright = "the sknn developers"
release = sknn.__version__
version = ".".join(release.split(".")[:2])

# The repository, the one place its address is written: the navbar's links, the
# About and Installation pages (``repository``_ and ``issue tracker``_ in any
# page) and the citation are built from it.
REPOSITORY = "https://github.com/sknn-developers/sknn"
ISSUES = f"{REPOSITORY}/issues"
rst_epilog = f"""
.. _repository: {REPOSITORY}
.. _issue tracker: {ISSUES}
.. |repository_url| replace:: {REPOSITORY}
"""

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",  # MathJax served from the built site, no CDN
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "sphinx_copybutton",  # a copy button on every code block
    "myst_parser",  # changelog.rst includes CHANGELOG.md
    "sknn_docs",  # docs/_ext/sknn_docs.py: checks that api.rst lists sknn.__all__
]

root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = ["_build", "**README.md", "**.ipynb_checkpoints"]
toc_object_entries_show_parents = "hide"  # "fit()" in a page's contents
smartquotes = False  # quotes in docstrings stay as typed: "adam"'s
default_role = "literal"  # `name` renders as code, as ``name`` does
pygments_style = "sphinx"

# -- API reference: autosummary + numpydoc ----------------------------------
# The list of documented names is docs/api.rst; stubs are generated into
# docs/generated/ from docs/_templates/autosummary/.
autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": True}
autodoc_typehints = "none"  # the numpydoc sections say it already
numpydoc_show_class_members = False  # the class template lists the methods
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True

# -- Cross-references to other projects, from inventories kept in the repo --
# docs/_intersphinx/README.md says where each inventory came from.
intersphinx_mapping = {
    "python": ("https://docs.python.org/3", "_intersphinx/python.inv"),
    "sklearn": ("https://scikit-learn.org/stable", "_intersphinx/sklearn.inv"),
    "scipy": ("https://docs.scipy.org/doc/scipy", "_intersphinx/scipy.inv"),
    "pandas": ("https://pandas.pydata.org/docs", "_intersphinx/pandas.inv"),
}
# scikit-learn's docstrings, which MLPClassifier inherits, use plain :ref: and
# :term: roles; they resolve through the inventories (labels newer than the
# stored scikit-learn inventory: sknn_docs.NEWER_SKLEARN_LABELS).
intersphinx_disabled_reftypes = ["std:doc"]
intersphinx_timeout = 1

# -- Gallery: every script in examples/ ---------------------------------------
# Scripts listed here are shown (code, stored figure and command in their
# docstring) but not run: they need MNIST, or a cluster and minutes. Every
# other script in examples/ runs at each build and must stay well under a
# minute.
NOT_EXECUTED = ["mnist_seed.py", "dask_training.py"]

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": (
        r"/(?!(" + "|".join(re.escape(name) for name in NOT_EXECUTED) + r")$)"
        r"[^/\\]+\.py$"
    ),
    "within_subsection_order": "sknn_docs.GalleryOrder",
    # examples/index.rst groups the gallery into sections (minigalleries)
    "copyfile_regex": r"index\.rst",
    "minigallery_sort_order": "sknn_docs.gallery_position",
    "doc_module": ("sknn",),
    "reference_url": {"sknn": None},
    "backreferences_dir": "gen_modules/backreferences",
    "inspect_global_variables": False,
    "remove_config_comments": True,
    "download_all_examples": False,
    "min_reported_time": 1,
    # no "Computation times" pages: build statistics, not documentation
    "write_computation_times": False,
    "show_memory": False,
    "matplotlib_animations": False,
}

# -- HTML ---------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"sknn {release}"
html_static_path = ["_static"]
html_css_files = ["sknn.css"]
html_show_sourcelink = False
html_copy_source = False
html_last_updated_fmt = None
html_theme_options = {
    "logo": {"text": "sknn"},
    "navbar_start": ["navbar-logo", "sknn-version"],  # _templates/sknn-version.html
    "navbar_align": "left",
    "header_links_before_dropdown": 6,
    "navbar_end": ["theme-switcher", "navbar-icon-links"],
    "icon_links": [
        {"name": "Repository", "url": REPOSITORY, "icon": "fa-brands fa-github"},
        {"name": "Issue tracker", "url": ISSUES, "icon": "fa-solid fa-bug"},
    ],
    # URLs stay as written: "git clone <URL>" must copy as a command
    "shorten_urls": False,
    # pages of wide tables give the right-hand contents column to the tables
    "secondary_sidebar_items": {
        "**": ["page-toc"],
        "user_guide/performance": [],
        "user_guide/errors": [],
        "user_guide/coming_from": [],
    },
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
    "pygments_light_style": "tango",
    "pygments_dark_style": "monokai",
}
html_sidebars = {
    "index": [],
    "installation": [],
    "getting_started": [],
    "changelog": [],
    "development": [],
    "about": [],
}
html_context = {"default_mode": "light"}

# Copy buttons copy the code, not the ">>> " / "... " prompts nor the output of
# the doctest-style examples.
copybutton_exclude = ".linenos, .gp, .go"
# and the parsed-literal blocks too (the clone command, the citation)
copybutton_selector = "div.highlight pre, pre.literal-block"

# No request leaves the machine while building; the pages load nothing from
# outside either (the theme's fonts and MathJax are copied into the site).
linkcheck_ignore = [r".*"]

os.environ.setdefault("MPLBACKEND", "Agg")

# The gallery's networks are small: on two cores, a second BLAS thread only adds
# synchronisation (several times the run time when the machine is busy). The
# examples run in this process with one; their results do not depend on it.
threadpool_limits(1, user_api="blas")
