"""Map furniture: title, legends that follow their layers, footer, scale, tools.

Every text that reaches the page is escaped here (:func:`jmgis.maps.display.escape`) or
passed as a JSON literal (:func:`jmgis.maps.display.js_literal`), never spliced raw.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import folium
from branca.element import MacroElement
from folium import plugins
from jinja2 import Template

from jmgis import style
from jmgis.maps.display import escape, js_literal
from jmgis.maps.render import Verbatim

CSS = """
<style>
.leaflet-container { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC",
  "WenQuanYi Micro Hei", sans-serif; }
.jm-title { position: absolute; top: 10px; left: 50%; transform: translateX(-50%);
  z-index: 1000; background: rgba(255,255,255,.92); padding: 6px 14px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0,0,0,.3); font-size: 17px; font-weight: 600; color: #222;
  pointer-events: none; white-space: nowrap; }
.jm-title small { display: block; font-size: 12px; font-weight: 400; color: #555; }
.jm-legend { background: rgba(255,255,255,.94); padding: 6px 9px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0,0,0,.3); font-size: 12px; line-height: 18px; color: #222;
  max-height: 45vh; overflow-y: auto; }
.jm-legend h4 { margin: 0 0 4px; font-size: 13px; }
/* many legends: the bottom corners scroll instead of running over the top controls */
.leaflet-control-layers { font-size: 12.5px; line-height: 1.35; }
.leaflet-control-layers-expanded { padding: 4px 8px 4px 6px; }
.leaflet-bottom.leaflet-right, .leaflet-bottom.leaflet-left { max-height: 50%;
  overflow-y: auto; overflow-x: hidden; scrollbar-width: thin; }
