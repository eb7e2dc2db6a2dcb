"""The QGIS project ``jiangmen``: stored inside the GeoPackage and as a ``.qgz`` beside it.

The project lists every layer of the GeoPackage in layer-tree groups (the registry's
``group``), each with the same style as its default in ``layer_styles``, in EPSG:4490,
zoomed to the data.  Data sources are relative (``./jiangmen.gpkg|layername=township``):
QGIS resolves them against the GeoPackage when the project is opened from inside it
(``geopackage:`` project storage) and against the folder of a ``.qgz`` placed beside it,
so the deliverable can be moved or mailed as a whole.

The ``qgis_projects`` table is the one QGIS's GeoPackage project storage creates: ``name``
(primary key), ``metadata`` (JSON text) and ``content`` — the ``.qgz`` bytes as
hexadecimal text, which is what QGIS 3.22 writes and reads back.
"""

from __future__ import annotations

import io
import json
import re
import sqlite3
import uuid
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pyproj import CRS

from jmgis.buildtime import iso_utc
from jmgis.crs import STORAGE_CRS
from jmgis.io.qgis.layout import (
    LAYOUT_GROUPS,
    LayoutSpec,
    Theme,
    layouts_xml,
    themes_xml,
    year_theme_name,
)
from jmgis.io.qgis.qml import DOCTYPE, QGIS_VERSION, root_attributes, style_elements
from jmgis.io.qgis.raster import RASTER_GROUP, RasterLayer, raster_maplayer
from jmgis.io.qgis.styledef import StyledLayer, geometry_kind
from jmgis.io.qgis.xmltext import checked_tostring

PROJECT_NAME = "jiangmen"
PROJECT_TITLE = "江门市 空间规划与可达性（jmgis）"

GROUP_ORDER: tuple[str, ...] = (
    "行政区划",
    "交通",
    "产业园区",
    "专项设施与试点",
    "规划结构",
    "三区",
    "可达性",
)
"""Layer-tree groups from top (drawn last) to bottom.  Boundaries, points and lines sit
above the zone fills so the fills never hide them; accessibility is an alternative theme
at the bottom.  Groups not listed follow in registry order, before 可达性."""

HIDDEN_GROUPS = frozenset({"可达性", RASTER_GROUP})
"""Groups switched off when the project opens (alternative themes)."""

HIDDEN_LAYERS = frozenset({"zone", "control_point", "local_road"})
"""Layers switched off when the project opens (``zone`` repeats the township fills;
``control_point`` is construction geometry of the transport lines; ``local_road`` are
schematic links derived for the network, not surveyed roads)."""

_KIND_ORDER = {"marker": 0, "line": 1, "fill": 2, None: 3}
_WKB = {
    "Point": "Point",
    "MultiPoint": "MultiPoint",
    "LineString": "LineString",
    "MultiLineString": "MultiLineString",
    "Polygon": "Polygon",
    "MultiPolygon": "MultiPolygon",
}
_GEOMETRY_NAMES = {"marker": "Point", "line": "Line", "fill": "Polygon", None: "No geometry"}


@dataclass(frozen=True)
class Extent:
    """A bounding box in degrees (EPSG:4490)."""

    xmin: float
    ymin: float
    xmax: float
    ymax: float


FAMILY_SUFFIX = {"Point": "（点）", "LineString": "（线）", "Polygon": "（面）"}


def layer_id(name: str, geometry_filter: str | None = None, subset: str | None = None) -> str:
    """A stable QGIS layer id, so rebuilt projects are identical.

    Parameters
    ----------
    name : str
        The layer name.
    geometry_filter : str or None
        OGR geometry type the layer is limited to (tables with several types).
    subset : str or None
        OGR subset (SQL filter) of the layer.

    Returns
    -------
    str
        The id.
    """
    key = "_".join(p for p in (name, geometry_filter, subset) if p)
    readable = "_".join(p for p in (name, geometry_filter) if p)
    return f"{readable}_{uuid.uuid5(uuid.NAMESPACE_URL, 'jmgis:layer:' + key).hex}"


def datasource(
    gpkg_name: str, layer: str, geometry_filter: str | None = None, subset: str | None = None
) -> str:
    """The relative OGR data source of a layer of the GeoPackage.

    Parameters
    ----------
    gpkg_name : str
        The GeoPackage's file name (the project sits beside it).
    layer : str
        The layer name.
    geometry_filter : str or None
        OGR geometry type the layer is limited to (tables with several types).
    subset : str or None
        OGR subset (SQL filter) of the layer.

    Returns
    -------
    str
        The data source string.
    """
    source = f"./{gpkg_name}|layername={layer}"
    if geometry_filter is not None:
        source += f"|geometrytype={geometry_filter}"
    if subset is not None:
        source += f"|subset={subset}"
    return source


