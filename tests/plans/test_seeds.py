"""The 2021–2025 action plan and the 2022 work plan, loaded from plans/data, checked against the seeds."""

from __future__ import annotations

from sqlalchemy import func, select

from huitian.plans import service
from huitian.plans.models import Plan, PlanTarget, PlanTask


def _targets(session, code: str) -> dict[tuple[str, str], PlanTarget]:
    plan = session.scalar(select(Plan).where(Plan.code == code))
    rows = session.execute(
        select(PlanTask.number, PlanTarget)
        .join(PlanTask, PlanTask.id == PlanTarget.task_id)
        .where(PlanTarget.plan_id == plan.id)
    ).all()
    return {(number, t.indicator): t for number, t in rows}


def test_the_seed_plans_load_with_all_their_tasks_and_targets(db):
    with db.write() as s:
        multi, annual = service.load_seed_plans(s)
        s.commit()
        assert s.scalar(select(func.count()).where(PlanTask.plan_id == multi.id)) == 23
        assert s.scalar(select(func.count()).where(PlanTask.plan_id == annual.id)) == 23
        assert s.scalar(select(func.count()).where(PlanTarget.plan_id == multi.id)) == 16
        assert s.scalar(select(func.count()).where(PlanTarget.plan_id == annual.id)) == 29
        assert annual.parent_id == multi.id


def test_loading_the_seed_plans_twice_adds_nothing(db):
    with db.write() as s:
        first = [p.id for p in service.load_seed_plans(s)]
        second = [p.id for p in service.load_seed_plans(s)]
        assert first == second
        assert s.scalar(select(func.count()).select_from(Plan)) == 2
        assert s.scalar(select(func.count()).select_from(PlanTask)) == 46


def test_the_2021_2025_figures_match_the_action_plan(db):
    with db.write() as s:
        service.load_seed_plans(s)
        t = _targets(s, "huitian-2021-2025")
        places = t[("3", "新增幼儿园和中小学学位")]
        assert (places.target, places.measure, places.comparator) == (20000, "个", ">=")
        assert t[("11", "新增各类停车位")].target == 18000
        assert (t[("8", "建设道路里程")].target, t[("8", "建设道路里程")].measure) == (70, "公里")
        assert t[("4", "新增医疗床位")].target == 1800
        assert t[("16", "新增特色商业街区")].target == 2
        assert str(places.due) == "2025-12-31"


def test_the_2022_figures_match_the_work_plan(db):
    with db.write() as s:
        service.load_seed_plans(s)
        t = _targets(s, "huitian-2022")
        assert t[("3", "新增学位")].target == 4140
        assert (t[("8", "改造通车道路里程")].target, t[("8", "改造通车道路里程")].comparator) == (10, ">=")
        assert t[("11", "增加停车位")].target == 5000
        assert (t[("13", "新增公园绿地")].target, t[("13", "新增公园绿地")].measure) == (700, "亩")
        assert t[("10", "安装共享单车“入栏结算”点位")].target == 1200
        assert t[("10", "投用慢行系统")].target == 6
        assert t[("15", "老旧小区综合整治")].target == 22
        assert (t[("3", "幼儿园普惠率")].target, t[("3", "幼儿园普惠率")].measure) == (90, "%")


def test_tasks_keep_their_responsible_units_as_written(api, db):
    with db.write() as s:
        multi, _ = service.load_seed_plans(s)
        s.commit()
    plan = api.get("operator", f"/api/v1/plans/{multi.id}").json()
    task17 = next(t for t in plan["tasks"] if t["number"] == "17")
    assert task17["lead_units"] == ["昌平区政府"]
    assert task17["co_units"] == ["市科委", "中关村管委会", "市人力资源社会保障局"]
    assert task17["title"] == "打造创新社区"
