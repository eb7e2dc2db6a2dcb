"""The Processing algorithms: parameters in QGIS, the work done by jmgis (:mod:`.runner`).

Each has the scenario year (2020–2035) and the network modes (road, rail, ferry) as
parameters, and, as advanced parameters, the user's own road network: an OpenStreetMap
file or a line layer with its class field and class map, read as ``jmgis build --network``
reads them (blank: the bundled network).  Point layers are handed to jmgis as they are
(any CRS, read by GDAL) and the result comes back in EPSG:4490.
"""

import os

from qgis.core import (
    QgsFeatureSink,
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
    QgsVectorLayer,
)

from . import runner

MODES = ["road", "rail", "ferry"]
FIRST_YEAR, LAST_YEAR, DEFAULT_YEAR = 2020, 2035, 2025
NETWORK_FILES = "*.osm *.pbf *.gpkg *.shp *.geojson *.json"
# (parameter, label, request key); the file parameters are made absolute paths, because
# jmgis runs in a temporary folder.
NETWORK_STRINGS = (
    ("CLASS_FIELD", "道路等级字段（线图层）", "class_field"),
    ("SPEED_FIELD", "速度字段 km/h（可选）", "speed_field"),
    ("ONEWAY_FIELD", "单行字段（可选）", "oneway_field"),
)


