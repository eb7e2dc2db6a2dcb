"""Inspect GeoPackages, projects and Shapefiles with real QGIS (PyQGIS, system Python).

Runs under Debian's ``/usr/bin/python3`` (the one with ``qgis.core``), never imports
jmgis, and writes what QGIS sees as JSON::

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 tests/qgis_probe.py layers OUT.json GPKG
    ... project OUT.json URI          # geopackage:/path/x.gpkg?projectName=jiangmen or .qgz
    ... shapefile OUT.json SHP [SHP ...]
    ... polish OUT.json URI FOLDER    # ellipsoid, rasters, themes, layouts → PNG/PDF

:func:`run_probe` (used by the tests) calls it in a subprocess.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path


def run_probe(python: str, mode: str, *args: str | Path) -> dict:
    """Run this script with the QGIS Python and return its JSON answer."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "probe.json"
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_RUNTIME_DIR=tmp)
        env.pop("PYTHONPATH", None)
        result = subprocess.run(
            [python, __file__, mode, str(out), *map(str, args)],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
            cwd=tmp,
        )
        if result.returncode != 0 or not out.exists():
            raise RuntimeError(
                f"QGIS probe {mode} failed ({result.returncode}):\n{result.stderr[-4000:]}"
            )
        return json.loads(out.read_text(encoding="utf-8"))


# --------------------------------------------------------------- inside QGIS's Python


def _color(symbol) -> str | None:
    if symbol is None:
        return None
    return symbol.color().name(0x0)  # QColor.HexRgb


def _symbol_info(symbol) -> dict | None:
    if symbol is None:
        return None
    layer = symbol.symbolLayer(0)
    props = layer.properties() if layer is not None else {}
    return {
        "type": symbol.type(),
        "color": symbol.color().name(),
        "alpha": round(symbol.color().alphaF(), 3),
        "opacity": round(symbol.opacity(), 3),
        "class": layer.layerType() if layer is not None else None,
        "use_custom_dash": props.get("use_custom_dash"),
        "customdash": props.get("customdash"),
        "shape": props.get("name"),
        "outline_color": props.get("outline_color") or props.get("line_color"),
        "fill_style": props.get("style"),
    }


def _renderer_info(renderer) -> dict:
    from qgis.core import QgsCategorizedSymbolRenderer, QgsGraduatedSymbolRenderer

    if renderer is None:
        return {"type": None}
    info = {"type": renderer.type()}
    if isinstance(renderer, QgsCategorizedSymbolRenderer):
        info["attr"] = renderer.classAttribute()
        info["categories"] = [
            {"value": str(c.value()), "label": c.label(), "symbol": _symbol_info(c.symbol())}
            for c in renderer.categories()
        ]
    elif isinstance(renderer, QgsGraduatedSymbolRenderer):
        info["attr"] = renderer.classAttribute()
        info["ranges"] = [
            {
                "lower": r.lowerValue(),
                "upper": r.upperValue(),
                "label": r.label(),
                "symbol": _symbol_info(r.symbol()),
            }
            for r in renderer.ranges()
        ]
    elif renderer.type() == "RuleRenderer":
        info["rules"] = [
            {
                "filter": rule.filterExpression(),
                "label": rule.label(),
                "else": rule.isElse(),
                "symbol": _symbol_info(rule.symbol()),
            }
            for rule in renderer.rootRule().children()
        ]
    elif renderer.type() == "singleSymbol":
        info["symbol"] = _symbol_info(renderer.symbol())
    return info


def _unsymbolised(layer) -> dict:
    """Features the renderer draws with no symbol (would vanish from the map)."""
    from qgis.core import QgsRenderContext

    renderer = layer.renderer()
    if renderer is None or not layer.isSpatial():
        return {"checked": 0, "missing": []}
    context = QgsRenderContext()
    context.expressionContext().appendScopes(
        __import__(
            "qgis.core", fromlist=["QgsExpressionContextUtils"]
        ).QgsExpressionContextUtils.globalProjectLayerScopes(layer)
    )
    renderer = renderer.clone()
    renderer.startRender(context, layer.fields())
    missing, checked, colors = [], 0, {}
    for feature in layer.getFeatures():
        checked += 1
        context.expressionContext().setFeature(feature)
        symbols = renderer.symbolsForFeature(feature, context)
        if not symbols:
            missing.append(feature.id())
        else:
            colors[str(feature.id())] = symbols[0].color().name()
    renderer.stopRender(context)
    return {"checked": checked, "missing": missing, "colors": colors}


