"""Report charts: matplotlib figures embedded in the HTML as PNG ``data:`` URIs.

Chinese labels need a CJK font.  :func:`cjk_font` looks for one among the fonts
matplotlib knows (Debian: ``fonts-noto-cjk`` or ``fonts-wqy-microhei``); without one the
charts fall back to English labels and a :class:`UserWarning` says so, so that no chart
ever shows empty boxes instead of characters.
"""

from __future__ import annotations

import base64
import io
import itertools
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from jmgis.admin.zoning import ZONE_NAMES_EN, ZONES
from jmgis.fonts import CJK_FAMILIES, CJK_FILE_HINTS, cjk_font  # noqa: F401 (kept here)
from jmgis.report.labels import BANDS_MIN, TARGETS, UNREACHABLE
from jmgis.style import ZONE_COLORS

if TYPE_CHECKING:
    from jmgis.report.tables import ReportTables
ALL_COLOR = "#636363"


@dataclass
class Chart:
    """One embedded chart."""

    key: str
    title: str
    png: bytes

    @property
    def data_uri(self) -> str:
        """The PNG as a ``data:`` URI for embedding in HTML."""
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


class _Labels:
    """Chinese labels when a CJK font exists, English ones otherwise."""

    def __init__(self) -> None:
        self.font = cjk_font()
        if self.font is None:
            warnings.warn(
                "no CJK font found for the report charts (install Debian fonts-noto-cjk); "
                "chart labels fall back to English",
                UserWarning,
                stacklevel=3,
            )

    @property
    def chinese(self) -> bool:
        return self.font is not None

    def __call__(self, zh: str, en: str) -> str:
        return zh if self.chinese else en

    def zone(self, code: str) -> str:
        if code == "all":
            return self("全市", "City")
        return self(ZONES[code], ZONE_NAMES_EN[code])

    def target(self, key: str) -> str:
        zh, en = TARGETS.get(key, (key, key))
        return self(zh, en)


def _png(fig) -> bytes:
    buf = io.BytesIO()
    # No Software metadata: the PNG carries nothing but pixels.
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    return buf.getvalue()


