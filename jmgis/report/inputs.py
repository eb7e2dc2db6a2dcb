"""What a report is made of, checked, and where it comes from.

:class:`ReportInputs` holds plain DataFrames, so a test or a script can build a report
from any profile.  :func:`load_inputs` fills it from the rest of jmgis through a few small
functions (``_access_*``): the accessibility profile and the population of
:mod:`jmgis.access`, the township table of :mod:`jmgis.admin` and the new transport
features of :mod:`jmgis.transport`.  A report with empty tables is never written.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from jmgis.errors import DataError, JmgisError
from jmgis.report.labels import profile_targets

log = logging.getLogger(__name__)

TOWNSHIP_COLUMNS = ("code", "name", "county_name", "zone_code", "zone_name")
CHANGE_COLUMNS = ("code", "target", "projects")
PROJECT_COLUMNS = ("project_id", "name", "kind", "status", "open_year", "source")


@dataclass
class ReportInputs:
    """The data a report is built from.

    Attributes
    ----------
    townships
        One row per township: ``code, name, county_name, zone_code, zone_name``.
    population
        Persons per township, indexed by code (every township, ≥ 0, no NaN).
    profiles
        Scenario year → profile: ``code`` and ``t_<target>_min`` (minutes, ``inf`` =
        unreachable), one row per township.
    changes
        Optional, for the scenario comparison: ``code, target, projects`` — the projects
        (text, ``、``-separated names) behind a township's change of time to ``target``
        (``target`` empty = every target); optional ``project_ids`` (``、``-separated).
    projects
        Optional: the projects and transport features that differ between the compared
        years: ``project_id, name, kind, status, open_year, source``.
    notes
        Provenance lines printed in the report (population source, schematic geometry…).
    """

    townships: pd.DataFrame
    population: pd.Series
    profiles: dict[int, pd.DataFrame]
    changes: pd.DataFrame | None = None
    projects: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)

    def validate(self) -> ReportInputs:
        """Check every table; raise :class:`DataError` naming the table, row and field."""
        _require_columns(self.townships, TOWNSHIP_COLUMNS, "townships")
        codes = self.townships["code"].astype(str)
        dup = codes[codes.duplicated()]
        if len(dup):
            raise DataError("duplicate township code", file="townships", feature=dup.iloc[0])
        _check_population(self.population, codes)
        if not self.profiles:
            raise DataError("no profile year given", file="profiles")
        for year, frame in self.profiles.items():
            _check_profile(frame, codes, f"profile {year}")
        if self.changes is not None:
            _require_columns(self.changes, CHANGE_COLUMNS, "changes")
        if self.projects is not None:
            _require_columns(self.projects, PROJECT_COLUMNS, "projects")
        return self


def _require_columns(frame: pd.DataFrame, columns: Iterable[str], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(f"missing column(s) {', '.join(missing)}", file=name, field=missing[0])


def _check_population(population: pd.Series, codes: pd.Series) -> None:
    pop = pd.Series(population)
    pop.index = pop.index.astype(str)
    for code in codes:
        if code not in pop.index:
            raise DataError("township has no population", file="population", feature=code)
        value = pd.to_numeric(pd.Series([pop[code]]), errors="coerce").iloc[0]
        if not np.isfinite(value) or value < 0:
            raise DataError(
                f"population is {pop[code]!r} (must be a number ≥ 0)",
                file="population",
                feature=code,
                field="population",
            )


def _check_profile(frame: pd.DataFrame, codes: pd.Series, name: str) -> None:
    _require_columns(frame, ("code",), name)
    targets = profile_targets(list(frame.columns))
    if not targets:
        raise DataError("no t_<target>_min column", file=name)
    have = frame["code"].astype(str)
    for code in codes:
        if code not in set(have):
            raise DataError("township missing from the profile", file=name, feature=code)
    extra = sorted(set(have) - set(codes))
    if extra:
        raise DataError("code is not a township", file=name, feature=extra[0])
    dup = have[have.duplicated()]
    if len(dup):
        raise DataError("township appears twice", file=name, feature=dup.iloc[0])
    for target in targets:
        col = f"t_{target}_min"
        values = pd.to_numeric(frame[col], errors="coerce").to_numpy(float)
        bad = np.flatnonzero(np.isnan(values) | (values < 0))
        if len(bad):
            raise DataError(
                f"travel time is {frame[col].iloc[bad[0]]!r} (minutes ≥ 0, inf = unreachable)",
                file=name,
                feature=have.iloc[bad[0]],
                field=col,
            )


# --- what the report takes from the rest of jmgis ---------------------------------------


def _access_profile(year: int) -> pd.DataFrame:
    # the plain table (jm.profile is a GeoDataFrame with township polygons)
    from jmgis.jiangmen.township_access import profile

    frame = pd.DataFrame(profile(year))
    if "year" in frame.columns:
        frame = frame[frame["year"].astype(int) == int(year)]
    if frame.empty:
        raise JmgisError(f"jmgis.jiangmen.township_access({year}) returned no rows")
    return frame.reset_index(drop=True)


def _access_population(codes: pd.Series) -> tuple[pd.Series, list[str]]:
    """Population per township code and the provenance notes of the table."""
    from jmgis.jiangmen.population import population

    table = population()
    if isinstance(table, pd.Series):
        series = table.copy()
        series.index = series.index.astype(str)
        return series, []
    frame = pd.DataFrame(table)
    _require_columns(frame, ("code", "population"), "population")
    series = pd.Series(frame["population"].to_numpy(), index=frame["code"].astype(str))
    notes = []
    if "status" in frame.columns:
        counts = frame[frame["code"].astype(str).isin(set(codes))]["status"].value_counts()
        census, estimate = int(counts.get("census", 0)), int(counts.get("estimate", 0))
        notes.append(
            f"人口 Population：{census} 个镇街为 2020 年七普公布数（census），"
            f"{estimate} 个为按县区总数分配的估算（estimate，见 data/population/README.md）。"
        )
    if "source" in frame.columns:
        sources = sorted({str(s) for s in frame["source"].dropna()})[:6]
        notes.append("人口来源 Population sources: " + "；".join(sources))
    return series, notes


def _access_changes(compare: int, year: int) -> pd.DataFrame:
    """``code, target, projects, project_ids`` of every township × target whose time changes.

    From :func:`jmgis.jiangmen.compare_years`.
    """
    from jmgis import jiangmen

    out = jiangmen.compare_years(compare, year).township.copy()
    names = _project_names()
    ids = out["projects"].map(_id_list)
    out["project_ids"] = ids.map("、".join)
    out["projects"] = ids.map(lambda v: "、".join(dict.fromkeys(names.get(i, i) for i in v)))
    out["code"] = out["code"].astype(str)
    return out[[*CHANGE_COLUMNS, "project_ids"]]


def _id_list(value: object) -> list[str]:
    if isinstance(value, (list, tuple, set, np.ndarray)):
        return [str(v) for v in value]
    text = _join_ids(value)
    return [t for t in text.replace(",", "、").split("、") if t]


def _project_names() -> dict[str, str]:
    """Catalog project id → name, and ``feature:<id>`` → transport feature name."""
    from jmgis import catalog, transport

    projects = catalog.load_projects()
    names = dict(zip(projects["id"].astype(str), projects["name"].astype(str)))
    for kind, id_col in _FEATURE_ID.items():
        frame = transport.load(kind)
        names.update({f"feature:{i}": str(n) for i, n in zip(frame[id_col], frame["name"])})
    return names


def _join_ids(value: object) -> str:
    if isinstance(value, (list, tuple, set, np.ndarray)):
        return "、".join(str(v) for v in value)
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value)


_FEATURE_ID = {
    "road": "road_id",
    "rail": "line_id",
    "station": "station_id",
    "port": "port_id",
    "airport": "airport_id",
    "ferry": "ferry_id",
}


def new_transport_features(compare: int, year: int) -> pd.DataFrame:
    """Transport features that exist in ``year`` but not in ``compare`` (or the reverse).

    One row each: ``project_id, name, kind, status, open_year, source``.

    Parameters
    ----------
    compare : int
        The earlier year.
    year : int
        The later year.

    Returns
    -------
    pandas.DataFrame
        One row per feature.
    """
    from jmgis import transport

    rows = []
    for kind, id_col in _FEATURE_ID.items():
        frame = transport.load(kind)
        if frame.empty:
            continue
        changed = transport.exists_in(frame, year) != transport.exists_in(frame, compare)
        for _, row in frame[changed].iterrows():
            projects = _join_ids(row.get("project_ids"))
            rows.append(
                {
                    "project_id": str(row[id_col]) + (f"（{projects}）" if projects else ""),
                    "name": row["name"],
                    "kind": kind,
                    "status": row.get("status", ""),
                    "open_year": row.get("open_year"),
                    "source": row.get("source", ""),
                }
            )
    return pd.DataFrame(rows, columns=list(PROJECT_COLUMNS))


def _layer_profile(layers: Mapping[str, pd.DataFrame] | None, year: int) -> pd.DataFrame | None:
    """The ``access_township`` rows of ``year`` when the build already computed them."""
    if not layers or "access_township" not in layers:
        return None
    frame = pd.DataFrame(layers["access_township"])
    if "year" not in frame.columns or "code" not in frame.columns:
        return None
    frame = frame[frame["year"].astype(int) == int(year)]
    if "geometry" in frame.columns:
        frame = frame.drop(columns="geometry")
    return frame.reset_index(drop=True) if len(frame) else None


def load_inputs(
    year: int, compare: int | None = None, *, layers: Mapping[str, pd.DataFrame] | None = None
) -> ReportInputs:
    """Collect the report inputs for ``year`` (and ``compare``) from jmgis.

    Parameters
    ----------
    layers
        Layers of a build (``BuildContext.layers``): the profile is taken from its
        ``access_township`` layer when it holds the year, so the report shows the numbers
        of the GeoPackage; otherwise :func:`jmgis.jiangmen.township_access` computes it.  Its
        ``township`` layer, when present, is the township table of the report.
    year : int
        The report's scenario year.
    compare : int or None
        The earlier year it is compared with (``None`` = no comparison).

    Raises
    ------
    JmgisError
        When the accessibility profile or the population table is not available, naming
        the function that is missing.

    Returns
    -------
    ReportInputs
        Profiles, population, zone summaries, changes and projects.
    """
    town_layer = layers.get("township") if layers else None
    if town_layer is None:
        from jmgis.admin.layers import townships as settings_townships

        town_layer = settings_townships()
    townships = pd.DataFrame(town_layer.drop(columns="geometry"))
    townships = townships[list(TOWNSHIP_COLUMNS)].copy()
    townships["code"] = townships["code"].astype(str)
    population, notes = _access_population(townships["code"])
    years = [year] if compare is None else [compare, year]
    profiles = {}
    for y in years:
        from_layers = _layer_profile(layers, y)
        profiles[y] = from_layers if from_layers is not None else _access_profile(y)
    changes = projects = None
    if compare is not None:
        changes = _access_changes(compare, year)
        projects = new_transport_features(compare, year)
    notes.append(
        "出行时间自镇街政府驻地（township seat）起算，路网为示意线形（schematic）；"
        "镇街界线为派生示意（derived, schematic）。"
    )
    return ReportInputs(townships, population, profiles, changes, projects, notes).validate()
