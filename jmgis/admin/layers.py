"""The administrative layers as the settings ask for them.

The bundled schematic township polygons, or the user's boundaries (``Settings.townships``), loaded
once per call.
"""

from __future__ import annotations

import logging

import geopandas as gpd

from jmgis.admin.boundaries import (
    load_city,
    load_counties,
    load_region,
    load_seats,
    load_townships,
    load_zones,
)
from jmgis.admin.user import load_user_townships
from jmgis.settings import Settings, current

log = logging.getLogger("jmgis.admin")


def township_boundaries(settings: Settings | None = None) -> gpd.GeoDataFrame | None:
    """The user's township boundaries named by the settings, or ``None`` for the bundled.

    Parameters
    ----------
    settings
        The settings (default: those in effect, :func:`jmgis.settings.current`).

    Returns
    -------
    GeoDataFrame or None
        ``code``, ``geometry_quality``, ``source`` and geometry in EPSG:4490.
    """
    settings = settings or current()
    if settings.townships is None:
        return None
    return load_user_townships(
        settings.townships,
        layer=settings.townships_layer,
        encoding=settings.townships_encoding,
    )


def townships(settings: Settings | None = None) -> gpd.GeoDataFrame:
    """The 73 townships.

    With the boundaries the settings name (see :func:`jmgis.admin.load_townships` for the
    columns).
    """
    return load_townships(township_boundaries(settings))


def layers(
    boundaries: gpd.GeoDataFrame | None = None, *, settings: Settings | None = None
) -> dict[str, gpd.GeoDataFrame]:
    """The administrative layers of the GeoPackage, by layer name.

    Parameters
    ----------
    boundaries
        Township geometry to use (as from :func:`jmgis.admin.user.load_user_townships`);
        default: the boundaries the settings name, else the bundled schematic polygons.
    settings
        The settings (default: those in effect).

    Returns
    -------
    dict
        ``city``, ``county``, ``township``, ``township_seat``, ``zone``, ``region``.
    """
    if boundaries is None:
        boundaries = township_boundaries(settings)
    town = load_townships(boundaries)
    return {
        "city": load_city(),
        "county": load_counties(),
        "township": town,
        "township_seat": load_seats(),
        "zone": load_zones(town),
        "region": load_region(),
    }
