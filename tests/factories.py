"""A small world for tests: one district split into two streets, a community with two grids,
units of every kind that matters, a two-branch taxonomy, and one user per role and scope."""

from __future__ import annotations

from sqlalchemy.orm import Session

from huitian.areas import service as areas_service
from huitian.areas.enums import AreaLevel
from huitian.areas.schemas import AreaCreate
from huitian.auth import service as auth_service
from huitian.auth.enums import Role
from huitian.auth.schemas import UserCreate
from huitian.categories import service as categories_service
from huitian.categories.schemas import CategoryCreate
from huitian.sla.enums import TimeLimitClass
from huitian.units import service as units_service
from huitian.units.enums import UnitKind
from huitian.units.schemas import UnitCreate


def box(x0: float, y0: float, x1: float, y1: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


# Points (lon, lat) inside each grid / street, WGS-84.
IN_G1 = (116.31, 40.07)
IN_G2 = (116.33, 40.07)
IN_S2 = (116.38, 40.07)

USERS = {
    "operator": (Role.OPERATOR, None, None),
    "admin": (Role.ADMIN, None, None),
    "handler1": (Role.HANDLER, "ST1", None),
    "lead1": (Role.UNIT_LEAD, "ST1", None),
    "handler2": (Role.HANDLER, "ST2", None),
    "bureau": (Role.HANDLER, "BUR", None),
    "utility": (Role.HANDLER, "UT", None),
    "district": (Role.HANDLER, "GOV", None),
    "super1": (Role.SUPERVISOR, None, "S1"),
    "super2": (Role.SUPERVISOR, None, "S2"),
    "grid1": (Role.GRID_WORKER, None, "G1"),
    "planner": (Role.PLANNER, None, "D1"),
    "resident1": (Role.RESIDENT, None, None),
    "resident2": (Role.RESIDENT, None, None),
}


def build_world(session: Session, *, password: str) -> None:
    areas = [
        ("D1", "测试区", AreaLevel.DISTRICT, None, box(116.30, 40.05, 116.40, 40.10)),
        ("S1", "一街道", AreaLevel.STREET, "D1", box(116.30, 40.05, 116.35, 40.10)),
        ("S2", "二街道", AreaLevel.STREET, "D1", box(116.35, 40.05, 116.40, 40.10)),
        ("C1", "一社区", AreaLevel.COMMUNITY, "S1", box(116.30, 40.05, 116.35, 40.10)),
        ("G1", "一社区第1网格", AreaLevel.GRID, "C1", box(116.30, 40.05, 116.32, 40.10)),
        ("G2", "一社区第2网格", AreaLevel.GRID, "C1", box(116.32, 40.05, 116.35, 40.10)),
    ]
    for code, name, level, parent, geom in areas:
        areas_service.create_area(
            session,
            data=AreaCreate(code=code, name=name, level=level, parent=parent, geometry=geom, population=1000),
        )
    units = [
        ("HOTLINE", "12345热线中心", UnitKind.HOTLINE_CENTRE, None, []),
        ("GOV", "测试区人民政府", UnitKind.DISTRICT_GOVERNMENT, None, ["D1"]),
        ("ST1", "一街道办事处", UnitKind.STREET_OFFICE, "GOV", ["S1"]),
        ("ST2", "二街道办事处", UnitKind.STREET_OFFICE, "GOV", ["S2"]),
        ("BUR", "区城管委", UnitKind.DISTRICT_BUREAU, None, ["D1"]),
        ("UT", "热力公司", UnitKind.UTILITY, None, ["D1"]),
    ]
    for code, name, kind, parent, served in units:
        units_service.create_unit(
            session, data=UnitCreate(code=code, name=name, kind=kind, parent=parent, areas=served)
        )
    cats = [
        ("01", "城乡建设", None, TimeLimitClass.ORDINARY),
        ("0101", "市政设施", "01", TimeLimitClass.ORDINARY),
        ("010101", "路灯不亮", "0101", TimeLimitClass.ORDINARY),
        ("02", "供暖", None, TimeLimitClass.UTILITY),
        ("0201", "暖气不热", "02", TimeLimitClass.UTILITY),
        ("020101", "室温不达标", "0201", TimeLimitClass.UTILITY),
        ("03", "疑难", None, TimeLimitClass.COMPLEX),
    ]
    for code, name, parent, klass in cats:
        categories_service.create_category(
            session, data=CategoryCreate(code=code, name=name, parent=parent, time_limit_class=klass)
        )
    for username, (role, unit, area) in USERS.items():
        auth_service.create_user(
            session,
            data=UserCreate(
                username=username, password=password, role=role, unit=unit, area=area, display_name=username
            ),
        )
