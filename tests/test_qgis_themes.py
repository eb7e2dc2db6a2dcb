"""The project's map themes: what a scenario year's theme and a change theme show."""

from __future__ import annotations

from dataclasses import replace

from jmgis.io.qgis.project import change_theme_name, layer_id, map_themes
from jmgis.io.qgis.styledef import StyledLayer, layer_style
from jmgis.layers import layer_spec


def _entry(name: str, subset: str | None = None, visible: bool | None = None) -> StyledLayer:
    spec = layer_spec(name)
    return replace(StyledLayer(spec, layer_style(spec)), subset=subset, visible=visible)


def _id(entry: StyledLayer) -> str:
    return layer_id(entry.spec.name, entry.geometry_filter, entry.subset)


def test_year_themes_show_the_years_travel_times_and_change_themes_the_changes():
    county = _entry("county")
    towns = {y: _entry("isochrone", f'"year" = {y}', visible=y == 2035) for y in (2020, 2035)}
    hubs = {y: _entry("isochrone_hub", f'"year" = {y}') for y in (2020, 2035)}
    edges = {y: _entry("network_edge", f'"year" = {y}') for y in (2020, 2035)}
    change = _entry(
        "access_change",
        '"target" = \'city_gov\' AND "year_before" = 2020 AND "year_after" = 2035',
    )
    groups = [
        ("行政区划", [county]),
        ("可达性", [*towns.values(), *hubs.values(), *edges.values(), change]),
    ]
    themes = {t.name: t for t in map_themes(groups)}
    for year in (2020, 2035):
        shown = set(themes[f"{year}年"].layers)
        assert {_id(county), _id(towns[year]), _id(hubs[year])} <= shown
        other = 2020 + 2035 - year
        assert _id(towns[other]) not in shown and _id(hubs[other]) not in shown
        # the routing graph would bury the colours; the change lies under the year's fills
        assert _id(edges[year]) not in shown and _id(change) not in shown
    changes = themes[change_theme_name(2020, 2035)]
    assert changes.name == "2020→2035年变化"
    assert set(changes.layers) == {_id(county), _id(change)}
