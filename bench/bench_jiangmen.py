"""Benchmark (a): the Jiangmen network — all 73 township seats to all nodes.

Run from a checkout:  python bench/bench_jiangmen.py [--year 2025] [--repeat 20]

jmgis: :func:`jmgis.access.travel_time_matrix` (csgraph on the cached CSR form).
Baseline, as OSMnx users run it: ``networkx.single_source_dijkstra_path_length(G, seat,
weight="travel_time_s")`` for every seat on the same MultiDiGraph, collected into the
same (73 × nodes) array.  Both are timed in this process, best of ``--repeat`` runs;
the one-off CSR compilation is reported separately.  The Jiangmen planning network is
small (a few hundred nodes: trunk roads and seat connectors), so the per-call overhead
weighs more than on the OSM-scale network of ``bench_osm_scale.py``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import networkx as nx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # a clean checkout

from jmgis.access import clear_cache, compile_graph, travel_time_matrix
from jmgis.jiangmen.township_access import jiangmen_graph

W = "travel_time_s"


def best_of(fn, repeat: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    G = jiangmen_graph(args.year)
    seats = [n for n, d in G.nodes(data=True) if d.get("kind") == "seat"]
    nodes = list(G.nodes)
    print(
        f"Jiangmen {args.year} network: {G.number_of_nodes():,} nodes, "
        f"{G.number_of_edges():,} directed edges, {len(seats)} seats"
    )
    clear_cache()
    start = time.perf_counter()
    compile_graph(G)
    t_compile = time.perf_counter() - start

    def with_networkx() -> np.ndarray:
        out = np.full((len(seats), len(nodes)), np.inf)
        pos = {n: i for i, n in enumerate(nodes)}
        for row, seat in enumerate(seats):
            for node, t in nx.single_source_dijkstra_path_length(G, seat, weight=W).items():
                out[row, pos[node]] = t
        return out

    t_jm, jm = best_of(lambda: travel_time_matrix(G, seats), args.repeat)
    t_nx, base = best_of(with_networkx, max(3, args.repeat // 4))
    assert np.allclose(jm, base, rtol=1e-12), "jmgis and networkx disagree"
    print(f"one-off CSR compilation: {t_compile * 1000:.1f} ms")
    print(
        f"73 seats → all nodes: jmgis {t_jm * 1000:.2f} ms, networkx {t_nx * 1000:.2f} ms, "
        f"ratio {t_nx / t_jm:.1f}× (identical results)"
    )
    print(
        f"including the one-off compilation: ratio {t_nx / (t_jm + t_compile):.1f}× "
        "(a first query on a new graph)"
    )


if __name__ == "__main__":
    main()