def _title(layer: StyledLayer) -> str:
    family = FAMILY_SUFFIX.get(layer.geometry_filter or "", "")
    return layer.spec.title + family + layer.title_suffix


def _lid(layer: StyledLayer) -> str:
    return layer_id(layer.spec.name, layer.geometry_filter, layer.subset)


def _source(layer: StyledLayer, gpkg_name: str) -> str:
    return datasource(gpkg_name, layer.spec.name, layer.geometry_filter, layer.subset)


def _checked(layer: StyledLayer) -> bool:
    if layer.visible is not None:
        return layer.visible
    return layer.spec.name not in HIDDEN_LAYERS


def _srs_element() -> ET.Element:
    crs = CRS.from_user_input(STORAGE_CRS)
    srs = ET.Element("spatialrefsys")
    for tag, text in (
        ("wkt", crs.to_wkt()),
        ("srid", str(crs.to_epsg())),
        ("authid", f"EPSG:{crs.to_epsg()}"),
        ("description", crs.name),
        ("projectionacronym", "longlat"),
        ("geographicflag", "true"),
    ):
        ET.SubElement(srs, tag).text = text
    return srs


def _extent_element(tag: str, extent: Extent) -> ET.Element:
    elem = ET.Element(tag)
    for key in ("xmin", "ymin", "xmax", "ymax"):
        ET.SubElement(elem, key).text = repr(getattr(extent, key))
    return elem


def ordered_groups(layers: Sequence[StyledLayer]) -> list[tuple[str, list[StyledLayer]]]:
    """Groups in :data:`GROUP_ORDER`, layers inside by points → lines → polygons → tables."""
    groups: dict[str, list[StyledLayer]] = {}
    for layer in layers:
        groups.setdefault(layer.spec.group or "其他", []).append(layer)
    known = [g for g in GROUP_ORDER if g in groups and g not in HIDDEN_GROUPS]
    others = [g for g in groups if g not in GROUP_ORDER]
    tail = [g for g in GROUP_ORDER if g in groups and g in HIDDEN_GROUPS]
    result = []
    for name in known + others + tail:
        members = sorted(
            groups[name], key=lambda s: _KIND_ORDER[geometry_kind(s.spec)]
        )  # stable: registry order within a geometry kind
        result.append((name, members))
    return result


def _maplayer(layer: StyledLayer, gpkg_name: str) -> ET.Element:
    spec, style = layer.spec, layer.default
    kind = geometry_kind(spec)
    attrs = {
        "type": "vector",
        "geometry": _GEOMETRY_NAMES[kind],
        "wkbType": _WKB.get(spec.geometry or "", "NoGeometry"),
        **root_attributes(style),
    }
    elem = ET.Element("maplayer", attrs)
    ET.SubElement(elem, "id").text = _lid(layer)
    ET.SubElement(elem, "datasource").text = _source(layer, gpkg_name)
    ET.SubElement(elem, "layername").text = _title(layer)
    if kind is not None:
        ET.SubElement(elem, "srs").append(_srs_element())
    ET.SubElement(elem, "provider", {"encoding": "UTF-8"}).text = "ogr"
    elem.extend(style_elements(style, spec))
    return elem


ELLIPSOID = "EPSG:1024"
"""The CGCS2000 ellipsoid (EPSG:1024): QGIS measures on it, in metres and km²."""
DISTANCE_UNITS = "meters"
AREA_UNITS = "km2"

_YEAR_SUBSET = re.compile(r'"year" = (\d{4})$')
_PAIR_SUBSET = re.compile(r'"year_before" = (\d{4}) AND "year_after" = (\d{4})$')


def change_theme_name(before: int, after: int) -> str:
    """The map theme of the changes between two scenario years, e.g. ``2020→2035年变化``.

    Parameters
    ----------
    before, after : int
        The compared years.

    Returns
    -------
    str
        The theme's name.
    """
    return f"{before}→{after}年变化"


def layer_year(layer: StyledLayer) -> int | None:
    """The scenario year an entry shows (``year`` subset, or the later year of a pair)."""
    if layer.subset is None:
        return None
    match = _YEAR_SUBSET.search(layer.subset) or _PAIR_SUBSET.search(layer.subset)
    return int(match.groups()[-1]) if match else None


