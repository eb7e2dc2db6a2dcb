"""Sparse origin–destination queries: travel times for a list of (origin, destination) pairs.

:func:`jmgis.routing.engine.travel_time_matrix` answers one origin against *every* node
(a full one-to-all Dijkstra per distinct origin).  For a list of a few hundred random
pairs on a large network almost all of that work is wasted.  :func:`pair_times` offers
four methods, all giving the same times (the hierarchies to the millisecond per edge):

``"dijkstra"``
    one full one-to-all :func:`scipy.sparse.csgraph.dijkstra` per distinct origin (the
    reference).
``"target"``
    a *target-stopping* Dijkstra per distinct origin: csgraph's Dijkstra with a distance
    ``limit`` that doubles until every destination of that origin is reached (or proven
    unreachable), so the search explores only the ball around the origin that holds its
    destinations.  No preprocessing.
``"ch"``
    a customizable contraction hierarchy (RoutingKit's CCH through the maintained
    ``routingkit-cch`` package, an optional dependency: ``pip install jmgis[fast]``).
    Building the hierarchy takes a few seconds on a 150k-node network (it is kept with the
    compiled graph for later calls, see :func:`contraction_hierarchy`); each query then
    touches only a few hundred nodes.  CCH works on integer weights: edge times are
    rounded to :data:`CH_SCALE` (milliseconds), so a CH time differs from the Dijkstra
    time by at most half a millisecond per edge of the path.
``"pandana"``
    pandana's contraction hierarchy (``pandana``, also in ``jmgis[fast]``), built from the
    same directed edges and kept with the compiled graph (:func:`pandana_hierarchy`).  Its
    build is slower than the CCH's (≈ 10 s against ≈ 7 s on 155k nodes) but its queries
    prune with the metric: 500 distinct random pairs take ≈ 0.015 s against the CCH's
    ≈ 0.10 s.  Edge times are rounded to the millisecond as for ``ch`` (pandana itself
    would truncate them), and pandana counts an edge under half a millisecond as 1 ms, so
    a time differs from the Dijkstra time by at most 1 ms per edge of the path.
``"auto"`` (default)
    ``dijkstra`` on graphs under :data:`SMALL_GRAPH_NODES` nodes.  Otherwise the shape of
    the pairs decides which hierarchy is faster: with at least :data:`CH_PAIRS_PER_GROUP`
    pairs per distinct origin or destination (:func:`pairs_per_group`; e.g. 10 seats × 50
    facilities) the CCH's one-to-many query (``ch``), below that (distinct pairs, small
    groups) ``pandana``.  Measured on the 155k-node bench network, 500 pairs, CPU s
    (machine load ≈ 4):

    ==================== ====== ====== ====== ====== ====== ======
    pairs per origin          1      5     20     50    100    500
    ==================== ====== ====== ====== ====== ====== ======
    ``ch``                0.106  0.047  0.022  0.012  0.008  0.005
    ``pandana``           0.015  0.013  0.013  0.014  0.009  0.012
    ==================== ====== ====== ====== ====== ====== ======

    A hierarchy that already exists for the graph is used whatever the shape (the
    preferred one if both exist): building the other takes 7–10 s, what the faster one
    saves over about a hundred calls of 500 pairs.  When neither exists, the preferred one
    is built if it is installed (``ch`` also needs node coordinates) and there are at
    least :data:`CH_MIN_ORIGINS` distinct origins, else the other one on the same
    conditions; otherwise ``target``.

One-to-all queries are unchanged (they stay on csgraph).
"""

from __future__ import annotations

import contextlib
import os
import sys
import warnings
import weakref
from collections.abc import Hashable, Iterator, Sequence

import numpy as np
from scipy.sparse.csgraph import dijkstra

from jmgis.errors import DataError
from jmgis.routing.engine import DEFAULT_WEIGHT, CompiledGraph, GraphLike, compile_graph

