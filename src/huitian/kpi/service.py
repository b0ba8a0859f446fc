"""Assessment: the three rates (三率) and the composite score, the monthly ranking of streets/towns with
their tiers, the orders behind every figure, 吹哨报到 both ways, and the monthly rollup cube.

Definitions (DOMAIN.md, "Callback and assessment"). A month is a calendar month in local time
(settings.timezone, Asia/Shanghai). An order is *assessable* once it has reached a unit: it has a lead
unit and a dispatch time. Orders answered at once or closed at intake (Art. 11) never reach a unit and
are never counted; an order returned by its unit and not yet re-dispatched has no lead unit and waits.

- 响应率 is counted in the month of the order's dispatch (``dispatched_at``: the latest handling round,
  so a re-dispatched or reopened order counts once, in the month of its current round):
  ``dispatched`` = orders dispatched in the month; responded = those whose citizen was contacted
  within the contact limit (``contacted_at <= contact_due``); 响应率 = responded ÷ dispatched.
- 解决率 and 满意率 are counted in the month of the callback (``called_back_at``), because that is when
  the result is known: 解决率 = resolved ÷ called back; 满意率 = (满意 + 基本满意 × w) ÷ called back,
  w = settings.satisfaction_weight_basic (HUITIAN_SATISFACTION_WEIGHT_BASIC, default 0.8).
- ``assessed`` = distinct orders counted in any rate of the month; ``excluded`` = distinct orders that
  would have been counted but are marked unreasonable (不合理诉求): they are in no rate.
- score = w1·响应率 + w2·解决率 + w3·满意率 (kpi_settings: weight_response / weight_resolution /
  weight_satisfaction, default 0.1 / 0.45 / 0.45). A rate whose denominator is 0 is null (no figure,
  not 0), and the score is then taken over the rates that exist, their weights renormalised to sum 1;
  the score is null when no rate exists.
- Groups: ``unit`` = the lead unit; ``street`` / ``community`` = the area of that level on the order's
  area path (key "-" for orders outside every area); ``category`` = the first level of the category
  (key "-" for uncategorised orders).

Scope: operators and admins see everything; a unit member sees the orders its unit leads; an area role
(supervisor, grid worker, planner) sees the orders in its area; residents see no figures (403).

The domain's public face: other domains, the routes, the jobs and the tests use
``from huitian.kpi import service as kpi_service``. The work lives in modules by concern, re-exported here:
kpi.rollup (months, scope, the counters per cell, the rollup cube and its refresh), kpi.rates (the three
rates and the score, the settings, the orders behind a figure), kpi.ranking (street ranking and tiers),
kpi.whistles (吹哨报到), kpi.dashboard (open orders, intake, the map, trends) and kpi.reports (monthly
reports and their Excel workbook).
"""

from __future__ import annotations

from huitian.areas import service as areas_service
from huitian.db import utcnow
from huitian.kpi.dashboard import (
    OPEN,
    category_trend,
    children,
    focus_area,
    grid_map,
    intake_by_hour,
    live_counts,
    open_cells,
    orders_link,
    overdue_orders,
    refresh_open,
)
from huitian.kpi.models import KpiOpenSnapshot
from huitian.kpi.ranking import assign_tiers, ranking
from huitian.kpi.rates import orders_behind, rate_item, rates, settings_values, update_settings
from huitian.kpi.reports import Subject, monthly_report, overdue_in_month, report_subject, report_xlsx
from huitian.kpi.rollup import (
    COUNTERS,
    NONE_KEY,
    Counts,
    _live_cells,
    cells,
    month_bounds,
    month_of,
    months_to_refresh,
    parse_by,
    parse_month,
    previous_month,
    refresh,
    refresh_month,
)
from huitian.kpi.whistles import whistles
from huitian.orders import service as orders_service
from huitian.orders.models import Order
from huitian.sla import service as sla_service

# Besides the domain's functions, a few names callers reach through this module (kpi.api and kpi.web:
# utcnow, areas_service, sla_service; the tests: Order, KpiOpenSnapshot, orders_service; bench: _live_cells).
__all__ = [
    "COUNTERS",
    "NONE_KEY",
    "OPEN",
    "Counts",
    "KpiOpenSnapshot",
    "Order",
    "Subject",
    "_live_cells",
    "areas_service",
    "assign_tiers",
    "category_trend",
    "cells",
    "children",
    "focus_area",
    "grid_map",
    "intake_by_hour",
    "live_counts",
    "month_bounds",
    "month_of",
    "monthly_report",
    "months_to_refresh",
    "open_cells",
    "orders_behind",
    "orders_link",
    "orders_service",
    "overdue_in_month",
    "overdue_orders",
    "parse_by",
    "parse_month",
    "previous_month",
    "ranking",
    "rate_item",
    "rates",
    "refresh",
    "refresh_month",
    "refresh_open",
    "report_subject",
    "report_xlsx",
    "settings_values",
    "sla_service",
    "update_settings",
    "utcnow",
    "whistles",
]
