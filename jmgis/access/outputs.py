"""Deprecated: moved to :mod:`jmgis.jiangmen.outputs`."""

from jmgis._compat import moved_module

__getattr__ = moved_module(__name__, "jmgis.jiangmen.outputs")