METHODS: tuple[str, ...] = ("auto", "dijkstra", "target", "ch", "pandana")
#: Integer units per second of the CH weights (milliseconds).
CH_SCALE = 1000
#: ``auto`` uses plain one-to-all Dijkstra below this many nodes (nothing to save).
SMALL_GRAPH_NODES = 5_000
#: ``auto`` builds a hierarchy only for at least this many distinct origins.
CH_MIN_ORIGINS = 64
#: An origin (destination) with at least this many pairs is answered by one one-to-many
#: (many-to-one) CH query.
CH_GROUP_MIN = 2
#: ``auto`` prefers the CCH (one-to-many queries) over pandana from this many pairs per
#: distinct origin or destination (:func:`pairs_per_group`) on; measured crossover 50–100.
CH_PAIRS_PER_GROUP = 50

#: pandana's answer for "no path": the largest uint32 millisecond count, in its units.
PANDANA_NO_PATH = 4294967.295

_HIERARCHIES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_PANDANA: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def ch_available() -> bool:
    """Whether the contraction-hierarchy backend (``routingkit-cch``) is installed."""
    try:
        import routingkit_cch  # noqa: F401
    except ImportError:
        return False
    return True


def pandana_available() -> bool:
    """Whether the pandana contraction-hierarchy backend is installed."""
    try:
        import pandana  # noqa: F401
    except ImportError:
        return False
    return True


@contextlib.contextmanager
def _quiet_native_output() -> Iterator[None]:
    """Send what native code writes to file descriptors 1 and 2 to the null device.

    pandana's C++ prints its progress with ``std::cout``, below Python's ``sys.stdout``;
    the descriptors are duplicated first and restored on exit, whatever happens.  Output
    of other threads during the block is lost as well.
    """
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError, OSError):
            stream.flush()
    saved: list[tuple[int, int]] = []
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        yield
        return
    try:
        for fd in (1, 2):
            try:
                saved.append((fd, os.dup(fd)))
            except OSError:  # descriptor closed: nothing to silence
                continue
            os.dup2(devnull, fd)
        yield
    finally:
        _flush_c_stdio()
        for fd, copy in saved:
            os.dup2(copy, fd)
            os.close(copy)
        os.close(devnull)


def _flush_c_stdio() -> None:
    """Flush the C library's stdio buffers (``std::cout`` is synced with them)."""
    try:
        import ctypes

        ctypes.CDLL(None).fflush(None)
    except (OSError, AttributeError, TypeError):  # no C library handle (Windows)
        pass


