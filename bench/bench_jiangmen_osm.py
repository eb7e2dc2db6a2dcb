"""Benchmark (issue 13, item 6): a generated OSM file the size of Jiangmen's real road
network runs the whole chain (``jmgis build --network FILE``).

Run from a checkout:  python bench/bench_jiangmen_osm.py [--spacing-m 315] [--pbf]
                      [--years 2020,2025,2035] [--out DIR] [--keep]

Size.  Jiangmen's drivable OpenStreetMap network is taken to be on the order of
100,000–200,000 nodes after simplification (an estimate, not a count: nothing is
downloaded here); the default ``--spacing-m 315`` gives ≈ 150,000 nodes after cleaning —
the middle of that range, ≈ 15 junctions per km² over the city and its 10 km buffer
(16,400 km²) — and ≈ 480,000 nodes in the file (one shape vertex between junctions).

The file is :func:`tests.owndata_fixtures.city_osm` (seed 42, deterministic): a jittered
grid of residential/tertiary/secondary/primary lines with missing and one-way residential
segments, plus the plan's existing expressways as dual-carriageway motorways with
interchanges, its national and urban routes as trunk and its provincial routes as
secondary roads, each with its ``ref`` (G15, S32, G325 …) or name (江门大道, 五邑路) so the
plan matching engages.  Nothing in it is a real road.

The script then runs ``python -m jmgis --no-cache build --network FILE --out DIR`` as a
subprocess and prints its wall and CPU time, its peak resident memory
(``resource.getrusage(RUSAGE_CHILDREN)``), the step times it logged, the base network
after cleaning (nodes, edges, what was dropped), the plan-matching lines, and what it
wrote: the GeoPackage's layers (with the row counts of the network and access layers),
the maps and the report, from ``manifest.json``.  Exit status: the build's.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # a clean checkout

from tests.owndata_fixtures import city_osm  # noqa: E402

#: GeoPackage layers whose row counts are printed.
COUNTED = (
    "base_network_node",
    "base_network_edge",
    "network_match",
    "network_node",
    "network_edge",
    "access_township",
    "access_township_map",
    "access_change",
    "isochrone",
)


def _rusage() -> tuple[float, float]:
    """CPU seconds (user + system) and peak RSS (MiB) of the finished child processes."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime, r.ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spacing-m", type=float, default=315.0,
                        help="grid spacing in metres (315: ≈ 150,000 nodes after cleaning)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--pbf", action="store_true",
                        help="write an .osm.pbf (needs pyosmium) instead of OSM XML")
    parser.add_argument("--years", default=None, help="passed to jmgis build --years")
    parser.add_argument("--out", type=Path, default=None,
                        help="folder for the file and the build (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()

    temporary = args.out is None
    if temporary:
        folder = Path(tempfile.mkdtemp(prefix="jmgis-bench-osm-"))
    else:
        folder = args.out
        folder.mkdir(parents=True, exist_ok=True)
    network = folder / ("jiangmen_generated.osm.pbf" if args.pbf else "jiangmen_generated.osm")
    out = folder / "build"

    t0 = time.perf_counter()
    counts = city_osm(network, args.spacing_m, seed=args.seed)
    print(f"generated {network.name}: {counts['nodes']:,} nodes, {counts['ways']:,} ways, "
          f"{network.stat().st_size / 2**20:.0f} MiB in {time.perf_counter() - t0:.1f} s "
          f"(seed {args.seed}, spacing {args.spacing_m:g} m)")
    print("  ways by highway: " + ", ".join(
        f"{k[5:]} {v:,}" for k, v in sorted(counts.items()) if k.startswith("ways_")))

    cmd = [sys.executable, "-m", "jmgis", "--no-cache", "build", "--network", str(network),
           "--out", str(out)]
    if args.years:
        cmd += ["--years", args.years]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cpu0, _ = _rusage()
    t0 = time.perf_counter()
    run = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=folder)
    wall = time.perf_counter() - t0
    cpu1, peak = _rusage()
    (folder / "build.log").write_text(run.stderr, encoding="utf-8")
    print(f"\n$ jmgis --no-cache build --network {network.name} --out build"
          + (f" --years {args.years}" if args.years else ""))
    print(f"exit {run.returncode}; wall {wall:.1f} s, CPU {cpu1 - cpu0:.1f} s, "
          f"peak RSS {peak:,.0f} MiB (log: {folder / 'build.log'})")
    if run.returncode != 0:
        print(run.stderr[-3000:])
        return run.returncode

    lines = run.stderr.splitlines()
    report = next((ln for ln in lines if ln.startswith("base network ")), "")
    kept = re.search(r"kept (\d+) nodes, (\d+) edges, ([\d.]+) km", report)
    if kept:
        print(f"base network after cleaning: {int(kept[1]):,} nodes, {int(kept[2]):,} "
              f"directed edges, {float(kept[3]):,.0f} km")
    print("  " + report)
    seen = set()
    for ln in lines:
        if ln.startswith("plan roads on the base network") and ln not in seen:
            seen.add(ln)
            print("  " + (ln if len(ln) < 160 else ln[:157] + "…"))
    steps = [m for ln in lines if (m := re.match(r"\s+(\w+)\s+([\d.]+) s$", ln))]
    print("steps: " + ", ".join(f"{m[1]} {float(m[2]):.1f} s" for m in steps))

    import pyogrio

    gpkg = out / "jiangmen.gpkg"
    layers = [str(name) for name, _ in pyogrio.list_layers(gpkg)]
    print(f"\n{gpkg.name}: {len(layers)} layers, {gpkg.stat().st_size / 2**20:.0f} MiB")
    for name in COUNTED:
        if name in layers:
            print(f"  {name:22s} {pyogrio.read_info(gpkg, layer=name)['features']:>9,} rows")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    files = [f["path"] for f in manifest["files"]]
    for kind, test in (("maps", "maps/"), ("report", "report/"), ("rasters", ".tif")):
        chosen = [f for f in files if test in f]
        print(f"  {kind}: {len(chosen)} files — " + ", ".join(
            Path(f).name for f in chosen[:8]) + (" …" if len(chosen) > 8 else ""))
    print(f"  manifest: {len(files)} files")
    if temporary and not args.keep:
        shutil.rmtree(folder)
    elif temporary:
        print(f"kept {folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
