"""Deprecated: moved to :mod:`jmgis.jiangmen.scenario`."""

from jmgis._compat import moved_module

__getattr__ = moved_module(__name__, "jmgis.jiangmen.scenario")
