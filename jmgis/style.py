"""The one palette of jmgis, shared by the folium maps and the QGIS styles.

A zone, a road class or a status looks the same in the browser and in QGIS because both
read these tables.  Colours are hex strings ``#rrggbb``.
"""

from __future__ import annotations

ZONE_COLORS: dict[str, str] = {
    "core": "#d7301f",  # 都市核心区 — red: the main engine
    "bay": "#2b8cbe",  # 大广海湾区 — sea blue
    "eco": "#41ab5d",  # 生态发展区 — green
}

ZONE_FILL_OPACITY = 0.55

COUNTY_LINE = {"color": "#404040", "weight": 2.0}
TOWNSHIP_LINE = {"color": "#ffffff", "weight": 0.8}
CITY_LINE = {"color": "#202020", "weight": 2.5}
SEA_COLOR = "#d6eaf3"
LAND_COLOR = "#f7f4ec"
