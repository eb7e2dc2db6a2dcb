"""Serialise a :class:`~jmgis.io.qgis.styledef.LayerStyle` as SLD 1.1 (``styleSLD``).

SLD carries symbology and labels only (no aliases); QGIS reads the QML column, other
clients (GeoServer, ArcGIS Pro via plug-ins) may read this one.  Sizes are converted from
millimetres to pixels at 96 dpi.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from jmgis.io.qgis.styledef import LayerStyle, Symbol, geometry_kind
from jmgis.io.qgis.xmltext import checked_tostring
from jmgis.layers import LayerSpec

NS = {
    "": "http://www.opengis.net/sld",
    "se": "http://www.opengis.net/se",
    "ogc": "http://www.opengis.net/ogc",
    "xlink": "http://www.w3.org/1999/xlink",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}
MM_PX = 96 / 25.4

_SIMPLE_TEST = re.compile(r"^\"(\w+)\" = '((?:[^'\\]|''|\\.)*)'$")
_LITERAL_ESCAPE = re.compile(r"''|\\(.)")
_NULL_TEST = re.compile(r'^"(\w+)" IS NULL$')
_COMPARE_TEST = re.compile(r'^"(\w+)" (<|<=|>|>=) (-?[0-9.]+)$')
_INF_TEST = re.compile(r"^to_string\(\"\w+\"\) = '-?inf'$")
_COMPARE_TAGS = {
    "<": "ogc:PropertyIsLessThan",
    "<=": "ogc:PropertyIsLessThanOrEqualTo",
    ">": "ogc:PropertyIsGreaterThan",
    ">=": "ogc:PropertyIsGreaterThanOrEqualTo",
}
_SHAPES = {
    "circle": "circle",
    "square": "square",
    "triangle": "triangle",
    "star": "star",
    "diamond": "square",
    "cross": "cross",
}


def _se(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    elem = ET.SubElement(parent, f"se:{tag}", attrs)
    if text is not None:
        elem.text = text
    return elem


def _param(parent: ET.Element, name: str, value: str) -> None:
    _se(parent, "SvgParameter", value, name=name)


def _px(mm: float) -> str:
    return f"{mm * MM_PX:.2f}"


def _symbolizer(parent: ET.Element, symbol: Symbol) -> None:
    if symbol.kind == "fill":
        sym = _se(parent, "PolygonSymbolizer")
        if symbol.color is not None and symbol.opacity > 0:
            fill = _se(sym, "Fill")
            _param(fill, "fill", symbol.color)
            _param(fill, "fill-opacity", f"{symbol.opacity:g}")
        if symbol.outline_color:
            stroke = _se(sym, "Stroke")
            _param(stroke, "stroke", symbol.outline_color)
            _param(stroke, "stroke-width", _px(symbol.outline_width_mm))
    elif symbol.kind == "line":
        sym = _se(parent, "LineSymbolizer")
        stroke = _se(sym, "Stroke")
        _param(stroke, "stroke", symbol.color or "#000000")
        _param(stroke, "stroke-width", _px(symbol.width_mm))
        _param(stroke, "stroke-opacity", f"{symbol.opacity:g}")
        _param(stroke, "stroke-linecap", "round")
        if symbol.dash:
            _param(stroke, "stroke-dasharray", " ".join(_px(x) for x in symbol.dash))
    else:
        sym = _se(parent, "PointSymbolizer")
        graphic = _se(sym, "Graphic")
        mark = _se(graphic, "Mark")
        _se(mark, "WellKnownName", _SHAPES.get(symbol.shape, "circle"))
        fill = _se(mark, "Fill")
        _param(fill, "fill", symbol.color or "#999999")
        if symbol.outline_color:
            stroke = _se(mark, "Stroke")
            _param(stroke, "stroke", symbol.outline_color)
            _param(stroke, "stroke-width", _px(symbol.outline_width_mm))
        _se(graphic, "Size", _px(symbol.size_mm))


def _equals(parent: ET.Element, attr: str, value: str) -> None:
    test = ET.SubElement(parent, "ogc:PropertyIsEqualTo")
    ET.SubElement(test, "ogc:PropertyName").text = attr
    ET.SubElement(test, "ogc:Literal").text = value


def _split(expression: str, separator: str) -> list[str]:
    """``expression`` split at ``separator`` outside string literals.

    A category value from the data may itself contain `` AND `` or `` OR ``.
    """
    parts, start, i, quoted = [], 0, 0, False
    while i < len(expression):
        char = expression[i]
        if quoted and char == "\\":
            i += 2
            continue
        if char == "'":
            quoted = not quoted  # '' inside a literal toggles twice
        elif not quoted and expression.startswith(separator, i):
            parts.append(expression[start:i])
            i += len(separator)
            start = i
            continue
        i += 1
    parts.append(expression[start:])
    return parts


def _unquote(body: str) -> str:
    r"""The text of a QGIS string literal's body (``''`` and ``\x`` escapes undone)."""
    return _LITERAL_ESCAPE.sub(lambda m: "'" if m.group(0) == "''" else m.group(1), body)


