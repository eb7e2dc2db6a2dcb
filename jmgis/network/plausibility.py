"""Deprecated: moved to :mod:`jmgis.jiangmen.plausibility`."""

from jmgis._compat import moved_module

__getattr__ = moved_module(__name__, "jmgis.jiangmen.plausibility")
