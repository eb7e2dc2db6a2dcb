"""Synthetic map layers shared by the map tests (a helper module, not a test module).

The layers are small grids and lines with the admin, transport and plan contracts' columns,
so the map tests run without the bundled data; ``HOSTILE`` holds markup payloads that must
stay text. ``geojson_blocks`` and ``shows`` read a saved folium page without a browser.
"""

from __future__ import annotations

import json
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import box

from jmgis.maps.display import escape, js_literal

ZONES = {"core": "都市核心区", "bay": "大广海湾区", "eco": "生态发展区"}


def fixture_townships(names: list[str] | None = None) -> gpd.GeoDataFrame:
    """A 4 × 3 grid of synthetic 'townships' over Jiangmen in three counties."""
    rows = []
    x0, y0, step = 112.3, 21.9, 0.2
    counties = [("440703", "蓬江区"), ("440781", "台山市"), ("440785", "恩平市")]
    zones = ["core", "bay", "eco"]
    for i in range(4):
        for j in range(3):
            n = i * 3 + j
            code_c, name_c = counties[j]
            zone = zones[(i + j) % 3]
            geom = box(x0 + i * step, y0 + j * step, x0 + (i + 1) * step, y0 + (j + 1) * step)
            rows.append(
                {
                    "code": f"{code_c}{100 + n:03d}",
                    "name": names[n] if names and n < len(names) else f"测试镇{n}",
                    "kind": "镇",
                    "county_code": code_c,
                    "county_name": name_c,
                    "zone_code": zone,
                    "zone_name": ZONES[zone],
                    "policy_zone_codes": "bay" if n in (0, 5) and zone != "bay" else "",
                    "seat_lon": geom.centroid.x,
                    "seat_lat": geom.centroid.y,
                    "area_km2": 450.0,
                    "geometry_quality": "schematic",
                    "source": "fixture",
                    "geometry": shapely.MultiPolygon([geom]),
                }
            )
    return gpd.GeoDataFrame(rows, crs="EPSG:4490")


