"""Deprecated: moved to :mod:`jmgis.jiangmen.township_access`."""

from jmgis._compat import moved_module

__getattr__ = moved_module(__name__, "jmgis.jiangmen.township_access")
