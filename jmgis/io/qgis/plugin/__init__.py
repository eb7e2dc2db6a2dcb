"""The jmgis QGIS plugin: a Processing provider (id ``jmgis``).

This package is copied into a QGIS profile by ``jmgis qgis install-plugin`` and runs in
QGIS's own Python (which has no jmgis): every algorithm calls the jmgis that installed
it, through the Python recorded in ``jmgis_python.json`` (see :mod:`.runner`).  Nothing
in jmgis imports this package.
"""


def classFactory(iface):  # noqa: N802 - the name QGIS looks for
    from .plugin import JmgisPlugin

    return JmgisPlugin(iface)
