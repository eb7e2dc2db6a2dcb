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
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import folium
import pandas as pd

from jmgis.maps.access import access_map, scenario_map
from jmgis.maps.assets import inline_assets, warn_external
from jmgis.maps.basemap import BASEMAPS, SURROUNDINGS
from jmgis.maps.compose import JmMap, add_layer, finalise
from jmgis.maps.plan import plan_map
from jmgis.maps.render import render_verbatim
from jmgis.maps.transport import transport_map
from jmgis.maps.zones import zones_map
from jmgis.settings import current
from jmgis.vocab import FACILITY_LAYERS
from jmgis.vocab import MAP_KINDS as MAP_KIND_NAMES

log = logging.getLogger(__name__)

__all__ = [
    "BASEMAPS",
    "MAP_KINDS",
    "JmMap",
    "access_map",
    "add_layer",
    "build_all",
    "finalise",
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


def _zones(
    layers: Layers,
    *,
    basemap: str,
    year: int | None,
    review_no: str | None,
    years: tuple[int, ...],
    compare: int | None = None,
):
    return zones_map(
        layers["township"],
        layers.get("county"),
        layers.get("city"),
        basemap=basemap,
        review_no=review_no,
        surroundings=layers.get(SURROUNDINGS),
    )


def _plan(
    layers: Layers,
    *,
    basemap: str,
    year: int | None,
    review_no: str | None,
    years: tuple[int, ...],
    compare: int | None = None,
):
    return plan_map(layers, basemap=basemap, review_no=review_no)


def _transport(
    layers: Layers,
    *,
    basemap: str,
    year: int | None,
    review_no: str | None,
    years: tuple[int, ...],
    compare: int | None = None,
):
    return transport_map(layers, years=years, year=year, basemap=basemap, review_no=review_no)


def _access(
    layers: Layers,
    *,
    basemap: str,
    year: int | None,
    review_no: str | None,
    years: tuple[int, ...],
    compare: int | None = None,
):
    return access_map(
        layers,
        raster_name=layers.get("access_raster_name"),
        year=year,
        raster=layers.get("access_raster"),
        basemap=basemap,
        review_no=review_no,
    )


def _scenario(
    layers: Layers,
    *,
    basemap: str,
    year: int | None,
    review_no: str | None,
    years: tuple[int, ...],
    compare: int | None = None,
):
    return scenario_map(
        layers, year_from=compare, year_to=year, basemap=basemap, review_no=review_no
    )


# kind → (builder, layers that must be present; "a|b" = either)
_BUILDERS: dict[str, tuple[Callable[..., folium.Map], tuple[str, ...]]] = {
    "zones": (_zones, ("township",)),
    "plan": (_plan, ("township", "structure|park|" + "|".join(FACILITY_LAYERS.values()))),
    "transport": (_transport, ("road|rail",)),
    "access": (_access, ("township", "access_township")),
    "scenario": (_scenario, ("township", "access_township")),
}
#: The map kinds (names and order from :data:`jmgis.vocab.MAP_KINDS`) → builder and the
#: layers each needs.
MAP_KINDS: dict[str, tuple[Callable[..., folium.Map], tuple[str, ...]]] = {
    kind: _BUILDERS[kind] for kind in MAP_KIND_NAMES
}


def missing_layers(kind: str, layers: Layers) -> list[str]:
    """Layers ``kind`` needs that ``layers`` lacks (empty frames count as missing).

    Parameters
    ----------
    kind : str
        The map kind (see :data:`jmgis.vocab.MAP_KINDS`).
    layers : Layers
        Layers by name (EPSG:4490).

    Returns
    -------
    list[str]
        The missing layer names.
    """
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
    years: Sequence[int] | None = None,
    compare: int | None = None,
) -> folium.Map:
    """Build map ``kind`` from a dict of layers (name → GeoDataFrame).

    Parameters
    ----------
    kind
        One of :data:`MAP_KINDS`.
    layers
        Layer name → GeoDataFrame (EPSG:4490), as a build makes them.
    basemap
        One of :data:`jmgis.vocab.BASEMAPS`.
    year
        The scenario year shown first (transport, access, scenario maps).
    review_no
        The 审图号 to print in the footer, when one was issued.
    years
        The scenario years a year selector offers (default: the settings' years).
    compare
        The start year of the scenario map (default: the first year of the layers).

    Returns
    -------
    folium.Map
    """
    from jmgis.errors import JmgisError

    if kind not in MAP_KINDS:
        raise JmgisError(f"unknown map {kind!r}; choose one of {', '.join(MAP_KINDS)}")
    missing = missing_layers(kind, layers)
    if missing:
        raise JmgisError(f"map {kind!r} needs the layer(s) {', '.join(missing)}")
    builder, _needed = MAP_KINDS[kind]
    chosen = tuple(years) if years is not None else current().years
    return builder(
        layers, basemap=basemap, year=year, review_no=review_no, years=chosen, compare=compare
    )