class _JmgisAlgorithm(QgsProcessingAlgorithm):
    """Common parameters (year, modes) and the call to jmgis."""

    NAME = ""
    TITLE = ""
    HELP = ""
    POINT_INPUTS = ()  # (parameter, label, id-field parameter or None)

    def name(self):
        return self.NAME

    def displayName(self):  # noqa: N802 - QGIS API
        return self.TITLE

    def group(self):
        return "可达性与路径"

    def groupId(self):  # noqa: N802 - QGIS API
        return "access"

    def shortHelpString(self):  # noqa: N802 - QGIS API
        return self.HELP

    def createInstance(self):  # noqa: N802 - QGIS API
        return type(self)()

    def _common(self):
        self.addParameter(
            QgsProcessingParameterNumber(
                "YEAR",
                "规划情景年份",
                QgsProcessingParameterNumber.Integer,
                DEFAULT_YEAR,
                False,
                FIRST_YEAR,
                LAST_YEAR,
            )
        )
        self.addParameter(
            QgsProcessingParameterEnum(
                "MODES", "交通方式", MODES, allowMultiple=True, defaultValue=[0, 1, 2]
            )
        )
        own = [
            QgsProcessingParameterFile(
                "NETWORK",
                "自有路网（OSM 文件或线图层；留空用内置路网）",
                optional=True,
                fileFilter=f"路网 ({NETWORK_FILES})",
            ),
            QgsProcessingParameterFile(
                "CLASS_MAP",
                "等级对照表 YAML（如 省道: provincial）",
                optional=True,
                fileFilter="YAML (*.yaml *.yml)",
            ),
        ]
        own += [
            QgsProcessingParameterString(name, label, optional=True)
            for name, label, _key in NETWORK_STRINGS
        ]
        for parameter in own:
            parameter.setFlags(parameter.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
            self.addParameter(parameter)

    def _points(self, name, label, id_param=None):
        self.addParameter(
            QgsProcessingParameterFeatureSource(name, label, [QgsProcessing.TypeVectorAnyGeometry])
        )
        if id_param:
            self.addParameter(
                QgsProcessingParameterField(
                    id_param, label + " 编号字段", parentLayerParameterName=name, optional=True
                )
            )

    def _output(self):
        self.addParameter(QgsProcessingParameterFeatureSink("OUTPUT", self.TITLE))

    def _request(self, parameters, context, feedback):
        year = self.parameterAsInt(parameters, "YEAR", context)
        modes = [MODES[i] for i in self.parameterAsEnums(parameters, "MODES", context)]
        request = {"algorithm": self.NAME, "year": year, "modes": modes}
        for name, key in (("NETWORK", "network"), ("CLASS_MAP", "class_map")):
            path = self.parameterAsFile(parameters, name, context)
            if path:
                request[key] = os.path.abspath(path)
        for name, _label, key in NETWORK_STRINGS:
            text = self.parameterAsString(parameters, name, context)
            if text:
                request[key] = text
        for key, name, _id_param in self.POINT_INPUTS:
            path, layer = self.parameterAsCompatibleSourceLayerPathAndLayerName(
                parameters, name, context, ["gpkg", "shp", "geojson"], "gpkg", feedback
            )
            request[key] = path.split("|")[0]
            request[key + "_layer"] = layer or None
        return request

    def extra(self, parameters, context):
        return {}

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 - QGIS API
        request = self._request(parameters, context, feedback)
        request.update(self.extra(parameters, context))
        try:
            output = runner.run(request, feedback)
        except runner.JmgisError as exc:
            raise QgsProcessingException(str(exc)) from exc
        result = QgsVectorLayer(str(output), "jmgis", "ogr")
        if not result.isValid():
            raise QgsProcessingException(f"jmgis wrote no readable result: {output}")
        sink, dest = self.parameterAsSink(
            parameters, "OUTPUT", context, result.fields(), result.wkbType(), result.crs()
        )
        if sink is None:
            raise QgsProcessingException("cannot create the output layer")
        for feature in result.getFeatures():
            sink.addFeature(feature, QgsFeatureSink.FastInsert)
        return {"OUTPUT": dest}


class RouteAlgorithm(_JmgisAlgorithm):
    NAME, TITLE = "route", "最快路径 (jmgis route)"
    HELP = (
        "Fastest route on the jmgis network of the scenario year from each start point to "
        "the end point of the same row (one start: to every end); a line with minutes "
        "(incl. a 15 km/h off-network leg) and network km."
    )
    POINT_INPUTS = (("starts", "STARTS", "START_ID"), ("ends", "ENDS", "END_ID"))

    def initAlgorithm(self, config=None):  # noqa: N802 - QGIS API
        self._points("STARTS", "起点", "START_ID")
        self._points("ENDS", "终点", "END_ID")
        self._common()
        self._output()

    def extra(self, parameters, context):
        return {
            "start_id": parameters.get("START_ID") or None,
            "end_id": parameters.get("END_ID") or None,
        }


class IsochronesAlgorithm(_JmgisAlgorithm):
    NAME, TITLE = "isochrones", "等时圈 (jmgis isochrones)"
    HELP = "Areas reachable within each band (minutes, e.g. 15,30,45,60) from each point."
    POINT_INPUTS = (("points", "POINTS", "ID_FIELD"),)

    def initAlgorithm(self, config=None):  # noqa: N802 - QGIS API
        self._points("POINTS", "出发点", "ID_FIELD")
        self.addParameter(
            QgsProcessingParameterString("MINUTES", "时间分级（分钟）", "15,30,45,60")
        )
        self._common()
        self._output()

    def extra(self, parameters, context):
        return {
            "minutes": self.parameterAsString(parameters, "MINUTES", context),
            "id_field": parameters.get("ID_FIELD") or None,
        }


class OdMatrixAlgorithm(_JmgisAlgorithm):
    NAME, TITLE = "odmatrix", "OD 时间矩阵 (jmgis OD matrix)"
    HELP = "Minutes from every origin to every destination, one straight OD line per pair."
    POINT_INPUTS = (
        ("origins", "ORIGINS", "ORIGIN_ID"),
        ("destinations", "DESTINATIONS", "DESTINATION_ID"),
    )

    def initAlgorithm(self, config=None):  # noqa: N802 - QGIS API
        self._points("ORIGINS", "起点", "ORIGIN_ID")
        self._points("DESTINATIONS", "终点", "DESTINATION_ID")
        self._common()
        self._output()

    def extra(self, parameters, context):
        return {
            "origin_id": parameters.get("ORIGIN_ID") or None,
            "destination_id": parameters.get("DESTINATION_ID") or None,
        }


class FacilityAccessAlgorithm(_JmgisAlgorithm):
    NAME, TITLE = "facilityaccess", "最近设施与 2SFCA (jmgis nearest facility / 2SFCA)"
    HELP = (
        "For each demand point: minutes to the nearest facility and the two-step floating "
        "catchment ratio (capacity per person within the catchment, Luo & Wang 2003)."
    )
    POINT_INPUTS = (("demand", "DEMAND", "DEMAND_ID"), ("supply", "SUPPLY", None))

    def initAlgorithm(self, config=None):  # noqa: N802 - QGIS API
        self._points("DEMAND", "需求点", "DEMAND_ID")
        self.addParameter(
            QgsProcessingParameterField(
                "POPULATION",
                "人口字段",
                parentLayerParameterName="DEMAND",
                optional=True,
                type=QgsProcessingParameterField.Numeric,
            )
        )
        self._points("SUPPLY", "设施点")
        self.addParameter(
            QgsProcessingParameterField(
                "CAPACITY",
                "容量字段",
                parentLayerParameterName="SUPPLY",
                type=QgsProcessingParameterField.Numeric,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                "CATCHMENT",
                "服务范围（分钟）",
                QgsProcessingParameterNumber.Double,
                30.0,
                False,
                0.1,
            )
        )
        self._common()
        self._output()

    def extra(self, parameters, context):
        return {
            "capacity_field": self.parameterAsString(parameters, "CAPACITY", context),
            "population_field": self.parameterAsString(parameters, "POPULATION", context) or None,
            "catchment_min": self.parameterAsDouble(parameters, "CATCHMENT", context),
            "demand_id": parameters.get("DEMAND_ID") or None,
        }


class TownshipProfileAlgorithm(_JmgisAlgorithm):
    NAME, TITLE = "townshipprofile", "乡镇可达性画像 (jmgis township profile)"
    HELP = "Minutes from each of the 73 township seats to every jmgis target, on the townships."

    def initAlgorithm(self, config=None):  # noqa: N802 - QGIS API
        self._common()
        self._output()


ALGORITHMS = (
    RouteAlgorithm,
    IsochronesAlgorithm,
    OdMatrixAlgorithm,
    FacilityAccessAlgorithm,
    TownshipProfileAlgorithm,
)
