"""The accessibility layers of the GeoPackage and the CSVs of ``jmgis access``.

Layers (registry ``jmgis/resources/layers/access.yaml``): ``access_township`` (73 rows per
year), ``access_zone`` (population-weighted, by 三区 zone), ``isochrone`` (main hubs),
``access_change`` and ``access_zone_change`` (scenario comparison with the projects that
cause each change).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path

import geopandas as gpd
import pandas as pd

from jmgis.access.measures import worst_served
from jmgis.jiangmen.population import population as settings_population
from jmgis.jiangmen.scenario import Comparison, compare_years
from jmgis.jiangmen.township_access import hub_isochrones, hub_points, profile, zone_summary
from jmgis.layers import columns
from jmgis.tabular import safe_csv

log = logging.getLogger(__name__)

ZONE_CHANGE_COLUMNS = columns("access_zone_change")


def comparison_pairs(years: Sequence[int]) -> list[tuple[int, int]]:
    """Consecutive years, plus first → last when there are more than two."""
    ys = sorted(set(int(y) for y in years))
    pairs = list(pairwise(ys))
    if len(ys) > 2:
        pairs.append((ys[0], ys[-1]))
    return pairs


def change_table(comparison: Comparison) -> pd.DataFrame:
    """``access_change`` rows: list columns joined with ', '."""
    out = comparison.township.copy()
    for col in ("features", "projects"):
        out[col] = out[col].map(", ".join)
    return out


def zone_change_table(comparison: Comparison, year_before: int, year_after: int) -> pd.DataFrame:
    """``access_zone_change`` rows of one comparison.

    Parameters
    ----------
    comparison : Comparison
        The comparison of two years (:func:`jmgis.jiangmen.compare_years`).
    year_before, year_after : int
        Its two scenario years.

    Returns
    -------
    pandas.DataFrame
        One row per zone and target: minutes before, after and saved.
    """
    zone = comparison.zone
    zone = zone[zone["group_kind"] == "zone"].copy()
    zone["year_before"] = int(year_before)
    zone["year_after"] = int(year_after)
    return zone[ZONE_CHANGE_COLUMNS].reset_index(drop=True)


def access_layers(
    years: Sequence[int],
    *,
    isochrones: bool = True,
    townships: gpd.GeoDataFrame | None = None,
    population: pd.DataFrame | None = None,
) -> dict[str, pd.DataFrame]:
    """All accessibility layers for the scenario ``years``.

    Parameters
    ----------
    years
        Scenario years (each 2020–2035).
    isochrones
        Also the hub isochrones (the slowest part).
    townships
        The township layer of the run (a population raster is summed over it).
    population
        Township population for the summaries (default: :func:`population` of the
        settings in effect).

    Returns
    -------
    dict
        ``access_township``, ``access_zone``, ``isochrone`` and, for two or more years,
        ``access_change`` and ``access_zone_change``.
    """
    years = sorted(set(int(y) for y in years))
    if population is None:
        population = settings_population(townships=townships)
    return _cached_access_layers(years, isochrones, townships, population)


def _cached_access_layers(
    years: Sequence[int],
    isochrones: bool,
    townships: gpd.GeoDataFrame | None,
    population: pd.DataFrame | None,
) -> dict[str, pd.DataFrame]:
    """:func:`access_layers` kept in the persistent cache (:mod:`jmgis.cache`).

    :func:`access_layers` kept in the persistent cache (:mod:`jmgis.cache`), keyed by the
    data folder, the township and population frames, the analysis CRS and the years.
    """
    from jmgis import cache
    from jmgis.crs import analysis_crs
    from jmgis.settings import current

    settings = current()
    key = cache.fingerprint(
        [settings.data_dir, settings.network, settings.facilities],
        {
            "what": "access_layers",
            "years": years,
            "isochrones": isochrones,
            "crs": analysis_crs().srs,
            "townships": cache.frame_digest(townships),
            "population": cache.frame_digest(population),
        },
    )
    return cache.for_settings(settings).get_or_build(
        "access", key, lambda: _access_layers(years, isochrones, population)
    )


def _access_layers(
    years: Sequence[int], isochrones: bool, population: pd.DataFrame | None
) -> dict[str, pd.DataFrame]:
    profiles = [profile(y) for y in years]
    township = pd.concat(profiles, ignore_index=True)
    zones = zone_summary(township, population)
    layers: dict[str, pd.DataFrame] = {"access_township": township, "access_zone": zones}
    if isochrones:
        layers["isochrone"] = pd.concat([hub_isochrones(y) for y in years], ignore_index=True)
        layers["isochrone_hub"] = pd.concat([hub_points(y) for y in years], ignore_index=True)
    changes, zone_changes = [], []
    for before, after in comparison_pairs(years):
        comparison = compare_years(before, after, population=population)
        changes.append(change_table(comparison))
        zone_changes.append(zone_change_table(comparison, before, after))
    if changes:
        layers["access_change"] = pd.concat(changes, ignore_index=True)
        layers["access_zone_change"] = pd.concat(zone_changes, ignore_index=True)
    return layers


def write_rasters(
    out_dir: str | Path, years: Sequence[int], target: str = "hsr_station"
) -> list[Path]:
    """GeoTIFFs of minutes to the nearest ``target``, for each year.

    ``target`` is a profile target with several
    candidate nodes: rail_station, hsr_station, port, interchange) for each year, 250 m
    cells in the analysis CRS, nodata outside the city, off-network leg at 15 km/h for up
    to 10 km (:data:`jmgis.jiangmen.township_access.MAX_OFFNET_M`).

    Parameters
    ----------
    out_dir : str or pathlib.Path
        The output folder (files go to ``rasters/`` under it).
    years : Sequence of int
        Scenario years, one raster each.
    target : str
        The profile target.

    Returns
    -------
    list of pathlib.Path
        The GeoTIFFs written.
    """
    from jmgis.access.raster import travel_time_raster
    from jmgis.jiangmen.township_access import (
        MAX_OFFNET_M,
        OFFNET_SPEED_KPH,
        jiangmen_graph,
        targets,
    )

    written = []
    for year in sorted(set(int(y) for y in years)):
        G = jiangmen_graph(year)
        chosen = next(t for t in targets(G) if t.name == target)
        path = Path(out_dir) / f"minutes_to_{target}_{year}.tif"
        travel_time_raster(
            G,
            chosen.nodes,
            path,
            offnet_speed_kph=OFFNET_SPEED_KPH,
            max_offnet_m=MAX_OFFNET_M,
        )
        written.append(path)
    return written


def worst_served_table(township: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """The ``n`` worst-served townships for every target (longest time first).

    Parameters
    ----------
    township : pandas.DataFrame
        The township profile (``t_<target>_min`` columns, minutes).
    n : int
        How many townships per target.

    Returns
    -------
    pandas.DataFrame
        Up to ``n`` rows per target, longest time first.
    """
    rows = []
    for col in [c for c in township.columns if c.startswith("t_") and c.endswith("_min")]:
        worst = worst_served(township, col, n)
        for rank, (_, r) in enumerate(worst.iterrows(), start=1):
            rows.append(
                {
                    "target": col[2:-4],
                    "rank": rank,
                    "code": r.code,
                    "name": r["name"],
                    "year": r.year,
                    "minutes": r[col],
                }
            )
    return pd.DataFrame(rows)


def write_csvs(
    out_dir: str | Path,
    year: int,
    compare: int | None = None,
    *,
    population: pd.DataFrame | None = None,
) -> list[Path]:
    """The CSVs of ``jmgis access``.

    Profile, zone and county summaries for ``year`` (and ``compare``), and with ``compare`` the
    per-township change with its projects, the zone change and the changed features.  UTF-8 with BOM
    so that Excel shows Chinese. ``population`` replaces the bundled township table (see
    :mod:`jmgis.jiangmen.population`).

    Parameters
    ----------
    out_dir : str or pathlib.Path
        The output folder.
    year : int
        Scenario year.
    compare : int or None
        An earlier scenario year to compare with.
    population : pandas.DataFrame or None
        Township population (the bundled table when ``None``).

    Returns
    -------
    list of pathlib.Path
        The CSVs written.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    years = [year] if compare is None else sorted({int(compare), int(year)})
    township = pd.concat([profile(y) for y in years], ignore_index=True)
    tables = {
        "access_township.csv": township,
        "access_zone.csv": zone_summary(township, population),
        "access_county.csv": zone_summary(township, population, by="county"),
        "access_city.csv": zone_summary(township, population, by="city"),
    }
    tables["access_worst_served.csv"] = worst_served_table(township[township.year == int(year)])
    if compare is not None:
        comparison = compare_years(int(compare), int(year), population=population)
        tables["access_change.csv"] = change_table(comparison)
        tables["access_zone_change.csv"] = zone_change_table(comparison, compare, year)
        features = comparison.features.copy()
        features["project_ids"] = features["project_ids"].map(", ".join)
        tables["access_changed_features.csv"] = features
    from jmgis.jiangmen.geo import round_minutes

    written = []
    for name, frame in tables.items():
        path = out / name
        safe_csv(round_minutes(frame), path)  # minutes to 0.1: no 3.1e-13 noise
        written.append(path)
    return written
