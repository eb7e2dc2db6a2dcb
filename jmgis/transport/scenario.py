"""Scenario years: which features exist in a given year."""

from __future__ import annotations

import numpy as np
import pandas as pd

from jmgis.errors import ScenarioYearError
from jmgis.transport.vocab import (
    BUILT_STATUSES,
    FIRST_YEAR,
    PLANNED_STATUSES,
    VISION_YEAR,
)


def check_year(year: int | str) -> int:
    """The scenario year as an int; ``"vision"`` means the vision year (2035).

    Raises
    ------
    ScenarioYearError
        When the year is not an integer in the range the data covers (2020–2035).
    """
    if isinstance(year, str) and year.strip().lower() == "vision":
        return VISION_YEAR
    try:
        value = int(year)
        if value != float(year):
            raise ValueError
    except (TypeError, ValueError):
        raise ScenarioYearError(
            f"scenario year {year!r} is not a year; valid: {FIRST_YEAR}–{VISION_YEAR} or 'vision'"
        ) from None
    if not FIRST_YEAR <= value <= VISION_YEAR:
        raise ScenarioYearError(
            f"scenario year {value} is outside the range of the transport data "
            f"({FIRST_YEAR}–{VISION_YEAR}; {VISION_YEAR} is the vision year)"
        )
    return value


def exists_in(frame: pd.DataFrame, year: int | str) -> pd.Series:
    """Boolean mask of the features that exist in scenario ``year``.

    A feature exists when its status is ``existing``/``completed`` and it opened by
    ``year`` (or has no ``open_year``); when it is ``under_construction``/``planned`` and
    its ``open_year`` ≤ ``year`` (without an ``open_year``: only in the vision year, the
    plan horizon); ``conceptual`` features exist only in the vision year (2035).  A layer
    without ``status`` and ``open_year`` (gateways, interchanges) exists in every year.

    Raises
    ------
    ScenarioYearError
        For a year outside 2020–2035.
    """
    y = check_year(year)
    n = len(frame)
    status = (
        frame["status"].astype("string").fillna("existing").to_numpy(str)
        if "status" in frame
        else np.full(n, "existing")
    )
    if "open_year" in frame:
        opened = pd.to_numeric(frame["open_year"], errors="coerce").to_numpy(float)
    else:
        opened = np.full(n, np.nan)
    has_year = ~np.isnan(opened)
    by_year = has_year & (opened <= y)
    built = np.isin(status, BUILT_STATUSES) & (~has_year | by_year)
    planned = np.isin(status, PLANNED_STATUSES) & (by_year | (~has_year & (y >= VISION_YEAR)))
    conceptual = (status == "conceptual") & (y >= VISION_YEAR)
    return pd.Series(built | planned | conceptual, index=frame.index, name=f"exists_{y}")
