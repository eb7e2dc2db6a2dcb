"""``jmgis isochrone``: travel-time bands around one place, one polygon per band.

Usage: ``jmgis isochrone PLACE|LON,LAT --minutes 15,30,60 --out FILE.gpkg``; the bands
are written to the layer ``isochrone`` (EPSG:4490).
"""

from __future__ import annotations

import argparse

from jmgis.cli.network_options import add_network_options, network_settings

#: A LON,LAT origin farther than this from a road (metres) is refused (``--max-snap``).
DEFAULT_MAX_SNAP_M = 5000.0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Register the ``jmgis isochrone`` subcommand."""
    p = subparsers.add_parser(
        "isochrone",
        help="travel-time bands around a place (one polygon per band, GeoPackage)",
        description="Areas reachable from PLACE within each band of minutes on the network "
        "of a scenario year: the network time to each node plus an off-network leg at "
        "15 km/h for up to 10 km, 250 m cells, one (multi)polygon per band, EPSG:4490. "
        "PLACE is a township, county, station, port, park or gateway name, or LON,LAT "
        "(CGCS2000 degrees).",
    )
    p.add_argument("place", metavar="PLACE|LON,LAT", help="where the trips start")
    p.add_argument(
        "--minutes", default="15,30,60", help="band limits in minutes (default 15,30,60)"
    )
    p.add_argument("--year", default="2025", help="scenario year, 2020–2035 (default 2025)")
    p.add_argument("--out", metavar="FILE.gpkg", required=True, help="the GeoPackage to write")
    p.add_argument(
        "--max-snap",
        metavar="METRES",
        type=float,
        default=DEFAULT_MAX_SNAP_M,
        help="a LON,LAT farther than this from a road is an error (default 5000)",
    )
    add_network_options(p)
    p.set_defaults(func=run)


def parse_minutes(text: str) -> list[float]:
    """``"15,30,60"`` → ``[15.0, 30.0, 60.0]``; positive, increasing."""
    from jmgis.errors import DataError

    try:
        values = [float(t) for t in text.split(",") if t.strip()]
    except ValueError:
        raise DataError(f"--minutes {text!r}: expected numbers like 15,30,60") from None
    if not values or any(v <= 0 for v in values) or values != sorted(set(values)):
        raise DataError(f"--minutes {text!r}: expected increasing positive minutes")
    return values


def lonlat(text: str) -> tuple[float, float] | None:
    """``"112.79,22.58"`` → ``(112.79, 22.58)``; ``None`` when ``text`` is not two numbers."""
    parts = text.split(",")
    if len(parts) != 2:
        return None
    try:
        lon, lat = float(parts[0]), float(parts[1])
    except ValueError:
        return None
    return lon, lat


def origin_node(G, text: str, max_snap_m: float) -> tuple[str, str]:
    """(node id, name) of the origin, attaching a LON,LAT to the nearest road edge.

    Parameters
    ----------
    G
        The network; a LON,LAT origin is joined to it (``G`` is changed).
    text
        A place name or ``LON,LAT`` in degrees.
    max_snap_m
        Largest distance from a LON,LAT to the nearest road (metres).

    Returns
    -------
    tuple of str
        ``(node id, name)`` of the origin.
    """
    from types import SimpleNamespace

    import shapely

    from jmgis.errors import DataError
    from jmgis.network.route import _attach, place_node

    xy = lonlat(text)
    if xy is None:
        return place_node(G, text)
    lon, lat = xy
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise DataError(f"{text!r} is not LON,LAT in degrees", feature=text)
    place = SimpleNamespace(id=f"{lon:.6f},{lat:.6f}", name=text, point=shapely.Point(lon, lat))
    node = _attach(G, f"poi:{place.id}", place)
    snap = min(d.get("snap_m", d["length_m"]) for _, _, d in G.edges(node, data=True))
    if snap > max_snap_m:
        raise DataError(
            f"{text} is {snap / 1000:.1f} km from the nearest road (more than "
            f"{max_snap_m:g} m): raise --max-snap or choose a point on the network",
            feature=text,
            field="max_snap",
        )
    return node, text


def run(args: argparse.Namespace) -> int:
    """Run ``jmgis isochrone``; return the exit status."""
    import logging

    from jmgis.access.isochrone import isochrones
    from jmgis.cli import progress
    from jmgis.io.gpkg import write_layer
    from jmgis.jiangmen.township_access import MAX_OFFNET_M, OFFNET_SPEED_KPH, jiangmen_graph
    from jmgis.layers import columns
    from jmgis.settings import use
    from jmgis.transport import check_year

    year = check_year(args.year)
    bands = parse_minutes(args.minutes)
    settings = network_settings(args, args.settings)
    bar = progress(None, desc="jmgis isochrone: network", total=3)  # stderr, terminals only
    try:
        with use(settings):
            G = jiangmen_graph(year).copy()
        bar.update(1)
        node, name = origin_node(G, args.place, args.max_snap)
        bar.set_description(f"jmgis isochrone: {len(bands)} bands")
        iso = isochrones(
            G,
            [node],
            bands,
            names=[name],
            cell_m=250.0,
            offnet_speed_kph=OFFNET_SPEED_KPH,
            max_offnet_m=MAX_OFFNET_M,
        )
        bar.update(1)
    finally:
        bar.close()
    iso["band_min"] = bands
    iso["year"] = int(year)
    iso["note"] = (
        f"network time + off-network leg at {OFFNET_SPEED_KPH:g} km/h up to "
        f"{MAX_OFFNET_M / 1000:g} km; 250 m cells"
    )
    network = settings.network.name if settings.network is not None else "the bundled network"
    iso["source"] = f"jmgis isochrone on {network}"
    out = iso[[*columns("isochrone"), "geometry"]].to_crs("EPSG:4490")
    from jmgis.atomic import atomic_path

    with atomic_path(args.out) as tmp:
        write_layer(out, tmp, "isochrone")
    for _, row in out.iterrows():
        logging.getLogger("jmgis").info(
            "%s ≤ %g min: %.1f km²", row["origin_name"], row["band_min"], row["area_km2"]
        )
    return 0
