"""Resolve township and county names or codes the way planners write them.

Accepted: 9-digit township codes, 6-digit county codes, full names (环市街道), short names
(环市), short names with their county (台山白沙, 台山市白沙镇, or ``county="台山市"``), and
the aliases of ``aliases.csv`` (the plans' 东城镇 for the official 东成镇).  A name that
matches several townships (白沙 is a 蓬江 街道 and a 台山 镇) raises
:class:`~jmgis.errors.AmbiguousNameError` listing the candidates.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from jmgis.admin import tables
from jmgis.errors import AmbiguousNameError, ResolveError

_SUFFIXES = ("街道办事处", "街道", "镇", "乡")


def short_name(name: str) -> str:
    """环市街道 → 环市, 白沙镇 → 白沙, 台山市 → 台山 (names of two characters stay)."""
    for suffix in (*_SUFFIXES, "市", "区"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def normalise_name(text: object) -> str:
    """The form names are compared in, applied to queries and index keys alike.

    NFKC (full-width letters and digits → ASCII), no whitespace of any width, case folded.
    """
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).casefold()


def normalise_code(value: object) -> str:
    """A township or county code as written in user files, in its canonical form.

    ``440703001``, ``440703001.0`` (a spreadsheet's float), `` 440703001 `` and the
    12-digit statistical code ``440703001000`` all give ``440703001``; other text is
    returned stripped (and may be a name).  Used for boundaries and population alike.

    Parameters
    ----------
    value
        The cell value (text or number).

    Returns
    -------
    str
        The 9-digit code, or the stripped text when it is not a code.
    """
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if re.fullmatch(r"\d+\.0+", text):
        text = text.split(".")[0]
    if re.fullmatch(r"\d{12}", text) and text.endswith("000"):
        text = text[:9]
    return text


@dataclass(frozen=True)
class Township:
    """One township as the resolver returns it."""

    code: str
    name: str
    county_code: str
    county_name: str

    def __str__(self) -> str:
        return f"{self.county_name}{self.name} ({self.code})"


class Resolver:
    """Name/code index of the 7 counties and 73 townships."""

    def __init__(self) -> None:
        counties = tables.counties()
        self._county_by_code = dict(zip(counties["code"], counties["name"], strict=True))
        self._county_keys: dict[str, str] = {}
        for code, name, short in zip(
            counties["code"], counties["name"], counties["short_name"], strict=True
        ):
            for key in (code, name, short):
                self._county_keys[normalise_name(key)] = code
        self._townships: dict[str, Township] = {}
        self._names: dict[str, set[str]] = {}
        for row in tables.townships().itertuples():
            township = Township(
                row.code, row.name, row.county_code, self._county_by_code[row.county_code]
            )
            self._townships[row.code] = township
            for key in (row.name, short_name(normalise_name(row.name))):
                self._names.setdefault(normalise_name(key), set()).add(row.code)
        for row in tables.aliases().itertuples():
            for key in (row.alias, short_name(normalise_name(row.alias))):
                self._names.setdefault(normalise_name(key), set()).add(row.code)

    def county(self, query: str) -> str:
        """6-digit code of a county given its code, name or short name."""
        key = normalise_name(normalise_code(query))
        if key in self._county_keys:
            return self._county_keys[key]
        raise ResolveError(
            f"unknown county {query!r}; known: {', '.join(self._county_by_code.values())}"
        )

    def township(self, query: str, county: str | None = None) -> Township:
        """Resolve one township; see the module docstring for what is accepted.

        Parameters
        ----------
        query : str
            A 9-digit code, a name (with or without 镇/街道) or an alias.
        county : str or None
            Restrict to one county (code or name), for names used twice.

        Returns
        -------
        Township
            The matching township (``ResolveError`` when none or several).
        """
        key = normalise_name(normalise_code(query))
        county_code = self.county(county) if county else None
        if key in self._townships:
            found = self._townships[key]
            if county_code and found.county_code != county_code:
                raise ResolveError(f"township {key} is in {found.county_name}, not {county}")
            return found
        if county_code is None:
            # "台山白沙", "台山市白沙镇": a county name at the front qualifies the township.
            for ckey in sorted(self._county_keys, key=len, reverse=True):
                if not ckey.isdigit() and key.startswith(ckey) and len(key) > len(ckey):
                    rest = key[len(ckey) :]
                    if rest in self._names:
                        return self.township(rest, county=self._county_keys[ckey])
        codes = set(self._names.get(key, set()))
        if county_code:
            codes = {c for c in codes if self._townships[c].county_code == county_code}
        if len(codes) == 1:
            return self._townships[codes.pop()]
        if len(codes) > 1:
            raise AmbiguousNameError(query, sorted(str(self._townships[c]) for c in codes))
        close = difflib.get_close_matches(key, list(self._names), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        where = f" in {self._county_by_code[county_code]}" if county_code else ""
        raise ResolveError(f"no township {query!r}{where}{hint}")


@cache
def resolver() -> Resolver:
    """The shared resolver over the bundled tables."""
    return Resolver()


def resolve_township(query: str, county: str | None = None) -> str:
    """The 9-digit code of a township given its code or name (see :class:`Resolver`).

    Parameters
    ----------
    query : str
        A 9-digit code, a name (with or without 镇/街道) or an alias.
    county : str or None
        Restrict to one county (code or name), for names used twice.

    Returns
    -------
    str
        The 9-digit township code.
    """
    return resolver().township(query, county).code


def resolve_county(query: str) -> str:
    """The 6-digit code of a county given its code, name or short name."""
    return resolver().county(query)
