"""Questions a planner asks of the catalog.

What is in this zone, county or township, what has this status, what is due by this year, what
belongs to this scheme.

Every function takes a frame from :class:`jmgis.catalog.Catalog` (or loads the bundled
catalog) and returns the matching rows, in catalog order.
"""

from __future__ import annotations

import pandas as pd

from jmgis.catalog.loader import Catalog, UnknownIdError, load_catalog
from jmgis.catalog.vocab import PARK_STATUSES, PROJECT_STATUSES, ZONE_CODES
from jmgis.errors import QueryError

KINDS = ("park", "structure", "project", "indicator", "scheme", "facility")


def _frame(kind: str, catalog: Catalog | None) -> pd.DataFrame:
    if kind not in KINDS:
        raise QueryError(f"unknown kind {kind!r}; known: {', '.join(KINDS)}")
    return (catalog or load_catalog()).frames()[kind]


def _contains(frame: pd.DataFrame, column: str, value: str) -> pd.DataFrame:
    if column not in frame.columns:
        raise QueryError(
            f"these rows have no {column!r}: projects are placed by county_codes, "
            "indicators by zone_code, schemes by their members"
        )
    mask = frame[column].map(lambda cell: value in (cell or []))
    return frame[mask.astype(bool)]


def by_zone(zone: str, kind: str = "park", catalog: Catalog | None = None) -> pd.DataFrame:
    """Rows whose townships (or, for indicators, whose ``zone_code``) lie in ``zone``.

    ``zone`` is a code (``core``, ``bay``, ``eco``) or a zone name (都市核心区 …).

    Parameters
    ----------
    zone : str
        Zone code or name.
    kind : str
        The record kind (``park``, ``structure``, ``project``, ``indicator``).
    catalog : Catalog or None
        The plan catalog (the bundled one when ``None``).

    Returns
    -------
    pandas.DataFrame
        The matching rows.
    """
    from jmgis.admin import ZONES

    names = {v: k for k, v in ZONES.items()}
    code = names.get(zone, zone)
    if code not in ZONE_CODES:
        raise QueryError(
            f"unknown zone {zone!r}; known: {', '.join(f'{k} {v}' for k, v in ZONES.items())}"
        )
    frame = _frame(kind, catalog)
    if kind == "indicator":
        return frame[frame["zone_code"] == code]
    return _contains(frame, "zone_codes", code)


def by_county(county: str, kind: str = "park", catalog: Catalog | None = None) -> pd.DataFrame:
    """Rows in a county (6-digit code or name such as 台山市 or 台山).

    Parameters
    ----------
    county : str
        County code or name.
    kind : str
        The record kind (``park``, ``structure``, ``project``, ``indicator``).
    catalog : Catalog or None
        The plan catalog (the bundled one when ``None``).

    Returns
    -------
    pandas.DataFrame
        The matching rows.
    """
    from jmgis.catalog.admin_link import default_admin

    code = default_admin().resolve_county(county)
    return _contains(_frame(kind, catalog), "county_codes", code)


def by_township(
    township: str, kind: str = "park", catalog: Catalog | None = None, *, county: str | None = None
) -> pd.DataFrame:
    """Rows that name a township (a code, or a name resolved by ``jmgis.admin``).

    Parameters
    ----------
    township : str
        Township code or name.
    kind : str
        The record kind (``park``, ``structure``, ``project``, ``indicator``).
    catalog : Catalog or None
        The plan catalog (the bundled one when ``None``).
    county : str or None
        The county a township name is looked up in.

    Returns
    -------
    pandas.DataFrame
        The matching rows.
    """
    from jmgis.catalog.admin_link import default_admin

    code = default_admin().resolve_township(township, county)
    return _contains(_frame(kind, catalog), "township_codes", code)


