"""The source check of the transport files (issue 14.3).

Every plan reference written in a transport feature's ``source`` (``000:1384``, also
``000:3362–3364``; the long ``000_6d1849548a3b7443.txt:1384`` form too) must support the
feature: the window of the cited line (:func:`jmgis.catalog.facts.window`) names the
feature — its name, its name without the （…） gloss, one of its aliases — or the quote
written in brackets right after the reference
(``004:275 (加快…外海至睦洲支线项目建设)``; an ellipsis … separates pieces that must
each be on the line).  Quotes must be at least
:data:`jmgis.catalog.facts.MIN_QUOTE_CHARS` characters long.  References inside a longer
text that are not plan references (web pages, news) are not checked.

A feature whose status a plan states says where in ``status_source`` — plan references
with the plan's words in brackets, ``000:264 (江门北站一期投入使用)``: each quote must be on
its line as above, and the quotes together must carry a word that supports the feature's
``status`` (:data:`STATUS_EVIDENCE`: ``existing`` needs 投入使用/建成/运营 …, ``planned``
规划/建设/前期 …, ``conceptual`` 研究/谋划 …).  Features without it are not checked for
status: most statuses of existing lines come from opening dates, not from the plans.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from jmgis.catalog.facts import MIN_QUOTE_CHARS, window
from jmgis.catalog.facts import STATUS_EVIDENCE as _ROW_EVIDENCE
from jmgis.catalog.sources import expand_ref, seed_lines

#: The transport files with plan references, and their id field.
FILES: dict[str, str] = {
    "roads.yaml": "road_id",
    "rail.yaml": "line_id",
    "stations.yaml": "station_id",
    "ports.yaml": "port_id",
    "airports.yaml": "airport_id",
    "ferries.yaml": "ferry_id",
}

_REF = re.compile(
    r"(?<![\w:/.])(\d{3})(?:_[0-9a-f]{16}\.txt)?:(\d+)(?:[–-]\d+)?"
    r"(?:\s*[（(]([^（）()]*)[）)])?"
)
_GLOSS = re.compile(r"（[^）]*）")

#: Words of a plan quote that support each transport status (``status_source``).  A
#: planned transport feature may be at any step before construction (规划, 前期工作); an
#: ``upgrade`` is an existing road the plans improve.
STATUS_EVIDENCE: dict[str, tuple[str, ...]] = {
    "existing": (*_ROW_EVIDENCE["completed"], "已", "现有"),
    "completed": _ROW_EVIDENCE["completed"],
    "under_construction": _ROW_EVIDENCE["under_construction"],
    "planned": _ROW_EVIDENCE["planned"] + _ROW_EVIDENCE["pre_construction"],
    "conceptual": _ROW_EVIDENCE["conceptual"],
    "upgrade": ("改造", "快速化", "提升", "扩建", "升级", "改建", "延线", "延长线"),
}


@dataclass(frozen=True)
class TransportSourceProblem:
    """A plan reference of a transport feature that does not support it."""

    file: str
    id: str
    ref: str
    reason: str
    field: str = "source"

    def __str__(self) -> str:
        return f"{self.file}, feature {self.id}, field {self.field!r}: {self.ref}: {self.reason}"


def _squeeze(text: str) -> str:
    return "".join(str(text).split())


def names_of(name: str, aliases: list[str] | None = None) -> list[str]:
    """The names a plan line may use for a feature.

    The names a plan line may use for a feature: the name, without its （…） gloss,
    the part before a gloss, and the aliases.

    Parameters
    ----------
    name : str
        The feature's name, possibly with a （…） gloss.
    aliases : list of str or None
        Other names of the feature.

    Returns
    -------
    list of str
        The distinct names, squeezed (whitespace removed), of at least
        ``MIN_QUOTE_CHARS`` characters, in order.
    """
    out = [name, _GLOSS.sub("", name)]
    out += [p for p in re.split(r"[（）]", name) if len(p) >= 3]
    out += list(aliases or [])
    return [n for n in dict.fromkeys(_squeeze(n) for n in out) if len(n) >= MIN_QUOTE_CHARS]


_CJK_RUN = re.compile(
    r"[\u4e00-\u9fff0-9A-Z“”、（）—-]*[\u4e00-\u9fff][\u4e00-\u9fff0-9A-Z“”、（）—-]*"
)


def _cjk_runs(quote: str) -> list[str]:
    """The Chinese phrases of a bracketed note, each to be found on the cited line.

    The Chinese phrases of a bracketed note (``建成 by 2025`` → ``建成``): each must be
    on the cited line; English glosses and years written apart are not checked.
    """
    runs = []
    for piece in re.split(r"…+|\.\.\.|[;；,，:/\s]", quote):
        for run in _CJK_RUN.findall(piece):
            run = run.strip("“”、（）—-")
            if len(run) >= MIN_QUOTE_CHARS and not run.isdigit():
                runs.append(run)
    return runs


def check_transport_sources(
    directory: str | Path, seeds: Path | None = None
) -> list[TransportSourceProblem]:
    """Every plan reference of the transport files that does not support its feature.

    Parameters
    ----------
    directory : str or pathlib.Path
        ``data/transport``.
    seeds : pathlib.Path, optional
        The seed directory (default: the configured one).

    Returns
    -------
    list[TransportSourceProblem]
        Empty when every reference supports its feature.
    """
    import yaml

    problems: list[TransportSourceProblem] = []
    for file, id_field in FILES.items():
        path = Path(directory) / file
        if not path.exists():
            continue
        records = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        for rec in records:
            if isinstance(rec, dict):
                problems.extend(_record(path, str(rec.get(id_field)), rec, seeds))
    return problems


def _record(path: Path, fid: str, rec: dict, seeds: Path | None) -> list[TransportSourceProblem]:
    out = _references(path, fid, rec, "source", seeds)
    given = str(rec.get("status_source") or "")
    if not given:
        return out
    out += _references(path, fid, rec, "status_source", seeds)
    status = str(rec.get("status"))
    words = STATUS_EVIDENCE.get(status, ())
    quoted = "".join(_squeeze(m.group(3) or "") for m in _REF.finditer(given))
    if not any(w in quoted for w in words):
        reason = f"no quote supports status {status!r} (looked for {'/'.join(words[:8])} …)"
        out.append(TransportSourceProblem(str(path), fid, given, reason, "status"))
    return out


def _references(
    path: Path, fid: str, rec: dict, field: str, seeds: Path | None
) -> list[TransportSourceProblem]:
    out = []
    needles = names_of(str(rec.get("name") or ""), rec.get("aliases"))
    for match in _REF.finditer(str(rec.get(field) or "")):
        plan, line, quote = match.groups()
        ref = expand_ref(f"{plan}:{line}")
        try:
            lines = seed_lines(ref.split(":")[0], seeds)
        except FileNotFoundError:
            out.append(TransportSourceProblem(str(path), fid, ref, "no such seed file", field))
            continue
        if int(line) > len(lines):
            reason = f"line {line} is past the end ({len(lines)} lines)"
            out.append(TransportSourceProblem(str(path), fid, ref, reason, field))
            continue
        text = window(ref, seeds)
        runs = _cjk_runs(quote or "")
        if field == "status_source" and not runs:
            reason = "a status reference needs the plan's words in brackets"
            out.append(TransportSourceProblem(str(path), fid, ref, reason, field))
            continue
        if runs and all(r in text for r in runs):
            continue
        if not runs and any(n in text for n in needles):
            continue
        shown = lines[int(line) - 1].strip()[:50]
        missing = [r for r in runs if r not in text]
        wanted = " / ".join(needles[:3]) + (f" nor {' / '.join(missing[:3])}" if missing else "")
        reason = f"the line names neither {wanted}: “{shown}”"
        out.append(TransportSourceProblem(str(path), fid, ref, reason, field))
    return out
