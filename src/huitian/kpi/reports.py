"""Monthly reports per street/town and per unit, and their Excel workbook."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from sqlalchemy import and_, not_, or_, select
from sqlalchemy.orm import Session

from huitian.areas import service as areas_service
from huitian.areas.enums import AreaLevel
from huitian.auth.enums import Role
from huitian.auth.service import Principal
from huitian.db import utcnow
from huitian.errors import NotFound, Unprocessable
from huitian.kpi.enums import DEFAULTS, Measure
from huitian.kpi.ranking import _EVERYTHING, ranking
from huitian.kpi.rates import rate_item, rates
from huitian.kpi.rollup import Counts, _scope, month_bounds, parse_month, previous_month
from huitian.lib import xlsx
from huitian.orders import service as orders_service
from huitian.orders.enums import OrderStatus
from huitian.orders.models import Order
from huitian.sla import service as sla_service
from huitian.units import service as units_service

# --- monthly reports (per street/town and per unit) ------------------------------------------------------


@dataclass
class Subject:
    kind: str  # "street" or "unit"
    code: str
    name: str
    principal: Principal  # a principal whose scope is exactly the subject's orders


def report_subject(session: Session, *, principal: Principal, kind: str, code: str) -> Subject:
    """The street/town or unit a report is about, if the principal may see all of it: the centre any;
    an area role the streets within its area; a unit member its own unit. Anything else is a 404."""
    _scope(principal, Order.lead_unit_id, Order.area_path)  # 403 for those without figures
    missing = NotFound(f"no {kind} {code!r} to report on", field="code")
    if kind == "street":
        try:
            area = areas_service.get_by_code(session, code=code)
        except NotFound:
            raise missing from None
        own = principal.area_path if principal.is_area_scoped else None
        if area.level != AreaLevel.STREET.value or principal.is_unit_member:
            raise missing
        if not principal.is_centre and not (own and area.path.startswith(own)):
            raise missing
        sub = Principal(role=Role.SUPERVISOR, name=area.name, area_id=area.id, area_path=area.path)
        return Subject("street", area.code, area.name, sub)
    if kind == "unit":
        try:
            unit = units_service.get_by_code(session, code=code)
        except NotFound:
            raise missing from None
        if not principal.is_centre and not (principal.is_unit_member and principal.unit_id == unit.id):
            raise missing
        sub = Principal(role=Role.HANDLER, name=unit.name, unit_id=unit.id)
        return Subject("unit", unit.code, unit.name, sub)
    raise Unprocessable(f"a report is per street or per unit, got {kind!r}", field="kind")


def _one(items: list[dict], key: str, name: str) -> dict:
    found = next((i for i in items if i["key"] == key), None)
    return found or rate_item(key, name, Counts(), weights=DEFAULTS, basic_weight=0)


def overdue_in_month(session: Session, *, principal: Principal, month: str, now: datetime | None = None):
    """Orders (in the principal's scope) whose reply was due in the month and came late or not at all
    (by `now`), by due time; unreasonable orders left out."""
    start, end = month_bounds(month)
    now = now or utcnow()
    late = or_(Order.replied_at > Order.reply_due, and_(Order.replied_at.is_(None), Order.reply_due < now))
    return list(
        session.scalars(
            select(Order)
            .where(
                _scope(principal, Order.lead_unit_id, Order.area_path),
                Order.reply_due >= start,
                Order.reply_due < end,
                not_(Order.unreasonable),
                Order.lead_unit_id.is_not(None),
                late,
            )
            .order_by(Order.reply_due, Order.id)
        )
    )


def monthly_report(
    session: Session,
    *,
    principal: Principal,
    kind: str,
    code: str,
    month: str,
    basic_weight: float,
    now: datetime | None = None,
) -> dict:
    """The monthly report of a street/town or a unit: its rates against the previous month, its place in
    the ranking (streets: the street ranking with tiers; units: the units' league by score), the top
    problems (first-level categories by orders dispatched), the orders answered late, and per community
    (streets). Every figure carries the link to the orders behind it."""
    month = parse_month(month)
    subject = report_subject(session, principal=principal, kind=kind, code=code)
    prev = previous_month(month)
    who = subject.principal
    group = "street" if kind == "street" else "unit"

    def figures(m: str) -> dict:
        out = rates(session, principal=who, month=m, by=group, basic_weight=basic_weight)
        return _one(out["items"], subject.code, subject.name)

    def drill(by: str, key: str, measure: str) -> str:
        q = {"month": month, "by": by, "key": key, "measure": measure, "within": f"{kind}:{subject.code}"}
        return "/dashboard/orders?" + urlencode(q)

    current = figures(month)
    current["links"] = {m.value: drill(group, subject.code, m.value) for m in Measure}
    if kind == "street":
        league = ranking(session, principal=_EVERYTHING, month=month, basic_weight=basic_weight)["items"]
    else:
        units = rates(session, principal=_EVERYTHING, month=month, by="unit", basic_weight=basic_weight)
        scored = sorted(units["items"], key=lambda i: (i["score"] is None, -(i["score"] or 0), i["key"]))
        league = [i | {"rank": n + 1 if i["score"] is not None else None} for n, i in enumerate(scored)]
    place = next((i for i in league if i["key"] == subject.code), None)
    cats = rates(session, principal=who, month=month, by="category", basic_weight=basic_weight)["items"]
    top = sorted(cats, key=lambda i: (-i["dispatched"], i["key"]))[:10]
    for item in top:
        item["link"] = drill("category", item["key"], Measure.RESPONSE.value)
    unit_names = {u.id: u.name for u in units_service.directory(session).values()}
    overdue = overdue_in_month(session, principal=who, month=month, now=now)
    # titles as the reader's order lists show them: personal data masked unless they see it
    seen = orders_service.personal_data_seen(session, orders=overdue, principal=principal)

    def title_of(o: Order) -> str:
        return o.title or (o.description or "")[:30]

    late = [
        {
            "id": o.id,
            "number": orders_service.public_number(o),
            "title": orders_service.text_mask(o, unmasked=o.id in seen)(title_of(o)),
            "lead_unit": unit_names.get(o.lead_unit_id, ""),
            "status": OrderStatus(o.status).label,
            "reply_due": o.reply_due,
            "replied_at": o.replied_at,
            "link": f"/orders/{orders_service.public_number(o)}",
        }
        for o in overdue
    ]
    communities = []
    if kind == "street":
        communities = rates(session, principal=who, month=month, by="community", basic_weight=basic_weight)[
            "items"
        ]
    return {
        "kind": kind,
        "kind_label": "街道/镇" if kind == "street" else "承办单位",
        "code": subject.code,
        "name": subject.name,
        "month": month,
        "previous_month": prev,
        "figures": current,
        "previous": figures(prev),
        "place": place,
        "ranked": sum(1 for i in league if i.get("rank")),
        "league": league,
        "top_problems": top,
        "overdue": late,
        "communities": communities,
    }


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.1f}%"


def report_xlsx(report: dict) -> bytes:
    """The monthly report as an Excel workbook: 概况 (rates, this month and the previous), 排名, 问题分类
    (with a native bar chart), 超期工单. Rates are written as numbers (fractions) formatted as percents."""
    import io

    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "概况"
    bold = Font(bold=True)
    ws.append(xlsx.row(ws, [f"{report['name']} {report['month']} 月度考核报告"]))
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([])
    ws.append(xlsx.row(ws, ["指标", report["month"], report["previous_month"]]))
    for cell in ws[3]:
        cell.font = bold
    cur, prev = report["figures"], report["previous"]
    for label, key in (
        ("派单量", "dispatched"),
        ("考核工单", "assessed"),
        ("响应率", "response_rate"),
        ("解决率", "resolution_rate"),
        ("满意率", "satisfaction_rate"),
        ("综合得分", "score"),
        ("不纳入考核", "excluded"),
    ):
        ws.append(xlsx.row(ws, [label, cur[key], prev[key]]))
        if key.endswith("rate") or key == "score":
            for c in ws[ws.max_row][1:]:
                c.number_format = "0.0%"
    place = report["place"] or {}
    ws.append([])
    ws.append(xlsx.row(ws, ["排名", place.get("rank"), f"共 {report['ranked']} 个"]))
    if report["kind"] == "street":
        ws.append(xlsx.row(ws, ["类别", place.get("tier") or "—"]))
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 14
    ws.column_dimensions["C"].width = 14

    rk = wb.create_sheet("排名")
    rk.append(["名次", "编码", "名称", "响应率", "解决率", "满意率", "综合得分", "类别"])
    for cell in rk[1]:
        cell.font = bold
    for i in report["league"]:
        rk.append(
            xlsx.row(
                rk,
                [
                    i.get("rank"),
                    i["key"],
                    i["name"],
                    i["response_rate"],
                    i["resolution_rate"],
                    i["satisfaction_rate"],
                    i["score"],
                    i.get("tier") or "",
                ],
            )
        )
        for c in rk[rk.max_row][3:7]:
            c.number_format = "0.0%"

    cats = wb.create_sheet("问题分类")
    cats.append(["分类编码", "分类", "派单量", "响应率", "解决率", "满意率"])
    for cell in cats[1]:
        cell.font = bold
    for i in report["top_problems"]:
        cats.append(
            xlsx.row(
                cats,
                [
                    i["key"],
                    i["name"],
                    i["dispatched"],
                    i["response_rate"],
                    i["resolution_rate"],
                    i["satisfaction_rate"],
                ],
            )
        )
        for c in cats[cats.max_row][3:6]:
            c.number_format = "0.0%"
    if report["top_problems"]:
        chart = BarChart()
        chart.type = "bar"
        chart.title = "高频问题(派单量)"
        chart.y_axis.title = "派单量"
        n = len(report["top_problems"]) + 1
        chart.add_data(Reference(cats, min_col=3, min_row=1, max_row=n), titles_from_data=True)
        chart.set_categories(Reference(cats, min_col=2, min_row=2, max_row=n))
        chart.height, chart.width = 8, 16
        cats.add_chart(chart, "H2")

    late = wb.create_sheet("超期工单")
    late.append(["工单编号", "标题", "承办单位", "状态", "答复期限", "答复时间"])
    for cell in late[1]:
        cell.font = bold
    tz = sla_service.local_tz()

    def naive(t: datetime | None):
        return t.astimezone(tz).replace(tzinfo=None) if t else None

    for o in report["overdue"]:
        late.append(
            xlsx.row(
                late,
                [
                    o["number"],
                    o["title"],
                    o["lead_unit"],
                    o["status"],
                    naive(o["reply_due"]),
                    naive(o["replied_at"]),
                ],
            )
        )
        for c in late[late.max_row][4:6]:
            c.number_format = "yyyy-mm-dd hh:mm"
    for sheet in (rk, cats, late):
        sheet.column_dimensions["B"].width = 24
        sheet.column_dimensions["C"].width = 18

    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
