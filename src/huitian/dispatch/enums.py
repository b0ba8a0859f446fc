"""Vocabularies of the dispatch domain: why a route was chosen, and what happened to a rule."""

from enum import StrEnum


class RouteReason(StrEnum):
    """How `dispatch.service.route` found a unit, strongest first (职权法定 → 属地管理)."""

    RULE = "rule"
    CATEGORY_HINT = "category_hint"
    TERRITORIAL = "territorial"
    NONE = "none"
    # Not a catalogue route: the unit model's suggestion (intelligence), shown beside the others.
    MODEL = "model"

    @property
    def label(self) -> str:
        return {
            "rule": "派单目录规则",
            "category_hint": "分类默认承办单位",
            "territorial": "属地管理(所在街道)",
            "none": "无匹配,需人工派单",
            "model": "模型预测(历史承办单位)",
        }[self.value]


class RuleChange(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DEACTIVATE = "deactivate"
    REACTIVATE = "reactivate"

    @property
    def label(self) -> str:
        return {"create": "新增", "update": "修改", "deactivate": "停用", "reactivate": "恢复"}[self.value]
