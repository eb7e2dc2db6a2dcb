"""Screenshots of the maps for the README: docs/img/<kind>.png (small PNGs).

Usage::

    python scripts/screenshots.py [--maps-dir DIR] [--out docs/img] [KIND ...]

Each map is built from the bundled data (``jmgis map KIND``) unless ``--maps-dir`` holds
the HTML files already (e.g. from ``jmgis build``); a map the build cannot make is skipped
with a message.  Chromium runs headless with the network blocked, so the pictures show
exactly what a planner sees offline.  Needs the Debian packages chromium, chromium-driver
and a CJK font (fonts-wqy-microhei or fonts-noto-cjk).
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


def _shrink(path: Path, colours: int = 256) -> None:
    """Quantise to a palette PNG (≈ 3× smaller) with Pillow (a matplotlib dependency)."""
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
                    if not _build(kind, html):
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
