"""The ``jmgis`` Processing provider."""

from qgis.core import QgsProcessingProvider


class JmgisProvider(QgsProcessingProvider):
    def id(self):
        return "jmgis"

    def name(self):
        return "jmgis 江门"

    def longName(self):  # noqa: N802 - QGIS API
        return "jmgis — 江门 multimodal network (scenario years, road/rail/ferry)"

    def loadAlgorithms(self):  # noqa: N802 - QGIS API
        from .algorithms import ALGORITHMS

        for algorithm in ALGORITHMS:
            self.addAlgorithm(algorithm())
