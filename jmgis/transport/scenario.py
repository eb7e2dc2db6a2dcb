"""Scenario years: which features exist in a given year."""

from __future__ import annotations

import numpy as np
import pandas as pd

from jmgis.vocab import BUILT_STATUSES, PLANNED_STATUSES, VISION_YEAR, check_year


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
    built = np.isin(status, BUILT_STATUSES) & (~has_year | by_year)
    planned = np.isin(status, PLANNED_STATUSES) & (by_year | (~has_year & (y >= VISION_YEAR)))
    conceptual = (status == "conceptual") & (y >= VISION_YEAR)
    return pd.Series(built | planned | conceptual, index=frame.index, name=f"exists_{y}")
