"""Authorisation everywhere, generated from the app's route table: every route is either declared
public or refuses a caller without credentials; every role gets 404 for an order outside its scope."""

from __future__ import annotations

import re

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import Mount

from tests.factories import IN_S2
from tests.helpers import QuickApi

CSRF_RE = re.compile(r'<input type="hidden" name="csrf_token" value="([^"]+)">')

# Routes anyone may call. Everything else must answer 401/403/404 (or send a browser to /login).
PUBLIC = [
    re.compile(p)
    for p in (
        r"^/$",
        r"^/login$",
        r"^/logout$",
        r"^/favicon\.ico$",
        r"^/healthz$",
        r"^/static$",
        r"^/(docs|redoc|openapi\.json)(/.*)?$",
        r"^/api/v1/auth/token$",
        r"^/open311/",
        r"^/m(/.*)?$",  # the residents' phone page and its tracking links
        r"^/p/",  # a city part's QR page (扫码即知、扫码即诉)
        r"^/assets/parts\.css$",  # the parts pages' stylesheet
    )
]
GUARDED = {401, 403, 404}


def flat_routes(routes, prefix: str = ""):
    """(path, route) of every route, through included routers (FastAPI keeps those as branches)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            context = getattr(route, "include_context", None)
            yield from flat_routes(inner.routes, prefix + (getattr(context, "prefix", "") or ""))
        else:
            yield prefix + route.path, route


def concrete(path: str) -> str:
    path = path.replace("{fmt}", "json")
    return re.sub(r"\{[^}]+\}", "1", path)


def test_every_route_is_public_or_refuses_a_caller_without_credentials(client: TestClient):
    token = CSRF_RE.findall(client.get("/login").text)[0]  # so that the CSRF check is not what refuses
    open_doors = []
    routes = list(flat_routes(client.app.routes))
    assert any(path == "/api/v1/orders" for path, _ in routes)
    for full_path, route in routes:
        if isinstance(route, Mount) or any(p.search(full_path) for p in PUBLIC):
            continue
        methods = (
            sorted((route.methods or set()) - {"HEAD", "OPTIONS"}) if isinstance(route, APIRoute) else ["GET"]
        )
        for method in methods:
            path = concrete(full_path)
            kw = {} if method == "GET" else {"data": {"csrf_token": token}}
            r = client.request(method, path, follow_redirects=False, **kw)
            to_login = r.status_code == 303 and r.headers.get("location", "").startswith("/login")
            if r.status_code not in GUARDED and not to_login:
                open_doors.append(f"{method} {full_path} → {r.status_code}")
    assert open_doors == []


def test_every_role_gets_404_for_an_order_outside_its_scope(api: QuickApi, client: TestClient):
    api = QuickApi(client)
    order = api.create("resident2", lat=IN_S2[1], lon=IN_S2[0], citizen_phone="13812345678")
    api.act("operator", order, "dispatch", unit="ST2")
    outsiders = ["handler1", "lead1", "bureau", "utility", "super1", "grid1", "resident1"]
    for user in outsiders:
        for ref in (order["id"], order["number"]):
            r = api.get(user, f"/api/v1/orders/{ref}")
            assert r.status_code == 404, f"{user} read {ref}: {r.status_code}"
        r = api.post(
            user, f"/api/v1/orders/{order['id']}/actions", {"action": "note", "version": 1, "text": "x"}
        )
        assert r.status_code == 404, f"{user} acted: {r.status_code}"
        assert order["id"] not in api.ids(user)
    for insider in ("operator", "admin", "handler2", "super2", "planner", "resident2"):
        assert api.get(insider, f"/api/v1/orders/{order['id']}").status_code == 200, insider
