"""Travel-time rasters in the QGIS project: a GDAL layer with a pseudocolour style.

The classes are the web maps' (:data:`jmgis.style.ACCESS_BREAKS_MIN` and
:data:`jmgis.style.ACCESS_COLORS`, beyond the last break
:data:`jmgis.style.ACCESS_BEYOND_COLOR`), as a discrete colour-ramp shader, so a cell is
the colour its township has in the browser.  The files hold a nodata value and no
``inf`` (:func:`jmgis.access.raster.write_geotiff`), so QGIS's statistics are finite.
"""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from pyproj import CRS

from jmgis import style

RASTER_GROUP = "可达性栅格"
"""Layer-tree group of the rasters (switched off at opening, like 可达性)."""

RASTER_OPACITY = 0.8

_YEAR = re.compile(r"_(\d{4})$")


@dataclass(frozen=True)
class RasterLayer:
    """A GeoTIFF beside the GeoPackage, shown in the project.

    ``path`` is the file; ``title`` its layer name; ``year`` the scenario year it shows
    (from the ``_<year>`` file-name suffix), used by the map themes; ``crs`` its CRS.
    """

    path: Path
    title: str
    year: int | None
    crs: str

    @property
    def layer_id(self) -> str:
        """Stable QGIS layer id, derived from the GeoTIFF's file name."""
        key = "jmgis:raster:" + self.path.name
        return f"raster_{self.path.stem}_{uuid.uuid5(uuid.NAMESPACE_URL, key).hex}"

    @property
    def datasource(self) -> str:
        """Data source relative to the project file (``./<file name>``)."""
        return f"./{self.path.name}"


def raster_layer(path: str | Path) -> RasterLayer:
    """Describe a travel-time GeoTIFF written by the build (``minutes_to_<target>_<year>``).

    Parameters
    ----------
    path
        The GeoTIFF.

    Returns
    -------
    RasterLayer
        Its title (Chinese), year and CRS.
    """
    import rasterio

    path = Path(path)
    with rasterio.open(path) as src:
        crs = src.crs.to_string() if src.crs else ""
    match = _YEAR.search(path.stem)
    year = int(match.group(1)) if match else None
    target = path.stem.removeprefix("minutes_to_")
    if match:
        target = target[: -len(match.group(0))]
    names = {
        "hsr_station": "高铁站",
        "rail_station": "铁路站",
        "port": "港口",
        "city_gov": "市政府",
    }
    title = f"至最近{names.get(target, target)}时间（分钟）栅格"
    if year is not None:
        title += f" {year}年"
    return RasterLayer(path, title, year, crs)


def _srs(crs: str) -> ET.Element:
    parsed = CRS.from_user_input(crs)
    srs = ET.Element("spatialrefsys")
    epsg = parsed.to_epsg()
    for tag, text in (
        ("wkt", parsed.to_wkt()),
        ("srid", str(epsg or "")),
        ("authid", f"EPSG:{epsg}" if epsg else ""),
        ("description", parsed.name),
        ("geographicflag", "true" if parsed.is_geographic else "false"),
    ):
        ET.SubElement(srs, tag).text = text
    return srs


def _classes() -> list[tuple[float | str, str, str]]:
    """``(upper bound, colour, label)`` of each class; the last is open (``inf``)."""
    rows: list[tuple[float | str, str, str]] = []
    lower = 0
    for upper, color in zip(style.ACCESS_BREAKS_MIN, style.ACCESS_COLORS, strict=True):
        rows.append((upper, color, f"{lower}–{upper} 分钟"))
        lower = upper
    rows.append(("inf", style.ACCESS_BEYOND_COLOR, f"> {lower} 分钟"))
    return rows


def raster_pipe() -> ET.Element:
    """The ``<pipe>`` of a single-band pseudocolour renderer in the web maps' classes."""
    pipe = ET.Element("pipe")
    top = style.ACCESS_BREAKS_MIN[-1]
    renderer = ET.SubElement(
        pipe,
        "rasterrenderer",
        {
            "type": "singlebandpseudocolor",
            "band": "1",
            "opacity": repr(RASTER_OPACITY),
            "alphaBand": "-1",
            "nodataColor": "",
            "classificationMin": "0",
            "classificationMax": str(top),
        },
    )
    origin = ET.SubElement(renderer, "minMaxOrigin")
    ET.SubElement(origin, "limits").text = "None"
    ET.SubElement(origin, "extent").text = "WholeRaster"
    ET.SubElement(origin, "statAccuracy").text = "Exact"
    shader = ET.SubElement(ET.SubElement(renderer, "rastershader"), "colorrampshader")
    shader.attrib.update(
        {
            "colorRampType": "DISCRETE",
            "classificationMode": "1",
            "clip": "0",
            "minimumValue": "0",
            "maximumValue": str(top),
            "labelPrecision": "0",
        }
    )
    for upper, color, label in _classes():
        ET.SubElement(
            shader,
            "item",
            {"value": str(upper), "color": color, "alpha": "255", "label": label},
        )
    ET.SubElement(pipe, "brightnesscontrast", {"brightness": "0", "contrast": "0", "gamma": "1"})
    ET.SubElement(pipe, "rasterresampler", {"maxOversampling": "2"})
    return pipe


def raster_maplayer(layer: RasterLayer) -> ET.Element:
    """The ``<maplayer type="raster">`` element of ``layer``."""
    elem = ET.Element("maplayer", {"type": "raster", "styleCategories": "AllStyleCategories"})
    ET.SubElement(elem, "id").text = layer.layer_id
    ET.SubElement(elem, "datasource").text = layer.datasource
    ET.SubElement(elem, "layername").text = layer.title
    if layer.crs:
        ET.SubElement(elem, "srs").append(_srs(layer.crs))
    ET.SubElement(elem, "provider").text = "gdal"
    elem.append(raster_pipe())
    ET.SubElement(elem, "blendMode").text = "0"
    return elem
