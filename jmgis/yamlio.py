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
    """Parse one YAML file (see :func:`jmgis.readers.read_yaml`).

    A missing, unreadable or malformed file is a :class:`DataError` naming the file and the line.
    """
    return read_yaml(path)


def load_records(path: str | Path, what: str = "record") -> list[dict[str, Any]]:
    """A YAML file that is a non-empty list of mappings.

    Parameters
    ----------
    path
        The file.
    what
        What one item is, for the messages ("catalog row", "feature" …).

    Returns
    -------
    list of dict
        The items, in file order.

    Raises
    ------
    DataError
        Naming the file (and the 1-based position of a bad item) when the file is empty,
        holds only comments or an empty list — an emptied data file would otherwise load
        as zero features and pass every check — or is not a list of mappings.
    """
    raw = load_yaml(path)
    if raw is None or raw == []:
        state = "an empty list" if raw == [] else "empty or only comments"
        raise DataError(f"the file holds no {what}s ({state}): restore its content", file=path)
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
