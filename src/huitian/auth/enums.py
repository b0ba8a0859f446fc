"""Roles of the people and machines that use Huitian."""

from enum import StrEnum


class Role(StrEnum):
    RESIDENT = "resident"
    OPERATOR = "operator"
    HANDLER = "handler"
    UNIT_LEAD = "unit_lead"
    SUPERVISOR = "supervisor"
    GRID_WORKER = "grid_worker"
    PLANNER = "planner"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.RESIDENT: "居民",
    Role.OPERATOR: "12345话务员/派单员",
    Role.HANDLER: "承办单位工作人员",
    Role.UNIT_LEAD: "单位负责人",
    Role.SUPERVISOR: "街道/专班督办",
    Role.GRID_WORKER: "网格员",
    Role.PLANNER: "专班规划",
    Role.ADMIN: "系统管理员",
}

# Roles that belong to a unit (承办单位) and act on the orders assigned to it.
UNIT_ROLES = frozenset({Role.HANDLER, Role.UNIT_LEAD})
# Roles scoped by an area (they see what happens in it).
AREA_ROLES = frozenset({Role.SUPERVISOR, Role.GRID_WORKER, Role.PLANNER})
# The hotline centre: sees and steers every order.
CENTRE_ROLES = frozenset({Role.OPERATOR, Role.ADMIN})
