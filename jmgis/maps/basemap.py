"""Basemaps: an offline vector base by default, OSM, Tianditu or Gaode tiles on request.

=========  ==============================================================  ============
basemap    tiles                                                           display datum
=========  ==============================================================  ============
none       no tiles: city outline, surroundings and counties from our data  CGCS2000
osm        OpenStreetMap standard tiles                                    CGCS2000
tianditu   天地图 vector + image (Web Mercator) with annotation layers;       CGCS2000
           key from ``$JMGIS_TIANDITU_KEY``
gaode      高德 road and satellite tiles (GCJ-02)                           GCJ-02
=========  ==============================================================  ============

Gaode tiles are drawn in GCJ-02, ≈ 600 m ESE of the true position in Jiangmen; with
``gaode`` every layer is shifted to GCJ-02 for display (:func:`datum_for`), so the data
sits on the tiles.  CGCS2000 and WGS 84 agree to centimetres, so OSM and Tianditu need no
shift.
"""

from __future__ import annotations

from urllib.parse import quote

import folium
import geopandas as gpd

from jmgis import style
from jmgis.errors import JmgisError
from jmgis.maps.display import to_display_crs, to_geojson
from jmgis.settings import current
from jmgis.vocab import BASEMAPS

#: Optional layer of the land around the city (neighbouring cities), for the offline base.
SURROUNDINGS = "region"
JIANGMEN_CENTER = (22.28, 112.65)  # lat, lon of the city's middle, for the initial view
TIANDITU_KEY_ENV = "JMGIS_TIANDITU_KEY"

_TIANDITU_URL = (
    "https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={{z}}"
    "&TILEROW={{y}}&TILECOL={{x}}&tk={key}"
)
_TIANDITU_ATTR = "天地图 © 国家地理信息公共服务平台"
_GAODE_ROAD = (
    "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8"
    "&x={x}&y={y}&z={z}"
)
_GAODE_SAT = "https://webst0{s}.is.autonavi.com/appmaptile?style=6&x={x}&y={y}&z={z}"
_GAODE_ATTR = "高德地图 © AutoNavi"


def datum_for(basemap: str) -> str:
    """The datum the data must be drawn in for ``basemap`` (``gcj02`` only for Gaode)."""
    check_basemap(basemap)
    return "gcj02" if basemap == "gaode" else "wgs84"


def check_basemap(basemap: str) -> None:
    """Raise a :class:`JmgisError` unless ``basemap`` is one of :data:`BASEMAPS`."""
    if basemap not in BASEMAPS:
        raise JmgisError(f"unknown basemap {basemap!r}; choose one of {', '.join(BASEMAPS)}")


def new_map(basemap: str = "none", *, zoom_start: int = 9) -> folium.Map:
    """An empty map with the chosen basemap (no data layers yet).

    A :class:`jmgis.maps.compose.JmMap`: its layer control and legends are finalised when
    it is rendered, so layers added later are listed too.

    Parameters
    ----------
    basemap : str
        The basemap name (see :data:`jmgis.vocab.BASEMAPS`).
    zoom_start : int
        Initial zoom level.

    Returns
    -------
    folium.Map
        The map.
    """
    from jmgis.maps.compose import JmMap

    check_basemap(basemap)
    m = JmMap(
        location=JIANGMEN_CENTER,
        zoom_start=zoom_start,
        tiles=None,
        control_scale=False,
        min_zoom=7,
        max_zoom=17,
        zoom_snap=0.25,
    )
    m.jm_datum = datum_for(basemap)  # what maps.add_layer draws a user's layer in
    if basemap == "osm":
        folium.TileLayer(
            "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
            attr="© OpenStreetMap contributors（ODbL）",
            name="OpenStreetMap",
            max_zoom=19,
        ).add_to(m)
    elif basemap == "tianditu":
        key = current().tianditu_key
        if not key:
            raise JmgisError(
                f"the tianditu basemap needs a key: set {TIANDITU_KEY_ENV} "
                "(free from https://console.tianditu.gov.cn/)"
            )
        for layer, note, name, show in (
            ("vec", "cva", "天地图 矢量", True),
            ("img", "cia", "天地图 影像", False),
        ):
            group = folium.FeatureGroup(name=name, overlay=False, show=show)
            for tile_layer in (layer, note):
                folium.TileLayer(
                    _TIANDITU_URL.format(s="{s}", layer=tile_layer, key=quote(key, safe="")),
                    attr=_TIANDITU_ATTR,
                    subdomains="01234567",
                    max_zoom=18,
                ).add_to(group)
            group.add_to(m)
    elif basemap == "gaode":
        folium.TileLayer(
            _GAODE_ROAD, attr=_GAODE_ATTR, name="高德 地图", subdomains="1234", max_zoom=18
        ).add_to(m)
        folium.TileLayer(
            _GAODE_SAT,
            attr=_GAODE_ATTR,
            name="高德 影像",
            subdomains="1234",
            max_zoom=18,
            show=False,
        ).add_to(m)
    if basemap == "none":
        m.get_root().header.add_child(  # type: ignore[attr-defined]  # a Map's root is a branca Figure
            folium.Element(
                f"<style>.leaflet-container.folium-map {{ background: {style.SEA_COLOR}; }}</style>"
            ),
            name="jm_background",
        )
    return m