YEAR_HIDDEN = frozenset({"三区"})
"""Groups a year's theme leaves off: the 三区 fills would mix with the travel-time colours."""

THEME_OMITTED_LAYERS = frozenset({"network_node", "network_edge"})
"""Per-year layers a year's theme leaves off: the routing graph's 3,000 nodes and links
would bury the travel-time colours; they stay in the project, one switch away."""


def map_themes(
    groups: Sequence[tuple[str, list[StyledLayer]]], rasters: Sequence[RasterLayer] = ()
) -> list[Theme]:
    """A theme per scenario year, one per compared pair of years, one per layout.

    A year's theme shows the base layers as the project opens (without the 三区 fills,
    :data:`YEAR_HIDDEN`) plus that year's accessibility entries and raster (not the
    routing graph, :data:`THEME_OMITTED_LAYERS`).  A pair's theme (``2020→2035年变化``)
    shows the base layers and the changes between the two years: drawn with a year's
    travel-time fills they would lie unseen beneath them.  The layout themes are
    :data:`LAYOUT_GROUPS`.

    Parameters
    ----------
    groups : sequence of (str, list of StyledLayer)
        The layer-tree groups: name and member layers.
    rasters : sequence of RasterLayer
        The travel-time rasters (a year's theme shows that year's).

    Returns
    -------
    list of Theme
        The year themes, the change themes, then the layout themes.
    """
    base = [
        _lid(m)
        for name, members in groups
        if name not in HIDDEN_GROUPS | YEAR_HIDDEN
        for m in members
        if _checked(m) and layer_year(m) is None
    ]
    base_groups = [name for name, _ in groups if name not in HIDDEN_GROUPS | YEAR_HIDDEN]
    years = sorted(
        {y for _, members in groups for m in members if (y := layer_year(m)) is not None}
        | {r.year for r in rasters if r.year is not None}
    )
    themes = []
    shown = [*base_groups, *(g for g, _ in groups if g in HIDDEN_GROUPS), RASTER_GROUP]
    shown = list(dict.fromkeys(shown))
    for year in years:
        ids = list(base)
        for _, members in groups:
            for m in members:
                if layer_year(m) != year or m.spec.name in THEME_OMITTED_LAYERS:
                    continue
                if _PAIR_SUBSET.search(m.subset or ""):
                    continue  # changes have their own themes: under the year's fills, unseen
                ids.append(_lid(m))
        ids += [r.layer_id for r in rasters if r.year == year]
        themes.append(Theme(year_theme_name(year), tuple(ids), tuple(shown)))
    pairs: dict[tuple[int, int], list[str]] = {}
    for _, members in groups:
        for m in members:
            match = _PAIR_SUBSET.search(m.subset or "")
            if match:
                pair = (int(match.group(1)), int(match.group(2)))
                pairs.setdefault(pair, []).append(_lid(m))
    for (before, after), ids in sorted(pairs.items()):
        themes.append(Theme(change_theme_name(before, after), (*base, *ids), tuple(shown)))
    for name, wanted in LAYOUT_GROUPS.items():
        ids = [
            _lid(m)
            for group, members in groups
            if group in wanted
            for m in members
            if _checked(m) and layer_year(m) is None
        ]
        themes.append(Theme(name, tuple(ids), tuple(g for g, _ in groups if g in wanted)))
    return themes


def layout_specs(themes: Sequence[Theme]) -> list[LayoutSpec]:
    """The A3 三区图, 综合交通图 and 可达性图 (the latest year's theme)."""
    specs = [
        LayoutSpec("A3 三区图", "江门市 三区与规划结构（示意）", "三区图"),
        LayoutSpec("A3 综合交通图", "江门市 综合交通（示意）", "综合交通图"),
    ]
    year_themes = [t.name for t in themes if t.name.endswith("年") and t.name[:4].isdigit()]
    if year_themes:
        latest = max(year_themes)
        specs.append(LayoutSpec("A3 可达性图", f"江门市 可达性 {latest}（示意）", latest))
    return specs


def _measurement_properties(properties: ET.Element) -> None:
    measure = ET.SubElement(properties, "Measure")
    ET.SubElement(measure, "Ellipsoid", {"type": "QString"}).text = ELLIPSOID
    units = ET.SubElement(properties, "Measurement")
    ET.SubElement(units, "DistanceUnits", {"type": "QString"}).text = DISTANCE_UNITS
    ET.SubElement(units, "AreaUnits", {"type": "QString"}).text = AREA_UNITS


