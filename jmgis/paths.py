"""Where jmgis finds its bundled data, the plan documents and where it writes outputs.

Each location comes from the settings in effect (:func:`jmgis.settings.current`), so the
same code runs from a checkout, from CI (``../shared`` beside the clone) or on a user's
machine with ``--data DIR`` or a ``jmgis.toml``.
"""

from __future__ import annotations

from pathlib import Path

from jmgis.settings import PACKAGE_DIR, REPO_ROOT, Settings, current

RESOURCES_DIR = PACKAGE_DIR / "resources"

__all__ = [
    "PACKAGE_DIR",
    "REPO_ROOT",
    "RESOURCES_DIR",
    "boundaries_dir",
    "data_dir",
    "default_out_dir",
    "projects_dir",
    "seeds_dir",
    "transport_dir",
]


def data_dir(settings: Settings | None = None) -> Path:
    """Directory of the bundled data (``data/`` of the checkout, or ``settings.data_dir``)."""
    return (settings or current()).data_dir


def boundaries_dir(settings: Settings | None = None) -> Path:
    """``data/boundaries``: city, counties, townships, seats, zoning table."""
    return data_dir(settings) / "boundaries"


def projects_dir(settings: Settings | None = None) -> Path:
    """``data/projects``: the plan catalog."""
    return data_dir(settings) / "projects"


def transport_dir(settings: Settings | None = None) -> Path:
    """``data/transport``: control points and transport features."""
    return data_dir(settings) / "transport"


def seeds_dir(settings: Settings | None = None) -> Path | None:
    """The plan documents.

    Or ``None`` when they are not present (the runtime never needs them; the source check and
    ``explain`` do).
    """
    path = (settings or current()).seeds_dir
    return path if path is not None and path.is_dir() else None


def default_out_dir(settings: Settings | None = None) -> Path:
    """Output directory of ``jmgis build`` (``out/``)."""
    return (settings or current()).out_dir
