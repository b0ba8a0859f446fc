"""HTML pages: login, order list, order detail. Templates live in web/templates/."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from huitian.auth import service as auth_service
from huitian.auth.deps import OptionalPrincipal, SessionDep
from huitian.errors import Unauthorized

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "login.html", {"error": None})


@router.post("/login")
def login(request: Request, session: SessionDep, username: str = Form(...), password: str = Form(...)):
    try:
        user = auth_service.authenticate(session, username=username, password=password)
    except Unauthorized:
        return templates.TemplateResponse(
            request, "login.html", {"error": "用户名或密码错误"}, status_code=401
        )
    request.session.clear()
    request.session.update({"uid": user.id, "tv": user.token_version})
    return RedirectResponse("/orders", status_code=303)


@router.post("/logout")
def logout(request: Request):
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/")
def home(principal: OptionalPrincipal):
    return RedirectResponse("/orders" if principal else "/login", status_code=303)