def fixture_counties(townships: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    counties = townships.dissolve("county_code", as_index=False)
    return gpd.GeoDataFrame(
        {
            "code": counties["county_code"],
            "name": counties["county_name"],
            "name_en": "x",
            "area_km2": 1.0,
            "source": "fixture",
        },
        geometry=counties.geometry,
        crs="EPSG:4490",
    )


def fixture_layers(names: list[str] | None = None) -> dict[str, gpd.GeoDataFrame]:
    townships = fixture_townships(names)
    counties = fixture_counties(townships)
    city = gpd.GeoDataFrame(
        {"code": ["440700"], "name": ["江门市"], "area_km2": [1.0], "source": ["fixture"]},
        geometry=[counties.union_all()],
        crs="EPSG:4490",
    )
    return {"township": townships, "county": counties, "city": city}


HOSTILE = [
    "<script>window.__pwned=1</script>",
    '"><img src=x onerror="window.__pwned=2">',
    "'; window.__pwned=3; '",
    "</script><script>window.__pwned=4</script>",
]


def fixture_transport() -> dict[str, gpd.GeoDataFrame]:
    """Synthetic roads, rail and points with the transport layers' columns and statuses."""
    line = shapely.LineString
    roads = gpd.GeoDataFrame(
        {
            "road_id": ["r_a", "r_b", "r_c", "r_d"],
            "name": ["甲高速", "乙快速路", "丙国道", "丁远景路"],
            "ref": ["G1", "", "G325", ""],
            "road_class": ["expressway", "urban_expressway", "national", "provincial"],
            "schemes": ["六纵六横两联一展望:纵1", "", "七纵八横:横2", ""],
            "status": ["existing", "under_construction", "planned", "conceptual"],
            "open_year": [2010, 2024, 2030, None],
            "geometry_quality": "schematic",
            "source": "000:1384",
        },
        geometry=[
            line([(112.3, 22.0), (113.0, 22.4)]),
            line([(112.5, 21.95), (112.5, 22.45)]),
            line([(112.4, 22.3), (113.05, 22.3)]),
            line([(112.9, 21.95), (112.9, 22.45)]),
        ],
        crs="EPSG:4490",
    )
    rail = gpd.GeoDataFrame(
        {
            "rail_id": ["l_a", "l_b"],
            "name": ["甲高铁", "乙城际"],
            "kind": ["hsr", "intercity"],
            "status": ["existing", "planned"],
            "open_year": [2018, 2028],
            "speed_kph": [250.0, 160.0],
            "geometry_quality": "schematic",
            "source": "000:260",
        },
        geometry=[line([(112.3, 22.2), (113.1, 22.2)]), line([(112.7, 21.9), (112.7, 22.5)])],
        crs="EPSG:4490",
    )
    stations = gpd.GeoDataFrame(
        {
            "station_id": ["s_a", "s_b"],
            "name": ["甲站", "乙站"],
            "kind": ["hsr", "intercity"],
            "status": ["existing", "planned"],
            "open_year": [2018, 2028],
            "source": "000:260",
        },
        geometry=[shapely.Point(112.6, 22.2), shapely.Point(112.7, 22.1)],
        crs="EPSG:4490",
    )
    return {"road": roads, "rail": rail, "station": stations}


def fixture_plan() -> dict[str, gpd.GeoDataFrame]:
    structure = gpd.GeoDataFrame(
        {
            "id": ["core_a", "belt_a", "axis_a", "area_a"],
            "name": ["一核", "沿海发展带", "发展轴一", "组团"],
            "kind": ["core", "belt", "axis", "area"],
            "pattern": "一核两带三轴线",
            "positioning": "",
            "geometry_quality": "schematic",
            "placed_by": "fixture",
            "source": "000_6d1849548a3b7443.txt:120",
        },
        geometry=[
            shapely.Point(113.0, 22.45),
            shapely.LineString([(112.3, 21.95), (113.1, 22.05)]),
            shapely.LineString([(112.4, 22.45), (113.0, 22.0)]),
            box(112.55, 22.25, 112.7, 22.4),
        ],
        crs="EPSG:4490",
    )
    parks = gpd.GeoDataFrame(
        {
            "id": ["p_a", "p_b", "p_c"],
            "name": ["甲高新区", "乙产业园", "丙园区"],
            "kind": ["high_tech_zone", "industrial_park", "logistics_hub"],
            "level": ["national", "provincial", "unknown"],
            "industries": ["新一代信息技术、高端装备", "新材料", ""],
            "status_text": ["建设", "扩园", ""],
            "placement": ["seat_of", "in_county", ""],
            "township_names": ["测试镇1", "测试镇2", "测试镇3"],
            "geometry_quality": "derived",
            "placed_by": "fixture",
            "source": "000:300",
        },
        geometry=[
            shapely.Point(112.9, 22.4),
            shapely.Point(112.5, 22.2),
            shapely.Point(112.7, 22.0),
        ],
        crs="EPSG:4490",
    )
    return {"structure": structure, "park": parks}


def fixture_access(townships: gpd.GeoDataFrame) -> pd.DataFrame:
    """Minutes per township for 2020 and 2035 (2035 faster by 0–24 minutes)."""
    n = len(townships)
    before = np.linspace(10.0, 100.0, n)
    after = before - np.arange(n) * 2.0
    return pd.DataFrame(
        {
            "code": list(townships["code"]) * 2,
            "year": [2020] * n + [2035] * n,
            "minutes": np.concatenate([before, after]),
            "source": "jmgis.access fixture",
        }
    )


def geojson_blocks(html: str) -> list[dict]:
    """The GeoJSON FeatureCollections folium embedded in the page."""
    blocks = []
    for match in re.finditer(r"_add\((\{\"features\".*?\})\);\n", html, re.S):
        try:
            blocks.append(json.loads(match.group(1)))
        except json.JSONDecodeError:
            continue
    return blocks


def shows(html: str, text: str) -> bool:
    """``text`` is in the page: literally, as a JSON string, or HTML-escaped in a JS literal."""
    forms = {text, json.dumps(text)[1:-1], js_literal(escape(text))[1:-1], js_literal(text)[1:-1]}
    return any(form in html for form in forms)
