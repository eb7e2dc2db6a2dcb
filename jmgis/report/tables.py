"""The report tables, built once and written three times (HTML, CSV, XLSX).

Every table holds display-ready values: minutes and percentages rounded to one decimal,
people as whole numbers, and the text ``不可达`` where a target cannot be reached.  The
HTML, CSV and XLSX writers print these same values, so the three agree by construction
(and a test reads them back to prove it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from jmgis.access.measures import summarize, worst_served
from jmgis.admin.zoning import ZONE_NAMES_EN, ZONES
from jmgis.errors import DataError
from jmgis.report.inputs import ReportInputs
from jmgis.report.labels import (
    BANDS_MIN,
    HEADLINE_TARGETS,
    UNREACHABLE,
    profile_targets,
    target_label,
    time_column,
)

ALL = "all"
ALL_NAME = "全市"
NEWLY_REACHABLE = "新增可达"
NO_LONGER_REACHABLE = "变为不可达"
WORST_COUNT = 10


@dataclass
class Table:
    """One report table: ``key`` names the CSV file, the XLSX sheet and the HTML id."""

    key: str
    title: str
    title_en: str
    frame: pd.DataFrame
    note: str = ""


def check_zones(zones: str | list[str] | tuple[str, ...] | None) -> list[str]:
    """Zone codes from ``"core,bay"`` or a list (default all three), validated."""
    if zones is None:
        return list(ZONES)
    items = zones.split(",") if isinstance(zones, str) else list(zones)
    codes = [z.strip() for z in items if z.strip()]
    by_name = {name: code for code, name in ZONES.items()}
    out = []
    for z in codes:
        code = by_name.get(z, z)
        if code not in ZONES:
            raise DataError(
                f"unknown zone {z!r}; choose from {', '.join(ZONES)} ({', '.join(ZONES.values())})",
                field="zones",
            )
        if code not in out:
            out.append(code)
    if not out:
        raise DataError("no zone given", field="zones")
    return out


def minutes(value: float) -> float | str:
    """Minutes for display: one decimal, or ``不可达`` for ``inf``."""
    value = float(value)
    return UNREACHABLE if math.isinf(value) else round(value, 1) + 0.0  # no "-0.0"


def percent(share: float) -> float:
    """A 0–1 share as a percentage with one decimal."""
    return round(float(share) * 100.0, 1) + 0.0


def _minutes_column(values: pd.Series) -> pd.Series:
    out = values.astype(float).map(minutes)
    return out.astype(float) if not (out == UNREACHABLE).any() else out.astype(object)


class _Frame:
    """The townships with population and the times of one year, in township order."""

    def __init__(self, inputs: ReportInputs, year: int) -> None:
        base = inputs.townships.copy()
        base["code"] = base["code"].astype(str)
        pop = pd.Series(inputs.population)
        pop.index = pop.index.astype(str)
        base["population"] = base["code"].map(pop).astype(float)
        profile = inputs.profiles[year].copy()
        profile["code"] = profile["code"].astype(str)
        self.targets = profile_targets(list(profile.columns))
        cols = ["code", *(time_column(t) for t in self.targets)]
        self.data = base.merge(profile[cols], on="code", how="left", validate="one_to_one")
        for t in self.targets:
            self.data[time_column(t)] = self.data[time_column(t)].astype(float)

    def zone(self, zone: str) -> pd.DataFrame:
        return self.data if zone == ALL else self.data[self.data["zone_code"] == zone]

    def summary(self, zone: str, target: str) -> dict:
        part = self.zone(zone)
        row = summarize(
            part[time_column(target)],
            part["population"],
            bands_min=BANDS_MIN,
            labels=list(part["code"]),
        ).iloc[0]
        return row.to_dict()


def _zone_name(zone: str) -> str:
    return ALL_NAME if zone == ALL else ZONES[zone]


def zone_overview(frame: _Frame, zones: list[str]) -> Table:
    """The zone summary table: townships, population and headline access per zone.

    Parameters
    ----------
    frame : _Frame
        The profile of one year.
    zones : list of str
        The zone codes, in report order (the whole city is added last).

    Returns
    -------
    Table
        One row per zone.
    """
    headline = [t for t in HEADLINE_TARGETS if t in frame.targets] or frame.targets[:1]
    rows = []
    for zone in [*zones, ALL]:
        part = frame.zone(zone)
        row = {
            "zone_code": zone,
            "zone_name": _zone_name(zone),
            "townships": len(part),
            "population": int(np.rint(part["population"].sum())),
        }
        for t in headline:
            s = frame.summary(zone, t)
            row[f"{t}_mean_min"] = minutes(s["mean_min"])
            row[f"{t}_pct_{BANDS_MIN[-1]}"] = percent(s[f"share_within_{BANDS_MIN[-1]}"])
        rows.append(row)
    return Table(
        "zone_overview",
        "三区概况",
        "Zone summary",
        pd.DataFrame(rows),
        "平均时间为可达人口的人口加权平均；比例以全区常住人口为分母（不可达者计为不在范围内）。",
    )


def zone_access(frame: _Frame, zone: str) -> Table:
    """Population within 30/60 minutes of every target in one zone.

    Parameters
    ----------
    frame : _Frame
        The profile of one year.
    zone : str
        The zone code.

    Returns
    -------
    Table
        One row per target; times in minutes.
    """
    rows = []
    for t in frame.targets:
        s = frame.summary(zone, t)
        rows.append(
            {
                "target": t,
                "target_name": target_label(t),
                "mean_min": minutes(s["mean_min"]),
                "median_min": minutes(s["median_min"]),
                **{f"pct_within_{b}": percent(s[f"share_within_{b}"]) for b in BANDS_MIN},
                "unreachable_population": int(np.rint(s["unreachable_population"])),
            }
        )
    return Table(
        f"access_{zone}",
        f"{ZONES[zone]}：人口可达性",
        f"{ZONE_NAMES_EN[zone]} zone: population within 30/60 minutes",
        pd.DataFrame(rows),
    )


def zone_townships(frame: _Frame, zone: str) -> Table:
    """Travel time (minutes) from each township of a zone to every target.

    Parameters
    ----------
    frame : _Frame
        The profile of one year.
    zone : str
        The zone code.

    Returns
    -------
    Table
        One row per township.
    """
    part = frame.zone(zone)
    out = part[["code", "name", "county_name"]].copy()
    out["population"] = part["population"].round().astype(int)
    for t in frame.targets:
        out[time_column(t)] = _minutes_column(part[time_column(t)])
    return Table(
        f"townships_{zone}",
        f"{ZONES[zone]}：各镇街出行时间",
        f"{ZONE_NAMES_EN[zone]} zone: travel time by township (minutes)",
        out.reset_index(drop=True),
    )


def worst(frame: _Frame, zones: list[str], n: int = WORST_COUNT) -> Table:
    """The worst-served townships by mean headline travel time.

    Parameters
    ----------
    frame : _Frame
        The profile of one year.
    zones : list of str
        The zone codes to rank over.
    n : int
        How many townships.

    Returns
    -------
    Table
        Ranked rows; unreachable first, ties by larger population.
    """
    data = pd.concat([frame.zone(z) for z in zones])
    headline = [t for t in HEADLINE_TARGETS if t in frame.targets] or frame.targets[:1]
    data = data.assign(
        headline_mean_min=data[[time_column(t) for t in headline]].mean(axis=1).to_numpy()
    )
    ranked = worst_served(data, "headline_mean_min", n, population="population")
    out = ranked[["code", "name", "county_name", "zone_name"]].copy()
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    out["population"] = ranked["population"].round().astype(int)
    out["headline_mean_min"] = _minutes_column(ranked["headline_mean_min"])
    for t in headline:
        out[time_column(t)] = _minutes_column(ranked[time_column(t)])
    names = "、".join(target_label(t) for t in headline)
    return Table(
        "worst_served",
        "服务最差的镇街",
        "Worst-served townships",
        out.reset_index(drop=True),
        f"按至{names}出行时间的平均值排序（不可达排最前，同值时人口多者在前）。",
    )


def scenario_zone(before: _Frame, after: _Frame, zones: list[str], c: int, y: int) -> Table:
    """How each zone's access changes between two scenario years.

    Parameters
    ----------
    before : _Frame
        The profile of the earlier year ``c``.
    after : _Frame
        The profile of the later year ``y``.
    zones : list of str
        The zone codes.
    c : int
        The comparison year.
    y : int
        The report year.

    Returns
    -------
    Table
        One row per zone and target; times in minutes.
    """
    rows = []
    band = BANDS_MIN[-1]
    for zone in [*zones, ALL]:
        for t in after.targets:
            if t not in before.targets:
                continue
            sb, sa = before.summary(zone, t), after.summary(zone, t)
            saved = sb["mean_min"] - sa["mean_min"]
            rows.append(
                {
                    "zone_code": zone,
                    "zone_name": _zone_name(zone),
                    "target": t,
                    "target_name": target_label(t),
                    f"mean_min_{c}": minutes(sb["mean_min"]),
                    f"mean_min_{y}": minutes(sa["mean_min"]),
                    "mean_saved_min": round(saved, 1) + 0.0 if np.isfinite(saved) else "—",
                    f"pct_{band}_{c}": percent(sb[f"share_within_{band}"]),
                    f"pct_{band}_{y}": percent(sa[f"share_within_{band}"]),
                }
            )
    return Table(
        "scenario_zone",
        f"情景比较 {c} → {y}：三区",
        f"Scenario comparison {c} → {y} by zone",
        pd.DataFrame(rows),
        "平均节省 = 两年可达人口加权平均时间之差；一方平均为不可达时记 —。",
    )


def _saved(before: float, after: float) -> float | str | None:
    if math.isinf(before) and math.isinf(after):
        return None
    if math.isinf(before):
        return NEWLY_REACHABLE
    if math.isinf(after):
        return NO_LONGER_REACHABLE
    saved = round(before - after, 1)
    return saved if saved != 0 else None


def scenario_townships(
    before: _Frame, after: _Frame, zones: list[str], changes: pd.DataFrame | None, c: int, y: int
) -> Table:
    """The townships whose travel time changes between two scenario years, with the projects.

    Parameters
    ----------
    before : _Frame
        The profile of the earlier year ``c``.
    after : _Frame
        The profile of the later year ``y``.
    zones : list of str
        The zone codes.
    changes : pandas.DataFrame or None
        Township × target changes with the projects behind them
        (:func:`jmgis.report.inputs.project_changes`).
    c : int
        The comparison year.
    y : int
        The report year.

    Returns
    -------
    Table
        One row per changed township and target; times in minutes.
    """
    lookup: dict[tuple[str, str], tuple[str, str]] = {}
    with_ids = changes is not None and "project_ids" in changes.columns
    if changes is not None:
        ids = changes["project_ids"] if with_ids else changes["projects"]
        for code, target, projects, pids in zip(
            changes["code"], changes["target"], changes["projects"], ids
        ):
            lookup[(str(code), str(target))] = (str(projects), str(pids))
    b = before.data.set_index("code")
    rows = []
    for _, row in pd.concat([after.zone(z) for z in zones]).iterrows():
        for t in after.targets:
            if t not in before.targets:
                continue
            tb, ta = float(b.at[row["code"], time_column(t)]), float(row[time_column(t)])
            saved = _saved(tb, ta)
            if saved is None:
                continue
            projects, pids = lookup.get((row["code"], t), lookup.get((row["code"], ""), ("", "")))
            rows.append(
                {
                    "code": row["code"],
                    "name": row["name"],
                    "zone_name": row["zone_name"],
                    "target": t,
                    "target_name": target_label(t),
                    f"min_{c}": minutes(tb),
                    f"min_{y}": minutes(ta),
                    "saved_min": saved,
                    "projects": projects,
                    "project_ids": pids,
                }
            )
    columns = ["code", "name", "zone_name", "target", "target_name"]
    columns += [f"min_{c}", f"min_{y}", "saved_min", "projects"]
    columns += ["project_ids"] if with_ids else []
    out = pd.DataFrame(rows, columns=columns)
    if len(out):
        key = out["saved_min"].map(lambda v: v if isinstance(v, float) else math.inf)
        out = out.iloc[np.argsort(-key.to_numpy(), kind="stable")].reset_index(drop=True)
    note = "只列出时间有变化（≥ 0.1 分钟）的镇街与目标，按节省时间从大到小。"
    if changes is None:
        note += "逐镇街的项目归因暂不可用（需要 jmgis.access.compare_years），见下表所列变化项目。"
    return Table(
        "scenario_township",
        f"情景比较 {c} → {y}：各镇街",
        f"Scenario comparison {c} → {y} by township",
        out,
        note,
    )


def scenario_projects(projects: pd.DataFrame, c: int, y: int) -> Table:
    """The transport projects that differ between two scenario years.

    Parameters
    ----------
    projects : pandas.DataFrame
        The changed features (project_id, name, kind, status, open_year, source).
    c : int
        The comparison year.
    y : int
        The report year.

    Returns
    -------
    Table
        One row per project or feature.
    """
    out = projects[["project_id", "name", "kind", "status", "open_year", "source"]].copy()
    out["open_year"] = (
        out["open_year"].map(lambda v: "" if v is None or pd.isna(v) else int(v)).astype(object)
    )
    for col in ("project_id", "name", "kind", "status", "source"):
        out[col] = out[col].fillna("").astype(str)
    return Table(
        "scenario_projects",
        f"{c} 至 {y} 年间变化的交通项目",
        f"Transport projects and features that differ between {c} and {y}",
        out.reset_index(drop=True),
        "按 jmgis.transport 的情景规则：该年已建成或计划于该年前建成的要素计入路网。",
    )


@dataclass
class ReportTables:
    """All tables of one report, in the order the HTML shows them."""

    overview: Table
    zones: dict[str, tuple[Table, Table]]
    worst: Table
    scenario: list[Table]

    def all(self) -> list[Table]:
        """Every table, in the order the HTML shows them."""
        out = [self.overview]
        for access_table, township_table in self.zones.values():
            out += [access_table, township_table]
        return [*out, self.worst, *self.scenario]


def build_tables(
    inputs: ReportInputs, year: int, compare: int | None = None, zones: list[str] | None = None
) -> ReportTables:
    """Every table of the report for ``year`` (compared with ``compare``) and ``zones``.

    Parameters
    ----------
    inputs : ReportInputs
        The report inputs (:func:`jmgis.report.inputs.load_inputs`).
    year : int
        The report's scenario year.
    compare : int or None
        The earlier year it is compared with (``None`` = no comparison).
    zones : list of str or None
        Zone codes (``None`` = all three).

    Returns
    -------
    ReportTables
        The tables.
    """
    zones = check_zones(zones)
    if year not in inputs.profiles:
        raise DataError(f"no profile for {year}", file="profiles")
    now = _Frame(inputs, year)
    per_zone = {z: (zone_access(now, z), zone_townships(now, z)) for z in zones}
    scenario: list[Table] = []
    if compare is not None:
        if compare not in inputs.profiles:
            raise DataError(f"no profile for {compare}", file="profiles")
        before = _Frame(inputs, compare)
        scenario.append(scenario_zone(before, now, zones, compare, year))
        scenario.append(scenario_townships(before, now, zones, inputs.changes, compare, year))
        if inputs.projects is not None:
            scenario.append(scenario_projects(inputs.projects, compare, year))
    return ReportTables(zone_overview(now, zones), per_zone, worst(now, zones), scenario)
