"""Deprecated: moved to :mod:`jmgis.jiangmen.population`."""

from jmgis._compat import moved_module

__getattr__ = moved_module(__name__, "jmgis.jiangmen.population")
