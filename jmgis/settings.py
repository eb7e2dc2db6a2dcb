"""Every knob of jmgis in one frozen object, :class:`Settings`.

Where a value comes from, lowest priority first:

1. the defaults below;
2. the project file ``jmgis.toml`` in the working folder (or the file passed as
   ``project=``), a ``[jmgis]`` table with the field names below, paths relative to the
   file's folder::

       [jmgis]
       years = [2020, 2030]
       townships = "边界/乡镇界线.shp"
       out_dir = "成果"

3. the documented environment overrides (:data:`ENVIRONMENT`) — this module is the only
   place jmgis reads the environment;
4. explicit arguments: command-line options (``--data``, ``--years``, ``--townships``,
   ``--out`` …) or keyword arguments of :meth:`Settings.load` / :meth:`Settings.replace`.

Settings are passed explicitly: ``jmgis.build(settings)`` runs the whole chain with them.
Code that reads the bundled data without being handed a location (the loaders of
:mod:`jmgis.admin`, :mod:`jmgis.catalog`, :mod:`jmgis.transport`) reads it from
:func:`current`, which is the settings made active with :func:`use` (the build and the
command line do that) or, outside such a block, ``Settings.load()``.

The fields
----------
data_dir : Path
    The bundled data (``data/`` of the checkout).
seeds_dir : Path or None
    The plan documents (``../shared/seeds`` beside the checkout); only the source check and
    ``jmgis explain`` need them.
years : tuple of int
    Scenario years, each in 2020–2035 (default 2020, 2025, 2035).
analysis_crs : str
    The metric CRS of analysis (default ``EPSG:4547``, CGCS2000 / 3-degree Gauss–Krüger CM
    114°E).
townships : Path or None
    Township boundaries to use instead of the bundled schematic polygons.
townships_layer : str or None
    The layer of ``townships`` when the file has several.
townships_encoding : str or None
    The attribute encoding of ``townships`` when the file declares none (e.g. ``GBK``).
network : Path or None
    The user's road network (OSM file or line layers) instead of the bundled one.  A list
    (``network = ["roads.gpkg", "county.shp"]`` in ``jmgis.toml``) is split: the first
    path here, the others in ``network_more``.
network_more : tuple of Path
    Further line layers of the user's network, joined to ``network`` (a line layer too).
network_class_field : str or None
    The field of a line-layer ``network`` holding the road class (default ``road_class``).
network_class_map : Path or None
    A YAML file mapping the user's class values to jmgis road classes (``省道: provincial``).
network_speed_field : str or None
    A field of the line layer with a per-feature speed (km/h), overriding the class speed.
network_oneway_field : str or None
    A field of the line layer flagging one-way links (``yes``/``1``/``-1``).
network_buffer_m : float
    The user's network is clipped to the city plus this buffer (metres, default 10 000).
speeds : Path or None
    An operating-speed table (YAML/CSV) overriding the defaults of :mod:`jmgis.speeds`.
population : Path or None
    A township population table or raster (default: the bundled census table).
facilities : Path or None
    The user's facilities (CSV or point layer) for the access measures.
out_dir : Path
    Where ``jmgis build`` writes the GeoPackage, rasters and report (default ``out``).
maps_dir : Path or None
    Where the maps go (default ``maps/`` beside ``out/``, or ``<out_dir>/maps`` when
    ``out_dir`` was chosen).
cache_dir : Path
    Derived results kept between runs (``~/.cache/jmgis``; see :mod:`jmgis.cache`).
use_cache : bool
    Reuse and keep derived results (compiled graphs) in ``cache_dir`` (default ``True``;
    ``jmgis --no-cache`` turns it off for one run).
offline : bool
    Never fetch the pinned Leaflet assets with npm (use only the cache).
basemap : str
    Basemap of the maps (:data:`jmgis.vocab.BASEMAPS`).
tianditu_key : str or None
    Key of the 天地图 tiles (never written into an output's manifest).
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import os
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jmgis.errors import DataError, JmgisError
from jmgis.vocab import BASEMAPS, DEFAULT_YEARS, parse_years

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent
PROJECT_FILE = "jmgis.toml"
DEFAULT_ANALYSIS_CRS = "EPSG:4547"

#: The environment overrides: variable → (field, meaning).  Read only by :func:`from_environ`.
ENVIRONMENT: dict[str, tuple[str, str]] = {
    "JMGIS_DATA_DIR": ("data_dir", "the bundled data folder"),
    "JMGIS_SEEDS_DIR": ("seeds_dir", "the plan documents"),
    "JMGIS_OUT_DIR": ("out_dir", "the output folder of jmgis build"),
    "JMGIS_ANALYSIS_CRS": ("analysis_crs", "the analysis CRS"),
    "JMGIS_TOWNSHIP_BOUNDARIES": ("townships", "township boundaries instead of the schematic"),
    "JMGIS_TOWNSHIP_LAYER": ("townships_layer", "the layer of the township boundaries file"),
    "JMGIS_TOWNSHIP_ENCODING": ("townships_encoding", "the encoding of that file"),
    "JMGIS_CACHE_DIR": ("cache_dir", "the cache folder"),
    "JMGIS_ASSET_CACHE": ("asset_cache_dir", "where the Leaflet tarballs are cached"),
    "JMGIS_OFFLINE": ("offline", "1: never fetch assets with npm"),
    "JMGIS_TIANDITU_KEY": ("tianditu_key", "key of the 天地图 basemap"),
    "SOURCE_DATE_EPOCH": ("source_date_epoch", "fixed timestamp for reproducible outputs"),
}

_PATH_FIELDS = (
    "data_dir",
    "seeds_dir",
    "townships",
    "network",
    "network_class_map",
    "speeds",
    "population",
    "facilities",
    "out_dir",
    "maps_dir",
    "cache_dir",
    "asset_cache_dir",
)
_SECRET_FIELDS = ("tianditu_key",)


def _default_seeds() -> Path | None:
    candidate = REPO_ROOT.parent / "shared" / "seeds"
    return candidate if candidate.is_dir() else None


def _default_cache() -> Path:
    return Path.home() / ".cache" / "jmgis"


@dataclass(frozen=True)
class Settings:
    """Every setting of a jmgis run (see the module docstring for each field)."""

    data_dir: Path = field(default_factory=lambda: REPO_ROOT / "data")
    seeds_dir: Path | None = field(default_factory=_default_seeds)
    years: tuple[int, ...] = DEFAULT_YEARS
    analysis_crs: str = DEFAULT_ANALYSIS_CRS
    townships: Path | None = None
    townships_layer: str | None = None
    townships_encoding: str | None = None
    network: Path | None = None
    network_more: tuple[Path, ...] = ()
    network_class_field: str | None = None
    network_class_map: Path | None = None
    network_speed_field: str | None = None
    network_oneway_field: str | None = None
    network_buffer_m: float = 10_000.0
    speeds: Path | None = None
    population: Path | None = None
    facilities: Path | None = None
    out_dir: Path = Path("out")
    maps_dir: Path | None = None
    cache_dir: Path = field(default_factory=_default_cache)
    use_cache: bool = True
    asset_cache_dir: Path | None = None
    offline: bool = False
    basemap: str = "none"
    tianditu_key: str | None = field(default=None, repr=False)
    source_date_epoch: int | None = None
    review_no: str | None = None

    def __post_init__(self) -> None:
        more = self.network_more
        more = (more,) if isinstance(more, (str, Path)) else tuple(more or ())
        if isinstance(self.network, (list, tuple)):
            first, *rest = self.network or [None]
            object.__setattr__(self, "network", first)
            more = (*rest, *more)
        object.__setattr__(self, "network_more", tuple(Path(p) for p in more))
        for name in _PATH_FIELDS:
            value = getattr(self, name)
            if value is not None and not isinstance(value, Path):
                object.__setattr__(self, name, Path(value))
        object.__setattr__(self, "years", parse_years(self.years))
        object.__setattr__(self, "analysis_crs", str(self.analysis_crs))
        try:
            buffer_m = float(self.network_buffer_m)
        except (TypeError, ValueError):
            buffer_m = float("nan")
        if not buffer_m >= 0:
            raise DataError(
                f"network_buffer_m={self.network_buffer_m!r}: expected metres >= 0",
                field="network_buffer_m",
            )
        object.__setattr__(self, "network_buffer_m", buffer_m)
        if self.basemap not in BASEMAPS:
            raise JmgisError(f"unknown basemap {self.basemap!r}; choose one of {BASEMAPS}")
        if isinstance(self.offline, str):
            object.__setattr__(self, "offline", self.offline.strip().lower() in ("1", "true"))
        if self.source_date_epoch is not None:
            raw = str(self.source_date_epoch).strip()
            if not raw.isdigit():
                raise DataError(
                    f"SOURCE_DATE_EPOCH={raw!r}: expected integer seconds since 1970",
                    field="source_date_epoch",
                )
            object.__setattr__(self, "source_date_epoch", int(raw))

    # --- derived locations ---------------------------------------------------------------

    @property
    def maps_path(self) -> Path:
        """The maps folder.

        ``maps_dir``, else ``maps/`` for the default output folder, else ``<out_dir>/maps``.
        """
        if self.maps_dir is not None:
            return self.maps_dir
        return Path("maps") if self.out_dir == Path("out") else self.out_dir / "maps"

    @property
    def assets_path(self) -> Path:
        """Where the pinned Leaflet tarballs are cached (``<cache_dir>/assets``)."""
        return self.asset_cache_dir or self.cache_dir / "assets"

    # --- making settings ---------------------------------------------------------------

    @classmethod
    def load(
        cls,
        project: str | Path | None = None,
        *,
        environ: Mapping[str, str] | None = None,
        **overrides: Any,
    ) -> Settings:
        """Defaults < project file < environment < ``overrides``.

        Parameters
        ----------
        project
            A ``jmgis.toml`` file; default: ``jmgis.toml`` in the working folder, if any.
        environ
            The environment to read the overrides from (default ``os.environ``).
        **overrides
            Field values that win over everything else (``None`` values are ignored, so a
            command line can pass its options unchanged).

        Returns
        -------
        Settings
        """
        values: dict[str, Any] = {}
        values.update(read_project_file(project))
        values.update(from_environ(os.environ if environ is None else environ))
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**_known(values, "arguments"))

    def replace(self, **changes: Any) -> Settings:
        """A copy with ``changes`` (``None`` values are ignored)."""
        return dataclasses.replace(
            self, **_known({k: v for k, v in changes.items() if v is not None}, "arguments")
        )

    def as_dict(self) -> dict[str, Any]:
        """The settings as JSON-ready values, without secrets (for manifests and logs)."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            if f.name in _SECRET_FIELDS:
                continue
            value = getattr(self, f.name)
            out[f.name] = (
                str(value) if isinstance(value, Path)
                else [str(v) if isinstance(v, Path) else v for v in value]
                if isinstance(value, tuple) else value
            )
        return out


