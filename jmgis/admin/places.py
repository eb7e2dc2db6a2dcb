"""One resolver for every kind of place a user names on the command line.

``resolve_place("台山白沙")``, ``resolve_place("guangzhou")``, ``resolve_place("江门站")``
… return a :class:`Place` with a kind, an id and a point (EPSG:4490).  Townships and
counties are built in; other parts register their point layers with
:func:`register_source` when they are imported (:mod:`jmgis.transport`: gateways,
stations, ports, airports, interchanges; :mod:`jmgis.catalog`: parks), each a callable
returning a GeoDataFrame with an id column, ``name`` and optionally ``aliases`` — so the
resolver never imports the parts above it.

Resolution order: exact id → township/county code or name (through
:mod:`jmgis.admin.resolver`) → exact name or alias of a registered place.  A name shared
by places of different kinds is ambiguous unless ``kind=`` says which.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass

import geopandas as gpd
import shapely

from jmgis.admin.resolver import normalise_name, resolver
from jmgis.crs import STORAGE_CRS
from jmgis.errors import AmbiguousNameError, ResolveError


@dataclass(frozen=True)
class Place:
    """A resolved place.

    ``kind`` (township, county, gateway, station …), ``id`` (code or feature id), Chinese ``name``
    and a representative ``point`` in EPSG:4490.
    """

    kind: str
    id: str
    name: str
    point: shapely.Point

    def __str__(self) -> str:
        return f"{self.name} ({self.kind} {self.id})"


Loader = Callable[[], gpd.GeoDataFrame]
_SOURCES: dict[str, tuple[Loader, str]] = {}


def register_source(kind: str, loader: Loader, id_column: str) -> None:
    """Make a point layer resolvable by id, name and aliases.

    Later registrations of the same kind replace earlier ones.

    Parameters
    ----------
    kind : str
        The kind of place (``gateway``, ``station`` …).
    loader : Callable
        Returns the layer (a GeoDataFrame with ``name``, ``aliases``), called when first needed.
    id_column : str
        The layer's id column.
    """
    _SOURCES[kind] = (loader, id_column)


def _aliases(value: object) -> list[str]:
    if value is None or (isinstance(value, float) and value != value):
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return [v.strip() for v in str(value).replace("，", ",").split(",") if v.strip()]


def _township_place(code: str) -> Place:
    from jmgis.admin import tables

    row = tables.townships().set_index("code").loc[code]
    return Place("township", code, row["name"], shapely.Point(row["seat_lon"], row["seat_lat"]))


def _candidates(query: str, kind: str | None) -> list[Place]:
    found: dict[tuple[str, str], Place] = {}
    key = normalise_name(query)
    for source_kind, (loader, id_column) in _SOURCES.items():
        if kind and source_kind != kind:
            continue
        layer = loader()
        if layer is None or layer.empty:
            continue
        layer = layer.to_crs(STORAGE_CRS)
        for row in layer.itertuples(index=False):
            ident = str(getattr(row, id_column))
            names = {ident, str(row.name), *_aliases(getattr(row, "aliases", None))}
            if (
                key in {normalise_name(n) for n in names}
                and row.geometry is not None
                and not row.geometry.is_empty
            ):
                geom = row.geometry
                point = geom if geom.geom_type == "Point" else geom.representative_point()
                found[(source_kind, ident)] = Place(source_kind, ident, str(row.name), point)
    return list(found.values())


def resolve_place(query: str, kind: str | None = None) -> Place:
    """Resolve a township, county, gateway, station, port, airport, interchange or park.

    Parameters
    ----------
    query
        A code, an id (``guangzhou``) or a Chinese name or alias.
    kind
        Restrict to one kind (``township``, ``county``, ``gateway``, ``station`` …).

    Returns
    -------
    Place
        The one place the query names (``ResolveError`` when none or several).
    """
    text = str(query).strip()
    matches: list[Place] = []
    township_error: ResolveError | None = None
    if kind in (None, "township"):
        try:
            matches.append(_township_place(resolver().township(text).code))
        except AmbiguousNameError:
            raise
        except ResolveError as exc:
            township_error = exc
    if kind in (None, "county") and not matches:
        try:
            code = resolver().county(text)
            from jmgis.admin.boundaries import load_counties

            county = load_counties().set_index("code").loc[code]
            matches.append(
                Place("county", code, county["name"], county.geometry.representative_point())
            )
        except ResolveError:
            pass
    if kind != "township" and kind != "county":
        others = _candidates(text, kind)
        matches.extend(p for p in others if (p.kind, p.id) not in {(m.kind, m.id) for m in matches})
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise AmbiguousNameError(text, [str(m) for m in matches])
    names = [
        str(name)
        for source_kind, (loader, _) in _SOURCES.items()
        if not kind or source_kind == kind
        for name in loader()["name"]
    ]
    close = difflib.get_close_matches(text, names, n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    detail = f" ({township_error})" if township_error and not close else ""
    raise ResolveError(f"no place {text!r}{' of kind ' + kind if kind else ''}{hint}{detail}")
