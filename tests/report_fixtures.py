"""FIXTURES for the report tests: a synthetic accessibility profile on the real townships.

The minutes are NOT Jiangmen travel times: they are straight-line distances from each
township seat to a few fixed points at an assumed 40 km/h, with a handful of townships
made unreachable, so that the report can be tested before (and independently of) the
real profile of jmgis.access.  The population is synthetic too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from jmgis import admin
from jmgis.report.inputs import ReportInputs

# (lon, lat) of fixture targets; chosen near the real places only to give plausible spreads.
FIXTURE_POINTS = {
    "city_gov": (113.08, 22.58),
    "hsr_station": (113.03, 22.54),
    "port": (112.80, 21.90),
    "guangzhou": (113.27, 23.13),
}
SPEED_KPH = 40.0


def _minutes(lon: np.ndarray, lat: np.ndarray, point: tuple[float, float]) -> np.ndarray:
    dx = (lon - point[0]) * 111.32 * np.cos(np.radians(22.5))
    dy = (lat - point[1]) * 110.57
    return np.hypot(dx, dy) / SPEED_KPH * 60.0


def fixture_townships() -> pd.DataFrame:
    frame = pd.DataFrame(admin.load_townships().drop(columns="geometry"))
    return frame


def fixture_inputs(
    *, years: tuple[int, ...] = (2020, 2025), unreachable: int = 2, rename: dict | None = None
) -> ReportInputs:
    """Synthetic inputs for ``years``; later years are 10 % faster for the first half of
    the townships; the last ``unreachable`` townships cannot reach the port in the first
    year (and can in later years)."""
    towns = fixture_townships()
    if rename:
        towns["name"] = towns["code"].map(rename).fillna(towns["name"])
    lon, lat = towns["seat_lon"].to_numpy(float), towns["seat_lat"].to_numpy(float)
    n = len(towns)
    profiles = {}
    for i, year in enumerate(years):
        profile = pd.DataFrame({"code": towns["code"].astype(str), "year": year})
        for target, point in FIXTURE_POINTS.items():
            t = _minutes(lon, lat, point) + 5.0
            if i:
                t[: n // 2] *= 0.9**i
            if target == "port" and i == 0 and unreachable:
                t[-unreachable:] = np.inf
            profile[f"t_{target}_min"] = t
        profiles[year] = profile
    population = pd.Series(20000.0 + (np.arange(n) * 7919 % 50000), index=towns["code"].astype(str))
    changes = pd.DataFrame(
        {
            "code": towns["code"].astype(str)[: n // 2],
            "target": "",
            "projects": "fixture_project_a",
        }
    )
    projects = pd.DataFrame(
        [
            {
                "project_id": "fixture_project_a",
                "name": "示例项目 <b>甲</b>",
                "kind": "road",
                "status": "planned",
                "open_year": 2024,
                "source": "fixture",
            }
        ]
    )
    keep = ["code", "name", "county_name", "zone_code", "zone_name"]
    return ReportInputs(
        towns[keep].copy(),
        population,
        profiles,
        changes,
        projects,
        ["FIXTURE data: synthetic straight-line minutes, not Jiangmen travel times"],
    )
