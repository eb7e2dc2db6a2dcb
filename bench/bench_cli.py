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
reported apart), jmgis through pandana (``method="pandana"``), ``method="auto"`` with
both hierarchies built, and pandana's own ``Network`` on the same edges (its public query,
and its C++ query alone).  Each query is the least CPU time of five calls.  All answers
are compared with the Dijkstra ones.

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
import warnings
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


def _cpu_best(fn, reps: int):
    """Least CPU seconds of ``reps`` calls (a query of 10-100 ms varies with the load)."""
    best, out = float("inf"), None
    for _ in range(reps):
        t, out = _cpu(fn)
        best = min(best, t)
    return best, out


def _no_path(x) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    return np.where(x >= 4294967.0, np.inf, x)  # pandana's "no path": uint32 max / 1000


def bench_od(pairs: int, n_side: int, reps: int = 5) -> None:
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
        f"(CPU seconds of this process; queries: least of {reps} calls)"
    )
    # the usual OD shape as well: few origins, many destinations each (10 × 50)
    o2 = np.repeat(rng.integers(0, n, 10), pairs // 10)
    d2 = rng.integers(0, n, len(o2))
    shape2 = f"10 origins × {len(o2) // 10}"
    t_dij, ref = _cpu(lambda: sparse.pair_times(cg, o, d, method="dijkstra"))
    ref2 = sparse.pair_times(cg, o2, d2, method="dijkstra")
    print(f"  {'one-to-all Dijkstra per origin':<44} query {t_dij:8.3f}")
    t_tgt, tgt = _cpu(lambda: sparse.pair_times(cg, o, d, method="target"))
    print(f"  {'target-stopping Dijkstra':<44} query {t_tgt:8.3f}   {max_diff(tgt, ref)}")
    mine: dict[str, tuple[float, float]] = {}
    for method, label, available, build in (
        ("ch", "jmgis CH (routingkit-cch)", sparse.ch_available(), sparse.contraction_hierarchy),
        ("pandana", "jmgis via pandana", sparse.pandana_available(), sparse.pandana_hierarchy),
    ):
        if not available:
            print(f"  {label}: not installed (pip install jmgis[fast])")
            continue
        t_prep, _ = _cpu(lambda build=build: build(cg, xy=xy))
        t_q, got = _cpu_best(lambda m=method: sparse.pair_times(cg, o, d, method=m), reps)
        t_q2, got2 = _cpu_best(lambda m=method: sparse.pair_times(cg, o2, d2, method=m), reps)
        mine[method] = (t_q, t_q2)
        print(
            f"  {label:<44} query {t_q:8.3f}   preprocessing {t_prep:.2f}   "
            f"{max_diff(got, ref)}   ×{t_dij / t_q:.0f} vs Dijkstra"
        )
        print(f"  {label + ', ' + shape2:<44} query {t_q2:8.3f}   {max_diff(got2, ref2)}")
    auto = None
    if mine:
        # both hierarchies built: auto picks by the shape of the pairs
        chosen = sparse.choose_method(cg, cg.positions(o), cg.positions(d))
        chosen2 = sparse.choose_method(cg, cg.positions(o2), cg.positions(d2))
        t_a, got = _cpu_best(lambda: sparse.pair_times(cg, o, d, xy=xy), reps)
        t_a2, got2 = _cpu_best(lambda: sparse.pair_times(cg, o2, d2, xy=xy), reps)
        auto = (t_a, t_a2)
        print(
            f"  {'jmgis auto (' + chosen + ')':<44} query {t_a:8.3f}   {max_diff(got, ref)}"
        )
        print(
            f"  {'jmgis auto (' + chosen2 + '), ' + shape2:<44} query {t_a2:8.3f}   "
            f"{max_diff(got2, ref2)}"
        )
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

    with sparse._quiet_native_output():  # its C++ prints progress on build
        t_pprep, net = _cpu(prepare)
    # it warns, listing them, about unconnected pairs
    warnings.filterwarnings("ignore", "Unsigned integer", UserWarning)
    t_pq, pgot = _cpu_best(lambda: _no_path(net.shortest_path_lengths(o, d, imp_name="w")), reps)
    print(
        f"  {'pandana CH (Network.shortest_path_lengths)':<44} query {t_pq:8.3f}   "
        f"preprocessing {t_pprep:.2f}   {max_diff(pgot, ref)}"
    )
    t_pq2, pgot2 = _cpu_best(
        lambda: _no_path(net.shortest_path_lengths(o2, d2, imp_name="w")), reps
    )
    print(f"  {'pandana CH, ' + shape2:<44} query {t_pq2:8.3f}   {max_diff(pgot2, ref2)}")
    # the C++ query alone, without pandana's mapping of node ids to its indexes (what
    # jmgis calls: its positions are pandana's indexes)
    oi, di = o.astype(np.int64), d.astype(np.int64)
    t_raw, _ = _cpu_best(lambda: net.net.shortest_path_distances(oi, di, 0), reps)
    print(f"  {'  of which its C++ query alone':<44} query {t_raw:8.3f}")
    if auto is not None:
        for what, mine_t, theirs in (
            ("random pairs", auto[0], t_pq),
            ("10 origins", auto[1], t_pq2),
        ):
            verdict = "no slower" if mine_t <= theirs else "SLOWER"
            print(f"  jmgis auto / pandana query time, {what}: {mine_t / theirs:.2f} ({verdict})")
    if "pandana" in mine:
        print(
            "  jmgis via pandana / pandana's C++ query alone, random pairs: "
            f"{mine['pandana'][0] / t_raw:.2f}"
        )


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