def _layer_info(layer) -> dict:
    fields = layer.fields()
    labeling = layer.labeling()
    label = None
    if layer.labelsEnabled() and labeling is not None:
        settings = labeling.settings()
        label = {
            "field": settings.fieldName,
            "scale_visibility": settings.scaleVisibility,
            "minimum_scale": settings.minimumScale,
        }
    features = {}
    for feature in layer.getFeatures():
        features[str(feature.id())] = {
            name: (None if feature[name] is None or str(feature[name]) == "NULL" else feature[name])
            for name in fields.names()
        }
    return {
        "valid": layer.isValid(),
        "name": layer.name(),
        "source": layer.source(),
        "spatial": layer.isSpatial(),
        "crs": layer.crs().authid(),
        "wkb_type": layer.wkbType(),
        "feature_count": layer.featureCount(),
        "fields": fields.names(),
        "aliases": {name: fields.field(name).alias() for name in fields.names()},
        "renderer": _renderer_info(layer.renderer()),
        "labels": label,
        "symbols": _unsymbolised(layer),
        "features": features,
        "encoding": layer.dataProvider().encoding(),
    }


def _json_safe(value):
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "toString"):
        return value.toString()
    return str(value)


def _gdal_messages(path: str) -> list[str]:
    """Warnings and errors QGIS's GDAL reports opening the file and reading every layer."""
    from osgeo import gdal

    messages = []

    def handler(level, number, text):
        if level >= gdal.CE_Warning:
            messages.append(f"{level}:{number}:{text}")

    gdal.PushErrorHandler(handler)
    try:
        dataset = gdal.OpenEx(path, gdal.OF_VECTOR | gdal.OF_READONLY)
        for i in range(dataset.GetLayerCount()):
            layer = dataset.GetLayer(i)
            for _feature in layer:
                pass
        dataset = None
    finally:
        gdal.PopErrorHandler()
    return messages


def _probe_layers(gpkg: str) -> dict:
    from osgeo import gdal
    from qgis.core import QgsProviderRegistry, QgsVectorLayer

    metadata = QgsProviderRegistry.instance().providerMetadata("ogr")
    sublayers = metadata.querySublayers(gpkg)
    names = sorted({s.name() for s in sublayers})
    result = {
        "layers": {},
        "sublayers": names,
        "gdal_version": gdal.__version__,
        "gdal_messages": _gdal_messages(gpkg),
    }
    for name in names:
        layer = QgsVectorLayer(f"{gpkg}|layername={name}", name, "ogr")
        info = _layer_info(layer)
        related = layer.listStylesInDatabase() if layer.isValid() else (0, [], [])
        info["styles_in_db"] = list(related[2])[: related[0]]
        result["layers"][name] = info
    return result


def _tree(node) -> list:
    from qgis.core import QgsLayerTreeGroup

    items = []
    for child in node.children():
        if isinstance(child, QgsLayerTreeGroup):
            items.append(
                {"group": child.name(), "visible": child.isVisible(), "children": _tree(child)}
            )
        else:
            items.append(
                {
                    "layer": child.layerId(),
                    "name": child.name(),
                    "checked": child.itemVisibilityChecked(),
                }
            )
    return items


def _probe_project(uri: str) -> dict:
    from qgis.core import QgsProject

    project = QgsProject.instance()
    ok = project.read(uri)
    from qgis.core import QgsRasterLayer

    layers, rasters = {}, {}
    for layer_id, layer in project.mapLayers().items():
        if isinstance(layer, QgsRasterLayer):
            rasters[layer_id] = {
                "valid": layer.isValid(),
                "name": layer.name(),
                "source": layer.source(),
                "renderer": layer.renderer().type() if layer.renderer() else None,
            }
            continue
        info = _layer_info(layer)
        layers[layer_id] = info
    return {
        "rasters": rasters,
        "read": ok,
        "crs": project.crs().authid(),
        "title": project.title(),
        "tree": _tree(project.layerTreeRoot()),
        "layers": layers,
        "absolute_paths": project.readBoolEntry("Paths", "/Absolute", True)[0],
    }


def _probe_shapefiles(paths: list[str]) -> dict:
    from qgis.core import QgsVectorLayer

    out = {}
    for path in paths:
        layer = QgsVectorLayer(path, Path(path).stem, "ogr")
        info = _layer_info(layer)
        geometries = {}
        for feature in layer.getFeatures():
            geometries[str(feature.id())] = feature.geometry().asWkt(9)
        info["geometries"] = geometries
        out[Path(path).name] = info
    return {"files": out}


