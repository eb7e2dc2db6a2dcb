"""Plan references inside ``source`` texts: ``000:1386`` → ``000_6d1849548a3b7443.txt:1386``."""

from __future__ import annotations

import re
from functools import cache

from jmgis.paths import projects_dir
from jmgis.seeds import SEED_FILES
from jmgis.yamlio import load_records

_SHORT = re.compile(r"(?<![\w.])(?P<doc>00[0-4]):(?P<line>\d+)")


def expand_refs(text: str) -> str:
    """Expand every short plan reference in a free-text source (other text unchanged)."""
    return _SHORT.sub(lambda m: f"{SEED_FILES[m['doc']]}:{m['line']}", text)


@cache
def _scheme_labels(path: str) -> dict[str, frozenset[str]]:
    raw = load_records(path, "scheme")
    labels: dict[str, set[str]] = {}
    # two versions of a scheme may share a name (七纵八横 of 000 and of 002): pool their labels
    for scheme in raw:
        if isinstance(scheme, dict) and "name" in scheme:
            members = scheme.get("members") or []
            labels.setdefault(scheme["name"], set()).update(m.get("label", "") for m in members)
    return {name: frozenset(v) for name, v in labels.items()}


def scheme_labels() -> dict[str, frozenset[str]]:
    """``{scheme name: {member labels}}`` from ``data/projects/scheme.yaml`` ({} if absent)."""
    path = projects_dir() / "scheme.yaml"
    return _scheme_labels(str(path)) if path.exists() else {}


@cache
def _project_ids(path: str) -> frozenset[str]:
    raw = load_records(path, "project")
    return frozenset(str(p["id"]) for p in raw if isinstance(p, dict) and "id" in p)


def project_ids() -> frozenset[str] | None:
    """The ids of ``data/projects/project.yaml`` (``None`` when the catalog is absent)."""
    path = projects_dir() / "project.yaml"
    return _project_ids(str(path)) if path.exists() else None
