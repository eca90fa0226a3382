"""Make a benchmark measure the checkout it lives in.

``python benchmarks/bench_x.py`` puts ``benchmarks/`` first on ``sys.path``,
not the checkout's root, so ``import sknn`` would find whichever sknn is
installed (an editable install of another worktree, say) and the figures
would be that one's. Each benchmark imports this module before sknn::

    import _checkout  # noqa: F401  (this checkout's sknn, here and in children)

It puts the checkout's root first on ``sys.path`` and on ``PYTHONPATH``, so
that the processes a benchmark starts (a fresh interpreter per contender,
Dask's worker processes) import the same sknn. ``bench_revisions.py`` and
``same_models.py`` choose their trees themselves and do not use it.
"""

import os
import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[1])

if sys.path[:1] != [ROOT]:
    sys.path.insert(0, ROOT)
os.environ["PYTHONPATH"] = os.pathsep.join(
    [ROOT, *(p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p)]
)
