"""Vocabularies of the dispatch domain: why a route was chosen, and what happened to a rule."""

from huitian.lib.vocab import Vocabulary


class RouteReason(Vocabulary):
    """How `dispatch.service.route` found a unit, strongest first (职权法定 → 属地管理)."""

    RULE = ("rule", "派单目录规则")
    CATEGORY_HINT = ("category_hint", "分类默认承办单位")
    TERRITORIAL = ("territorial", "属地管理(所在街道)")
    NONE = ("none", "无匹配,需人工派单")
    # Not a catalogue route: the unit model's suggestion (intelligence), shown beside the others.
    MODEL = ("model", "模型预测(历史承办单位)")


class RuleChange(Vocabulary):
    CREATE = ("create", "新增")
    UPDATE = ("update", "修改")
    DEACTIVATE = ("deactivate", "停用")
    REACTIVATE = ("reactivate", "恢复")
