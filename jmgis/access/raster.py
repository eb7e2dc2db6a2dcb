"""From node travel times to a grid: the off-network leg, land masks and GeoTIFFs.

A cell's time is the best of its ``k`` nearest network nodes within ``max_offnet_m``:
``t(node) + distance(cell centre, node) / offnet_speed``.  Cells with no node that close
are unreachable (``inf``); cells outside the land polygon are nodata.  The same grid
serves the isochrones (:mod:`jmgis.access.isochrone`) and the travel-time raster.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely
from affine import Affine
from scipy.spatial import cKDTree

from jmgis.errors import DataError
from jmgis.routing.engine import DEFAULT_WEIGHT, nearest_facility
from jmgis.routing.snap import DEFAULT_MAX_OFFNET_M, DEFAULT_OFFNET_SPEED_KPH, offnet_seconds

log = logging.getLogger(__name__)

DEFAULT_CELL_M = 250.0
# The off-network leg (15 km/h, up to 10 km) is the one default of
# :mod:`jmgis.routing.snap`, shared by the build, the API and the notebooks.
# Sampling: a cell looks at its DEFAULT_K nearest network points.  With 4 (the old value)
# a cell beside a slow lane never sees the fast road 500 m away and isochrones came out
# 10–20 % smaller than the model; 64 brings them within 1 % of the exact vector drawing
# (:func:`jmgis.access.isochrone.vector_isochrone`, tests/test_isochrone_exact.py).
DEFAULT_K = 64
# Coarser sample levels (issue 15.4): a cell kilometres from the roads sees, among its k
# nearest points at the cell spacing, only one stretch of the nearest (often slow) road; the
# faster road behind it is missed and the isochrone of 江门站 came out 2 % smaller than the
# model at 30 min.  Each further level keeps one of the fine points per square of a side
# COARSE_FACTOR times larger (:func:`thin_points`) and adds its COARSE_K nearest points, so
# a cell also sees the roads farther away.  Every
# sample point is a true network point with its exact time, so levels can only bring the
# raster closer to the model, never beyond it.
COARSE_LEVELS = 2
COARSE_FACTOR = 4.0
COARSE_K = 16
NODATA = -9999.0


@dataclass(eq=False)
class Grid:
    """A north-up grid in a metric CRS; cells are ``cell_m`` squares.

    ``mask`` (``height × width`` bool) marks cells on land; the rest is nodata.
    """

    left: float
    top: float
    cell_m: float
    width: int
    height: int
    crs: object
    mask: np.ndarray

    @property
    def transform(self) -> Affine:
        """The affine transform of the grid (cell size in metres, north up)."""
        return Affine(self.cell_m, 0.0, self.left, 0.0, -self.cell_m, self.top)

    def centres(self) -> np.ndarray:
        """``(n_land_cells, 2)`` centre coordinates of the land cells, row-major."""
        rows, cols = np.nonzero(self.mask)
        x = self.left + (cols + 0.5) * self.cell_m
        y = self.top - (rows + 0.5) * self.cell_m
        return np.column_stack([x, y])

    def to_image(self, values: np.ndarray, fill: float = NODATA) -> np.ndarray:
        """Put per-land-cell ``values`` back into a ``height × width`` float32 image.

        Parameters
        ----------
        values : numpy.ndarray
            One value per land cell, in :meth:`centres` order.
        fill : float
            Value of the cells off the land.

        Returns
        -------
        numpy.ndarray
            The ``(height, width)`` float32 image.
        """
        img = np.full((self.height, self.width), fill, dtype=np.float32)
        img[self.mask] = values
        return img


def land_geometry(land: object, crs: object) -> shapely.Geometry | None:
    """The land polygon in ``crs``.

    ``land`` may be a GeoDataFrame/GeoSeries (dissolved), a shapely geometry already in ``crs``,
    ``None`` (the city boundary from :func:`jmgis.admin.load_city`) or ``False`` (no clipping).

    Parameters
    ----------
    land : object
        GeoDataFrame/GeoSeries, shapely geometry, ``None`` or ``False`` (see above).
    crs : object
        The CRS of the grid.

    Returns
    -------
    shapely.Geometry or None
        The land polygon, or ``None`` for no clipping.
    """
    if land is False:
        return None
    if land is None:
        from jmgis.admin import load_city

        land = load_city()
    if isinstance(land, gpd.GeoDataFrame | gpd.GeoSeries):
        geoms = land.geometry if isinstance(land, gpd.GeoDataFrame) else land
        if geoms.crs is None:
            raise DataError("land polygons have no CRS", field="geometry")
        return shapely.union_all(geoms.to_crs(crs).to_numpy())
    if isinstance(land, shapely.Geometry):
        return land
    raise DataError(f"land must be a GeoDataFrame, a geometry, None or False; got {type(land)}")


def make_grid(
    bounds: tuple[float, float, float, float],
    cell_m: float,
    crs: object,
    land: shapely.Geometry | None = None,
) -> Grid:
    """A grid covering ``bounds`` (minx, miny, maxx, maxy; metres).

    Snapped to multiples of ``cell_m``, with cells whose centre is on ``land`` marked (all cells
    without land).

    Parameters
    ----------
    bounds : tuple of float
        ``(minx, miny, maxx, maxy)`` in metres.
    cell_m : float
        Cell size (metres), > 0.
    crs : object
        The (metric) CRS of ``bounds``.
    land : shapely.Geometry or None
        Cells whose centre is on it are land (``None`` = all cells).

    Returns
    -------
    Grid
        The grid.
    """
    if not cell_m > 0:
        raise DataError(f"cell size must be > 0 m, got {cell_m}", field="cell_m")
    minx, miny, maxx, maxy = bounds
    left = np.floor(minx / cell_m) * cell_m
    top = np.ceil(maxy / cell_m) * cell_m
    width = int(np.ceil((maxx - left) / cell_m)) or 1
    height = int(np.ceil((top - miny) / cell_m)) or 1
    grid = Grid(left, top, cell_m, width, height, crs, np.ones((height, width), dtype=bool))
    if land is not None:
        from rasterio.features import geometry_mask

        grid.mask = geometry_mask(
            [land], out_shape=(height, width), transform=grid.transform, invert=True
        )
    return grid


# Road classes without access between their nodes (only at interchanges).
NO_ACCESS_CLASSES = ("expressway", "motorway", "ramp")


@dataclass(frozen=True)
class SamplePoints:
    """Places a cell can be reached from.

    Every accessible node, and points every ``step_m`` along accessible edges (a 10 km country road
    serves the villages along it, not only its two ends).  The time of point ``p`` is ``t[base[p]] +
    add_s[p]`` (the edge's start node plus the share of its travel time).
    """

    xy: np.ndarray  # (points, 2)
    base: np.ndarray  # node index in list(G.nodes) order
    add_s: np.ndarray  # seconds after the base node


def sample_points(
    G: nx.Graph,
    *,
    step_m: float,
    modes: Iterable[str] | None = ("road", "connector"),
    no_access_classes: Iterable[str] = NO_ACCESS_CLASSES,
    weight: str = DEFAULT_WEIGHT,
    with_nodes: bool = True,
) -> SamplePoints:
    """Sample points of ``G``.

    Nodes touching an edge whose ``mode`` is in ``modes`` (a rail track's inner vertices are no
    place to get off; edges without ``mode`` count, ``modes=None`` allows all) plus interior points
    of those edges unless their ``road_class`` is in ``no_access_classes`` (expressways are entered
    at interchanges).

    Parameters
    ----------
    G : networkx.Graph
        Graph with node ``x``/``y`` (metres) and ``G.graph["crs"]``.
    step_m : float
        Spacing of the interior points along edges (metres).
    modes : Iterable of str or None
        Edge modes a cell may be entered from (``None`` = all).
    no_access_classes : Iterable of str
        Road classes entered only at their nodes (expressways, ramps).
    weight : str
        Edge attribute used as travel cost (seconds).
    with_nodes : bool
        Include the nodes themselves (``False``: only the points along edges, for the
        coarser sample levels of :func:`cell_sampler`).

    Returns
    -------
    SamplePoints
        The points, their base node and the extra seconds from it.
    """
    nodes = list(G.nodes)
    index = {n: i for i, n in enumerate(nodes)}
    xs = np.fromiter((d["x"] for _, d in G.nodes(data=True)), float, len(nodes))
    ys = np.fromiter((d["y"] for _, d in G.nodes(data=True)), float, len(nodes))
    wanted = None if modes is None else set(modes)
    closed = set(no_access_classes)
    keep = np.zeros(len(nodes), dtype=bool)
    eu, ev, ew = [], [], []
    for u, v, data in G.edges(data=True):
        mode = data.get("mode")
        if wanted is not None and mode is not None and mode not in wanted:
            continue
        iu, iv = index[u], index[v]
        keep[iu] = keep[iv] = True
        if data.get("road_class") in closed:
            continue
        eu.append(iu)
        ev.append(iv)
        ew.append(float(data.get(weight, np.inf)))
    node_idx = np.flatnonzero(keep) if with_nodes else np.zeros(0, dtype=int)
    xy = [np.column_stack([xs[node_idx], ys[node_idx]])]
    base = [node_idx]
    add = [np.zeros(len(node_idx))]
    if eu:
        eu_a, ev_a, ew_a = np.array(eu), np.array(ev), np.array(ew)
        length = np.hypot(xs[ev_a] - xs[eu_a], ys[ev_a] - ys[eu_a])
        n_inner = np.maximum(np.ceil(length / step_m).astype(int) - 1, 0)
        edge_of = np.repeat(np.arange(len(eu_a)), n_inner)
        if len(edge_of):
            # position along the edge: 1..n_inner of (n_inner + 1) equal parts
            starts = np.cumsum(n_inner) - n_inner
            rank = np.arange(len(edge_of)) - np.repeat(starts, n_inner) + 1
            frac = rank / (n_inner[edge_of] + 1)
            a, b = eu_a[edge_of], ev_a[edge_of]
            xy.append(
                np.column_stack([xs[a] + frac * (xs[b] - xs[a]), ys[a] + frac * (ys[b] - ys[a])])
            )
            base.append(a)
            add.append(frac * ew_a[edge_of])
    return SamplePoints(np.vstack(xy), np.concatenate(base), np.concatenate(add))


def thin_points(points: SamplePoints, step_m: float) -> SamplePoints:
    """One sample point per ``step_m`` square of ``points`` (the first in their order).

    The coarser sample levels of :func:`cell_sampler`.  Thinning the fine points, rather
    than sampling each edge at the coarse step, keeps a road drawn with many short edges
    (a line routed along the OpenStreetMap skeleton has a vertex every few hundred metres)
    in the coarse levels: an edge shorter than the step has no interior point at that step.

    Parameters
    ----------
    points : SamplePoints
        The fine sample points.
    step_m : float
        Side of the squares (metres).

    Returns
    -------
    SamplePoints
        The kept points (a subset of ``points``, with their exact times).
    """
    if step_m <= 0:
        raise DataError(f"the thinning step must be > 0 m, got {step_m}", field="step_m")
    bins = np.floor(points.xy / step_m).astype(np.int64)
    _, first = np.unique(bins, axis=0, return_index=True)
    first.sort()
    return SamplePoints(points.xy[first], points.base[first], points.add_s[first])


@dataclass(eq=False)
class CellSampler:
    """For each land cell of ``grid``: its ``k`` nearest sample points and distances."""

    grid: Grid
    points: SamplePoints
    point_idx: np.ndarray  # (cells, k) indices into points; len(points) = none
    dist_m: np.ndarray  # (cells, k); inf = none
    max_offnet_m: float
    node_xy: np.ndarray | None = None  # (n_nodes, 2) in list(G.nodes) order
    _leg_speed: float | None = field(default=None, repr=False)
    _leg_cache: list = field(default_factory=list, repr=False)
    _rows_cols: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)

    def cell_times(
        self,
        node_times: np.ndarray,
        offnet_speed_kph: float,
        direct: Iterable[int] | None = None,
    ) -> np.ndarray:
        """Best time per land cell (seconds) from a ``(n_nodes,)`` array of node times.

        Parameters
        ----------
        node_times : numpy.ndarray
            Seconds at every node of the compiled graph.
        offnet_speed_kph : float
            Speed of the leg from the sample point to the cell centre (km/h).
        direct : Iterable of int or None
            Node indices (the origins) whose straight leg every cell within
            ``max_offnet_m`` also considers, however many sample points lie nearer: a
            cell 6 km from 江门站 is reached on foot-speed straight from the station
            sooner than over the roads, and its ``k`` nearest points are all on roads.

        Returns
        -------
        numpy.ndarray
            Seconds per land cell; ``inf`` where no sample point is in reach.
        """
        point_t = np.append(node_times[self.points.base] + self.points.add_s, np.inf)
        legs = self._legs(offnet_speed_kph)
        best = point_t[self.point_idx[:, 0]] + legs[0]
        tmp = np.empty_like(best)
        for j in range(1, self.point_idx.shape[1]):
            np.take(point_t, self.point_idx[:, j], out=tmp)
            tmp += legs[j]
            np.minimum(best, tmp, out=best)
        if direct is not None and self.node_xy is not None:
            centres = self.grid.centres()
            v = offnet_speed_kph / 3.6
            for i in direct:
                t0 = float(node_times[i])
                if not np.isfinite(t0):
                    continue
                x, y = self.node_xy[i]
                dist = np.hypot(centres[:, 0] - x, centres[:, 1] - y)
                leg = np.where(dist <= self.max_offnet_m, t0 + dist / v, np.inf)
                np.minimum(best, leg, out=best)
        return best

    def _legs(self, offnet_speed_kph: float) -> list[np.ndarray]:
        if self._leg_speed != offnet_speed_kph:
            leg = offnet_seconds(self.dist_m, offnet_speed_kph).astype(np.float32)
            self._leg_cache = [np.ascontiguousarray(leg[:, j]) for j in range(leg.shape[1])]
            self._leg_speed = offnet_speed_kph
        return self._leg_cache

    @property
    def cell_rows_cols(self) -> tuple[np.ndarray, np.ndarray]:
        """Row and column of every land cell (same order as :meth:`cell_times`)."""
        if self._rows_cols is None:
            rows, cols = np.nonzero(self.grid.mask)
            self._rows_cols = (rows, cols)
        return self._rows_cols


_SAMPLERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _land_key(land_geom: shapely.Geometry | None) -> int | None:
    return None if land_geom is None else hash(shapely.to_wkb(land_geom))


def cell_sampler(
    G: nx.Graph,
    grid: Grid,
    *,
    k: int = DEFAULT_K,
    max_offnet_m: float = DEFAULT_MAX_OFFNET_M,
    modes: Iterable[str] | None = ("road", "connector"),
    weight: str = DEFAULT_WEIGHT,
) -> CellSampler:
    """Nearest sample points of every land cell of ``grid`` (k-d tree).

    Parameters
    ----------
    G : networkx.Graph
        Graph with node ``x``/``y`` (metres) and ``G.graph["crs"]``.
    grid : Grid
        The raster grid.
    k : int
        Sample points tried per cell.
    max_offnet_m : float
        Longest off-network leg (metres); cells farther from every point are unreachable.
    modes : Iterable of str or None
        Edge modes a cell may be entered from (``None`` = all).
    weight : str
        Edge attribute used as travel cost (seconds).

    Returns
    -------
    CellSampler
        The sampler.
    """
    levels = [sample_points(G, step_m=grid.cell_m, modes=modes, weight=weight)]
    if len(levels[0].base) == 0:
        raise DataError("the graph has no node a cell could be reached from")
    if k < 1:
        raise DataError(f"k must be ≥ 1 network point per cell, got {k}", field="k")
    ks = [k]
    for level in range(1, COARSE_LEVELS + 1):
        levels.append(thin_points(levels[0], grid.cell_m * COARSE_FACTOR**level))
        ks.append(COARSE_K)
    total = sum(len(p.base) for p in levels)
    centres = grid.centres()
    idx_cols, dist_cols = [], []
    offset = 0
    for pts, kk in zip(levels, ks, strict=True):
        n = len(pts.base)
        kk = min(kk, n)
        if kk >= 1:
            tree = cKDTree(pts.xy)
            dist, pos = tree.query(centres, k=kk, distance_upper_bound=max_offnet_m, workers=-1)
            pos = pos.reshape(len(pos), kk)
            # int32/float32 halve the memory of the columns (150,000 cells for the city)
            idx_cols.append(np.where(pos >= n, total, pos + offset).astype(np.int32))
            dist_cols.append(dist.reshape(len(dist), kk).astype(np.float32))
        offset += n
    points = SamplePoints(
        np.vstack([p.xy for p in levels]),
        np.concatenate([p.base for p in levels]),
        np.concatenate([p.add_s for p in levels]),
    )
    node_xy = np.array([(d["x"], d["y"]) for _, d in G.nodes(data=True)], dtype=float)
    return CellSampler(
        grid, points, np.hstack(idx_cols), np.hstack(dist_cols), max_offnet_m, node_xy
    )


def grid_and_sampler(
    G: nx.Graph,
    *,
    cell_m: float = DEFAULT_CELL_M,
    land: object = None,
    k: int = DEFAULT_K,
    max_offnet_m: float = DEFAULT_MAX_OFFNET_M,
    modes: Iterable[str] | None = ("road", "connector"),
    weight: str = DEFAULT_WEIGHT,
    compiled: object | None = None,
) -> tuple[CellSampler, shapely.Geometry | None]:
    """The grid over the land polygon and its cell sampler.

    The grid covers the graph's extent when ``land=False``.  Cached per compiled graph (so
    per graph object and its current
    nodes/edges), cell size, land polygon and options.

    Parameters
    ----------
    G : networkx.Graph
        Graph with node ``x``/``y`` (metres) and ``G.graph["crs"]``.
    cell_m : float
        Cell size (metres).
    land : object
        The land polygon (see :func:`land_geometry`).
    k : int
        Sample points tried per cell.
    max_offnet_m : float
        Longest off-network leg (metres).
    modes : Iterable of str or None
        Edge modes a cell may be entered from (``None`` = all).
    weight : str
        Edge attribute used as travel cost (seconds).
    compiled : CompiledGraph or None
        ``G`` already compiled (compiled here when ``None``).

    Returns
    -------
    tuple of (CellSampler, shapely.Geometry or None)
        The sampler and the land polygon.
    """
    from jmgis.routing.engine import compile_graph

    crs = G.graph.get("crs")
    land_geom = land_geometry(land, crs)
    compiled = compile_graph(G, weight) if compiled is None else compiled
    key = (
        float(cell_m),
        _land_key(land_geom),
        k,
        float(max_offnet_m),
        tuple(modes) if modes is not None else None,
        weight,
    )
    per_graph = _SAMPLERS.setdefault(compiled, {})
    if key not in per_graph:
        if land_geom is not None:
            bounds = land_geom.bounds
        else:
            xs = [d["x"] for _, d in G.nodes(data=True)]
            ys = [d["y"] for _, d in G.nodes(data=True)]
            pad = max_offnet_m  # cells beside the outermost nodes are reachable too
            bounds = (min(xs) - pad, min(ys) - pad, max(xs) + pad, max(ys) + pad)
        grid = make_grid(bounds, cell_m, crs, land_geom)
        per_graph[key] = cell_sampler(
            G, grid, k=k, max_offnet_m=max_offnet_m, modes=modes, weight=weight
        )
    return per_graph[key], land_geom


def travel_time_raster(
    G: nx.Graph,
    facilities: Sequence[Hashable],
    path: str | Path | None = None,
    *,
    cell_m: float = DEFAULT_CELL_M,
    land: object = None,
    offnet_speed_kph: float = DEFAULT_OFFNET_SPEED_KPH,
    max_offnet_m: float = DEFAULT_MAX_OFFNET_M,
    direction: str = "to",
    k: int = DEFAULT_K,
    weight: str = DEFAULT_WEIGHT,
) -> tuple[np.ndarray, Grid]:
    """Minutes to the nearest of ``facilities`` for every cell, optionally as a GeoTIFF.

    Parameters
    ----------
    facilities
        Facility node ids.
    path
        Write a single-band float32 GeoTIFF here (analysis CRS; nodata = -9999 outside
        the land polygon and for land cells farther than ``max_offnet_m`` from the
        network or unable to reach a facility, which are ``inf`` in the returned image;
        see :func:`write_geotiff`).
    cell_m
        Cell size in metres (default 250).
    land
        Land polygon (default: the city boundary, :func:`jmgis.admin.load_city`);
        ``False`` for the graph's bounding box.
    offnet_speed_kph
        Speed of the straight-line leg between the cell centre and the network (km/h,
        default 15).
    max_offnet_m
        Longest off-network leg (metres, default 10 km:
        :data:`jmgis.routing.snap.DEFAULT_MAX_OFFNET_M`).
    direction
        ``"to"`` the facility (default) or ``"from"`` it.
    G : networkx.Graph
        Graph with node ``x``/``y`` (metres) and ``G.graph["crs"]``.
    weight : str
        Edge attribute used as travel cost (seconds).
    k : int
        Sampling: network points each cell looks at (its ``k`` nearest; see
        :func:`jmgis.access.isochrones`).

    Returns
    -------
    (image, grid)
        ``height × width`` float32 minutes and the grid (transform, CRS, mask).
    """
    sampler, _ = grid_and_sampler(
        G, cell_m=cell_m, land=land, max_offnet_m=max_offnet_m, k=k, weight=weight
    )
    grid = sampler.grid
    nearest = nearest_facility(G, facilities, direction=direction, weight=weight)
    index = {n: i for i, n in enumerate(G.nodes)}
    own = [index[f] for f in facilities if f in index]  # the facilities' own straight legs
    minutes = sampler.cell_times(nearest.time_s, offnet_speed_kph, direct=own) / 60.0
    image = grid.to_image(minutes)
    if path is not None:
        write_geotiff(image, grid, path, description="分钟")  # QGIS legend: "Band 1: 分钟"
    return image, grid


def write_geotiff(image: np.ndarray, grid: Grid, path: str | Path, description: str = "") -> Path:
    """Write a float32 single-band GeoTIFF (deflate) with nodata -9999 and finite statistics.

    Unreachable cells (``inf`` in ``image``) are written as nodata too, so that GIS
    software computes finite minimum, maximum and mean (10,000 ``inf`` cells made QGIS's
    statistics infinite and drew the raster black); their count is kept in the
    ``unreachable_cells`` tag.  The band's ``STATISTICS_*`` metadata holds the statistics
    of the finite cells, in minutes.

    Parameters
    ----------
    image
        ``height × width`` minutes; :data:`NODATA` outside the land, ``inf`` unreachable.
    grid
        The grid of ``image`` (transform, CRS).
    path
        The GeoTIFF to write (atomically).
    description
        The band description.

    Returns
    -------
    Path
        ``path``.
    """
    import rasterio

    from jmgis.atomic import atomic_path

    path = Path(path)
    data = np.asarray(image, dtype=np.float32).copy()
    unreachable = np.isinf(data) | np.isnan(data)
    data[unreachable] = NODATA
    valid = data[data != NODATA]
    with (
        atomic_path(path) as tmp,
        rasterio.open(
            tmp,
            "w",
            driver="GTiff",
            height=grid.height,
            width=grid.width,
            count=1,
            dtype="float32",
            crs=grid.crs,
            transform=grid.transform,
            nodata=NODATA,
            compress="deflate",
        ) as dst,
    ):
        dst.write(data, 1)
        dst.set_band_description(1, description)
        dst.update_tags(
            units="minutes",
            unreachable="nodata",
            unreachable_cells=str(int(unreachable.sum())),
            nodata="outside the land polygon or unreachable",
        )
        if valid.size:
            dst.update_tags(
                1,
                STATISTICS_MINIMUM=repr(float(valid.min())),
                STATISTICS_MAXIMUM=repr(float(valid.max())),
                STATISTICS_MEAN=repr(float(valid.mean())),
                STATISTICS_STDDEV=repr(float(valid.std())),
                STATISTICS_VALID_PERCENT=repr(100.0 * valid.size / data.size),
            )
    return path