def to_html(m: folium.Map, *, inline: bool = True, warn_as: str | Path = "map") -> str:
    """The map as one HTML document, Leaflet and plugins inlined (see :func:`save`).

    Parameters
    ----------
    m : folium.Map
        The folium map to draw on.
    inline : bool
        Embed the assets in the HTML (works offline).
    warn_as : str or Path
        The name the external-asset warning gives the map.

    Returns
    -------
    str
        The HTML.
    """
    text, external = _render(m, inline=inline)
    warn_external(warn_as, external)
    return text


def _render(m: folium.Map, *, inline: bool = True) -> tuple[str, list[str]]:
    """The page of ``m`` and the asset URLs left external (see :func:`to_html`)."""
    finalise(m)  # layers the user added after the map was made: before the control
    # verbatim: macro output that holds data text is never parsed as Jinja2 (maps/render.py)
    text = stable_ids(m.get_root(), render_verbatim(m))
    external: list[str] = []
    if inline:
        text, external = inline_assets(text)
    return text, external


def page_cached(
    make: Callable[[], folium.Map | None], what: str, params: Mapping[str, Any], warn_as: Any
) -> str | None:
    """The inlined page of the map ``make()`` builds, kept in the persistent cache.

    Keyed (:func:`jmgis.cache.memo`, namespace ``map``) by ``what``, ``params`` (the
    layers' contents, the raster file's bytes, the year and other arguments), the
    settings, the pinned assets present, the library versions and the jmgis code.  A page
    with assets left external (and its warning) is never kept.

    Parameters
    ----------
    make : callable
        Builds the map (``None``: no map; that answer is kept too).
    what : str
        The kind of map (part of the key).
    params : Mapping
        Everything the map is made from.
    warn_as : str or Path
        The name the external-asset warning gives the map.

    Returns
    -------
    str or None
        The page, or ``None`` when ``make`` made no map.
    """
    from jmgis import cache

    settings = current()

    def build() -> tuple[str | None, bool]:
        m = make()
        if m is None:
            return None, True
        text, external = _render(m)
        warn_external(warn_as, external)
        return text, not external

    inputs = {
        **params,
        "assets": cache.folder_listing(settings.assets_path),
        # a secret, so not among the settings of the key; a tianditu page embeds it
        "tianditu_key": settings.tianditu_key,
    }
    return cache.memo(settings, "map", f"map:{what}", inputs, build)


def save_cached(
    make: Callable[[], folium.Map], path: str | Path, what: str, params: Mapping[str, Any]
) -> Path:
    """:func:`save` of the map ``make()`` builds, its page kept in the cache.

    See :func:`page_cached`; the page written is byte-identical to :func:`save`'s.

    Parameters
    ----------
    make : callable
        Builds the map.
    path : str or Path
        The HTML file (written atomically).
    what : str
        The kind of map (part of the key).
    params : Mapping
        Everything the map is made from (layers, raster, year …).

    Returns
    -------
    Path
        ``path``.
    """
    from jmgis.atomic import atomic_write_text

    path = Path(path)
    text = page_cached(make, what, params, path)
    assert text is not None
    return atomic_write_text(path, text)


