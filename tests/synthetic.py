"""A generated road network with a realistic hierarchy, for tests and benchmarks.

Not Jiangmen data: a seeded, reproducible stand-in at OSM scale.  Layout: a jittered
grid of junctions (``spacing_m`` apart) with some links missing; every 8th line is a
secondary road, every 24th a primary road; expressway corridors every 96 lines run on
their own nodes and join the grid only at interchanges every ``interchange_every``
nodes (≈ 6 km); 10 % of local streets are one-way.  Speeds follow the default operating
speeds of :mod:`jmgis.speeds` (expressway 90, primary 60, secondary 50, local 25
km/h); lengths are straight-line distances × a detour factor 1.0–1.3.
"""

from __future__ import annotations

import networkx as nx
import numpy as np

from jmgis.crs import DEFAULT_ANALYSIS_CRS

CLASS_SPEED_KPH = {"expressway": 90.0, "ramp": 40.0, "primary": 60.0, "secondary": 50.0}
LOCAL_SPEED_KPH = 25.0
# origin of the generated grid in EPSG:4547 metres: about Jiangmen's western edge
ORIGIN_XY = (370_000.0, 2_440_000.0)


def road_network(
    n_side: int = 390,
    *,
    spacing_m: float = 250.0,
    seed: int = 42,
    drop_fraction: float = 0.2,
    oneway_fraction: float = 0.1,
    interchange_every: int = 24,
    as_arrays: bool = False,
) -> nx.MultiDiGraph | dict[str, np.ndarray]:
    """Generate the network (``n_side²`` junctions plus expressway nodes).

    ``n_side=390`` gives ≈ 153,000 nodes and ≈ 400,000 directed edges over ≈ 97 km × 97 km.
    With ``as_arrays`` the raw arrays (``x``, ``y``, ``u``, ``v``, ``length_m``,
    ``travel_time_s``, ``road_class``) are returned instead of a graph.
    """
    rng = np.random.default_rng(seed)
    n = n_side * n_side
    ii, jj = np.divmod(np.arange(n), n_side)  # row, column
    x = ORIGIN_XY[0] + jj * spacing_m + rng.uniform(-0.3, 0.3, n) * spacing_m
    y = ORIGIN_XY[1] + ii * spacing_m + rng.uniform(-0.3, 0.3, n) * spacing_m

    def line_class(k: np.ndarray) -> np.ndarray:
        cls = np.full(len(k), "local", dtype=object)
        cls[k % 8 == 0] = "secondary"
        cls[k % 24 == 0] = "primary"
        return cls

    # horizontal links along rows (class by row), vertical links along columns
    h = np.flatnonzero(jj < n_side - 1)
    v = np.flatnonzero(ii < n_side - 1)
    u = np.concatenate([h, v])
    w = np.concatenate([h + 1, v + n_side])
    cls = np.concatenate([line_class(ii[h]), line_class(jj[v])])
    local = cls == "local"
    keep = ~local | (rng.random(len(u)) >= drop_fraction)
    u, w, cls = u[keep], w[keep], cls[keep]
    oneway = (cls == "local") & (rng.random(len(u)) < oneway_fraction)
    flip = oneway & (rng.random(len(u)) < 0.5)
    u, w = np.where(flip, w, u), np.where(flip, u, w)

    # expressways: own nodes beside every 96th row and column, ramps at interchanges
    ex_x, ex_y, ex_u, ex_v, ex_cls = [], [], [], [], []
    next_id = n
    for line in range(48, n_side, 96):
        for horizontal in (True, False):
            grid_nodes = (
                line * n_side + np.arange(n_side)
                if horizontal
                else np.arange(n_side) * n_side + line
            )
            ids = next_id + np.arange(n_side)
            next_id += n_side
            offset = (0.0, 60.0) if horizontal else (60.0, 0.0)
            ex_x.append(x[grid_nodes] + offset[0])
            ex_y.append(y[grid_nodes] + offset[1])
            for a, b in ((ids[:-1], ids[1:]), (ids[1:], ids[:-1])):
                ex_u.append(a)
                ex_v.append(b)
                ex_cls.append(np.full(len(a), "expressway", dtype=object))
            ramps = np.arange(interchange_every // 2, n_side, interchange_every)
            for a, b in ((ids[ramps], grid_nodes[ramps]), (grid_nodes[ramps], ids[ramps])):
                ex_u.append(a)
                ex_v.append(b)
                ex_cls.append(np.full(len(a), "ramp", dtype=object))
    both = ~oneway
    u_all = np.concatenate([u, w[both], *ex_u])
    v_all = np.concatenate([w, u[both], *ex_v])
    cls_all = np.concatenate([cls, cls[both], *ex_cls])
    x_all = np.concatenate([x, *ex_x])
    y_all = np.concatenate([y, *ex_y])
    straight = np.hypot(x_all[u_all] - x_all[v_all], y_all[u_all] - y_all[v_all])
    length = np.maximum(straight * rng.uniform(1.0, 1.3, len(u_all)), 1.0)
    speed = np.array([CLASS_SPEED_KPH.get(c, LOCAL_SPEED_KPH) for c in cls_all])
    time_s = length / (speed / 3.6)
    arrays = {
        "x": x_all,
        "y": y_all,
        "u": u_all,
        "v": v_all,
        "length_m": length,
        "travel_time_s": time_s,
        "speed_kph": speed,
        "road_class": cls_all,
    }
    if as_arrays:
        return arrays
    return arrays_to_graph(arrays)


def arrays_to_graph(arrays: dict[str, np.ndarray]) -> nx.MultiDiGraph:
    """A network-contract ``MultiDiGraph`` from :func:`road_network` arrays (node ids
    ``"n:<i>"``, ``kind="junction"``, ``mode="road"``)."""
    G = nx.MultiDiGraph(crs=DEFAULT_ANALYSIS_CRS, year=None, modes=("road",))
    names = [f"n:{i}" for i in range(len(arrays["x"]))]
    G.add_nodes_from(
        (name, {"x": float(px), "y": float(py), "kind": "junction", "ref": name, "name": name})
        for name, px, py in zip(names, arrays["x"], arrays["y"], strict=True)
    )
    G.add_edges_from(
        (
            names[a],
            names[b],
            {
                "length_m": float(length),
                "travel_time_s": float(t),
                "mode": "road",
                "speed_kph": float(s),
                "road_class": c,
                "feature_id": f"synthetic:{c}",
                "name": "",
            },
        )
        for a, b, length, t, s, c in zip(
            arrays["u"],
            arrays["v"],
            arrays["length_m"],
            arrays["travel_time_s"],
            arrays["speed_kph"],
            arrays["road_class"],
            strict=True,
        )
    )
    return G
