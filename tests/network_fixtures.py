"""A small synthetic network shared by the network tests (a helper module, not a test module).

Geography (EPSG:4490, near 113°E 22.5°N): a mainland with three seats joined by a
national road, an expressway reachable only at an interchange, a provincial road planned
for 2025, a high-speed and an urban rail line, and an island seat reached by a ferry.
"""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import shapely
from shapely.geometry import LineString, Point, box

from jmgis.network.build import assemble_graph

CRS = "EPSG:4490"
LAND = shapely.union_all([box(112.9, 22.38, 113.25, 22.75), box(113.0, 22.28, 113.1, 22.35)])


def lines(rows):
    records = []
    for r in rows:
        coords = r.pop("coords")
        records.append({**r, "geometry": LineString(coords)})
    return gpd.GeoDataFrame(records, crs=CRS)


def points(rows):
    records = []
    for r in rows:
        xy = r.pop("xy")
        records.append({**r, "geometry": Point(xy)})
    return gpd.GeoDataFrame(records, crs=CRS)


def fixture_layers() -> dict[str, gpd.GeoDataFrame]:
    src = "test fixture"
    road = lines(
        [
            dict(
                road_id="N1",
                name="国道一",
                ref="G1",
                road_class="national",
                coords=[
                    (112.98, 22.50),
                    (113.00, 22.50),
                    (113.05, 22.50),
                    (113.10, 22.50),
                    (113.12, 22.50),
                ],
                status="existing",
                open_year=None,
            ),
            dict(
                road_id="E1",
                name="高速一",
                ref="G99",
                road_class="expressway",
                coords=[(113.06, 22.40), (113.06, 22.55), (113.06, 22.70)],
                status="existing",
                open_year=None,
            ),
            dict(
                road_id="C1",
                name="县道到码头",
                ref=None,
                road_class="county",
                coords=[(113.05, 22.50), (113.05, 22.42)],
                status="existing",
                open_year=None,
            ),
            dict(
                road_id="C2",
                name="县道北",
                ref=None,
                road_class="county",
                coords=[(113.10, 22.50), (113.05, 22.60)],
                status="existing",
                open_year=None,
            ),
            dict(
                road_id="P1",
                name="省道新线",
                ref="S9",
                road_class="provincial",
                coords=[(113.00, 22.50), (113.05, 22.60)],
                status="planned",
                open_year=2025,
            ),
            dict(
                road_id="I1",
                name="岛上路",
                ref=None,
                road_class="township",
                coords=[(113.05, 22.33), (113.05, 22.30)],
                status="existing",
                open_year=None,
            ),
        ]
    )
    road["source"] = src
    road["geometry_quality"] = "schematic"
    rail = lines(
        [
            dict(
                line_id="R1",
                name="高铁一",
                kind="hsr",
                speed_kph=200.0,
                coords=[(113.00, 22.52), (113.10, 22.52)],
            ),
            dict(
                line_id="R2",
                name="轨道一",
                kind="urban",
                speed_kph=None,
                coords=[(113.10, 22.52), (113.10, 22.62)],
            ),
        ]
    )
    station = points(
        [
            dict(station_id="S1", name="西站", xy=(113.00, 22.52)),
            dict(station_id="S2", name="东站", xy=(113.10, 22.52)),
            dict(station_id="S3", name="北站", xy=(113.10, 22.62)),
        ]
    )
    ferry = lines(
        [
            dict(
                ferry_id="F1",
                name="海岛航线",
                crossing_min=30,
                headway_min=60,
                coords=[(113.05, 22.42), (113.05, 22.33)],
            )
        ]
    )
    port = points([dict(port_id="PT1", name="岛码头", xy=(113.05, 22.33))])
    interchange = points([dict(interchange_id="X1", name="一号互通", xy=(113.06, 22.55))])
    gateway = points([dict(gateway_id="east", name="东城", xy=(113.20, 22.50))])
    airport = points([dict(airport_id="A1", name="通用机场", xy=(113.00, 22.45))])
    for frame in (rail, station, ferry, port, interchange, gateway, airport):
        frame["source"] = src
    return dict(
        road=road,
        rail=rail,
        station=station,
        ferry=ferry,
        port=port,
        interchange=interchange,
        gateway=gateway,
        airport=airport,
    )


def fixture_seats() -> gpd.GeoDataFrame:
    return points(
        [
            dict(code="100000001", name="甲镇", xy=(113.001, 22.501)),
            dict(code="100000002", name="乙镇", xy=(113.101, 22.499)),
            dict(code="100000003", name="丙镇", xy=(113.05, 22.601)),
            dict(code="100000004", name="海岛镇", xy=(113.05, 22.302)),
        ]
    )


def exists(frame, year):
    """The scenario rule of issue 4, for fixture frames."""
    if "open_year" not in frame:
        return frame
    keep = (frame["status"] == "existing") | (frame["open_year"].fillna(9999) <= year)
    return frame[keep]


def fixture_graph(year=2020, modes=("road", "rail", "ferry"), **kw) -> nx.MultiDiGraph:
    layers = {k: exists(v, year) for k, v in fixture_layers().items()}
    return assemble_graph(layers, fixture_seats(), year=year, modes=modes, land=LAND, **kw)
