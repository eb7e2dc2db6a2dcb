"""The polished project in real QGIS 3.22: measurements, rasters, map themes, layouts.

The fixture is the real administrative layers plus two travel-time GeoTIFFs written by
:func:`jmgis.access.raster.write_geotiff` (with unreachable ``inf`` cells), put into the
project by :func:`jmgis.io.qgis.write_qgis`; QGIS opens the ``.qgz`` in a subprocess
(``tests/qgis_probe.py polish``) and exports every layout to PNG and PDF.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest
import rasterio
from pyproj import Geod

from jmgis import style
from jmgis.access.raster import NODATA, Grid, write_geotiff
from jmgis.io.gpkg import write_gpkg
from jmgis.io.qgis import write_qgis
from jmgis.jiangmen.township_access import hub_points
from tests.clients import require_qgis
from tests.qgis_probe import run_probe

REVIEW_NO = "粤S（2026）001号"
YEARS = (2020, 2035)


def _grid() -> Grid:
    mask = np.ones((40, 40), bool)
    mask[:5] = False  # "sea": outside the land polygon
    return Grid(
        left=380_000.0,
        top=2_520_000.0,
        cell_m=2500.0,
        width=40,
        height=40,
        crs="EPSG:4547",
        mask=mask,
    )


def _image(grid: Grid, scale: float) -> np.ndarray:
    values = np.linspace(0.0, 150.0 * scale, int(grid.mask.sum())).astype("float32")
    values[100:140] = np.inf  # land cells no facility can be reached from
    return grid.to_image(values)


def test_rasters_hold_nodata_never_inf_and_finite_statistics(tmp_path):
    grid = _grid()
    image = _image(grid, 1.0)
    path = write_geotiff(image, grid, tmp_path / "t.tif")
    with rasterio.open(path) as src:
        data = src.read(1)
        tags = src.tags()
        band = src.tags(1)
        assert src.nodata == NODATA
    assert np.isfinite(data).all()
    assert (data[np.isinf(image)] == NODATA).all()
    assert (data[~grid.mask] == NODATA).all()
    reachable = np.isfinite(image) & grid.mask
    np.testing.assert_array_equal(data[reachable], image[reachable])
    assert int(tags["unreachable_cells"]) == int(np.isinf(image).sum())
    assert float(band["STATISTICS_MAXIMUM"]) == pytest.approx(image[reachable].max())
    assert float(band["STATISTICS_MEAN"]) == pytest.approx(image[reachable].mean(), rel=1e-5)


def _deliverable(folder, review_no):
    from jmgis import admin

    layers = dict(admin.layers())
    gpkg = write_gpkg(layers, folder / "jiangmen.gpkg")
    grid = _grid()
    tifs = [
        write_geotiff(_image(grid, 1.0 + i), grid, folder / f"minutes_to_hsr_station_{year}.tif")
        for i, year in enumerate(YEARS)
    ]
    write_qgis(gpkg, layers, qgz=folder / "jiangmen.qgz", rasters=tifs, review_no=review_no)
    return folder / "jiangmen.qgz"


@pytest.fixture(scope="module")
def polished(tmp_path_factory):
    python = require_qgis()
    folder = tmp_path_factory.mktemp("polished")
    qgz = _deliverable(folder, REVIEW_NO)
    exports = tmp_path_factory.mktemp("exports")
    return run_probe(python, "polish", qgz, exports)


@pytest.mark.qgis
def test_project_measures_on_the_cgcs2000_ellipsoid_in_metres_and_km2(polished):
    assert polished["read"] and polished["qgis_messages"] == []
    assert polished["ellipsoid"] == "EPSG:1024"
    assert polished["distance_units"] == "meters"
    assert polished["area_units"] == "square kilometers"
    # 台城 → 江门市政府: QGIS measures the geodesic in metres on CGCS2000, not degrees
    geod = Geod(a=6378137.0, rf=298.257222101)
    _, _, expected = geod.inv(112.794, 22.252, 113.081, 22.579)
    assert polished["measured_m"] == pytest.approx(expected, abs=1.0)


@pytest.mark.qgis
def test_rasters_are_in_the_project_with_the_web_map_classes_and_finite_statistics(polished):
    rasters = polished["rasters"]
    assert len(rasters) == len(YEARS)
    expected_colours = [*style.ACCESS_COLORS, style.ACCESS_BEYOND_COLOR]
    for name, info in rasters.items():
        assert info["valid"], name
        assert info["crs"] == "EPSG:4547"
        assert info["renderer"] == "singlebandpseudocolor"
        assert info["nodata"] == NODATA
        assert info["finite"], info
        assert 0 <= info["min"] <= info["mean"] <= info["max"] < 1000
        assert [c["color"] for c in info["classes"]] == expected_colours
        uppers = [float(c["value"]) for c in info["classes"]]
        assert uppers == [*map(float, style.ACCESS_BREAKS_MIN), math.inf]


@pytest.mark.qgis
def test_a_map_theme_per_scenario_year_shows_that_years_raster(polished):
    themes = polished["themes"]
    rasters = list(polished["rasters"])
    for year in YEARS:
        shown = themes[f"{year}年"]
        assert [r for r in rasters if r in shown] == [r for r in rasters if str(year) in r]
        assert "江门市" in shown
    assert {"三区图", "综合交通图"} <= set(themes)
    assert "乡镇（街道）" in themes["三区图"]


@pytest.mark.qgis
def test_three_a3_layouts_with_their_furniture_export_to_non_blank_png_and_pdf(polished):
    layouts = polished["layouts"]
    assert set(layouts) == {"A3 三区图", "A3 综合交通图", "A3 可达性图"}
    for name, layout in layouts.items():
        assert layout["page_mm"] == [420.0, 297.0], name
        assert layout["png_ok"] and layout["pdf_ok"], name
        assert layout["png_colours"] > 50, name  # a drawn map, not a blank page
        assert layout["pdf_bytes"] > 20_000, name
        by_class = {}
        for item in layout["items"]:
            by_class.setdefault(item["class"], []).append(item)
            if item["class"].startswith("QgsLayoutItem") and item["class"] != "QgsLayoutItemPage":
                left, top, right, bottom = item["box_mm"]
                # nothing runs off the sheet (a long legend, a mis-scaled bar)
                assert left >= 0 and top >= 0, (name, item)
                assert right <= 420.5 and bottom <= 297.5, (name, item)
        (map_item,) = by_class["QgsLayoutItemMap"]
        assert map_item["follows"] and map_item["theme"] in polished["themes"]
        assert map_item["layers"] >= 3
        assert by_class["QgsLayoutItemLegend"][0]["rows"] >= 1
        (bar,) = by_class["QgsLayoutItemScaleBar"]
        assert bar["units"] == "kilometers"
        # a true bar: each segment's km is what its millimetres measure at the map's scale
        step_km = bar["units_per_segment"] / bar["map_units_per_unit"]
        assert step_km >= 1 and step_km == round(step_km), bar  # labels 0, 10, 20 … km
        bar_km = step_km * bar["segments"]
        assert bar["map_ground_km"] / 20 <= bar_km <= bar["map_ground_km"] / 3, bar
        assert bar["width_mm"] <= bar["map_width_mm"] / 2, bar  # drawn inside the map
        assert all(p["valid"] for p in by_class["QgsLayoutItemPicture"])  # north arrow
        texts = " ".join(i["text"] for i in by_class["QgsLayoutItemLabel"])
        assert "江门市" in texts and "示意图" in texts
        assert "CGCS2000" in texts and "数据来源" in texts
        assert f"审图号：{REVIEW_NO}" in texts
    assert layouts["A3 可达性图"]["items"]
    year_map = next(i for i in layouts["A3 可达性图"]["items"] if i["class"] == "QgsLayoutItemMap")
    assert year_map["theme"] == f"{max(YEARS)}年"


@pytest.mark.qgis
def test_no_review_number_is_printed_unless_one_was_issued(tmp_path):
    from jmgis.io.qgis.project import read_project_from_gpkg

    _deliverable(tmp_path, None)
    qgs = read_project_from_gpkg(tmp_path / "jiangmen.gpkg")
    assert "审图号" not in qgs
    assert qgs.count("示意图 · ") == 3


@pytest.mark.qgis
def test_zone_colours_stay_true_under_the_structure_areas(tmp_path):
    """Structure areas are drawn as outlines: a bay township under one is still bay blue."""
    from jmgis import admin, catalog

    python = require_qgis()
    layers = dict(admin.layers())
    layers["structure"] = catalog.layers()["structure"]
    gpkg = write_gpkg(layers, tmp_path / "jiangmen.gpkg")
    write_qgis(gpkg, layers)
    seen = run_probe(python, "project", f"geopackage:{gpkg}?projectName=jiangmen")["layers"]
    areas = [i for i in seen.values() if "layername=structure|geometrytype=Polygon" in i["source"]]
    assert areas and areas[0]["valid"]
    for category in areas[0]["renderer"]["categories"]:
        symbol = category["symbol"]
        assert symbol["alpha"] == 0.0, category  # no fill over the 三区 colours
        assert symbol["outline_color"] and not symbol["outline_color"].endswith(",0")


@pytest.mark.qgis
def test_isochrones_are_one_labelled_layer_per_hub_and_year_in_the_year_themes(tmp_path):
    import geopandas as gpd
    import shapely

    from jmgis import admin

    python = require_qgis()
    layers = dict(admin.layers())
    rows = []
    for year in YEARS:
        for hub, x in (("江门站", 113.05), ("市政府", 113.08)):
            for band in (15.0, 30.0):
                rows.append(
                    {
                        "origin": f"n:{hub}",
                        "origin_name": hub,
                        "year": year,
                        "band_min": band,
                        "area_km2": band,
                        "note": "",
                        "source": "test",
                        "geometry": shapely.Point(x, 22.6).buffer(band / 500),
                    }
                )
    layers["isochrone"] = gpd.GeoDataFrame(rows, geometry="geometry", crs=4490)
    layers["isochrone_hub"] = pd.concat([hub_points(y) for y in YEARS], ignore_index=True)
    gpkg = write_gpkg(layers, tmp_path / "jiangmen.gpkg")
    write_qgis(gpkg, layers, qgz=tmp_path / "jiangmen.qgz")
    seen = run_probe(python, "project", str(tmp_path / "jiangmen.qgz"))["layers"]
    entries = {
        i["name"]: i for i in seen.values() if re.search(r"layername=isochrone(\||$)", i["source"])
    }
    hub_entries = {i["name"]: i for i in seen.values() if "layername=isochrone_hub" in i["source"]}
    assert len(entries) == 2 * len(YEARS)
    for name, info in entries.items():
        assert info["valid"] and info["feature_count"] == 2, name  # one hub, one year
        hubs = {f["origin_name"] for f in info["features"].values()}
        assert len(hubs) == 1 and hubs.pop() in name
        assert info["labels"]["field"] == "origin_name"
        assert info["renderer"]["type"] == "graduatedSymbol"
    # the hubs: one marker layer per year, a star labelled with the hub's name
    assert len(hub_entries) == len(YEARS)
    for name, info in hub_entries.items():
        assert info["valid"] and info["feature_count"] == 3, name
        assert {f["origin_name"] for f in info["features"].values()} == {
            "江门站",
            "广海湾港区",
            "江门市人民政府",
        }
        assert info["labels"]["field"] == "origin_name"
        assert info["renderer"]["type"] == "singleSymbol"
        assert info["renderer"]["symbol"]["shape"] == style.POINT_SYMBOLS["isochrone_hub"]["shape"]
    themes = run_probe(python, "polish", tmp_path / "jiangmen.qgz", tmp_path)["themes"]
    for year in YEARS:
        shown = [n for n in themes[f"{year}年"] if n in entries]
        assert len(shown) == 2 and all(str(year) in n for n in shown)
        hubs_shown = [n for n in themes[f"{year}年"] if n in hub_entries]
        assert len(hubs_shown) == 1 and str(year) in hubs_shown[0]
