"""Screenshots of the maps for the README: docs/img/<kind>.png (small PNGs).

Usage::

    python scripts/screenshots.py [--maps-dir DIR] [--out docs/img] [--width 900 --height 640]

Each map is built from the bundled data (``jmgis map KIND``) unless ``--maps-dir`` holds
the HTML files already (e.g. from ``jmgis build``).  While the build has no transport or
accessibility step yet, the transport map is made from ``jmgis.transport.load.layers()``
and the accessibility maps from the network itself: minutes from every township seat to
江门站 (the HSR hub, plan 000:260) in 2020 and 2035 with ``jmgis.access.travel_time_matrix``,
isochrones and the travel-time raster from 江门站 — the caption says so.
Chromium runs headless with the network blocked, so the pictures show exactly what a
planner sees offline.  Needs the Debian packages chromium,
chromium-driver and a CJK font (fonts-wqy-microhei or fonts-noto-cjk).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
KINDS = ("zones", "plan", "transport", "access", "scenario")


def _build(kind: str, out: Path) -> bool:
    result = subprocess.run(
        [sys.executable, "-m", "jmgis", "-q", "map", kind, "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    if result.returncode != 0:
        print(f"skip {kind}: {result.stderr.strip().splitlines()[-1]}", file=sys.stderr)
        return False
    return True


HUB = "station:stn_jiangmen"
HUB_LABEL = "到江门站出行时间"


def _demo_layers(kind: str) -> dict:
    """Layers for a map the build cannot make yet (see the module docstring)."""
    import pandas as pd

    from jmgis import admin

    layers = dict(admin.layers())
    if kind == "transport":
        from jmgis.transport.load import layers as transport_layers

        layers.update(transport_layers())
        return layers
    from jmgis.access import isochrones, travel_time_matrix
    from jmgis.access.raster import travel_time_raster
    from jmgis.network import build_graph

    rows = []
    for year in (2020, 2035):
        graph = build_graph(year)
        seats = [f"seat:{code}" for code in layers["township"]["code"]]
        minutes = travel_time_matrix(graph, seats, [HUB])[:, 0] / 60.0
        rows += [
            {
                "code": s.split(":", 1)[1],
                "year": year,
                "minutes": float(t),
                "source": "jmgis network",
            }
            for s, t in zip(seats, minutes, strict=True)
        ]
    layers["access_township"] = pd.DataFrame(rows)
    if kind == "access":
        iso = isochrones(graph, [HUB], (15, 30, 45, 60, 90))
        iso["year"] = 2035
        layers["isochrone"] = iso
        layers["access_raster"] = travel_time_raster(graph, [HUB], direction="from")
    return layers


def _build_demo(kind: str, out: Path) -> bool:
    from jmgis import maps

    try:
        layers = _demo_layers(kind)
    except Exception as exc:  # a missing subsystem: report and skip this picture
        print(f"skip {kind}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return False
    if kind == "transport":
        m = maps.transport_map(layers)
    elif kind == "access":
        m = maps.access_map(
            layers,
            label=HUB_LABEL,
            raster=layers["access_raster"],
            title="江门市乡镇到江门站出行时间（2035年）",
        )
    else:
        m = maps.scenario_map(layers, title="江门市乡镇到江门站出行时间变化（2020→2035年）")
    maps.save(m, out)
    print(f"{kind}: built from the bundled layers directly (demo, see docstring)")
    return True


def _shrink(path: Path, colours: int = 256) -> None:
    """Quantise to a palette PNG (≈ 4× smaller) with matplotlib's bundled Pillow, if any."""
    try:
        from PIL import Image
    except ImportError:
        return
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=colours, method=Image.Quantize.MEDIANCUT)
        small.save(path, optimize=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--maps-dir", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "img")
    parser.add_argument("--width", type=int, default=960)
    parser.add_argument("--height", type=int, default=680)
    parser.add_argument("kinds", nargs="*", default=list(KINDS))
    args = parser.parse_args(argv)

    sys.path.insert(0, str(REPO))
    from tests.clients import OfflineBrowser

    args.out.mkdir(parents=True, exist_ok=True)
    browser = OfflineBrowser(args.width, args.height)
    try:
        with tempfile.TemporaryDirectory(prefix="jmgis-shots-") as tmp:
            for kind in args.kinds:
                html = (
                    (args.maps_dir / f"{kind}.html")
                    if args.maps_dir
                    else Path(tmp) / f"{kind}.html"
                )
                if not html.exists():
                    if args.maps_dir:
                        continue
                    if not _build(kind, html) and not _build_demo(kind, html):
                        continue
                report = browser.open(html)
                if report.console_errors or report.failed_requests or report.external_requests:
                    print(f"{kind}: {report}", file=sys.stderr)
                    return 1
                target = args.out / f"{kind}.png"
                browser.driver.save_screenshot(str(target))
                _shrink(target)
                print(f"wrote {target} ({target.stat().st_size // 1024} kB)")
    finally:
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
