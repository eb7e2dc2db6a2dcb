"""Reading catalog YAML files and checking the fields every row shares.

Every catalog file is a YAML list of mappings.  The helpers here raise
:class:`jmgis.errors.DataError` naming the file, the row (its ``id`` or 1-based position)
and the field, so a typo in a hand-edited file is found at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal, overload

from jmgis.catalog.sources import parse_ref
from jmgis.errors import DataError
from jmgis.seeds import SEED_FILES
from jmgis.yamlio import load_records

# libyaml's parser is ~10x faster than the pure-Python one; same safe subset of YAML

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
LIST_SEPARATOR = "; "

#: keys every catalog row may carry besides its kind-specific keys
COMMON_KEYS = ("id", "name", "aliases", "sources", "quote", "notes", "related", "plan")


class Row:
    """One YAML row with the context needed for error messages."""

    def __init__(self, data: dict[str, Any], file: Path, position: int) -> None:
        self.data = data
        self.file = file
        self.position = position

    @property
    def label(self) -> str:
        """How errors name the row: its id, else ``row N``."""
        rid = self.data.get("id")
        return str(rid) if isinstance(rid, str) and rid else f"row {self.position}"

    def error(self, message: str, field: str | None = None) -> DataError:
        """A :class:`DataError` naming this row's file and feature.

        Parameters
        ----------
        message : str
            What is wrong.
        field : str or None
            The key at fault.

        Returns
        -------
        DataError
            The error, to raise.
        """
        return DataError(message, file=self.file, feature=self.label, field=field)

    def get(self, key: str, default: Any = None) -> Any:
        """The raw value of ``key``.

        Parameters
        ----------
        key : str
            The YAML key.
        default : Any
            Returned when the key is absent.

        Returns
        -------
        Any
            The value as YAML gave it.
        """
        return self.data.get(key, default)

    # -- typed getters ---------------------------------------------------------------
    @overload
    def text(self, key: str, *, required: Literal[True]) -> str: ...

    @overload
    def text(self, key: str, *, required: bool = False) -> str | None: ...

    def text(self, key: str, *, required: bool = False) -> str | None:
        """The stripped text of ``key``; ``None`` when empty.

        Parameters
        ----------
        key : str
            The YAML key.
        required : bool
            Raise a :class:`DataError` when the value is missing or empty.

        Returns
        -------
        str or None
            The text, stripped.
        """
        value = self.data.get(key)
        if value is None or value == "":
            if required:
                raise self.error("missing (a non-empty text is required)", key)
            return None
        if not isinstance(value, str):
            raise self.error(f"must be text, got {value!r}", key)
        return value.strip()

    def choice(self, key: str, allowed: Iterable[str], *, required: bool = True) -> str | None:
        """The text of ``key``, which must be one of ``allowed``.

        Parameters
        ----------
        key : str
            The YAML key.
        allowed : Iterable of str
            The accepted values.
        required : bool
            Raise a :class:`DataError` when the value is missing.

        Returns
        -------
        str or None
            The value.
        """
        allowed = tuple(allowed)
        value = self.text(key, required=required)
        if value is not None and value not in allowed:
            raise self.error(f"{value!r} is not one of {', '.join(allowed)}", key)
        return value

    def text_list(self, key: str, *, required: bool = False) -> list[str]:
        """The list of texts under ``key`` (one text counts as a list of one).

        Parameters
        ----------
        key : str
            The YAML key.
        required : bool
            Raise a :class:`DataError` when the list is missing or empty.

        Returns
        -------
        list of str
            The items, stripped; none may contain ``;``.
        """
        value = self.data.get(key)
        if value is None:
            if required:
                raise self.error("missing (a list is required)", key)
            return []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise self.error(f"must be a list, got {value!r}", key)
        out = []
        for item in value:
            if not isinstance(item, (str, int)) or isinstance(item, bool) or str(item) == "":
                raise self.error(f"list items must be non-empty text, got {item!r}", key)
            item = str(item).strip()
            if ";" in item:
                raise self.error(f"{item!r}: list items may not contain ';'", key)
            out.append(item)
        if required and not out:
            raise self.error("must not be empty", key)
        return out

    def year(self, key: str) -> int | None:
        """The year (1949–2100) under ``key``, or ``None``."""
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 1949 <= value <= 2100:
            raise self.error(f"must be a year (integer) or null, got {value!r}", key)
        return value

    def flag(self, key: str, default: bool = False) -> bool:
        """The boolean under ``key``.

        Parameters
        ----------
        key : str
            The YAML key.
        default : bool
            The value when the key is absent.

        Returns
        -------
        bool
            The flag.
        """
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise self.error(f"must be true or false, got {value!r}", key)
        return value

    def check_keys(self, allowed: Iterable[str]) -> None:
        """Raise a :class:`DataError` on a key outside ``allowed`` (and the common keys)."""
        allowed = set(allowed) | set(COMMON_KEYS)
        unknown = sorted(set(self.data) - allowed)
        if unknown:
            raise self.error(
                f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}",
                unknown[0],
            )


def read_rows(path: Path) -> list[Row]:
    """The rows of one catalog file; a missing or empty file has no rows."""
    if not path.exists():
        return []
    return [
        Row(item, path, position)
        for position, item in enumerate(load_records(path, "catalog row"), start=1)
    ]


def parse_sources(
    row: Row, key: str = "sources", *, required: bool = True
) -> tuple[list[str], dict[str, str]]:
    """Expanded ``file:line`` references and the quotes declared with them.

    An entry is ``"000:1386"`` or ``{ref: "000:1386", quote: "…"}``; the quote is the text
    the source check looks for on that line when the row's name is not on it.

    Parameters
    ----------
    row : Row
        The YAML row.
    key : str
        The key holding the references.
    required : bool
        Whether at least one reference is required.

    Returns
    -------
    tuple of (list of str, dict of str to str)
        The references, and reference → quote.
    """
    value = row.get(key)
    if value is None or value == []:
        if required:
            raise row.error("missing: every row cites at least one 'file:line'", key)
        return [], {}
    if isinstance(value, (str, dict)):
        value = [value]
    if not isinstance(value, list):
        raise row.error(f"must be a list of 'file:line' references, got {value!r}", key)
    refs: list[str] = []
    quotes: dict[str, str] = {}
    for entry in value:
        quote = None
        if isinstance(entry, dict):
            ref, quote = entry.get("ref"), entry.get("quote")
            extra = set(entry) - {"ref", "quote"}
            if extra:
                raise row.error(f"source entries take 'ref' and 'quote', not {sorted(extra)}", key)
        else:
            ref = entry
        try:
            full = str(parse_ref(ref))
        except ValueError as exc:
            raise row.error(f"broken source reference: {exc}", key) from exc
        if full not in refs:
            refs.append(full)
        if quote is not None:
            if not isinstance(quote, str) or not quote.strip():
                raise row.error(f"the quote of {ref!r} must be non-empty text", key)
            quotes[full] = quote.strip()
    return refs, quotes


def parse_common(row: Row) -> dict[str, Any]:
    """``id``, ``name``, ``aliases``, ``sources``, quotes, ``notes``, ``related`` and ``plan``.

    ``quotes`` maps a reference to the text its line carries instead of the name;
    ``row_quotes`` (key ``quote``) are texts any of the row's lines may carry.
    """
    rid = row.text("id", required=True)
    if not ID_PATTERN.match(rid):
        raise row.error(f"{rid!r} is not an ASCII snake_case id (e.g. 'jiangmen_hitech')", "id")
    name = row.text("name", required=True)
    refs, quotes = parse_sources(row)
    row_quotes = row.text_list("quote")
    related = parse_related(row)
    plan = row.text("plan")
    if plan is None:
        plan = refs[0][:3]
    elif plan not in SEED_FILES:
        raise row.error(f"{plan!r} is not a plan document number ({', '.join(SEED_FILES)})", "plan")
    return {
        "id": rid,
        "name": name,
        "aliases": row.text_list("aliases"),
        "plan": plan,
        "sources": refs,
        "quotes": quotes,
        "row_quotes": row_quotes,
        "notes": row.text("notes") or "",
        "related": related,
    }


def parse_related(row: Row) -> list[dict[str, str]]:
    """``related``: ids with the relation in words (``[{id: x, relation: 同一机场的另一名称}]``)."""
    value = row.get("related")
    if value is None:
        return []
    if not isinstance(value, list):
        raise row.error("must be a list of {id, relation}", "related")
    out = []
    for item in value:
        if isinstance(item, str):
            item = {"id": item}
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise row.error(f"entries need an 'id', got {item!r}", "related")
        relation = item.get("relation", "")
        if not isinstance(relation, str):
            raise row.error(f"'relation' must be text, got {relation!r}", "related")
        out.append({"id": item["id"], "relation": relation})
    return out


def join(values: Iterable[object]) -> str:
    """A list as one text cell (``'a; b'``), the form written to the GeoPackage."""
    return LIST_SEPARATOR.join(str(v) for v in values)


def split(cell: object) -> list[str]:
    """The inverse of :func:`join`."""
    if cell is None or (isinstance(cell, float) and cell != cell) or cell == "":
        return []
    return [part.strip() for part in str(cell).split(";") if part.strip()]
