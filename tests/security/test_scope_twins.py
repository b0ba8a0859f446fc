"""API and pages agree on scope, generated from the route table: every GET route that has a twin — the
page /X and the API /api/v1/X, or a page and the API or Excel file that carries the same material —
gives each role the same verdict (allowed, or refused) on both, in a world holding one of each object."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.helpers import QuickApi
from tests.security import crawl

# Twins whose paths do not say so: the API route (or Excel file) → the page showing the same material.
NAMED_TWINS = {
    "/api/v1/plans/{plan_id}/map.geojson": "/plans/{plan_id}/map",
    "/api/v1/plans/{plan_id}/dispatch-sheet": "/plans/{plan_id}/dispatch",
    "/api/v1/plans/{plan_id}/tasks.xlsx": "/plans/{plan_id}",
    "/api/v1/plans/{plan_id}/projects.xlsx": "/plans/{plan_id}",
    "/api/v1/projects/{project_id}": "/plans/projects/{project_id}",
    "/api/v1/projects/{project_id}/effect": "/plans/projects/{project_id}",
    "/api/v1/micro-projects": "/plans/micro",
    "/api/v1/plan-reports?task_id={task_id}": "/plans/tasks/{task_id}",
    "/api/v1/plan-reports?project_id={project_id}": "/plans/projects/{project_id}",
}
# Callers: one of every role, and users of other units and areas than the world's objects.
USERS = [*crawl.ROLE_USERS, "handler2", "bureau", "super2"]
REFUSED = {401, 403, 404}


def _norm(path: str) -> str:
    return re.sub(r"\{([^}:]+):[^}]+\}", r"{\1}", path)


def twins(app) -> list[tuple[str, str]]:
    """(API route, page route) pairs: /api/v1/X with a page /X, and the named ones."""
    routes = {_norm(p) for p in crawl.get_routes(app)}
    pages = {p for p in routes if not p.startswith(("/api/", "/open311/"))}
    pairs = [(p, p.removeprefix("/api/v1")) for p in routes if p.startswith("/api/v1/")]
    pairs = [(a, b) for a, b in pairs if b in pages]
    for api_path, page in NAMED_TWINS.items():
        assert api_path.split("?")[0] in routes and page in pages, f"twin gone: {api_path} / {page}"
        pairs.append((api_path, page))
    return sorted(set(pairs))


def verdict(r) -> str:
    """allowed: the content (2xx), or past the guard with the input refused (422, 409…); refused: 401,
    403, 404, or a redirect away (to the login page, or a unit's staff from the dispatch page to their
    to-do)."""
    if 300 <= r.status_code < 400 or r.status_code in REFUSED:
        return "refused"
    return "allowed"


def test_a_page_and_its_api_twin_give_every_role_the_same_verdict(db, app):
    with TestClient(app) as client:
        api = QuickApi(client)
        ids = crawl.build(db, api)
        pairs = twins(app)
        assert ("/api/v1/plans/{plan_id}", "/plans/{plan_id}") in pairs and len(pairs) >= 15
        disagree = []
        for user in [None, *USERS]:
            headers = api.headers(user) if user else {}
            for api_path, page in pairs:
                a_url, p_url = crawl.fill(api_path, ids)[0], crawl.fill(page, ids)[0]
                a = client.get(a_url + crawl.QUERY.get(api_path, ""), headers=headers, follow_redirects=False)
                p = client.get(p_url, headers=headers, follow_redirects=False)
                if verdict(a) != verdict(p):
                    who = user or "anonymous"
                    disagree.append(f"{who}: {a_url} → {a.status_code}, {p_url} → {p.status_code}")
    assert disagree == []
