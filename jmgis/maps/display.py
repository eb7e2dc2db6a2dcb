"""Layers made ready for the browser: lon/lat, simplified, rounded, escaped.

Everything a map draws goes through :func:`to_geojson`, so the rules hold everywhere:

- coordinates in lon/lat of the display datum: CGCS2000 (≈ WGS 84 to well under a metre,
  good for OSM and Tianditu tiles) or GCJ-02 (shifted explicitly for Gaode tiles);
- polygon coverages simplified together (shared borders stay shared) and coordinates
  rounded (5 decimals ≈ 1 m) so files stay small;
- every text value HTML-escaped, because Leaflet tooltips and popups insert properties
  with ``innerHTML``: a name like ``<img onerror=…>`` must show as text, not run;
- no text carries a ``{`` or ``}`` that Jinja2 could read as a delimiter (``{{``, ``{%``,
  ``{#``): folium's templates are Jinja2, and branca renders macro output a second time
  (closed in :mod:`jmgis.maps.render`; this is the second line of defence).  HTML text
  gets ``&#123;``/``&#125;``, JSON string literals ``\u007b``/``\u007d``: both show ``{ }``.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from jmgis.crs import convert_gdf

DISPLAY_DATUMS = ("wgs84", "gcj02")
DEFAULT_PRECISION = 5  # decimal degrees: 1e-5° ≈ 1.1 m
DEFAULT_SIMPLIFY_DEG = 0.0002  # ≈ 20 m: invisible at city scale, halves the vertices


_BRACES_HTML = str.maketrans({"{": "&#123;", "}": "&#125;"})
_BRACES_JS = str.maketrans({"{": "\\u007b", "}": "\\u007d"})
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def escape(value: Any) -> str:
    """HTML text for any value: markup escaped, braces as character references.

    Parameters
    ----------
    value
        Any value; ``None`` and NaN become an empty string.

    Returns
    -------
    str
        Text that a browser shows exactly as ``str(value)`` and in which Jinja2 finds no
        delimiter.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return html.escape(str(value), quote=True).translate(_BRACES_HTML)


_CSS_COLOR = re.compile(r"#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,20}|rgba?\([0-9., %]+\)")


def css_color(value: str) -> str:
    """``value`` if it is a plain CSS colour (``#rgb[a]``, a name, ``rgb(...)``).

    Parameters
    ----------
    value
        A colour from the palette.

    Returns
    -------
    str
        The colour, safe inside a ``<style>`` element (no braces, quotes or markup).

    Raises
    ------
    ValueError
        Anything else.
    """
    if not _CSS_COLOR.fullmatch(str(value)):
        raise ValueError(f"not a CSS colour: {value!r}")
    return str(value)


def layer_name(name: str) -> str:
    """A name for the layer control, which Leaflet inserts with ``innerHTML``.

    Escaped, since names can come from data (structure patterns, hubs, destinations).
    """
    return escape(name)