def _integer_edges(
    cg: CompiledGraph, limit: float, backend: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Tail and head positions of every edge and its time in whole milliseconds (rounded).

    An edge of ``limit`` milliseconds or more is an error naming ``backend``.
    """
    matrix = cg.matrix
    tail = np.repeat(np.arange(cg.n, dtype=np.int64), np.diff(matrix.indptr))
    head = matrix.indices.astype(np.int64)
    ms = np.rint(matrix.data * CH_SCALE)
    if len(ms) and ms.max() >= limit:
        raise DataError(f"an edge is too long for {backend}")
    return tail, head, ms


def _checked_xy(xy: np.ndarray, n: int) -> np.ndarray:
    """``xy`` as an ``n × 2`` float array; anything else, or a non-finite value, is an error."""
    xy = np.asarray(xy, dtype=float)
    if xy.shape != (n, 2) or not np.isfinite(xy).all():
        raise DataError(f"xy must be {n} finite coordinate pairs", field="xy")
    return xy


class PandanaHierarchy:
    """The pandana contraction hierarchy of a :class:`~jmgis.routing.engine.CompiledGraph`.

    pandana multiplies each edge weight by 1000 and truncates it to an unsigned 32-bit
    integer.  It is given each edge time rounded to the millisecond (:data:`CH_SCALE`)
    plus half a millisecond, so its integer is the *rounded* millisecond count, as in
    :class:`ContractionHierarchy`.  pandana makes an edge of 0 ms (an edge under half a
    millisecond) 1 ms long, so a time differs from the Dijkstra time by at most one
    millisecond per edge of the path (half of one except on such edges).  Paths of more
    than 4,294,967 s (49 days) are out of its range.

    Parameters
    ----------
    cg
        The compiled graph (weights in seconds; directed edges).
    xy
        Node coordinates (``n × 2``) in ``cg.nodes`` order; pandana keeps them for its
        nearest-node look-ups only (the hierarchy does not use them), so zeros stand in
        when they are unknown.

    Attributes
    ----------
    n
        Number of nodes.
    """

    def __init__(self, cg: CompiledGraph, xy: np.ndarray | None = None) -> None:
        import pandana
        import pandas as pd

        self.n = cg.n
        tail, head, ms = _integer_edges(cg, 2**32 - 1, "the pandana backend (over 49 days)")
        xy = _checked_xy(np.zeros((self.n, 2)) if xy is None else xy, self.n)
        index = pd.RangeIndex(self.n)
        with _quiet_native_output():
            self._net = pandana.Network(
                pd.Series(xy[:, 0], index=index),
                pd.Series(xy[:, 1], index=index),
                pd.Series(tail),
                pd.Series(head),
                pd.DataFrame({"w": (ms + 0.5) / CH_SCALE}),
                twoway=False,
            )
        #: query pandana's C++ object directly (``False``: its public, slower method)
        self._direct = True

    def pair_seconds(self, sources: np.ndarray, targets: np.ndarray) -> np.ndarray:
        """Travel time (seconds) of each pair of node positions; ``inf`` if unreachable.

        Parameters
        ----------
        sources : numpy.ndarray
            Origin node positions (integer indices in the graph).
        targets : numpy.ndarray
            Destination node positions, paired one-to-one with ``sources``.

        Returns
        -------
        numpy.ndarray
            One travel time per pair, seconds (``inf`` when unreachable).
        """
        sources = np.ascontiguousarray(sources, dtype=np.int64)
        targets = np.ascontiguousarray(targets, dtype=np.int64)
        # pandana's node ids here are the positions 0 … n-1, the same as its internal
        # indexes, so its C++ query is called directly: Network.shortest_path_lengths would
        # map the ids through two pandas merges, which costs as much as the query itself.
        query = getattr(getattr(self._net, "net", None), "shortest_path_distances", None)
        if query is not None and self._direct:
            found = np.asarray(query(sources, targets, 0), dtype=float)
        else:
            with warnings.catch_warnings():
                # pandana warns, listing them, when pairs are unconnected: they become inf
                warnings.simplefilter("ignore", UserWarning)
                found = np.asarray(self._net.shortest_path_lengths(sources, targets, "w"), float)
        return np.where(found >= PANDANA_NO_PATH, np.inf, found)


def pandana_hierarchy(
    G: GraphLike, weight: str = DEFAULT_WEIGHT, *, xy: np.ndarray | None = None
) -> PandanaHierarchy:
    """The pandana hierarchy of ``G`` (built once per compiled graph and kept with it).

    Parameters
    ----------
    G
        A networkx graph or :class:`~jmgis.routing.engine.CompiledGraph`.
    weight
        Edge cost attribute (seconds).
    xy
        Node coordinates in node order (default: the ``x``/``y`` of a networkx graph's
        nodes, else zeros); see :class:`PandanaHierarchy`.

    Returns
    -------
    PandanaHierarchy
    """
    cg = compile_graph(G, weight)
    ph = _PANDANA.get(cg)
    if ph is None:
        ph = PandanaHierarchy(cg, node_xy(G) if xy is None else xy)
        _PANDANA[cg] = ph
    return ph


class ContractionHierarchy:
    """A customized CCH of a :class:`~jmgis.routing.engine.CompiledGraph`.

    Parameters
    ----------
    cg
        The compiled graph (weights in seconds).
    xy
        Node coordinates (``n × 2``, metres or degrees) in ``cg.nodes`` order.  With them
        the nodes are ordered by inertial flow (nested dissection along coordinates), which
        is what makes a CCH fast on road networks; without them by degree, which works but
        is slow to build and query on large networks.

    Attributes
    ----------
    n
        Number of nodes.
    """

    def __init__(self, cg: CompiledGraph, xy: np.ndarray | None = None) -> None:
        import routingkit_cch as rk

        self.n = cg.n
        tail_a, head_a, weights = _integer_edges(cg, 2**31, "the CH backend (over 24 days)")
        tail, head = tail_a.tolist(), head_a.tolist()
        if xy is not None:
            xy = _checked_xy(xy, self.n)
            order = rk.compute_order_inertial(
                self.n, tail, head, xy[:, 1].tolist(), xy[:, 0].tolist()
            )
        else:
            order = rk.compute_order_degree(self.n, tail, head)
        self.inertial = xy is not None
        self._cch = rk.CCH(order, tail, head, False)
        self._metric = rk.CCHMetric(self._cch, weights.astype(np.int64).tolist())
        self._query = rk.CCHQuery(self._metric)

    def pair_seconds(self, sources: np.ndarray, targets: np.ndarray) -> np.ndarray:
        """Travel time (seconds) of each pair of node positions; ``inf`` if unreachable.

        Parameters
        ----------
        sources : numpy.ndarray
            Origin node positions (integer indices in the graph).
        targets : numpy.ndarray
            Destination node positions, paired one-to-one with ``sources``.

        Returns
        -------
        numpy.ndarray
            One travel time per pair, seconds (``inf`` when unreachable).
        """
        import routingkit_cch as rk

        sources = np.asarray(sources, dtype=np.int64)
        targets = np.asarray(targets, dtype=np.int64)
        out = np.full(len(sources), np.inf)
        left = np.ones(len(sources), dtype=bool)
        # An origin with several destinations: one upward search from it, then every
        # destination at a few microseconds each (RoutingKit's one-to-many query) instead
        # of a whole query per pair; likewise a destination with several origins.
        for by_source in (True, False):
            keys = sources if by_source else targets
            rows_of = _group_rows(keys, left)
            groups = [(k, r) for k, r in rows_of.items() if len(r) >= CH_GROUP_MIN]
            if not groups:
                continue
            first = groups[0][1]
            if by_source:
                to_many = rk.CCHOneToMany(self._metric, targets[first].tolist())
                for key, rows in groups:
                    to_many.repin_targets(targets[rows].tolist())
                    out[rows] = _seconds(to_many.distances_from(key))
                del to_many  # a live one-to-many object pins the metric
            else:
                to_one = rk.CCHManyToOne(self._metric, sources[first].tolist())
                for key, rows in groups:
                    to_one.repin_sources(sources[rows].tolist())
                    out[rows] = _seconds(to_one.distances_to(key))
                del to_one
            for _key, rows in groups:
                left[rows] = False
        run = self._query.run
        rest = np.flatnonzero(left)
        for i, s, t in zip(
            rest.tolist(), sources[rest].tolist(), targets[rest].tolist(), strict=True
        ):
            d = run(s, t).distance
            if d is not None:
                out[i] = d / CH_SCALE
        return out


def _group_rows(keys: np.ndarray, mask: np.ndarray) -> dict[int, np.ndarray]:
    """Row numbers (where ``mask``) of each distinct value of ``keys``."""
    rows = np.flatnonzero(mask)
    if len(rows) == 0:
        return {}
    order = rows[np.argsort(keys[rows], kind="stable")]
    uniq, starts = np.unique(keys[order], return_index=True)
    return dict(zip(uniq.tolist(), np.split(order, starts[1:]), strict=True))


def _seconds(found: list[int | None]) -> np.ndarray:
    """CH distances (``None`` = unreachable) as seconds (``inf``)."""
    return np.array([np.inf if d is None else d / CH_SCALE for d in found], dtype=float)


def node_xy(G: GraphLike) -> np.ndarray | None:
    """Coordinates ``x``, ``y`` of every node of a networkx graph.

    Coordinates ``x``, ``y`` of every node of a networkx graph (``None`` when a node
    lacks them, or for a compiled graph).
    """
    if isinstance(G, CompiledGraph):
        return None
    try:
        return np.array([(d["x"], d["y"]) for _, d in G.nodes(data=True)], dtype=float)
    except (KeyError, TypeError, ValueError):
        return None


def contraction_hierarchy(
    G: GraphLike, weight: str = DEFAULT_WEIGHT, *, xy: np.ndarray | None = None
) -> ContractionHierarchy:
    """The CCH of ``G`` (built once per compiled graph and kept with it).

    Parameters
    ----------
    G
        A networkx graph or :class:`~jmgis.routing.engine.CompiledGraph`.
    weight
        Edge cost attribute (seconds).
    xy
        Node coordinates in node order (default: the ``x``/``y`` of a networkx graph's
        nodes); see :class:`ContractionHierarchy`.

    Returns
    -------
    ContractionHierarchy
    """
    cg = compile_graph(G, weight)
    ch = _HIERARCHIES.get(cg)
    if ch is None:
        ch = ContractionHierarchy(cg, node_xy(G) if xy is None else xy)
        _HIERARCHIES[cg] = ch
    return ch


def _group(sources: np.ndarray) -> dict[int, np.ndarray]:
    order = np.argsort(sources, kind="stable")
    uniq, starts = np.unique(sources[order], return_index=True)
    return dict(zip(uniq.tolist(), np.split(order, starts[1:]), strict=True))


def _dijkstra_pairs(cg: CompiledGraph, sources: np.ndarray, targets: np.ndarray) -> np.ndarray:
    out = np.empty(len(sources))
    for s, rows in _group(sources).items():
        out[rows] = dijkstra(cg.matrix, directed=True, indices=s)[targets[rows]]
    return out


def _target_pairs(cg: CompiledGraph, sources: np.ndarray, targets: np.ndarray) -> np.ndarray:
    out = np.empty(len(sources))
    data = cg.matrix.data
    w_max = float(data.max()) if len(data) else 0.0
    # a first radius that reaches a node's neighbours; then doubling
    start = max(float(np.median(data)) * 8 if len(data) else 1.0, 1.0)
    for s, rows in _group(sources).items():
        wanted = targets[rows]
        limit = start
        while True:
            dist = dijkstra(cg.matrix, directed=True, indices=s, limit=limit)
            got = dist[wanted]
            if np.isfinite(got).all():
                break
            # every node within `limit` is found; a reachable node beyond it would have a
            # predecessor found here at most w_max before it, so once the limit passes the
            # farthest found distance by w_max, an unreached destination is unreachable
            far = float(dist[np.isfinite(dist)].max())
            if limit >= far + w_max:
                break
            limit *= 2
        out[rows] = got
    return out


def pair_times(
    G: GraphLike,
    origins: Sequence[Hashable],
    destinations: Sequence[Hashable],
    *,
    weight: str = DEFAULT_WEIGHT,
    method: str = "auto",
    xy: np.ndarray | None = None,
) -> np.ndarray:
    """Travel time of each (origin, destination) pair.

    Parameters
    ----------
    G
        A networkx graph or :class:`~jmgis.routing.engine.CompiledGraph`.
    origins, destinations
        Node ids, the same number of each: pair ``i`` is ``origins[i] → destinations[i]``.
    weight
        Edge cost attribute (seconds).
    method
        ``"auto"``, ``"dijkstra"``, ``"target"``, ``"ch"`` or ``"pandana"`` (see the
        module docstring).
    xy
        Node coordinates for building a hierarchy (default: those of a networkx graph).

    Returns
    -------
    numpy.ndarray
        Seconds per pair; ``inf`` where the destination cannot be reached.

    Raises
    ------
    DataError
        Unknown node, unequal lengths, unknown method, ``ch`` without ``routingkit-cch``
        or ``pandana`` without ``pandana``.
    """
    if method not in METHODS:
        raise DataError(f"unknown method {method!r}; choose one of {METHODS}", field="method")
    origins, destinations = list(origins), list(destinations)
    if len(origins) != len(destinations):
        raise DataError(
            f"{len(origins)} origins but {len(destinations)} destinations: give one of each "
            "per pair"
        )
    cg = compile_graph(G, weight)
    sources = cg.positions(origins, "origin")
    targets = cg.positions(destinations, "destination")
    if len(sources) == 0:
        return np.zeros(0)
    if xy is None:
        xy = node_xy(G)
    if method == "auto":
        chosen = choose_method(cg, sources, targets, has_xy=xy is not None)
    else:
        chosen = method
    if chosen == "ch":
        if not ch_available():
            raise DataError(
                "method 'ch' needs the routingkit-cch package (pip install jmgis[fast])"
            )
        return contraction_hierarchy(cg, xy=xy).pair_seconds(sources, targets)
    if chosen == "pandana":
        if not pandana_available():
            raise DataError("method 'pandana' needs the pandana package (pip install jmgis[fast])")
        return pandana_hierarchy(cg, xy=xy).pair_seconds(sources, targets)
    if chosen == "target":
        return _target_pairs(cg, sources, targets)
    return _dijkstra_pairs(cg, sources, targets)


def pairs_per_group(sources: np.ndarray, targets: np.ndarray | None = None) -> float:
    """How grouped a list of pairs is: mean pairs per distinct origin or destination.

    Parameters
    ----------
    sources
        Node positions of the origins.
    targets
        Node positions of the destinations (``None``: judge by the origins alone).

    Returns
    -------
    float
        Number of pairs divided by the smaller of the numbers of distinct origins and of
        distinct destinations (1 for distinct pairs; 50 for 10 origins × 50 destinations).
    """
    if len(sources) == 0:
        return 0.0
    distinct = len(np.unique(sources))
    if targets is not None and len(targets):
        distinct = min(distinct, len(np.unique(targets)))
    return len(sources) / distinct


def choose_method(
    cg: CompiledGraph,
    sources: np.ndarray,
    targets: np.ndarray | None = None,
    *,
    has_xy: bool = True,
) -> str:
    """The method ``auto`` takes for these pairs (the rule is in the module docstring).

    Parameters
    ----------
    cg
        The compiled graph.
    sources
        Node positions of the origins.
    targets
        Node positions of the destinations (``None``: the shape is judged by the origins).
    has_xy
        Whether node coordinates are known (a CCH is built only with them).

    Returns
    -------
    str
        ``"dijkstra"``, ``"target"``, ``"ch"`` or ``"pandana"``.
    """
    if cg.n < SMALL_GRAPH_NODES:
        return "dijkstra"
    grouped = pairs_per_group(sources, targets) >= CH_PAIRS_PER_GROUP
    built = {"ch": cg in _HIERARCHIES, "pandana": cg in _PANDANA}
    can_build = {"ch": has_xy and ch_available(), "pandana": pandana_available()}
    preferred = ("ch", "pandana") if grouped else ("pandana", "ch")
    # a hierarchy already built answers (the faster one for this shape first): building
    # the other costs what the faster one saves over about a hundred calls of 500 pairs
    for name in preferred:
        if built[name]:
            return name
    if len(np.unique(sources)) >= CH_MIN_ORIGINS:
        for name in preferred:
            if can_build[name]:
                return name
    return "target"
