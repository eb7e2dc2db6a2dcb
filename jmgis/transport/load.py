"""``load(name)`` / ``layers()``: the transport layers, validated, in EPSG:4490."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import geopandas as gpd
import pandas as pd

from jmgis.paths import boundaries_dir, transport_dir
from jmgis.transport import features, plausibility
from jmgis.transport.fields import read_records
from jmgis.transport.points import load_control_points

LAYER_NAMES: tuple[str, ...] = (
    "road",
    "rail",
    "station",
    "port",
    "airport",
    "interchange",
    "gateway",
    "ferry",
    "control_point",
)

#: File of each layer in ``data/transport`` (and its id field).
FILES: dict[str, tuple[str, str]] = {
    "road": ("roads.yaml", "road_id"),
    "rail": ("rail.yaml", "line_id"),
    "station": ("stations.yaml", "station_id"),
    "port": ("ports.yaml", "port_id"),
    "airport": ("airports.yaml", "airport_id"),
    "interchange": ("interchanges.yaml", "interchange_id"),
    "gateway": ("gateways.yaml", "gateway_id"),
    "ferry": ("ferries.yaml", "ferry_id"),
}


def _records(directory: Path, name: str) -> tuple[list[dict], Path]:
    file, id_field = FILES[name]
    path = directory / file
    return read_records(path, id_field), path


def _county_names() -> dict[str, str]:
    path = boundaries_dir() / "counties.csv"
    if not path.exists():
        return {}
    table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    return plausibility.county_names(zip(table["code"], table["name"], strict=True))


def _notes(records: list[dict], id_field: str) -> dict[str, str]:
    return {str(r[id_field]): str(r.get("notes") or "") for r in records}


@cache
def _load_all(directory: str) -> dict[str, gpd.GeoDataFrame]:
    """The layers of ``directory``, from the persistent cache while its files are unchanged.

    The layers of ``directory``, from the persistent cache (:mod:`jmgis.cache`) while
    its files are unchanged; invalid files raise before anything is stored.
    """
    from jmgis import cache as store

    key = store.fingerprint([directory], {"what": "transport_layers"})
    return store.for_settings().get_or_build("transport", key, lambda: _read_all(directory))


def _read_all(
    directory: str, *, skeleton_points: bool = True, skeleton_lines: bool = True
) -> dict[str, gpd.GeoDataFrame]:
    from jmgis.transport import pointlayers, skeleton_apply

    base = Path(directory)
    points = load_control_points(base / "control_points.csv", skeleton=skeleton_points)
    indexed = points.set_index("point_id", drop=False)
    out: dict[str, gpd.GeoDataFrame] = {"control_point": points}
    counties = _county_names()
    lines = skeleton_apply.read_lines(base) if skeleton_lines else None
    recs, path = _records(base, "road")
    out["road"] = features.build_roads(recs, indexed, path)
    plausibility.check_lines(
        out["road"], indexed, path, "road_id", counties=counties, texts=_notes(recs, "road_id")
    )
    recs, path = _records(base, "station")
    stations = features.build_stations(recs, indexed, path)
    recs, path = _records(base, "rail")
    out["rail"] = features.build_rail(recs, indexed, stations, path)
    plausibility.check_lines(
        out["rail"], indexed, path, "line_id", counties=counties, texts=_notes(recs, "line_id")
    )
    # the plausibility rules judge the lines as curated; the skeleton geometry comes after
    for layer, id_column in (("road", "road_id"), ("rail", "line_id")):
        out[layer] = skeleton_apply.apply_lines(out[layer], lines, indexed, layer, id_column, base)
    out["station"] = features.link_stations(stations, out["rail"])
    for name in ("port", "airport", "interchange", "gateway", "ferry"):
        file = base / FILES[name][0]
        if not file.exists():
            out[name] = pointlayers.empty(name)
            continue
        recs, path = _records(base, name)
        out[name] = pointlayers.build(name, recs, indexed, path, out)
    return out


def read_layers(
    directory: str | Path, *, skeleton_points: bool = True, skeleton_lines: bool = True
) -> dict[str, gpd.GeoDataFrame]:
    """The transport layers of ``directory``, read afresh (no cache).

    Parameters
    ----------
    directory : str or pathlib.Path
        The transport data folder.
    skeleton_points, skeleton_lines : bool
        Apply the generated ``skeleton_points.csv`` / ``skeleton_lines.geojson``
        (:mod:`jmgis.transport.skeleton_apply`); ``False``: the data as curated.

    Returns
    -------
    dict of str to geopandas.GeoDataFrame
        Every layer by name, EPSG:4490.
    """
    return _read_all(str(directory), skeleton_points=skeleton_points, skeleton_lines=skeleton_lines)


def load(name: str) -> gpd.GeoDataFrame:
    """One transport layer (a copy), EPSG:4490.

    Raises
    ------
    KeyError
        For an unknown layer name (the message lists the known ones).
    jmgis.errors.DataError
        When the data files are invalid (naming file, feature and field).
    """
    if name not in LAYER_NAMES:
        raise KeyError(f"unknown transport layer {name!r}; known: {', '.join(LAYER_NAMES)}")
    return _load_all(str(transport_dir().resolve()))[name].copy()


def layers() -> dict[str, gpd.GeoDataFrame]:
    """All transport layers by name (copies)."""
    return {name: load(name) for name in LAYER_NAMES}


def clear_cache() -> None:
    """Forget loaded layers (after editing the data files in a running session)."""
    _load_all.cache_clear()


def project_features() -> dict[str, list[str]]:
    """``{catalog project id: [transport feature ids]}``.

    The features each plan project creates or changes (from the ``project_ids`` of the road and rail
    layers), for filling the catalog's ``feature_ids``.
    """
    out: dict[str, list[str]] = {}
    for name, id_col in (("road", "road_id"), ("rail", "line_id")):
        frame = load(name)
        for fid, ids in zip(frame[id_col], frame["project_ids"], strict=True):
            for pid in filter(None, ids.split(",")):
                out.setdefault(pid, []).append(fid)
    return out