def _render_project(uri: str, png: str, width: int = 1400) -> dict:
    """Draw the project as it opens (visible layers, extent) into a PNG."""
    from qgis.core import QgsMapRendererParallelJob, QgsMapSettings, QgsProject
    from qgis.PyQt.QtCore import QSize

    project = QgsProject.instance()
    ok = project.read(uri)
    root = project.layerTreeRoot()
    layers = [node.layer() for node in root.findLayers() if node.isVisible()]
    settings = QgsMapSettings()
    settings.setLayers(layers)
    settings.setDestinationCrs(project.crs())
    extent = project.viewSettings().defaultViewExtent()
    if extent.isEmpty():
        extent = root.findLayers()[0].layer().extent()
    settings.setExtent(extent)
    ratio = extent.height() / extent.width() if extent.width() else 1.0
    settings.setOutputSize(QSize(width, int(width * ratio)))
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage()
    image.save(png)
    colours = {
        image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)
    }
    return {"read": ok, "layers": len(layers), "distinct_colours": len(colours), "png": png}


def _probe_sld(gpkg: str) -> dict:
    """Load each layer's ``styleSLD`` from ``layer_styles`` into QGIS's SLD reader."""
    import sqlite3

    from qgis.core import QgsVectorLayer

    conn = sqlite3.connect(gpkg)
    rows = conn.execute(
        "SELECT f_table_name, styleSLD FROM layer_styles WHERE useAsDefault AND styleSLD != ''"
    ).fetchall()
    conn.close()
    out = {}
    for table, text in rows:
        layer = QgsVectorLayer(f"{gpkg}|layername={table}", table, "ogr")
        path = Path(gpkg).with_name(f"{table}.sld")
        path.write_text(text, encoding="utf-8")
        message, ok = layer.loadSldStyle(str(path))
        renderer = layer.renderer()
        out[table] = {
            "ok": ok,
            "message": message,
            "renderer": renderer.type() if renderer else None,
            "symbols": len(renderer.legendSymbolItems()) if renderer else 0,
            "labels": layer.labelsEnabled(),
        }
        path.unlink()
    return {"layers": out}


