"""Serialise a :class:`~jmgis.io.qgis.styledef.LayerStyle` as a QGIS QML style document.

The XML follows what QGIS 3.22 itself writes (``QgsMapLayer::saveNamedStyle``): symbol
layer properties both as ``<Option type="Map">`` (read by QGIS ≥ 3.20) and as legacy
``<prop k v>`` (read by older versions), a ``renderer-v2`` element, simple labelling, and
field aliases.  The same elements are embedded in the ``<maplayer>`` entries of the
project (:mod:`jmgis.io.qgis.project`), so the project and the default style agree.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET

from jmgis.io.qgis.styledef import Labels, LayerStyle, Symbol, geometry_kind
from jmgis.io.qgis.xmltext import checked_tostring
from jmgis.layers import LayerSpec

QGIS_VERSION = "3.22.16-Białowieża"
"""Version written in the documents: the oldest QGIS jmgis supports (Debian 12)."""

DOCTYPE = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>"
LABEL_FONT = "Noto Sans CJK SC"
"""Label font; QGIS substitutes an installed CJK font when it is missing."""

GEOMETRY_TYPE_CODES = {"marker": "0", "line": "1", "fill": "2", None: "4"}
"""``QgsWkbTypes::GeometryType`` of the ``<layerGeometryType>`` element."""

_SYMBOL_TYPES = {"fill": "fill", "line": "line", "marker": "marker"}


def rgba(color: str | None, opacity: float = 1.0) -> str:
    """``#rrggbb`` → QGIS ``r,g,b,a`` (alpha 0–255); None → fully transparent.

    Parameters
    ----------
    color : str or None
        ``#rrggbb``, or ``None``.
    opacity : float
        Opacity 0–1.

    Returns
    -------
    str
        The QGIS colour.
    """
    if color is None:
        return "0,0,0,0"
    value = color.lstrip("#")
    if len(value) != 6:
        raise ValueError(f"colour {color!r} is not #rrggbb")
    r, g, b = (int(value[i : i + 2], 16) for i in (0, 2, 4))
    return f"{r},{g},{b},{round(max(0.0, min(1.0, opacity)) * 255)}"


def _num(x: float) -> str:
    return f"{x:g}"


def _symbol_layer_props(symbol: Symbol) -> tuple[str, dict[str, str]]:
    if symbol.kind == "fill":
        props = {
            "color": rgba(symbol.color, symbol.opacity),
            "style": "no" if symbol.color is None or symbol.opacity == 0 else "solid",
            "outline_color": rgba(symbol.outline_color or "#000000"),
            "outline_style": "solid" if symbol.outline_color else "no",
            "outline_width": _num(symbol.outline_width_mm),
            "outline_width_unit": "MM",
            "joinstyle": "round",
        }
        return "SimpleFill", props
    if symbol.kind == "line":
        props = {
            "line_color": rgba(symbol.color),
            "line_width": _num(symbol.width_mm),
            "line_width_unit": "MM",
            "line_style": "solid",
            "capstyle": "round",
            "joinstyle": "round",
            "use_custom_dash": "1" if symbol.dash else "0",
            "customdash": ";".join(_num(x) for x in symbol.dash) if symbol.dash else "5;2",
            "customdash_unit": "MM",
        }
        return "SimpleLine", props
    props = {
        "name": symbol.shape,
        "color": rgba(symbol.color, symbol.opacity),
        "outline_color": rgba(symbol.outline_color or "#000000"),
        "outline_style": "solid" if symbol.outline_color else "no",
        "outline_width": _num(symbol.outline_width_mm),
        "outline_width_unit": "MM",
        "size": _num(symbol.size_mm),
        "size_unit": "MM",
        "scale_method": "diameter",
        "angle": "0",
    }
    return "SimpleMarker", props


def symbol_element(symbol: Symbol, name: str) -> ET.Element:
    """A ``<symbol>`` element with one simple symbol layer.

    Parameters
    ----------
    symbol : Symbol
        The symbol (colours, widths in mm).
    name : str
        The symbol's name (its index in the renderer).

    Returns
    -------
    xml.etree.ElementTree.Element
        The element.
    """
    alpha = symbol.opacity if symbol.kind == "line" else 1.0
    elem = ET.Element(
        "symbol",
        {
            "type": _SYMBOL_TYPES[symbol.kind],
            "name": name,
            "alpha": _num(alpha),
            "clip_to_extent": "1",
            "force_rhr": "0",
        },
    )
    cls, props = _symbol_layer_props(symbol)
    layer = ET.SubElement(elem, "layer", {"class": cls, "enabled": "1", "locked": "0", "pass": "0"})
    options = ET.SubElement(layer, "Option", {"type": "Map"})
    for key, value in props.items():
        ET.SubElement(options, "Option", {"type": "QString", "name": key, "value": value})
    for key, value in props.items():
        ET.SubElement(layer, "prop", {"k": key, "v": value})
    return elem


def _renderer_attrs(kind: str, **extra: str) -> dict[str, str]:
    attrs = {
        "type": kind,
        "symbollevels": "0",
        "forceraster": "0",
        "enableorderby": "0",
        "referencescale": "-1",
    }
    attrs.update(extra)
    return attrs


def renderer_element(style: LayerStyle) -> ET.Element:
    """The ``<renderer-v2>`` element of a style with geometry."""
    if style.renderer == "singleSymbol":
        elem = ET.Element("renderer-v2", _renderer_attrs("singleSymbol"))
        symbols = ET.SubElement(elem, "symbols")
        symbols.append(symbol_element(style.symbol, "0"))  # type: ignore[arg-type]  # set for this renderer (LayerStyle)
    elif style.renderer == "categorizedSymbol":
        elem = ET.Element(
            "renderer-v2",
            _renderer_attrs("categorizedSymbol", attr=style.attr),  # type: ignore[arg-type]  # set for this renderer (LayerStyle)
        )
        categories = ET.SubElement(elem, "categories")
        symbols = ET.SubElement(elem, "symbols")
        for i, cat in enumerate(style.categories):
            ET.SubElement(
                categories,
                "category",
                {"value": cat.value, "label": cat.label, "symbol": str(i), "render": "true"},
            )
            symbols.append(symbol_element(cat.symbol, str(i)))
    elif style.renderer == "graduatedSymbol":
        elem = ET.Element(
            "renderer-v2",
            _renderer_attrs(
                "graduatedSymbol",
                attr=style.attr,  # type: ignore[arg-type]  # set for this renderer (LayerStyle)
                graduatedMethod="GraduatedColor",
            ),
        )
        ranges = ET.SubElement(elem, "ranges")
        symbols = ET.SubElement(elem, "symbols")
        for i, rng in enumerate(style.ranges):
            ET.SubElement(
                ranges,
                "range",
                {
                    "lower": f"{rng.lower:.6f}",
                    "upper": f"{rng.upper:.6f}",
                    "label": rng.label,
                    "symbol": str(i),
                    "render": "true",
                },
            )
            symbols.append(symbol_element(rng.symbol, str(i)))
        method = ET.SubElement(elem, "classificationMethod", {"id": "Custom"})
        ET.SubElement(
            method,
            "labelFormat",
            {"format": "%1 - %2", "labelprecision": "0", "trimtrailingzeroes": "1"},
        )
    elif style.renderer == "RuleRenderer":
        elem = ET.Element("renderer-v2", _renderer_attrs("RuleRenderer"))
        rules = ET.SubElement(elem, "rules", {"key": _key(style.layer, "root")})
        symbols = ET.SubElement(elem, "symbols")
        for i, rule in enumerate(style.rules):
            ET.SubElement(
                rules,
                "rule",
                {
                    "key": _key(style.layer, rule.filter),
                    "filter": rule.filter,
                    "label": rule.label,
                    "symbol": str(i),
                },
            )
            symbols.append(symbol_element(rule.symbol, str(i)))
    else:
        raise ValueError(f"layer {style.layer}: unknown renderer {style.renderer!r}")
    if style.order_by is not None:
        elem.set("enableorderby", "1")
        field, ascending = style.order_by
        order = ET.SubElement(elem, "orderby")
        clause = ET.SubElement(
            order, "orderByClause", {"asc": "1" if ascending else "0", "nullsFirst": "0"}
        )
        clause.text = f'"{field}"'
    ET.SubElement(elem, "rotation")
    ET.SubElement(elem, "sizescale")
    return elem


def _key(layer: str, text: str) -> str:
    """A stable rule key, so regenerated styles are byte-identical."""
    return "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"jmgis:{layer}:{text}")) + "}"


_PLACEMENT = {"fill": "1", "marker": "0", "line": "2"}  # OverPoint, AroundPoint, Line


def labeling_element(labels: Labels, kind: str) -> ET.Element:
    """``<labeling type="simple">`` for one field.

    Parameters
    ----------
    labels : Labels
        The label settings.
    kind : str
        Geometry kind (``fill``, ``line``, ``marker``): where labels are placed.

    Returns
    -------
    xml.etree.ElementTree.Element
        The element.
    """
    elem = ET.Element("labeling", {"type": "simple"})
    settings = ET.SubElement(elem, "settings", {"calloutType": "simple"})
    text = ET.SubElement(
        settings,
        "text-style",
        {
            "fieldName": labels.field,
            "isExpression": "0",
            "fontFamily": LABEL_FONT,
            "namedStyle": "Bold" if labels.bold else "Regular",
            "fontWeight": "75" if labels.bold else "50",
            "fontSize": _num(labels.size_pt),
            "fontSizeUnit": "Point",
            "textColor": rgba(labels.color),
            "textOpacity": "1",
            "allowHtml": "0",
            "multilineHeight": "1",
        },
    )
    ET.SubElement(
        text,
        "text-buffer",
        {
            "bufferDraw": "1",
            "bufferSize": "0.8",
            "bufferSizeUnits": "MM",
            "bufferColor": rgba(labels.buffer_color),
            "bufferOpacity": "1",
            "bufferNoFill": "1",
            "bufferJoinStyle": "128",
        },
    )
    ET.SubElement(settings, "text-format", {"wrapChar": "", "multilineAlign": "3"})
    ET.SubElement(
        settings,
        "placement",
        {
            "placement": _PLACEMENT[kind],
            "placementFlags": "10",
            "centroidInside": "1",
            "centroidWhole": "0",
            "dist": "1" if kind == "marker" else "0",
            "distUnits": "MM",
            "priority": "5",
            "fitInPolygonOnly": "0",
        },
    )
    scale = labels.max_scale_denominator
    # QGIS keeps the legacy swapped names: "scaleMax" is the most zoomed-out scale.
    ET.SubElement(
        settings,
        "rendering",
        {
            "scaleVisibility": "1" if scale else "0",
            "scaleMin": "0",
            "scaleMax": _num(scale or 0),
            "obstacle": "1",
            "drawLabels": "1",
            "upsidedownLabels": "0",
            "displayAll": "0",
            "mergeLines": "1" if kind == "line" else "0",
            "labelPerPart": "0",
            "limitNumLabels": "0",
            "maxNumLabels": "2000",
        },
    )
    return elem


def aliases_element(spec: LayerSpec) -> ET.Element:
    """``<aliases>``: the registry's Chinese alias of every column (index 0 is the fid)."""
    elem = ET.Element("aliases")
    for i, f in enumerate(spec.fields, start=1):
        ET.SubElement(elem, "alias", {"field": f.name, "index": str(i), "name": f.alias})
    return elem


