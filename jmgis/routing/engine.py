"""The travel-time engine: a networkx graph compiled once to CSR, queried with csgraph.

networkx stays the modelling layer (edit, inspect, write); every query runs on a
compressed sparse row matrix with :func:`scipy.sparse.csgraph.dijkstra`, which is about
25× faster than networkx's Dijkstra and 40× smaller in memory (``docs/benchmarks.md``).

The compiled form is cached per graph object and weight attribute; the cache notices
when nodes or edges were added or removed (call :func:`clear_cache` after changing edge
weights in place).
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import TypeAlias

import networkx as nx
import numpy as np
from scipy.sparse import csr_array
from scipy.sparse.csgraph import dijkstra

from jmgis.errors import DataError

DEFAULT_WEIGHT = "travel_time_s"
# Rows of a dense (origins × nodes) float64 block kept in memory at once: 64 MiB by default.
DEFAULT_BLOCK_BYTES = 64 * 2**20


@dataclass(eq=False)
class CompiledGraph:
    """A graph as CSR arrays, ready for csgraph.

    Attributes
    ----------
    nodes
        Node ids in ``list(G.nodes)`` order; row/column ``i`` of the matrix is ``nodes[i]``.
    index
        Node id → row index.
    matrix
        ``n × n`` CSR array of the minimum ``weight`` over parallel edges (seconds).
    edge_keys
        For a multigraph, the key of the minimum-weight edge for each stored entry (same
        order as ``matrix.data``), so a path can name the exact edges it uses.
    weight
        The edge attribute the matrix was built from.
    """

    nodes: list[Hashable]
    index: dict[Hashable, int]
    matrix: csr_array
    edge_keys: np.ndarray | None
    weight: str
    signature: tuple[int, int]
    _transposed: csr_array | None = field(default=None, repr=False)

    @property
    def n(self) -> int:
        """The number of nodes."""
        return len(self.nodes)

    @property
    def transposed(self) -> csr_array:
        """The reversed graph (for travel times *to* a set of targets)."""
        if self._transposed is None:
            self._transposed = self.matrix.T.tocsr()
        return self._transposed

    def positions(self, node_ids: Iterable[Hashable], what: str = "node") -> np.ndarray:
        """Row indices of ``node_ids``; unknown ids raise :class:`DataError`.

        Parameters
        ----------
        node_ids : Iterable of Hashable
            Node ids of the graph.
        what : str
            What the ids are, for the error message (``"node"``, ``"origin"`` …).

        Returns
        -------
        numpy.ndarray
            Integer row of each id in the compiled graph.
        """
        out = []
        for i, node in enumerate(node_ids):
            try:
                out.append(self.index[node])
            except (KeyError, TypeError):
                raise DataError(
                    f"{what} {node!r} is not a node of the graph", feature=i + 1, field=what
                ) from None
        return np.asarray(out, dtype=np.int64)

    def edge_key(self, u: int, v: int) -> Hashable | None:
        """Key of the fastest edge ``u → v`` (``None`` for a simple graph).

        Parameters
        ----------
        u, v : int
            Row positions of the edge's ends.

        Returns
        -------
        Hashable or None
            The multigraph key of the fastest ``u → v`` edge; ``None`` for a simple graph.
        """
        start, stop = self.matrix.indptr[u], self.matrix.indptr[u + 1]
        pos = start + np.searchsorted(self.matrix.indices[start:stop], v)
        if self.edge_keys is None:
            return None
        return self.edge_keys[pos]


#: A networkx graph or its compiled form (every query accepts either).
GraphLike: TypeAlias = nx.Graph | CompiledGraph

_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def clear_cache() -> None:
    """Forget every compiled graph (needed only after editing weights in place)."""
    _CACHE.clear()


def compile_graph(G: GraphLike, weight: str = DEFAULT_WEIGHT) -> CompiledGraph:
    """Compile ``G`` to CSR (cached per graph object and weight).

    Every query function accepts the returned :class:`CompiledGraph` in place of ``G``,
    which skips even the cache check (useful in tight loops).

    Parallel edges are reduced to the minimum ``weight``; an undirected graph gives two
    arcs per edge.  Weights must be finite and ≥ 0 (seconds).

    Raises
    ------
    DataError
        An edge lacks ``weight`` or carries a negative, NaN or infinite value.

    Parameters
    ----------
    G : networkx.Graph or CompiledGraph
        The network, or its compiled form.
    weight : str
        Edge attribute used as travel cost (seconds).

    Returns
    -------
    CompiledGraph
        The CSR form of ``G`` (``G`` itself when it is already compiled).
    """
    if isinstance(G, CompiledGraph):
        if weight not in (G.weight, DEFAULT_WEIGHT):
            raise DataError(
                f"the graph was compiled for '{G.weight}', not '{weight}'", field="weight"
            )
        return G
    signature = _signature(G)
    per_graph = _CACHE.setdefault(G, {})
    compiled = per_graph.get(weight)
    if compiled is not None and compiled.signature == signature:
        return compiled
    compiled = _compile(G, weight, signature)
    per_graph[weight] = compiled
    return compiled


def _signature(G: nx.Graph) -> tuple[int, int]:
    """(nodes, edges) counted with C-level loops.

    ``G.number_of_edges()`` walks Python views and costs ~0.3 s at 150k nodes, more than a
    nearest-facility query.
    """
    adj = getattr(G, "_adj", None)
    if not isinstance(adj, dict):
        return G.number_of_nodes(), G.number_of_edges()
    if G.is_multigraph():
        keydicts = chain.from_iterable(map(dict.values, adj.values()))
        return len(adj), sum(map(len, keydicts))
    return len(adj), sum(map(len, adj.values()))


def _compile(G: nx.Graph, weight: str, signature: tuple[int, int]) -> CompiledGraph:
    nodes = list(G.nodes)
    index = {node: i for i, node in enumerate(nodes)}
    multi = G.is_multigraph()
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    keys: list[Hashable] = []
    edges = G.edges(keys=True, data=weight) if multi else G.edges(data=weight)
    for edge in edges:
        u, v, w = edge[0], edge[1], edge[-1]
        if w is None:
            raise DataError(f"edge {u!r} → {v!r} has no '{weight}'", feature=(u, v), field=weight)
        w = float(w)
        if not math.isfinite(w) or w < 0:
            raise DataError(
                f"edge {u!r} → {v!r} has {weight}={w}; travel costs must be finite and ≥ 0",
                feature=(u, v),
                field=weight,
            )
        rows.append(index[u])
        cols.append(index[v])
        vals.append(w)
        if multi:
            keys.append(edge[2])
    if not G.is_directed():
        rows, cols = rows + cols, cols + rows
        vals = vals + vals
        keys = keys + keys
    key_arr = None
    if multi:
        key_arr = np.empty(len(keys), dtype=object)
        key_arr[:] = keys
    return _from_arrays(nodes, index, rows, cols, vals, key_arr, weight, signature)


def _from_arrays(
    nodes: list[Hashable],
    index: dict[Hashable, int],
    rows: Sequence[int] | np.ndarray,
    cols: Sequence[int] | np.ndarray,
    vals: Sequence[float] | np.ndarray,
    keys: np.ndarray | None,
    weight: str,
    signature: tuple[int, int],
) -> CompiledGraph:
    n = len(nodes)
    r = np.asarray(rows, dtype=np.int64)
    c = np.asarray(cols, dtype=np.int64)
    w_arr = np.asarray(vals, dtype=np.float64)
    # sort by (row, col, weight): the first entry of each (row, col) run is the fastest edge
    order = np.lexsort((w_arr, c, r))
    r, c, w_arr = r[order], c[order], w_arr[order]
    first = np.ones(len(r), dtype=bool)
    if len(r):
        first[1:] = (r[1:] != r[:-1]) | (c[1:] != c[:-1])
    r, c, w_arr = r[first], c[first], w_arr[first]
    edge_keys = None if keys is None else keys[order][first]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(r, minlength=n), out=indptr[1:])
    # explicit zeros are kept by csgraph as zero-cost arcs, which is what we want
    matrix = csr_array((w_arr, c.astype(np.int32), indptr.astype(np.int32)), shape=(n, n))
    return CompiledGraph(nodes, index, matrix, edge_keys, weight, signature)


def compile_arrays(
    u: np.ndarray,
    v: np.ndarray,
    weight_s: np.ndarray,
    n_nodes: int,
    *,
    node_ids: Sequence[Hashable] | None = None,
    weight: str = DEFAULT_WEIGHT,
) -> CompiledGraph:
    """A :class:`CompiledGraph` straight from edge arrays, without networkx.

    For networks too large to hold as a networkx graph (a province's roads).

    Parameters
    ----------
    u, v
        Integer node positions ``0 … n_nodes-1`` of each directed edge.
    weight_s
        Edge cost in seconds (finite, ≥ 0); parallel edges keep the minimum.
    node_ids
        Ids of the nodes (default ``0 … n_nodes-1``).
    n_nodes : int
        Number of nodes.
    weight : str
        Name of the cost, recorded on the compiled graph.

    Returns
    -------
    CompiledGraph
        The graph, usable by every query function.
    """
    u = np.asarray(u, dtype=np.int64)
    v = np.asarray(v, dtype=np.int64)
    w = np.asarray(weight_s, dtype=np.float64)
    if not (len(u) == len(v) == len(w)):
        raise DataError("u, v and weight_s must have the same length")
    if len(u) and (min(u.min(), v.min()) < 0 or max(u.max(), v.max()) >= n_nodes):
        raise DataError(f"edge endpoints must be in 0 … {n_nodes - 1}")
    bad = np.flatnonzero(~np.isfinite(w) | (w < 0))
    if len(bad):
        raise DataError(
            f"edge {bad[0]} has {weight}={w[bad[0]]}; travel costs must be finite and ≥ 0",
            feature=int(bad[0]),
            field=weight,
        )
    nodes: list[Hashable] = list(range(n_nodes)) if node_ids is None else list(node_ids)
    if len(nodes) != n_nodes:
        raise DataError(f"{len(nodes)} node ids for {n_nodes} nodes")
    index = {node: i for i, node in enumerate(nodes)}
    return _from_arrays(nodes, index, u, v, w, None, weight, (n_nodes, len(u)))


def _check_cutoff(cutoff_s: float | None) -> float:
    if cutoff_s is None:
        return np.inf
    cutoff = float(cutoff_s)
    if math.isnan(cutoff) or cutoff <= 0:
        raise DataError(f"cutoff must be > 0 seconds, got {cutoff_s!r}", field="cutoff_s")
    return cutoff


def _block_rows(n_columns: int, block_bytes: int = DEFAULT_BLOCK_BYTES) -> int:
    return max(1, block_bytes // max(1, 8 * n_columns))


def iter_blocks(
    compiled: CompiledGraph,
    origin_idx: np.ndarray,
    *,
    cutoff: float = np.inf,
    reverse: bool = False,
    block_rows: int | None = None,
) -> Iterator[tuple[slice, np.ndarray]]:
    """Yield ``(slice of origins, times to every node)`` in blocks of bounded memory.

    Each block is ``rows × n`` float64; ``block_rows`` defaults to 64 MiB worth.  With
    ``reverse`` the times are *to* the given nodes (travel on the reversed graph).

    Parameters
    ----------
    compiled : CompiledGraph
        The compiled network.
    origin_idx : numpy.ndarray
        Row positions of the origins (see :meth:`CompiledGraph.positions`).
    cutoff : float
        Stop searching beyond this travel time (seconds).
    reverse : bool
        Times to the origins instead of from them.
    block_rows : int or None
        Origins per block (``None`` = as many as fit in 64 MiB).

    Yields
    ------
    tuple of (slice, numpy.ndarray)
        The origins of the block and their ``(rows, n_nodes)`` travel times (seconds).
    """
    graph = compiled.transposed if reverse else compiled.matrix
    rows = block_rows or _block_rows(compiled.n)
    for start in range(0, len(origin_idx), rows):
        part = origin_idx[start : start + rows]
        times = dijkstra(graph, directed=True, indices=part, limit=cutoff)
        yield slice(start, start + len(part)), np.atleast_2d(times)


def travel_time_matrix(
    G: GraphLike,
    origins: Sequence[Hashable],
    destinations: Sequence[Hashable] | None = None,
    *,
    cutoff_s: float | None = None,
    weight: str = DEFAULT_WEIGHT,
) -> np.ndarray:
    """Shortest travel times from each origin to each destination (seconds).

    Parameters
    ----------
    G
        A networkx graph following the network contract (directed or not; parallel edges
        allowed, the fastest one counts).
    origins, destinations
        Node ids.  Without ``destinations``: one column per node in ``list(G.nodes)``
        order.  An empty ``destinations`` list gives a ``(len(origins), 0)`` array.
    cutoff_s
        Stop searching beyond this many seconds (> 0); farther pairs are ``inf``.
    weight
        Edge attribute holding the cost in seconds.

    Returns
    -------
    numpy.ndarray
        Float64 array ``(len(origins), len(destinations))``; ``inf`` where unreachable or
        beyond the cutoff.

    Raises
    ------
    DataError
        Unknown node id, cutoff ≤ 0, or an edge with a missing/negative weight.
    """
    cutoff = _check_cutoff(cutoff_s)
    compiled = compile_graph(G, weight)
    o_idx = compiled.positions(origins, "origin")
    d_idx = None if destinations is None else compiled.positions(destinations, "destination")
    n_cols = compiled.n if d_idx is None else len(d_idx)
    out = np.full((len(o_idx), n_cols), np.inf)
    if len(o_idx) == 0 or n_cols == 0:
        return out
    for rows, times in iter_blocks(compiled, o_idx, cutoff=cutoff):
        out[rows] = times if d_idx is None else times[:, d_idx]
    return out


def travel_times_to(
    G: GraphLike,
    targets: Sequence[Hashable],
    *,
    cutoff_s: float | None = None,
    weight: str = DEFAULT_WEIGHT,
) -> np.ndarray:
    """Travel times from every node *to* each target: array ``(len(targets), n_nodes)``.

    Row ``j`` column ``i`` is the time from ``list(G.nodes)[i]`` to ``targets[j]``
    (computed on the reversed graph, so one search per target).

    Parameters
    ----------
    G : networkx.Graph or CompiledGraph
        The network, or its compiled form.
    targets : Sequence of Hashable
        Target nodes.
    cutoff_s : float or None
        Stop searching beyond this travel time (seconds); ``None`` = no limit.
    weight : str
        Edge attribute used as travel cost (seconds).

    Returns
    -------
    numpy.ndarray
        ``(len(targets), n_nodes)`` seconds; ``inf`` where unreachable.
    """
    cutoff = _check_cutoff(cutoff_s)
    compiled = compile_graph(G, weight)
    t_idx = compiled.positions(targets, "target")
    out = np.full((len(t_idx), compiled.n), np.inf)
    for rows, times in iter_blocks(compiled, t_idx, cutoff=cutoff, reverse=True):
        out[rows] = times
    return out


@dataclass(frozen=True)
class NearestResult:
    """Nearest facility per node (or per origin).

    Attributes
    ----------
    time_s
        Seconds to (or from) the nearest facility; ``inf`` where none is reachable.
    facility
        Position in the facility list of the nearest one; ``-1`` where none is reachable.
    nodes
        The node id each row refers to.
    """

    time_s: np.ndarray
    facility: np.ndarray
    nodes: list[Hashable]


def nearest_facility(
    G: GraphLike,
    facilities: Sequence[Hashable],
    origins: Sequence[Hashable] | None = None,
    *,
    direction: str = "to",
    cutoff_s: float | None = None,
    weight: str = DEFAULT_WEIGHT,
) -> NearestResult:
    """Time to the nearest facility for every node (or for ``origins``), one search.

    Parameters
    ----------
    facilities
        Facility nodes (non-empty).
    origins
        Restrict the answer to these nodes (default: every node, in ``list(G.nodes)``
        order).
    direction
        ``"to"``: from each node to its nearest facility (the usual question: how long
        until I reach a hospital); ``"from"``: from the nearest facility to each node
        (e.g. an ambulance's response time).  Differs on one-way streets.
    G : networkx.Graph or CompiledGraph
        The network, or its compiled form.
    cutoff_s : float or None
        Stop searching beyond this travel time (seconds); ``None`` = no limit.
    weight : str
        Edge attribute used as travel cost (seconds).

    Raises
    ------
    DataError
        Empty facility list, unknown node, bad cutoff or direction.

    Returns
    -------
    NearestResult
        Seconds to (or from) the nearest facility and which facility, per node.
    """
    if direction not in ("to", "from"):
        raise DataError(f"direction must be 'to' or 'from', got {direction!r}", field="direction")
    if len(facilities) == 0:
        raise DataError("the facility set is empty: no nearest facility", field="facilities")
    cutoff = _check_cutoff(cutoff_s)
    compiled = compile_graph(G, weight)
    f_idx = compiled.positions(facilities, "facility")
    graph = compiled.transposed if direction == "to" else compiled.matrix
    times, _, sources = dijkstra(
        graph, directed=True, indices=f_idx, limit=cutoff, min_only=True, return_predecessors=True
    )
    # map source node index → first position in the facility list
    pos_of = np.full(compiled.n, -1, dtype=np.int64)
    pos_of[f_idx[::-1]] = np.arange(len(f_idx))[::-1]
    facility = np.where(sources >= 0, pos_of[np.maximum(sources, 0)], -1)
    if origins is None:
        return NearestResult(times, facility, compiled.nodes)
    o_idx = compiled.positions(origins, "origin")
    return NearestResult(times[o_idx], facility[o_idx], list(origins))


def k_nearest_facilities(
    G: GraphLike,
    facilities: Sequence[Hashable],
    k: int,
    origins: Sequence[Hashable] | None = None,
    *,
    cutoff_s: float | None = None,
    weight: str = DEFAULT_WEIGHT,
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` fastest facilities from each origin (default every node).

    Returns
    -------
    (times, positions)
        Two ``(n_origins, k)`` arrays sorted by time: seconds (``inf`` when fewer than
        ``k`` are reachable) and positions in ``facilities`` (``-1`` there).

    Parameters
    ----------
    G : networkx.Graph or CompiledGraph
        The network, or its compiled form.
    facilities : Sequence of Hashable
        Facility nodes.
    k : int
        How many facilities per origin.
    origins : Sequence of Hashable or None
        Origin nodes (``None`` = every node).
    cutoff_s : float or None
        Stop searching beyond this travel time (seconds); ``None`` = no limit.
    weight : str
        Edge attribute used as travel cost (seconds).
    """
    if k < 1:
        raise DataError(f"k must be ≥ 1, got {k}", field="k")
    if len(facilities) == 0:
        raise DataError("the facility set is empty: no nearest facility", field="facilities")
    to_fac = travel_times_to(G, facilities, cutoff_s=cutoff_s, weight=weight)
    if origins is not None:
        compiled = compile_graph(G, weight)
        to_fac = to_fac[:, compiled.positions(origins, "origin")]
    times = to_fac.T  # origins × facilities
    kk = min(k, times.shape[1])
    order = np.argsort(times, axis=1, kind="stable")[:, :kk]
    best = np.take_along_axis(times, order, axis=1)
    order = np.where(np.isfinite(best), order, -1)
    if kk < k:
        pad = k - kk
        best = np.hstack([best, np.full((len(best), pad), np.inf)])
        order = np.hstack([order, np.full((len(order), pad), -1)])
    return best, order


def shortest_path(
    G: GraphLike,
    origin: Hashable,
    destination: Hashable,
    *,
    weight: str = DEFAULT_WEIGHT,
) -> list[Hashable]:
    """Node ids of a fastest path ``origin → destination``.

    Raises
    ------
    DataError
        When ``destination`` cannot be reached from ``origin``.

    Parameters
    ----------
    G : networkx.Graph or CompiledGraph
        The network, or its compiled form.
    origin : Hashable
        The start node.
    destination : Hashable
        The end node.
    weight : str
        Edge attribute used as travel cost (seconds).

    Returns
    -------
    list of Hashable
        The nodes of the path, ``origin`` first.
    """
    return shortest_paths(G, origin, [destination], weight=weight)[0]


def shortest_paths(
    G: GraphLike,
    origin: Hashable,
    destinations: Sequence[Hashable],
    *,
    weight: str = DEFAULT_WEIGHT,
) -> list[list[Hashable]]:
    """Fastest paths from one origin to several destinations (one search).

    Parameters
    ----------
    G : networkx.Graph or CompiledGraph
        The network, or its compiled form.
    origin : Hashable
        The start node.
    destinations : Sequence of Hashable
        The end nodes.
    weight : str
        Edge attribute used as travel cost (seconds).

    Returns
    -------
    list of list of Hashable
        One node path per destination, in order.
    """
    compiled = compile_graph(G, weight)
    o = int(compiled.positions([origin], "origin")[0])
    d_idx = compiled.positions(destinations, "destination")
    _, pred = dijkstra(compiled.matrix, directed=True, indices=o, return_predecessors=True)
    paths = []
    for dest, d in zip(destinations, d_idx, strict=True):
        d = int(d)
        if d != o and pred[d] < 0:
            raise DataError(f"{dest!r} cannot be reached from {origin!r}", feature=dest)
        seq = [d]
        while seq[-1] != o:
            seq.append(int(pred[seq[-1]]))
        paths.append([compiled.nodes[i] for i in reversed(seq)])
    return paths


def path_edges(
    G: GraphLike, path: Sequence[Hashable], *, weight: str = DEFAULT_WEIGHT
) -> list[tuple]:
    """The edges a node path uses.

    ``(u, v, key)`` for a multigraph (the fastest parallel edge), ``(u, v)`` otherwise.

    Parameters
    ----------
    G : networkx.Graph or CompiledGraph
        The network, or its compiled form.
    path : Sequence of Hashable
        Consecutive nodes of a path.
    weight : str
        Edge attribute used as travel cost (seconds).

    Returns
    -------
    list of tuple
        One ``(u, v)`` or ``(u, v, key)`` per step of the path.
    """
    compiled = compile_graph(G, weight)
    idx = compiled.positions(path, "node")
    out: list[tuple] = []
    for a, b, u, v in zip(idx[:-1], idx[1:], path[:-1], path[1:], strict=True):
        if compiled.edge_keys is None:
            out.append((u, v))
        else:
            out.append((u, v, compiled.edge_key(int(a), int(b))))
    return out
