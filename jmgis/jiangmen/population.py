"""Township population for population-weighted accessibility.

The bundled table ``data/population/township_population.csv`` holds the 2020 census
(七普, resident population, 2020-11-01) where a township figure is published and
verifiable, and a documented estimate elsewhere (``status = estimate`` with its
``method``); see ``data/population/README.md``.  :func:`estimate_township_population`
rebuilds it from the county totals in :data:`COUNTY_TOTALS_2020`.

Users can replace it with their own table (:func:`population_from_table`) or a
population raster (:func:`population_from_raster`: zonal sums per township).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from jmgis.errors import DataError
from jmgis.paths import data_dir
from jmgis.readers import check_file, one_line, plain, read_table
from jmgis.settings import Settings, current

CENSUS = "census"
ESTIMATE = "estimate"
COLUMNS = ["code", "name", "county_code", "year", "population", "status", "method", "source"]

HESHAN_BULLETIN = (
    "鹤山市第七次全国人口普查公报（第二号）, via bx2200.com mirror (notes china_planning §2.4/§4.2)"
)


@dataclass(frozen=True)
class CountyTotal:
    """A 2020 census total for one or more county units."""

    counties: tuple[str, ...]
    population: int
    source: str


# Sources and their confidence: /work/shared/notes/china_planning.md §4.2.
COUNTY_TOTALS_2020 = (
    CountyTotal(
        ("440703", "440704", "440705"),
        2_126_978,
        "市区 (蓬江+江海+新会) = 2,657,662 (three districts + 鹤山) − 530,684 (鹤山 bulletin); "
        "zh-wiki 市区 212.69万 agrees; districts individually not verified",
    ),
    CountyTotal(("440784",), 530_684, HESHAN_BULLETIN),
    CountyTotal(
        ("440785",), 483_907, "恩平市第七次全国人口普查公报（第四号）: sum of the age groups"
    ),
    CountyTotal(("440783",), 748_777, "English Wikipedia (mirror), 2020 census figure"),
    CountyTotal(
        ("440781",),
        907_744,
        "residual: 江门市 4,798,090 minus the other county units; published figures conflict "
        "(907,044 en-wiki infobox, 907,354 en-wiki text)",
    ),
)
CITY_TOTAL_2020 = 4_798_090

# Heshan, the only county with published township figures (the 10 values sum to 530,684).
HESHAN_2020 = {
    "440784001": 240_614,
    "440784101": 32_680,
    "440784102": 34_208,
    "440784103": 33_748,
    "440784104": 34_077,
    "440784105": 37_398,
    "440784106": 44_638,
    "440784107": 33_367,
    "440784108": 26_340,
    "440784112": 13_614,
}


def subdistrict_weight() -> float:
    """How many times a 镇's population a 街道 holds.

    From the one verified county (鹤山: 沙坪街道 vs the mean of its 9 镇) — the rule for splitting
    other county totals.
    """
    street = HESHAN_2020["440784001"]
    towns = [v for k, v in HESHAN_2020.items() if k != "440784001"]
    return street / (sum(towns) / len(towns))


def estimate_township_population(townships: pd.DataFrame | None = None) -> pd.DataFrame:
    """The bundled table.

    Census figures where published, else the county total split with weight
    :func:`subdistrict_weight` per 街道 and 1 per 镇 (largest-remainder rounding, so each
    county unit
    sums exactly to its total).

    ``townships`` needs ``code``, ``name``, ``kind`` (街道/镇), ``county_code``
    (default :func:`jmgis.admin.tables.townships`).
    """
    if townships is None:
        from jmgis.admin.tables import townships as township_table

        townships = township_table()
    t = townships[["code", "name", "kind", "county_code"]].astype(str).copy()
    ratio = subdistrict_weight()
    rows = []
    for total in COUNTY_TOTALS_2020:
        part = t[t.county_code.isin(total.counties)]
        if part.empty:
            raise DataError(f"no township in county units {total.counties}", field="county_code")
        if set(part.code) <= set(HESHAN_2020):
            pops = part.code.map(HESHAN_2020).astype(int).to_numpy()
            if pops.sum() != total.population:
                raise DataError("Heshan township figures do not sum to the county total")
            for (_, r), pop in zip(part.iterrows(), pops, strict=True):
                rows.append((r, pop, CENSUS, "published township figure", HESHAN_BULLETIN))
            continue
        weights = np.where(part.kind.str.contains("街道"), ratio, 1.0)
        pops = _largest_remainder(total.population * weights / weights.sum())
        method = (
            f"estimate: county total {total.population:,} ({'+'.join(total.counties)}) split "
            f"街道:镇 = {ratio:.2f}:1, the ratio of 沙坪街道 to the mean 镇 in the 鹤山 bulletin"
        )
        for (_, r), pop in zip(part.iterrows(), pops, strict=True):
            rows.append((r, pop, ESTIMATE, method, total.source))
    out = pd.DataFrame(
        [
            {
                "code": r.code,
                "name": r["name"],
                "county_code": r.county_code,
                "year": 2020,
                "population": int(pop),
                "status": status,
                "method": method,
                "source": source,
            }
            for r, pop, status, method, source in rows
        ],
        columns=COLUMNS,
    )
    return out.sort_values("code").reset_index(drop=True)


def _largest_remainder(shares: np.ndarray) -> np.ndarray:
    floor = np.floor(shares).astype(int)
    missing = round(float(shares.sum())) - int(floor.sum())
    floor[np.argsort(-(shares - floor), kind="stable")[:missing]] += 1
    return floor


def population_path() -> Path:
    """The bundled township population table (CSV)."""
    return data_dir() / "population" / "township_population.csv"


def load_population(path: str | Path | None = None) -> pd.DataFrame:
    """The township population table (bundled by default), validated.

    Returns
    -------
    pandas.DataFrame
        ``code, name, county_code, year, population, status, method, source``.
    """
    return population_from_table(path or population_path())


def population_from_table(
    table: str | Path | pd.DataFrame,
    *,
    code: str = "code",
    population: str = "population",
    complete: bool = True,
    encoding: str | None = None,
) -> pd.DataFrame:
    """A user's township population table (CSV path or DataFrame), validated.

    Codes must be known township codes (9 digits, or names the resolver understands);
    population must be a finite number ≥ 0 (no blanks, NaN or inf).  With ``complete``
    every one of the 73 townships must be present.  Missing optional columns are filled
    (``status="user"``).  ``encoding`` is the CSV's encoding (default: UTF-8, then
    GB18030, see :func:`jmgis.readers.read_table`).

    Raises
    ------
    DataError
        Naming the file, row and field of the first bad value, or the missing codes.

    Parameters
    ----------
    table : str, pathlib.Path or pandas.DataFrame
        A CSV file or a table.
    code : str
        The column with township codes (or names).
    population : str
        The column with the population (persons).
    complete : bool
        Require every one of the 73 townships.
    encoding : str or None
        Text encoding of the CSV (``None`` = detect).

    Returns
    -------
    pandas.DataFrame
        ``code, population, source``, one row per township.
    """
    from jmgis.admin.resolver import normalise_code, resolve_township
    from jmgis.errors import ResolveError

    label = str(table) if not isinstance(table, pd.DataFrame) else "population table"
    df = table.copy() if isinstance(table, pd.DataFrame) else read_table(table, encoding=encoding)
    for col in (code, population):
        if col not in df.columns:
            raise DataError(f"missing column '{col}'", file=label, field=col)
    codes = []
    for i, value in enumerate(df[code].astype(str).map(normalise_code), start=2):
        try:
            codes.append(resolve_township(value))
        except ResolveError as exc:
            raise DataError(str(exc), file=label, feature=f"row {i}", field=code) from None
    pops = pd.to_numeric(df[population], errors="coerce")
    # to_numeric parses "inf"/"Infinity" to inf, which no later sum would survive
    values = pops.to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(values) | (values < 0))
    if len(bad):
        raw = df[population].iloc[bad[0]]
        raise DataError(
            f"population {plain(raw)} is not a finite number ≥ 0",
            file=label,
            feature=f"row {bad[0] + 2} ({codes[bad[0]]})",
            field=population,
        )
    out = df.rename(columns={code: "code", population: "population"})
    out["code"] = codes
    out["population"] = pops.astype(float)
    dup = out.code[out.code.duplicated()]
    if len(dup):
        raise DataError(f"township {dup.iloc[0]} appears twice", file=label, field="code")
    if complete:
        from jmgis.admin.tables import townships

        missing = sorted(set(townships().code.astype(str)) - set(out.code))
        if missing:
            raise DataError(
                f"{len(missing)} township(s) missing: {', '.join(missing[:5])}"
                + (" …" if len(missing) > 5 else ""),
                file=label,
                field="code",
            )
    for col, default in (("status", "user"), ("method", ""), ("source", label), ("year", 0)):
        if col not in out.columns:
            out[col] = default
    return out


def population_from_raster(
    raster: str | Path, townships: gpd.GeoDataFrame | None = None
) -> pd.DataFrame:
    """Zonal sums of a population-count raster per township (rasterio).

    Each cell is given wholly to the township containing its centre; nodata and NaN
    cells count 0.  People on cells outside every township are reported in
    ``DataFrame.attrs["outside_population"]`` rather than dropped silently.

    Returns
    -------
    pandas.DataFrame
        ``code, name, population, status="raster", method, source``.

    Parameters
    ----------
    raster : str or pathlib.Path
        A population-count GeoTIFF (persons per cell), any CRS.
    townships : geopandas.GeoDataFrame or None
        Township polygons (the configured boundaries when ``None``).
    """
    import rasterio
    import rasterio.errors
    from rasterio.features import rasterize

    if townships is None:
        from jmgis.admin.layers import townships as settings_townships

        townships = settings_townships()
    check_file(raster)
    try:
        src_ctx = rasterio.open(raster)
    except rasterio.errors.RasterioIOError as exc:
        raise DataError(f"not a readable raster: {one_line(exc)}", file=str(raster)) from None
    with src_ctx as src:
        if src.crs is None:
            raise DataError("raster has no CRS", file=str(raster))
        values = src.read(1, masked=True).astype(float).filled(0.0)
        shape, transform, crs = src.shape, src.transform, src.crs
    infinite = np.argwhere(np.isinf(values))
    if len(infinite):
        row, col = (int(v) for v in infinite[0])
        raise DataError(
            f"{len(infinite)} cell(s) hold an infinite population, the first at row {row}, "
            f"column {col}",
            file=str(raster),
            feature=f"cell ({row}, {col})",
            field="band 1",
        )
    values = np.where(np.isnan(values), 0.0, values)
    if (values < 0).any():
        raise DataError("raster has negative population values", file=str(raster))
    zones = townships.to_crs(crs)
    labels = rasterize(
        ((geom, i + 1) for i, geom in enumerate(zones.geometry)),
        out_shape=shape,
        transform=transform,
        fill=0,
        dtype="int32",
    )
    sums = np.bincount(labels.ravel(), weights=values.ravel(), minlength=len(zones) + 1)
    out = pd.DataFrame(
        {
            "code": zones.code.to_numpy(),
            "name": zones.name.to_numpy() if "name" in zones else "",
            "population": sums[1:],
            "status": "raster",
            "method": "zonal sum of raster cells by cell centre",
            "source": str(raster),
        }
    )
    out.attrs["outside_population"] = float(sums[0])
    return out


RASTER_SUFFIXES = (".tif", ".tiff", ".img", ".vrt")


def population(
    source: str | Path | None = None,
    *,
    townships: gpd.GeoDataFrame | None = None,
    settings: Settings | None = None,
) -> pd.DataFrame:
    """The township population a run uses.

    A table or a raster the user names, else the bundled table.

    Parameters
    ----------
    source
        A township table (CSV: ``code`` or township name, ``population``) or a
        population-count raster (GeoTIFF); default: ``settings.population``, else the
        bundled census table.
    townships
        The township polygons a raster is summed over (default: those of the settings).
    settings
        The settings (default: those in effect).

    Returns
    -------
    pandas.DataFrame
        At least ``code`` and ``population`` (persons).
    """
    path = source if source is not None else (settings or current()).population
    if path is None:
        return load_population()
    if Path(path).suffix.lower() in RASTER_SUFFIXES:
        return population_from_raster(path, townships)
    return population_from_table(path)
