"""``jmgis build``: the whole chain, step by step, with timings.

Each step is a function ``step(ctx)`` that adds layers to ``ctx.layers`` and/or writes
files (recorded in ``ctx.written``).  Steps run in the order of :data:`STEPS`; the
GeoPackage is written by the ``gpkg`` step from everything the earlier steps produced.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

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

    ctx.written.append(write_gpkg(ctx.layers, ctx.gpkg_path))


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


def build(
    out_dir: str | Path | None = None,
    *,
    maps_dir: str | Path | None = None,
    steps: list[tuple[str, Step]] | None = None,
    progress: Callable[[str, float], None] | None = None,
) -> BuildContext:
    """Run the build.

    Parameters
    ----------
    out_dir
        Where the GeoPackage (and, with ``out_dir`` given, everything else) goes.  Default:
        ``out/`` for the GeoPackage and ``maps/`` for the maps.
    maps_dir
        Override the maps directory (default ``maps/``, or ``<out_dir>/maps``).
    progress
        Called as ``progress(step_name, seconds)`` after each step.
    """
    if out_dir is None:
        out = Path("out")
        maps_path = Path(maps_dir) if maps_dir else Path("maps")
    else:
        out = Path(out_dir)
        maps_path = Path(maps_dir) if maps_dir else out / "maps"
    from jmgis.buildtime import source_date_epoch

    source_date_epoch()  # a bad SOURCE_DATE_EPOCH stops the build before any work
    ctx = BuildContext(out_dir=out, maps_dir=maps_path)
    for name, step in steps or STEPS:
        start = time.perf_counter()
        step(ctx)
        ctx.timings[name] = time.perf_counter() - start
        if progress:
            progress(name, ctx.timings[name])
    return ctx
