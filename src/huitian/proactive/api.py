"""Early warnings (未诉先办) and monthly topics (每月一题): JSON routes."""

from __future__ import annotations

from fastapi import APIRouter, Query

from huitian.auth.deps import AdminPrincipal, CurrentPrincipal, SessionDep, WriteSessionDep
from huitian.orders import service as orders_service
from huitian.proactive import service as proactive_service
from huitian.proactive.schemas import (
    CandidatePage,
    ComputeRead,
    EffectRead,
    TaskCreate,
    TopicCreate,
    TopicPage,
    TopicRead,
    WarningDecision,
    WarningPage,
    WarningRead,
    WarningToOrder,
)

router = APIRouter(prefix="/api/v1", tags=["proactive"])


# --- warnings -----------------------------------------------------------------------------------------


@router.get("/warnings", response_model=WarningPage)
def list_warnings(
    principal: CurrentPrincipal,
    session: SessionDep,
    status: str | None = None,
    kind: str | None = None,
    limit: int = Query(100, ge=1, le=1000),
):
    items, total = proactive_service.list_warnings(
        session, principal=principal, status=status, kind=kind, limit=limit
    )
    return {"items": proactive_service.read_warnings(session, warnings=items), "total": total}


@router.post("/warnings/compute", response_model=ComputeRead)
def compute(_: AdminPrincipal, session: WriteSessionDep):
    made = proactive_service.compute_warnings(session)
    items = proactive_service.read_warnings(session, warnings=made)
    session.commit()
    return {"created": len(made), "items": items}


@router.get("/warnings/{warning_id}", response_model=WarningRead)
def get_warning(warning_id: int, principal: CurrentPrincipal, session: SessionDep):
    w = proactive_service.get_warning(session, principal=principal, warning_id=warning_id)
    return proactive_service.read_warnings(session, warnings=[w])[0]


@router.post("/warnings/{warning_id}/decision", response_model=WarningRead)
def decide(warning_id: int, body: WarningDecision, principal: CurrentPrincipal, session: WriteSessionDep):
    w = proactive_service.decide_warning(
        session, principal=principal, warning_id=warning_id, action=body.action, note=body.note
    )
    out = proactive_service.read_warnings(session, warnings=[w])[0]
    session.commit()
    return out


@router.post("/warnings/{warning_id}/order", response_model=WarningRead, status_code=201)
def to_order(warning_id: int, body: WarningToOrder, principal: CurrentPrincipal, session: WriteSessionDep):
    order = proactive_service.warning_order(
        session, principal=principal, warning_id=warning_id, description=body.description
    )
    w = proactive_service.get_warning(session, principal=principal, warning_id=warning_id)
    out = proactive_service.read_warnings(session, warnings=[w])[0]
    out.order_number = orders_service.public_number(order)
    session.commit()
    return out


# --- topics -------------------------------------------------------------------------------------------


@router.get("/topics/candidates", response_model=CandidatePage)
def candidates(
    principal: CurrentPrincipal,
    session: SessionDep,
    month: str,
    level: str = "community",
    limit: int = Query(10, ge=1, le=50),
):
    items = proactive_service.candidates(session, principal=principal, month=month, level=level, limit=limit)
    return {"month": month, "level": level, "items": items}


@router.get("/topics", response_model=TopicPage)
def list_topics(principal: CurrentPrincipal, session: SessionDep, month: str | None = None):
    topics = proactive_service.list_topics(session, principal=principal, month=month)
    return {"items": [proactive_service.read_topic(session, topic=t) for t in topics]}


@router.post("/topics", response_model=TopicRead, status_code=201)
def choose(body: TopicCreate, principal: CurrentPrincipal, session: WriteSessionDep):
    topic = proactive_service.choose_topic(session, principal=principal, data=body)
    out = proactive_service.read_topic(session, topic=topic)
    session.commit()
    return out


@router.get("/topics/{topic_id}", response_model=TopicRead)
def get_topic(topic_id: int, principal: CurrentPrincipal, session: SessionDep):
    topic = proactive_service.get_topic(session, principal=principal, topic_id=topic_id)
    return proactive_service.read_topic(session, topic=topic)


@router.get("/topics/{topic_id}/orders")
def topic_orders(
    topic_id: int, principal: CurrentPrincipal, session: SessionDep, limit: int = Query(200, ge=1, le=2000)
) -> dict:
    items, total = proactive_service.topic_orders(
        session, principal=principal, topic_id=topic_id, limit=limit
    )
    return {"items": [i.model_dump(mode="json") for i in items], "total": total}


@router.get("/topics/{topic_id}/effect", response_model=EffectRead)
def topic_effect(topic_id: int, principal: CurrentPrincipal, session: SessionDep, months: int = 3):
    return proactive_service.effect(session, principal=principal, topic_id=topic_id, months=months)


@router.post("/topics/{topic_id}/tasks", response_model=TopicRead, status_code=201)
def add_task(topic_id: int, body: TaskCreate, principal: CurrentPrincipal, session: WriteSessionDep):
    proactive_service.add_task(session, principal=principal, topic_id=topic_id, data=body)
    topic = proactive_service.get_topic(session, principal=principal, topic_id=topic_id)
    out = proactive_service.read_topic(session, topic=topic)
    session.commit()
    return out


@router.post("/topics/{topic_id}/tasks/{task_id}/done", response_model=TopicRead)
def finish_task(topic_id: int, task_id: int, principal: CurrentPrincipal, session: WriteSessionDep):
    proactive_service.finish_task(session, principal=principal, topic_id=topic_id, task_id=task_id)
    topic = proactive_service.get_topic(session, principal=principal, topic_id=topic_id)
    out = proactive_service.read_topic(session, topic=topic)
    session.commit()
    return out


@router.post("/topics/{topic_id}/micro", status_code=201)
def raise_micro(topic_id: int, principal: CurrentPrincipal, session: WriteSessionDep) -> dict:
    micro = proactive_service.raise_micro_project(session, principal=principal, topic_id=topic_id)
    out = {"id": micro.id, "title": micro.title, "source": micro.source, "source_ref": micro.source_ref}
    session.commit()
    return out
