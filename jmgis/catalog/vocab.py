"""The small vocabularies of the plan catalog (the values a YAML row may use).

Each status keeps the plan's own verb in ``status_text``; the normalised value here is
what queries, maps and the scenario years use.
"""

from __future__ import annotations

from jmgis import vocab as _vocab
from jmgis.vocab import GEOMETRY_QUALITIES as GEOMETRY_QUALITIES  # one list, shared

PARK_KINDS = (
    "industrial_park",  # 产业园区 / 工业园
    "high_tech_zone",  # 高新区
    "platform",  # 重大平台、城市功能平台
    "new_district",  # 新区、新城
    "logistics_hub",  # 物流中心、陆港
    "cooperation_zone",  # 合作区、合作示范区
    "agricultural_park",  # 农业园区、示范区
    "innovation_park",  # 科技园、孵化载体
)

LEVELS = ("national", "provincial", "municipal", "district", "unknown")

#: status of a park or platform as the plans describe it
PARK_STATUSES = (
    "existing",  # 已建成、运营中
    "expanding",  # 扩园、拓展、提质
    "under_construction",  # 加快建设、推进建设
    "planned",  # 规划建设、打造
    "conceptual",  # 谋划
)

#: status of a project (contract shared with data/projects/project.yaml)
PROJECT_STATUSES = (
    "completed",
    "to_complete_by_2025",
    "under_construction",
    "pre_construction",
    "conceptual",
    "planned",
)

PROJECT_CATEGORIES = (
    "rail",
    "urban_rail",
    "station",
    "expressway",
    "national_road",
    "provincial_road",
    "urban_road",
    "rural_road",
    "industry_road",  # 产城融合道路 (000 专栏7)
    "bridge",
    "aviation",
    "port",
    "channel",
    "hub",
    "logistics",
    "park",
    "other",
)

STRUCTURE_KINDS = ("pattern", "core", "belt", "axis", "area", "positioning")

SCHEME_LEVELS = ("expressway", "urban_expressway", "district_road")

MEMBER_GROUPS = ("纵", "横", "联", "展望", "环", "铁")

INDICATOR_NATURES = ("约束性", "预期性")

ZONE_CODES = ("core", "bay", "eco")

#: sectors of the plan facilities (``data/projects/facility.yaml``) and their layers: one
#: list, in :mod:`jmgis.vocab`
FACILITY_SECTORS = _vocab.FACILITY_SECTORS
FACILITY_LAYERS = _vocab.FACILITY_LAYERS

#: status of a facility: the park statuses (建成/扩建/在建/规划/谋划)
FACILITY_STATUSES = PARK_STATUSES
