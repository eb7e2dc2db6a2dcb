"""``jmgis build``: the whole chain, step by step, with timings.

Each step is a function ``step(ctx)`` that adds layers to ``ctx.layers`` and/or writes
files (recorded in ``ctx.written``).  Steps run in the order of :data:`STEPS`; the
GeoPackage is written by the ``gpkg`` step from everything the earlier steps produced.
The settings (:class:`jmgis.settings.Settings`) travel in ``ctx.settings``; later steps
take the layers earlier steps made (the townships are loaded once, by ``admin``).

Outputs are atomic as a set (:mod:`jmgis.atomic`): the steps write into a staging folder
inside the output folder, and only a build whose every step finished publishes its files,
``manifest.json`` last.  The output folder is checked writable and locked before the first
step; ``ctx.out_dir`` and ``ctx.maps_dir`` point into the staging folder while steps run.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from jmgis.cache import INPUT_FILES, OUTPUT_SETTINGS  # noqa: F401 (names of step_key)
from jmgis.errors import OutputError
from jmgis.settings import Settings, use

log = logging.getLogger(__name__)


@dataclass
class BuildContext:
    """State shared by the build steps.

    The settings, the layers made so far, the files written and each step's time (seconds).
    """

    settings: Settings = field(default_factory=Settings.load)
    layers: dict[str, pd.DataFrame] = field(default_factory=dict)
    written: list[Path] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    #: Where the steps write: the settings' folders, or their copies in the staging folder
    #: while a build runs.
    out_dir: Path = None  # type: ignore[assignment]
    maps_dir: Path = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.out_dir is None:
            self.out_dir = self.settings.out_dir
        if self.maps_dir is None:
            self.maps_dir = self.settings.maps_path

    @property
    def years(self) -> tuple[int, ...]:
        """The scenario years (``settings.years``)."""
        return self.settings.years

    @property
    def gpkg_path(self) -> Path:
        """The GeoPackage written by the ``gpkg`` step."""
        return self.out_dir / "jiangmen.gpkg"


def _step_admin(ctx: BuildContext) -> None:
    from jmgis.admin.layers import layers

    ctx.layers.update(layers(settings=ctx.settings))


def _step_catalog(ctx: BuildContext) -> None:
    from jmgis import catalog

    ctx.layers.update(catalog.layers())


def _step_access(ctx: BuildContext) -> None:
    from jmgis.jiangmen.outputs import access_layers, write_rasters

    ctx.layers.update(access_layers(ctx.years, townships=ctx.layers.get("township")))
    ctx.written.extend(write_rasters(ctx.out_dir, ctx.years))


def _step_transport(ctx: BuildContext) -> None:
    from jmgis import transport

    ctx.layers.update(transport.layers())


def _step_network(ctx: BuildContext) -> None:
    from jmgis.io.qgis.network_layers import network_layers

    if ctx.settings.network is not None:
        # the user's road network replaces the bundled one (and its derived local roads)
        from jmgis.network.base_network import base_road_graph, match_layers
        from jmgis.network.base_network import network_layers as base_layers

        base = base_road_graph(ctx.settings)
        log.info("%s", base.graph["base_report"].summary())
        ctx.layers.update(base_layers(base))
        # what became of the plan's roads on it, by year (matched, added, unplaced)
        ctx.layers.update(match_layers(ctx.years, ctx.settings))
    else:
        from jmgis.network.layers import layers

        ctx.layers.update(layers())
    # the graph of every scenario year, with its travel times (QGIS layers)
    ctx.layers.update(network_layers(ctx.years, ctx.settings))


def _step_gpkg(ctx: BuildContext) -> None:
    from jmgis.io.gpkg import write_gpkg

    # Written in place in the staging folder: the qgis step adds styles and the project
    # to this file, and only the complete GeoPackage is published.
    ctx.written.append(write_gpkg(ctx.layers, ctx.gpkg_path, atomic=False))


def _step_qgis(ctx: BuildContext) -> None:
    from jmgis.io.qgis import write_qgis

    qgz = ctx.gpkg_path.with_suffix(".qgz")
    rasters = sorted(
        p for p in ctx.written if p.suffix == ".tif" and p.parent == ctx.gpkg_path.parent
    )
    written = write_qgis(
        ctx.gpkg_path, ctx.layers, qgz=qgz, rasters=rasters, review_no=ctx.settings.review_no
    )
    ctx.written.extend(w for w in written if w == qgz)


def _step_maps(ctx: BuildContext) -> None:
    from jmgis import maps

    ctx.written.extend(maps.build_all(ctx))


def _step_report(ctx: BuildContext) -> None:
    from jmgis.report.build import build_step

    ctx.written.extend(build_step(ctx))


Step = Callable[[BuildContext], None]

def step_key(
    settings: Settings, name: str, layers: dict[str, pd.DataFrame] | None = None
) -> str:
    """The cache key of build step ``name`` run with ``settings`` on ``layers``.

    :func:`jmgis.cache.derived_key` of the step name, the settings (every one except
    :data:`OUTPUT_SETTINGS`, and the contents of the files of :data:`INPUT_FILES`, with a
    shapefile's side files) and the contents of the layers the earlier steps made (a step
    may read them), with the library versions and the jmgis code.  Any change to the data,
    to a setting that matters or to an input layer gives another key, so a cached step is
    never served stale.

    Parameters
    ----------
    settings : Settings
        The settings of the build.
    name : str
        The step (``"admin"``, ``"catalog"``, ``"network"``, ``"access"``).
    layers : dict of str to DataFrame, optional
        The layers in the context when the step starts.

    Returns
    -------
    str
        Hex digest.
    """
    from jmgis import cache

    return cache.derived_key(settings, f"build_step:{name}", {"layers": dict(layers or {})})


def cached_step(name: str, step: Step) -> Step:
    """``step`` with its result kept in the persistent cache (namespace ``step``).

    The result is what the step adds to the context: the layers it added or replaced and
    the bytes of the files it wrote under ``ctx.out_dir`` (the access rasters).  The key is
    :func:`step_key` of the settings and of the layers already in the context.  On a hit
    the layers are put into ``ctx.layers`` and the files written again byte for byte
    (atomically), so later steps and the published set are the same as without the
    cache; what the step logged and warned is shown again.  A step that writes anything
    else (a folder, a file outside ``ctx.out_dir``) is not cached.

    Parameters
    ----------
    name : str
        The step's name (part of the key).
    step : callable
        ``step(ctx)``, which only reads ``ctx.settings`` and the layers of earlier
        steps (themselves functions of the settings).

    Returns
    -------
    callable
        The cached step.
    """

    def run(ctx: BuildContext) -> None:
        from jmgis import cache
        from jmgis.atomic import atomic_write_bytes

        store = cache.for_settings(ctx.settings)
        if not store.enabled:
            step(ctx)
            return
        built = []

        def make() -> dict[str, Any] | None:
            before = dict(ctx.layers)
            n_written = len(ctx.written)
            with cache.Said() as said:
                step(ctx)
            built.append(True)
            said.replay(records=False)  # its warnings were held back: issue them now
            files: dict[str, bytes] = {}
            out = Path(ctx.out_dir)
            for path in ctx.written[n_written:]:
                path = Path(path)
                if not path.is_file() or out not in path.parents:
                    return None  # not replayable: store nothing of value
                files[path.relative_to(out).as_posix()] = path.read_bytes()
            layers = {
                k: v for k, v in ctx.layers.items() if k not in before or before[k] is not v
            }
            return {"layers": layers, "files": files, "said": said.picklable()}

        key = step_key(ctx.settings, name, ctx.layers)
        result = store.get_or_build("step", key, make)
        if built:
            return  # the step ran here: ctx has its layers and files already
        if result is None:  # a step that cannot be replayed: run it
            step(ctx)
            return
        cache.Said.from_stored(result.get("said")).replay()  # the same messages as a real run
        ctx.layers.update(result["layers"])
        for rel, data in result["files"].items():
            path = Path(ctx.out_dir) / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            ctx.written.append(atomic_write_bytes(path, data))

    run.__name__ = getattr(step, "__name__", name)
    run.__doc__ = step.__doc__
    run.uncached = step  # type: ignore[attr-defined]
    return run


STEPS: list[tuple[str, Step]] = [
    ("admin", cached_step("admin", _step_admin)),
    ("catalog", cached_step("catalog", _step_catalog)),
    ("transport", _step_transport),
    ("network", cached_step("network", _step_network)),
    ("access", cached_step("access", _step_access)),
    ("gpkg", _step_gpkg),
    ("qgis", _step_qgis),
    ("maps", _step_maps),
    ("report", _step_report),
]


def _settings(
    settings: Settings | str | Path | None, maps_dir: str | Path | None, overrides: dict[str, Any]
) -> Settings:
    if isinstance(settings, (str, Path)):  # build("out") as before: the output folder
        overrides = {"out_dir": settings, **overrides}
        settings = None
    base = settings if settings is not None else Settings.load()
    return base.replace(maps_dir=maps_dir, **overrides)


def build(
    settings: Settings | str | Path | None = None,
    *,
    maps_dir: str | Path | None = None,
    steps: list[tuple[str, Step]] | None = None,
    progress: Callable[[str, float], None] | None = None,
    wait: float | None = 0,
    **overrides: Any,
) -> BuildContext:
    """Run the build and publish its outputs as one consistent set.

    Everything ``jmgis build`` does, from Python.

    Parameters
    ----------
    settings
        The settings (default ``Settings.load()``: ``jmgis.toml`` and the environment).
        A path is taken as the output folder, as in earlier versions.
    maps_dir
        Override the maps folder (default ``maps/``, or ``<out_dir>/maps``).
    steps
        The steps to run (default :data:`STEPS`).
    progress
        Called as ``progress(step_name, seconds)`` after each step.
    wait
        Seconds to wait for another build on the same folder (``0``: stop at once with
        :class:`jmgis.errors.OutputLockedError`; ``None``: wait for ever).
    **overrides
        Settings fields to change (``years=(2020, 2030)``, ``townships="x.shp"``,
        ``out_dir="out2"`` …).

    Returns
    -------
    BuildContext
        The layers made, the timings, and ``out_dir``, ``maps_dir`` and ``written``
        naming the published files.

    Examples
    --------
    >>> import jmgis as jm
    >>> ctx = jm.build(years=(2020, 2030), out_dir="out2")  # doctest: +SKIP
    """
    from jmgis import atomic

    chosen = _settings(settings, maps_dir, overrides)
    out, maps_path = chosen.out_dir, chosen.maps_path
    # Everything goes under one root so that one staging folder holds the whole set and
    # the maps keep their relative links from the report.
    root = Path(os.path.commonpath([out.absolute(), maps_path.absolute()]))
    atomic.check_writable(out)
    atomic.check_writable(maps_path)
    manifest_dir = os.path.relpath(out.absolute(), root)
    with use(chosen), atomic.output_lock(root, wait=wait):
        atomic.cleanup(root, manifest_dir)
        ctx = BuildContext(settings=chosen)
        info = {
            **chosen.as_dict(),
            # relative to the folder of the set, so the manifest does not depend on where
            # the set was built
            "out_dir": Path(os.path.relpath(out.absolute(), root)).as_posix(),
            "maps_dir": Path(os.path.relpath(maps_path.absolute(), root)).as_posix(),
            "steps": [name for name, _ in steps or STEPS],
        }
        with atomic.Staging(root, info, manifest_dir=manifest_dir) as stage:
            ctx.out_dir = stage.path / manifest_dir
            ctx.maps_dir = stage.path / os.path.relpath(maps_path.absolute(), root)
            try:
                for name, step in steps or STEPS:
                    start = time.perf_counter()
                    with atomic.output_errors(ctx.out_dir):
                        step(ctx)
                    ctx.timings[name] = time.perf_counter() - start
                    if progress:
                        progress(name, ctx.timings[name])
                start = time.perf_counter()
                stage.publish()
            except OutputError as exc:
                # Name the file the user asked for, not its copy in the staging folder.
                final = exc.path.replace(str(stage.path), str(root), 1)
                raise OutputError(final, exc.reason, errno=exc.errno) from exc
            ctx.timings["publish"] = time.perf_counter() - start
            ctx.written = [root / Path(p).relative_to(stage.path) for p in ctx.written]
        ctx.out_dir, ctx.maps_dir = out, maps_path
    return ctx


def build_layers(settings: Settings | None = None) -> dict[str, pd.DataFrame]:
    """The layers of the GeoPackage.

    Built in memory (the steps before ``gpkg``; their side files are discarded).

    Parameters
    ----------
    settings
        The settings (default ``Settings.load()``).

    Returns
    -------
    dict
        Layer name → frame.
    """
    names = [name for name, _ in STEPS]
    chosen = settings if settings is not None else Settings.load()
    # The steps before gpkg also write side files (rasters): into a scratch folder, so
    # that nothing of a published set is touched.
    with tempfile.TemporaryDirectory(prefix="jmgis-layers-") as tmp:
        scratch = chosen.replace(out_dir=Path(tmp) / "out", maps_dir=Path(tmp) / "maps")
        ctx = BuildContext(settings=scratch)
        with use(scratch):
            for _name, step in STEPS[: names.index("gpkg")]:
                step(ctx)
    return ctx.layers