def _element_ids(element: Any) -> list[str]:
    ids, stack, seen = [], [element], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        ids.append(node._id)
        stack.extend(getattr(node, "_children", {}).values())
        stack.extend(
            getattr(node, part) for part in ("header", "html", "script") if hasattr(node, part)
        )
    return ids


def stable_ids(root: Any, text: str) -> str:
    """``text`` (the rendering of ``root``) with every element id replaced by its rank.

    branca gives each element a random 32-hex-digit id (``geo_json_<id>`` in the page), so
    the same map gave different bytes on every save.  Ids are renumbered in the order they
    first appear in the page (``…_00000000000000000000000000000001``), which depends only on
    the map.  Only ids of elements of ``root``'s tree are replaced, never other text.

    Parameters
    ----------
    root
        The rendered element (a ``branca.element.Figure``).
    text
        Its rendering.

    Returns
    -------
    str
        The page with stable ids.
    """
    known = set(_element_ids(root))
    order: dict[str, str] = {}
    for found in _HEX_ID.finditer(text):
        if found.group(0) in known and found.group(0) not in order:
            order[found.group(0)] = f"{len(order) + 1:032x}"
    if not order:
        return text
    # Every occurrence of a ranked id, leftmost first and not overlapping (what a regex
    # alternation of the ids would replace), found in one linear pass over the 32-hex
    # windows: an alternation of hundreds of ids cost 0.06 s per page.
    parts, end = [], 0
    for window in _HEX_WINDOW.finditer(text):
        start, token = window.start(), window.group(1)
        if start >= end and token in order:
            parts += [text[end:start], order[token]]
            end = start + 32
    parts.append(text[end:])
    return "".join(parts)


_HEX_ID = re.compile(r"[0-9a-f]{32}")
#: Every 32-hex window, overlapping ones too (a zero-width match with the window captured).
_HEX_WINDOW = re.compile(r"(?=([0-9a-f]{32}))")


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
    """Display ``m`` in a notebook without any CDN: an iframe with the inlined page.

    Folium's own display loads Leaflet from jsDelivr, which is blank on networks that block it.

    Parameters
    ----------
    m : folium.Map
        The folium map to draw on.
    height : int
        Height of the frame (pixels).

    Returns
    -------
    _Frame
        An object a notebook displays as an iframe.
    """
    return _Frame(to_html(m), height)


def save(m: folium.Map, path: str | Path, *, inline: bool = True) -> Path:
    """Write ``m`` as one self-contained HTML file (Leaflet and plugins inlined).

    Where the assets are not cached (and cannot be fetched with npm), the file keeps the
    CDN links and a :class:`UserWarning` says so.

    Parameters
    ----------
    m : folium.Map
        The folium map to draw on.
    path : str or Path
        The HTML file (written atomically).
    inline : bool
        Embed the assets in the HTML (works offline).

    Returns
    -------
    Path
        ``path``.
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
    years = tuple(ctx.years)
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

        def make(kind: str = kind, layers: Layers = layers) -> folium.Map:
            return make_map(kind, layers, years=years)

        params = {"kind": kind, "layers": layers, "years": years}
        written.append(save_cached(make, Path(ctx.maps_dir) / f"{kind}.html", "make_map", params))
    return written


_RASTER_NAME = re.compile(r"^minutes_to_(?P<target>\w+?)_(?P<year>\d{4})\.tif$")


def raster_from(written: list[Path]) -> dict[str, object]:
    """The latest-year travel-time GeoTIFF the access step wrote, for the access map.

    The file is ``minutes_to_<target>_<year>.tif``; it is returned as ``access_raster``.
    """
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
