"""Chunked and distributed travel-time computation.

Work is split by origin: each chunk is an independent csgraph search over the same CSR
matrix, so memory is bounded by ``chunk_size × n_nodes`` floats per worker whatever the
number of origins (a 100 m grid of a province is millions of origins), and chunks can run
on a dask.distributed cluster.  The compiled graph (a few MiB of CSR arrays) is scattered
to the workers once.

Reducers keep the output small: ``"matrix"`` returns times to the given destinations
(``n_origins × n_destinations``), ``"nearest"`` the time to and position of the nearest
destination, ``"count:<seconds>"`` the number of destinations within a threshold.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Sequence
from typing import Any

import numpy as np
from scipy.sparse.csgraph import dijkstra

from jmgis.errors import DataError
from jmgis.routing.engine import (
    DEFAULT_WEIGHT,
    CompiledGraph,
    GraphLike,
    _check_cutoff,
    compile_graph,
)

DEFAULT_CHUNK = 256


def _reducer(kind: str) -> Callable[[np.ndarray], np.ndarray]:
    if kind == "matrix":
        return lambda block: block
    if kind == "nearest":
        return lambda block: np.column_stack(
            [block.min(axis=1), np.where(np.isfinite(block).any(axis=1), block.argmin(axis=1), -1)]
        )
    if kind.startswith("count:"):
        threshold = float(kind.split(":", 1)[1])
        return lambda block: (block <= threshold).sum(axis=1, keepdims=True).astype(float)
    raise DataError(
        f"unknown reducer {kind!r}; use 'matrix', 'nearest' or 'count:<seconds>'",
        field="reduce",
    )


def solve_chunk(
    matrix: object,
    origin_idx: np.ndarray,
    dest_idx: np.ndarray | None,
    cutoff: float,
    reduce: str,
) -> np.ndarray:
    """One chunk: times from ``origin_idx`` to ``dest_idx`` (all nodes if ``None``), reduced.

    A plain function of arrays so that dask can ship it.

    Parameters
    ----------
    matrix : scipy.sparse.csr_array
        The compiled graph's CSR matrix (seconds).
    origin_idx : numpy.ndarray
        Row positions of the chunk's origins.
    dest_idx : numpy.ndarray or None
        Row positions of the destinations (``None`` = every node).
    cutoff : float
        Stop searching beyond this travel time (seconds).
    reduce : str
        ``"matrix"``, ``"nearest"`` or ``"count:<s>"`` (see :func:`run_chunked`).

    Returns
    -------
    numpy.ndarray
        The reduced block, one row per origin.
    """
    block = np.atleast_2d(dijkstra(matrix, directed=True, indices=origin_idx, limit=cutoff))
    if dest_idx is not None:
        block = block[:, dest_idx]
    return _reducer(reduce)(block)


def _prepare(
    G: GraphLike,
    origins: Sequence[Hashable],
    destinations: Sequence[Hashable] | None,
    cutoff_s: float | None,
    weight: str,
    reduce: str,
) -> tuple[CompiledGraph, np.ndarray, np.ndarray | None, float]:
    _reducer(reduce)
    cutoff = _check_cutoff(cutoff_s)
    compiled = compile_graph(G, weight)
    o_idx = compiled.positions(origins, "origin")
    d_idx = None if destinations is None else compiled.positions(destinations, "destination")
    if reduce != "matrix" and d_idx is not None and len(d_idx) == 0:
        raise DataError("the destination set is empty", field="destinations")
    return compiled, o_idx, d_idx, cutoff


def _chunks(n: int, chunk_size: int) -> Iterator[slice]:
    if chunk_size < 1:
        raise DataError(f"chunk_size must be ≥ 1, got {chunk_size}", field="chunk_size")
    for start in range(0, n, chunk_size):
        yield slice(start, min(n, start + chunk_size))


def iter_chunks(
    G: GraphLike,
    origins: Sequence[Hashable],
    destinations: Sequence[Hashable] | None = None,
    *,
    cutoff_s: float | None = None,
    reduce: str = "matrix",
    chunk_size: int = DEFAULT_CHUNK,
    weight: str = DEFAULT_WEIGHT,
) -> Iterator[tuple[slice, np.ndarray]]:
    """Yield ``(slice of origins, reduced block)`` in-process.

    One chunk at a time, so a caller can stream results to disk without holding them all.

    Parameters
    ----------
    G : networkx.Graph or CompiledGraph
        The network, or its compiled form.
    origins : Sequence of Hashable
        Origin nodes.
    destinations : Sequence of Hashable or None
        Destination nodes (``None`` = every node).
    cutoff_s : float or None
        Stop searching beyond this travel time (seconds); ``None`` = no limit.
    reduce : str
        ``"matrix"``, ``"nearest"`` or ``"count:<s>"`` (see :func:`run_chunked`).
    chunk_size : int
        Origins per chunk.
    weight : str
        Edge attribute used as travel cost (seconds).

    Yields
    ------
    tuple of (slice, numpy.ndarray)
        The chunk's origins and its reduced block.
    """
    compiled, o_idx, d_idx, cutoff = _prepare(G, origins, destinations, cutoff_s, weight, reduce)
    for part in _chunks(len(o_idx), chunk_size):
        yield part, solve_chunk(compiled.matrix, o_idx[part], d_idx, cutoff, reduce)


def run_chunked(
    G: GraphLike,
    origins: Sequence[Hashable],
    destinations: Sequence[Hashable] | None = None,
    *,
    cutoff_s: float | None = None,
    reduce: str = "matrix",
    chunk_size: int = DEFAULT_CHUNK,
    client: Any = None,
    weight: str = DEFAULT_WEIGHT,
) -> np.ndarray:
    """All chunks, in-process or on a dask.distributed ``client``, stacked in origin order.

    Parameters
    ----------
    G
        Graph (or compiled graph).
    origins, destinations
        Node ids; ``destinations=None`` means every node.
    cutoff_s
        Search limit in seconds (> 0).
    reduce
        ``"matrix"`` → ``(n_origins, n_destinations)`` seconds; ``"nearest"`` →
        ``(n_origins, 2)``: seconds and position of the nearest destination (-1 if none);
        ``"count:<s>"`` → ``(n_origins, 1)`` destinations within ``s`` seconds.
    chunk_size
        Origins per task; memory per task is about ``chunk_size × n_nodes × 8`` bytes.
    client
        A ``dask.distributed.Client``; ``None`` runs in this process.  Results are the
        same either way.
    weight : str
        Edge attribute used as travel cost (seconds).

    Returns
    -------
    numpy.ndarray
        One row per origin, in origin order.
    """
    compiled, o_idx, d_idx, cutoff = _prepare(G, origins, destinations, cutoff_s, weight, reduce)
    parts = list(_chunks(len(o_idx), chunk_size))
    if client is None:
        blocks = [solve_chunk(compiled.matrix, o_idx[p], d_idx, cutoff, reduce) for p in parts]
    else:
        matrix_future = client.scatter(compiled.matrix, broadcast=True, hash=False)
        dest_future = (
            client.scatter(d_idx, broadcast=True, hash=False) if d_idx is not None else None
        )
        futures = [
            client.submit(
                solve_chunk, matrix_future, o_idx[p], dest_future, cutoff, reduce, pure=False
            )
            for p in parts
        ]
        blocks = client.gather(futures)
    if not blocks:
        width = (compiled.n if d_idx is None else len(d_idx)) if reduce == "matrix" else 1
        width = 2 if reduce == "nearest" else width
        return np.zeros((0, width))
    return np.vstack(blocks)