.jm-legend-row { display: flex; align-items: center; gap: 6px; white-space: nowrap; }
.jm-swatch { display: inline-block; width: 18px; height: 12px; flex: none; }
.jm-footer { position: absolute; left: 0; right: 0; bottom: 0; z-index: 1000;
  background: rgba(255,255,255,.9); padding: 3px 10px; font-size: 11px; color: #333;
  line-height: 15px; text-align: center; border-top: 1px solid #ccc; }
.jm-footer b { color: #b00; }
.jm-label { font-size: 11px; color: #222; white-space: nowrap; text-align: center;
  text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 2px #fff; pointer-events: none; }
.jm-labels-hidden .jm-label { display: none; }
.leaflet-tooltip.jm-scheme-label { padding: 0 3px; font-size: 11px; font-weight: 600;
  color: #a3271a; border-color: #e4572e; box-shadow: none; }
.leaflet-tooltip table th { text-align: left; padding-right: 8px; color: #555;
  font-weight: 400; }
.leaflet-popup-content table th { text-align: left; padding-right: 8px; color: #555;
  font-weight: 400; vertical-align: top; }
</style>
"""


@dataclass(frozen=True)
class LegendEntry:
    """One legend row: a label and how its symbol looks.

    ``shape`` is ``fill`` (area), ``line`` (with optional ``dash``), ``point`` (circle) or
    ``symbol:<layer>`` (the point symbol of that layer in :data:`jmgis.style.POINT_SYMBOLS`).
    """

    label: str
    color: str
    shape: str = "fill"
    dash: str | None = None
    stroke: str | None = None
    weight: float = 3.0
    opacity: float = 1.0


def _swatch(entry: LegendEntry) -> str:
    color = escape(entry.color)
    if entry.shape.startswith("symbol:"):
        key = entry.shape.split(":", 1)[1]
        symbol = style.POINT_SYMBOLS.get(key, style.POINT_DEFAULT_SYMBOL)
        return symbol_svg(symbol).replace("<svg ", '<svg class="jm-swatch" ', 1)
    if entry.shape == "line":
        dash = f' stroke-dasharray="{escape(entry.dash)}"' if entry.dash else ""
        return (
            '<svg class="jm-swatch" viewBox="0 0 18 12"><line x1="0" y1="6" x2="18" y2="6" '
            f'stroke="{color}" stroke-width="{entry.weight:g}" '
            f'stroke-opacity="{entry.opacity:g}"{dash}/></svg>'
        )
    if entry.shape == "point":
        stroke = escape(entry.stroke or "#333")
        return (
            '<svg class="jm-swatch" viewBox="0 0 18 12"><circle cx="9" cy="6" r="4.5" '
            f'fill="{color}" stroke="{stroke}" stroke-width="1.2"/></svg>'
        )
    stroke = escape(entry.stroke or "#555")
    dash = "border-style:dashed;" if entry.dash else ""
    return (
        f'<span class="jm-swatch" style="background:{color};opacity:{entry.opacity:g};'
        f'border:1px solid {stroke};{dash}"></span>'
    )


_SHAPES = {
    "circle": '<circle cx="10" cy="10" r="{r}"/>',
    "square": '<rect x="{o}" y="{o}" width="{d}" height="{d}"/>',
    "triangle": '<polygon points="10,{t} {l},{b} {rr},{b}"/>',
    "diamond": '<polygon points="10,{t} {rr},10 10,{b} {l},10"/>',
    "star": (
        '<polygon points="10,1.5 12.4,7.4 18.6,7.6 13.8,11.6 15.4,17.8 10,14.3 4.6,17.8 '
        '6.2,11.6 1.4,7.6 7.6,7.4"/>'
    ),
}


def symbol_svg(symbol: Mapping[str, Any]) -> str:
    """An inline SVG of a point symbol from :data:`jmgis.style.POINT_SYMBOLS` (20×20 px)."""
    r = float(symbol.get("radius", 4))
    shape = _SHAPES.get(str(symbol.get("shape")), _SHAPES["circle"])
    body = shape.format(r=r, o=10 - r, d=2 * r, t=10 - r, b=10 + r, l=10 - r, rr=10 + r)
    return (
        f'<svg width="20" height="20" viewBox="0 0 20 20" fill="{escape(symbol["fill"])}" '
        f'stroke="{escape(symbol["stroke"])}" stroke-width="1.3">{body}</svg>'
    )


def legend_html(title: str, entries: Sequence[LegendEntry]) -> str:
    """The HTML of one legend block (escaped).

    Parameters
    ----------
    title : str
        The map title.
    entries : Sequence[LegendEntry]
        The legend's rows.

    Returns
    -------
    str
        The HTML.
    """
    rows = "".join(
        f'<div class="jm-legend-row">{_swatch(e)}<span>{escape(e.label)}</span></div>'
        for e in entries
    )
    return f"<h4>{escape(title)}</h4>{rows}"


class Legend(MacroElement):
    """A legend shown exactly while its layer (or any of its layers) is on the map.

    Add it to the map *after* the layer(s).  It is a Leaflet control that is added when a
    layer is added (layer control ticked) and removed when the last one is removed.
    """

    _template = Template(
        """
{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }};
  var layers = [{{ this.layer_names }}];
  var control = L.control({position: {{ this.position_js }}});
  control.onAdd = function () {
    var div = L.DomUtil.create('div', 'jm-legend');
    div.setAttribute('data-layer', {{ this.layer_name_js }});
    div.innerHTML = {{ this.html_js }};
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    return div;
  };
  var shown = false;
  function sync() {
    var want = layers.some(function (l) { return map.hasLayer(l); });
    if (want && !shown) {
      control.addTo(map);
      // Leaflet stacks bottom controls upwards; keep legends in the order they were made
      // (the main one on top, where a scrolled corner starts), above the attribution
      var box = control.getContainer(), corner = box.parentNode;
      corner.insertBefore(box, corner.querySelector('.leaflet-control-attribution'));
      shown = true;
    }
    if (!want && shown) { control.remove(); shown = false; }
  }
  map.on('layeradd layerremove', function (e) {
    if (layers.indexOf(e.layer) >= 0) { sync(); }
  });
  sync();
})();
{% endmacro %}
"""
    )

    def __init__(
        self,
        layer: folium.map.Layer | Sequence[folium.map.Layer],
        title: str,
        entries: Sequence[LegendEntry],
        *,
        position: str = "bottomright",
    ):
        super().__init__()
        self._name = "Legend"
        self.layers = list(layer) if isinstance(layer, Sequence) else [layer]
        self.layer_names = ", ".join(item.get_name() for item in self.layers)
        self.entries = list(entries)
        self.html_js = js_literal(legend_html(title, entries))
        self.layer_name_js = js_literal(title)
        self.position_js = js_literal(position)


class _Overlay(MacroElement):
    """Raw HTML placed over the map container (title, footer)."""

    _template = Template(
        """
{% macro script(this, kwargs) %}
(function () {
  var div = L.DomUtil.create('div', {{ this.css_class_js }});
  div.innerHTML = {{ this.html_js }};
  var map = {{ this._parent.get_name() }};
  map.getContainer().appendChild(div);
  {% if this.reserve_bottom %}
  // a strip along the bottom edge: lift the bottom controls (scale, legends) above it
  function lift() {
    map.getContainer().querySelectorAll('.leaflet-bottom').forEach(function (corner) {
      corner.style.bottom = div.offsetHeight + 'px';
    });
  }
  lift();
  map.on('resize', lift);
  {% endif %}
})();
{% endmacro %}
"""
    )

    def __init__(self, css_class: str, html: str, *, reserve_bottom: bool = False):
        super().__init__()
        self._name = "Overlay"
        self.reserve_bottom = reserve_bottom
        self.css_class_js = js_literal(css_class)
        self.html_js = js_literal(html)


def add_title(m: folium.Map, title: str, subtitle: str | None = None) -> None:
    """The map title (图名), top centre.

    Parameters
    ----------
    m : folium.Map
        The folium map to draw on.
    title : str
        The map title.
    subtitle : str or None
        A second line, if any.
    """
    body = escape(title) + (f"<small>{escape(subtitle)}</small>" if subtitle else "")
    _Overlay("jm-title", body).add_to(m)


DISCLAIMER = "内部工作用图，界线不作为权属依据"


def add_footer(
    m: folium.Map,
    sources: Iterable[str],
    *,
    review_no: str | None = None,
    datum: str = "wgs84",
    disclaimer: str = DISCLAIMER,
) -> None:
    """Footer: 示意图 / internal working map, the 审图号 if one was issued, CRS and sources.

    ``review_no`` is printed only when given: jmgis never invents a 审图号.

    Parameters
    ----------
    m : folium.Map
        The folium map to draw on.
    sources : Iterable[str]
        Source notes to list.
    review_no : str or None
        The map review number (审图号) to print, if any.
    datum : str
        Datum of the basemap (``wgs84``, or ``gcj02`` for Gaode tiles); coordinates are
        shifted to match.
    disclaimer : str
        The schematic-map disclaimer.
    """
    crs_note = (
        "显示坐标：GCJ-02（已偏移以配合高德底图）"
        if datum == "gcj02"
        else "坐标系：2000国家大地坐标系（CGCS2000）"
    )
    parts = [f"<b>示意图</b> · {escape(disclaimer)}"]
    if review_no:
        parts.append(f"审图号：{escape(review_no)}")
    parts.append(crs_note)
    source_list = list(dict.fromkeys(sources))
    if source_list:
        parts.append("数据来源：" + "；".join(escape(s) for s in source_list))
    _Overlay("jm-footer", " · ".join(parts), reserve_bottom=True).add_to(m)


class _LabelZoom(MacroElement):
    """Hide ``.jm-label`` elements below a zoom level (labels at suitable zoom only)."""

    _template = Template(
        """
{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }};
  function sync() {
    map.getContainer().classList.toggle('jm-labels-hidden', map.getZoom() < {{ this.min_zoom }});
  }
  map.on('zoomend', sync);
  sync();
})();
{% endmacro %}
"""
    )

    def __init__(self, min_zoom: int):
        super().__init__()
        self._name = "LabelZoom"
        self.min_zoom = int(min_zoom)


class _MetricScale(MacroElement):
    _template = Template(
        """
{% macro script(this, kwargs) %}
L.control.scale({metric: true, imperial: false, position: 'bottomleft'})
  .addTo({{ this._parent.get_name() }});
{% endmacro %}
"""
    )


def add_controls(m: folium.Map, *, label_min_zoom: int = 10) -> None:
    """Scale bar (metric), fullscreen, measure tool, label zoom rule, layer control.

    The layer control is moved after every layer when the map is rendered
    (:func:`jmgis.maps.compose.finalise`), so it lists layers added after this call too.

    Parameters
    ----------
    m : folium.Map
        The folium map to draw on.
    label_min_zoom : int
        Township labels show from this zoom level on.
    """
    m.get_root().header.add_child(Verbatim(CSS), name="jm_css")  # type: ignore[attr-defined]  # a Map's root is a branca Figure
    _MetricScale().add_to(m)
    plugins.Fullscreen(
        position="topleft", title="全屏", title_cancel="退出全屏", force_separate_button=True
    ).add_to(m)
    plugins.MeasureControl(
        position="topleft",
        primary_length_unit="kilometers",
        secondary_length_unit="meters",
        primary_area_unit="sqkilometers",
        secondary_area_unit="hectares",
        localization="cn",
        # leaflet-measure 2.1.7 has no km² unit: without this the area shows in raw m²
        units={"sqkilometers": {"factor": 1e-6, "display": "平方公里", "decimals": 2}},
    ).add_to(m)
    _LabelZoom(label_min_zoom).add_to(m)
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
