"""Plausibility of modelled travel times: model vs an expected range with its basis.

No navigation app can be queried offline, so each trip is compared with a range derived
from its straight-line distance and stated assumptions, and — where one could be found —
with a published figure (``reference``).  The basis of the ranges:

- road distance = straight-line distance × 1.15–1.7 (route circuity of intercity road
  trips: about 1.2–1.4 typically, up to 1.7 where the 西江, 潭江 and the estuaries force
  detours to the bridges; the model itself uses 1.1 on schematic trunk lines and 1.3 on
  derived local links);
- door-to-door car speed 50–85 km/h on these distances (expressway at 90 km/h with
  urban ends and access roads at 20–40 km/h).

The ranges are wide on purpose: they catch a broken network (a detour, a missing link, a
unit error), not a few minutes of difference.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

CIRCUITY_RANGE = (1.15, 1.7)
SPEED_RANGE_KPH = (50.0, 85.0)


@dataclass(frozen=True)
class Trip:
    """A trip to check; ``reference`` is a published figure with its source, if any."""

    origin: str
    destination: str
    reference: str = ""
    extra_minutes: float = 0.0  # fixed time outside the car (ferry), added to the range


TRIPS: tuple[Trip, ...] = (
    Trip("台城街道", "环市街道"),
    Trip("沙坪街道", "环市街道"),
    Trip("恩城街道", "环市街道"),
    Trip("三埠街道", "环市街道"),
    Trip("会城街道", "环市街道"),
    Trip(
        "环市街道",
        "zhongshan",
        "中山→江门 by expressway ≈ 61 km, ≈ 58 min (third-party travel page "
        "bkwk.cn/article/zsdjmjmldjtsjxgl.html, not a navigation app)",
    ),
    Trip(
        "斗山镇",
        "zhuhai",
        "黄茅海跨海通道 (opened 2024-12-11): 珠海高栏港 → 江门台山 ≈ 30 min, before "
        "'1 个多小时' (news.qq.com/rain/a/20241211A09O0100; xkb.com.cn/articleDetail/364898)",
    ),
    Trip(
        "川岛镇",
        "台城街道",
        "ferry 山咀—上川 '航程30多分钟' (transport layer source); wait 30 min assumed",
        extra_minutes=75.0,
    ),
)


def _straight_km(G, a: str, b: str) -> float:
    ax, ay = G.nodes[a]["x"], G.nodes[a]["y"]
    bx, by = G.nodes[b]["x"], G.nodes[b]["y"]
    return float(np.hypot(ax - bx, ay - by) / 1000)


def plausibility_table(year: int = 2025, trips: tuple[Trip, ...] = TRIPS) -> pd.DataFrame:
    """One row per trip.

    Model minutes and km, straight-line km, expected ranges, whether the model lies in them, and the
    reference.

    Parameters
    ----------
    year : int
        Scenario year of the network.
    trips : tuple of Trip
        The reference trips (default the bundled ones, each with a source).

    Returns
    -------
    pandas.DataFrame
        One row per trip; minutes and km.
    """
    from jmgis.network.build import shared_graph
    from jmgis.network.route import route

    G = shared_graph(year)
    rows = []
    for trip in trips:
        r = route(G, trip.origin, trip.destination, mode="road")
        straight = _straight_km(G, r.origin, r.destination)
        if trip.extra_minutes:
            ferry_km = sum(leg.length_m for leg in r.legs if leg.mode == "ferry") / 1000
            land = max(straight - ferry_km, 0.0)
        else:
            ferry_km, land = 0.0, straight
        km_lo = land * CIRCUITY_RANGE[0] + ferry_km
        km_hi = land * CIRCUITY_RANGE[1] + ferry_km
        min_lo = land * CIRCUITY_RANGE[0] / SPEED_RANGE_KPH[1] * 60 + trip.extra_minutes
        min_hi = land * CIRCUITY_RANGE[1] / SPEED_RANGE_KPH[0] * 60 + trip.extra_minutes
        rows.append(
            {
                "from": r.origin_name,
                "to": r.destination_name,
                "year": year,
                "straight_km": round(straight, 1),
                "model_km": round(r.distance_km, 1),
                "model_min": round(r.minutes, 0),
                "expected_km": f"{km_lo:.0f}–{km_hi:.0f}",
                "expected_min": f"{min_lo:.0f}–{min_hi:.0f}",
                "plausible": bool(
                    km_lo * 0.95 <= r.distance_km <= km_hi * 1.05
                    and min_lo * 0.95 <= r.minutes <= min_hi * 1.05
                ),
                "via": " → ".join(r.via[:4]),
                "reference": trip.reference,
            }
        )
    return pd.DataFrame(rows)
