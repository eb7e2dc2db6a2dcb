"""Geometry plausibility of the transport lines (roads and rail), checked on load.

The bundled lines are drawn through the control points of their ``via``; a wrong control
point (a township of the same short name in another county, a swapped coordinate) makes
a line far longer than the road it stands for and still passes every schema check.  Two
checks catch that, with stated factors (lengths geodesic on the GRS80 ellipsoid, metres):

- **Detour** — a line's length may be at most ``DETOUR_FACTOR`` = 3.0 times the
  straight-line distance between its two ends, and going through any one control point
  may be at most ``HOP_FACTOR`` = 3.0 times the straight distance between its two
  neighbours in the chain.  The bundled lines stay below 2.7 (东堤路-连海路, a road that
  bends round the 江门 old town); 江门大道 drawn through 台山's 白沙镇 instead of 蓬江's
  白沙街道 is 7 times its end-to-end distance.
- **Same-name places** — when a ``via`` seat belongs to a township whose short name
  (白沙, …) is shared by a township in another county, the county the feature's own text
  (name, source, notes) names decides; when the text names neither county, the chosen
  seat may not make the chain more than ``SAME_NAME_FACTOR`` = 1.5 times longer than
  the seat of the namesake would.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from pyproj import Geod

from jmgis.errors import DataError

DETOUR_FACTOR = 3.0
HOP_FACTOR = 3.0
SAME_NAME_FACTOR = 1.5
_GEOD = Geod(ellps="GRS80")
_SUFFIXES = ("街道", "镇", "乡")


def _distance_m(a: np.ndarray, b: np.ndarray) -> float:
    return float(_GEOD.line_length([a[0], b[0]], [a[1], b[1]]))


def chain_length_m(coords: np.ndarray) -> float:
    """Geodesic length of a chain of (lon, lat) points.

    Parameters
    ----------
    coords : numpy.ndarray
        ``(n, 2)`` longitudes and latitudes, degrees.

    Returns
    -------
    float
        Length in metres.
    """
    coords = np.asarray(coords, dtype=float)
    return float(_GEOD.line_length(coords[:, 0], coords[:, 1])) if len(coords) > 1 else 0.0


def short_name(name: str) -> str:
    """A township's name without 驻地 and its 街道/镇/乡 suffix (白沙街道驻地 → 白沙)."""
    name = name.removesuffix("驻地")
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def namesakes(points: pd.DataFrame) -> dict[str, list[str]]:
    """``{seat point id: [seat point ids of same-named townships in other counties]}``."""
    seats = points[points["kind"] == "seat"]
    by_name: dict[str, list[tuple[str, str]]] = {}
    rows = zip(seats["point_id"], seats["name"], seats["township_code"], strict=True)
    for pid, name, code in rows:
        by_name.setdefault(short_name(name), []).append((pid, str(code)[:6]))
    out: dict[str, list[str]] = {}
    for group in by_name.values():
        for pid, county in group:
            others = [p for p, c in group if c != county]
            if others:
                out[pid] = others
    return out


def check_lines(
    frame: pd.DataFrame,
    points: pd.DataFrame,
    path: str | Path,
    id_field: str,
    *,
    counties: Mapping[str, str],
    texts: Mapping[str, str] | None = None,
) -> None:
    """Raise :class:`~jmgis.errors.DataError` for an implausible line.

    Parameters
    ----------
    frame : pandas.DataFrame
        A line layer with ``id_field``, ``via`` (comma-separated control point ids) and
        ``source``.
    points : pandas.DataFrame
        The control points, indexed by ``point_id`` (``lon``, ``lat``, ``kind``, ``name``,
        ``township_code``).
    path : str or pathlib.Path
        The data file, for the message.
    id_field : str
        The feature id column.
    counties : Mapping[str, str]
        ``{6-digit county code: county name}`` (江门's seven counties).
    texts : Mapping[str, str], optional
        Extra text of each feature (notes) that may name a county.

    Raises
    ------
    jmgis.errors.DataError
        Naming the file, the feature and the field ``via``.
    """
    same = namesakes(points)
    xy = points[["lon", "lat"]].astype(float)
    for row in frame.itertuples(index=False):
        fid = getattr(row, id_field)
        via = [v for v in str(row.via).split(",") if v]
        coords = xy.loc[via].to_numpy()
        length = chain_length_m(coords)
        direct = _distance_m(coords[0], coords[-1])
        if direct > 0 and length > DETOUR_FACTOR * direct:
            raise DataError(
                f"the line is {length / 1000:.1f} km long, {length / direct:.1f} times the "
                f"{direct / 1000:.1f} km between its ends (at most {DETOUR_FACTOR:g}); "
                "is a control point in the wrong place or the wrong county?",
                file=path,
                feature=fid,
                field="via",
            )
        for i in range(1, len(via) - 1):
            skip = _distance_m(coords[i - 1], coords[i + 1])
            hop = _distance_m(coords[i - 1], coords[i]) + _distance_m(coords[i], coords[i + 1])
            if skip > 0 and hop > HOP_FACTOR * skip:
                raise DataError(
                    f"going through {via[i]!r} is {hop / skip:.1f} times the direct "
                    f"{skip / 1000:.1f} km between {via[i - 1]!r} and {via[i + 1]!r} "
                    f"(at most {HOP_FACTOR:g})",
                    file=path,
                    feature=fid,
                    field="via",
                )
        text = f"{row.name} {row.source} {(texts or {}).get(fid, '')}"
        _check_namesakes(fid, via, coords, xy, same, text, counties, path)


def _named(text: str, county_name: str) -> bool:
    base = county_name.removesuffix("区").removesuffix("市")
    return county_name in text or (len(base) >= 2 and base in text)


def _check_namesakes(
    fid: str,
    via: list[str],
    coords: np.ndarray,
    xy: pd.DataFrame,
    same: Mapping[str, list[str]],
    text: str,
    counties: Mapping[str, str],
    path: str | Path,
) -> None:
    for i, pid in enumerate(via):
        if pid not in same:
            continue
        own = counties.get(pid.removeprefix("seat_")[:6], "")
        if own and _named(text, own):
            continue
        length = chain_length_m(coords)
        for other in same[pid]:
            other_county = counties.get(other.removeprefix("seat_")[:6], "")
            alt = coords.copy()
            alt[i] = xy.loc[other].to_numpy()
            alt_length = chain_length_m(alt)
            if (other_county and _named(text, other_county)) or (
                alt_length > 0 and length > SAME_NAME_FACTOR * alt_length
            ):
                raise DataError(
                    f"{pid!r} is in {own or '?'}, but the namesake {other!r} in "
                    f"{other_county or '?'} fits the line better ({length / 1000:.1f} km "
                    f"against {alt_length / 1000:.1f} km) or is the county the feature's "
                    "text names; name the county or use the other seat",
                    file=path,
                    feature=fid,
                    field="via",
                )


def county_names(rows: Iterable[tuple[str, str]]) -> dict[str, str]:
    """``{code: name}`` from ``(code, name)`` pairs (for :func:`check_lines`)."""
    return {str(c): str(n) for c, n in rows}
