"""jmgis — spatial-planning GIS toolkit for Jiangmen (江门市).

Subpackages, one concern each:

- :mod:`jmgis.crs`       storage/analysis CRS, geodesic areas, GCJ-02/BD-09 conversion
- :mod:`jmgis.admin`     city, counties, 73 townships, 三区 zones, name/code resolver
- :mod:`jmgis.catalog`   the plan catalog (parks, structure, schemes, projects, indicators)
- :mod:`jmgis.transport` transport layers (roads, rail, stations, ports, airports, gateways)
- :mod:`jmgis.network`   the multimodal graph by scenario year
- :mod:`jmgis.access`    travel-time engine and accessibility measures
- :mod:`jmgis.maps`      folium maps, self-contained HTML
- :mod:`jmgis.io`        GeoPackage (with QGIS styles and project), Shapefile export
- :mod:`jmgis.report`    scripted accessibility reports
"""

__version__ = "0.1.0"