def _probe_polish(uri: str, folder: str) -> dict:
    """Measurement settings, rasters, map themes and layouts (each exported to PNG/PDF)."""
    import math

    from qgis.core import (
        QgsDistanceArea,
        QgsLayoutExporter,
        QgsPointXY,
        QgsProject,
        QgsRasterBandStats,
        QgsRasterLayer,
        QgsUnitTypes,
    )
    from qgis.PyQt.QtGui import QImage

    project = QgsProject.instance()
    ok = project.read(uri)
    measure = QgsDistanceArea()
    measure.setSourceCrs(project.crs(), project.transformContext())
    measure.setEllipsoid(project.ellipsoid())
    # 台城 (Taishan) → 江门市政府, as the issue measured: metres on the ellipsoid
    metres = measure.measureLine(QgsPointXY(112.794, 22.252), QgsPointXY(113.081, 22.579))
    rasters = {}
    for layer in project.mapLayers().values():
        if not isinstance(layer, QgsRasterLayer):
            continue
        stats = layer.dataProvider().bandStatistics(1, QgsRasterBandStats.All)
        renderer = layer.renderer()
        shader = (
            renderer.shader().rasterShaderFunction()
            if renderer.type() == "singlebandpseudocolor"
            else None
        )
        rasters[layer.name()] = {
            "valid": layer.isValid(),
            "crs": layer.crs().authid(),
            "renderer": renderer.type(),
            "nodata": layer.dataProvider().sourceNoDataValue(1),
            "min": stats.minimumValue,
            "max": stats.maximumValue,
            "mean": stats.mean,
            "finite": all(
                math.isfinite(v) for v in (stats.minimumValue, stats.maximumValue, stats.mean)
            ),
            "classes": [
                {"value": str(item.value), "color": item.color.name(), "label": item.label}
                for item in (shader.colorRampItemList() if shader else [])
            ],
        }
    themes = {}
    collection = project.mapThemeCollection()
    for name in collection.mapThemes():
        themes[name] = sorted(layer.name() for layer in collection.mapThemeVisibleLayers(name))
    layouts = {}
    for layout in project.layoutManager().printLayouts():
        name = layout.name()
        safe = str(len(layouts))
        png, pdf = f"{folder}/layout{safe}.png", f"{folder}/layout{safe}.pdf"
        exporter = QgsLayoutExporter(layout)
        png_result = exporter.exportToImage(png, QgsLayoutExporter.ImageExportSettings())
        pdf_result = exporter.exportToPdf(pdf, QgsLayoutExporter.PdfExportSettings())
        image = QImage(png)
        colours = {
            image.pixel(x, y)
            for x in range(0, image.width(), 5)
            for y in range(0, image.height(), 5)
        }
        items = []
        for item in layout.items():
            if not hasattr(item, "type"):
                continue
            entry = {"type": item.type(), "class": type(item).__name__}
            if hasattr(item, "sceneBoundingRect"):
                box = item.sceneBoundingRect()  # layout units: mm
                entry["box_mm"] = [box.left(), box.top(), box.right(), box.bottom()]
            if hasattr(item, "text") and type(item).__name__ == "QgsLayoutItemLabel":
                entry["text"] = item.text()
            if type(item).__name__ == "QgsLayoutItemMap":
                entry["theme"] = item.followVisibilityPresetName()
                entry["follows"] = item.followVisibilityPreset()
                entry["layers"] = len(item.layersToRender())
            if type(item).__name__ == "QgsLayoutItemLegend":
                entry["rows"] = item.model().rowCount()
            if type(item).__name__ == "QgsLayoutItemScaleBar":
                entry["units"] = QgsUnitTypes.toString(item.units())
                entry["segments"] = item.numberOfSegments()
                entry["units_per_segment"] = item.unitsPerSegment()
                entry["map_units_per_unit"] = item.mapUnitsPerScaleBarUnit()
                entry["width_mm"] = item.rect().width()
                linked = item.linkedMap()
                if linked is not None:
                    extent = linked.extent()
                    across = QgsDistanceArea()
                    across.setSourceCrs(linked.crs(), project.transformContext())
                    across.setEllipsoid(project.ellipsoid())
                    mid = (extent.yMinimum() + extent.yMaximum()) / 2
                    entry["map_ground_km"] = (
                        across.measureLine(
                            QgsPointXY(extent.xMinimum(), mid), QgsPointXY(extent.xMaximum(), mid)
                        )
                        / 1000.0
                    )
                    entry["map_width_mm"] = linked.rect().width()
            if type(item).__name__ == "QgsLayoutItemPicture":
                entry["file"] = item.picturePath()
                entry["valid"] = not item.isMissingImage()
            items.append(entry)
        page = layout.pageCollection().page(0)
        layouts[name] = {
            "png_ok": png_result == QgsLayoutExporter.Success,
            "pdf_ok": pdf_result == QgsLayoutExporter.Success,
            "png_colours": len(colours),
            "png_size": [image.width(), image.height()],
            "pdf_bytes": Path(pdf).stat().st_size if Path(pdf).exists() else 0,
            "page_mm": [page.pageSize().width(), page.pageSize().height()],
            "items": items,
        }
    return {
        "read": ok,
        "ellipsoid": project.ellipsoid(),
        "distance_units": QgsUnitTypes.toString(project.distanceUnits()),
        "area_units": QgsUnitTypes.toString(project.areaUnits()),
        "measured_m": metres,
        "rasters": rasters,
        "themes": themes,
        "layouts": layouts,
    }


def main(argv: list[str]) -> int:
    mode, out, *args = argv
    from qgis.core import Qgis, QgsApplication

    app = QgsApplication([], False)
    app.initQgis()
    messages: list[dict] = []

    def collect(message, tag, level):
        if level >= Qgis.Warning:
            messages.append({"tag": tag, "level": int(level), "message": message})

    QgsApplication.messageLog().messageReceived.connect(collect)
    try:
        if mode == "layers":
            result = _probe_layers(args[0])
        elif mode == "project":
            result = _probe_project(args[0])
        elif mode == "shapefile":
            result = _probe_shapefiles(args)
        elif mode == "sld":
            result = _probe_sld(args[0])
        elif mode == "polish":
            result = _probe_polish(args[0], args[1])
        elif mode == "render":
            result = _render_project(args[0], args[1])
        else:
            raise SystemExit(f"unknown mode {mode}")
        app.processEvents()
        result["qgis_version"] = Qgis.version()
        result["qgis_messages"] = messages
        Path(out).write_text(json.dumps(_json_safe(result), ensure_ascii=False), encoding="utf-8")
    finally:
        app.exitQgis()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
