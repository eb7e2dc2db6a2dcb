"""Fresh-process timings of the jmgis commands against the targets of issue 16, and sparse
OD pairs beside pandana in the same run.

Each command runs ``--runs`` times in a new ``python -m jmgis`` process; the figures are
the CPU seconds (user + system of the child, from ``os.wait4``) and wall seconds, min and
median.  Commands that read the persistent cache are first run once to fill it (a cache in
a scratch folder, so the user's cache is untouched; the Leaflet assets are taken from the
usual asset cache).  Outputs go to a scratch folder.

The sparse-OD part generates the ≈155k-node synthetic network of ``bench_osm_scale.py``
(``tests.synthetic.road_network``, seed 42), draws 500 random pairs and times, in this
process: the full one-to-all Dijkstra per origin (what ``travel_time_matrix`` costs), the
target-stopping query, the contraction hierarchy (``routingkit-cch``, preprocessing
reported apart), and pandana's contraction hierarchies (``pip install pandana``) on the
same edges.  All answers are compared with the Dijkstra ones.

    python bench/bench_cli.py                 # everything (a few minutes)
    python bench/bench_cli.py --only cli      # the commands only
    python bench/bench_cli.py --only od       # sparse OD only
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: (label, arguments, target CPU seconds, needs a warm cache)
COMMANDS = [
    ("jmgis --help", ["--help"], 0.3, False),
    (
        "jmgis route 台城街道 沙坪街道 --year 2025 (second run)",
        ["route", "台城街道", "沙坪街道", "--year", "2025"],
        1.0,
        True,
    ),
    ("jmgis build", ["build", "--out", "{out}/build"], 8.0, True),
    (
        "jmgis report --year 2025 --compare 2020 (after a build)",
        ["report", "--year", "2025", "--compare", "2020", "--out", "{out}/report"],
        3.0,
        True,
    ),
    (
        "jmgis map access --year 2025",
        ["map", "access", "--year", "2025", "--out", "{out}/access.html"],
        2.0,
        True,
    ),
]


def run_once(args: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, int]:
    """(CPU s of the child, wall s, exit status) of ``python -m jmgis ARGS``."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "jmgis", "-q", *args],
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode != 0:
        print(f"    exit {proc.returncode}: {err.strip()[:300]}")
    return usage.ru_utime + usage.ru_stime, wall, proc.returncode


def bench_cli(runs: int) -> list[tuple[str, float, float, float, float, float]]:
    from jmgis.settings import Settings

    rows = []
    with tempfile.TemporaryDirectory(prefix="jmgis-bench-") as tmp:
        scratch = Path(tmp)
        env = dict(os.environ)
        env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
        env["JMGIS_CACHE_DIR"] = str(scratch / "cache")
        env.setdefault("JMGIS_ASSET_CACHE", str(Settings.load().assets_path))
        env["JMGIS_OUT_DIR"] = str(scratch / "out")
        print(
            f"{'command':<58} {'1st run':>8} {'CPU min':>8} {'CPU med':>8} {'wall min':>9} "
            f"{'wall med':>9} {'target':>7}"
        )
        for label, args, target, warm in COMMANDS:
            args = [a.replace("{out}", str(scratch)) for a in args]
            first = float("nan")
            if warm:
                # fills the cache; printed as "1st run" (for report: its first run after
                # the build above, the build's steps cached, its own maps and charts not)
                first = run_once(args, env, scratch)[0]
            cpu, wall = [], []
            for _ in range(runs):
                c, w, _status = run_once(args, env, scratch)
                cpu.append(c)
                wall.append(w)
            row = (
                label,
                min(cpu),
                statistics.median(cpu),
                min(wall),
                statistics.median(wall),
                target,
            )
            rows.append(row)
            mark = "ok" if row[1] <= target else "MISSED"
            print(
                f"{label:<58} {first:8.2f} {row[1]:8.2f} {row[2]:8.2f} {row[3]:9.2f} "
                f"{row[4]:9.2f} {target:7.1f} {mark}"
            )
    return rows


def max_diff(got: np.ndarray, ref: np.ndarray) -> str:
    """Largest |difference| over pairs reachable in both, and whether unreachability agrees."""
    same = np.array_equal(np.isinf(got), np.isinf(ref))
    finite = np.isfinite(got) & np.isfinite(ref)
    worst = float(np.max(np.abs(got[finite] - ref[finite]))) if finite.any() else 0.0
    return f"max |Δ| {worst:.2g} s" + ("" if same else " (UNREACHABLE PAIRS DIFFER)")