def project_xml(
    layers: Sequence[StyledLayer],
    gpkg_name: str,
    extent: Extent | None = None,
    *,
    rasters: Sequence[RasterLayer] = (),
    sources: Mapping[str, Sequence[str]] | None = None,
    review_no: str | None = None,
) -> str:
    """The ``.qgs`` document of the project.

    Parameters
    ----------
    layers
        The GeoPackage's styled layers.
    gpkg_name
        The GeoPackage's file name (sources are relative to its folder).
    extent
        The opening extent (degrees); also the layouts' map extent.
    rasters
        GeoTIFFs beside the GeoPackage, shown in the 可达性栅格 group.
    sources
        Data sources named in each layout's footer, by layout name.
    review_no
        The 审图号 printed on the layouts, only when given.

    Returns
    -------
    str
        The XML text.
    """
    root = ET.Element(
        "qgis",
        {"projectname": PROJECT_TITLE, "version": QGIS_VERSION, "saveUser": "jmgis"},
    )
    ET.SubElement(root, "homePath", {"path": ""})
    ET.SubElement(root, "title").text = PROJECT_TITLE
    ET.SubElement(root, "projectCrs").append(_srs_element())
    tree = ET.SubElement(root, "layer-tree-group")
    ET.SubElement(tree, "customproperties")
    order = []
    for group_name, members in ordered_groups(layers):
        checked = "Qt::Unchecked" if group_name in HIDDEN_GROUPS else "Qt::Checked"
        group = ET.SubElement(
            tree,
            "layer-tree-group",
            {"name": group_name, "checked": checked, "expanded": "1"},
        )
        ET.SubElement(group, "customproperties")
        for member in members:
            order.append(member)
            ET.SubElement(
                group,
                "layer-tree-layer",
                {
                    "id": _lid(member),
                    "name": _title(member),
                    "source": _source(member, gpkg_name),
                    "providerKey": "ogr",
                    "checked": "Qt::Checked" if _checked(member) else "Qt::Unchecked",
                    "expanded": "0" if geometry_kind(member.spec) is None else "1",
                },
            )
    if rasters:
        group = ET.SubElement(
            tree,
            "layer-tree-group",
            {"name": RASTER_GROUP, "checked": "Qt::Unchecked", "expanded": "1"},
        )
        ET.SubElement(group, "customproperties")
        for raster in rasters:
            ET.SubElement(
                group,
                "layer-tree-layer",
                {
                    "id": raster.layer_id,
                    "name": raster.title,
                    "source": raster.datasource,
                    "providerKey": "gdal",
                    "checked": "Qt::Checked",
                    "expanded": "1",
                },
            )
    projectlayers = ET.SubElement(root, "projectlayers")
    for member in order:
        projectlayers.append(_maplayer(member, gpkg_name))
    for raster in rasters:
        projectlayers.append(raster_maplayer(raster))
    layerorder = ET.SubElement(root, "layerorder")
    for member in order:
        ET.SubElement(layerorder, "layer", {"id": _lid(member)})
    for raster in rasters:
        ET.SubElement(layerorder, "layer", {"id": raster.layer_id})
    themes = map_themes(ordered_groups(layers), rasters)
    root.append(themes_xml(themes))
    if extent is not None:
        box = (extent.xmin, extent.ymin, extent.xmax, extent.ymax)
        root.append(layouts_xml(layout_specs(themes), box, sources=sources, review_no=review_no))
    if extent is not None:
        view = ET.SubElement(root, "ProjectViewSettings", {"UseProjectScales": "0"})
        ET.SubElement(view, "Scales")
        default_extent = ET.SubElement(
            view,
            "DefaultViewExtent",
            {k: repr(getattr(extent, k)) for k in ("xmin", "ymin", "xmax", "ymax")},
        )
        default_extent.append(_srs_element())
        canvas = ET.SubElement(
            root, "mapcanvas", {"name": "theMapCanvas", "annotationsVisible": "1"}
        )
        ET.SubElement(canvas, "units").text = "degrees"
        canvas.append(_extent_element("extent", extent))
        ET.SubElement(canvas, "rotation").text = "0"
        ET.SubElement(canvas, "destinationsrs").append(_srs_element())
    properties = ET.SubElement(root, "properties")
    paths = ET.SubElement(properties, "Paths")
    ET.SubElement(paths, "Absolute", {"type": "bool"}).text = "false"
    srs_props = ET.SubElement(properties, "SpatialRefSys")
    ET.SubElement(srs_props, "ProjectionsEnabled", {"type": "int"}).text = "1"
    _measurement_properties(properties)
    ET.indent(root, space=" ")
    return DOCTYPE + "\n" + checked_tostring(root) + "\n"


