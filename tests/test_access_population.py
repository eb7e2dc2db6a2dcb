"""Township population: the bundled table, user tables and raster zonal sums."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

from jmgis.errors import DataError
from jmgis.jiangmen.population import (
    CITY_TOTAL_2020,
    COUNTY_TOTALS_2020,
    HESHAN_2020,
    load_population,
    population_from_raster,
    population_from_table,
)


def test_bundled_table_matches_the_census_totals_and_marks_estimates():
    pop = load_population()
    assert len(pop) == 73 and pop.code.is_unique
    assert pop.population.notna().all() and (pop.population > 0).all()
    assert pop.population.sum() == CITY_TOTAL_2020
    for total in COUNTY_TOTALS_2020:
        assert pop[pop.county_code.astype(str).isin(total.counties)].population.sum() == (
            total.population
        )
    census = pop[pop.status == "census"]
    assert dict(zip(census.code, census.population, strict=True)) == HESHAN_2020
    estimates = pop[pop.status == "estimate"]
    assert len(estimates) == 63
    assert estimates.method.str.contains("estimate").all()
    assert set(pop.status) == {"census", "estimate"}


def test_user_table_accepts_names_and_rejects_bad_rows(tmp_path):
    base = load_population()[["code", "population"]].copy()
    base.loc[0, "code"] = "白沙街道"  # a name the resolver knows
    ok = population_from_table(base)
    assert ok.code.iloc[0] == "440703002" and (ok.status == "user").all()
    bad = base.copy()
    bad.loc[5, "population"] = np.nan
    path = tmp_path / "pop.csv"
    bad.to_csv(path, index=False)
    with pytest.raises(DataError, match=r"pop\.csv, feature row 7.*field 'population'"):
        population_from_table(path)
    with pytest.raises(DataError, match="missing"):
        population_from_table(base.iloc[:70])
    partial = population_from_table(base.iloc[:70], complete=False)
    assert len(partial) == 70
    unknown = base.copy()
    unknown.loc[3, "code"] = "不存在镇"
    with pytest.raises(DataError, match="row 5"):
        population_from_table(unknown)


def test_raster_zonal_sums(tmp_path):
    rasterio = pytest.importorskip("rasterio")
    from affine import Affine

    from jmgis.admin import load_townships

    towns = load_townships()
    towns = towns[towns.county_code == "440704"].to_crs("EPSG:4547")  # 江海区: 3 townships
    minx, miny, maxx, maxy = towns.total_bounds
    cell = 500.0
    width, height = int((maxx - minx) // cell) + 3, int((maxy - miny) // cell) + 3
    transform = Affine(cell, 0, minx - cell, 0, -cell, maxy + cell)
    rng = np.random.default_rng(1)
    values = rng.integers(0, 100, (height, width)).astype("float32")
    values[0, 0] = -1  # nodata
    path = tmp_path / "pop.tif"
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=width,
        height=height,
        count=1,
        dtype="float32",
        crs="EPSG:4547",
        transform=transform,
        nodata=-1,
    ) as dst:
        dst.write(values, 1)
    out = population_from_raster(path, towns)
    cols, rows = np.meshgrid(np.arange(width), np.arange(height))
    xs = transform.c + (cols + 0.5) * cell
    ys = transform.f - (rows + 0.5) * cell
    valid = np.where(values.ravel() < 0, 0, values.ravel())
    for code, geom in zip(towns.code, towns.geometry, strict=True):
        inside = shapely.contains_xy(geom, xs.ravel(), ys.ravel())
        got = out.set_index("code").population[code]
        assert got == pytest.approx(valid[inside].sum())
    assert out.population.sum() + out.attrs["outside_population"] == pytest.approx(valid.sum())
    assert isinstance(out, pd.DataFrame)
