"""The seed plans: the 2021–2025 action plan and the 2022 work plan, read from plans/data, and the
unit names they are written with linked to the units."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from huitian.plans.enums import PlanKind, ReportCycle, UnitRole
from huitian.plans.models import Plan, PlanSection, PlanTarget, PlanTask, Responsibility
from huitian.units.models import Unit

DATA_DIR = Path(__file__).parent / "data"
SEED_FILES = ("huitian-2021-2025.json", "huitian-2022.json")  # parents first


# --- seed plans -----------------------------------------------------------------------------------


def _unit_links(session: Session) -> dict[str, int]:
    """Unit name as written in a plan → unit id, through the alias table and exact names."""
    aliases = json.loads((DATA_DIR / "unit_aliases.json").read_text(encoding="utf-8"))
    by_code = dict(session.execute(select(Unit.code, Unit.id)).tuples().all())
    links = dict(session.execute(select(Unit.name, Unit.id)).tuples().all())
    for name, code in aliases.items():
        if not name.startswith("_") and code in by_code:
            links[name] = by_code[code]
    return links


def load_seed_plans(session: Session) -> list[Plan]:
    """Import the 2021–2025 action plan and the 2022 work plan from plans/data (idempotent: a plan whose
    code is already present is left as it is)."""
    links = _unit_links(session)
    plans = []
    for name in SEED_FILES:
        doc = json.loads((DATA_DIR / name).read_text(encoding="utf-8"))
        plan = session.scalar(select(Plan).where(Plan.code == doc["code"]))
        if plan is None:
            plan = _import_plan(session, doc=doc, links=links)
        plans.append(plan)
    return plans


def _import_plan(session: Session, *, doc: dict, links: dict[str, int]) -> Plan:
    parent = session.scalar(select(Plan).where(Plan.code == doc["parent"])) if doc.get("parent") else None
    plan = Plan(
        code=doc["code"],
        title=doc["title"],
        kind=PlanKind(doc["kind"]).value,
        start_year=doc["start_year"],
        end_year=doc["end_year"],
        parent_id=parent.id if parent else None,
        issuer=doc.get("issuer"),
        issued_on=date.fromisoformat(doc["issued_on"]) if doc.get("issued_on") else None,
        document_no=doc.get("document_no"),
    )
    session.add(plan)
    session.flush()
    position = 0
    for s_pos, sec in enumerate(doc["sections"]):
        section = PlanSection(
            plan_id=plan.id, number=sec["number"], title=sec["title"], intro=sec.get("intro"), position=s_pos
        )
        session.add(section)
        session.flush()
        for t in sec["tasks"]:
            task = PlanTask(
                plan_id=plan.id,
                section_id=section.id,
                number=t["number"],
                title=t["title"],
                text=t["text"],
                responsible_as_written=t.get("responsible_as_written"),
                report_cycle=ReportCycle.MONTHLY.value,
                position=position,
            )
            position += 1
            session.add(task)
            session.flush()
            for role, names in ((UnitRole.LEAD, t["lead_units"]), (UnitRole.CO, t["co_units"])):
                for i, unit_name in enumerate(names):
                    session.add(
                        Responsibility(
                            task_id=task.id,
                            role=role.value,
                            unit_name=unit_name,
                            unit_id=links.get(unit_name),
                            position=i,
                        )
                    )
            for i, tg in enumerate(t["targets"]):
                session.add(
                    PlanTarget(
                        plan_id=plan.id,
                        task_id=task.id,
                        indicator=tg["indicator"],
                        measure=tg["measure"],
                        comparator=tg["comparator"],
                        baseline=tg.get("baseline"),
                        target=tg["target"],
                        due=date.fromisoformat(tg["due"]) if tg.get("due") else None,
                        quote=tg.get("quote"),
                        position=i,
                    )
                )
    session.flush()
    return plan
