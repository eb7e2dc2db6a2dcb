"""Benchmark (issue 13, item 7): a 1,000,000-node road network, built and queried at scale.

Run from a checkout:  python bench/bench_scale.py [--n-side 1000] [--origins 10000]
                      [--networkx]

The network is :func:`tests.synthetic.road_network` (seed 42) with ``n_side²`` junctions
(1000² = 1,000,000, plus the expressway nodes) on a 250 m grid.  It prints

1. **build**: the CSR graph from the edge arrays (:func:`jmgis.access.compile_arrays`,
   the path for networks too large for networkx), its wall time and the peak resident
   memory of the process (``resource.getrusage``; targets ≤ 60 s and ≤ 4 GB); with
   ``--networkx`` also the networkx ``MultiDiGraph`` of the network contract and
   :func:`jmgis.routing.compile_graph` on it (what ``jmgis build --network`` holds);
2. **10,000 origins on dask.distributed**: the travel time from each of ``--origins``
   random junctions to its nearest of 2,000 random destinations within 30 minutes
   (:func:`jmgis.access.distributed.run_chunked`, ``reduce="nearest"``) in this process,
   then on a ``LocalCluster(n_workers=2, threads_per_worker=1, memory_limit=…)``; the two
   results must be identical (``numpy.array_equal``), and each worker's peak resident
   memory is printed against its limit.  Memory per task is ``chunk × n_nodes × 8`` bytes
   (``--chunk 32``: 256 MB), whatever the number of origins.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # a clean checkout

from jmgis.access import compile_arrays
from jmgis.access.distributed import run_chunked
from tests.synthetic import road_network

W = "travel_time_s"


def peak_rss_mib() -> float:
    """Peak resident memory of this process (MiB; Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _worker_peak_mib() -> float:
    import resource as r

    return r.getrusage(r.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-side", type=int, default=1000)
    parser.add_argument("--origins", type=int, default=10_000)
    parser.add_argument("--destinations", type=int, default=2000)
    parser.add_argument("--cutoff-min", type=float, default=30.0)
    parser.add_argument("--chunk", type=int, default=32)
    parser.add_argument("--memory-limit", default="2GiB", help="per dask worker")
    parser.add_argument("--networkx", action="store_true",
                        help="also build the networkx graph (several GB, minutes)")
    args = parser.parse_args()

    t0 = time.perf_counter()
    arrays = road_network(args.n_side, as_arrays=True)
    n = len(arrays["x"])
    print(f"network: {n:,} nodes, {len(arrays['u']):,} directed edges "
          f"(generated in {time.perf_counter() - t0:.1f} s, seed 42); "
          f"peak RSS so far {peak_rss_mib():.0f} MiB")

    # ---- 1. build -----------------------------------------------------------------------
    t0 = time.perf_counter()
    compiled = compile_arrays(arrays["u"], arrays["v"], arrays[W], n)
    t_build = time.perf_counter() - t0
    rss = peak_rss_mib()
    ok = "ok" if t_build <= 60 and rss <= 4096 else "OVER TARGET"
    print(f"build CSR from arrays: {t_build:.2f} s, peak RSS {rss:.0f} MiB "
          f"(targets ≤ 60 s, ≤ 4096 MiB: {ok})")

    rng = np.random.default_rng(0)
    origins = rng.choice(n, args.origins, replace=False)
    destinations = rng.choice(n, args.destinations, replace=False)
    cutoff = args.cutoff_min * 60.0

    # ---- 2. the origins, single process and on the cluster ----------------------------
    t0 = time.perf_counter()
    single = run_chunked(compiled, origins, destinations, cutoff_s=cutoff, reduce="nearest",
                         chunk_size=args.chunk)
    t_single = time.perf_counter() - t0
    reached = int(np.isfinite(single[:, 0]).sum())
    print(f"{args.origins:,} origins → nearest of {args.destinations:,} within "
          f"{args.cutoff_min:g} min, one process: {t_single:.1f} s ({reached:,} reach one; "
          f"median {np.median(single[np.isfinite(single[:, 0]), 0]) / 60:.1f} min)")

    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, memory_limit=args.memory_limit,
                      processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        t0 = time.perf_counter()
        spread = run_chunked(compiled, origins, destinations, cutoff_s=cutoff,
                             reduce="nearest", chunk_size=args.chunk, client=client)
        t_dask = time.perf_counter() - t0
        peaks = client.run(_worker_peak_mib)
    same = np.array_equal(single, spread)
    print(f"same on LocalCluster(n_workers=2, memory_limit={args.memory_limit}): "
          f"{t_dask:.1f} s; identical to the single process: {same}; worker peak RSS "
          + ", ".join(f"{v:.0f} MiB" for v in peaks.values())
          + f" (task block {args.chunk} × {n:,} × 8 B = {args.chunk * n * 8 / 2**20:.0f} MiB)")

    if args.networkx:
        from jmgis.routing import compile_graph
        from tests.synthetic import arrays_to_graph

        t0 = time.perf_counter()
        G = arrays_to_graph(arrays)
        t_nx = time.perf_counter() - t0
        t0 = time.perf_counter()
        compile_graph(G)
        t_compile = time.perf_counter() - t0
        print(f"networkx MultiDiGraph (network contract): {t_nx:.1f} s, then compile_graph "
              f"{t_compile:.1f} s; peak RSS {peak_rss_mib():.0f} MiB")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
