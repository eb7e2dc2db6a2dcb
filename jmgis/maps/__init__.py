"""Planner-grade folium maps of Jiangmen, saved as self-contained HTML.

One function per map, each returning a :class:`folium.Map` that a notebook displays and a
user can extend; :func:`save` writes one HTML file with Leaflet and the plugins inlined
(no network needed to open it); :func:`build_all` is the ``maps`` step of ``jmgis build``.

=========  =====================================================  ======================
kind       function                                               layers needed
=========  =====================================================  ======================
zones      :func:`jmgis.maps.zones.zones_map`                     township (+ county, city)
=========  =====================================================  ======================
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import folium
import pandas as pd

from jmgis.maps.assets import inline_assets, warn_external
from jmgis.maps.basemap import BASEMAPS
from jmgis.maps.zones import zones_map

log = logging.getLogger(__name__)

__all__ = ["BASEMAPS", "MAP_KINDS", "build_all", "make_map", "save", "zones_map"]

Layers = Mapping[str, pd.DataFrame]


def _zones(layers: Layers, *, basemap: str, year: int | None, review_no: str | None):
    return zones_map(
        layers["township"],
        layers.get("county"),
        layers.get("city"),
        basemap=basemap,
        review_no=review_no,
    )


# kind → (builder, layers that must be present)
MAP_KINDS: dict[str, tuple[Callable[..., folium.Map], tuple[str, ...]]] = {
    "zones": (_zones, ("township",)),
}


def missing_layers(kind: str, layers: Layers) -> list[str]:
    """Layers ``kind`` needs that ``layers`` lacks (empty frames count as missing)."""
    _builder, needed = MAP_KINDS[kind]
    return [name for name in needed if name not in layers or len(layers[name]) == 0]


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


def save(m: folium.Map, path: str | Path, *, inline: bool = True) -> Path:
    """Write ``m`` as one self-contained HTML file (Leaflet and plugins inlined).

    Where the assets are not cached (and cannot be fetched with npm), the file keeps the
    CDN links and a :class:`UserWarning` says so.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    html = m.get_root().render()
    if inline:
        html, external = inline_assets(html)
        warn_external(path, external)
    path.write_text(html, encoding="utf-8")
    return path


def build_all(ctx: Any) -> list[Path]:
    """The ``maps`` build step: every map whose layers are in ``ctx.layers``.

    Maps whose layers are absent are skipped with a log line, so the build works at every
    stage of the project.  Returns the files written under ``ctx.maps_dir``.
    """
    written = []
    for kind in MAP_KINDS:
        missing = missing_layers(kind, ctx.layers)
        if missing:
            log.info("maps: skipping %s.html (no layer %s yet)", kind, ", ".join(missing))
            continue
        m = make_map(kind, ctx.layers, year=max(getattr(ctx, "years", ()) or (None,)))
        written.append(save(m, Path(ctx.maps_dir) / f"{kind}.html"))
    return written