def _expression_filter(rule: ET.Element, expression: str) -> None:
    """Translate the ``"a" = 'x' AND "b" = 'y'`` rules :mod:`styledef` writes."""
    if expression == "ELSE":
        _se(rule, "ElseFilter")
        return
    # "… OR to_string(x) = 'inf'" catches infinities in QGIS; SLD has no infinity
    alternatives = [a for a in _split(expression, " OR ") if not _INF_TEST.match(a)]
    if len(alternatives) != 1:
        raise ValueError(f"cannot express {expression!r} in SLD")
    parts = _split(alternatives[0], " AND ")
    flt = ET.SubElement(rule, "ogc:Filter")
    target = ET.SubElement(flt, "ogc:And") if len(parts) > 1 else flt
    for part in parts:
        if m := _SIMPLE_TEST.match(part):
            _equals(target, m.group(1), _unquote(m.group(2)))
        elif m := _COMPARE_TEST.match(part):
            test = ET.SubElement(target, _COMPARE_TAGS[m.group(2)])
            ET.SubElement(test, "ogc:PropertyName").text = m.group(1)
            ET.SubElement(test, "ogc:Literal").text = m.group(3)
        elif m := _NULL_TEST.match(part):
            test = ET.SubElement(target, "ogc:PropertyIsNull")
            ET.SubElement(test, "ogc:PropertyName").text = m.group(1)
        else:
            raise ValueError(f"cannot express {part!r} in SLD")


def _range_filter(rule: ET.Element, attr: str, lower: float, upper: float) -> None:
    flt = ET.SubElement(rule, "ogc:Filter")
    both = ET.SubElement(flt, "ogc:And")
    for tag, value in (
        ("ogc:PropertyIsGreaterThan" if lower > 0 else "ogc:PropertyIsGreaterThanOrEqualTo", lower),
        ("ogc:PropertyIsLessThanOrEqualTo", upper),
    ):
        test = ET.SubElement(both, tag)
        ET.SubElement(test, "ogc:PropertyName").text = attr
        ET.SubElement(test, "ogc:Literal").text = f"{value:g}"


def _text_rule(fts: ET.Element, style: LayerStyle) -> None:
    labels = style.labels
    assert labels is not None, "called only for a style with labels"
    rule = _se(fts, "Rule")
    _se(rule, "Name", "标注")
    if labels.max_scale_denominator:
        _se(rule, "MaxScaleDenominator", f"{labels.max_scale_denominator:g}")
    text = _se(rule, "TextSymbolizer")
    label = _se(text, "Label")
    ET.SubElement(label, "ogc:PropertyName").text = labels.field
    font = _se(text, "Font")
    _param(font, "font-size", f"{labels.size_pt * 96 / 72:.1f}")
    if labels.bold:
        _param(font, "font-weight", "bold")
    halo = _se(text, "Halo")
    _se(halo, "Radius", "2")
    _param(_se(halo, "Fill"), "fill", labels.buffer_color)
    _param(_se(text, "Fill"), "fill", labels.color)


def sld(style: LayerStyle, spec: LayerSpec) -> str:
    """The SLD document (text) of a style; empty string for attribute tables.

    Parameters
    ----------
    style : LayerStyle
        The layer's style.
    spec : LayerSpec
        The layer's registry entry.

    Returns
    -------
    str
        The SLD text.
    """
    if geometry_kind(spec) is None or style.renderer is None:
        return ""
    root = ET.Element(
        "StyledLayerDescriptor",
        {
            "version": "1.1.0",
            "xmlns": NS[""],
            "xmlns:se": NS["se"],
            "xmlns:ogc": NS["ogc"],
            "xmlns:xlink": NS["xlink"],
            "xmlns:xsi": NS["xsi"],
            "xsi:schemaLocation": "http://www.opengis.net/sld "
            "http://schemas.opengis.net/sld/1.1.0/StyledLayerDescriptor.xsd",
        },
    )
    named = ET.SubElement(root, "NamedLayer")
    _se(named, "Name", spec.name)
    user = ET.SubElement(named, "UserStyle")
    _se(user, "Name", spec.title)
    fts = _se(user, "FeatureTypeStyle")
    if style.renderer == "singleSymbol":
        rule = _se(fts, "Rule")
        _se(rule, "Name", spec.title)
        _symbolizer(rule, style.symbol)  # type: ignore[arg-type]  # set for this renderer (LayerStyle)
    elif style.renderer == "categorizedSymbol":
        for cat in style.categories:
            rule = _se(fts, "Rule")
            _se(rule, "Name", cat.label)
            _equals(ET.SubElement(rule, "ogc:Filter"), style.attr, cat.value)  # type: ignore[arg-type]  # set for this renderer (LayerStyle)
            _symbolizer(rule, cat.symbol)
    elif style.renderer == "graduatedSymbol":
        for rng in style.ranges:
            rule = _se(fts, "Rule")
            _se(rule, "Name", rng.label)
            _range_filter(rule, style.attr, rng.lower, rng.upper)  # type: ignore[arg-type]  # set for this renderer (LayerStyle)
            _symbolizer(rule, rng.symbol)
    elif style.renderer == "RuleRenderer":
        for item in style.rules:
            rule = _se(fts, "Rule")
            _se(rule, "Name", item.label)
            _expression_filter(rule, item.filter)
            _symbolizer(rule, item.symbol)
    if style.labels is not None:
        _text_rule(fts, style)
    ET.indent(root, space=" ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + checked_tostring(root)
