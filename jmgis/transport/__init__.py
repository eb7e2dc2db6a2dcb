"""The transport layers of jmgis (issue 4), read from ``data/transport``.

Every geometry is drawn from one table of control points
(``data/transport/control_points.csv``, each with a source); lines are SCHEMATIC
polylines through them (``docs/transport_data.md``).

Contract (relied on by :mod:`jmgis.network` and the checks):

- :func:`load` ``(name) -> GeoDataFrame`` in EPSG:4490 for ``road``, ``rail``, ``station``,
  ``port``, ``airport``, ``interchange``, ``gateway``, ``ferry``, ``control_point``;
- :func:`layers` ``() -> dict[str, GeoDataFrame]`` (all of them);
- :func:`exists_in` ``(frame, year) -> bool mask`` (scenario filtering, 2020–2035);
- :func:`as_of` ``(frame, year) -> frame`` (upgrades of existing roads applied by year);
- :func:`project_features` ``() -> {project id: [feature ids]}`` (links to the plan catalog).
"""

from __future__ import annotations

from functools import partial

# The transport points are places a user can name (``jmgis route 江门站 广州``).
from jmgis.admin.places import register_source as _register_source
from jmgis.transport.load import LAYER_NAMES, layers, load, project_features
from jmgis.transport.scenario import as_of, check_year, exists_in, upgraded_in
from jmgis.transport.vocab import FIRST_YEAR, SCENARIO_YEARS, VISION_YEAR

for _kind in ("gateway", "station", "port", "airport", "interchange"):
    _register_source(_kind, partial(load, _kind), f"{_kind}_id")

__all__ = [
    "FIRST_YEAR",
    "LAYER_NAMES",
    "SCENARIO_YEARS",
    "VISION_YEAR",
    "as_of",
    "check_year",
    "exists_in",
    "layers",
    "load",
    "project_features",
    "upgraded_in",
]
