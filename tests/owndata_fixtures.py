"""Generated "own data" for the --network tests: an OSM XML grid over Jiangmen and the
same grid as a line layer with Chinese class values.

The grid is generated (nothing here claims to be a real road): lines every ``step``
degrees over the city's box, one intermediate vertex between crossings (a degree-2 node
to merge), every fourth line a primary road.  Extras test the cleaning:

- a two-way island of three roads inside the city, not joined to the grid (dropped: not
  in the largest strongly connected part);
- a one-way spur leaving the grid (its end cannot be left: dropped);
- a road far outside the city (clipped).
"""

from __future__ import annotations

import itertools
from pathlib import Path
from xml.sax.saxutils import quoteattr

import geopandas as gpd
import numpy as np
import shapely

BOX = (111.90, 21.40, 113.36, 22.96)


def _grid(step: float) -> tuple[np.ndarray, np.ndarray]:
    lons = np.round(np.arange(BOX[0], BOX[2] + 1e-9, step), 6)
    lats = np.round(np.arange(BOX[1], BOX[3] + 1e-9, step), 6)
    return lons, lats


def grid_osm(
    path: Path,
    step: float = 0.04,
    *,
    with_refs: bool = True,
    plan_ways: dict[str, list[tuple[float, float]]] | None = None,
    transit: bool = False,
) -> dict[str, int]:
    """Write the OSM XML grid; returns counts (``crossings``, ``ways``).

    ``with_refs=False`` leaves the north–south lines without their made-up ``S{i}`` refs (which
    would otherwise collide with real provincial route numbers).  ``plan_ways`` adds
    motorways ``{tags as "k=v;k=v": [(lon, lat), …]}`` along the given points, each end
    joined to the nearest grid crossing (for the plan-matching tests).  ``transit=True``
    adds a made-up high-speed line ``测试高铁`` (``railway=rail``, ``highspeed=yes``, three
    ways) with three named stations, a siding (``service=siding``) and a ferry
    ``测试轮渡`` (``route=ferry``, ``duration=00:25``).
    """
    lons, lats = _grid(step)
    nodes: dict[tuple[float, float], int] = {}

    def nid(lon: float, lat: float) -> int:
        key = (round(lon, 7), round(lat, 7))
        if key not in nodes:
            nodes[key] = len(nodes) + 1
        return nodes[key]

    ways: list[tuple[list[int], dict[str, str]]] = []
    for j, lat in enumerate(lats):
        refs = []
        for i, lon in enumerate(lons):
            refs.append(nid(lon, lat))
            if i < len(lons) - 1:
                refs.append(nid(lon + step / 2, lat))
        kind = "primary" if j % 4 == 0 else "tertiary"
        ways.append((refs, {"highway": kind, "name": f"东西{j}路"}))
    for i, lon in enumerate(lons):
        refs = []
        for j, lat in enumerate(lats):
            refs.append(nid(lon, lat))
            if j < len(lats) - 1:
                refs.append(nid(lon, lat + step / 2))
        kind = "secondary" if i % 4 == 0 else "residential"
        tags = {"highway": kind, "name": f"南北{i}路", **({"ref": f"S{i}"} if with_refs else {})}
        ways.append((refs, tags))
    # a two-way island in the middle of a cell (inside the city, near 江门 urban area)
    cx, cy = lons[len(lons) // 2] + step * 0.3, lats[len(lats) // 2] + step * 0.3
    island = [nid(cx, cy), nid(cx + step * 0.2, cy), nid(cx + step * 0.2, cy + step * 0.2)]
    ways.append((island, {"highway": "residential", "name": "孤岛路"}))
    # a one-way spur out of the grid into a cell
    sx, sy = lons[len(lons) // 2], lats[len(lats) // 2 + 2]
    ways.append(
        (
            [nid(sx, sy), nid(sx + step * 0.3, sy + step * 0.3)],
            {"highway": "service", "oneway": "yes"},
        )
    )
    crossings = np.array([(lon, lat) for lon in lons for lat in lats])
    for spec, points in (plan_ways or {}).items():
        tags = dict(item.split("=", 1) for item in spec.split(";"))
        ends = [
            tuple(crossings[np.argmin(np.hypot(*(crossings - p).T))])
            for p in (points[0], points[-1])
        ]
        line = [ends[0], *points, ends[1]]
        ways.append(([nid(float(x), float(y)) for x, y in line], {"highway": "motorway", **tags}))
    node_tags: dict[int, dict[str, str]] = {}
    if transit:
        line = [(112.60 + 0.02 * k, 22.30 + 0.012 * k) for k in range(26)]
        ids = [nid(x + 0.003, y + 0.001) for x, y in line]
        for a, b in ((0, 9), (9, 18), (18, 25)):
            ways.append(
                (ids[a : b + 1], {"railway": "rail", "highspeed": "yes", "name": "测试高铁",
                                  "maxspeed": "250"})
            )
        for k, name in ((0, "测试南站"), (12, "测试中站"), (25, "测试北站")):
            node_tags[ids[k]] = {"railway": "station", "name": name}
        ways.append(([ids[3], nid(112.67, 22.36)], {"railway": "rail", "service": "siding"}))
        ways.append(
            ([nid(112.905, 22.105), nid(112.93, 22.05), nid(112.955, 21.985)],
             {"route": "ferry", "name": "测试轮渡", "duration": "00:25"})
        )
    # far outside the city (clipped)
    ways.append(([nid(120.0, 30.0), nid(120.01, 30.0)], {"highway": "primary"}))
    _write_osm(
        path, [(i, lon, lat) for (lon, lat), i in nodes.items()], ways, node_tags
    )
    return {
        "crossings": len(lons) * len(lats),
        "ways": len(ways),
        "lons": len(lons),
        "lats": len(lats),
    }


def _write_osm(
    path: Path,
    nodes: list[tuple[int, float, float]],
    ways: list[tuple[list[int], dict[str, str]]],
    node_tags: dict[int, dict[str, str]] | None = None,
) -> None:
    """Write nodes ``(id, lon, lat)`` (degrees) and ways ``(node ids, tags)`` (ids from 1)
    as OSM XML, or as PBF when ``path`` ends in ``.pbf`` (needs pyosmium)."""
    node_tags = node_tags or {}
    if path.name.endswith(".pbf"):
        import osmium
        from osmium.osm.mutable import Node, Way

        path.unlink(missing_ok=True)
        writer = osmium.SimpleWriter(str(path))
        try:
            for i, lon, lat in nodes:
                writer.add_node(Node(id=i, location=(lon, lat), tags=node_tags.get(i, {})))
            for k, (refs, tags) in enumerate(ways, start=1):
                writer.add_way(Way(id=k, nodes=refs, tags=tags))
        finally:
            writer.close()
        return
    with open(path, "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6">\n')
        for i, lon, lat in nodes:
            if i not in node_tags:
                f.write(f'  <node id="{i}" lon="{lon:.7f}" lat="{lat:.7f}"/>\n')
                continue
            f.write(f'  <node id="{i}" lon="{lon:.7f}" lat="{lat:.7f}">\n')
            for key, value in node_tags[i].items():
                f.write(f"    <tag k={quoteattr(key)} v={quoteattr(value)}/>\n")
            f.write("  </node>\n")
        for k, (refs, tags) in enumerate(ways, start=1):
            f.write(f'  <way id="{k}">\n')
            f.writelines(f'    <nd ref="{r}"/>\n' for r in refs)
            for key, value in tags.items():
                f.write(f"    <tag k={quoteattr(key)} v={quoteattr(value)}/>\n")
            f.write("  </way>\n")
        f.write("</osm>\n")


def grid_layer(path: Path, step: float = 0.04) -> gpd.GeoDataFrame:
    """Write the grid as a GeoPackage line layer (EPSG:4490) with the class field
    ``DLDJ`` holding Chinese values (省道, 县道, 乡道) and a speed field ``SJSD`` empty
    except on the first line (80 km/h)."""
    lons, lats = _grid(step)
    lines, classes = [], []
    for j, lat in enumerate(lats):
        lines.append(shapely.LineString([(lon, lat) for lon in lons]))
        classes.append("省道" if j % 4 == 0 else "县道")
    for i, lon in enumerate(lons):
        lines.append(shapely.LineString([(lon, lat) for lat in lats]))
        classes.append("省道" if i % 4 == 0 else "乡道")
    speeds = [80.0] + [None] * (len(lines) - 1)
    frame = gpd.GeoDataFrame(
        {"DLDJ": classes, "SJSD": speeds, "name": [f"路{k}" for k in range(len(lines))]},
        geometry=lines,
        crs="EPSG:4490",
    )
    frame.to_file(path, driver="GPKG")
    return frame


def _city_class(k: int) -> str:
    """OSM ``highway`` of the ``k``-th grid line of :func:`city_osm`."""
    if k % 24 == 0:
        return "primary"
    if k % 8 == 0:
        return "secondary"
    if k % 4 == 0:
        return "tertiary"
    return "residential"


#: OSM ``highway`` of the plan's existing roads drawn by :func:`city_osm`, by plan class.
CITY_PLAN_HIGHWAY = {
    "expressway": "motorway",
    "urban_expressway": "trunk",
    "national": "trunk",
    "provincial": "secondary",
}


def city_osm(
    path: Path,
    spacing_m: float = 330.0,
    *,
    seed: int = 42,
    margin_m: float = 12_000.0,
    drop_fraction: float = 0.2,
    oneway_fraction: float = 0.1,
    interchange_km: float = 6.0,
) -> dict[str, int]:
    """Write a generated OSM file of a whole road network over Jiangmen (XML, or PBF when
    ``path`` ends in ``.pbf``); returns counts (``nodes``, ``ways``, ``crossings``, and
    ``ways_<highway>`` per class).

    Nothing here is a real road.  The layout, seeded and deterministic:

    - a jittered grid of junctions ``spacing_m`` apart (in EPSG:4547) over the city plus
      ``margin_m`` (the part beyond the build's 10 km buffer is clipped), one shape vertex
      between junctions (a degree-2 node to merge); the class of a line by its index:
      every 24th ``primary``, 8th ``secondary``, 4th ``tertiary``, the others
      ``residential``, named ``东西{row}路`` / ``南北{column}路`` (no refs);
    - ``drop_fraction`` of the residential segments missing; residential lines cut into
      ways of 1–8 segments, ``oneway_fraction`` of them one-way (half ``oneway=yes`` in
      their direction of travel, half ``oneway=-1``);
    - the plan's **existing** roads (``data/transport/roads.yaml``) drawn along their
      schematic lines with their ``ref`` and the first part of their name, so the plan
      matching engages: expressways as dual carriageways ``motorway`` (two one-way ways
      50 m apart on their own nodes) joined to the grid by ``motorway_link`` ramps at
      interchanges every ``interchange_km`` and at their ends; urban expressways and
      national routes as ``trunk``, provincial routes as ``secondary``, at grade through
      the grid junctions nearest their line.
    """
    import pyproj
    from scipy.spatial import cKDTree

    from jmgis import admin, transport
    from jmgis.crs import DEFAULT_ANALYSIS_CRS

    rng = np.random.default_rng(seed)
    city = admin.load_city().to_crs(DEFAULT_ANALYSIS_CRS).union_all()
    area = city.buffer(margin_m)
    x0, y0, x1, y1 = area.bounds
    xs = np.arange(x0, x1, spacing_m)
    ys = np.arange(y0, y1, spacing_m)
    ny, nx_ = len(ys), len(xs)
    gx = xs[None, :] + rng.uniform(-0.3, 0.3, (ny, nx_)) * spacing_m
    gy = ys[:, None] + rng.uniform(-0.3, 0.3, (ny, nx_)) * spacing_m
    keep = shapely.contains_xy(area, gx, gy)
    ids = np.zeros((ny, nx_), dtype=np.int64)
    ids[keep] = np.arange(1, int(keep.sum()) + 1)
    px: list[np.ndarray] = [gx[keep]]
    py: list[np.ndarray] = [gy[keep]]
    count = int(keep.sum())

    def new_nodes(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        nonlocal count
        out = np.arange(count + 1, count + 1 + len(x))
        count += len(x)
        px.append(np.asarray(x, dtype=float))
        py.append(np.asarray(y, dtype=float))
        return out

    ways: list[tuple[list[int], dict[str, str]]] = []

    def grid_lines(horizontal: bool) -> None:
        a_ids = ids if horizontal else ids.T
        ax, ay = (gx, gy) if horizontal else (gx.T, gy.T)
        present = (a_ids[:, :-1] > 0) & (a_ids[:, 1:] > 0)
        for k in range(a_ids.shape[0]):
            kind = _city_class(k)
            row = present[k].copy()
            if kind == "residential":
                row &= rng.random(len(row)) >= drop_fraction
            cols = np.flatnonzero(row)
            if not len(cols):
                continue
            # one shape vertex per segment, off the straight line by up to 10 % of it
            mx = (ax[k, cols] + ax[k, cols + 1]) / 2
            my = (ay[k, cols] + ay[k, cols + 1]) / 2
            wobble = rng.uniform(-0.1, 0.1, len(cols)) * spacing_m
            mid = new_nodes(mx if horizontal else mx + wobble, my + wobble if horizontal else my)
            mids = dict(zip(cols.tolist(), mid.tolist(), strict=True))
            runs = np.split(cols, np.flatnonzero(np.diff(cols) > 1) + 1)
            name = f"东西{k}路" if horizontal else f"南北{k}路"
            for run in runs:
                pieces = [run]
                if kind == "residential":
                    cuts = np.cumsum(rng.integers(1, 9, len(run)))
                    pieces = np.split(run, cuts[cuts < len(run)])
                for piece in pieces:
                    refs = [int(a_ids[k, piece[0]])]
                    for c in piece.tolist():
                        refs += [mids[c], int(a_ids[k, c + 1])]
                    tags = {"highway": kind, "name": name}
                    if kind == "residential" and rng.random() < oneway_fraction:
                        if rng.random() < 0.5:
                            tags["oneway"] = "-1"
                        else:
                            tags["oneway"] = "yes"
                            refs.reverse()
                    ways.append((refs, tags))

    grid_lines(True)
    grid_lines(False)

    kept = np.flatnonzero(keep.ravel())
    tree = cKDTree(np.column_stack([gx.ravel()[kept], gy.ravel()[kept]]))
    flat_ids = ids.ravel()[kept]
    roads = transport.load("road").to_crs(DEFAULT_ANALYSIS_CRS)
    drawn = 0
    for road in roads[roads["status"] == "existing"].itertuples():
        highway = CITY_PLAN_HIGHWAY.get(road.road_class)
        clipped = road.geometry.intersection(area)
        if highway is None or clipped.is_empty:
            continue
        tags = {"highway": highway, "name": str(road.name).split("（")[0]}
        if isinstance(road.ref, str) and road.ref:
            tags["ref"] = road.ref
        for part in getattr(clipped, "geoms", [clipped]):
            if part.geom_type != "LineString" or part.length < 4 * spacing_m:
                continue
            drawn += 1
            step = 2 * spacing_m
            at = np.append(np.arange(0.0, part.length, step), part.length)
            pts = shapely.get_coordinates(shapely.line_interpolate_point(part, at))
            if highway != "motorway":
                _, near = tree.query(pts)
                chain = [int(flat_ids[i]) for i in near]
                chain = [n for i, n in enumerate(chain) if i == 0 or n != chain[i - 1]]
                if len(chain) > 1:
                    ways.append((chain, dict(tags)))
                continue
            tangent = np.gradient(pts, axis=0)
            normal = np.column_stack([-tangent[:, 1], tangent[:, 0]])
            normal /= np.maximum(np.hypot(*normal.T), 1e-9)[:, None]
            fwd = new_nodes(*(pts + 25.0 * normal).T)
            bwd = new_nodes(*(pts - 25.0 * normal).T)
            every = max(round(interchange_km * 1000 / step), 1)
            junctions = sorted({*range(0, len(pts), every), len(pts) - 1})
            for a, b in itertools.pairwise(junctions):
                ways.append(([int(n) for n in fwd[a : b + 1]], {**tags, "oneway": "yes"}))
                ways.append(([int(n) for n in bwd[a : b + 1][::-1]], {**tags, "oneway": "yes"}))
            _, near = tree.query(pts[junctions])
            link = {"highway": "motorway_link", "oneway": "yes"}
            for k, i in zip(junctions, near, strict=True):
                g = int(flat_ids[i])
                for carriageway in (fwd, bwd):
                    ways.append(([int(carriageway[k]), g], dict(link)))
                    ways.append(([g, int(carriageway[k])], dict(link)))

    to_lonlat = pyproj.Transformer.from_crs(DEFAULT_ANALYSIS_CRS, "EPSG:4490", always_xy=True)
    lon, lat = to_lonlat.transform(np.concatenate(px), np.concatenate(py))
    _write_osm(
        path,
        list(zip(range(1, count + 1), lon.tolist(), lat.tolist(), strict=True)),
        ways,
    )
    counts = {"nodes": count, "ways": len(ways), "crossings": int(keep.sum()),
              "plan_roads_drawn": drawn}
    for _, tags in ways:
        key = f"ways_{tags['highway']}"
        counts[key] = counts.get(key, 0) + 1
    return counts
