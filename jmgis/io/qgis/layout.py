"""Print layouts and map themes of the QGIS project.

Three A3 landscape layouts (:data:`LAYOUTS`: 三区图, 综合交通图, 可达性图), each with a
title, a map following a map theme, a legend, a scale bar in kilometres, a north arrow,
the CRS, the data sources and the 示意图 footer (with the 审图号 only when one is given —
jmgis never invents one).  Map themes: one per scenario year (the year's accessibility
layers and raster, the base layers as the project opens) plus one per layout.

The XML is the subset of QGIS 3.22's ``<Layouts>`` and ``<visibility-presets>`` that
QGIS needs; it fills the rest with its defaults when it reads the project.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

# QgsLayoutItemRegistry item types (QGIS 3.x)
PAGE, MAP, PICTURE, LABEL, LEGEND, SCALEBAR = 65638, 65639, 65640, 65641, 65642, 65646
LEGEND_COLUMNS = 2
"""Legend columns: the 综合交通图 lists every road class × status in 92 mm × 250 mm."""

A3_MM = (420.0, 297.0)
NORTH_ARROW_SVG = "arrows/NorthArrow_02.svg"
"""An SVG of QGIS's own library, found through its SVG search paths."""

DISCLAIMER = "内部工作用图，界线不作为权属依据"
CRS_NOTE = "坐标系：2000国家大地坐标系（CGCS2000，EPSG:4490）"


@dataclass(frozen=True)
class Theme:
    """A map theme: the visible layer ids and the checked groups."""

    name: str
    layers: tuple[str, ...]
    groups: tuple[str, ...]


@dataclass(frozen=True)
class LayoutSpec:
    """A print layout: its name, title and the map theme its map follows."""

    name: str
    title: str
    theme: str


LAYOUT_GROUPS: dict[str, tuple[str, ...]] = {
    "三区图": ("行政区划", "三区", "规划结构"),
    "综合交通图": ("行政区划", "交通"),
}
"""The groups shown by the themes of the 三区 and transport layouts."""


def year_theme_name(year: int) -> str:
    """The name of the map theme of a scenario year (``2035年``)."""
    return f"{year}年"


def themes_xml(themes: Sequence[Theme]) -> ET.Element:
    """``<visibility-presets>`` holding ``themes``."""
    root = ET.Element("visibility-presets")
    for theme in themes:
        preset = ET.SubElement(
            root,
            "visibility-preset",
            {"name": theme.name, "has-checked-group-info": "1", "has-expanded-info": "0"},
        )
        for layer_id in theme.layers:
            ET.SubElement(preset, "layer", {"id": layer_id, "visible": "1", "style": "default"})
        checked = ET.SubElement(preset, "checked-group-nodes")
        for group in theme.groups:
            ET.SubElement(checked, "checked-group-node", {"id": group})
    return root


def _uuid(*parts: str) -> str:
    return "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, "jmgis:layout:" + ":".join(parts))) + "}"


def _item(
    kind: int, key: str, x: float, y: float, w: float, h: float, z: int, **attrs
) -> ET.Element:
    base = {
        "type": str(kind),
        "uuid": key,
        "templateUuid": key,
        "position": f"{x:g},{y:g},mm",
        "positionOnPage": f"{x:g},{y:g},mm",
        "size": f"{w:g},{h:g},mm",
        "zValue": str(z),
        "visibility": "1",
        "opacity": "1",
        "background": "false",
        "frame": "false",
        "referencePoint": "0",
        "itemRotation": "0",
    }
    base.update({k: str(v) for k, v in attrs.items()})
    return ET.Element("LayoutItem", base)


LEGEND_STYLES = {
    # name: (font size pt, bold, margins mm); symbolLabel's margin is left of the text
    "title": (12, True, {"marginBottom": "3"}),
    "group": (10, True, {"marginTop": "3"}),
    "subgroup": (9, True, {"marginTop": "2"}),
    "symbol": (8, False, {"marginTop": "1.2"}),
    "symbolLabel": (8, False, {"marginTop": "1.2", "marginLeft": "1.5"}),
}
"""Legend text: 8 pt entries, so two columns of class × status labels fit in A3."""


def _font(size: float, bold: bool = False) -> str:
    """A Qt font description of the layouts' CJK font."""
    return f"Noto Sans CJK SC,{size:g},-1,5,{75 if bold else 50},0,0,0,0,0"


def _legend_styles() -> ET.Element:
    styles = ET.Element("styles")
    for name, (size, bold, margins) in LEGEND_STYLES.items():
        element = ET.SubElement(styles, "style", {"name": name, **margins})
        ET.SubElement(element, "styleFont", {"description": _font(size, bold), "style": ""})
    return styles


def _label(key: str, text: str, x: float, y: float, w: float, h: float, size: float, bold=False):
    item = _item(LABEL, key, x, y, w, h, 3, labelText=text, halign="1", valign="128")
    ET.SubElement(
        item,
        "LabelFont",
        {"description": _font(size, bold)},
    )
    ET.SubElement(item, "FontColor", {"red": "0", "green": "0", "blue": "0", "alpha": "255"})
    return item


