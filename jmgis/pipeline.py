"""``jmgis build``: the whole chain, step by step, with timings.

Each step is a function ``step(ctx)`` that adds layers to ``ctx.layers`` and/or writes
files (recorded in ``ctx.written``).  Steps run in the order of :data:`STEPS`; the
GeoPackage is written by the ``gpkg`` step from everything the earlier steps produced.
The settings (:class:`jmgis.settings.Settings`) travel in ``ctx.settings``; later steps
take the layers earlier steps made (the townships are loaded once, by ``admin``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from jmgis.settings import Settings, use

log = logging.getLogger(__name__)


@dataclass
class BuildContext:
    """State shared by the build steps: the settings, the layers made so far, the files
    written and each step's time (seconds)."""

    settings: Settings = field(default_factory=Settings.load)
    layers: dict[str, pd.DataFrame] = field(default_factory=dict)
    written: list[Path] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def out_dir(self) -> Path:
        """The output folder (``settings.out_dir``)."""
        return self.settings.out_dir

    @property
    def maps_dir(self) -> Path:
        """The maps folder (``settings.maps_path``)."""
        return self.settings.maps_path

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
    **overrides: Any,
) -> BuildContext:
    """Run the build: everything ``jmgis build`` does, from Python.

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
    **overrides
        Settings fields to change (``years=(2020, 2030)``, ``townships="x.shp"``,
        ``out_dir="out2"`` …).

    Returns
    -------
    BuildContext
        The layers made, the files written and the timings.

    Examples
    --------
    >>> import jmgis as jm
    >>> ctx = jm.build(years=(2020, 2030), out_dir="out2")  # doctest: +SKIP
    """
    ctx = BuildContext(settings=_settings(settings, maps_dir, overrides))
    with use(ctx.settings):
        for name, step in steps or STEPS:
            start = time.perf_counter()
            step(ctx)
            ctx.timings[name] = time.perf_counter() - start
            if progress:
                progress(name, ctx.timings[name])
    return ctx


def build_layers(settings: Settings | None = None) -> dict[str, pd.DataFrame]:
    """The layers of the GeoPackage, built in memory (the steps before ``gpkg``).

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
    ctx = build(settings, steps=STEPS[: names.index("gpkg")])
    return ctx.layers
