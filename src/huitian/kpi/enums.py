"""Vocabularies of assessment: group kinds, measures, tiers, and the tunable figures' defaults."""

from huitian.lib.vocab import Vocabulary


class GroupBy(Vocabulary):
    STREET = ("street", "街道/镇")
    UNIT = ("unit", "承办单位")
    COMMUNITY = ("community", "社区")
    CATEGORY = ("category", "一级分类")


class Measure(Vocabulary):
    RESPONSE = ("response", "响应率")
    RESOLUTION = ("resolution", "解决率")
    SATISFACTION = ("satisfaction", "满意率")
    EXCLUDED = ("excluded", "不纳入考核")


class Tier(Vocabulary):
    ADVANCED = ("advanced", "先进类")
    PROGRESS = ("progress", "进步类")
    RECTIFY = ("rectify", "整改类")
    GOVERNANCE = ("governance", "治理类")


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
