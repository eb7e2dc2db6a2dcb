"""Maps a planner can add to: furniture finalised at render time, self-contained display.

Leaflet's layer control must be created *after* every layer it lists: its script refers to
the layers' JavaScript variables.  jmgis maps used to add the control before they were
returned, so anything a user added afterwards (``folium.GeoJson(...).add_to(m)``,
``gdf.explore(m=m)``, a ``FeatureGroup``) was defined after the control: the browser
stopped with "Cannot read properties of undefined (reading 'setZIndex')", the control
disappeared and the new layer was not drawn.

:class:`JmMap` (what every jmgis map is) calls :func:`finalise` whenever it is rendered —
:func:`jmgis.maps.save`, :func:`jmgis.maps.to_html`, ``m.save``, a notebook's display —
so the control and the legends come last and list whatever is on the map by then.
Its ``_repr_html_`` shows the page with Leaflet and the plugins inlined (as
:func:`jmgis.maps.save` writes it), so a bare ``m`` in Jupyter works with no CDN.

:func:`add_layer` puts a user's own GeoDataFrame on a jmgis map with jmgis styling, a
Chinese tooltip and a legend that follows the layer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from jmgis import style
from jmgis.errors import DataError
from jmgis.maps.furniture import Legend, LegendEntry, _Overlay

__all__ = ["JmMap", "add_layer", "finalise"]

#: Height of a map shown inline in a notebook (pixels).
INLINE_HEIGHT = 600


def finalise(m: folium.Map) -> folium.Map:
    """Put the map's layer control and legends after every layer, once per render.

    Idempotent: the map's children are only reordered (a layer control is moved last; a
    second one, e.g. one a user added to a jmgis map, is dropped because two controls
    would list the same layers twice).

    Parameters
    ----------
    m
        A folium map (any, not only a :class:`JmMap`).

    Returns
    -------
    folium.Map
        ``m`` itself.
    """
    children = m._children
    controls = [key for key, child in children.items() if isinstance(child, folium.LayerControl)]
    for key in controls[1:]:
        del children[key]
    # legends and overlays keep their relative order, after the layers they refer to
    furniture = [
        key for key, child in children.items() if isinstance(child, Legend | _Overlay)
    ]
    for key in furniture:
        children.move_to_end(key)
    if controls:
        children.move_to_end(controls[0])
    return m


class JmMap(folium.Map):
    """A :class:`folium.Map` that finalises its furniture when rendered.

    It also displays self-contained in notebooks.

    Attributes
    ----------
    jm_datum : str
        The datum its data are drawn in (``gcj02`` on the Gaode basemap, else ``wgs84``).

    Everything folium offers works as on a plain map; the differences are that layers
    added after the map was made appear in the layer control and legends (see
    :func:`finalise`), that ``m`` in a notebook shows the offline page (no CDN) and that
    ``m.save(path)`` writes the same self-contained file as :func:`jmgis.maps.save`.
    """

    jm_datum: str = "wgs84"

    def render(self, **kwargs: Any) -> Any:
        """Finalise (see :func:`finalise`), then render as folium does."""
        finalise(self)
        return super().render(**kwargs)

    def _repr_html_(self, **kwargs: Any) -> str:
        """The inlined page in an ``iframe`` (Leaflet and plugins inside, no CDN)."""
        from jmgis.maps import show

        return show(self, height=INLINE_HEIGHT)._repr_html_()

    def save(self, outfile: Any, close_file: bool = True, **kwargs: Any) -> None:
        """Write the self-contained page (a path) or folium's page (an open file).

        Parameters
        ----------
        outfile
            A path (``str`` or ``os.PathLike``): written by :func:`jmgis.maps.save`,
            assets inlined.  A file object: folium's own output.
        close_file
            Passed to folium for file objects.
        **kwargs
            Passed to folium for file objects.
        """
        import os

        if isinstance(outfile, str | os.PathLike):
            from jmgis.maps import save

            save(self, os.fspath(outfile))
            return
        super().save(outfile, close_file=close_file, **kwargs)


def _layer_kind(gdf: gpd.GeoDataFrame) -> str:
    types = set(gdf.geom_type.dropna())
    if types <= {"Point", "MultiPoint"}:
        return "point"
    if types <= {"LineString", "MultiLineString"}:
        return "line"
    return "area"


def _number(value: float, digits: int) -> str:
    return f"{value:,.{digits}f}".rstrip("0").rstrip(".") if digits else f"{value:,.0f}"


def _classes(
    values: pd.Series, scheme: str, k: int
) -> tuple[np.ndarray, list[str], list[str]]:
    """Class of each value (-1 = missing), legend labels and colours, by mapclassify."""
    import mapclassify

    finite = values.astype(float)
    ok = np.isfinite(finite.to_numpy())
    k = max(1, min(int(k), len(style.USER_SEQUENTIAL_COLORS), int(pd.unique(finite[ok]).size)))
    classifier = mapclassify.classify(finite[ok].to_numpy(), scheme=scheme, k=k)
    bins = np.asarray(classifier.bins, dtype=float)
    spread = float(np.nanmax(np.abs(bins))) if bins.size else 0.0
    digits = 0 if spread >= 100 else 1 if spread >= 10 else 2
    lower = float(np.min(finite[ok]))
    labels = []
    for upper in bins:
        labels.append(f"{_number(lower, digits)}–{_number(float(upper), digits)}")
        lower = float(upper)
    step = (len(style.USER_SEQUENTIAL_COLORS) - 1) / max(1, len(bins) - 1)
    colors = [style.USER_SEQUENTIAL_COLORS[round(i * step)] for i in range(len(bins))]
    index = np.full(len(values), -1)
    index[ok] = classifier.yb
    return index, labels, colors


def add_layer(
    m: folium.Map,
    gdf: gpd.GeoDataFrame,
    name: str | None = None,
    *,
    column: str | None = None,
    color: str | None = None,
    scheme: str = "quantiles",
    k: int = 5,
    tooltip: Sequence[str] | None = None,
    popup: Sequence[str] | None = None,
    layer: str | None = None,
    legend: bool = True,
    show: bool = True,
) -> folium.FeatureGroup:
    """Add a user's GeoDataFrame to a jmgis map, styled, with tooltip and legend.

    The layer is listed in the layer control (also when added after the map was made) and
    its legend is shown while the layer is ticked.

    Parameters
    ----------
    m
        A map from :func:`jmgis.maps.make_map` (or any folium map).
    gdf
        Points, lines or polygons in any CRS (shown as CGCS2000 lon/lat, or shifted to
        GCJ-02 on a Gaode basemap).
    name
        The layer's name in the control and the legend title (default: ``layer`` or
        ``"我的图层"``).
    column
        Colour by this column: numbers are classed by ``scheme`` (mapclassify) into ``k``
        classes, anything else by category.  ``None``: one colour.
    color
        The colour without ``column`` (default: the next colour of
        :data:`jmgis.style.USER_CATEGORY_COLORS`).
    scheme, k
        The mapclassify scheme (``quantiles``, ``equalinterval``, ``naturalbreaks`` …)
        and number of classes for a numeric ``column``.
    tooltip, popup
        Columns shown on hover / click (default: ``name`` and ``column`` where present);
        labels from the layer registry when ``layer`` names a jmgis layer.
    layer
        The jmgis layer the frame is (e.g. ``"township"``), for Chinese field labels.
    legend, show
        Whether to add a legend, and whether the layer is ticked at first.

    Returns
    -------
    folium.FeatureGroup
        The group added to ``m``.

    Raises
    ------
    jmgis.errors.DataError
        The frame has no CRS, no geometry, or no column ``column``.
    """
    from jmgis.maps.features import add_circle_layer, add_styled_layer

    title = name or layer or "我的图层"
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.crs is None:
        raise DataError("the layer has no CRS (set one with gdf.set_crs)", file=title)
    gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    if gdf.empty:
        raise DataError("the layer has no geometry to draw", file=title)
    if column is not None and column not in gdf.columns:
        raise DataError(f"no column {column!r}", file=title, field=column)
    datum = getattr(m, "jm_datum", "wgs84")
    default_fields = [f for f in ("name", column) if f and f in gdf.columns]
    tooltip = list(tooltip) if tooltip is not None else default_fields
    popup = list(popup) if popup is not None else []
    kind = _layer_kind(gdf)
    shape = {"point": "point", "line": "line", "area": "fill"}[kind]

    if column is None:
        used = getattr(m, "_jm_user_layers", 0)
        m._jm_user_layers = used + 1  # type: ignore[attr-defined]  # a counter on the map
        colour = color or style.USER_CATEGORY_COLORS[used % len(style.USER_CATEGORY_COLORS)]
        colours = [colour] * len(gdf)
        entries = [LegendEntry(title, colour, shape=shape)]
    elif pd.api.types.is_numeric_dtype(gdf[column]) and not pd.api.types.is_bool_dtype(
        gdf[column]
    ):
        index, labels, palette = _classes(gdf[column], scheme, k)
        colours = [palette[i] if i >= 0 else style.ACCESS_NODATA_COLOR for i in index]
        entries = [LegendEntry(lab, col, shape=shape) for lab, col in zip(labels, palette)]
        if (index < 0).any():
            entries.append(LegendEntry("无数据", style.ACCESS_NODATA_COLOR, shape=shape))
    else:
        values = gdf[column].astype("string").fillna("（空）")
        categories = list(dict.fromkeys(values))
        by_category = {
            c: style.USER_CATEGORY_COLORS[i % len(style.USER_CATEGORY_COLORS)]
            for i, c in enumerate(categories)
        }
        colours = [by_category[v] for v in values]
        entries = [LegendEntry(str(c), by_category[c], shape=shape) for c in categories]

    gdf = gdf.assign(_jm_colour=colours)
    legend_spec = (title, entries) if legend else None
    if kind == "point":
        return add_circle_layer(
            m,
            gdf,
            name=title,
            style_of=lambda row: {"color": row["_jm_colour"], "radius": 6},
            layer=layer,
            tooltip=tooltip,
            popup=popup,
            datum=datum,
            show=show,
            class_name="jm-user-layer",
            legend=legend_spec,
        )
    return add_styled_layer(
        m,
        gdf,
        name=title,
        style_of=lambda row: {
            "color": row["_jm_colour"],
            "weight": 3 if kind == "line" else 1,
            "fill_opacity": 0.6,
        },
        layer=layer,
        tooltip=tooltip,
        popup=popup,
        datum=datum,
        show=show,
        class_name="jm-user-layer",
        legend=legend_spec,
        fill=kind == "area",
    )
