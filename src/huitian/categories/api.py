"""The request taxonomy."""

from __future__ import annotations

from fastapi import APIRouter, Query

from huitian.auth.deps import AdminPrincipal, CurrentPrincipal, SessionDep, WriteSessionDep
from huitian.categories import service as categories_service
from huitian.categories.schemas import CategoryCreate, CategoryRead, CategoryUpdate

router = APIRouter(prefix="/api/v1/categories", tags=["categories"])


@router.get("", response_model=list[CategoryRead])
def list_categories(
    _: CurrentPrincipal, session: SessionDep, level: int | None = Query(default=None, ge=1, le=3)
):
    return categories_service.list_categories(session, level=level)


@router.get("/{code}", response_model=CategoryRead)
def get_category(code: str, _: CurrentPrincipal, session: SessionDep):
    return categories_service.get_by_code(session, code=code)


@router.post("", response_model=CategoryRead, status_code=201)
def create_category(body: CategoryCreate, _: AdminPrincipal, session: WriteSessionDep):
    cat = categories_service.create_category(session, data=body)
    session.commit()
    return cat


@router.patch("/{code}", response_model=CategoryRead)
def update_category(code: str, body: CategoryUpdate, _: AdminPrincipal, session: WriteSessionDep):
    cat = categories_service.update_category(
        session, category=categories_service.get_by_code(session, code=code), data=body
    )
    session.commit()
    return cat
