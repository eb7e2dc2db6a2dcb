"""The Jiangmen accessibility profile.

Minutes from every township seat to the places planners ask about, for a scenario year, and its
summary by zone and county.

Targets (column ``t_<target>_min``):

=================  ==================================================================
city_gov           江门市人民政府 (蓬江区白沙大道西1号), 22.579 N 113.081 E — English
                   Wikipedia infobox "Coordinates (Jiangmen government)" (research notes
                   china_planning §4.3); snapped to the nearest road node, plus the
                   off-network leg at :data:`OFFNET_SPEED_KPH`
rail_station       nearest passenger rail station in Jiangmen (any kind but ``freight``:
                   江门北站 serves freight trains only; stations outside the city,
                   ``township_code = outside``, do not count)
hsr_station        nearest high-speed rail station in Jiangmen (``kind = hsr``)
port               nearest cargo port (``kind`` seaport or river_port)
interchange        nearest expressway interchange
<gateway>          each external gateway node: guangzhou, shenzhen, zhuhai, zhongshan,
                   foshan, macau, yangjiang, prd_hub_airport
=================  ==================================================================

Times are from the township seat node (``seat:<code>``) to the target, in minutes;
``inf`` means unreachable on that year's network (e.g. an island without a ferry).
"""

from __future__ import annotations

import logging
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import networkx as nx
import numpy as np
import pandas as pd

from jmgis.access.measures import DEFAULT_BANDS_MIN, summarize
from jmgis.errors import DataError
from jmgis.routing.engine import travel_time_matrix
from jmgis.routing.snap import DEFAULT_MAX_OFFNET_M, DEFAULT_OFFNET_SPEED_KPH, snap_points
from jmgis.speeds import RAIL_KINDS_WITHOUT_PASSENGERS

log = logging.getLogger(__name__)

GATEWAYS = (
    "guangzhou",
    "shenzhen",
    "zhuhai",
    "zhongshan",
    "foshan",
    "macau",
    "yangjiang",
    "prd_hub_airport",
)
TARGETS = ("city_gov", "rail_station", "hsr_station", "port", "interchange", *GATEWAYS)
TIME_COLUMNS = tuple(f"t_{t}_min" for t in TARGETS)

CITY_GOV_LONLAT = (113.081, 22.579)
CITY_GOV_NAME = "江门市人民政府"
CITY_GOV_SOURCE = (
    "English Wikipedia infobox 'Coordinates (Jiangmen government)' 22.579 N 113.081 E "
    "(research notes china_planning §4.3; published WGS 84, ≈ CGCS2000)"
)
CARGO_PORT_KINDS = ("seaport", "river_port")
MAX_SNAP_M = 5000.0
# The bundled planning network holds trunk roads only (median link 11 km), so the land
# between them is reached off-network — at 15 km/h, for up to 10 km — in the hub
# isochrones and travel-time rasters; beyond that a cell counts as unreachable.  These are
# the shared defaults of jmgis.routing.snap (the API and the notebooks use the same).
OFFNET_SPEED_KPH = DEFAULT_OFFNET_SPEED_KPH
MAX_OFFNET_M = DEFAULT_MAX_OFFNET_M
# Isochrone hubs: (label, how to find it)
HUBS = (("江门站", "station", "stn_jiangmen"), ("广海湾港区", "port", "guanghaiwan"))


def jiangmen_graph(year: int) -> nx.MultiDiGraph:
    """The network of ``year``.

    On the user's road network when the settings in effect name one (``settings.network``,
    :func:`jmgis.network.base_network.user_graph`), else from the bundled data
    (:func:`jmgis.network.shared_graph`); built once, rebuilt when the data files change.
    """
    from jmgis.network.build import shared_graph
    from jmgis.settings import current

    if current().network is not None:
        from jmgis.network.base_network import user_graph

        return user_graph(int(year))

    return shared_graph(int(year))


@dataclass(frozen=True)
class Target:
    """A target: candidate nodes, each with an extra final leg in seconds."""

    name: str
    nodes: list[Hashable]
    extra_s: np.ndarray


def _kind_nodes(G: nx.Graph, kind: str) -> dict[str, Hashable]:
    return {str(d.get("ref")): n for n, d in G.nodes(data=True) if d.get("kind") == kind}


def _feature_table(layer: str, id_col: str) -> pd.DataFrame:
    from jmgis import transport

    frame = transport.load(layer)
    return pd.DataFrame(frame.drop(columns="geometry")).set_index(id_col)


def _road_nodes(G: nx.Graph) -> list[Hashable]:
    return [n for n, d in G.nodes(data=True) if d.get("kind") == "junction"]


