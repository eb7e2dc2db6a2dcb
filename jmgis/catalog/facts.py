"""The fact check: a cited line must support each attribute a row takes from it.

:func:`jmgis.catalog.check.check_sources` checks that a row's name is on its cited lines;
this module checks the facts the row states, where its lines state them (issue 14.3).
The *window* of a reference is its line with the non-blank lines before it back to the
start of its clause (a line with ：, at most three) and the following non-blank lines up
to the end of the sentence (at most four; the seeds
hard-wrap their text at about 30 characters, so a verb, a year or the rest of a list
often stands on the line before or after the name); whitespace is ignored.

- **status** — one window of the row (its sources and milestones) must carry a word of
  :data:`STATUS_EVIDENCE` for the row's status: a ``completed`` row needs 建成/完成/通车 …,
  a ``conceptual`` one 谋划/研究/前期 …, a ``planned`` park 规划/打造/建设 ….
- **target year** — a project's or facility's ``target_year`` must be in a window (``2025`` also as
  十四五, ``2035`` also as 远景), unless it is the horizon of the row's plan
  (:data:`PLAN_HORIZON`: 建成 in a 14th five-year plan means by 2025).
- **industries** — each industry of a park must be in one of its windows.
- **township / county** — each township of a row must be named (its short name, 白沙 for
  白沙街道) in a window or in the row's name, and each county by its name, its short name
  or one of its townships — unless the row declares it where it says where its places
  come from (its notes, ``placed_by``, ``through``), or the row is
  in a plan of that one county (001 蓬江区, 004 江海区).
- **quotes** — a quote must be at least :data:`MIN_QUOTE_CHARS` characters long: one
  character is found on almost any line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from jmgis.catalog.sources import parse_ref, seed_lines

MIN_QUOTE_CHARS = 2

_COMPLETE = ("建成", "完成", "完工", "竣工", "通车", "投入使用", "投入运营", "投产", "运营", "开通")
_BUILDING = ("建设", "加快", "推进", "续建", "开工", "动工", "在建", "施工", "实施", "推动")
_PREPARING = ("前期", "启动", "开展", "筹建", "谋划", "规划", "研究", "争取", "立项", "动工")
_PLANNING = (
    "规划",
    "建设",
    "打造",
    "推动",
    "推进",
    "新建",
    "布局",
    "构建",
    "发展",
    "培育",
    "建",
    "实施",
)
_VISION = ("谋划", "研究", "前期", "远景", "展望", "探索", "争取", "预留", "论证", "适时", "启动")
_EXPANDING = ("扩园", "拓展", "提质", "扩", "增效", "升级", "提升", "整合", "优化")
_EXISTING = ("已", "建成", "运营", "现有", "形成", "设立", "认定", "获批", "成为", "是")

#: Words that support each status on a cited line (project and park statuses).
STATUS_EVIDENCE: dict[str, tuple[str, ...]] = {
    "completed": _COMPLETE,
    "to_complete_by_2025": (*_COMPLETE, "基本建成"),
    "under_construction": _BUILDING,
    "pre_construction": _PREPARING,
    "planned": _PLANNING,
    "conceptual": _VISION,
    "existing": _EXISTING + _EXPANDING + _BUILDING,
    "expanding": _EXPANDING + _BUILDING,
}

_SUFFIXES = ("街道", "镇", "乡")
#: The plans of one county: every row of such a plan lies in that county.
PLAN_COUNTY: dict[str, str] = {"001": "440703", "004": "440704"}
#: Other names of a county in the plans: 004 is the plan of 江门高新区（江海区） (004:1).
COUNTY_ALIASES: dict[str, tuple[str, ...]] = {"440704": ("高新区",)}
#: The horizon of each plan: a 14th five-year plan's 建成 means by 2025, 002's work plans
#: run 2020–2022.  A target year equal to its plan's horizon needs no year on the line.
PLAN_HORIZON: dict[str, int] = {"000": 2025, "001": 2025, "002": 2022, "004": 2025}
#: The fields in which a row declares where a fact not on its cited lines comes from.
_DECLARING = ("notes", "placed_by", "through", "status_text")
_ENDS = re.compile(r"[。；;]\s*$")
_FOLLOWING = 4
_PRECEDING = 3


@dataclass(frozen=True)
class FactProblem:
    """An attribute that no cited line supports."""

    file: str
    id: str
    field: str
    reason: str

    @property
    def ref(self) -> str:
        """The checked field (a :class:`~jmgis.catalog.check.SourceProblem` names a ref)."""
        return self.field

    def __str__(self) -> str:
        return f"{self.file}, feature {self.id}, field {self.field!r}: {self.reason}"


def _squeeze(text: str) -> str:
    return "".join(str(text).split())


def window(ref: str, seeds: Path | None) -> str:
    """The cited line with the start of its clause and the rest of its sentence.

    The cited line with the start of its clause (at most three non-blank lines back)
    and the rest of its sentence (at most four non-blank lines on), whitespace removed
    ('' for a reference past the end of its file).

    Parameters
    ----------
    ref : str
        The citation, ``file:line`` or the short form ``000:1386``.
    seeds : pathlib.Path or None
        The folder of the plan documents (``jmgis.paths.seeds_dir()`` when ``None``).

    Returns
    -------
    str
        The text of the window with all whitespace removed.
    """
    sref = parse_ref(ref)
    lines = seed_lines(sref.file, seeds)
    i = sref.line - 1
    if not 0 <= i < len(lines):
        return ""
    # back to the start of the clause: a list of names often follows its verb by lines
    before = ""
    for text in reversed(lines[max(0, i - 8) : i]):
        if not text.strip():
            continue
        if _ENDS.search(text) or before.count("\n") == _PRECEDING:
            break
        before = _squeeze(text) + "\n" + before
        if "：" in text:
            break
    before = before.replace("\n", "")
    after = []
    if not _ENDS.search(lines[i]):
        for text in lines[i + 1 : i + 12]:
            if not text.strip():
                continue
            after.append(_squeeze(text))
            if _ENDS.search(text) or len(after) == _FOLLOWING:
                break
    return _squeeze(before) + _squeeze(lines[i]) + "".join(after)


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, (list, tuple)):
        return "".join(_text(v) for v in value)
    if isinstance(value, dict):
        return "".join(_text(v) for v in value.values())
    return str(value)


def _cited_lines(refs: list[str], seeds: Path | None) -> list[str]:
    out = []
    for sref in sorted({parse_ref(r) for r in refs}, key=lambda r: (r.file, r.line)):
        lines = seed_lines(sref.file, seeds)
        if 0 < sref.line <= len(lines):
            out.append(_squeeze(lines[sref.line - 1]))
    return out


def _refs(rec: Mapping) -> list[str]:
    refs = list(rec.get("sources") or [])
    for step in rec.get("milestones") or []:
        refs.extend(step.get("sources") or [])
    return refs


def _year_words(year: int) -> tuple[str, ...]:
    words = [str(year)]
    if year == 2025:
        words += ["十四五", "“十四五”"]
    if year == 2035:
        words += ["远景"]
    return tuple(words)


_INDUSTRY_SPLIT = re.compile(r"[及与和、，,（）()/]")
_INDUSTRY_SUFFIXES = ("产业集群", "产业", "制造业", "制造", "服务业", "服务", "基地")


def industry_named(industry: str, text: str) -> bool:
    """Whether ``text`` (squeezed) names ``industry``.

    Whether ``text`` (squeezed) names ``industry``: the whole term, or each of its parts
    (split at 及/与/和/、/brackets) with a generic ending (产业, 制造, 服务 …) dropped, so
    that 摩托车及零部件 is found in “摩托车、零部件” and 高端装备制造 in “高端装备”.

    Parameters
    ----------
    industry : str
        The industry term to look for.
    text : str
        The text to search, already squeezed (whitespace removed).

    Returns
    -------
    bool
        ``True`` when the whole term, or every remaining part of at least two characters,
        occurs in ``text``.
    """
    whole = _squeeze(industry)
    if whole in text:
        return True
    parts = []
    for part in _INDUSTRY_SPLIT.split(whole):
        for suffix in _INDUSTRY_SUFFIXES:
            if part.endswith(suffix) and len(part) > len(suffix) + 1:
                part = part[: -len(suffix)]
                break
        if len(part) >= 2:
            parts.append(part)
    return bool(parts) and all(p in text for p in parts)


def short_name(name: str) -> str:
    """白沙街道 → 白沙, 睦洲镇 → 睦洲."""
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def check_facts(
    frames: Mapping[str, object],
    files: Mapping[str, str],
    seeds: Path | None,
    *,
    townships: Mapping[str, str],
    counties: Mapping[str, tuple[str, str]],
) -> list[FactProblem]:
    """Every attribute of the catalog rows that its cited lines do not support.

    Parameters
    ----------
    frames : Mapping[str, pandas.DataFrame]
        The catalog tables by kind (``park``, ``project``, …).
    files : Mapping[str, str]
        The data file of each kind, for the messages.
    seeds : pathlib.Path or None
        The seed directory (``None``: the configured one).
    townships : Mapping[str, str]
        ``{9-digit code: name}``.
    counties : Mapping[str, tuple[str, str]]
        ``{6-digit code: (name, short name)}``.

    Returns
    -------
    list[FactProblem]
        Empty when every fact is supported.
    """
    problems: list[FactProblem] = []
    for kind, frame in frames.items():
        file = files[kind]
        for rec in frame.to_dict("records"):  # type: ignore[attr-defined]
            problems.extend(_row(kind, file, rec, seeds, townships, counties))
    return problems


def _row(
    kind: str,
    file: str,
    rec: dict,
    seeds: Path | None,
    townships: Mapping[str, str],
    counties: Mapping[str, tuple[str, str]],
) -> Iterable[FactProblem]:
    rid = rec["id"]
    refs = _refs(rec)
    windows = [window(r, seeds) for r in refs]
    # the cited lines in their order too: a list interrupted by a footnote is cited twice
    text = "".join(windows) + "".join(_cited_lines(refs, seeds))
    for ref, quote in (rec.get("quotes") or {}).items():
        if quote and len(_squeeze(quote)) < MIN_QUOTE_CHARS:
            yield FactProblem(file, rid, "sources", f"the quote {quote!r} of {ref} is too short")
    for quote in rec.get("row_quotes") or []:
        if quote and len(_squeeze(quote)) < MIN_QUOTE_CHARS:
            yield FactProblem(file, rid, "quotes", f"the quote {quote!r} is too short")
    status = rec.get("status")
    words = STATUS_EVIDENCE.get(str(status)) if kind in ("park", "project", "facility") else None
    if words and windows and not any(w in text for w in words):
        yield FactProblem(
            file,
            rid,
            "status",
            f"no cited line supports {status!r} (looked for {'/'.join(words[:6])} …)",
        )
    year = rec.get("target_year")
    if kind in ("project", "facility") and year is not None and year == year:
        horizon = PLAN_HORIZON.get(str(rec.get("plan")))
        if int(year) != horizon and not any(w in text for w in _year_words(int(year))):
            yield FactProblem(file, rid, "target_year", f"no cited line gives the year {year}")
    for industry in rec.get("industries") or []:
        if not industry_named(industry, text):
            yield FactProblem(file, rid, "industries", f"no cited line names {industry!r}")
    place_text = (
        text
        + _squeeze(rec.get("name") or "")
        + "".join(_squeeze(a) for a in rec.get("aliases") or [])
    )
    # a place the cited lines do not give must be declared where the row says where it
    # comes from: its notes (and the lines they cite), its placement, its route
    declared = "".join(_squeeze(_text(rec.get(k))) for k in _DECLARING)
    noted = declared
    # a structure's townships are a schematic reading of the plans' county-level wording
    # (its ``defined_by``, explained in its notes); its counties are checked
    for code in [] if kind == "structure" else rec.get("township_codes") or []:
        name = townships.get(str(code))
        if name and short_name(name) not in place_text + noted:
            yield FactProblem(file, rid, "township_codes", f"no cited line names {name} ({code})")
    codes = list(rec.get("county_codes") or [])
    if rec.get("county_code"):
        codes.append(rec["county_code"])
    for code in dict.fromkeys(str(c) for c in codes):
        if code not in counties or PLAN_COUNTY.get(str(rec.get("plan"))) == code:
            continue
        name, short = counties[code]
        own = [short_name(n) for c, n in townships.items() if c.startswith(code)]
        pool = place_text + noted
        if not any(w and w in pool for w in (name, short, *COUNTY_ALIASES.get(code, ()), *own)):
            yield FactProblem(file, rid, "county_codes", f"no cited line names {name} ({code})")
