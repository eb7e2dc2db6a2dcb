"""Derive ``data/transport/interchanges.yaml`` from the expressways of ``roads.yaml``.

Every control point of an expressway inside 江门 is taken as an interchange: the
expressway alignments were drawn through the towns where their sources list an exit or a
junction.  Run ``python -m jmgis.transport.interchanges`` after editing ``roads.yaml``; a
test checks that the file is in sync.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from jmgis.paths import transport_dir
from jmgis.transport.points import load_control_points
from jmgis.transport.vocab import OUTSIDE
from jmgis.yamlio import load_records

HEADER = """\
# Expressway interchanges (互通/枢纽) used as access points. GENERATED from roads.yaml by
# `python -m jmgis.transport.interchanges`: every control point of an expressway inside 江门
# is taken as an interchange, because the expressway alignments were drawn through the towns
# where the sources list an exit or junction. Where a road's alignment is a placeholder (its
# source says 'NOT sourced'), so is the interchange. Schematic; see docs/transport_data.md.
"""


def derive(directory: Path | None = None) -> list[dict]:
    """The interchange records implied by ``roads.yaml`` (in road order)."""
    base = Path(directory) if directory is not None else transport_dir()
    points = load_control_points(base / "control_points.csv").set_index("point_id")
    roads = load_records(base / "roads.yaml", "road")
    at: dict[str, list[dict]] = {}
    for road in roads:
        if road.get("road_class") != "expressway":
            continue
        for pid in road["via"]:
            if points.loc[pid, "township_code"] != OUTSIDE:
                at.setdefault(pid, []).append(road)
    records = []
    for pid, on in at.items():
        point = points.loc[pid]
        if point["kind"] == "seat":
            name = point["name"].removesuffix("驻地") + "互通"
        else:
            name = point["name"]
        source = "on " + ", ".join(r["name"] for r in on) + " (alignment sources in roads.yaml)"
        placeholders = [r["name"] for r in on if "NOT sourced" in r["source"]]
        if placeholders:
            source += "; placeholder alignment for " + ", ".join(placeholders)
        records.append(
            {
                "interchange_id": "ic_" + pid.removeprefix("ic_").removeprefix("seat_"),
                "name": name,
                "point": pid,
                "road_ids": [r["road_id"] for r in on],
                "source": source,
            }
        )
    return records


def write(directory: Path | None = None) -> Path:
    """Write ``interchanges.yaml`` next to ``roads.yaml``; returns its path."""
    base = Path(directory) if directory is not None else transport_dir()
    path = base / "interchanges.yaml"
    body = yaml.safe_dump(derive(base), allow_unicode=True, sort_keys=False, width=100)
    from jmgis.atomic import atomic_write_text

    return atomic_write_text(path, HEADER + "\n" + body)


if __name__ == "__main__":
    print(write())