def layout_xml(
    spec: LayoutSpec,
    extent: tuple[float, float, float, float],
    *,
    sources: Iterable[str] = (),
    review_no: str | None = None,
) -> ET.Element:
    """One ``<Layout>``: A3 landscape, map on the left, legend on the right, footer below.

    The map has the scale bar lower left and the north arrow upper right.

    Parameters
    ----------
    spec
        Name, title and map theme.
    extent
        ``(xmin, ymin, xmax, ymax)`` of the map in the project CRS (degrees).
    sources
        The data sources named in the footer.
    review_no
        The 审图号, printed only when given.

    Returns
    -------
    xml.etree.ElementTree.Element
        The ``<Layout>`` element.
    """
    width, height = A3_MM
    layout = ET.Element("Layout", {"name": spec.name, "units": "mm", "printResolution": "300"})
    pages = ET.SubElement(layout, "PageCollection")
    page = _item(PAGE, _uuid(spec.name, "page"), 0, 0, width, height, 0, background="true")
    pages.append(page)
    map_key = _uuid(spec.name, "map")
    mx, my, mw, mh = 10.0, 24.0, 282.0, 250.0
    map_item = _item(
        MAP,
        map_key,
        mx,
        my,
        mw,
        mh,
        1,
        frame="true",
        background="true",
        followPreset="true",
        followPresetName=spec.theme,
        keepLayerSet="false",
        drawCanvasItems="false",
        mapRotation="0",
    )
    map_item.append(_fitted_extent(extent, mw / mh))
    ET.SubElement(map_item, "LayerSet")
    layout.append(map_item)
    layout.append(_label(_uuid(spec.name, "title"), spec.title, 10, 6, 400, 14, 22, bold=True))
    legend = _item(
        LEGEND,
        _uuid(spec.name, "legend"),
        mx + mw + 6,
        24,
        width - (mx + mw + 6) - 8,
        250,
        2,
        map_uuid=map_key,
        title="图例",
        resizeToContents="1",
        legendFilterByMap="1",
        background="true",
        # QGIS reads a missing symbolHeight as 14 mm: a long legend would run off the page
        symbolWidth="7",
        symbolHeight="3.5",
        lineSpacing="1",
        columnSpace="3",
        columnCount=str(LEGEND_COLUMNS),
        splitLayer="1",
        equalColumnWidth="0",
    )
    legend.append(_legend_styles())
    layout.append(legend)
    layout.append(
        _item(
            SCALEBAR,
            _uuid(spec.name, "scalebar"),
            mx + 6,
            my + mh - 45,
            80,
            14,
            4,
            mapUuid=map_key,
            style="Single Box",
            unitType="km",
            unitLabel="km",
            # in a geographic map QGIS measures on the ellipsoid straight in the bar's
            # unit (km): a segment is 10 km, and its label is 10 / 1 (not 10 000 / 1000)
            numMapUnitsPerScaleBarUnit="1",
            numSegments="3",
            numSegmentsLeft="0",
            numUnitsPerSegment="10",
            segmentSizeMode="0",
            height="3",
        )
    )
    layout.append(
        _item(
            PICTURE,
            _uuid(spec.name, "north"),
            mx + mw - 20,
            my + 4,
            14,
            20,
            5,
            file=NORTH_ARROW_SVG,
            mapUuid=map_key,
            northMode="0",
            resizeMode="0",
            mode="1",
        )
    )
    footer = [f"示意图 · {DISCLAIMER}"]
    if review_no:
        footer.append(f"审图号：{review_no}")
    footer.append(CRS_NOTE)
    source_list = list(dict.fromkeys(sources))
    if source_list:
        footer.append("数据来源：" + "；".join(source_list))
    layout.append(_label(_uuid(spec.name, "footer"), " · ".join(footer), 10, 277, 400, 16, 8))
    return layout


def _fitted_extent(extent: tuple[float, float, float, float], ratio: float) -> ET.Element:
    """The map extent grown to the item's width/height ratio (no stretched map)."""
    import math

    xmin, ymin, xmax, ymax = extent
    # a degree of longitude is shorter than one of latitude by cos(latitude)
    cos = math.cos(math.radians((ymin + ymax) / 2))
    w, h = (xmax - xmin) * cos, ymax - ymin
    if w / h < ratio:
        grow = (h * ratio - w) / cos / 2
        xmin, xmax = xmin - grow, xmax + grow
    else:
        grow = (w / ratio - h) / 2
        ymin, ymax = ymin - grow, ymax + grow
    return ET.Element(
        "Extent", {"xmin": repr(xmin), "ymin": repr(ymin), "xmax": repr(xmax), "ymax": repr(ymax)}
    )


def layouts_xml(
    specs: Sequence[LayoutSpec],
    extent: tuple[float, float, float, float],
    *,
    sources: Mapping[str, Sequence[str]] | None = None,
    review_no: str | None = None,
) -> ET.Element:
    """``<Layouts>`` holding one layout per spec (``sources`` by layout name).

    Parameters
    ----------
    specs : sequence of LayoutSpec
        The layouts (name, title and map theme of each).
    extent : tuple of float
        ``(xmin, ymin, xmax, ymax)`` of the maps in the project CRS (degrees).
    sources : mapping of str to sequence of str or None
        The data sources named in each layout's footer, by layout name (default none).
    review_no : str or None
        The 审图号, printed only when given.

    Returns
    -------
    xml.etree.ElementTree.Element
        The ``<Layouts>`` element.
    """
    root = ET.Element("Layouts")
    for spec in specs:
        root.append(
            layout_xml(
                spec, extent, sources=(sources or {}).get(spec.name, ()), review_no=review_no
            )
        )
    return root
