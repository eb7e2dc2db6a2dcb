"""Targets of the Jiangmen profile and the Chinese labels of every report column.

Report tables keep ASCII snake_case column names (stable for scripts, CSV and XLSX);
the HTML shows the Chinese label of each column, produced by :func:`column_label`.
"""

from __future__ import annotations

import re

# Profile targets in the order the report shows them: key → (Chinese, English).
TARGETS: dict[str, tuple[str, str]] = {
    "city_gov": ("市政府", "city government"),
    "rail_station": ("最近铁路站", "nearest rail station"),
    "hsr_station": ("最近高铁站", "nearest HSR station"),
    "port": ("最近港口", "nearest port"),
    "interchange": ("最近高速出入口", "nearest expressway interchange"),
    "guangzhou": ("广州", "Guangzhou"),
    "shenzhen": ("深圳", "Shenzhen"),
    "zhuhai": ("珠海", "Zhuhai"),
    "zhongshan": ("中山", "Zhongshan"),
    "foshan": ("佛山", "Foshan"),
    "macau": ("澳门", "Macau"),
    "yangjiang": ("阳江", "Yangjiang"),
    "prd_hub_airport": ("珠三角枢纽机场", "PRD hub airport"),
}

# The targets of the one-line summaries, charts and the worst-served ranking.
HEADLINE_TARGETS: tuple[str, ...] = ("city_gov", "hsr_station", "guangzhou")

# Minutes of the 30- and 60-minute circles (1-hour commuting circle, 123 travel circles).
BANDS_MIN: tuple[int, ...] = (30, 60)

UNREACHABLE = "不可达"

_FIXED = {
    "rank": "排名",
    "code": "代码",
    "name": "镇街",
    "county_name": "县（市、区）",
    "zone_code": "三区代码",
    "zone_name": "三区",
    "townships": "镇街数",
    "population": "常住人口（人）",
    "unreachable_population": "不可达人口（人）",
    "target": "目标代码",
    "target_name": "目标",
    "mean_min": "人口加权平均（分钟）",
    "median_min": "人口加权中位数（分钟）",
    "minutes": "时间（分钟）",
    "saved_min": "节省（分钟）",
    "mean_saved_min": "平均节省（分钟）",
    "projects": "相关项目",
    "project_ids": "项目代码",
    "project_id": "项目/要素代码",
    "kind": "类别",
    "status": "状态",
    "open_year": "建成年份",
    "townships_faster": "受益镇街数",
    "source": "来源",
    "headline_mean_min": "三项平均（分钟）",
}


def target_label(key: str) -> str:
    """Chinese label of a profile target (the key itself when unknown)."""
    return TARGETS.get(key, (key, key))[0]


def time_column(key: str) -> str:
    """The profile column of a target: ``t_<key>_min``."""
    return f"t_{key}_min"


def profile_targets(columns: list[str] | tuple[str, ...]) -> list[str]:
    """Targets present as ``t_<key>_min`` columns, known ones first in report order."""
    present = [m.group(1) for c in columns if (m := re.fullmatch(r"t_(\w+)_min", str(c)))]
    known = [k for k in TARGETS if k in present]
    return known + [k for k in present if k not in TARGETS]


def column_label(column: str) -> str:
    """Chinese label of a report column, e.g. ``t_city_gov_min`` → ``至市政府（分钟）``."""
    if column in _FIXED:
        return _FIXED[column]
    if m := re.fullmatch(r"t_(\w+)_min", column):
        return f"至{target_label(m.group(1))}（分钟）"
    if m := re.fullmatch(r"pct_within_(\d+)", column):
        return f"{m.group(1)}分钟内人口比例（%）"
    if m := re.fullmatch(r"(\w+?)_mean_min", column):
        return f"至{target_label(m.group(1))}平均（分钟）"
    if m := re.fullmatch(r"(\w+?)_pct_(\d+)", column):
        return f"{m.group(2)}分钟内可达{target_label(m.group(1))}人口比例（%）"
    if m := re.fullmatch(r"mean_min_(\d{4})", column):
        return f"{m.group(1)}年平均（分钟）"
    if m := re.fullmatch(r"pct_(\d+)_(\d{4})", column):
        return f"{m.group(2)}年{m.group(1)}分钟内比例（%）"
    if m := re.fullmatch(r"min_(\d{4})", column):
        return f"{m.group(1)}年（分钟）"
    return column
