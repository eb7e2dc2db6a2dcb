"""The reference tables of ``data/boundaries``: counties, townships (with seats), aliases."""

from __future__ import annotations

from functools import cache

import pandas as pd

from jmgis.errors import DataError
from jmgis.paths import boundaries_dir

CITY_CODE = "440700"
CITY_NAME = "江门市"
TOWNSHIP_COUNT = 73
CODES_SOURCE = "国家统计局 统计用区划代码 2023 (via modood/Administrative-divisions-of-China)"


def _read_csv(name: str, code_columns: tuple[str, ...]) -> pd.DataFrame:
    path = boundaries_dir() / name
    frame = pd.read_csv(path, dtype={c: str for c in code_columns}, keep_default_na=False)
    for column in code_columns:
        bad = frame[~frame[column].str.fullmatch(r"\d+")]
        if not bad.empty:
            raise DataError(
                f"not a numeric code: {bad[column].iloc[0]!r}",
                file=path,
                feature=int(bad.index[0]) + 2,
                field=column,
            )
    return frame


@cache
def counties() -> pd.DataFrame:
    """The 7 county units: code, name, short_name, name_en, kind."""
    return _read_csv("counties.csv", ("code",))


@cache
def townships() -> pd.DataFrame:
    """The 73 townships with their seats.

    Code, name, kind, county_code, seat_lon, seat_lat, seat_quality, seat_source (one source per
    row).
    """
    frame = _read_csv("townships.csv", ("code", "county_code"))
    path = boundaries_dir() / "townships.csv"
    if len(frame) != TOWNSHIP_COUNT:
        raise DataError(f"expected {TOWNSHIP_COUNT} townships, found {len(frame)}", file=path)
    duplicated = frame[frame["code"].duplicated()]
    if not duplicated.empty:
        raise DataError(
            "duplicate code", file=path, feature=duplicated["code"].iloc[0], field="code"
        )
    unknown = frame[~frame["county_code"].isin(counties()["code"])]
    if not unknown.empty:
        raise DataError(
            "unknown county", file=path, feature=unknown["code"].iloc[0], field="county_code"
        )
    frame["seat_lon"] = frame["seat_lon"].astype(float)
    frame["seat_lat"] = frame["seat_lat"].astype(float)
    return frame


@cache
def aliases() -> pd.DataFrame:
    """Names the plans use for townships that differ from the official table."""
    return _read_csv("aliases.csv", ("county_code", "code"))
