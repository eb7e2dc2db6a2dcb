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
    with open(path, "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6">\n')
        for (lon, lat), i in nodes.items():
            if i not in node_tags:
                f.write(f'  <node id="{i}" lon="{lon:.7f}" lat="{lat:.7f}"/>\n')
                continue
            f.write(f'  <node id="{i}" lon="{lon:.7f}" lat="{lat:.7f}">\n')
            for key, value in node_tags[i].items():
                f.write(f"    <tag k={quoteattr(key)} v={quoteattr(value)}/>\n")
            f.write("  </node>\n")
        for k, (refs, tags) in enumerate(ways, start=1):
            f.write(f'  <way id="{k}">\n')
            for r in refs:
                f.write(f'    <nd ref="{r}"/>\n')
            for key, value in tags.items():
                f.write(f"    <tag k={quoteattr(key)} v={quoteattr(value)}/>\n")
            f.write("  </way>\n")
        f.write("</osm>\n")
    return {
        "crossings": len(lons) * len(lats),
        "ways": len(ways),
        "lons": len(lons),
        "lats": len(lats),
    }


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
