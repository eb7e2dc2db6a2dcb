"""Planner-grade folium maps of Jiangmen, saved as self-contained HTML.

One function per map, each returning a :class:`folium.Map` that a user can extend;
:func:`save` writes one HTML file with Leaflet and the plugins inlined (no network needed
to open it), :func:`to_html` returns it, :func:`show` displays it in a notebook without
any CDN; :func:`build_all` is the ``maps`` step of ``jmgis build``.

=========  =====================================================  ======================
kind       function                                               layers needed
=========  =====================================================  ======================
zones      :func:`jmgis.maps.zones.zones_map`                     township (+ county, city)
plan       :func:`jmgis.maps.plan.plan_map`                       township (+ structure, park)
transport  :func:`jmgis.maps.transport.transport_map`             road or rail
access     :func:`jmgis.maps.access.access_map`                   township, access_township
scenario   :func:`jmgis.maps.access.scenario_map`                 township, access_township
=========  =====================================================  ======================

Optional extras read from the layers: ``isochrone`` (access map) and ``access_raster``
(a GeoTIFF path or ``(image, grid)`` from :func:`jmgis.access.raster.travel_time_raster`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import folium
import pandas as pd

from jmgis.maps.access import access_map, scenario_map
from jmgis.maps.assets import inline_assets, warn_external
from jmgis.maps.basemap import BASEMAPS, SURROUNDINGS
from jmgis.maps.plan import plan_map
from jmgis.maps.transport import transport_map
from jmgis.maps.zones import zones_map

log = logging.getLogger(__name__)

__all__ = [
    "BASEMAPS",
    "MAP_KINDS",
    "access_map",
    "build_all",
    "make_map",
    "plan_map",
    "save",
    "scenario_map",
    "show",
    "to_html",
    "transport_map",
    "zones_map",
]

Layers = Mapping[str, pd.DataFrame]


def _zones(layers: Layers, *, basemap: str, year: int | None, review_no: str | None):
    return zones_map(
        layers["township"],
        layers.get("county"),
        layers.get("city"),
        basemap=basemap,
        review_no=review_no,
        surroundings=layers.get(SURROUNDINGS),
    )


def _plan(layers: Layers, *, basemap: str, year: int | None, review_no: str | None):
    return plan_map(layers, basemap=basemap, review_no=review_no)


def _transport(layers: Layers, *, basemap: str, year: int | None, review_no: str | None):
    from jmgis.transport.vocab import SCENARIO_YEARS

    return transport_map(
        layers, years=SCENARIO_YEARS, year=year, basemap=basemap, review_no=review_no
    )


def _access(layers: Layers, *, basemap: str, year: int | None, review_no: str | None):
    return access_map(
        layers,
        raster_name=layers.get("access_raster_name"),
        year=year,
        raster=layers.get("access_raster"),
        basemap=basemap,
        review_no=review_no,
    )


def _scenario(layers: Layers, *, basemap: str, year: int | None, review_no: str | None):
    return scenario_map(layers, year_to=year, basemap=basemap, review_no=review_no)


# kind → (builder, layers that must be present; "a|b" = either)
MAP_KINDS: dict[str, tuple[Callable[..., folium.Map], tuple[str, ...]]] = {
    "zones": (_zones, ("township",)),
    "plan": (_plan, ("township", "structure|park")),
    "transport": (_transport, ("road|rail",)),
    "access": (_access, ("township", "access_township")),
    "scenario": (_scenario, ("township", "access_township")),
}


def missing_layers(kind: str, layers: Layers) -> list[str]:
    """Layers ``kind`` needs that ``layers`` lacks (empty frames count as missing)."""
    _builder, needed = MAP_KINDS[kind]

    def has(name: str) -> bool:
        return name in layers and layers[name] is not None and len(layers[name]) > 0

    return [need for need in needed if not any(has(name) for name in need.split("|"))]


def make_map(
    kind: str,
    layers: Layers,
    *,
    basemap: str = "none",
    year: int | None = None,
    review_no: str | None = None,
) -> folium.Map:
    """Build map ``kind`` from a dict of layers (name → GeoDataFrame)."""
    from jmgis.errors import JmgisError

    if kind not in MAP_KINDS:
        raise JmgisError(f"unknown map {kind!r}; choose one of {', '.join(MAP_KINDS)}")
    missing = missing_layers(kind, layers)
    if missing:
        raise JmgisError(f"map {kind!r} needs the layer(s) {', '.join(missing)}")
    builder, _needed = MAP_KINDS[kind]
    return builder(layers, basemap=basemap, year=year, review_no=review_no)


def to_html(m: folium.Map, *, inline: bool = True, warn_as: str | Path = "map") -> str:
    """The map as one HTML document, Leaflet and plugins inlined (see :func:`save`)."""
    text = m.get_root().render()
    if inline:
        text, external = inline_assets(text)
        warn_external(warn_as, external)
    return text


class _Frame:
    """What :func:`show` returns: notebooks render it through ``_repr_html_``."""

    def __init__(self, page: str, height: int):
        self.page, self.height = page, int(height)

    def _repr_html_(self) -> str:
        from html import escape

        return (
            f'<iframe srcdoc="{escape(self.page, quote=True)}" '
            f'style="width:100%;height:{self.height}px;border:none"></iframe>'
        )


def show(m: folium.Map, *, height: int = 600) -> _Frame:
    """Display ``m`` in a notebook without any CDN (folium's own display loads Leaflet from
    jsDelivr, which is blank on networks that block it): an iframe with the inlined page."""
    return _Frame(to_html(m), height)


def save(m: folium.Map, path: str | Path, *, inline: bool = True) -> Path:
    """Write ``m`` as one self-contained HTML file (Leaflet and plugins inlined).

    Where the assets are not cached (and cannot be fetched with npm), the file keeps the
    CDN links and a :class:`UserWarning` says so.
    """
    from jmgis.atomic import atomic_write_text

    path = Path(path)
    return atomic_write_text(path, to_html(m, inline=inline, warn_as=path))


def build_all(ctx: Any) -> list[Path]:
    """The ``maps`` build step: every map whose layers are in ``ctx.layers``.

    Maps whose layers are absent are skipped with a log line, so the build works at every
    stage of the project.  Returns the files written under ``ctx.maps_dir``.
    """
    written = []
    for kind in MAP_KINDS:
        missing = missing_layers(kind, ctx.layers)
        if missing:
            needs = ", ".join(missing).replace("|", " or ")
            log.info("maps: skipping %s.html (no layer %s yet)", kind, needs)
            continue
        if kind == "scenario" and ctx.layers["access_township"]["year"].nunique() < 2:
            log.info("maps: skipping scenario.html (access_township has fewer than two years)")
            continue
        layers = dict(ctx.layers)
        if kind == "access":
            layers.update(raster_from(getattr(ctx, "written", [])))
        m = make_map(kind, layers)
        written.append(save(m, Path(ctx.maps_dir) / f"{kind}.html"))
    return written


_RASTER_NAME = re.compile(r"^minutes_to_(?P<target>\w+?)_(?P<year>\d{4})\.tif$")


def raster_from(written: list[Path]) -> dict[str, object]:
    """The latest-year travel-time GeoTIFF the access step wrote
    (``minutes_to_<target>_<year>.tif``), as ``access_raster`` for the access map."""
    rasters = [
        (int(match["year"]), match["target"], Path(path))
        for path in written
        if (match := _RASTER_NAME.match(Path(path).name))
    ]
    if not rasters:
        return {}
    year, target, path = max(rasters)
    from jmgis.maps.access import column_label

    name = f"出行时间栅格（{year}年 {column_label(f't_{target}_min')}）"
    return {"access_raster": path, "access_raster_name": name}