def _known(values: Mapping[str, Any], origin: str) -> dict[str, Any]:
    names = {f.name for f in dataclasses.fields(Settings)}
    unknown = sorted(set(values) - names)
    if unknown:
        raise DataError(
            f"unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(names))}",
            file=origin,
        )
    return dict(values)


def from_environ(environ: Mapping[str, str]) -> dict[str, Any]:
    """The settings given by the environment overrides (:data:`ENVIRONMENT`).

    Parameters
    ----------
    environ
        The environment (e.g. ``os.environ``).

    Returns
    -------
    dict
        Field → value for every override that is set and not empty.
    """
    return {
        name: environ[var]
        for var, (name, _meaning) in ENVIRONMENT.items()
        if environ.get(var, "").strip()
    }


#: Set for the command line when the user has not set it (:func:`command_line_threads`).
BLAS_THREADS = {"OPENBLAS_NUM_THREADS": "1"}


def command_line_threads(environ: Any = None) -> dict[str, str]:
    """Run numpy's OpenBLAS single-threaded in a ``jmgis`` process, unless the user says.

    jmgis does no large linear algebra, but OpenBLAS starts one busy thread per core when
    numpy is imported: 0.2–0.3 CPU seconds of every short command (a ``route`` takes
    0.78 s instead of 1.02 s).  Called by :func:`jmgis.cli.main` before numpy is imported;
    a variable the user set is kept.  No effect once numpy is loaded.

    Parameters
    ----------
    environ : MutableMapping, optional
        The environment to change (default ``os.environ``).

    Returns
    -------
    dict of str to str
        The variables set.
    """
    target = os.environ if environ is None else environ
    if "numpy" in sys.modules:
        return {}
    chosen = {k: v for k, v in BLAS_THREADS.items() if not str(target.get(k, "")).strip()}
    target.update(chosen)
    return chosen