def city_gov_target(G: nx.Graph, offnet_speed_kph: float = OFFNET_SPEED_KPH) -> Target:
    """The city government point snapped to the nearest road junction (≤ 5 km).

    Parameters
    ----------
    G : networkx.Graph
        The network of the year (analysis CRS, seconds on edges).
    offnet_speed_kph : float
        Speed of the leg from the junction to the government (km/h).

    Returns
    -------
    Target
        The target, with its off-network seconds.
    """
    import geopandas as gpd
    import shapely

    point = gpd.GeoSeries([shapely.Point(*CITY_GOV_LONLAT)], crs="EPSG:4490")
    junctions = G.subgraph(_road_nodes(G))
    snapped = snap_points(junctions, point, max_distance_m=MAX_SNAP_M, labels=[CITY_GOV_NAME])
    return Target("city_gov", snapped.nodes, snapped.offnet_seconds(offnet_speed_kph))


def targets(G: nx.Graph) -> list[Target]:
    """Every target of the profile on graph ``G`` (see the module docstring)."""
    # the stations of the user's own OSM extract when it has rail (base_network), else the
    # bundled ones
    table = G.graph.get("station_table")
    stations = table if table is not None else _feature_table("station", "station_id")
    ports = _feature_table("port", "port_id")
    station_nodes = _kind_nodes(G, "station")
    port_nodes = _kind_nodes(G, "port")
    # stations outside Jiangmen carry township_code "outside"
    in_city = stations["township_code"].astype(str).str.fullmatch(r"\d{9}")
    kinds = stations["kind"] if "kind" in stations.columns else None
    rail = [
        n
        for ref, n in station_nodes.items()
        if ref in stations.index
        and in_city[ref]
        and (kinds is None or kinds.at[ref] not in RAIL_KINDS_WITHOUT_PASSENGERS)
    ]
    hsr = [
        n
        for ref, n in station_nodes.items()
        if ref in stations.index and in_city[ref] and stations.at[ref, "kind"] == "hsr"
    ]
    cargo = [
        n
        for ref, n in port_nodes.items()
        if ref in ports.index and ports.at[ref, "kind"] in CARGO_PORT_KINDS
    ]
    interchanges = list(_kind_nodes(G, "interchange").values())
    gateways = _kind_nodes(G, "gateway")
    out = [city_gov_target(G)]
    for name, nodes in (
        ("rail_station", rail),
        ("hsr_station", hsr),
        ("port", cargo),
        ("interchange", interchanges),
    ):
        out.append(Target(name, nodes, np.zeros(len(nodes))))
    for gw in GATEWAYS:
        nodes = [gateways[gw]] if gw in gateways else []
        out.append(Target(gw, nodes, np.zeros(len(nodes))))
    return out


def seat_nodes(G: nx.Graph, codes: Sequence[str]) -> list[str]:
    """``seat:<code>`` for each code; a missing seat is an error naming the code.

    Parameters
    ----------
    G : networkx.Graph
        The network of the year (analysis CRS, seconds on edges).
    codes : Sequence of str
        9-digit township codes.

    Returns
    -------
    list of str
        The seat node of each code.
    """
    missing = [c for c in codes if f"seat:{c}" not in G]
    if missing:
        raise DataError(
            f"{len(missing)} township seat(s) missing from the network: {', '.join(missing[:5])}",
            feature=missing[0],
            field="seat",
        )
    return [f"seat:{c}" for c in codes]


def target_minutes(G: nx.Graph, origins: Sequence[Hashable], target: Target) -> np.ndarray:
    """Minutes from each origin to the best node of ``target`` (``inf`` if none).

    Parameters
    ----------
    G : networkx.Graph
        The network of the year (analysis CRS, seconds on edges).
    origins : Sequence of Hashable
        Origin nodes (township seats).
    target : Target
        The target: its candidate nodes and their extra seconds.

    Returns
    -------
    numpy.ndarray
        Minutes per origin.
    """
    if not target.nodes:
        log.warning("no %s in the %s network: times are inf", target.name, G.graph.get("year"))
        return np.full(len(origins), np.inf)
    tt = travel_time_matrix(G, origins, target.nodes) + target.extra_s[None, :]
    return tt.min(axis=1) / 60.0