def qgz_bytes(qgs: str, name: str = PROJECT_NAME) -> bytes:
    """A ``.qgz`` archive (zip holding ``<name>.qgs``).

    Parameters
    ----------
    qgs : str
        The ``.qgs`` text.
    name : str
        The project's name.

    Returns
    -------
    bytes
        The archive.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo(f"{name}.qgs", date_time=(2020, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, qgs.encode("utf-8"))
    return buffer.getvalue()


def write_project_to_gpkg(gpkg: str | Path, qgz: bytes, name: str = PROJECT_NAME) -> None:
    """Store (or replace) the project in the GeoPackage's ``qgis_projects`` table.

    Parameters
    ----------
    gpkg : str or pathlib.Path
        The GeoPackage file.
    qgz : bytes
        The ``.qgz`` archive.
    name : str
        The project's name.
    """
    metadata = {
        "last_modified_time": iso_utc()[:-1],
        "last_modified_user": "jmgis",
    }
    conn = sqlite3.connect(gpkg)
    try:
        with conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS qgis_projects"
                "(name TEXT PRIMARY KEY, metadata BLOB, content BLOB)"
            )
            conn.execute(
                "INSERT OR REPLACE INTO qgis_projects (name, metadata, content) VALUES (?, ?, ?)",
                (name, json.dumps(metadata), qgz.hex()),
            )
    finally:
        conn.close()


def read_project_from_gpkg(gpkg: str | Path, name: str = PROJECT_NAME) -> str:
    """The ``.qgs`` text of a project stored in a GeoPackage.

    Parameters
    ----------
    gpkg : str or pathlib.Path
        The GeoPackage file.
    name : str
        The project's name.

    Returns
    -------
    str
        The ``.qgs`` text.
    """
    conn = sqlite3.connect(gpkg)
    try:
        row = conn.execute("SELECT content FROM qgis_projects WHERE name = ?", (name,)).fetchone()
    finally:
        conn.close()
    if row is None:
        raise KeyError(f"{gpkg}: no QGIS project named {name!r}")
    content = row[0]
    data = bytes.fromhex(content) if isinstance(content, str) else bytes(content)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        qgs_name = next(n for n in archive.namelist() if n.endswith(".qgs"))
        return archive.read(qgs_name).decode("utf-8")


EXTENT_LAYERS = ("city", "county", "township")
"""The project opens on the first of these present (else on all layers): the city, not
the far gateways (广州, 澳门 …) that transport layers also hold."""
EXTENT_MARGIN = 0.03
"""Margin around the opening extent, as a share of its size."""


def gpkg_extent(gpkg: str | Path, layers: Sequence[str]) -> Extent | None:
    """The opening extent: the city's box (:data:`EXTENT_LAYERS`) or all layers', + margin.

    Parameters
    ----------
    gpkg : str or pathlib.Path
        The GeoPackage file.
    layers : Sequence of str
        The project's layers.

    Returns
    -------
    Extent or None
        The extent (degrees), or ``None`` when no layer has one.
    """
    preferred = next((name for name in EXTENT_LAYERS if name in layers), None)
    box = _contents_extent(gpkg, [preferred] if preferred else layers)
    if box is None:
        return None
    dx = (box.xmax - box.xmin) * EXTENT_MARGIN
    dy = (box.ymax - box.ymin) * EXTENT_MARGIN
    return Extent(box.xmin - dx, box.ymin - dy, box.xmax + dx, box.ymax + dy)


def _contents_extent(gpkg: str | Path, layers: Sequence[str]) -> Extent | None:
    """The union of the layers' bounding boxes from ``gpkg_contents``."""
    conn = sqlite3.connect(gpkg)
    try:
        marks = ",".join("?" * len(layers))
        row = conn.execute(
            f"SELECT min(min_x), min(min_y), max(max_x), max(max_y) FROM gpkg_contents "
            f"WHERE data_type = 'features' AND table_name IN ({marks})",
            list(layers),
        ).fetchone()
    finally:
        conn.close()
    if row is None or row[0] is None:
        return None
    return Extent(*map(float, row))
