"""Snapping points and features to graph nodes, with a stated maximum distance.

Points are matched to the nearest eligible node (k-d tree on the nodes' analysis-CRS
``x``/``y``).  A point farther than ``max_distance_m`` from every eligible node is an
error naming the point: a silently long "snap" would hide a missing road.  The straight
line from point to node is the *off-network leg*; :func:`offnet_seconds` turns it into
seconds at a stated speed.

On a door-to-door graph (one built with :mod:`jmgis.network.door`: the seats, parks and
facilities reach the roads over an access leg) :func:`points_travel_time_matrix` gives a
user's points the **same leg** — :meth:`jmgis.speeds.SpeedTable.access_leg_s` of the
township the point lies in (街道 urban, 镇 rural, elsewhere ``other``) with the point's
snap distance — and never snaps a point onto another trip end (whose own access leg it
would pay on top of its own).
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import networkx as nx
import numpy as np

from jmgis.errors import DataError
from jmgis.vocab import GRADE_SEPARATED_CLASSES, TOWNSHIP_ACCESS_KIND

if TYPE_CHECKING:
    from jmgis.speeds import SpeedTable

DEFAULT_MAX_SNAP_M = 1000.0
# The off-network leg — one default for the build, the API and the notebooks (issue 15):
# the unmapped last stretch (village lanes, walking to the road) at a stated, deliberately
# slow 15 km/h, for up to 10 km (the bundled planning network holds trunk roads only,
# median link 11 km, so most land lies kilometres from a mapped road).
DEFAULT_OFFNET_SPEED_KPH = 15.0
DEFAULT_MAX_OFFNET_M = 10_000.0


@dataclass(frozen=True)
class Snapped:
    """Result of snapping.

    Attributes
    ----------
    nodes
        The node id of each point.
    distance_m
        Straight-line distance point → node (metres).
    """

    nodes: list[Hashable]
    distance_m: np.ndarray

    def offnet_seconds(self, speed_kph: float) -> np.ndarray:
        """Seconds for the off-network leg at ``speed_kph``."""
        return offnet_seconds(self.distance_m, speed_kph)


def offnet_seconds(distance_m: np.ndarray | float, speed_kph: float) -> np.ndarray:
    """Seconds to cover ``distance_m`` metres at ``speed_kph`` km/h (> 0).

    Parameters
    ----------
    distance_m : numpy.ndarray or float
        Distance (metres).
    speed_kph : float
        Speed (km/h), > 0.

    Returns
    -------
    numpy.ndarray
        Seconds.
    """
    if not speed_kph > 0:
        raise DataError(f"off-network speed must be > 0 km/h, got {speed_kph}", field="speed_kph")
    return np.asarray(distance_m, dtype=float) / (speed_kph / 3.6)


def node_coordinates(
    G: nx.Graph, kinds: Iterable[str] | None = None
) -> tuple[list[Hashable], np.ndarray]:
    """Node ids and an ``(n, 2)`` array of their ``x``, ``y`` (metres).

    Optionally only the nodes whose ``kind`` is in ``kinds``.

    Parameters
    ----------
    G : networkx.Graph
        Graph with node ``x``/``y`` in metres.
    kinds : Iterable of str or None
        Node kinds to keep (``None`` = all nodes).

    Returns
    -------
    tuple of (list, numpy.ndarray)
        The node ids and their ``(n, 2)`` coordinates (metres).
    """
    wanted = None if kinds is None else set(kinds)
    ids: list[Hashable] = []
    xy: list[tuple[float, float]] = []
    for node, data in G.nodes(data=True):
        if wanted is not None and data.get("kind") not in wanted:
            continue
        if "x" not in data or "y" not in data:
            raise DataError(f"node {node!r} has no x/y coordinates", feature=node, field="x")
        ids.append(node)
        xy.append((float(data["x"]), float(data["y"])))
    return ids, np.asarray(xy, dtype=float).reshape(-1, 2)


def points_xy(points: gpd.GeoSeries | gpd.GeoDataFrame | np.ndarray, crs: object) -> np.ndarray:
    """``(n, 2)`` coordinates in ``crs`` of points (or of a point on each feature).

    The points come as a GeoSeries/GeoDataFrame (a representative point of each feature) or an
    array already in ``crs``.

    Parameters
    ----------
    points : geopandas.GeoSeries, geopandas.GeoDataFrame or numpy.ndarray
        The points or features (any CRS), or an ``(n, 2)`` array already in ``crs``.
    crs : object
        The target CRS (anything :mod:`pyproj` reads).

    Returns
    -------
    numpy.ndarray
        ``(n, 2)`` coordinates in ``crs``.
    """
    if isinstance(points, gpd.GeoDataFrame | gpd.GeoSeries):
        geoms = points.geometry if isinstance(points, gpd.GeoDataFrame) else points
        if geoms.crs is None:
            raise DataError("points have no CRS; set one (e.g. EPSG:4490)", field="geometry")
        if crs is not None:
            geoms = geoms.to_crs(crs)
        empty = geoms.is_empty | geoms.isna()
        if empty.any():
            first = geoms.index[np.flatnonzero(empty.to_numpy())[0]]
            raise DataError("empty geometry cannot be snapped", feature=first, field="geometry")
        reps = geoms.representative_point()
        return np.column_stack([reps.x.to_numpy(), reps.y.to_numpy()])
    arr = np.asarray(points, dtype=float)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise DataError(f"expected an (n, 2) array of x, y, got shape {arr.shape}")
    return arr


def _edges_fast(G: nx.Graph) -> Iterable[tuple[Hashable, Hashable, dict]]:
    """``G.edges(data=True)``, from the underlying graph for an induced subgraph view.

    A view (``G.subgraph(nodes)``) filters every edge through Python callbacks: 10×
    slower than reading the graph it views and keeping the edges between its nodes.
    """
    root = getattr(G, "_graph", None)
    if root is None or getattr(G, "_EDGE_OK", None) is not nx.filters.no_filter:
        return G.edges(data=True)
    keep = set(G.nodes)
    return (
        (u, v, d) for u, v, d in _edges_fast(root) if u in keep and v in keep
    )


def enterable_nodes(G: nx.Graph) -> set[Hashable]:
    """Nodes a point may be snapped to: every node with an edge a vehicle can enter.

    Excluded are the nodes whose edges all belong to grade-separated roads (an
    expressway's inner control point, entered only at interchanges) or to rail (a
    platform: boarding is timed on the station's transfer edge) — issue 15, door to door.
    A connector does not open a node of a grade-separated road: the point would skip the
    ramp time of the interchange it leads to.  A node without edges and an edge without
    ``mode`` count as enterable.

    Parameters
    ----------
    G : networkx.Graph
        The network.

    Returns
    -------
    set
        The enterable node ids.
    """
    grade_separated = set(GRADE_SEPARATED_CLASSES)
    opened: set[Hashable] = set()  # an edge a vehicle enters at grade
    on_grade_separated: set[Hashable] = set()
    with_connector: set[Hashable] = set()
    with_edges: set[Hashable] = set()
    for u, v, d in _edges_fast(G):
        mode = d.get("mode")
        ends = (u, v)
        with_edges.update(ends)
        if mode == "connector":
            with_connector.update(ends)
        elif mode == "road" and d.get("road_class") in grade_separated:
            on_grade_separated.update(ends)
        elif mode not in ("rail", "transfer"):
            opened.update(ends)
    # a connector opens a node, except one on a grade-separated road: there it is the
    # interchange's slip road (or a seat's link), entered at the interchange's own node
    opened |= with_connector - on_grade_separated
    return {n for n in G.nodes if n not in with_edges or n in opened}


def snap_points(
    G: nx.Graph,
    points: gpd.GeoSeries | gpd.GeoDataFrame | np.ndarray,
    *,
    max_distance_m: float = DEFAULT_MAX_SNAP_M,
    kinds: Iterable[str] | None = None,
    labels: Sequence[Hashable] | None = None,
    enterable_only: bool = True,
    exclude: Collection[Hashable] | None = None,
) -> Snapped:
    """Snap points (or features, by a representative point) to the nearest node.

    Parameters
    ----------
    G
        Graph with node ``x``/``y`` in metres and ``G.graph["crs"]``.
    points
        GeoSeries/GeoDataFrame in any CRS (reprojected to the graph's), or an ``(n, 2)``
        array already in the graph's CRS.
    max_distance_m
        Largest allowed point → node distance (metres).
    kinds
        Only snap to nodes of these ``kind`` values (e.g. ``{"junction"}``).
    labels
        Names of the points for error messages (default: the index or 1-based row).
    enterable_only
        Snap only to nodes a vehicle can enter (:func:`enterable_nodes`): never onto an
        expressway between its interchanges, nor onto a rail platform (default).
    exclude
        Nodes never snapped to (e.g. :func:`trip_end_nodes`).

    Raises
    ------
    DataError
        A point is farther than ``max_distance_m`` from every eligible node (the message
        names it and gives the distance), or there is no eligible node.

    Returns
    -------
    Snapped
        The node of each point and its distance to it (metres).
    """
    xy = points_xy(points, G.graph.get("crs"))
    ids, node_xy = node_coordinates(G, kinds)
    if enterable_only and ids:
        ok = enterable_nodes(G)
        keep = [i for i, n in enumerate(ids) if n in ok]
        ids, node_xy = [ids[i] for i in keep], node_xy[keep].reshape(-1, 2)
    if exclude and ids:
        keep = [i for i, n in enumerate(ids) if n not in exclude]
        ids, node_xy = [ids[i] for i in keep], node_xy[keep].reshape(-1, 2)
    if not ids:
        raise DataError(f"the graph has no node of kind {sorted(kinds or [])} to snap to")
    if len(xy) == 0:
        return Snapped([], np.zeros(0))
    from scipy.spatial import cKDTree  # loaded only when used (scipy.spatial is slow)
    dist, pos = cKDTree(node_xy).query(xy, k=1)
    too_far = np.flatnonzero(dist > max_distance_m)
    if len(too_far):
        i = int(too_far[0])
        if labels is not None:
            label = labels[i]
        elif isinstance(points, gpd.GeoDataFrame | gpd.GeoSeries):
            label = points.index[i]
        else:
            label = i + 1
        raise DataError(
            f"no network node within {max_distance_m:g} m (nearest is {dist[i]:.0f} m away); "
            f"{len(too_far)} point(s) fail to snap",
            feature=label,
            field="geometry",
        )
    return Snapped([ids[p] for p in pos], dist)


def trip_end_nodes(G: nx.Graph) -> set[Hashable]:
    """The trip ends of a door-to-door graph: nodes whose every edge is an access leg.

    Parameters
    ----------
    G : networkx.Graph
        The network (edges with ``access=True`` are access legs, :mod:`jmgis.network.door`).

    Returns
    -------
    set
        The node ids (empty on a graph without access legs).
    """
    legs: dict[Hashable, bool] = {}
    for u, v, d in G.edges(data=True):
        for n in (u, v):
            legs[n] = legs.get(n, True) and bool(d.get("access"))
    return {n for n, only in legs.items() if only}


def point_access_kinds(
    points: gpd.GeoSeries | gpd.GeoDataFrame | np.ndarray,
    crs: object,
    townships: gpd.GeoDataFrame | None = None,
) -> list[str]:
    """The door-to-door access kind of each point: that of the township it lies in.

    Parameters
    ----------
    points : geopandas.GeoSeries, geopandas.GeoDataFrame or numpy.ndarray
        Points or features in any CRS, or an ``(n, 2)`` array in ``crs``.
    crs : object
        The CRS of an array of points (the graph's).
    townships : geopandas.GeoDataFrame or None
        Township polygons with ``kind`` (街道, 镇, 乡); default
        :func:`jmgis.admin.load_townships` (the boundaries the settings name).

    Returns
    -------
    list of str
        ``urban`` (街道), ``rural`` (镇, 乡) or ``other`` (outside every township, or of
        another kind), one per point.
    """
    if townships is None:
        from jmgis import admin

        townships = admin.load_townships()
    xy = points_xy(points, crs)
    kinds = ["other"] * len(xy)
    if not len(xy) or not len(townships) or "kind" not in townships:
        return kinds
    polys = townships.to_crs(crs) if crs is not None else townships
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=polys.crs)
    inside = gpd.sjoin(pts, polys[["kind", "geometry"]], predicate="within")
    for i, kind in inside.groupby(level=0)["kind"].first().items():
        kinds[int(i)] = TOWNSHIP_ACCESS_KIND.get(str(kind), "other")
    return kinds


def access_leg_seconds(
    snapped: Snapped, access: str | Sequence[str], speeds: SpeedTable
) -> np.ndarray:
    """Door-to-door seconds of each snapped point's trip end (the seats' leg).

    Parameters
    ----------
    snapped : Snapped
        The points, snapped (their distance to the network in metres).
    access : str or Sequence of str
        Access kind (``urban``/``rural``/``other``) of all points or of each.
    speeds : SpeedTable
        ``terminal_s`` (s), ``access_m`` (m) and ``access_speed_kph`` (km/h).

    Returns
    -------
    numpy.ndarray
        Seconds per point: :meth:`jmgis.speeds.SpeedTable.access_leg_s` (terminal time
        plus at least ``access_m`` at the access speed of the kind).
    """
    kinds = [access] * len(snapped.nodes) if isinstance(access, str) else list(access)
    if len(kinds) != len(snapped.nodes):
        raise DataError(
            f"{len(kinds)} access kinds for {len(snapped.nodes)} points", field="access"
        )
    return np.array(
        [speeds.access_leg_s(k, float(m)) for k, m in zip(kinds, snapped.distance_m, strict=True)],
        dtype=float,
    ).reshape(-1)


def is_door_to_door(G: nx.Graph, door_to_door: bool | None = None) -> bool:
    """Whether points on ``G`` get the door-to-door leg (``None``: follow the graph).

    Parameters
    ----------
    G : networkx.Graph
        The network (``G.graph["door_to_door"]`` set by :mod:`jmgis.network.door`).
    door_to_door : bool or None
        An explicit choice, or ``None`` to follow the graph.

    Returns
    -------
    bool
        ``True`` for the access leg, ``False`` for the off-network leg.
    """
    return G.graph.get("door_to_door") is not None if door_to_door is None else door_to_door


def trip_end_legs(
    G: nx.Graph,
    points: gpd.GeoSeries | gpd.GeoDataFrame | np.ndarray,
    snapped: Snapped,
    *,
    door_to_door: bool | None = None,
    access: str | Sequence[str] | None = None,
    speeds: SpeedTable | None = None,
    offnet_speed_kph: float = DEFAULT_OFFNET_SPEED_KPH,
) -> np.ndarray:
    """Seconds of each snapped point's leg to the network (as the OD matrix adds them).

    The door-to-door access leg of :func:`access_leg_seconds` on a door-to-door graph,
    else the off-network leg at ``offnet_speed_kph``.

    Parameters
    ----------
    G : networkx.Graph
        The network the points were snapped to.
    points : geopandas.GeoSeries, geopandas.GeoDataFrame or numpy.ndarray
        The points (for their township when ``access`` is ``None``).
    snapped : Snapped
        Their snap (distance in metres).
    door_to_door : bool or None
        See :func:`is_door_to_door`.
    access : str, Sequence of str or None
        Access kind of all points or of each (default :func:`point_access_kinds`).
    speeds : SpeedTable or None
        Door-to-door parameters (default ``G.graph["door_speeds"]``, else the default table).
    offnet_speed_kph : float
        Speed of the off-network leg when not door to door (km/h).

    Returns
    -------
    numpy.ndarray
        Seconds per point.
    """
    if not is_door_to_door(G, door_to_door):
        return snapped.offnet_seconds(offnet_speed_kph)
    from jmgis.speeds import SpeedTable

    table = speeds or G.graph.get("door_speeds") or SpeedTable()
    kinds = point_access_kinds(points, G.graph.get("crs")) if access is None else access
    return access_leg_seconds(snapped, kinds, table)


def points_travel_time_matrix(
    G: nx.Graph,
    origins: gpd.GeoSeries | gpd.GeoDataFrame | np.ndarray,
    destinations: gpd.GeoSeries | gpd.GeoDataFrame | np.ndarray,
    *,
    max_distance_m: float = DEFAULT_MAX_OFFNET_M,
    offnet_speed_kph: float = DEFAULT_OFFNET_SPEED_KPH,
    kinds: Iterable[str] | None = None,
    cutoff_s: float | None = None,
    weight: str = "travel_time_s",
    door_to_door: bool | None = None,
    origin_access: str | Sequence[str] | None = None,
    destination_access: str | Sequence[str] | None = None,
    speeds: SpeedTable | None = None,
) -> np.ndarray:
    """Seconds between points (or features).

    Snap both ends to the network, add a leg at each end, route between the snapped nodes.

    The leg follows the graph.  On a **door-to-door** graph (``G.graph["door_to_door"]``,
    every graph that :mod:`jmgis.network.build` and ``jmgis build --network`` make) each
    point is a trip end like a township seat or a facility: its leg is
    :meth:`jmgis.speeds.SpeedTable.access_leg_s` of its access kind (by default that of
    the township it lies in, :func:`point_access_kinds`) and its snap distance — the
    terminal time plus at least ``access_m`` at the access speed — and points never snap
    onto another trip end (:func:`trip_end_nodes`).  ``offnet_speed_kph`` is then not
    used.  On another graph the leg is the shared off-network leg
    (:data:`DEFAULT_OFFNET_SPEED_KPH`, :data:`DEFAULT_MAX_OFFNET_M`: 15 km/h for up to
    10 km), as in the isochrones and the rasters, which draw land, not trip ends.

    Raises
    ------
    DataError
        A point farther than ``max_distance_m`` from the network (named in the message),
        or a bad cutoff.

    Parameters
    ----------
    G : networkx.Graph
        Graph with node ``x``/``y`` in metres and ``G.graph["crs"]``.
    origins, destinations : geopandas.GeoSeries, geopandas.GeoDataFrame or numpy.ndarray
        Points or features in any CRS, or ``(n, 2)`` arrays in the graph's CRS.
    max_distance_m : float
        Longest snap (metres); a point farther from the network is an error.
    offnet_speed_kph : float
        Speed of the off-network legs (km/h).
    kinds : Iterable of str or None
        Node kinds a point may snap to (``None`` = all).
    cutoff_s : float or None
        Stop searching beyond this travel time (seconds); ``None`` = no limit.
    weight : str
        Edge attribute used as travel cost (seconds).
    door_to_door : bool or None
        Give the points the door-to-door leg (``True``) or the off-network leg
        (``False``); ``None`` (default) follows the graph.
    origin_access, destination_access : str, Sequence of str or None
        Access kind (``urban``/``rural``/``other``) of all origins (destinations) or of
        each; default the kind of the township each lies in.  Door-to-door only.
    speeds : SpeedTable or None
        The door-to-door parameters (default those the graph was built with,
        ``G.graph["door_speeds"]``, else the default speed table).

    Returns
    -------
    numpy.ndarray
        ``(n_origins, n_destinations)`` seconds; ``inf`` where unreachable.
    """
    from jmgis.routing.engine import travel_time_matrix

    door = is_door_to_door(G, door_to_door)
    ends = trip_end_nodes(G) if door else None
    o = snap_points(G, origins, max_distance_m=max_distance_m, kinds=kinds, exclude=ends)
    d = snap_points(G, destinations, max_distance_m=max_distance_m, kinds=kinds, exclude=ends)
    tt = travel_time_matrix(G, o.nodes, d.nodes, cutoff_s=cutoff_s, weight=weight)
    o_leg, d_leg = (
        trip_end_legs(G, points, snapped, door_to_door=door, access=access, speeds=speeds,
                      offnet_speed_kph=offnet_speed_kph)
        for points, snapped, access in ((origins, o, origin_access),
                                        (destinations, d, destination_access))
    )
    total = tt + o_leg[:, None] + d_leg
    if cutoff_s is not None:
        total[total > cutoff_s] = np.inf
    return total