def profile(year: int, *, G: nx.Graph | None = None) -> pd.DataFrame:
    """Minutes from each of the 73 township seats to every target, for ``year``.

    Parameters
    ----------
    year
        Scenario year (e.g. 2020, 2025, 2035).
    G
        Network to use (default :func:`jmgis.network.build_graph` of ``year``).

    Returns
    -------
    pandas.DataFrame
        73 rows: ``code``, ``name``, ``year``, then ``t_<target>_min`` for every target in
        :data:`TARGETS` (float minutes; ``inf`` = unreachable).
    """
    from jmgis.admin.tables import townships

    G = jiangmen_graph(int(year)) if G is None else G
    towns = townships()
    codes = towns["code"].astype(str).tolist()
    origins = seat_nodes(G, codes)
    out = pd.DataFrame({"code": codes, "name": towns["name"].tolist(), "year": int(year)})
    for target in targets(G):
        out[f"t_{target.name}_min"] = target_minutes(G, origins, target)
    return out


def zone_summary(
    table: pd.DataFrame,
    population: pd.DataFrame | None = None,
    *,
    by: str = "zone",
    bands_min: Sequence[float] = DEFAULT_BANDS_MIN,
) -> pd.DataFrame:
    """Population-weighted summary of a profile by zone (or ``by="county"``/``"city"``).

    Returns
    -------
    pandas.DataFrame
        Long format, one row per year × group × target: ``year, group_kind, group_code,
        group_name, target, units, population, unreachable_population, mean_min,
        median_min, share_within_<T>`` (see :func:`jmgis.access.summarize`).

    Parameters
    ----------
    table : pandas.DataFrame
        The township profile (``t_<target>_min`` columns, minutes).
    population : pandas.DataFrame or None
        Township population (the bundled table when ``None``).
    by : str
        Group by ``zone``, ``county`` or ``city``.
    bands_min : Sequence of float
        Travel-time bands (minutes) for the shares within reach.
    """
    from jmgis.admin.tables import counties, townships
    from jmgis.jiangmen.population import load_population

    if by not in ("zone", "county", "city"):
        raise DataError(f"by must be zone, county or city, got {by!r}", field="by")
    pop = load_population() if population is None else population
    pop_by_code = pd.Series(pop["population"].to_numpy(), index=pop["code"].astype(str))
    towns = townships().set_index("code")
    names = {"zone": _zone_names(), "county": counties().set_index("code")["name"].to_dict()}
    rows = []
    for year, part in table.groupby("year", sort=True):
        codes = part["code"].astype(str)
        missing = sorted(set(codes) - set(pop_by_code.index))
        if missing:
            raise DataError(f"no population for township {missing[0]}", feature=missing[0])
        if by == "zone":
            groups = codes.map(_zone_of()).to_numpy()
        elif by == "county":
            groups = codes.map(towns["county_code"].astype(str)).to_numpy()
        else:
            groups = np.full(len(codes), "440700", dtype=object)
        for col in [c for c in part.columns if c.startswith("t_") and c.endswith("_min")]:
            summary = summarize(
                part[col].to_numpy(dtype=float),
                pop_by_code[codes].to_numpy(),
                groups,
                bands_min=bands_min,
                labels=list(codes),
            )
            summary.insert(0, "target", col[2:-4])
            summary.insert(0, "year", int(year))
            rows.append(summary)
    out = pd.concat(rows, ignore_index=True).rename(columns={"group": "group_code"})
    out.insert(2, "group_kind", by)
    lookup = names.get(by, {"440700": "江门市"})
    out.insert(4, "group_name", out["group_code"].map(lambda c: lookup.get(str(c), str(c))))
    return out


@lru_cache(maxsize=1)
def _zone_of_cached() -> dict[str, str]:
    from jmgis.admin.zoning import assignment

    zones = assignment()
    return {str(code): str(zone) for code, zone in zones["zone_code"].items()}


def _zone_of() -> dict[str, str]:
    return _zone_of_cached()


def _zone_names() -> dict[str, str]:
    from jmgis.admin import ZONES

    return dict(ZONES)


def hub_origins(G: nx.Graph, year: int) -> list[tuple[str, Hashable, float, str, str]]:
    """The isochrone hubs on ``G``.

    ``(name, node, extra seconds, note, source)`` for 江门站, 广海湾港区 and the city
    government.  A hub
    that is not a node of this year's network (a planned port) is placed at its site, snapped to the
    nearest road junction, and says so in the note.

    Parameters
    ----------
    G : networkx.Graph
        The network of the year (analysis CRS, seconds on edges).
    year : int
        Scenario year of ``G``.

    Returns
    -------
    list of tuple
        ``(name, node, extra seconds, note, source)`` per hub.
    """
    import geopandas as gpd

    from jmgis import transport

    out: list[tuple[str, Hashable, float, str, str]] = []
    for name, layer, ref in HUBS:
        node = f"{layer}:{ref}"
        if node in G:
            out.append((name, node, 0.0, "", f"jmgis.transport {layer} {ref}"))
            continue
        frame = transport.load(layer)
        id_col = f"{layer}_id"
        site = frame[frame[id_col] == ref]
        if site.empty:
            log.warning("isochrone hub %s (%s) is not in the transport data", name, ref)
            continue
        snapped = snap_points(
            G.subgraph(_road_nodes(G)),
            gpd.GeoSeries(site.geometry.to_numpy(), crs=frame.crs),
            max_distance_m=MAX_SNAP_M,
            labels=[name],
        )
        extra = float(snapped.offnet_seconds(OFFNET_SPEED_KPH)[0])
        note = f"{year}年路网中尚无该节点：按规划港址就近接入道路"
        out.append((name, snapped.nodes[0], extra, note, f"jmgis.transport {layer} {ref}"))
    gov = city_gov_target(G)
    out.append(
        (CITY_GOV_NAME, gov.nodes[0], float(gov.extra_s[0]), "就近接入道路", CITY_GOV_SOURCE)
    )
    return out


