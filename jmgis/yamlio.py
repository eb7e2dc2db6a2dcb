"""Reading the hand-edited YAML files of ``data/`` (one reader, one error style).

The C loader of PyYAML is used when it is available: the catalog and transport files are
large enough for the pure-Python loader to cost seconds on every build.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from jmgis.errors import DataError
from jmgis.readers import read_yaml

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(path: str | Path) -> Any:
    """Parse one YAML file (see :func:`jmgis.readers.read_yaml`): a missing, unreadable or
    malformed file is a :class:`DataError` naming the file and the line."""
    return read_yaml(path)


def load_records(path: str | Path, what: str = "record") -> list[dict[str, Any]]:
    """A YAML file that is a list of mappings (empty file → ``[]``); anything else is a
    :class:`DataError` naming the file and the 1-based position of the bad item."""
    raw = load_yaml(path)
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise DataError(f"expected a YAML list of mappings (one {what} each)", file=path)
    for position, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            raise DataError(
                f"a {what} must be a mapping of fields, got {item!r}",
                file=path,
                feature=f"row {position}",
            )
    return raw
