"""Input/output: GeoPackage, QGIS styles and project, Shapefile export."""
