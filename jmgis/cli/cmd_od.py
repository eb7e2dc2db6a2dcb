"""``jmgis od ORIGINS DESTINATIONS --out FILE.csv|FILE.gpkg``: minutes and km between places.

Each side is the word ``townships`` (the 73 township seats), a comma-separated list of
place names (``江门站,台城街道``), or a point file: a CSV with ``name``, ``lon``, ``lat``
(CGCS2000 degrees) or any OGR point layer with a ``name`` field.  Points are joined to
the nearest road edge; one farther than ``--max-snap`` is an error naming it.

``--out`` ending in ``.gpkg`` writes the layer ``od_line`` instead: the same rows, each with
a straight line from the origin's point to the destination's (a desire line, EPSG:4490;
the points are where the places join the network).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from jmgis.cli.network_options import add_network_options, network_settings

DEFAULT_MAX_SNAP_M = 5000.0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Register the ``jmgis od`` subcommand."""
    p = subparsers.add_parser(
        "od",
        help="origin–destination matrix of minutes and km (CSV, or GPKG lines)",
        description="Fastest travel time (minutes) and the length of that route (km) from "
        "every origin to every destination on the network of a scenario year. ORIGINS and "
        "DESTINATIONS are 'townships', a comma-separated list of place names, or a point "
        "file (CSV name,lon,lat or a point layer with a name field). One row per pair; "
        "unreachable pairs are left empty. With --out FILE.gpkg: the layer od_line, one "
        "straight line per pair from origin to destination with the same columns.",
    )
    p.add_argument("origins", metavar="ORIGINS")
    p.add_argument("destinations", metavar="DESTINATIONS")
    p.add_argument("--year", default="2025", help="scenario year, 2020–2035 (default 2025)")
    p.add_argument(
        "--out",
        metavar="FILE.csv|FILE.gpkg",
        required=True,
        help="the CSV to write, or a GeoPackage (.gpkg: layer od_line of lines)",
    )
    p.add_argument(
        "--max-snap",
        metavar="METRES",
        type=float,
        default=DEFAULT_MAX_SNAP_M,
        help="a point farther than this from a road is an error (default 5000)",
    )
    add_network_options(p)
    p.set_defaults(func=run)


def _points(path: Path) -> list[tuple[str, float, float]]:
    import geopandas as gpd
    import pandas as pd

    from jmgis.errors import DataError
    from jmgis.readers import read_table, read_vector

    if path.suffix.lower() in (".csv", ".txt"):
        table = read_table(path)
        for col in ("name", "lon", "lat"):
            if col not in table.columns:
                raise DataError("no such column (name, lon, lat are needed)", file=path, field=col)
        out = []
        for i, row in table.iterrows():
            lon = pd.to_numeric(pd.Series([row["lon"]]), errors="coerce")[0]
            lat = pd.to_numeric(pd.Series([row["lat"]]), errors="coerce")[0]
            name = str(row["name"])
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                raise DataError(
                    f"lon/lat {row['lon']!r}/{row['lat']!r} are not degrees",
                    file=path,
                    feature=f"row {i + 2} ({name})",
                    field="lon/lat",
                )
            out.append((name, float(lon), float(lat)))
        return out
    frame = read_vector(path)
    if not isinstance(frame, gpd.GeoDataFrame) or frame.crs is None:
        raise DataError("not a point layer with a CRS", file=path, field="geometry")
    frame = frame.to_crs("EPSG:4490")
    if "name" in frame:
        names = list(frame["name"].astype(str))
    else:
        names = [str(i + 1) for i in range(len(frame))]
    out = []
    for name, geom in zip(names, frame.geometry, strict=True):
        if geom is None or geom.geom_type != "Point":
            raise DataError("not a point", file=path, feature=name, field="geometry")
        out.append((name, geom.x, geom.y))
    return out


def side_nodes(G, text: str, max_snap_m: float) -> list[tuple[str, str]]:
    """(node, name) of one side: ``townships``, a file, or comma-separated names.

    Parameters
    ----------
    G
        The network; points are joined to it (``G`` is changed).
    text
        ``townships``, a point file, or comma-separated place names.
    max_snap_m
        Largest distance from a point to the nearest road (metres).

    Returns
    -------
    list of tuple of str
        ``(node id, name)`` per place, in the order given.
    """
    from jmgis.cli.cmd_isochrone import origin_node

    if text.strip().lower() == "townships":
        return [
            (n, d.get("name") or n) for n, d in G.nodes(data=True) if d.get("kind") == "seat"
        ]
    path = Path(text)
    if path.suffix and path.exists():
        return [
            (origin_node(G, f"{lon},{lat}", max_snap_m)[0], name)
            for name, lon, lat in _points(path)
        ]
    return [origin_node(G, name.strip(), max_snap_m) for name in text.split(",") if name.strip()]