def js_literal(value: Any) -> str:
    r"""A JSON literal safe to embed inside an inline ``<script>`` element.

    Parameters
    ----------
    value
        Any JSON-serialisable value.

    Returns
    -------
    str
        JSON in which ``<``, ``>``, ``&`` and the braces inside strings are ``\uXXXX``
        escapes, so neither the HTML parser nor Jinja2 can read anything in it.
    """
    text = json.dumps(value, ensure_ascii=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return _JSON_STRING.sub(lambda m: m.group(0).translate(_BRACES_JS), text)


def to_display_crs(gdf: gpd.GeoDataFrame, datum: str = "wgs84") -> gpd.GeoDataFrame:
    """Lon/lat for display: CGCS2000/WGS 84 as stored, or shifted to GCJ-02.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        The features (EPSG:4490).
    datum : str
        Datum of the basemap (``wgs84``, or ``gcj02`` for Gaode tiles); coordinates are
        shifted to match.

    Returns
    -------
    geopandas.GeoDataFrame
        The features in display coordinates.
    """
    if datum not in DISPLAY_DATUMS:
        raise ValueError(f"display datum must be one of {DISPLAY_DATUMS}, got {datum!r}")
    if gdf.crs is None:
        raise ValueError("layer has no CRS; jmgis layers are stored in EPSG:4490")
    out = gdf.to_crs("EPSG:4490") if not gdf.crs.equals("EPSG:4490") else gdf
    # CGCS2000 and WGS 84 differ by centimetres: relabel, do not transform.
    out = out.set_crs("EPSG:4326", allow_override=True)
    if datum == "gcj02":
        out = convert_gdf(out, "wgs84", "gcj02")
    return out


def simplify_for_display(
    geoms: gpd.GeoSeries, tolerance_deg: float = DEFAULT_SIMPLIFY_DEG
) -> gpd.GeoSeries:
    """Simplify geometries for display; polygon coverages keep shared edges shared.

    Parameters
    ----------
    geoms : geopandas.GeoSeries
        The geometries.
    tolerance_deg : float
        Simplification tolerance (degrees).

    Returns
    -------
    geopandas.GeoSeries
        The simplified geometries.
    """
    if tolerance_deg <= 0 or geoms.empty:
        return geoms
    values = geoms.values
    is_poly = np.isin(shapely.get_type_id(values), (3, 6))
    out = np.array(values, dtype=object)
    if is_poly.all():
        try:
            out = shapely.coverage_simplify(values, tolerance_deg)
        except shapely.errors.GEOSException:
            out = shapely.simplify(values, tolerance_deg, preserve_topology=True)
    else:
        out = shapely.simplify(values, tolerance_deg, preserve_topology=True)
    return gpd.GeoSeries(out, index=geoms.index, crs=geoms.crs)


def round_coordinates(geoms: gpd.GeoSeries, precision: int = DEFAULT_PRECISION) -> gpd.GeoSeries:
    """Round every coordinate to ``precision`` decimals (degrees).

    Parameters
    ----------
    geoms : geopandas.GeoSeries
        The geometries.
    precision : int
        Decimals kept (degrees; 6 ≈ 0.1 m).

    Returns
    -------
    geopandas.GeoSeries
        The rounded geometries.
    """
    rounded = shapely.transform(geoms.values, lambda xy: np.round(xy, precision))
    return gpd.GeoSeries(rounded, index=geoms.index, crs=geoms.crs)


def _plain(value: Any, digits: int) -> Any:
    if value is None:
        return None
    if isinstance(value, list | tuple | np.ndarray):
        return [_plain(v, digits) for v in value]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else round(float(value), digits)
    if value is pd.NA or value is pd.NaT:
        return None
    return escape(value)


def to_geojson(
    gdf: gpd.GeoDataFrame,
    columns: Iterable[str] = (),
    *,
    extra: Mapping[str, Iterable[Any]] | None = None,
    datum: str = "wgs84",
    simplify_deg: float = DEFAULT_SIMPLIFY_DEG,
    precision: int = DEFAULT_PRECISION,
    digits: int = 1,
) -> dict[str, Any]:
    """A GeoJSON FeatureCollection for folium with only ``columns`` (escaped) as properties.

    Parameters
    ----------
    columns
        Columns copied into the properties; strings are HTML-escaped, floats rounded to
        ``digits`` decimals.  Missing columns are an error (a typo must not silently give
        an empty tooltip).
    extra
        More properties computed by the caller, one value per row (escaped the same way).
    simplify_deg, precision
        Display simplification tolerance and coordinate rounding, in degrees / decimals.
    gdf : geopandas.GeoDataFrame
        The features (EPSG:4490).
    datum : str
        ``wgs84``, or ``gcj02`` to shift the coordinates for Gaode tiles.
    digits : int
        Decimals kept (degrees).

    Returns
    -------
    dict[str, Any]
        The FeatureCollection.
    """
    columns = list(columns)
    missing = [c for c in columns if c not in gdf.columns]
    if missing:
        raise KeyError(f"layer has no column(s) {missing}; it has {list(gdf.columns)}")
    shown = to_display_crs(gdf[[*columns, gdf.geometry.name]], datum)
    geoms = round_coordinates(simplify_for_display(shown.geometry, simplify_deg), precision)
    extra_cols = {k: list(v) for k, v in (extra or {}).items()}
    for key, values in extra_cols.items():
        if len(values) != len(gdf):
            raise ValueError(f"extra property {key!r} has {len(values)} values for {len(gdf)} rows")
    features = []
    # GEOS writes each geometry's GeoJSON (coordinates round-trip exactly); going through
    # GeoSeries.to_json iterated every coordinate in Python and encoded it twice.
    texts = shapely.to_geojson(np.asarray(geoms.values, dtype=object))
    geometries = [None if text is None else json.loads(text) for text in texts.tolist()]
    records = pd.DataFrame(shown.drop(columns=shown.geometry.name)).to_dict("records")
    for i, (record, geometry) in enumerate(zip(records, geometries, strict=True)):
        props = {k: _plain(v, digits) for k, v in record.items()}
        props.update({k: _plain(v[i], digits) for k, v in extra_cols.items()})
        features.append({"type": "Feature", "id": i, "properties": props, "geometry": geometry})
    return {"type": "FeatureCollection", "features": features}
