"""The operating-speed table: how fast each kind of link is travelled.

Road defaults follow the design speeds of the Chinese standards and scale them to
operating speeds:

- JTG B01-2014 《公路工程技术标准》: 高速公路 120/100/80 km/h, 一级公路 100/80/60,
  二级公路 80/60, 三级公路 40/30, 四级公路 30/20.
- CJJ 37-2012 (2016 年版) 《城市道路工程设计规范》: 快速路 100/80/60, 主干路 60/50/40,
  次干路 50/40/30, 支路 40/30/20.

**Assumption** (project-wide, stated in every report): the operating speed used for
accessibility is about 0.7–0.85 × the design speed of the usual grade of each class
(``/shared/notes/china_planning.md`` §3.3).  Urban classes sit at the low end because of
signals and congestion.  Every value can be overridden (:meth:`SpeedTable.with_overrides`,
:meth:`SpeedTable.from_file`).

Rail is timed by the line's ``speed_kph`` where the rail layer gives one; otherwise by the
default *average* speed of its kind below, which is an assumption (≈ 0.6–0.75 × design
speed, covering acceleration and dwell), not a timetable.  Stations add a boarding penalty
(access inside the station, security check, half the headway) and an alighting penalty;
changing lines at a station adds a transfer penalty.

Ferries are timed by a crossing speed plus the expected wait (half the headway) and the
boarding time; a ferry feature that states its own crossing or waiting time overrides them.

**Door to door** (issue 15, :mod:`jmgis.network.door`): a trip starts and ends at a place
(a township seat, a park, a user's point), not on the trunk road.  Each such place reaches
the network over a *local access leg* of at least ``access_m`` metres at ``access_speed_kph``
by the kind of its township (街道 = ``urban``, 镇/乡 = ``rural``, ``other`` where no township
is known), plus ``terminal_s`` seconds at each end (parking, walking to and from the car).
Urban arterial classes (``junction_classes``) add ``junction_delay_s`` per signalised
junction, ``junctions_per_km`` of them per km, and entering or leaving an expressway at an
interchange costs ``ramp_s`` on top of the ramp's length at the ``ramp`` speed.  Sources:

- ``junction_delay_s`` = 20 s: the lower bound of level of service C of the control delay
  per vehicle at signalised intersections (HCM, Transportation Research Board: LOS B
  10–20 s, C 20–35 s).  ``junctions_per_km`` = 1: one signalised junction with a road of
  the network's classes per km of a schematic urban road — an **estimate** (the minor
  junctions are in the operating speeds above).
- ``ramp_s`` = 45 s: a ramp of 300–500 m at its design speed of 40 km/h (JTG D20-2017
  互通式立体交叉匝道 design speeds 30–80 km/h; 40 km/h the usual loop) plus merging and the
  toll lane — an **estimate**.
- ``access_speed_kph`` urban 20 / rural 30 km/h: 城市支路 design speed 20–40 km/h (CJJ
  37-2012) and 四级公路 20–30 km/h (JTG B01-2014), the streets a trip starts on —
  operating speeds are an **estimate** at the low end of these.
- ``access_m`` urban 500 / rural 1000 m: how far a trip in the town travels before it is on
  a road of the modelled network — an **estimate** (a township seat stands for its built-up
  area; the rural ones are larger and sparser).
- ``terminal_s`` = 60 s per end: finding a parking place and walking to the door — an
  **estimate** (travel-demand models add "terminal times" of one to a few minutes per
  trip end).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from jmgis.errors import DataError
from jmgis.vocab import PASSENGER_RAIL_KINDS, RAIL_KINDS

#: Default operating speeds (km/h) by ``road_class`` (see the module docstring for basis).
DEFAULT_SPEEDS_KPH: dict[str, float] = {
    # 高速公路, design 120/100 → operating 90 (JTG B01-2014; §3.3 default)
    "expressway": 90.0,
    # 互通匝道 / 连接线 (motorway_link): ramp design speeds 40–60 → 40
    "ramp": 40.0,
    # 城市快速路, design 80–100 but signals at ends and congestion → 50 (CJJ 37; §3.3)
    "urban_expressway": 50.0,
    # 国道, mostly 一级公路 (design 80–100) with town sections → 60
    "national": 60.0,
    # 省道, mostly 二级/一级公路 (design 60–80) → 50
    "provincial": 50.0,
    # 城市主干路, design 50–60 → 35
    "arterial": 35.0,
    # 城市次干路, design 40–50 → 30
    "secondary": 30.0,
    # 县道, mostly 三级公路 (design 30–40; many upgraded to 二级) → 40
    "county": 40.0,
    # 乡道 / 村道, 四级公路 (design 20–30) → 25
    "township": 25.0,
    # 城市支路 / service roads, design 20–40 → 20
    "local": 20.0,
}

#: Default average speeds (km/h) of passenger rail by ``kind`` (assumption, see docstring).
DEFAULT_RAIL_SPEEDS_KPH: dict[str, float] = {
    # 深茂/江湛 (design 200–250 km/h) → average between stops 160
    "hsr": 160.0,
    # 城际 (design 160–200 km/h, frequent stops) → 120
    "intercity": 120.0,
    # 普速 (design 120 km/h) → 70
    "conventional": 70.0,
    # 城市轨道 / 有轨电车 (stops every 1–2 km) → 35
    "urban": 35.0,
}

#: Boarding penalty (s) by rail kind: station access, security check, half the headway.
DEFAULT_BOARDING_S: dict[str, float] = {
    "hsr": 900.0,
    "intercity": 600.0,
    "conventional": 900.0,
    "urban": 300.0,
}

#: Local access leg speed (km/h) by township access kind (see the module docstring).
DEFAULT_ACCESS_SPEED_KPH: dict[str, float] = {"urban": 20.0, "rural": 30.0, "other": 20.0}

#: Shortest local access leg (m) by township access kind (estimate, module docstring).
DEFAULT_ACCESS_M: dict[str, float] = {"urban": 500.0, "rural": 1000.0, "other": 500.0}

#: Road classes with signalised intersections: the junction delay applies to them.
DEFAULT_JUNCTION_CLASSES: tuple[str, ...] = ("arterial", "secondary", "local")

RAIL_KINDS_WITHOUT_PASSENGERS = frozenset(set(RAIL_KINDS) - set(PASSENGER_RAIL_KINDS))


@dataclass(frozen=True)
class FerryParams:
    """How a ferry crossing is timed.

    Attributes
    ----------
    speed_kph
        Crossing speed (km/h) used when a ferry feature gives no crossing time.
    wait_s
        Expected wait at the pier (s), half the headway of the service.
    boarding_s
        Ticketing and boarding (s), added once per crossing.
    """

    speed_kph: float = 25.0
    wait_s: float = 1800.0
    boarding_s: float = 600.0


@dataclass(frozen=True)
class SpeedTable:
    """Speeds (km/h) and penalties (s) used to turn lengths into travel times.

    Attributes
    ----------
    road
        Operating speed (km/h) by ``road_class``.
    rail
        Average speed (km/h) by rail ``kind`` when a line gives none.
    boarding_s
        Boarding penalty (s) by rail kind, on the station → platform transfer edge.
    alighting_s
        Alighting penalty (s), on the platform → station transfer edge.
    transfer_s
        Changing between lines at one station without leaving it (s): walking between
        platforms and the wait for the connecting train; replaces alighting+boarding (a
        traveller leaves and re-enters the station when that is quicker).
    ferry
        Ferry timing (:class:`FerryParams`).
    connector_speed_kph
        Speed (km/h) on access/egress connectors from seats, parks and POIs to the
        nearest network node (local streets; a driving assumption like the roads).
    schematic_circuity
        Length factor for lines drawn schematically through control points: the real
        road bends between them (assumption; ratio of route to polyline length).
    external_speed_kph
        Speed (km/h) of the unmodelled leg from the end of the modelled network to a
        gateway (a city centre outside Jiangmen): a mix of expressway and city streets
        (assumption).
    local_circuity
        Length factor for the derived straight local links (seat to trunk, seat to
        seat).  Road-network circuity (route / straight-line distance) is typically
        1.2–1.4 in published studies; 1.3 is the assumption used.
    access_speed_kph
        Speed (km/h) of the local access leg of a trip end by township access kind
        (``urban`` 街道, ``rural`` 镇, ``other``).
    access_m
        Shortest local access leg (metres) by township access kind; a longer connector
        counts with its own length.
    terminal_s
        Fixed time (s) at each trip end: parking, walking to and from the car.
    ramp_s
        Time (s) added each time a trip enters or leaves an expressway at an interchange.
    junction_delay_s
        Delay (s) per signalised junction on a road of ``junction_classes``.
    junctions_per_km
        Signalised junctions per km of such a road (the delay is a per-edge penalty).
    junction_classes
        Road classes with signalised intersections (urban arterials).
    """

    road: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_SPEEDS_KPH))
    rail: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_RAIL_SPEEDS_KPH))
    boarding_s: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_BOARDING_S))
    alighting_s: float = 180.0
    transfer_s: float = 300.0
    ferry: FerryParams = field(default_factory=FerryParams)
    connector_speed_kph: float = 20.0
    schematic_circuity: float = 1.1
    external_speed_kph: float = 60.0
    local_circuity: float = 1.3
    access_speed_kph: Mapping[str, float] = field(
        default_factory=lambda: dict(DEFAULT_ACCESS_SPEED_KPH)
    )
    access_m: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_ACCESS_M))
    terminal_s: float = 60.0
    ramp_s: float = 45.0
    junction_delay_s: float = 20.0
    junctions_per_km: float = 1.0
    junction_classes: tuple[str, ...] = DEFAULT_JUNCTION_CLASSES

    def access_leg_s(self, access: str, snap_m: float = 0.0) -> float:
        """Door-to-door time (s) of one trip end: terminal time plus the local access leg.

        Parameters
        ----------
        access : str
            Township access kind (``urban``, ``rural`` or ``other``; unknown = ``other``).
        snap_m : float
            Straight length (metres) of the point's connector; the leg is at least
            ``access_m`` of its kind.

        Returns
        -------
        float
            Seconds.
        """
        kind = access if access in self.access_speed_kph else "other"
        speed = float(self.access_speed_kph.get(kind, self.connector_speed_kph))
        length = max(float(snap_m), float(self.access_m.get(kind, 0.0)))
        return float(self.terminal_s) + travel_time_s(length, speed)

    # ------------------------------------------------------------------ lookups
    def road_speed(
        self, road_class: str, *, file: str | Path | None = None, feature: object = None
    ) -> float:
        """Operating speed (km/h) of a road class; :class:`DataError` when unknown.

        Parameters
        ----------
        road_class : str
            The road class (see :data:`jmgis.vocab.ROAD_CLASSES`).
        file, feature
            Named in the error when the class is unknown.

        Returns
        -------
        float
            Speed (km/h).
        """
        try:
            return float(self.road[road_class])
        except (KeyError, TypeError):
            raise DataError(
                f"unknown road class {road_class!r}; the speed table knows "
                f"{', '.join(sorted(self.road))} (add it with SpeedTable.with_overrides"
                "(road={...}) or a speed file)",
                file=file,
                feature=feature,
                field="road_class",
            ) from None

    def rail_speed(
        self, kind: str, *, file: str | Path | None = None, feature: object = None
    ) -> float:
        """Average speed (km/h) of a passenger rail kind; :class:`DataError` when unknown.

        Parameters
        ----------
        kind : str
            The rail kind (``hsr``, ``intercity`` …).
        file, feature
            Named in the error when the kind is unknown.

        Returns
        -------
        float
            Speed (km/h).
        """
        try:
            return float(self.rail[kind])
        except (KeyError, TypeError):
            raise DataError(
                f"no passenger speed for rail kind {kind!r}; known kinds: "
                f"{', '.join(sorted(self.rail))}",
                file=file,
                feature=feature,
                field="kind",
            ) from None

    def boarding(self, kind: str) -> float:
        """Boarding penalty (s) of a rail kind (the largest known one when unknown)."""
        return float(self.boarding_s.get(kind, max(self.boarding_s.values(), default=0.0)))

    # -------------------------------------------------------------- overriding
    def with_overrides(self, **changes: Any) -> SpeedTable:
        """A copy with some values replaced.

        Dictionaries (``road``, ``rail``, ``boarding_s``) are *merged* into the current
        ones, so ``with_overrides(road={"expressway": 100})`` keeps the other classes;
        ``ferry`` accepts a :class:`FerryParams` or a dict of its fields.
        """
        known = {f.name for f in fields(self)}
        out: dict[str, Any] = {}
        for key, value in changes.items():
            if key not in known:
                raise DataError(
                    f"unknown speed-table entry {key!r}; known: {', '.join(sorted(known))}",
                    field=key,
                )
            if key == "junction_classes":
                if isinstance(value, str):
                    value = [value]
                out[key] = tuple(str(v) for v in (value or ()))
            elif key in ("road", "rail", "boarding_s", "access_speed_kph", "access_m"):
                merged = dict(getattr(self, key))
                check = _non_negative if key == "access_m" else _positive
                for name, number in (value or {}).items():
                    merged[str(name)] = check(number, field=f"{key}.{name}")
                out[key] = merged
            elif key == "ferry":
                if isinstance(value, FerryParams):
                    out[key] = value
                else:
                    ferry_fields = {f.name for f in fields(FerryParams)}
                    bad = set(value or {}) - ferry_fields
                    if bad:
                        raise DataError(
                            f"unknown ferry parameter(s) {sorted(bad)}; known: "
                            f"{sorted(ferry_fields)}",
                            field="ferry",
                        )
                    checked = {
                        k: _non_negative(v, field=f"ferry.{k}") for k, v in (value or {}).items()
                    }
                    if "speed_kph" in checked:
                        _positive(checked["speed_kph"], field="ferry.speed_kph")
                    out[key] = replace(self.ferry, **checked)
            elif key in ("connector_speed_kph", "external_speed_kph"):
                out[key] = _positive(value, field=key)
            elif key in ("schematic_circuity", "local_circuity"):
                out[key] = _positive(value, field=key)
                if out[key] < 1:
                    raise DataError(f"a circuity factor is ≥ 1, got {value!r}", field=key)
            else:
                out[key] = _non_negative(value, field=key)
        return replace(self, **out)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SpeedTable:
        """The default table with the entries of ``data`` (same shape as :meth:`to_dict`)."""
        return cls().with_overrides(**dict(data))

    @classmethod
    def from_file(cls, path: str | Path) -> SpeedTable:
        """Read overrides from YAML (shape of :meth:`to_dict`) or CSV.

        A CSV has columns ``road_class,speed_kph`` (one row per road class, overriding or
        adding classes) — the form a planner edits in a spreadsheet.
        """
        path = Path(path)
        if not path.exists():
            raise DataError("speed file not found", file=path)
        from jmgis.readers import read_table, read_yaml

        if path.suffix.lower() == ".csv":
            road: dict[str, float] = {}
            table = read_table(path)
            missing = {"road_class", "speed_kph"} - set(table.columns)
            if missing:
                raise DataError(
                    f"missing column(s) {sorted(missing)}", file=path, field=sorted(missing)[0]
                )
            for row_no, row in enumerate(table.itertuples(index=False), start=2):
                name = (row.road_class or "").strip()
                if not name:
                    raise DataError(
                        "empty road class", file=path, feature=row_no, field="road_class"
                    )
                try:
                    road[name] = _positive(row.speed_kph, field="speed_kph")
                except DataError as exc:
                    raise DataError(
                        exc.reason, file=path, feature=row_no, field="speed_kph"
                    ) from None
            return cls().with_overrides(road=road)
        data = read_yaml(path) or {}
        if not isinstance(data, Mapping):
            raise DataError("expected a mapping (road:, rail:, ...)", file=path)
        try:
            return cls.from_dict(data)
        except DataError as exc:
            raise DataError(exc.reason, file=path, feature=exc.feature, field=exc.field) from None

    @classmethod
    def coerce(cls, speeds: SpeedTable | Mapping[str, Any] | str | Path | None) -> SpeedTable:
        """Accept a table, a dict of overrides, a speed file or ``None`` (defaults)."""
        if speeds is None:
            return cls()
        if isinstance(speeds, SpeedTable):
            return speeds
        if isinstance(speeds, (str, Path)):
            return cls.from_file(speeds)
        # a flat {road_class: kph} mapping is accepted as road overrides
        if speeds and all(isinstance(v, (int, float)) for v in speeds.values()):
            top = {f.name for f in fields(cls)}
            if not set(speeds) & top:
                return cls().with_overrides(road=dict(speeds))
        return cls.from_dict(speeds)

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form (YAML-serialisable), the inverse of :meth:`from_dict`."""
        return {
            "road": dict(self.road),
            "rail": dict(self.rail),
            "boarding_s": dict(self.boarding_s),
            "alighting_s": self.alighting_s,
            "transfer_s": self.transfer_s,
            "ferry": {f.name: getattr(self.ferry, f.name) for f in fields(FerryParams)},
            "connector_speed_kph": self.connector_speed_kph,
            "schematic_circuity": self.schematic_circuity,
            "external_speed_kph": self.external_speed_kph,
            "local_circuity": self.local_circuity,
            "access_speed_kph": dict(self.access_speed_kph),
            "access_m": dict(self.access_m),
            "terminal_s": self.terminal_s,
            "ramp_s": self.ramp_s,
            "junction_delay_s": self.junction_delay_s,
            "junctions_per_km": self.junctions_per_km,
            "junction_classes": list(self.junction_classes),
        }


def travel_time_s(length_m: float, speed_kph: float) -> float:
    """Seconds to travel ``length_m`` metres at ``speed_kph`` km/h.

    Parameters
    ----------
    length_m : float
        Length (metres).
    speed_kph : float
        Speed (km/h), > 0.

    Returns
    -------
    float
        Seconds.
    """
    return float(length_m) / (float(speed_kph) / 3.6)


def _number(value: Any, *, field: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise DataError(f"not a number: {value!r}", field=field) from None
    if math.isnan(number) or math.isinf(number):
        raise DataError(f"missing or infinite value: {value!r}", field=field)
    return number


def _positive(value: Any, *, field: str) -> float:
    number = _number(value, field=field)
    if number <= 0:
        raise DataError(f"must be > 0, got {value!r}", field=field)
    return number


def _non_negative(value: Any, *, field: str) -> float:
    number = _number(value, field=field)
    if number < 0:
        raise DataError(f"must be ≥ 0, got {value!r}", field=field)
    return number