def od_table(G, origins, destinations):
    """Rows (origin, origin_name, destination, destination_name, minutes, km).

    Parameters
    ----------
    G
        The network the nodes are on.
    origins, destinations
        ``(node id, name)`` pairs, from :func:`side_nodes`.

    Returns
    -------
    pandas.DataFrame
        One row per origin and destination; ``minutes`` and ``km`` are empty when the
        destination is unreachable.
    """
    import numpy as np
    import pandas as pd
    from scipy.sparse.csgraph import dijkstra

    from jmgis.routing.engine import compile_graph

    compiled = compile_graph(G)
    rows = []
    d_idx = compiled.positions([n for n, _ in destinations], "destination")
    for o, o_name in origins:
        oi = int(compiled.positions([o], "origin")[0])
        dist, pred = dijkstra(compiled.matrix, directed=True, indices=oi, return_predecessors=True)
        for (d, d_name), di in zip(destinations, d_idx, strict=True):
            di = int(di)
            minutes = dist[di] / 60.0
            km = np.nan
            if np.isfinite(dist[di]):
                length, cur = 0.0, di
                while cur != oi:
                    prev = int(pred[cur])
                    u, v = compiled.nodes[prev], compiled.nodes[cur]
                    key = compiled.edge_key(prev, cur) if compiled.edge_keys is not None else None
                    data = G.edges[u, v, key] if key is not None else G.edges[u, v]
                    length += data["length_m"]
                    cur = prev
                km = length / 1000.0
            rows.append(
                {
                    "origin": o,
                    "origin_name": o_name,
                    "destination": d,
                    "destination_name": d_name,
                    "minutes": round(float(minutes), 2) if np.isfinite(minutes) else None,
                    "km": round(float(km), 3) if np.isfinite(km) else None,
                }
            )
    return pd.DataFrame(rows)


def run(args: argparse.Namespace) -> int:
    """Run ``jmgis od``; return the exit status."""
    from jmgis.cli import progress
    from jmgis.jiangmen.township_access import jiangmen_graph
    from jmgis.settings import use
    from jmgis.tabular import safe_csv
    from jmgis.transport import check_year

    year = check_year(args.year)
    settings = network_settings(args, args.settings)
    bar = progress(None, desc="jmgis od: network", total=4)  # stderr, terminals only
    try:
        with use(settings):
            G = jiangmen_graph(year).copy()
        bar.update(1)
        bar.set_description("jmgis od: places")
        origins = side_nodes(G, args.origins, args.max_snap)
        destinations = side_nodes(G, args.destinations, args.max_snap)
        bar.update(1)
        bar.set_description(f"jmgis od: {len(origins)}×{len(destinations)} times")
        table = od_table(G, origins, destinations)
        bar.update(1)
        table.insert(0, "year", int(year))
        if str(args.out).lower().endswith(".gpkg"):
            network = "the bundled network"
            if settings.network is not None:
                network = settings.network.name
            write_od_lines(od_lines(G, table, f"jmgis od on {network}"), args.out)
        else:
            safe_csv(table, args.out)
        bar.update(1)
    finally:
        bar.close()
    return 0


def od_lines(G, table, source: str):
    """The OD rows as straight lines between the origin's and the destination's node.

    Parameters
    ----------
    G
        The network the nodes are on (``x``/``y`` in its analysis CRS, metres).
    table : pandas.DataFrame
        The rows of :func:`od_table` (with ``year``).
    source : str
        What the rows come from (the ``source`` column).

    Returns
    -------
    geopandas.GeoDataFrame
        The rows of layer ``od_line`` (EPSG:4490): ``minutes``, ``km`` (route length), the
        names, ``line_km`` (straight-line length, km), ``geometry_quality`` ``derived``.
    """
    import geopandas as gpd
    import numpy as np
    import shapely

    def xy(n):
        return (G.nodes[n]["x"], G.nodes[n]["y"])

    pairs = zip(table["origin"], table["destination"], strict=True)
    lines = [shapely.LineString([xy(o), xy(d)]) for o, d in pairs]
    out = gpd.GeoDataFrame(table.copy(), geometry=lines, crs=G.graph["crs"])
    out["line_km"] = np.round([line.length / 1000.0 for line in lines], 3)
    out["geometry_quality"] = "derived"
    out["source"] = source
    return out.to_crs("EPSG:4490")


def write_od_lines(frame, path) -> None:
    """Write the layer ``od_line`` to the GeoPackage ``path`` (atomically, replacing it).

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        The rows of :func:`od_lines`.
    path : str or pathlib.Path
        The GeoPackage.
    """
    from jmgis.atomic import atomic_path
    from jmgis.io.gpkg import write_layer
    from jmgis.layers import columns

    with atomic_path(path) as tmp:
        write_layer(frame[[*columns("od_line"), "geometry"]], tmp, "od_line")
