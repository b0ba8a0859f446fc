"""Imports every domain's tables so that Base.metadata is complete (Alembic, tests, the demo)."""

from huitian.areas.models import Area  # noqa: F401
from huitian.auth.models import ApiKey, AppSetting, User  # noqa: F401
from huitian.categories.models import Category  # noqa: F401
from huitian.db import Base
from huitian.orders.models import Assignment, Order, OrderEvent  # noqa: F401
from huitian.sla.models import CalendarDay, SlaPolicy  # noqa: F401
from huitian.units.models import Unit, UnitArea  # noqa: F401

metadata = Base.metadata
