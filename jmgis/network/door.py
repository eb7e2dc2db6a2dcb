"""Door-to-door travel: access legs, junction delays and ramp times (issue 15).

The schematic network draws township seats on the trunk roads (the interchange of a town
sits at its seat, with a 0 m connector), so before this model a trip of 3 km between two
seats ran entirely at expressway speed.  Three additions make a trip start and end where
people are:

1. **Access legs** (:func:`add_access_legs`): each trip end (a township seat, a park, a
   POI, a user's point) is split from the network node that carries its connectors.  The
   place keeps its id and is joined to that node (``<id>|net``, a junction at the same
   position) by one two-way ``connector`` with ``access=True`` whose time is
   :meth:`jmgis.speeds.SpeedTable.access_leg_s`: the terminal time (parking, walking) plus
   a local leg of at least ``access_m`` at the speed of the township's kind (街道 urban,
   镇 rural).  Roads that meet at a seat meet at its ``|net`` node, so a trip *through* a
   town pays nothing, a trip *to* it pays once.  The place's own connectors are retimed at
   the access speed of its kind.
2. **Junction delay** (:func:`add_junction_delays`): an edge of an urban arterial class
   (``SpeedTable.junction_classes``) takes ``junction_delay_s`` (HCM control delay) per
   signalised junction, ``junctions_per_km`` of them per km.
3. **Ramp time** (:func:`add_ramp_times`): the connector between an interchange and an
   expressway takes ``ramp_s`` longer in each direction (entering and leaving).

No point joins a grade-separated road (:data:`GRADE_SEPARATED_CLASSES`) except an
interchange (``jmgis.network.build``).  Every addition is recorded on the edge
(``access_s``, ``junction_delay_s``, ``ramp_s``) so a route can say where its minutes go.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import networkx as nx

from jmgis.network.connectors import GRADE_SEPARATED_CLASSES, LIMITED_ACCESS_CLASSES
from jmgis.network.graph import add_link, add_node
from jmgis.speeds import SpeedTable, travel_time_s
from jmgis.vocab import TOWNSHIP_ACCESS_KIND

__all__ = ["GRADE_SEPARATED_CLASSES", "access_kind", "add_access_legs", "door_to_door"]

#: Node kinds that are trip ends (get an access leg); stations, ports and airports have
#: their own boarding times, interchanges and gateways are not where trips start.
TRIP_END_KINDS = frozenset({"seat", "park", "poi"})

#: Suffix of the network node a trip end is split from.
NET_SUFFIX = "|net"

#: Township kinds (the ``kind`` of the township layer) by access kind.
ACCESS_KIND = TOWNSHIP_ACCESS_KIND


def access_kind(township_kind: object = None, name: object = None) -> str:
    """The access kind (``urban``, ``rural``, ``other``) of a township kind or name.

    Parameters
    ----------
    township_kind : object
        The ``kind`` of the township layer (街道, 镇, 乡) or ``None``.
    name : object
        The township's name, used when the kind is missing (its suffix 街道/镇/乡).

    Returns
    -------
    str
        ``urban`` (街道), ``rural`` (镇, 乡) or ``other``.
    """
    if isinstance(township_kind, str) and township_kind in ACCESS_KIND:
        return ACCESS_KIND[township_kind]
    if isinstance(name, str):
        for suffix, kind in ACCESS_KIND.items():
            if name.endswith(suffix):
                return kind
    return "other"


def add_access_legs(
    G: nx.MultiDiGraph,
    speeds: SpeedTable,
    *,
    nodes: Iterable[str] | None = None,
    kinds: Mapping[str, str] | None = None,
) -> int:
    """Split each trip end from its network node and join them by the access leg.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The assembled graph (changed in place).
    speeds : SpeedTable
        ``terminal_s``, ``access_m`` and ``access_speed_kph`` (s, m, km/h).
    nodes : Iterable of str or None
        The trip-end nodes (default every node of :data:`TRIP_END_KINDS` not split yet).
    kinds : Mapping of str to str or None
        Access kind (``urban``/``rural``/``other``) by node; else the node's ``access``
        attribute, else from its name (:func:`access_kind`).

    Returns
    -------
    int
        How many trip ends were given an access leg.
    """
    if nodes is None:
        nodes = [
            n
            for n, d in G.nodes(data=True)
            if d.get("kind") in TRIP_END_KINDS and f"{n}{NET_SUFFIX}" not in G
        ]
    done = 0
    for node in list(nodes):
        data = G.nodes[node]
        kind = (kinds or {}).get(node) or data.get("access") or access_kind(None, data.get("name"))
        data["access"] = kind
        net = f"{node}{NET_SUFFIX}"
        if net in G:
            continue
        add_node(
            G,
            net,
            data["x"],
            data["y"],
            kind="junction",
            ref=data.get("ref"),
            name=data.get("name", ""),
        )
        speed = float(speeds.access_speed_kph.get(kind, speeds.connector_speed_kph))
        out_edges = list(G.out_edges(node, keys=True, data=True))
        in_edges = list(G.in_edges(node, keys=True, data=True))
        for u, v, k, _d in out_edges + in_edges:
            G.remove_edge(u, v, k)
        for u, v, _k, d in out_edges + in_edges:
            d = dict(d)
            if d.get("mode") == "connector" and not d.get("external"):
                # the place's own connector: the local street at its township's speed
                d["speed_kph"] = speed
                d["travel_time_s"] = travel_time_s(d["length_m"], speed)
            G.add_edge(net if u == node else u, net if v == node else v, **d)
        # the straight distance to the network, as on the connectors (``snap_m``): the
        # leg makes up the rest of ``access_m``, so a trip end pays
        # terminal_s + max(snap, access_m) / access speed (:meth:`SpeedTable.access_leg_s`)
        snap_m = min(
            (float(e.get("snap_m", 0.0)) for *_, e in out_edges if e.get("mode") == "connector"),
            default=0.0,
        )
        leg_m = max(float(speeds.access_m.get(kind, 0.0)) - snap_m, 0.0)
        leg_s = float(speeds.terminal_s) + travel_time_s(leg_m, speed)
        add_link(
            G,
            node,
            net,
            length_m=leg_m,
            speed_kph=None,
            travel_time_s=leg_s,
            mode="connector",
            feature_id=data.get("ref"),
            name=data.get("name", ""),
            snap_m=snap_m,
            access=True,
            access_s=leg_s,
        )
        done += 1
    return done


def add_junction_delays(G: nx.MultiDiGraph, speeds: SpeedTable) -> int:
    """Add the junction and signal delay to every road edge of an urban arterial class.

    ``junction_delay_s`` × ``junctions_per_km`` × the edge's length (km): a per-edge
    penalty, not a count of the graph's nodes — in the schematic network a node is a
    control point, and a later scenario that ends a new road on an arterial would
    otherwise make the old trips along it slower (issue 15, monotonic scenarios).  A
    split edge keeps its share, so snapping points to roads changes nothing.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The graph (changed in place).
    speeds : SpeedTable
        ``junction_delay_s`` (s), ``junctions_per_km`` and ``junction_classes``.

    Returns
    -------
    int
        How many directed edges got a delay.
    """
    per_m = float(speeds.junction_delay_s) * float(speeds.junctions_per_km) / 1000.0
    classes = set(speeds.junction_classes)
    if per_m <= 0 or not classes:
        return 0
    count = 0
    for _u, _v, d in G.edges(data=True):
        urban = d.get("mode") == "road" and d.get("road_class") in classes
        if urban and "junction_delay_s" not in d:
            delay = per_m * float(d.get("length_m", 0.0))
            d["travel_time_s"] = float(d["travel_time_s"]) + delay
            d["junction_delay_s"] = delay
            count += 1
    return count


def add_ramp_times(G: nx.MultiDiGraph, speeds: SpeedTable) -> int:
    """Add ``ramp_s`` to each connector between an interchange and an expressway node.

    An expressway node is one whose road edges are all expressways; the end of an
    expressway that runs into an ordinary road is entered at grade, without a ramp.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The graph (changed in place).
    speeds : SpeedTable
        ``ramp_s`` (s).

    Returns
    -------
    int
        How many directed edges got the ramp time (two per ramp: on and off).
    """
    extra = float(speeds.ramp_s)
    if extra <= 0:
        return 0
    # nodes on expressways only (not an expressway end that runs into an ordinary road,
    # which is entered at grade)
    classes: dict[str, set[bool]] = {}
    for u, v, d in G.edges(data=True):
        if d.get("mode") == "road":
            is_limited = d.get("road_class") in LIMITED_ACCESS_CLASSES
            classes.setdefault(u, set()).add(is_limited)
            classes.setdefault(v, set()).add(is_limited)
    limited = {n for n, seen in classes.items() if seen == {True}}
    count = 0
    for u, v, d in G.edges(data=True):
        if d.get("mode") != "connector" or "ramp_s" in d:
            continue
        ku, kv = G.nodes[u].get("kind"), G.nodes[v].get("kind")
        if (ku == "interchange" and v in limited) or (kv == "interchange" and u in limited):
            d["travel_time_s"] = float(d["travel_time_s"]) + extra
            d["ramp_s"] = extra
            count += 1
    return count


def door_to_door(
    G: nx.MultiDiGraph,
    speeds: SpeedTable,
    *,
    nodes: Iterable[str] | None = None,
    kinds: Mapping[str, str] | None = None,
) -> dict[str, int]:
    """Apply the whole door-to-door model to an assembled graph (in place).

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The assembled graph.
    speeds : SpeedTable
        The speed table (its door-to-door parameters, seconds, metres, km/h).
    nodes : Iterable of str or None
        The trip ends (default the nodes of :data:`TRIP_END_KINDS`).
    kinds : Mapping of str to str or None
        Access kind by trip-end node (see :func:`add_access_legs`).

    Returns
    -------
    dict of str to int
        Counts: ``access_legs``, ``junction_delays``, ``ramps`` (directed edges).
    """
    out = {
        "junction_delays": add_junction_delays(G, speeds),
        "ramps": add_ramp_times(G, speeds),
        "access_legs": add_access_legs(G, speeds, nodes=nodes, kinds=kinds),
    }
    G.graph["door_to_door"] = out
    # the parameters of the legs, for points routed on the graph later
    # (:func:`jmgis.routing.snap.points_travel_time_matrix`)
    G.graph["door_speeds"] = speeds
    return out
