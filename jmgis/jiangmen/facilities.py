"""The user's facilities (``jmgis access --facilities FILE``): access per township.

For every township: minutes to the nearest facility of each category, how many are
within 15/30/60 min, and 2SFCA/E2SFCA with the facilities' capacities and the township
population.

FILE is a CSV (``name``, ``category``, optional ``capacity``, and ``lon``/``lat`` in
CGCS2000 degrees or ``place``: a name :func:`jmgis.admin.places.resolve_place` knows) or a
point layer with the same fields (a blank capacity counts 1).  Each facility joins the
nearest road edge (not node); one farther than ``max_snap_m`` is an error naming it and
the option to change.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from jmgis.errors import DataError

#: A facility farther than this from a road (metres) is refused (``--max-snap``).
DEFAULT_MAX_SNAP_M = 2000.0
#: Counting bands (minutes) and the 2SFCA/E2SFCA catchment (minutes).
BANDS_MIN = (15, 30, 60)
CATCHMENT_MIN = 30.0


def load_facilities(path: str | Path) -> gpd.GeoDataFrame:
    """The facilities as points (EPSG:4490) with ``name``, ``category``, ``capacity``.

    Raises
    ------
    DataError
        A missing column, a row without a place, a place that cannot be resolved or a
        capacity that is not a number ≥ 0 — naming the file, the facility and the field.
    """
    from jmgis.readers import check_file, read_table, read_vector

    path = check_file(path)
    if path.suffix.lower() in (".csv", ".txt"):
        table = read_table(path)
        geoms = []
        has_xy = {"lon", "lat"} <= set(table.columns)
        for i, row in table.iterrows():
            label = f"row {i + 2} ({row.get('name', '')})"
            lon = pd.to_numeric(pd.Series([row.get("lon")]), errors="coerce")[0] if has_xy else None
            lat = pd.to_numeric(pd.Series([row.get("lat")]), errors="coerce")[0] if has_xy else None
            if lon is not None and lat is not None and np.isfinite(lon) and np.isfinite(lat):
                if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                    raise DataError("lon/lat are not degrees", file=path, feature=label,
                                    field="lon/lat")
                geoms.append(shapely.Point(float(lon), float(lat)))
                continue
            place = row.get("place")
            if place is None or (isinstance(place, float) and np.isnan(place)) or not str(place):
                raise DataError("no lon/lat and no place", file=path, feature=label,
                                field="lon/lat")
            from jmgis.admin.places import resolve_place

            try:
                geoms.append(resolve_place(str(place)).point)
            except DataError as exc:
                raise DataError(f"place {place!r}: {exc}", file=path, feature=label,
                                field="place") from None
        frame = gpd.GeoDataFrame(table, geometry=geoms, crs="EPSG:4490")
    else:
        frame = read_vector(path)
        if not isinstance(frame, gpd.GeoDataFrame) or frame.crs is None:
            raise DataError("not a point layer with a CRS", file=path, field="geometry")
        frame = frame.to_crs("EPSG:4490")
    for col in ("name", "category"):
        if col not in frame.columns:
            raise DataError("no such column (name and category are needed)", file=path,
                            field=col)
    if "capacity" in frame.columns:
        raw = frame["capacity"]
        blank = raw.isna() | raw.astype(str).str.strip().eq("")
        cap = pd.to_numeric(raw.where(~blank, 1.0), errors="coerce")  # blank: counts as 1
        bad = ~np.isfinite(cap) | (cap < 0)
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError(
                f"capacity {frame['capacity'].iloc[i]!r} is not a number ≥ 0",
                file=path, feature=str(frame["name"].iloc[i]), field="capacity",
            )
    else:
        cap = pd.Series(1.0, index=frame.index)
    out = gpd.GeoDataFrame(
        {
            "facility_id": [f"f{i + 1}" for i in range(len(frame))],
            "name": frame["name"].astype(str).to_numpy(),
            "category": frame["category"].astype(str).to_numpy(),
            "capacity": cap.astype(float).to_numpy(),
        },
        geometry=frame.geometry.to_numpy(),
        crs="EPSG:4490",
    )
    if out.empty:
        raise DataError("no facilities in the file", file=path)
    return out


def attach_facilities(
    G: nx.MultiDiGraph, facilities: gpd.GeoDataFrame, max_snap_m: float = DEFAULT_MAX_SNAP_M
) -> list[str]:
    """Join each facility to the nearest road edge of ``G`` (a copy: ``G`` is changed).

    Parameters
    ----------
    G
        The network (changed in place).
    facilities
        From :func:`load_facilities`.
    max_snap_m
        Largest distance from a facility to a road (metres).

    Returns
    -------
    list of str
        The facility node ids, in the order of ``facilities``.

    Raises
    ------
    DataError
        A facility farther than ``max_snap_m`` (metres) from the roads, naming it.
    """
    from jmgis.network.connectors import GRADE_SEPARATED_CLASSES, EdgeSnapper, connect_to_edges
    from jmgis.speeds import SpeedTable

    frame = facilities.to_crs(G.graph["crs"]).rename(columns={"facility_id": "id"})
    snapper = EdgeSnapper(  # never onto an expressway or urban expressway (issue 15)
        G,
        lambda d: d.get("mode") == "road" and d.get("road_class") not in GRADE_SEPARATED_CLASSES,
    )
    snaps = connect_to_edges(
        G, frame, kind="poi", id_field="id", snapper=snapper, prefix="facility",
        speed_kph=SpeedTable().connector_speed_kph,
    )
    for snap in snaps:
        if not snap.target or snap.snap_m > max_snap_m:
            where = "no road" if not snap.target else f"{snap.snap_m / 1000:.1f} km"
            raise DataError(
                f"facility {snap.name} is off the network ({where} from the nearest road, "
                f"more than {max_snap_m:g} m): raise --max-snap or correct its location",
                feature=snap.name,
                field="max_snap",
            )
    # a facility is a trip end: door to door over its township's access leg (issue 15)
    from jmgis import admin
    from jmgis.network.build import access_kinds
    from jmgis.network.door import add_access_legs

    nodes = [s.node for s in snaps]
    townships = admin.load_townships()[["code", "kind", "geometry"]]
    kinds = access_kinds(G, nodes, townships, G.graph["crs"])
    add_access_legs(G, SpeedTable(), nodes=nodes, kinds=kinds)
    return nodes


def facility_access(
    G: nx.MultiDiGraph,
    facilities: gpd.GeoDataFrame,
    population: pd.DataFrame,
    *,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
    catchment_min: float = CATCHMENT_MIN,
) -> pd.DataFrame:
    """Facility access per township and category: nearest, counts, 2SFCA and E2SFCA.

    The nearest facility in minutes, how many are within 15/30/60 min, and 2SFCA and
    E2SFCA (capacity per 10 000 people, catchment ``catchment_min`` minutes).

    Parameters
    ----------
    G
        The network of the year (copied here).
    facilities
        From :func:`load_facilities`.
    population
        ``code`` and ``population`` (persons) per township.
    max_snap_m
        Largest distance from a facility to a road (metres).
    catchment_min
        2SFCA/E2SFCA catchment (minutes).

    Returns
    -------
    pandas.DataFrame
        ``code, name, category, nearest_min, n_15min, n_30min, n_60min, fca2_per10k,
        e2sfca_per10k``.
    """
    from jmgis.access.fca import enhanced_two_step_fca, two_step_fca
    from jmgis.routing.engine import travel_time_matrix

    H = G.copy()
    nodes = attach_facilities(H, facilities, max_snap_m)
    seats = [(n, d) for n, d in H.nodes(data=True) if d.get("kind") == "seat"]
    codes = [str(d.get("ref")) for _, d in seats]
    pop = population.assign(code=population["code"].astype(str)).set_index("code")["population"]
    demand = [float(pop.get(c, 0.0)) for c in codes]
    tt = travel_time_matrix(H, [n for n, _ in seats], nodes)
    rows = []
    for category in sorted(set(facilities["category"])):
        cols = np.flatnonzero(facilities["category"].to_numpy() == category)
        t = tt[:, cols]
        supply = facilities["capacity"].to_numpy()[cols]
        fca = two_step_fca(t, demand, supply, catchment_min * 60)
        e2 = enhanced_two_step_fca(t, demand, supply, catchment_min * 60)
        nearest = t.min(axis=1) / 60.0
        for i, (_, d) in enumerate(seats):
            row = {
                "code": codes[i],
                "name": d.get("name"),
                "category": category,
                "nearest_min": float(nearest[i]),
            }
            for band in BANDS_MIN:
                row[f"n_{band}min"] = int((t[i] <= band * 60).sum())
            row["fca2_per10k"] = float(fca.access[i]) * 10_000
            row["e2sfca_per10k"] = float(e2.access[i]) * 10_000
            rows.append(row)
    return pd.DataFrame(rows)


def _file_part(text: str) -> str:
    """``text`` as part of a file name: letters (any script) and digits kept, others ``_``."""
    import re

    return re.sub(r"[^\w]+", "_", text, flags=re.UNICODE).strip("_") or "category"


def facility_rasters(
    G: nx.MultiDiGraph,
    facilities: gpd.GeoDataFrame,
    out_dir: str | Path,
    year: int,
    *,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
    cell_m: float = 250.0,
) -> list[Path]:
    """GeoTIFFs of minutes to the nearest facility of each category, for every cell.

    The same cells and off-network leg as the build's rasters
    (:func:`jmgis.access.raster.travel_time_raster`: 250 m cells in the analysis CRS,
    nodata outside the city, a straight leg at 15 km/h of up to 10 km between the cell and
    the network), the facilities joined to the nearest road edge as in
    :func:`facility_access`.

    Parameters
    ----------
    G
        The network of the year (copied here).
    facilities
        From :func:`load_facilities`.
    out_dir
        The folder; files ``minutes_to_facility_<category>_<year>.tif``.
    year
        The scenario year (in the file name).
    max_snap_m
        Largest distance from a facility to a road (metres).
    cell_m
        Cell size (metres).

    Returns
    -------
    list of pathlib.Path
        One GeoTIFF per category (sorted by category), float32 minutes.
    """
    from jmgis.access.raster import travel_time_raster
    from jmgis.jiangmen.township_access import MAX_OFFNET_M, OFFNET_SPEED_KPH

    H = G.copy()
    nodes = np.array(attach_facilities(H, facilities, max_snap_m), dtype=object)
    written = []
    categories = facilities["category"].to_numpy()
    for category in sorted(set(categories)):
        path = Path(out_dir) / f"minutes_to_facility_{_file_part(category)}_{int(year)}.tif"
        travel_time_raster(
            H,
            list(nodes[categories == category]),
            path,
            cell_m=cell_m,
            offnet_speed_kph=OFFNET_SPEED_KPH,
            max_offnet_m=MAX_OFFNET_M,
        )
        written.append(path)
    return written
