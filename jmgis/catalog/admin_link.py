"""What the catalog needs from :mod:`jmgis.admin`: township codes, counties, zones, seats.

The catalog stores township *codes*; a name is resolved with
:func:`jmgis.admin.resolve_township` (county-qualified where a short name is ambiguous,
e.g. 白沙).  A park's ``zone_code`` is never typed in: it is derived here from its
townships.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import geopandas as gpd
import pandas as pd

from jmgis.errors import ResolveError

TOWNSHIP_CODE_LENGTH = 9
COUNTY_CODE_LENGTH = 6


@dataclass
class AdminIndex:
    """Townships and counties as lookup tables (built from :mod:`jmgis.admin`).

    Parameters
    ----------
    townships
        The ``township`` layer: ``code, name, county_code, county_name, zone_code,
        seat_lon, seat_lat`` and the polygon geometry (EPSG:4490).
    counties
        The ``county`` layer: ``code, name`` and the polygon geometry (EPSG:4490).
    """

    townships: gpd.GeoDataFrame
    counties: gpd.GeoDataFrame
    _by_code: dict[str, dict] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        table = pd.DataFrame(self.townships.drop(columns="geometry", errors="ignore"))
        self._by_code = {str(r["code"]): r for r in table.to_dict("records")}

    @cached_property
    def county_names(self) -> dict[str, str]:
        """County code to county name."""
        return dict(zip(self.counties["code"].astype(str), self.counties["name"], strict=True))

    def township(self, code: str) -> dict:
        """The township row of ``code``; ``KeyError`` when unknown."""
        return self._by_code[code]

    def has_township(self, code: str) -> bool:
        """Whether ``code`` is a known 9-digit township code."""
        return code in self._by_code

    def resolve_township(self, value: str, county: str | None = None) -> str:
        """A 9-digit code for a code or a name (``ResolveError`` when it matches none).

        Parameters
        ----------
        value : str
            A 9-digit code, or a township name.
        county : str or None
            The county (code or name) a name is looked up in.

        Returns
        -------
        str
            The 9-digit township code.
        """
        value = str(value).strip()
        if value.isdigit() and len(value) == TOWNSHIP_CODE_LENGTH:
            if value not in self._by_code:
                raise ResolveError(f"unknown township code {value}")
            return value
        from jmgis.admin import resolve_township

        return resolve_township(value, county=self.county_names.get(county or "", county))

    def resolve_county(self, value: str) -> str:
        """A 6-digit county code for a code or a county name."""
        value = str(value).strip()
        if value in self.county_names:
            return value
        for code, name in self.county_names.items():
            if value in (name, name[:-1]):
                return code
        raise ResolveError(
            f"unknown county {value!r}; known: "
            + ", ".join(f"{c} {n}" for c, n in self.county_names.items())
        )

    def zones_of(self, codes: list[str]) -> list[str]:
        """The distinct zones of the townships, in the order first met."""
        out: list[str] = []
        for code in codes:
            zone = self._by_code[code]["zone_code"]
            if zone not in out:
                out.append(zone)
        return out

    def counties_of(self, codes: list[str]) -> list[str]:
        """The distinct county codes of the townships ``codes``, in the order first met."""
        out: list[str] = []
        for code in codes:
            county = str(self._by_code[code]["county_code"])
            if county not in out:
                out.append(county)
        return out

    def county_point(self, code: str) -> tuple[float, float]:
        """(lon, lat) of a point inside the county polygon (its representative point).

        Used to show a park the plans place only in a county: the point says "somewhere in
        this county", nothing more.
        """
        geom = self.counties.geometry[self.counties["code"].astype(str) == code].iloc[0]
        point = geom.representative_point()
        return float(point.x), float(point.y)

    def seat(self, code: str) -> tuple[float, float]:
        """(lon, lat) of the township seat, degrees EPSG:4490."""
        row = self._by_code[code]
        return float(row["seat_lon"]), float(row["seat_lat"])


def default_admin() -> AdminIndex:
    """The index built from the bundled boundaries (:mod:`jmgis.admin`).

    Cached per boundaries directory and file times.
    """
    return _cached_admin(*admin_stamp())


def admin_stamp() -> tuple[str, tuple]:
    """(boundaries directory, its files' modification times): changes when they change."""
    from jmgis.paths import boundaries_dir

    directory = boundaries_dir()
    files = sorted(p for p in directory.glob("*") if p.is_file())
    return str(directory), tuple((p.name, p.stat().st_mtime_ns) for p in files)


@lru_cache(maxsize=4)
def _cached_admin(directory: str, stamp: tuple) -> AdminIndex:
    from jmgis import admin

    return AdminIndex(admin.load_townships(), admin.load_counties())
