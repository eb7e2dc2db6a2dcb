"""``jmgis build``: the whole chain, step by step, with timings.

Each step is a function ``step(ctx)`` that adds layers to ``ctx.layers`` and/or writes
files (recorded in ``ctx.written``).  Steps run in the order of :data:`STEPS`; the
GeoPackage is written by the ``gpkg`` step from everything the earlier steps produced.

Outputs are atomic as a set (:mod:`jmgis.atomic`): the steps write into a staging folder
inside the output folder, and only a build whose every step finished publishes its files,
``manifest.json`` last.  The output folder is checked writable and locked before the first
step; ``ctx.out_dir`` and ``ctx.maps_dir`` point into the staging folder while steps run.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from jmgis.errors import OutputError

log = logging.getLogger(__name__)


@dataclass
class BuildContext:
    """State shared by the build steps."""

    out_dir: Path
    maps_dir: Path
    years: tuple[int, ...] = (2020, 2025, 2035)
    layers: dict[str, pd.DataFrame] = field(default_factory=dict)
    written: list[Path] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def gpkg_path(self) -> Path:
        return self.out_dir / "jiangmen.gpkg"


def _step_admin(ctx: BuildContext) -> None:
    from jmgis import admin

    ctx.layers.update(admin.layers())


def _step_catalog(ctx: BuildContext) -> None:
    from jmgis import catalog

    ctx.layers.update(catalog.layers())


def _step_access(ctx: BuildContext) -> None:
    from jmgis.access.outputs import access_layers, write_rasters

    ctx.layers.update(access_layers(ctx.years))
    ctx.written.extend(write_rasters(ctx.out_dir, ctx.years))


def _step_transport(ctx: BuildContext) -> None:
    from jmgis import transport

    ctx.layers.update(transport.layers())


def _step_network(ctx: BuildContext) -> None:
    from jmgis.network.layers import layers

    ctx.layers.update(layers())


def _step_gpkg(ctx: BuildContext) -> None:
    from jmgis.io.gpkg import write_gpkg

    # Written in place in the staging folder: the qgis step adds styles and the project
    # to this file, and only the complete GeoPackage is published.
    ctx.written.append(write_gpkg(ctx.layers, ctx.gpkg_path, atomic=False))


def _step_qgis(ctx: BuildContext) -> None:
    from jmgis.io.qgis import write_qgis

    qgz = ctx.gpkg_path.with_suffix(".qgz")
    ctx.written.extend(w for w in write_qgis(ctx.gpkg_path, ctx.layers, qgz=qgz) if w == qgz)


def _step_maps(ctx: BuildContext) -> None:
    from jmgis import maps

    ctx.written.extend(maps.build_all(ctx))


def _step_report(ctx: BuildContext) -> None:
    from jmgis.report.build import build_step

    ctx.written.extend(build_step(ctx))


Step = Callable[[BuildContext], None]

STEPS: list[tuple[str, Step]] = [
    ("admin", _step_admin),
    ("catalog", _step_catalog),
    ("transport", _step_transport),
    ("network", _step_network),
    ("access", _step_access),
    ("gpkg", _step_gpkg),
    ("qgis", _step_qgis),
    ("maps", _step_maps),
    ("report", _step_report),
]


def _layout(out_dir: str | Path | None, maps_dir: str | Path | None) -> tuple[Path, Path]:
    if out_dir is None:
        return Path("out"), Path(maps_dir) if maps_dir else Path("maps")
    out = Path(out_dir)
    return out, Path(maps_dir) if maps_dir else out / "maps"


def build(
    out_dir: str | Path | None = None,
    *,
    maps_dir: str | Path | None = None,
    steps: list[tuple[str, Step]] | None = None,
    progress: Callable[[str, float], None] | None = None,
    wait: float | None = 0,
    settings: dict[str, object] | None = None,
) -> BuildContext:
    """Run the build and publish its outputs as one consistent set.

    Parameters
    ----------
    out_dir
        Where the GeoPackage (and, with ``out_dir`` given, everything else) goes.  Default:
        ``out/`` for the GeoPackage and ``maps/`` for the maps.
    maps_dir
        Override the maps directory (default ``maps/``, or ``<out_dir>/maps``).
    progress
        Called as ``progress(step_name, seconds)`` after each step.
    wait
        Seconds to wait for another build on the same folder (``0``: stop at once with
        :class:`jmgis.errors.OutputLockedError`; ``None``: wait for ever).
    settings
        Extra settings recorded in ``manifest.json`` (e.g. the townships file).

    Returns
    -------
    BuildContext
        With ``out_dir``, ``maps_dir`` and ``written`` naming the published files.
    """
    from jmgis import atomic

    out, maps_path = _layout(out_dir, maps_dir)
    # Everything goes under one root so that one staging folder holds the whole set and
    # the maps keep their relative links from the report.
    root = Path(os.path.commonpath([out.absolute(), maps_path.absolute()]))
    atomic.check_writable(out)
    atomic.check_writable(maps_path)
    manifest_dir = os.path.relpath(out.absolute(), root)
    with atomic.output_lock(root, wait=wait):
        atomic.cleanup(root, manifest_dir)
        ctx = BuildContext(out_dir=out, maps_dir=maps_path)
        info = {
            "years": list(ctx.years),
            "out": str(out),
            "maps": str(maps_path),
            "townships": os.environ.get("JMGIS_TOWNSHIP_BOUNDARIES"),
            "steps": [name for name, _ in steps or STEPS],
            **(settings or {}),
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