def hub_points(year: int) -> pd.DataFrame:
    """The sites the hub isochrones of ``year`` start from, as labelled points.

    江门站 and 广海湾港区 at their transport features, the city government at its published
    coordinate: the marker and label of each hub's isochrone bands
    (:func:`hub_isochrones`), which add the leg from the site to the network.

    Parameters
    ----------
    year : int
        Scenario year.

    Returns
    -------
    geopandas.GeoDataFrame
        ``origin`` (the hub's feature id), ``origin_name``, ``year``, ``note`` (a hub
        not yet in the network of the year says so), ``source``, ``geometry_quality`` (of
        the site's own feature); Point, EPSG:4490.
    """
    import geopandas as gpd
    import shapely

    from jmgis import transport

    rows, points = [], []
    for name, layer, ref in HUBS:
        frame = transport.load(layer).to_crs("EPSG:4490")
        site = frame[frame[f"{layer}_id"] == ref]
        if site.empty:
            log.warning("isochrone hub %s (%s) is not in the transport data", name, ref)
            continue
        exists = bool(transport.exists_in(site, int(year)).iloc[0])
        rows.append(
            {
                "origin": f"{layer}:{ref}",
                "origin_name": name,
                "year": int(year),
                "note": "" if exists else f"{year}年尚未建成：等时圈按规划港址计算",
                "source": f"jmgis.transport {layer} {ref}",
                "geometry_quality": str(site.iloc[0].get("geometry_quality") or "derived"),
            }
        )
        points.append(site.geometry.iloc[0])
    rows.append(
        {
            "origin": "city_gov",
            "origin_name": CITY_GOV_NAME,
            "year": int(year),
            "note": "",
            "source": CITY_GOV_SOURCE,
            "geometry_quality": "official",
        }
    )
    points.append(shapely.Point(*CITY_GOV_LONLAT))
    return gpd.GeoDataFrame(pd.DataFrame(rows), geometry=points, crs="EPSG:4490")


def hub_isochrones(
    year: int,
    *,
    G: nx.Graph | None = None,
    bands_min: Sequence[float] = DEFAULT_BANDS_MIN,
    cell_m: float = 250.0,
) -> pd.DataFrame:
    """Isochrones of the main hubs for ``year`` (EPSG:4490), clipped to the city.

    Columns: ``origin, origin_name, year, band_min, area_km2, note, source, geometry``.

    Parameters
    ----------
    year : int
        Scenario year.
    G : networkx.Graph or None
        The network of the year (built from the bundled data when ``None``).
    bands_min : Sequence of float
        Band upper limits (minutes).
    cell_m : float
        Raster cell size (metres).

    Returns
    -------
    geopandas.GeoDataFrame
        One polygon per hub and band.
    """
    import geopandas as gpd

    from jmgis.access.isochrone import isochrones

    G = jiangmen_graph(int(year)) if G is None else G
    frames = []
    for name, node, extra_s, note, source in hub_origins(G, year):
        # the hub's own off-network leg shortens every band by that much
        bands = [b - extra_s / 60.0 for b in bands_min]
        if min(bands) <= 0:
            raise DataError(f"hub {name} is {extra_s / 60:.1f} min from the network", feature=name)
        iso = isochrones(
            G,
            [node],
            bands,
            names=[name],
            cell_m=cell_m,
            offnet_speed_kph=OFFNET_SPEED_KPH,
            max_offnet_m=MAX_OFFNET_M,
        )
        iso["band_min"] = list(bands_min)
        iso["year"] = int(year)
        iso["note"] = note
        iso["source"] = source
        frames.append(iso)
    out = pd.concat(frames, ignore_index=True)
    cols = ["origin", "origin_name", "year", "band_min", "area_km2", "note", "source", "geometry"]
    return gpd.GeoDataFrame(out[cols], geometry="geometry", crs=frames[0].crs)