def _subplots(width: float, height: float, ncols: int = 1):
    """A figure outside pyplot (no global state, no display backend needed)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    return fig, fig.subplots(1, ncols, squeeze=False)[0]


def _rc(font: str | None) -> dict:
    """Matplotlib settings of the report charts (the CJK font first when there is one)."""
    rc: dict = {"font.size": 9, "axes.unicode_minus": False}
    if font:
        rc["font.sans-serif"] = [font, "DejaVu Sans"]
        rc["font.family"] = "sans-serif"
    return rc


def label_overlaps(fig, ax) -> int:
    """How many neighbouring x tick labels of ``ax`` overlap once drawn.

    Slanted labels are parallel strips: two overlap when their anchors are closer than the
    strip's height divided by the sine of the angle.

    Parameters
    ----------
    fig
        The figure (drawn to measure the labels).
    ax
        The axes whose x tick labels are checked.

    Returns
    -------
    int
        The number of overlapping neighbour pairs.
    """
    import math

    renderer = fig.canvas.get_renderer()
    labels = [t for t in ax.get_xticklabels() if t.get_text()]
    angle = labels[0].get_rotation() % 180 if labels else 0.0
    if not angle:
        boxes = sorted((t.get_window_extent(renderer) for t in labels), key=lambda b: b.x0)
        return sum(
            1 for a, b in itertools.pairwise(boxes) if a.x1 > b.x0 and a.y1 > b.y0 and b.y1 > a.y0
        )
    height = max(t.get_fontsize() * t.get_text().count("\n") + t.get_fontsize() for t in labels)
    height *= fig.dpi / 72 * 1.2  # points → pixels, with the line spacing
    xs = sorted(ax.transData.transform((x, 0))[0] for x in ax.get_xticks()[: len(labels)])
    gaps = [b - a for a, b in itertools.pairwise(xs)]
    return sum(1 for gap in gaps if gap * math.sin(math.radians(angle)) < height)


def fit_xlabels(fig, ax, *, wrap: int = 6) -> None:
    """Make the x tick labels of ``ax`` readable.

    Wrapped to ``wrap`` characters, else slanted (one line) at the smallest angle at which
    no two overlap.

    Parameters
    ----------
    fig
        The figure of ``ax``.
    ax
        The axes whose x tick labels are changed in place.
    wrap
        Width (characters) to wrap the labels to.
    """
    import textwrap

    from matplotlib.backends.backend_agg import FigureCanvasAgg

    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    if not label_overlaps(fig, ax):
        return
    texts = [t.get_text() for t in ax.get_xticklabels()]
    ticks = ax.get_xticks()
    ax.set_xticks(ticks, ["\n".join(textwrap.wrap(t, wrap)) or t for t in texts])
    if not label_overlaps(fig, ax):
        return
    ax.set_xticks(ticks, texts)
    for angle in (30, 45, 60, 90):
        for label in ax.get_xticklabels():
            label.set_rotation(angle)
            label.set_horizontalalignment("right" if angle < 90 else "center")
            label.set_rotation_mode("anchor" if angle < 90 else "default")
        if not label_overlaps(fig, ax):
            return


def _number(value: object) -> float:
    return np.nan if value == UNREACHABLE or value == "—" else float(value)  # type: ignore[arg-type]  # a table cell: number or its text


def share_chart(overview: pd.DataFrame, labels: _Labels) -> Chart | None:
    """Bars: share of each zone's population within 60 min of the headline targets.

    Parameters
    ----------
    overview : pandas.DataFrame
        The zone overview table.
    labels : _Labels
        Chart texts (Chinese with a CJK font, else English).

    Returns
    -------
    Chart or None
        The chart, or ``None`` when the overview has no within-60-minutes shares.
    """
    import matplotlib

    band = BANDS_MIN[-1]
    cols = [c for c in overview.columns if c.endswith(f"_pct_{band}")]
    if not cols:
        return None
    with matplotlib.rc_context(_rc(labels.font)):
        fig, (ax,) = _subplots(7.0, 3.2)
        x = np.arange(len(cols))
        width = 0.8 / len(overview)
        for i, (_, row) in enumerate(overview.iterrows()):
            code = row["zone_code"]
            bars = ax.bar(
                x + i * width,
                [_number(row[c]) for c in cols],
                width,
                label=labels.zone(code),
                color=ZONE_COLORS.get(code, ALL_COLOR),
            )
            ax.bar_label(bars, fmt="%.0f", fontsize=7, padding=1)
        ax.set_xticks(x + width * (len(overview) - 1) / 2)
        ax.set_xticklabels([labels.target(c.removesuffix(f"_pct_{band}")) for c in cols])
        fit_xlabels(fig, ax)
        ax.set_ylabel(labels(f"{band}分钟内人口比例（%）", f"population within {band} min (%)"))
        ax.set_ylim(0, 108)
        ax.legend(
            frameon=False,
            ncol=len(overview),
            fontsize=8,
            loc="lower center",
            bbox_to_anchor=(0.5, 1.0),
        )
        ax.spines[["top", "right"]].set_visible(False)
        png = _png(fig)
    return Chart(
        "share_within",
        labels(f"{band} 分钟内可达的人口比例", f"Population within {band} minutes"),
        png,
    )


def township_chart(
    townships: dict[str, pd.DataFrame], target: str, labels: _Labels
) -> Chart | None:
    """Dots: minutes from every township to ``target``, one row per zone.

    Parameters
    ----------
    townships : dict of str to pandas.DataFrame
        The township table of each zone.
    target : str
        The target.
    labels : _Labels
        Chart texts (Chinese with a CJK font, else English).

    Returns
    -------
    Chart or None
        The chart, or ``None`` when no zone table has times to ``target``.
    """
    import matplotlib

    col = f"t_{target}_min"
    frames = {z: f for z, f in townships.items() if col in f.columns}
    if not frames:
        return None
    with matplotlib.rc_context(_rc(labels.font)):
        fig, (ax,) = _subplots(7.0, 0.6 + 0.55 * len(frames))
        for i, (zone, frame) in enumerate(frames.items()):
            values = np.array([_number(v) for v in frame[col]])
            jitter = (np.arange(len(values)) % 5 - 2) * 0.06
            ax.scatter(values, i + jitter, s=14, color=ZONE_COLORS[zone], alpha=0.85)
        ax.set_yticks(range(len(frames)))
        ax.set_yticklabels([labels.zone(z) for z in frames])
        for band in BANDS_MIN:
            ax.axvline(band, color="#999999", lw=0.8, ls="--")
        ax.set_xlabel(labels(f"至{labels.target(target)}（分钟）", f"minutes to {target}"))
        ax.set_ylim(-0.6, len(frames) - 0.4)
        ax.invert_yaxis()
        ax.spines[["top", "right"]].set_visible(False)
        png = _png(fig)
    return Chart(
        f"townships_{target}",
        labels(f"各镇街至{labels.target(target)}的出行时间", f"Minutes to {target} by township"),
        png,
    )


def scenario_chart(
    scenario_zone: pd.DataFrame, compare: int, year: int, labels: _Labels
) -> Chart | None:
    """Bars: population-weighted mean minutes per zone, before and after.

    Parameters
    ----------
    scenario_zone : pandas.DataFrame
        The zone comparison table.
    compare : int
        The earlier year.
    year : int
        The later year.
    labels : _Labels
        Chart texts (Chinese with a CJK font, else English).

    Returns
    -------
    Chart or None
        The chart, or ``None`` without rows for the headline targets.
    """
    import matplotlib

    data = scenario_zone[scenario_zone["target"].isin(["city_gov", "hsr_station", "guangzhou"])]
    if data.empty:
        return None
    targets = list(dict.fromkeys(data["target"]))
    zones = list(dict.fromkeys(data["zone_code"]))
    with matplotlib.rc_context(_rc(labels.font)):
        fig, axes = _subplots(7.0, 2.6, len(targets))
        for ax, target in zip(axes, targets):
            part = data[data["target"] == target].set_index("zone_code").loc[zones]
            x = np.arange(len(zones))
            ax.bar(
                x - 0.2,
                [_number(v) for v in part[f"mean_min_{compare}"]],
                0.4,
                color="#bdbdbd",
                label=str(compare),
            )
            ax.bar(
                x + 0.2,
                [_number(v) for v in part[f"mean_min_{year}"]],
                0.4,
                color=[ZONE_COLORS.get(z, ALL_COLOR) for z in zones],
                label=str(year),
            )
            ax.set_xticks(x)
            ax.set_xticklabels([labels.zone(z) for z in zones], fontsize=7)
            fit_xlabels(fig, ax)
            ax.set_title(labels.target(target), fontsize=9)
            ax.spines[["top", "right"]].set_visible(False)
        axes[0].set_ylabel(labels("平均时间（分钟）", "mean minutes"))
        axes[0].legend(frameon=False, fontsize=7)
        fig.tight_layout()
        png = _png(fig)
    return Chart(
        "scenario",
        labels(f"{compare} 与 {year} 年平均出行时间", f"Mean minutes, {compare} vs {year}"),
        png,
    )


def build_charts(tables: ReportTables, compare: int | None, year: int) -> list[Chart]:
    """The charts of a report from its :class:`~jmgis.report.tables.ReportTables`.

    Parameters
    ----------
    tables : ReportTables
        The report's tables.
    compare : int or None
        The earlier year it is compared with (``None`` = no comparison).
    year : int
        The report's scenario year.

    Returns
    -------
    list of Chart
        The charts, in page order.
    """
    labels = _Labels()
    charts = [share_chart(tables.overview.frame, labels)]
    townships = {zone: pair[1].frame for zone, pair in tables.zones.items()}
    charts.append(township_chart(townships, "city_gov", labels))
    charts.append(township_chart(townships, "hsr_station", labels))
    if compare is not None and tables.scenario:
        charts.append(scenario_chart(tables.scenario[0].frame, compare, year, labels))
    return [c for c in charts if c is not None]
