"""Deprecated: moved to :mod:`jmgis.routing.engine`."""

from jmgis._compat import moved_module

__getattr__ = moved_module(__name__, "jmgis.routing.engine")
