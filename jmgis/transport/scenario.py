"""Scenario years: which features exist in a given year."""

from __future__ import annotations

import numpy as np
import pandas as pd

from jmgis.vocab import (
    BUILT_STATUSES,
    PLANNED_STATUSES,
    UPGRADE_STATUSES,
    VISION_YEAR,
    check_year,
)

#: The columns an upgrade changes, and the column holding each value after the upgrade.
UPGRADE_COLUMNS: dict[str, str] = {
    "road_class": "upgrade_class",
    "speed_kph": "upgrade_speed_kph",
}


def exists_in(frame: pd.DataFrame, year: int | str) -> pd.Series:
    """Boolean mask of the features that exist in scenario ``year``.

    A feature exists when its status is ``existing``/``completed`` and it opened by
    ``year`` (or has no ``open_year``); when it is ``under_construction``/``planned`` and
    its ``open_year`` ≤ ``year`` (without an ``open_year``: only in the vision year, the
    plan horizon); ``conceptual`` features exist only in the vision year (2035).  An
    ``upgrade`` (an existing road the plans upgrade) exists like an ``existing`` one, in
    every year from its ``open_year``; what the upgrade changes is applied by
    :func:`as_of`.  A layer
    without ``status`` and ``open_year`` (gateways, interchanges) exists in every year.

    Raises
    ------
    ScenarioYearError
        For a year outside 2020–2035.

    Parameters
    ----------
    frame : pandas.DataFrame
        Features with ``status`` and ``open_year``.
    year : int or str
        Scenario year, or ``"vision"`` for the plan horizon (2035).

    Returns
    -------
    pandas.Series
        True for the features of the scenario.
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
    built = np.isin(status, (*BUILT_STATUSES, *UPGRADE_STATUSES)) & (~has_year | by_year)
    planned = np.isin(status, PLANNED_STATUSES) & (by_year | (~has_year & (y >= VISION_YEAR)))
    conceptual = (status == "conceptual") & (y >= VISION_YEAR)
    return pd.Series(built | planned | conceptual, index=frame.index, name=f"exists_{y}")


def upgraded_in(frame: pd.DataFrame, year: int | str) -> pd.Series:
    """Boolean mask of the ``upgrade`` features whose upgrade is done in scenario ``year``.

    An upgrade is done from its ``upgrade_year``; without one, in the vision year only
    (the plans give no completion year).

    Parameters
    ----------
    frame : pandas.DataFrame
        Transport features with ``status`` and ``upgrade_year`` columns (all ``False``
        when either is missing).
    year : int or str
        The scenario year (2020–2035).

    Returns
    -------
    pandas.Series
        Boolean, on ``frame``'s index, named ``upgraded_<year>``.

    Raises
    ------
    ScenarioYearError
        For a year outside 2020–2035.
    """
    y = check_year(year)
    if "status" not in frame or "upgrade_year" not in frame:
        return pd.Series(False, index=frame.index, name=f"upgraded_{y}")
    status = frame["status"].astype("string").fillna("").to_numpy(str)
    done = pd.to_numeric(frame["upgrade_year"], errors="coerce").to_numpy(float)
    has_year = ~np.isnan(done)
    when = np.where(has_year, done <= y, y >= VISION_YEAR)
    mask = np.isin(status, UPGRADE_STATUSES) & when
    return pd.Series(mask, index=frame.index, name=f"upgraded_{y}")


def as_of(frame: pd.DataFrame, year: int | str) -> pd.DataFrame:
    """The features of ``frame`` as they are in scenario ``year``.

    The features of ``frame`` as they are in scenario ``year``: a copy in which every
    upgrade done by then (:func:`upgraded_in`) carries its ``upgrade_class`` as
    ``road_class`` and its ``upgrade_speed_kph`` as ``speed_kph`` (km/h).

    Parameters
    ----------
    frame : pandas.DataFrame
        A road layer (other layers are returned unchanged, as a copy).
    year : int or str
        The scenario year, 2020–2035.

    Returns
    -------
    pandas.DataFrame
        A copy; rows are neither added nor removed (filter with :func:`exists_in`).
    """
    out = frame.copy()
    done = upgraded_in(frame, year).to_numpy()
    if not done.any():
        return out
    for column, after in UPGRADE_COLUMNS.items():
        if column in out and after in out:
            value = out[after]
            take = done & value.notna().to_numpy()
            out.loc[take, column] = value[take]
    return out
