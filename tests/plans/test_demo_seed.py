"""The demo's plausible progress on the seed plans (plans.demo), on the test world."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, select

from huitian.plans import service
from huitian.plans.demo import seed_demo_progress
from huitian.plans.models import MicroProject, Milestone, ProgressReport, Project, SupervisionNote
from tests.web.conftest import browser, client  # noqa: F401

TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)


def _signature(s) -> list[tuple]:
    rows = s.execute(
        select(
            Project.name, Project.type, Project.status, Project.progress, Project.budget, Project.lat
        ).order_by(Project.id)
    ).all()
    dates = s.execute(
        select(Milestone.name, Milestone.planned_on, Milestone.actual_on).order_by(Milestone.id)
    ).all()
    return [tuple(r) for r in rows] + [tuple(d) for d in dates]


def test_the_seed_plans_get_projects_milestones_reports_and_a_library(db):
    with db.write() as s:
        multi, annual = service.load_seed_plans(s)
        counts = seed_demo_progress(s, rng_seed=7, today=TODAY)
        s.commit()
        assert counts["projects"] == s.scalar(select(func.count()).select_from(Project)) >= 46
        assert (
            s.scalar(select(func.count()).select_from(Milestone)) == counts["milestones"] > counts["projects"]
        )
        assert s.scalar(select(func.count()).select_from(ProgressReport)) == counts["reports"] > 0
        assert s.scalar(select(func.count()).select_from(SupervisionNote)) == counts["notes"] > 0
        assert 30 <= counts["micro_projects"] <= 60

        for plan in (multi, annual):
            read = service.read_plan(s, plan_id=plan.id, now=NOW)
            with_projects = [t for t in read.tasks if t.projects]
            assert len(with_projects) >= len(read.tasks) // 2
            for task in with_projects:
                assert 0 <= task.progress <= 100
                for p in task.projects:
                    assert p.milestones and p.area_code in ("S1", "S2", "C1")
                    assert 116.30 <= p.lon <= 116.40 and 40.05 <= p.lat <= 40.10
                    if p.status == "done":
                        assert p.progress == 100 and all(m.actual_on for m in p.milestones)
            assert 0 < read.progress < 100

        # Late milestones reach the monthly dispatch sheet (月调度), some projects with a missing report.
        sheets = [service.dispatch_sheet(s, plan_id=p.id, now=NOW) for p in (multi, annual)]
        reasons = [r for sheet in sheets for item in sheet.items for r in item.reasons]
        assert "milestone_overdue" in reasons
        assert "late" in reasons
        # Done projects finished some milestones late (actual after planned).
        late_done = s.scalar(
            select(func.count())
            .select_from(Milestone)
            .where(Milestone.actual_on.is_not(None), Milestone.actual_on > Milestone.planned_on)
        )
        assert late_done > 0

        page = service.micro_page(s, year=TODAY.year)
        assert 0 < page.count < page.target
        assert len(page.by_status) >= 3
        assert s.scalar(select(func.count()).select_from(MicroProject).where(MicroProject.year == 2025)) > 0

        # A unit's projects: the street office of the area is a co-responsible unit.
        mine = service.read_plan(s, plan_id=annual.id, now=NOW)
        assert any("一街道办事处" in p.co_units for t in mine.tasks for p in t.projects)


def test_seeding_is_deterministic_and_runs_once(db):
    with db.write() as s:
        service.load_seed_plans(s)
        s.commit()
        seed_demo_progress(s, rng_seed=7, today=TODAY)
        first = _signature(s)
        again = seed_demo_progress(s, rng_seed=7, today=TODAY)
        assert again["projects"] == 0 and _signature(s) == first  # already seeded: nothing added
        s.rollback()
        assert s.scalar(select(func.count()).select_from(Project)) == 0
        seed_demo_progress(s, rng_seed=7, today=TODAY)
        assert _signature(s) == first
        s.rollback()
        seed_demo_progress(s, rng_seed=8, today=TODAY)
        assert _signature(s) != first


def test_the_plan_pages_show_the_seeded_progress(db, browser):  # noqa: F811
    today = service.today()
    with db.write() as s:
        multi, annual = service.load_seed_plans(s)
        seed_demo_progress(s, today=today)
        s.commit()
        name = s.scalar(select(Project.name).where(Project.status == "blocked").order_by(Project.id))
        read = service.read_plan(s, plan_id=annual.id)
        st1 = next(p.name for t in read.tasks for p in t.projects if "一街道办事处" in p.co_units)
    assert name
    planner = browser("planner")
    sheets = "".join(planner.get(f"/plans/{p.id}/dispatch").text for p in (multi, annual))
    assert name in sheets  # a blocked project is on the monthly dispatch sheet
    dispatch = planner.get(f"/plans/{annual.id}/dispatch").text
    assert "节点逾期" in dispatch
    for path in ("/plans", f"/plans/{multi.id}", f"/plans/{annual.id}/roadmap", f"/plans/{annual.id}/map"):
        r = planner.get(path)
        assert r.status_code == 200, path
    assert "一社区" in planner.get(f"/plans/{multi.id}").text
    micro = planner.get(f"/plans/micro?year={today.year}")
    assert micro.status_code == 200 and "已入库" in micro.text
    todo = browser("handler1").get("/plans/todo")  # 一街道办事处 is a co unit of projects in its street
    assert todo.status_code == 200 and st1 in todo.text
