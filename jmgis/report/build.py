"""``build_report``: tables, charts, maps and the page, written under one directory."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from jmgis.atomic import atomic_write_text
from jmgis.buildtime import build_time
from jmgis.report.charts import build_charts
from jmgis.report.html import ReportMeta, render
from jmgis.report.inputs import ReportInputs, load_inputs
from jmgis.report.tables import build_tables, check_zones
from jmgis.report.writers import write_csv, write_xlsx

log = logging.getLogger(__name__)

# Map files linked from the report (written by jmgis.maps), in the order shown.
MAP_TITLES = {
    "access": "可达性地图 Accessibility",
    "scenario": "情景变化地图 Scenario change",
    "zones": "三区地图 Zones",
    "transport": "交通地图 Transport",
    "plan": "规划结构地图 Plan structure",
}

# The profile column the access and scenario maps show.
MAP_VALUE = "t_city_gov_min"
MAP_LABEL = "至市政府出行时间"

Progress = Callable[[Iterable, str], Iterable]


@dataclass
class ReportResult:
    """Paths written by :func:`build_report`."""

    html: Path
    xlsx: Path
    csv: list[Path]
    maps: list[Path] = field(default_factory=list)

    @property
    def written(self) -> list[Path]:
        """Every file the report wrote."""
        return [self.html, self.xlsx, *self.csv, *self.maps]


def _no_progress(steps: Iterable, _desc: str) -> Iterable:
    return steps


def write_maps(out_dir: Path, layers: Mapping | None, year: int, compare: int | None) -> list[Path]:
    """The maps a report links (``access``, ``scenario``, ``zones``) under ``out_dir/maps``.

    For those :mod:`jmgis.maps` can make from ``layers``.

    Parameters
    ----------
    out_dir : pathlib.Path
        The output folder (maps go to ``out_dir/maps``).
    layers : Mapping or None
        The build's layers (built from the bundled data when ``None``).
    year : int
        The report's scenario year.
    compare : int or None
        The earlier year it is compared with (``None`` = no comparison).

    Returns
    -------
    list of pathlib.Path
        The HTML maps written.
    """
    from jmgis.atomic import atomic_write_text
    from jmgis.settings import current

    if layers is None:
        return []
    settings = current()
    written = []
    for kind in MAP_TITLES:
        if kind == "scenario" and compare is None:
            continue
        path = out_dir / "maps" / f"{kind}.html"

        def make(kind: str = kind):
            # jmgis.maps (folium, jinja2: a second of imports) only when a page is made
            from jmgis import maps

            if kind not in maps.MAP_KINDS or maps.missing_layers(kind, layers):
                return None
            if kind == "scenario":
                return maps.scenario_map(layers, year_from=compare, year_to=year, value=MAP_VALUE)
            if kind == "access":
                return maps.access_map(layers, year=year, value=MAP_VALUE, label=MAP_LABEL)
            return maps.make_map(kind, layers, year=year)

        params = {
            "kind": kind,
            "layers": layers,
            "year": year,
            "compare": compare,
            "value": MAP_VALUE,
            "label": MAP_LABEL,
            "years": settings.years,
        }
        text = _page_cached(settings, make, params, path)
        if text is not None:
            written.append(atomic_write_text(path, text))
    return written


def _page_cached(settings, make, params, path) -> str | None:
    """The page of ``make()`` (``None`` for no map), kept in the cache under ``map``.

    As :func:`jmgis.maps.page_cached` (same key parts), without importing :mod:`jmgis.maps`
    on a hit.
    """
    from jmgis import cache

    def build():
        from jmgis import maps

        m = make()
        if m is None:
            return None, True
        text, external = maps._render(m)
        maps.warn_external(path, external)
        return text, not external

    inputs = {
        **params,
        "assets": cache.folder_listing(settings.assets_path),
        "tianditu_key": settings.tianditu_key,
    }
    return cache.memo(settings, "map", "report_map", inputs, build)


def _profile_layer(inputs: ReportInputs):
    """The report's profiles as one ``access_township`` table (code, year, t_*_min).

    So the linked maps show the report's numbers for exactly its years.
    """
    import pandas as pd

    frames = [p.assign(year=int(y)) for y, p in sorted(inputs.profiles.items())]
    return pd.concat(frames, ignore_index=True)


def map_links(report_dir: Path, map_files: Iterable[Path]) -> dict[str, str]:
    """Title → href relative to the report, for the map files that exist.

    Parameters
    ----------
    report_dir : pathlib.Path
        The report's folder.
    map_files : Iterable of pathlib.Path
        Map files named by kind (``access.html`` …).

    Returns
    -------
    dict of str to str
        Map title → relative href.
    """
    links = {}
    files = {Path(p).stem: Path(p) for p in map_files if Path(p).exists()}
    for kind, title in MAP_TITLES.items():
        if kind in files:
            rel = os.path.relpath(files[kind].resolve(), report_dir.resolve())
            links[title] = Path(rel).as_posix()
    return links


def embedded_maps(map_files: Iterable[Path]) -> dict[str, str]:
    """Title → the whole page of each map file that exists (for ``--single-file``)."""
    files = {Path(p).stem: Path(p) for p in map_files if Path(p).exists()}
    return {
        title: files[kind].read_text(encoding="utf-8")
        for kind, title in MAP_TITLES.items()
        if kind in files
    }


def build_report(
    out_dir: str | Path,
    *,
    year: int = 2025,
    compare: int | None = 2020,
    zones: str | list[str] | None = None,
    inputs: ReportInputs | None = None,
    map_files: Iterable[Path] | None = None,
    layers: Mapping | None = None,
    progress: Progress | None = None,
    single_file: bool = False,
) -> ReportResult:
    """Write ``report.html``, ``tables/*.csv`` and ``report.xlsx`` under ``out_dir``.

    Parameters
    ----------
    year, compare
        Scenario year of the report and the year it is compared with (``None``: no
        comparison).
    zones
        Zone codes or names (``"core,bay"``); default all three.
    inputs
        The data; default :func:`jmgis.report.inputs.load_inputs` (the accessibility
        profile of :mod:`jmgis.access`).
    map_files
        Existing map HTML files to link (e.g. the ``maps`` step's output); otherwise the
        maps are made from ``layers`` under ``out_dir/maps`` when given.
    layers
        Layers of a build (name → frame): the source of the maps and, through its
        ``access_township`` layer, of the profile (the numbers of the GeoPackage).
    progress
        Wraps the list of steps, e.g. a tqdm bar: ``progress(steps, description)``.
    out_dir : str or pathlib.Path
        The output folder.
    single_file : bool
        Embed the maps in ``report.html`` (each map page in an ``iframe``), so the one
        file is the whole report; otherwise the maps are linked as files beside it.

    Raises
    ------
    jmgis.errors.JmgisError
        When an input is missing or invalid; nothing is written then.

    Returns
    -------
    ReportResult
        The files written.
    """
    out = Path(out_dir)
    zone_codes = check_zones(zones)
    if compare is not None and compare == year:
        compare = None
    progress = progress or _no_progress
    state: dict = {}

    def step_inputs() -> None:
        state["inputs"] = (inputs or cached_inputs(year, compare, layers)).validate()

    def step_tables() -> None:
        state["tables"] = build_tables(state["inputs"], year, compare, zone_codes)

    def step_charts() -> None:
        state["charts"] = cached_charts(state["tables"], compare, year)

    def step_maps() -> None:
        if map_files is not None:
            state["maps"] = list(map_files)
            return
        map_layers = None
        if layers is not None:
            map_layers = {**layers, "access_township": _profile_layer(state["inputs"])}
        state["maps"] = write_maps(out, map_layers, year, compare)

    def step_write() -> None:
        tables = state["tables"].all()
        csv = write_csv(tables, out / "tables")
        xlsx = write_xlsx(tables, out / "report.xlsx")
        meta = ReportMeta(
            year=year,
            compare=compare,
            zones=zone_codes,
            generated=build_time().strftime("%Y-%m-%d %H:%M UTC"),
            notes=list(state["inputs"].notes),
            maps=map_links(out, state["maps"]),
        )
        if single_file:
            meta.embedded = embedded_maps(state["maps"])
        page = out / "report.html"
        atomic_write_text(page, render(state["tables"], state["charts"], meta))
        made = state["maps"] if map_files is None else []
        state["result"] = ReportResult(page, xlsx, csv, made)

    steps = [
        ("inputs", step_inputs),
        ("tables", step_tables),
        ("charts", step_charts),
        ("maps", step_maps),
        ("write", step_write),
    ]
    for name, step in progress(steps, "report"):
        log.debug("report: %s", name)
        step()
    return state["result"]


def cached_inputs(year: int, compare: int | None, layers: Mapping | None) -> ReportInputs:
    """:func:`~jmgis.report.inputs.load_inputs`, kept in the persistent cache.

    Keyed (:func:`jmgis.cache.memo`, namespace ``report``) by the years, the settings in
    effect (with the contents of their data files) and the contents of the two layers
    ``load_inputs`` reads (``township``, ``access_township``).

    Parameters
    ----------
    year : int
        The report's scenario year.
    compare : int or None
        The earlier year it is compared with (``None`` = no comparison).
    layers : Mapping or None
        The build's layers, if any.

    Returns
    -------
    ReportInputs
        The inputs.
    """
    from jmgis import cache
    from jmgis.settings import current

    used = {name: (layers or {}).get(name) for name in ("township", "access_township")}
    params = {"year": year, "compare": compare, "layers": used, "has_layers": bool(layers)}
    return cache.memo(
        current(),
        "report",
        "report_inputs",
        params,
        lambda: (load_inputs(year, compare, layers=layers), True),
    )


def cached_charts(tables, compare: int | None, year: int) -> list:
    """:func:`~jmgis.report.charts.build_charts`, kept in the persistent cache.

    Keyed by the contents of every table, the years and the CJK font the charts use; charts
    drawn without a CJK font (English labels and a warning) are not kept.

    Parameters
    ----------
    tables : ReportTables
        The report's tables.
    compare : int or None
        The earlier year it is compared with (``None`` = no comparison).
    year : int
        The report's scenario year.

    Returns
    -------
    list of Chart
        The charts, in page order.
    """
    from jmgis import cache
    from jmgis.report import charts
    from jmgis.settings import current

    font = charts.cjk_font()
    params = {
        "tables": [(t.key, t.title, t.title_en, t.note, t.frame) for t in tables.all()],
        "compare": compare,
        "year": year,
        "font": font,
    }
    return cache.memo(
        current(),
        "report",
        "report_charts",
        params,
        lambda: (build_charts(tables, compare, year), font is not None),
    )


def build_step(ctx) -> list[Path]:
    """The ``report`` step of ``jmgis build``.

    The report of 2025 (or the middle scenario year) compared with the first, under
    ``ctx.out_dir/report``, linking the maps the ``maps`` step wrote.
    """
    years = sorted(ctx.years)
    year = 2025 if 2025 in years else years[len(years) // 2]
    compare = years[0] if years[0] != year else None
    maps_dir = Path(ctx.maps_dir)
    map_files = sorted(maps_dir.glob("*.html")) if maps_dir.is_dir() else []
    result = build_report(
        Path(ctx.out_dir) / "report",
        year=year,
        compare=compare,
        layers=ctx.layers,
        map_files=map_files,
    )
    return [result.html, result.xlsx, result.html.parent / "tables"]