def read_project_file(project: str | Path | None = None) -> dict[str, Any]:
    """The ``[jmgis]`` table of a project file, paths made relative to its folder.

    Parameters
    ----------
    project
        The file; default ``jmgis.toml`` in the working folder (no file: no settings).

    Returns
    -------
    dict
        Field → value.

    Raises
    ------
    DataError
        When the file is given but missing, is not TOML, or names an unknown setting.
    """
    path = Path(project) if project is not None else Path.cwd() / PROJECT_FILE
    if project is None and not path.is_file():
        return {}
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        with open(path, "rb") as fh:
            document = tomllib.load(fh)
    except FileNotFoundError:
        raise DataError("project file not found", file=path) from None
    except IsADirectoryError:
        raise DataError("is a directory, not a project file", file=path) from None
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"not valid TOML: {exc}", file=path) from None
    table = document.get("jmgis", {})
    if not isinstance(table, dict):
        raise DataError("[jmgis] must be a table", file=path, field="jmgis")
    values = _known(table, str(path))
    for name in _PATH_FIELDS:
        if isinstance(values.get(name), str):
            values[name] = (path.parent / values[name]).resolve()
    for name in ("network", "network_more"):
        if isinstance(values.get(name), list):
            values[name] = [(path.parent / str(p)).resolve() for p in values[name]]
    return values


_ACTIVE: contextvars.ContextVar[Settings | None] = contextvars.ContextVar(
    "jmgis_settings", default=None
)


def current() -> Settings:
    """The settings in effect: those made active with :func:`use`, else ``Settings.load()``."""
    active = _ACTIVE.get()
    return active if active is not None else Settings.load()


@contextlib.contextmanager
def use(settings: Settings) -> Iterator[Settings]:
    """Make ``settings`` the ones in effect inside the ``with`` block.

    Parameters
    ----------
    settings
        The settings.

    Yields
    ------
    Settings
        The same settings.
    """
    token = _ACTIVE.set(settings)
    try:
        yield settings
    finally:
        _ACTIVE.reset(token)
