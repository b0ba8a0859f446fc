"""Admin page of the learned models (/admin/models): the versions of the category and unit models with
their evaluation (macro-F1, accuracy, n, per class), the active one, roll back (activate an older one),
the auto-dispatch threshold and retraining settings, "train now" (the worker's next round), and the
latest training runs."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from huitian.auth.deps import OptionalPrincipal, SessionDep, WriteSessionDep
from huitian.categories import service as categories_service
from huitian.errors import DomainError
from huitian.intelligence import jobs
from huitian.intelligence import service as intelligence_service
from huitian.units import service as units_service
from huitian.web.forms import SECTIONS, refused
from huitian.web.pages import error_message, page

router = APIRouter(include_in_schema=False)
PATH = "/admin/models"
TARGET_LABELS = {"category": "诉求分类模型", "unit": "承办单位模型"}
RUN_LABELS = {"running": "训练中", "promoted": "已启用", "kept": "未启用(不优于当前版本)", "failed": "失败"}
MODEL_SECTION = (PATH, "派单模型", "分类与承办单位模型的版本、评估、回滚,自动派单阈值")


def _sections() -> list[tuple[str, str, str]]:
    return SECTIONS if any(s[0] == PATH for s in SECTIONS) else [*SECTIONS, MODEL_SECTION]


def _page(request, principal, session, *, errors=None, values=None, notice=None, status_code=200) -> Response:
    names = {
        "category": dict(categories_service.options(session)),
        "unit": {u.code: u.name for u in units_service.directory(session).values()},
    }
    threshold = intelligence_service.auto_dispatch_threshold(session)
    current = {
        "threshold": "" if threshold is None else f"{threshold:g}",
        "retrain_min_new": str(intelligence_service.retrain_min_new(session)),
    }
    context = {
        "sections": _sections(),
        "targets": [
            (t, TARGET_LABELS[t], intelligence_service.list_models(session, target=t))
            for t in intelligence_service.TARGETS
        ],
        "label_names": names,
        "runs": intelligence_service.list_runs(session),
        "run_labels": RUN_LABELS,
        "target_labels": TARGET_LABELS,
        "requested": intelligence_service.training_requested(session),
        "check_minutes": int(jobs.CHECK_INTERVAL_S // 60),
        "values": {**current, **(values or {})},
        "errors": errors or {},
        "notice": notice,
    }
    return page(request, "intelligence/models.html", principal, context, status_code=status_code)


@router.get(PATH, response_class=HTMLResponse)
def models_page(request: Request, principal: OptionalPrincipal, session: SessionDep) -> Response:
    return refused(request, principal) or _page(request, principal, session)


@router.post(f"{PATH}/settings")
def save_settings(
    request: Request,
    principal: OptionalPrincipal,
    session: WriteSessionDep,
    threshold: str | None = Form(None),
    retrain_min_new: str | None = Form(None),
) -> Response:
    if no := refused(request, principal):
        return no
    values = {"threshold": (threshold or "").strip(), "retrain_min_new": (retrain_min_new or "").strip()}
    errors: dict[str, str] = {}
    try:
        value = float(values["threshold"]) if values["threshold"] else None
    except ValueError:
        errors["threshold"] = "自动派单阈值须为 0 到 1 之间的数,留空表示关闭"
    try:
        min_new = int(values["retrain_min_new"])
    except ValueError:
        min_new = 0
    if min_new < 1:
        errors["retrain_min_new"] = "重新训练所需新办结工单数须为正整数"
    if not errors:
        try:
            intelligence_service.set_auto_dispatch_threshold(session, threshold=value)
            intelligence_service.set_retrain_min_new(session, value=min_new)
            session.commit()
        except DomainError as exc:
            session.rollback()
            errors[exc.field or "_"] = error_message(exc)
    if errors:
        return _page(request, principal, session, errors=errors, values=values, status_code=422)
    return RedirectResponse(PATH, status_code=303)


@router.post(f"{PATH}/train")
def train_now(request: Request, principal: OptionalPrincipal, session: WriteSessionDep) -> Response:
    if no := refused(request, principal):
        return no
    intelligence_service.request_training(session, principal=principal)
    session.commit()
    return RedirectResponse(PATH, status_code=303)


@router.post(f"{PATH}/{{model_id}}/activate")
def activate(
    model_id: int, request: Request, principal: OptionalPrincipal, session: WriteSessionDep
) -> Response:
    if no := refused(request, principal):
        return no
    try:
        intelligence_service.activate_model(session, model_id=model_id)
        session.commit()
    except DomainError as exc:
        session.rollback()
        status = exc.status_code if 400 <= exc.status_code < 500 else 422
        return _page(request, principal, session, errors={"_": error_message(exc)}, status_code=status)
    return RedirectResponse(PATH, status_code=303)
