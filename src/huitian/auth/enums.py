"""Roles of the people and machines that use Huitian."""

from huitian.lib.vocab import Vocabulary


class Role(Vocabulary):
    RESIDENT = ("resident", "居民")
    OPERATOR = ("operator", "12345话务员/派单员")
    HANDLER = ("handler", "承办单位工作人员")
    UNIT_LEAD = ("unit_lead", "单位负责人")
    SUPERVISOR = ("supervisor", "街道/专班督办")
    GRID_WORKER = ("grid_worker", "网格员")
    PLANNER = ("planner", "专班规划")
    ADMIN = ("admin", "系统管理员")


# Roles that belong to a unit (承办单位) and act on the orders assigned to it.
UNIT_ROLES = frozenset({Role.HANDLER, Role.UNIT_LEAD})
# Roles scoped by an area (they see what happens in it).
AREA_ROLES = frozenset({Role.SUPERVISOR, Role.GRID_WORKER, Role.PLANNER})
# The hotline centre: sees and steers every order.
CENTRE_ROLES = frozenset({Role.OPERATOR, Role.ADMIN})
