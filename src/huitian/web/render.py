"""Presentation helpers for the HTML pages: local times, Chinese labels, readable event payloads.

Nothing here decides anything; it only turns what the services return into text for people.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from huitian.auth.enums import Role
from huitian.config import get_settings
from huitian.orders.enums import (
    Action,
    AssignmentRole,
    AssignmentStatus,
    Channel,
    OrderStatus,
    OrderType,
    Outcome,
    Priority,
    Satisfaction,
)
from huitian.sla.enums import Deadline, TimeLimitClass

# The pages' words that do not come from an enum's .label, in one table (English can follow).
TEXT = {
    "yes": "是",
    "no": "否",
    "approve": "同意",
    "refuse": "不同意",
    "coordinate": "派至区级统筹协调",
    "online": "网上评价",
    "hotline": "电话回访",
    "unit_lead": "单位负责人",
    "supervisor": "督办",
}

# Event payload keys, in the order they are shown, with their Chinese names.
PAYLOAD_KEYS = {
    "unit": "单位",
    "forwarded_by": "转派单位",
    "mode": "方式",
    "category": "分类",
    "priority": "紧急程度",
    "role": "承办角色",
    "task": "任务",
    "reason": "原因",
    "note": "联系记录",
    "text": "内容",
    "days": "延期工作日",
    "approve": "审批结果",
    "reply_due_before": "原答复期限",
    "reply_due": "新答复期限",
    "resolved": "是否解决",
    "satisfaction": "满意度",
    "comment": "评价",
    "via": "回访方式",
    "into": "并入工单",
    "order": "被合并工单",
    "outcome": "办结结果",
    "channel": "渠道",
    "type": "类型",
    "label": "超时环节",
    "due": "期限",
    "notify": "通知",
    "in_time": "是否按时",
    "returns_by_unit": "该单位退单次数",
    "disputed": "转派单争议",
    "previous": "上次回访",
}
# Keys kept for machines only (their meaning is shown through another key).
HIDDEN_KEYS = frozenset({"deadline"})

_ENUM_KEYS: dict[str, type[StrEnum]] = {
    "satisfaction": Satisfaction,
    "outcome": Outcome,
    "channel": Channel,
    "type": OrderType,
    "role": AssignmentRole,
    "priority": Priority,
}
_TIME_KEYS = frozenset({"reply_due_before", "reply_due", "due"})


def local(value: datetime | str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """An aware (UTC) datetime, or its ISO text, in the installation's local time (Asia/Shanghai)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if value.tzinfo is None:
        return value.strftime(fmt)
    return value.astimezone(ZoneInfo(get_settings().timezone)).strftime(fmt)  # as sla's local_tz()


def label_of(enum: type[StrEnum], value: str | None) -> str:
    """The Chinese label of an enum value; the raw value if it is not (or no longer) known."""
    if value is None or value == "":
        return ""
    try:
        return enum(value).label  # type: ignore[attr-defined]
    except ValueError:
        return str(value)


def yes_no(value: bool | None) -> str:
    if value is None:
        return ""
    return TEXT["yes"] if value else TEXT["no"]


def unit_name(units: dict[int, Any], code: str | None) -> str:
    """The name of the unit `code` in units_service.directory()'s {id: UnitInfo}; the code if unknown."""
    if not code:
        return ""
    for info in units.values():
        if info.code == code:
            return info.name
    return code


def _value(key: str, value: object, units_by_code: dict[str, str]) -> str:
    if value is None or value == "":
        return ""
    if key in ("unit", "forwarded_by"):
        return units_by_code.get(str(value), str(value))
    if key in _ENUM_KEYS:
        return label_of(_ENUM_KEYS[key], str(value))
    if key in _TIME_KEYS:
        return local(str(value))
    if key == "approve":
        return TEXT["approve"] if value else TEXT["refuse"]
    if key in ("mode", "via"):
        return TEXT.get(str(value), str(value))
    if key == "notify" and isinstance(value, list):
        return "、".join(TEXT.get(str(v), str(v)) for v in value)
    if key == "previous" and isinstance(value, dict):
        parts = [
            f"解决:{yes_no(value.get('resolved'))}" if value.get("resolved") is not None else "",
            label_of(Satisfaction, value.get("satisfaction")),
        ]
        return ",".join(p for p in parts if p)
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, dict | list):
        return str(value)
    return str(value)


