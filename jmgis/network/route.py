"""Fastest routes on the contract graph, with the named roads and lines they use.

Places are resolved with :func:`jmgis.admin.places.resolve_place` (township codes and
names, county names, gateway ids, station, port, airport, interchange and park names) and
mapped to graph nodes: ``seat:<code>``, ``gateway:<id>``, ``station:<id>`` …; a place with
no node of its own (a county, a park not in the graph) is attached to the nearest road
edge by a temporary connector.

Modes
-----
``any``
    the fastest trip over every mode in the graph;
``road``
    roads, connectors and ferries (川岛 is reached by ferry even by car);
``rail``
    at least one train ride, with road access to the boarding station and road egress
    from the alighting one (a layered graph: road → rail → road).

Paths are found with the csgraph engine (:func:`jmgis.routing.engine.shortest_path`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import networkx as nx

from jmgis.errors import DataError, ResolveError
from jmgis.vocab import DRIVING_MODES
from jmgis.vocab import ROUTE_MODES as VOCAB_ROUTE_MODES

ROUTE_MODES = VOCAB_ROUTE_MODES
ROAD_MODES = DRIVING_MODES


@dataclass(frozen=True)
class Leg:
    """Consecutive edges of one mode and name."""

    mode: str
    name: str
    length_m: float
    seconds: float
    #: the leg's node coordinates (analysis CRS, metres), for :meth:`Route.to_gdf`
    coords: tuple[tuple[float, float], ...] = field(default=(), compare=False, repr=False)

    @property
    def minutes(self) -> float:
        """Travel time of the leg (minutes)."""
        return self.seconds / 60

    @property
    def km(self) -> float:
        """Length of the leg (km)."""
        return self.length_m / 1000


@dataclass
class Route:
    """A fastest route."""

    origin: str
    destination: str
    origin_name: str
    destination_name: str
    year: int | None
    mode: str
    seconds: float
    length_m: float
    path: list[str] = field(default_factory=list)
    legs: list[Leg] = field(default_factory=list)
    crs: str | None = None  # of the legs' coordinates (the graph's analysis CRS)

    @property
    def minutes(self) -> float:
        """The travel time in minutes."""
        return self.seconds / 60

    @property
    def distance_km(self) -> float:
        """The length in kilometres."""
        return self.length_m / 1000

    @property
    def via(self) -> list[str]:
        """Names of the roads, lines and ferries used, in order (connectors left out)."""
        out: list[str] = []
        for leg in self.legs:
            if leg.mode in ("road", "rail", "ferry") and leg.name and leg.name not in out[-1:]:
                out.append(leg.name)
        return out

    def to_gdf(self) -> gpd.GeoDataFrame:
        """The legs as lines (EPSG:4490), for maps and GIS.

        Returns
        -------
        geopandas.GeoDataFrame
            One row per leg: ``leg`` (1-based), ``mode``, ``name``, ``km`` (0.01 km),
            ``minutes`` (0.1 min), ``from_name``/``to_name`` of the route,
            ``geometry_quality`` (``schematic``: straight lines between graph nodes) and
            ``source``.
        """
        import shapely

        rows = [
            {
                "leg": i,
                "mode": leg.mode,
                "name": leg.name,
                "km": round(leg.km, 2),
                "minutes": round(leg.minutes, 1),
                "from_name": self.origin_name,
                "to_name": self.destination_name,
                "geometry_quality": "schematic",
                "source": f"jmgis route over the {self.year} network",
            }
            for i, leg in enumerate(self.legs, start=1)
        ]
        lines = [
            shapely.LineString(leg.coords) if len(leg.coords) >= 2 else None
            for leg in self.legs
        ]
        frame = gpd.GeoDataFrame(rows, geometry=lines, crs=self.crs)
        return frame.to_crs("EPSG:4490") if self.crs else frame

    def explore(self, m: Any = None, **kwargs: Any) -> Any:
        """The route on an interactive map (``GeoDataFrame.explore`` of :meth:`to_gdf`).

        Parameters
        ----------
        m
            A folium map to add the route to (e.g. a jmgis map), or ``None`` for a new one.
        **kwargs
            Passed to ``GeoDataFrame.explore`` (defaults: coloured by mode, a Chinese
            layer name).

        Returns
        -------
        folium.Map
        """
        kwargs.setdefault("column", "mode")
        kwargs.setdefault("name", f"路线：{self.origin_name}—{self.destination_name}")
        kwargs.setdefault("tooltip", ["leg", "mode", "name", "km", "minutes"])
        kwargs.setdefault("style_kwds", {"weight": 5})
        return self.to_gdf().explore(m=m, **kwargs)

    def summary(self) -> str:
        """One line: from, to, minutes (0.1), km (0.01) and the roads and lines used."""
        via = "、".join(self.via)
        return (
            f"{self.origin_name} → {self.destination_name}（{self.year}年）："
            f"{self.minutes:.1f} 分钟，{self.distance_km:.2f} km" + (f"，经 {via}" if via else "")
        )

    def __str__(self) -> str:
        return self.summary()

    def to_dict(self) -> dict[str, Any]:
        """The route as plain JSON-ready data."""
        return {
            "from": self.origin_name,
            "to": self.destination_name,
            "from_node": self.origin,
            "to_node": self.destination,
            "year": self.year,
            "mode": self.mode,
            "minutes": round(self.minutes, 1),
            "distance_km": round(self.distance_km, 1),
            "via": self.via,
            "legs": [
                {
                    "mode": leg.mode,
                    "name": leg.name,
                    "km": round(leg.length_m / 1000, 2),
                    "minutes": round(leg.seconds / 60, 1),
                }
                for leg in self.legs
            ],
        }


def place_node(G: nx.MultiDiGraph, query: str) -> tuple[str, str]:
    """(node id, name) of a place: an existing node id, or a resolved place's node.

    A resolved place without a node is attached to ``G`` (nearest road edge) — pass a
    copy of a shared graph.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The network (node ``x``/``y`` in metres of the analysis CRS).
    query : str
        A node id, a code, an id or a name (see :func:`jmgis.admin.resolve_place`).

    Returns
    -------
    tuple of (str, str)
        Node id and display name.
    """
    if query in G:
        return query, G.nodes[query].get("name") or query
    # The catalog (parks) and transport (stations, ports …) register their places with
    # the resolver when imported; a graph read from the cache no longer imports them.
    import jmgis.catalog
    import jmgis.transport  # noqa: F401
    from jmgis.admin.places import resolve_place

    place = resolve_place(query)
    kind = "seat" if place.kind == "township" else place.kind
    node = f"{kind}:{place.id}"
    if node in G:
        return node, place.name
    if kind in ("seat", "gateway", "station", "port", "airport", "interchange"):
        raise ResolveError(
            f"{place} is not in the {G.graph.get('year')} network "
            "(not open yet in this scenario, or its mode is not included)"
        )
    return _attach(G, node, place), place.name


def _attach(G: nx.MultiDiGraph, node: str, place) -> str:
    from jmgis.network.connectors import GRADE_SEPARATED_CLASSES, EdgeSnapper, connect_to_edges
    from jmgis.network.door import add_access_legs
    from jmgis.speeds import SpeedTable

    frame = gpd.GeoDataFrame(
        {"id": [place.id], "name": [place.name]}, geometry=[place.point], crs="EPSG:4490"
    ).to_crs(G.graph["crs"])
    snapper = EdgeSnapper(
        G,
        lambda d: d.get("mode") == "road" and d.get("road_class") not in GRADE_SEPARATED_CLASSES,
    )
    snaps = connect_to_edges(
        G,
        frame,
        kind=node.split(":", 1)[0],
        id_field="id",
        node_field=None,
        snapper=snapper,
        speed_kph=SpeedTable().connector_speed_kph,
    )
    if not snaps or not snaps[0].target:
        raise ResolveError(f"{place} cannot be joined to the network")
    # a place is a trip end: door to door over its access leg (issue 15)
    add_access_legs(G, SpeedTable(), nodes=[snaps[0].node])
    return snaps[0].node


def _mode_graph(G: nx.MultiDiGraph, mode: str) -> nx.MultiDiGraph:
    if mode == "any":
        return G
    if mode == "road":
        return G.edge_subgraph(
            [(u, v, k) for u, v, k, d in G.edges(keys=True, data=True) if d["mode"] in ROAD_MODES]
        )
    raise ValueError(mode)


def _rail_layers(
    G: nx.MultiDiGraph, origin: str, destination: str
) -> tuple[nx.MultiDiGraph, str, str]:
    """Road → rail → road layered copy of ``G``.

    The only way from layer 0 to layer 2 is boarding a train; returns the graph and the layered
    origin and destination.
    """
    H = nx.MultiDiGraph(**G.graph)
    for n, d in G.nodes(data=True):
        if d.get("kind") == "platform":
            H.add_node(n, **d)
        else:
            H.add_node(f"{n}|0", **d)
            H.add_node(f"{n}|2", **d)
    for u, v, k, d in G.edges(keys=True, data=True):
        ku, kv = G.nodes[u].get("kind"), G.nodes[v].get("kind")
        if d["mode"] in ROAD_MODES:
            H.add_edge(f"{u}|0", f"{v}|0", k, **d)
            H.add_edge(f"{u}|2", f"{v}|2", k, **d)
        elif ku == "platform" and kv == "platform":
            H.add_edge(u, v, k, **d)
        elif kv == "platform":  # boarding
            H.add_edge(f"{u}|0", v, k, **d)
        elif ku == "platform":  # alighting
            H.add_edge(u, f"{v}|2", k, **d)
    return H, f"{origin}|0", f"{destination}|2"


def route(
    G: nx.MultiDiGraph,
    origin: str,
    destination: str,
    *,
    mode: str = "any",
) -> Route:
    """The fastest route between two places (names, codes, ids or node ids).

    Raises
    ------
    ResolveError
        A place that cannot be resolved or is not in this scenario's network.
    DataError
        No route (e.g. ``mode="rail"`` between places without stations in reach).

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The network (node ``x``/``y`` in metres of the analysis CRS).
    origin, destination : str
        Places (see :func:`place_node`).
    mode : str
        ``any``, ``road`` or ``rail`` (see :data:`ROUTE_MODES`).

    Returns
    -------
    Route
        The route: seconds, metres and legs.
    """
    from jmgis.routing.engine import path_edges, shortest_path

    if mode not in ROUTE_MODES:
        raise DataError(f"unknown route mode {mode!r}; choose from {', '.join(ROUTE_MODES)}")
    G = G.copy()
    o, o_name = place_node(G, origin)
    d, d_name = place_node(G, destination)
    if mode == "rail":
        H, ho, hd = _rail_layers(G, o, d)
    else:
        H, ho, hd = _mode_graph(G, mode), o, d
    try:
        # The layered graph's nodes are ``<node>|<layer>`` strings.
        path: list[str] = shortest_path(H, ho, hd)  # type: ignore[assignment]
    except DataError:
        raise DataError(
            f"no route from {o_name} to {d_name} in the {G.graph.get('year')} network "
            f"(mode {mode}, graph modes {', '.join(G.graph.get('modes', ()))})"
        ) from None
    legs: list[Leg] = []
    total_s = total_m = 0.0
    def xy(n: str) -> tuple[float, float]:
        return (float(H.nodes[n]["x"]), float(H.nodes[n]["y"]))

    for u, v, k in path_edges(H, path):
        e = H.edges[u, v, k]
        total_s += e["travel_time_s"]
        total_m += e["length_m"]
        name = e.get("name") or ""
        if legs and legs[-1].mode == e["mode"] and legs[-1].name == name:
            last = legs.pop()
            legs.append(
                Leg(
                    e["mode"],
                    name,
                    last.length_m + e["length_m"],
                    last.seconds + e["travel_time_s"],
                    (*last.coords, xy(v)),
                )
            )
        else:
            legs.append(Leg(e["mode"], name, e["length_m"], e["travel_time_s"], (xy(u), xy(v))))
    return Route(
        origin=o,
        destination=d,
        origin_name=o_name,
        destination_name=d_name,
        year=G.graph.get("year"),
        mode=mode,
        seconds=total_s,
        length_m=total_m,
        path=[p.rsplit("|", 1)[0] if p.endswith(("|0", "|2")) else p for p in path],
        legs=legs,
        crs=G.graph.get("crs"),
    )


def route_between(
    origin: str,
    destination: str,
    *,
    year: int = 2025,
    mode: str = "any",
    G: nx.MultiDiGraph | None = None,
) -> Route:
    """The fastest route between two named places in a scenario year (``jm.route``).

    Parameters
    ----------
    origin, destination
        Place names, township codes, ids or node ids (see :func:`route`).
    year
        Scenario year of the network (default 2025).
    mode
        ``any``, ``road`` or ``rail`` (see the module's docstring).
    G
        The graph to use (default: the shared Jiangmen graph of ``year``).

    Returns
    -------
    Route
        With ``minutes``, ``distance_km``, ``legs`` and ``to_gdf()``/``explore()``.
    """
    if G is None:
        from jmgis.network.build import shared_graph

        G = shared_graph(int(year))
    return route(G, origin, destination, mode=mode)
