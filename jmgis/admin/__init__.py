"""Jiangmen's administrative geography.

The city, 7 county units, 73 townships, their seats and 三区 zones, and the name/code resolver.

>>> from jmgis import admin
>>> admin.resolve_township("台山白沙")
'440781103'
"""

from jmgis.admin.boundaries import (
    load_city,
    load_counties,
    load_region,
    load_seats,
    load_townships,
    load_zones,
)
from jmgis.admin.layers import layers, township_boundaries, townships
from jmgis.admin.resolver import Resolver, Township, resolve_county, resolve_township, resolver
from jmgis.admin.zoning import ZONE_NAMES_EN, ZONES, assignment

__all__ = [
    "ZONES",
    "ZONE_NAMES_EN",
    "Resolver",
    "Township",
    "assignment",
    "layers",
    "load_city",
    "load_counties",
    "load_region",
    "load_seats",
    "load_townships",
    "load_zones",
    "resolve_county",
    "resolve_township",
    "resolver",
    "township_boundaries",
    "townships",
]