def style_elements(style: LayerStyle, spec: LayerSpec) -> list[ET.Element]:
    """The children of a ``<qgis>`` style document / ``<maplayer>`` project entry.

    Parameters
    ----------
    style : LayerStyle
        The layer's style.
    spec : LayerSpec
        The layer's registry entry.

    Returns
    -------
    list of xml.etree.ElementTree.Element
        Renderer, labeling, field aliases and the rest.
    """
    kind = geometry_kind(spec)
    elements: list[ET.Element] = []
    if kind is not None and style.renderer:
        elements.append(renderer_element(style))
        if style.labels is not None:
            elements.append(labeling_element(style.labels, kind))
        for tag, text in (
            ("blendMode", "0"),
            ("featureBlendMode", "0"),
            ("layerOpacity", _num(style.opacity)),
        ):
            elements.append(ET.Element(tag))
            elements[-1].text = text
    elements.append(aliases_element(spec))
    geometry_type = ET.Element("layerGeometryType")
    geometry_type.text = GEOMETRY_TYPE_CODES[kind]
    elements.append(geometry_type)
    return elements


def root_attributes(style: LayerStyle) -> dict[str, str]:
    """Attributes of the ``<qgis>`` / ``<maplayer>`` element that belong to the style."""
    return {
        "labelsEnabled": "1" if style.labels is not None else "0",
        "hasScaleBasedVisibilityFlag": "0",
        "minScale": "100000000",
        "maxScale": "0",
        "readOnly": "0",
        "simplifyDrawingHints": "1",
        "simplifyDrawingTol": "1",
        "simplifyAlgorithm": "0",
        "simplifyLocal": "1",
        "simplifyMaxScale": "1",
        "symbologyReferenceScale": "-1",
        "styleCategories": "AllStyleCategories",
    }


def qml(style: LayerStyle, spec: LayerSpec) -> str:
    """The complete QML document (UTF-8 text) of a layer style.

    Parameters
    ----------
    style : LayerStyle
        The layer's style.
    spec : LayerSpec
        The layer's registry entry.

    Returns
    -------
    str
        The QML text.
    """
    root = ET.Element("qgis", {"version": QGIS_VERSION, **root_attributes(style)})
    root.extend(style_elements(style, spec))
    ET.indent(root, space=" ")
    return DOCTYPE + "\n" + checked_tostring(root) + "\n"
