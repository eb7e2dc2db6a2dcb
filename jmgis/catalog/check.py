"""The source check: every cited line really mentions what the row says it does.

For a row, each ``sources`` line must contain its name, one of its aliases, or the quote
declared with that reference (whitespace ignored; a phrase may run on to the next
non-blank line, as the seeds hard-wrap).  For a scheme member, each road it lists must be
on one of its cited lines; a project milestone's line must carry its year; an area's line
its figure.  Each row's facts (status, target year, industries, township and county) are
then checked against the same lines (:mod:`jmgis.catalog.facts`), and the transport files'
plan references (:mod:`jmgis.catalog.transport_check`).  Run it with
``jmgis catalog check-sources``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

from jmgis.catalog.facts import FactProblem, check_facts
from jmgis.catalog.loader import Catalog, load_catalog
from jmgis.catalog.records import join
from jmgis.catalog.sources import line_mentions, parse_ref, seed_lines
from jmgis.catalog.transport_check import TransportSourceProblem, check_transport_sources
from jmgis.catalog.vocab import INDICATOR_NATURES
from jmgis.paths import seeds_dir, transport_dir


@dataclass(frozen=True)
class SourceProblem:
    """A reference that does not support its row."""

    file: str
    id: str
    ref: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}, feature {self.id}, field 'sources': {self.ref}: {self.reason}"


def _check_ref(ref: str, needles: list[str], seeds: Path | None) -> str | None:
    sref = parse_ref(ref)
    try:
        lines = seed_lines(sref.file, seeds)
    except FileNotFoundError:
        return f"seed file {sref.file} not found"
    if sref.line > len(lines):
        return f"line {sref.line} is past the end of {sref.file} ({len(lines)} lines)"
    if line_mentions(sref, needles, seeds) is None:
        shown = lines[sref.line - 1].strip()[:60]
        return f"the line does not mention {' / '.join(needles[:4])}: “{shown}”"
    return None


def _needles(rec: dict) -> list[str]:
    return [rec["name"], *(rec.get("aliases") or []), *(rec.get("row_quotes") or [])]


def check_sources(
    catalog: Catalog | None = None,
    seeds: str | Path | None = None,
    transport: str | Path | None = None,
) -> list[SourceProblem | FactProblem | TransportSourceProblem]:
    """Every reference and every fact that fails the check (an empty list when all pass).

    Parameters
    ----------
    catalog : Catalog, optional
        The plan catalog (default: the bundled one).
    seeds : str or pathlib.Path, optional
        The plan documents (default: the configured ones).
    transport : str or pathlib.Path, optional
        The transport files whose plan references are checked too (default:
        ``jmgis.paths.transport_dir()``).

    Raises
    ------
    FileNotFoundError
        When the seed files are not available (see :func:`jmgis.paths.seeds_dir`).

    Parameters
    ----------
    catalog : Catalog or None
        The plan catalog (the bundled one when ``None``).
    seeds : str, pathlib.Path or None
        The folder of plan documents (``jmgis.paths.seeds_dir()`` when ``None``).

    Returns
    -------
    list of SourceProblem
        The failing references.
    """
    catalog = catalog or load_catalog()
    # resolved once: each of the thousands of citations would otherwise load the settings
    seeds = Path(seeds) if seeds is not None else seeds_dir()
    seed_lines(parse_ref("000:1").file, seeds)  # fail early, with the message, without seeds
    problems: list[SourceProblem | FactProblem | TransportSourceProblem] = []
    for kind, frame in catalog.frames().items():
        file = str(catalog.file_of(kind))
        for rec in frame.to_dict("records"):
            needles = [n for n in _needles(rec) if n]
            for ref in rec["sources"]:
                quote = rec["quotes"].get(ref)
                reason = _check_ref(ref, [quote] if quote else needles, seeds)
                if reason:
                    problems.append(SourceProblem(file, rec["id"], ref, reason))
            # a milestone paraphrases a dated work-plan line: its year must be on that line
            for step in rec.get("milestones") or []:
                for ref in step["sources"]:
                    reason = _check_ref(ref, [str(step["year"])], seeds)
                    if reason:
                        problems.append(SourceProblem(file, f"{rec['id']} milestone", ref, reason))
            if kind == "indicator":
                problems.extend(_check_values(file, rec, seeds))
            if rec.get("area_source"):
                reason = _check_ref(rec["area_source"], [_area_text(rec)], seeds)
                if reason:
                    problems.append(SourceProblem(file, rec["id"], rec["area_source"], reason))
            # a facility's stated size (2×1750MW, 500MWp …) must be on its cited line
            if rec.get("capacity_source"):
                reason = _check_ref(rec["capacity_source"], [_capacity_text(rec)], seeds)
                if reason:
                    problems.append(SourceProblem(file, rec["id"], rec["capacity_source"], reason))
    file = str(catalog.file_of("scheme"))
    for rec in catalog.scheme_members.to_dict("records"):
        problems.extend(_check_roads(file, rec["member_id"], rec["roads"], rec["sources"], seeds))
        for quote in rec["quote"]:
            if not any(_check_ref(ref, [quote], seeds) is None for ref in rec["sources"]):
                reason = f"no cited line contains the quote {quote!r}"
                problems.append(SourceProblem(file, rec["member_id"], join(rec["sources"]), reason))
        problems.extend(_check_readings(file, rec["member_id"], rec["readings"], seeds))
    for rec in catalog.schemes.to_dict("records"):
        problems.extend(_check_readings(file, rec["id"], rec["readings"], seeds))
    frames = catalog.frames()
    townships, counties = _admin_names()
    problems.extend(
        check_facts(
            frames,
            {kind: str(catalog.file_of(kind)) for kind in frames},
            seeds,
            townships=townships,
            counties=counties,
        )
    )
    problems.extend(check_transport_sources(transport or transport_dir(), seeds))
    return problems


def _admin_names() -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    """``{township code: name}`` and ``{county code: (name, short name)}``."""
    from jmgis.admin import tables

    towns = tables.townships()
    counties = tables.counties()
    return (
        dict(zip(towns["code"].astype(str), towns["name"], strict=True)),
        {
            str(c): (n, s)
            for c, n, s in zip(
                counties["code"], counties["name"], counties["short_name"], strict=True
            )
        },
    )


def _check_values(file: str, rec: dict, seeds: Path | None) -> list[SourceProblem]:
    """An indicator's printed values and nature must be in its table row.

    A table row may wrap: the values are looked for on the cited line and the next two
    non-blank lines.  Dashes ('—', '-') are too common to check.  Where the cited line
    itself states a nature (约束性/预期性), the row's nature must be that one: the next
    lines are other rows.
    """
    wanted = [
        rec[key]
        for key in ("value_2020", "target_2025", "target_2035", "growth", "nature")
        if rec.get(key) and rec[key] not in ("—", "-")
    ]
    if not wanted:
        return []
    sref = parse_ref(rec["sources"][0])
    lines = seed_lines(sref.file, seeds)
    window = [lines[sref.line - 1]] if sref.line <= len(lines) else []
    for text in lines[sref.line : sref.line + 8]:
        if len(window) == 3:
            break
        if text.strip():
            window.append(text)
    row = "".join("".join(w.split()) for w in window)
    missing = [v for v in wanted if "".join(str(v).split()) not in row]
    # a row printed on one line that states a nature must state this one: the next lines
    # are the next rows, whose 约束性/预期性 prove nothing
    here = "".join(window[0].split()) if window else ""
    nature = rec.get("nature")
    stated = any(n in here for n in INDICATOR_NATURES)
    if nature and nature not in missing and stated and nature not in here:
        missing.append(nature)
    if not missing:
        return []
    reason = f"the table row does not show {', '.join(map(repr, missing))}"
    return [SourceProblem(file, rec["id"], str(sref), reason)]


def _check_readings(
    file: str, owner: str, readings: list[dict], seeds: Path | None
) -> list[SourceProblem]:
    problems = []
    for i, reading in enumerate(readings, start=1):
        rid = f"{owner} reading {i}"
        problems.extend(_check_roads(file, rid, reading["roads"], reading["sources"], seeds))
    return problems


def _capacity_text(rec: dict) -> str:
    """The capacity as its line must print it: the quote, if it holds the value.

    The value is one of the quote's numbers or their product (``2×1750MW`` is 3500 MW); a
    quote that does not give the value is looked for with the value appended, and fails.
    """
    quote = str(rec["capacity_quote"])
    value = float(rec["capacity_value"])
    numbers = [float(n) for n in re.findall(r"\d+(?:\.\d+)?", quote)]
    product = math.prod(numbers) if numbers else math.nan
    if any(math.isclose(n, value) for n in [*numbers, product]):
        return quote
    return f"{quote}（{value:g}）"


def _area_text(rec: dict) -> str:
    return rec["area_quote"] or f"{rec['area_value']:g}"


def _check_roads(
    file: str, rid: str, roads: list[str], refs: list[str], seeds: Path | None
) -> list[SourceProblem]:
    problems = []
    for road in roads:
        if not any(_check_ref(ref, [road], seeds) is None for ref in refs):
            problems.append(
                SourceProblem(file, rid, ", ".join(refs), f"no cited line names the road {road!r}")
            )
    return problems
