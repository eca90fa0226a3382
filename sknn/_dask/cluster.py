"""Where the Dask path's work runs: computing, persisting, reducing.

Everything here goes through Dask's current scheduler: a ``distributed``
client (the one a ``Client(...)`` made the default, or
``dask.config.set(scheduler=client.get)``), or a local scheduler (threads,
processes, synchronous), for which the "cluster" is this process.

- ``compute`` brings results to the client; under a distributed client it
  cancels the outstanding work when the call is interrupted (Ctrl-C), so
  nothing keeps running for a fit that ended.
- ``persisted`` keeps collections in the workers' memory when they fit in
  ``PERSIST_FRACTION`` of it; otherwise (and under a local scheduler, where
  they are already in this process or generated on demand) every pass over
  them computes them again from their graph.
- ``tree_sum`` adds per-partition results pairwise, so that no task adds
  more than two of them and the client receives one.
"""

import uuid

import dask
import numpy as np

# Collections whose bytes are at most this share of the workers' total memory
# limit are persisted: training then reads them from memory on every pass,
# and the rest of the memory is left for the tasks' own arrays.
PERSIST_FRACTION = 0.5


def current_client():
    """The ``distributed.Client`` that Dask computes with, or None."""
    scheduler = dask.base.get_scheduler()
    client = getattr(scheduler, "__self__", None)
    if client is None:
        return None
    try:
        from distributed import Client
    except ImportError:  # pragma: no cover - no distributed, no client
        return None
    return client if isinstance(client, Client) else None


def compute(*collections):
    """``dask.compute(*collections)``; with a distributed client, its
    futures are cancelled if the wait is interrupted."""
    client = current_client()
    if client is None:
        return dask.compute(*collections)
    futures = client.compute(list(collections))
    try:
        return tuple(client.gather(futures))
    except BaseException:  # Ctrl-C included: nothing keeps running
        client.cancel(futures)
        raise


def cluster_memory(client):
    """The sum of the workers' memory limits in bytes (0 when unknown)."""
    workers = client.scheduler_info(n_workers=-1)["workers"].values()
    return sum(worker.get("memory_limit") or 0 for worker in workers)


def persisted(*arrays):
    """``arrays`` (Dask arrays, or None) persisted in the workers' memory
    when a distributed client is in use and they fit in ``PERSIST_FRACTION``
    of it; otherwise as they are (computed again on each pass)."""
    client = current_client()
    present = [a for a in arrays if a is not None]
    if client is None or not present:
        return arrays
    nbytes = sum(a.nbytes for a in present)
    if nbytes > PERSIST_FRACTION * cluster_memory(client):
        return arrays
    # aligned once, on the workers, so that no pass has to copy a block
    present = [
        a.map_blocks(np.require, requirements="CA", dtype=a.dtype) for a in present
    ]
    kept = iter(client.persist(present))
    return tuple(None if a is None else next(kept) for a in arrays)


def constant(value, prefix):
    """``value`` as one task of the graph (a Delayed), so that every task that
    uses it shares it: a worker receives it once, not once per task."""
    name = f"sknn-{prefix}-{uuid.uuid4().hex}"
    return dask.delayed(value, name=name, traverse=False)


def tree_sum(parts, add):
    """``add`` applied pairwise to the Delayed ``parts`` until one is left:
    a tree of depth log2(len(parts)), computed where the parts are."""
    combine = dask.delayed(add, pure=True)
    parts = list(parts)
    while len(parts) > 1:
        pairs = [combine(a, b) for a, b in zip(parts[::2], parts[1::2])]
        parts = pairs + parts[len(pairs) * 2 :]
    return parts[0]


def blocks(array):
    """The row blocks of a Dask array chunked along rows only, as Delayed."""
    return list(np.ravel(array.to_delayed()))
