"""Field checks shared by the transport loaders.

Each raises a DataError naming the file, the feature and the field.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import Any, Literal, overload

from jmgis.errors import DataError
from jmgis.yamlio import load_records

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")


def read_records(path: Path, id_field: str) -> list[dict[str, Any]]:
    """Read a YAML list of mappings; every record needs a unique ASCII ``id_field``.

    Parameters
    ----------
    path : pathlib.Path
        The YAML file.
    id_field : str
        The id field every record must carry.

    Returns
    -------
    list of dict
        The records, in file order.
    """
    raw = load_records(path, "feature")
    seen: set[str] = set()
    for i, rec in enumerate(raw, start=1):
        key = rec.get(id_field)
        if not isinstance(key, str) or not ID_PATTERN.match(key):
            raise DataError(
                f"missing or invalid id {key!r} (lower-case ASCII, digits and _)",
                file=path,
                feature=i,
                field=id_field,
            )
        if key in seen:
            raise DataError("duplicate id", file=path, feature=key, field=id_field)
        seen.add(key)
    return raw


@overload
def text(
    rec: Mapping, field: str, path: Path, fid: str, *, required: Literal[True] = True
) -> str: ...


@overload
def text(rec: Mapping, field: str, path: Path, fid: str, *, required: bool) -> str | None: ...


def text(rec: Mapping, field: str, path: Path, fid: str, *, required: bool = True) -> str | None:
    """The stripped text of ``field``; ``None`` when empty and not required.

    Parameters
    ----------
    rec : Mapping
        The feature's record (one YAML mapping).
    field : str
        The key to read.
    path : pathlib.Path
        The file the record comes from (named in the error).
    fid : str
        The feature id (named in the error).
    required : bool
        Raise a DataError when the value is missing or empty.

    Returns
    -------
    str or None
        The text.
    """
    value = rec.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise DataError("missing value", file=path, feature=fid, field=field)
        return None
    if not isinstance(value, str | int | float):
        raise DataError(f"expected text, got {value!r}", file=path, feature=fid, field=field)
    return str(value).strip()


def choice(rec: Mapping, field: str, allowed: Iterable[str], path: Path, fid: str) -> str:
    """The text of ``field``, which must be one of ``allowed``.

    Parameters
    ----------
    rec : Mapping
        The feature's record (one YAML mapping).
    field : str
        The key to read.
    allowed : Iterable of str
        The accepted values.
    path : pathlib.Path
        The file the record comes from (named in the error).
    fid : str
        The feature id (named in the error).

    Returns
    -------
    str
        The value.
    """
    value = text(rec, field, path, fid)
    allowed = tuple(allowed)
    if value not in allowed:
        raise DataError(
            f"unknown value {value!r}; allowed: {', '.join(allowed)}",
            file=path,
            feature=fid,
            field=field,
        )
    return value


def year(rec: Mapping, field: str, path: Path, fid: str) -> int | None:
    """The year (1900–2100) of ``field``, or ``None`` when empty.

    Parameters
    ----------
    rec : Mapping
        The feature's record (one YAML mapping).
    field : str
        The key to read.
    path : pathlib.Path
        The file the record comes from (named in the error).
    fid : str
        The feature id (named in the error).

    Returns
    -------
    int or None
        The year.
    """
    value = rec.get(field)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1900 <= value <= 2100:
        raise DataError(
            f"expected a year (1900–2100) or empty, got {value!r}",
            file=path,
            feature=fid,
            field=field,
        )
    return value


def positive(rec: Mapping, field: str, path: Path, fid: str) -> float | None:
    """The number of ``field``, which must be finite and > 0; ``None`` when empty.

    Parameters
    ----------
    rec : Mapping
        The feature's record (one YAML mapping).
    field : str
        The key to read.
    path : pathlib.Path
        The file the record comes from (named in the error).
    fid : str
        The feature id (named in the error).

    Returns
    -------
    float or None
        The number, in the field's unit.
    """
    value = rec.get(field)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DataError(f"expected a number, got {value!r}", file=path, feature=fid, field=field)
    if not math.isfinite(value) or value <= 0:
        raise DataError(f"must be > 0, got {value!r}", file=path, feature=fid, field=field)
    return float(value)


def count(rec: Mapping, field: str, path: Path, fid: str) -> int | None:
    """The whole number > 0 of ``field``; ``None`` when empty.

    Parameters
    ----------
    rec : Mapping
        The feature's record (one YAML mapping).
    field : str
        The key to read.
    path : pathlib.Path
        The file the record comes from (named in the error).
    fid : str
        The feature id (named in the error).

    Returns
    -------
    int or None
        The count.
    """
    value = positive(rec, field, path, fid)
    if value is None:
        return None
    if value != int(value):
        raise DataError(
            f"expected a whole number, got {value!r}", file=path, feature=fid, field=field
        )
    return int(value)


def flag(rec: Mapping, field: str, path: Path, fid: str, default: bool = False) -> bool:
    """The boolean of ``field``.

    Parameters
    ----------
    rec : Mapping
        The feature's record (one YAML mapping).
    field : str
        The key to read.
    path : pathlib.Path
        The file the record comes from (named in the error).
    fid : str
        The feature id (named in the error).
    default : bool
        The value when the key is absent or null.

    Returns
    -------
    bool
        The flag.
    """
    value = rec.get(field, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise DataError(f"expected true/false, got {value!r}", file=path, feature=fid, field=field)
    return value


def id_list(rec: Mapping, field: str, path: Path, fid: str) -> list[str]:
    """A list of ids (YAML list, or a comma-separated string).

    Parameters
    ----------
    rec : Mapping
        The feature's record (one YAML mapping).
    field : str
        The key to read.
    path : pathlib.Path
        The file the record comes from (named in the error).
    fid : str
        The feature id (named in the error).

    Returns
    -------
    list of str
        The ids ([] when empty).
    """
    value = rec.get(field)
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise DataError(
            f"expected a list of ids, got {value!r}", file=path, feature=fid, field=field
        )
    return [v.strip() for v in value]


def known(
    ids: Iterable[str], table: Collection, what: str, path: Path, fid: str, field: str
) -> None:
    """Raise a DataError on an id that ``table`` does not hold.

    Parameters
    ----------
    ids : Iterable of str
        The ids the feature refers to.
    table : Collection
        The known ids (a set, or a mapping or index keyed by id).
    what : str
        What the ids are, for the message (``"point"``, ``"project"`` …).
    path : pathlib.Path
        The file the record comes from (named in the error).
    fid : str
        The feature id (named in the error).
    field : str
        The field the ids come from (named in the error).
    """
    for ref in ids:
        if ref not in table:
            raise DataError(f"unknown {what} id {ref!r}", file=path, feature=fid, field=field)