def by_status(status: str, kind: str = "project", catalog: Catalog | None = None) -> pd.DataFrame:
    """Rows with a normalised status (``completed``, ``to_complete_by_2025`` …).

    Parameters
    ----------
    status : str
        A normalised status (:data:`jmgis.catalog.vocab.PROJECT_STATUSES`, ``PARK_STATUSES``).
    kind : str
        The record kind (``park``, ``structure``, ``project``, ``indicator``).
    catalog : Catalog or None
        The plan catalog (the bundled one when ``None``).

    Returns
    -------
    pandas.DataFrame
        The matching rows.
    """
    allowed = PROJECT_STATUSES if kind == "project" else PARK_STATUSES
    if status not in allowed:
        raise QueryError(f"unknown {kind} status {status!r}; known: {', '.join(allowed)}")
    frame = _frame(kind, catalog)
    return frame[frame["status"] == status]


def by_year(year: int, catalog: Catalog | None = None, *, until: bool = True) -> pd.DataFrame:
    """Projects due by ``year`` (``until=True``: target year ≤ year) or exactly in it.

    Projects the plans report as completed count as done for every year; projects without
    a target year are left out.

    Parameters
    ----------
    year : int
        The year.
    catalog : Catalog or None
        The plan catalog (the bundled one when ``None``).
    until : bool
        Due by ``year`` (True) or exactly in it (False).

    Returns
    -------
    pandas.DataFrame
        The matching projects.
    """
    frame = _frame("project", catalog)
    years = pd.to_numeric(frame["target_year"], errors="coerce")
    hit = years <= year if until else years == year
    if until:
        hit = hit | ((frame["status"] == "completed") & years.isna())
    return frame[hit.fillna(False).astype(bool)]


def by_scheme(scheme: str, catalog: Catalog | None = None) -> pd.DataFrame:
    """The members of a scheme (id or name, e.g. ``七纵八横``), in order.

    Parameters
    ----------
    scheme : str
        Scheme id or name.
    catalog : Catalog or None
        The plan catalog (the bundled one when ``None``).

    Returns
    -------
    pandas.DataFrame
        The scheme's members.
    """
    catalog = catalog or load_catalog()
    schemes = catalog.schemes
    hit = schemes[(schemes["id"] == scheme) | (schemes["name"] == scheme)]
    if not len(hit):
        hit = schemes[schemes["aliases"].map(lambda a: scheme in (a or []))]
    if len(hit) > 1:  # one name, several versions: the current one is meant
        current = hit[hit["superseded_by"].map(lambda s: not s)]
        hit = current if len(current) == 1 else hit
    if len(hit) != 1:
        known = ", ".join(f"{i} {n}" for i, n in zip(schemes["id"], schemes["name"], strict=True))
        what = "matches several schemes" if len(hit) else "is not a scheme"
        raise UnknownIdError(f"{scheme!r} {what}; known: {known}")
    members = catalog.scheme_members
    return members[members["scheme_id"] == hit.iloc[0]["id"]].sort_values("order")


def projects_of_scheme(scheme: str, catalog: Catalog | None = None) -> pd.DataFrame:
    """Projects tagged with a member of the scheme (``scheme_member = scheme_id:code``).

    Parameters
    ----------
    scheme : str
        Scheme id or name.
    catalog : Catalog or None
        The plan catalog (the bundled one when ``None``).

    Returns
    -------
    pandas.DataFrame
        The matching projects.
    """
    catalog = catalog or load_catalog()
    members = set(by_scheme(scheme, catalog)["member_id"])
    projects = catalog.projects
    return projects[projects["scheme_member"].isin(members)]


def search(text: str, catalog: Catalog | None = None) -> pd.DataFrame:
    """Rows of every kind whose name or an alias contains ``text``: ``kind, id, name``.

    Parameters
    ----------
    text : str
        The text to look for.
    catalog : Catalog or None
        The plan catalog (the bundled one when ``None``).

    Returns
    -------
    pandas.DataFrame
        ``kind, id, name`` of each match.
    """
    catalog = catalog or load_catalog()
    out = []
    for kind, frame in catalog.frames().items():
        for rid, name, aliases in zip(frame["id"], frame["name"], frame["aliases"], strict=True):
            if text in name or any(text in a for a in aliases or []):
                out.append({"kind": kind, "id": rid, "name": name})
    return pd.DataFrame(out, columns=["kind", "id", "name"])