def add_offline_base(
    m: folium.Map,
    city: gpd.GeoDataFrame | None,
    counties: gpd.GeoDataFrame | None,
    *,
    datum: str = "wgs84",
    surroundings: gpd.GeoDataFrame | None = None,
) -> None:
    """The vector base of ``basemap='none'``.

    Land of the city on the sea-coloured page, and the land around it in grey where a ``region``
    layer gives it (without one, the blue ground is "outside the city", sea and neighbours
    alike).

    Not listed in the layer control (it is the base, like tiles); the county lines that
    go *on top* of the thematic layers are added by :func:`add_county_lines`.

    Parameters
    ----------
    m : folium.Map
        The folium map to draw on.
    city : geopandas.GeoDataFrame or None
        The city boundary (``None`` = not drawn).
    counties : geopandas.GeoDataFrame or None
        County boundaries (EPSG:4490).
    datum : str
        Datum of the basemap (``wgs84``, or ``gcj02`` for Gaode tiles); coordinates are
        shifted to match.
    surroundings : geopandas.GeoDataFrame or None
        Land of the neighbouring prefectures (``None`` = not drawn).
    """
    base = folium.FeatureGroup(name="底图", control=False)
    if surroundings is not None and len(surroundings):
        folium.GeoJson(
            to_geojson(surroundings, [], datum=datum, simplify_deg=0.001),
            style_function=lambda _f: {
                "fillColor": style.NEIGHBOUR_LAND_COLOR,
                "fillOpacity": 1.0,
                "color": "#bdbdbd",
                "weight": 0.8,
                "className": "jm-surroundings",
            },
            interactive=False,
        ).add_to(base)
    outline = city if city is not None and not city.empty else None
    if outline is None and counties is not None and not counties.empty:
        outline = counties.dissolve()[[counties.geometry.name]]
    if outline is not None:
        folium.GeoJson(
            to_geojson(outline, [], datum=datum),
            style_function=lambda _f: {
                "fillColor": style.LAND_COLOR,
                "fillOpacity": 1.0,
                "color": style.CITY_LINE["color"],
                "weight": style.CITY_LINE["weight"],
            },
            interactive=False,
        ).add_to(base)
    base.add_to(m)


def add_county_lines(
    m: folium.Map, counties: gpd.GeoDataFrame, *, datum: str = "wgs84", show: bool = True
) -> folium.FeatureGroup:
    """County boundaries as a toggleable overlay (add it after the thematic layers).

    Parameters
    ----------
    m : folium.Map
        The folium map to draw on.
    counties : geopandas.GeoDataFrame
        County boundaries (EPSG:4490).
    datum : str
        Datum of the basemap (``wgs84``, or ``gcj02`` for Gaode tiles); coordinates are
        shifted to match.
    show : bool
        Whether the layer is shown when the map opens.

    Returns
    -------
    folium.FeatureGroup
        The layer added to ``m``.
    """
    group = folium.FeatureGroup(name="县级行政区界", show=show)
    folium.GeoJson(
        to_geojson(counties, ["name"], datum=datum),
        style_function=lambda _f: {
            "fill": False,
            "color": style.COUNTY_LINE["color"],
            "weight": style.COUNTY_LINE["weight"],
            "dashArray": "6 3 1 3",
            "className": "jm-county",
        },
        interactive=False,
    ).add_to(group)
    group.add_to(m)
    return group


def fit_to(m: folium.Map, gdf: gpd.GeoDataFrame, *, datum: str = "wgs84") -> None:
    """Open the map on the extent of ``gdf``.

    Parameters
    ----------
    m : folium.Map
        The folium map to draw on.
    gdf : geopandas.GeoDataFrame
        The features (EPSG:4490).
    datum : str
        Datum of the basemap (``wgs84``, or ``gcj02`` for Gaode tiles); coordinates are
        shifted to match.
    """
    minx, miny, maxx, maxy = to_display_crs(gdf[[gdf.geometry.name]], datum).total_bounds
    # room for the title (top) and the footer (bottom)
    m.fit_bounds(
        [[float(miny), float(minx)], [float(maxy), float(maxx)]],
        padding_top_left=(10, 70),
        padding_bottom_right=(10, 50),
    )
