"""Where jmgis finds its bundled data, the plan documents and where it writes outputs.

Every location can be overridden with an environment variable, so that the same code runs
from a checkout, from CI (``../shared`` beside the clone) or on a user's machine.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent
RESOURCES_DIR = PACKAGE_DIR / "resources"


def data_dir() -> Path:
    """Directory of the bundled data (``data/`` of the checkout, or ``$JMGIS_DATA_DIR``)."""
    return Path(os.environ.get("JMGIS_DATA_DIR", REPO_ROOT / "data"))


def boundaries_dir() -> Path:
    """``data/boundaries``: city, counties, townships, seats, zoning table."""
    return data_dir() / "boundaries"


def projects_dir() -> Path:
    """``data/projects``: the plan catalog."""
    return data_dir() / "projects"


def transport_dir() -> Path:
    """``data/transport``: control points and transport features."""
    return data_dir() / "transport"


def seeds_dir() -> Path | None:
    """The plan documents (``../shared/seeds`` beside the checkout, or ``$JMGIS_SEEDS_DIR``).

    Returns ``None`` when they are not present (the runtime never needs them; the source
    check and ``explain`` do).
    """
    env = os.environ.get("JMGIS_SEEDS_DIR")
    candidates = [Path(env)] if env else [REPO_ROOT.parent / "shared" / "seeds"]
    for path in candidates:
        if path.is_dir():
            return path
    return None


def default_out_dir() -> Path:
    """Default output directory of ``jmgis build`` (``out/``)."""
    return Path(os.environ.get("JMGIS_OUT_DIR", "out"))