def describe_payload(payload: dict | None, units_by_code: dict[str, str]) -> list[tuple[str, str]]:
    """An event's payload as (名称, 值) pairs in Chinese, in a stable order, empty values left out."""
    payload = payload or {}
    out: list[tuple[str, str]] = []
    for key, name in PAYLOAD_KEYS.items():
        if key in payload:
            text = _value(key, payload[key], units_by_code)
            if text:
                out.append((name, text))
    for key, value in payload.items():  # keys this table does not know yet: shown as they are
        if key not in PAYLOAD_KEYS and key not in HIDDEN_KEYS and value not in (None, ""):
            out.append((key, str(value)))
    return out


VENDOR_DIR = Path(__file__).parent / "static" / "vendor"


def vendor_url(path: str) -> str | None:
    """/static/vendor/<path> when scripts/setup.sh has put that npm file there, else None: the pages
    then run without it (they are plain forms that work without JavaScript)."""
    return f"/static/vendor/{path}" if (VENDOR_DIR / path).is_file() else None


def role_label(role: Role | str) -> str:
    return label_of(Role, str(role))


JINJA_FILTERS = {
    "local": local,
    "yes_no": yes_no,
}

# The main navigation: (path, label, roles that see it, whether sub-paths mark it current), in order.
_STAFF = frozenset(r.value for r in Role) - {Role.RESIDENT.value}
_DESK = frozenset({"operator", "admin"})
_OVERSIGHT = frozenset({"supervisor", "planner", "admin", "operator"})
NAV: tuple[tuple[str, str, frozenset[str], bool], ...] = (
    ("/orders", "工单列表", frozenset(r.value for r in Role), False),
    ("/orders/new", "登记工单", frozenset({"operator", "grid_worker", "resident"}), False),
    ("/workspace", "派单工作台", _DESK, False),
    ("/callbacks", "回访台", _DESK, False),
    ("/inbox", "待办工单", frozenset({"handler", "unit_lead"}), False),
    ("/hotline", "热线受理", _DESK, False),
    ("/assets/labels", "部件标签", _DESK, False),
    ("/assets", "城市部件", _STAFF, False),
    ("/plans", "计划项目", frozenset({"planner", "admin", "supervisor"}), True),
    ("/plans/todo", "计划项目", frozenset({"handler", "unit_lead"}), True),
    ("/topics", "每月一题", _OVERSIGHT, True),
    ("/warnings", "未诉先办", _OVERSIGHT, False),
    ("/patrol", "巡查上报", frozenset({"grid_worker"}), False),
    ("/dashboard", "指挥中心", _STAFF, False),
    ("/area", "辖区概况", frozenset({"supervisor"}), False),
    ("/admin", "系统管理", frozenset({"admin"}), True),
)


def nav_for(role: Role | str, path: str) -> list[tuple[str, str, bool]]:
    """The links a role sees, each with whether it is the current page."""
    role = str(role)
    return [
        (href, label, path == href or (prefix and path.startswith(href + "/")))
        for href, label, roles, prefix in NAV
        if role in roles
    ]


JINJA_GLOBALS = {
    "nav_for": nav_for,
    "Role": Role,
    "Action": Action,
    "OrderStatus": OrderStatus,
    "OrderType": OrderType,
    "Channel": Channel,
    "Priority": Priority,
    "Outcome": Outcome,
    "Satisfaction": Satisfaction,
    "AssignmentRole": AssignmentRole,
    "AssignmentStatus": AssignmentStatus,
    "Deadline": Deadline,
    "TimeLimitClass": TimeLimitClass,
    "label_of": label_of,
    "vendor_url": vendor_url,
}
