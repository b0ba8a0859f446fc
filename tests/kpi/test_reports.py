"""Monthly reports per street and per unit: the Excel workbook (opened with openpyxl) and the printable
page hold the figures worked out by hand here; scope decides who may have which report."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from huitian.kpi import service as kpi_service
from tests.kpi.conftest import S2, bj, handled

BASIC = 0.8  # the default 基本满意 weight


@pytest.fixture
def march(db):
    """S1 in March 2026 (all led by ST1): A responded, resolved, satisfied; B contacted late, not
    resolved, basically satisfied; E responded but never replied (late); D unreasonable. One S2 order."""
    with db.write() as s:
        ids = {
            "A": handled(s, at=bj(3, 2), callback=(True, "satisfied")),
            "B": handled(s, at=bj(3, 3), contact_after_h=30, callback=(False, "basically_satisfied")),
            "E": handled(s, at=bj(3, 2, 11)),
            "D": handled(s, at=bj(3, 4), callback=(True, "satisfied"), unreasonable=True),
            "S2": handled(s, at=bj(3, 5), where=S2, unit="ST2", callback=(True, "satisfied")),
        }
        numbers = {
            k: kpi_service.orders_service.public_number(s.get(kpi_service.Order, v)) for k, v in ids.items()
        }
        s.commit()
    return numbers


# Worked out by hand for S1 (and ST1): dispatched A, B, E; responded A, E; called back A, B.
RESPONSE = 2 / 3
RESOLUTION = 1 / 2
SATISFACTION = (1 + BASIC) / 2
SCORE = 0.1 * RESPONSE + 0.45 * RESOLUTION + 0.45 * SATISFACTION


def workbook(api, who: str, path: str):
    r = api.get(who, path, params={"month": "2026-03"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(r.content))


def rows(ws) -> dict:
    return {row[0]: row[1:] for row in ws.iter_rows(values_only=True) if row and row[0] is not None}


def test_the_street_report_workbook_holds_the_hand_worked_figures(api, march):
    wb = workbook(api, "super1", "/api/v1/kpi/reports/street/S1.xlsx")
    assert wb.sheetnames == ["概况", "排名", "问题分类", "超期工单"]
    summary = rows(wb["概况"])
    assert summary["派单量"][0] == 3 and summary["不纳入考核"][0] == 1
    assert summary["响应率"][0] == pytest.approx(RESPONSE, abs=1e-6)
    assert summary["解决率"][0] == pytest.approx(RESOLUTION, abs=1e-6)
    assert summary["满意率"][0] == pytest.approx(SATISFACTION, abs=1e-6)
    assert summary["综合得分"][0] == pytest.approx(SCORE, abs=1e-6)
    assert summary["派单量"][1] == 0  # February: nothing
    # S2 scores 1.0 on resolution and satisfaction, S1 less: S1 is second of two
    assert summary["排名"][0] == 2 and summary["类别"][0] in ("治理类", "整改类")
    ranking = [r for r in wb["排名"].iter_rows(min_row=2, values_only=True)]
    assert [(r[0], r[1]) for r in ranking] == [(1, "S2"), (2, "S1")]
    problems = rows(wb["问题分类"])
    assert problems["01"][0] == "城乡建设" and problems["01"][1] == 3
    assert len(wb["问题分类"]._charts) == 1  # a native bar chart of the top problems
    late = [r[0] for r in wb["超期工单"].iter_rows(min_row=2, values_only=True)]
    assert late == [march["E"]]


def test_the_unit_report_of_st1_has_the_same_figures_and_a_place_among_units(api, march):
    wb = workbook(api, "lead1", "/api/v1/kpi/reports/unit/ST1.xlsx")
    summary = rows(wb["概况"])
    assert summary["派单量"][0] == 3
    assert summary["综合得分"][0] == pytest.approx(SCORE, abs=1e-6)
    assert summary["排名"][0] == 2
    assert "类别" not in summary


def test_reports_follow_scope(api, march):
    month = {"month": "2026-03"}
    assert api.get("super2", "/api/v1/kpi/reports/street/S1.xlsx", params=month).status_code == 404
    assert api.get("grid1", "/api/v1/kpi/reports/street/S1.xlsx", params=month).status_code == 404
    assert api.get("handler2", "/api/v1/kpi/reports/unit/ST1.xlsx", params=month).status_code == 404
    assert api.get("handler1", "/api/v1/kpi/reports/street/S1.xlsx", params=month).status_code == 404
    assert api.get("planner", "/api/v1/kpi/reports/street/S1.xlsx", params=month).status_code == 200
    assert api.get("operator", "/api/v1/kpi/reports/unit/ST2.xlsx", params=month).status_code == 200
    assert api.get("resident1", "/api/v1/kpi/reports/street/S1.xlsx", params=month).status_code == 403
    assert api.get("operator", "/api/v1/kpi/reports/street/C1.xlsx", params=month).status_code == 404
    r = api.get("operator", "/api/v1/kpi/reports/town/S1.xlsx", params=month)
    assert r.status_code == 422 and r.json()["field"] == "kind"
    r = api.get("operator", "/api/v1/kpi/reports/street/S1.xlsx", params={"month": "2026-3"})
    assert r.status_code == 422 and r.json()["field"] == "month"


def test_the_printable_page_shows_the_figures_the_chart_data_and_the_late_orders(api, march):
    r = api.get("super1", "/reports/street/S1", params={"month": "2026-03"})
    assert r.status_code == 200, r.text
    page = r.text
    assert f'id="report-score">{SCORE * 100:.1f}%<' in page
    assert 'id="report-rank">2<' in page
    assert "/api/v1/kpi/reports/street/S1.xlsx?month=2026-03" in page
    assert f'href="/orders/{march["E"]}"' in page and march["S2"] not in page
    assert 'id="chart-rates"' in page and 'id="chart-top"' in page and "/static/kpi.css" in page
    assert "<script>" not in page and 'style="' not in page
    # the figures link to the orders behind them, within the report's street
    assert "within=street%3AS1" in page
    assert api.get("super2", "/reports/street/S1", params={"month": "2026-03"}).status_code == 404


def test_a_report_figure_link_leads_to_exactly_its_orders(api, march):
    out = api.get(
        "super1",
        "/api/v1/kpi/orders",
        params={
            "month": "2026-03",
            "by": "category",
            "key": "01",
            "measure": "response",
            "within": "street:S1",
        },
    )
    assert out.status_code == 200, out.text
    body = out.json()
    assert {i["number"] for i in body["items"]} == {march["A"], march["B"], march["E"]}
    assert sum(i["counts"] for i in body["items"]) == 2
    bad = api.get(
        "super1",
        "/api/v1/kpi/orders",
        params={"month": "2026-03", "by": "street", "key": "S1", "measure": "response", "within": "nope"},
    )
    assert bad.status_code == 422 and bad.json()["field"] == "within"


def test_the_rolled_up_month_gives_the_same_workbook_figures(api, db, march):
    before = rows(workbook(api, "super1", "/api/v1/kpi/reports/street/S1.xlsx")["概况"])
    with db.write() as s:
        kpi_service.refresh(s, months=["2026-02", "2026-03"])
        s.commit()
    after = rows(workbook(api, "super1", "/api/v1/kpi/reports/street/S1.xlsx")["概况"])
    assert after == before


def test_the_report_workbook_writes_a_formula_like_title_as_text(api, db):
    """An order answered late whose title was typed as a formula is a text cell of 超期工单."""
    from tests.formulas import HYPERLINK, assert_written_as_text
    from tests.helpers import act_at, create_at
    from tests.kpi.conftest import S1

    with db.write() as s:
        order = create_at(s, bj(3, 2), lat=S1[1], lon=S1[0], title=HYPERLINK, description="+1+1")
        act_at(s, order, "operator", "dispatch", bj(3, 2, 11), unit="ST1")
        act_at(s, order, "handler1", "accept", bj(3, 2, 12))
        s.commit()
    r = api.get("super1", "/api/v1/kpi/reports/street/S1.xlsx", params={"month": "2026-03"})
    assert r.status_code == 200, r.text
    assert_written_as_text(r.content, [HYPERLINK])


def test_a_late_orders_title_in_the_report_is_masked_for_a_supervisor(api, db):
    """The report lists late orders' titles as the reader's order lists show them."""
    from tests.helpers import act_at, create_at
    from tests.kpi.conftest import S1

    title = "王小明电话13812345678反映路灯不亮"
    with db.write() as s:
        order = create_at(s, bj(3, 2), lat=S1[1], lon=S1[0], title=title, citizen_name="王小明")
        act_at(s, order, "operator", "dispatch", bj(3, 2, 11), unit="ST1")
        act_at(s, order, "handler1", "accept", bj(3, 2, 12))
        s.commit()
    late = [
        r[1]
        for r in workbook(api, "super1", "/api/v1/kpi/reports/street/S1.xlsx")["超期工单"].iter_rows(
            min_row=2, values_only=True
        )
    ]
    assert late == ["王**电话138****5678反映路灯不亮"]
    late = [
        r[1]
        for r in workbook(api, "operator", "/api/v1/kpi/reports/street/S1.xlsx")["超期工单"].iter_rows(
            min_row=2, values_only=True
        )
    ]
    assert late == [title]
