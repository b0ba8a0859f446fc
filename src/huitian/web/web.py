"""The site's own routes that belong to no domain: the favicon. The page toolkit is web/pages.py (templates,
page, login redirect, messages), web/forms.py (form handling) and web/render.py (labels, local times); the
pages themselves live in their domains' web.py (login in auth/, the order pages in orders/, the staff
console in console/)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import RedirectResponse

router = APIRouter(include_in_schema=False)


@router.get("/favicon.ico")
def favicon() -> RedirectResponse:
    """Browsers ask for it on pages that name no icon (a JSON or static file opened directly)."""
    return RedirectResponse("/static/favicon.svg", status_code=301)
