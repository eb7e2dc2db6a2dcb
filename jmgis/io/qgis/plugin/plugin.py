"""The plugin object: registers the Processing provider (also under ``qgis_process``)."""

from qgis.core import QgsApplication


class JmgisPlugin:
    def __init__(self, iface=None):
        self.iface = iface
        self.provider = None

    def initProcessing(self):  # noqa: N802 - QGIS API
        from .provider import JmgisProvider

        if self.provider is None:
            self.provider = JmgisProvider()
            QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self):  # noqa: N802 - QGIS API
        self.initProcessing()

    def unload(self):
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