def _cpu(fn):
    start = time.process_time()
    out = fn()
    return time.process_time() - start, out


def bench_od(pairs: int, n_side: int) -> None:
    from jmgis.routing import sparse
    from jmgis.routing.engine import compile_arrays
    from tests.synthetic import road_network

    arrays = road_network(n_side, as_arrays=True)
    n = len(arrays["x"])
    cg = compile_arrays(arrays["u"], arrays["v"], arrays["travel_time_s"], n)
    xy = np.c_[arrays["x"], arrays["y"]]
    rng = np.random.default_rng(0)
    o = rng.integers(0, n, pairs)
    d = rng.integers(0, n, pairs)
    print(
        f"\nsparse OD: {pairs} random pairs, {n:,} nodes, {len(arrays['u']):,} edges "
        "(CPU seconds of this process)"
    )
    # the usual OD shape as well: few origins, many destinations each (10 × 50)
    o2 = np.repeat(rng.integers(0, n, 10), pairs // 10)
    d2 = rng.integers(0, n, len(o2))
    t_dij, ref = _cpu(lambda: sparse.pair_times(cg, o, d, method="dijkstra"))
    ref2 = sparse.pair_times(cg, o2, d2, method="dijkstra")
    print(f"  one-to-all Dijkstra per origin    query {t_dij:8.3f}")
    t_tgt, tgt = _cpu(lambda: sparse.pair_times(cg, o, d, method="target"))
    print(f"  target-stopping Dijkstra          query {t_tgt:8.3f}   {max_diff(tgt, ref)}")
    t_ch = None
    if sparse.ch_available():
        t_prep, _ = _cpu(lambda: sparse.contraction_hierarchy(cg, xy=xy))
        t_ch, got = _cpu(lambda: sparse.pair_times(cg, o, d, method="ch"))
        print(
            f"  jmgis CH (routingkit-cch)         query {t_ch:8.3f}   "
            f"preprocessing {t_prep:.2f}   {max_diff(got, ref)}   "
            f"×{t_dij / t_ch:.0f} vs Dijkstra"
        )
        t_ch2, got2 = _cpu(lambda: sparse.pair_times(cg, o2, d2, method="ch"))
        print(
            f"  jmgis CH, 10 origins × {len(o2) // 10} dest.  query {t_ch2:8.3f}   "
            f"{max_diff(got2, ref2)}"
        )
    else:
        print("  jmgis CH: routingkit-cch not installed (pip install jmgis[fast])")
    try:
        import pandana
        import pandas as pd
    except ImportError:
        print("  pandana: not installed (pip install jmgis[bench])")
        return
    nodes = pd.DataFrame({"x": arrays["x"], "y": arrays["y"]}, index=np.arange(n))
    edges = pd.DataFrame({"from": arrays["u"], "to": arrays["v"], "w": arrays["travel_time_s"]})

    def prepare():
        return pandana.Network(
            nodes["x"], nodes["y"], edges["from"], edges["to"], edges[["w"]], twoway=False
        )

    t_pprep, net = _cpu(prepare)
    t_pq, pgot = _cpu(lambda: np.asarray(net.shortest_path_lengths(o, d, imp_name="w")))
    pgot = np.where(pgot >= 4294967.0, np.inf, pgot)  # pandana's "no path": uint32 max / 1000
    print(
        f"  pandana CH                        query {t_pq:8.3f}   preprocessing "
        f"{t_pprep:.2f}   {max_diff(pgot, ref)}"
    )
    t_pq2, pgot2 = _cpu(lambda: np.asarray(net.shortest_path_lengths(o2, d2, imp_name="w")))
    pgot2 = np.where(pgot2 >= 4294967.0, np.inf, pgot2)
    print(
        f"  pandana CH, 10 origins × {len(o2) // 10} dest. query {t_pq2:8.3f}   "
        f"{max_diff(pgot2, ref2)}"
    )
    if t_ch is not None:
        for what, mine, theirs in (("random pairs", t_ch, t_pq), ("10 origins", t_ch2, t_pq2)):
            verdict = "no slower" if mine <= theirs else "SLOWER"
            print(f"  jmgis CH / pandana query time, {what}: {mine / theirs:.2f} ({verdict})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", choices=("cli", "od"), default=None)
    parser.add_argument("--pairs", type=int, default=500)
    parser.add_argument("--n-side", type=int, default=390)
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    if args.only in (None, "cli"):
        bench_cli(args.runs)
    if args.only in (None, "od"):
        bench_od(args.pairs, args.n_side)


if __name__ == "__main__":
    main()
