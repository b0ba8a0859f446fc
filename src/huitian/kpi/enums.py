"""Vocabularies of assessment: group kinds, measures, tiers, and the tunable figures' defaults."""

from enum import StrEnum


class GroupBy(StrEnum):
    STREET = "street"
    UNIT = "unit"
    COMMUNITY = "community"
    CATEGORY = "category"

    @property
    def label(self) -> str:
        return {"street": "街道/镇", "unit": "承办单位", "community": "社区", "category": "一级分类"}[
            self.value
        ]


class Measure(StrEnum):
    RESPONSE = "response"
    RESOLUTION = "resolution"
    SATISFACTION = "satisfaction"
    EXCLUDED = "excluded"

    @property
    def label(self) -> str:
        return {
            "response": "响应率",
            "resolution": "解决率",
            "satisfaction": "满意率",
            "excluded": "不纳入考核",
        }[self.value]


class Tier(StrEnum):
    ADVANCED = "advanced"
    PROGRESS = "progress"
    RECTIFY = "rectify"
    GOVERNANCE = "governance"

    @property
    def label(self) -> str:
        return {"advanced": "先进类", "progress": "进步类", "rectify": "整改类", "governance": "治理类"}[
            self.value
        ]


# Tunable figures (kept as rows of kpi_settings; these are the values when no row exists).
DEFAULTS: dict[str, float] = {
    "weight_response": 0.1,  # w1 · 响应率
    "weight_resolution": 0.45,  # w2 · 解决率
    "weight_satisfaction": 0.45,  # w3 · 满意率
    "tier_advanced_share": 0.25,  # best quarter of ranked streets → 先进类
    "tier_governance_share": 0.25,  # worst quarter → 治理类
    "tier_governance_below": 0.6,  # …and any street scoring below this → 治理类
    "tier_progress_min_gain": 0.05,  # score gain vs the previous month that makes 进步类
}
