"""Security headers on every response, and CSRF tokens on every HTML form post."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from huitian.web import web as web_module
from tests.conftest import PASSWORD

CSRF_RE = re.compile(r'<input type="hidden" name="csrf_token" value="([^"]+)">')
TEMPLATES = Path(web_module.__file__).parent / "templates"


def token_from(client: TestClient, path: str = "/login") -> str:
    found = CSRF_RE.findall(client.get(path).text)
    assert found, f"no csrf_token field on {path}"
    return found[0]


def signed_in(client: TestClient, username: str = "operator") -> None:
    data = {"username": username, "password": PASSWORD, "csrf_token": token_from(client)}
    assert client.post("/login", data=data, follow_redirects=False).status_code == 303


def test_pages_and_api_answers_carry_the_security_headers(client: TestClient):
    for path in ("/login", "/api/v1/me", "/healthz", "/static/app.css"):
        r = client.get(path)
        csp = r.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self';" in csp, path
        assert "img-src 'self' data:" in csp and "frame-ancestors 'none'" in csp, path
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, path
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert "camera=()" in r.headers["permissions-policy"]
    assert client.get("/login").headers["cache-control"] == "no-store"  # pages may hold personal data


def test_no_template_needs_inline_script_or_style_that_the_policy_would_block():
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style[\s>]|\sstyle=|\son[a-z]+=|javascript:", re.I)
    offenders = {
        str(p.relative_to(TEMPLATES)): m.group(0)
        for p in TEMPLATES.rglob("*.html")
        if (m := inline.search(p.read_text(encoding="utf-8")))
    }
    assert offenders == {}


def test_every_post_form_in_the_templates_carries_the_csrf_field():
    form = re.compile(r"<form[^>]*method=\"post\"[^>]*>(.*?)</form>", re.S | re.I)
    missing = [
        str(p.relative_to(TEMPLATES))
        for p in TEMPLATES.rglob("*.html")
        for body in form.findall(p.read_text(encoding="utf-8"))
        if 'name="csrf_token"' not in body
    ]
    assert missing == []


def test_a_login_without_the_token_or_with_a_wrong_one_is_refused_with_403(client: TestClient):
    data = {"username": "operator", "password": PASSWORD}
    r = client.post("/login", data=data, follow_redirects=False)
    assert r.status_code == 403 and r.json()["field"] == "csrf_token"
    assert "missing" in r.json()["detail"]
    token_from(client)
    r = client.post("/login", data={**data, "csrf_token": "forged"}, follow_redirects=False)
    assert r.status_code == 403 and "wrong" in r.json()["detail"]
    assert "huitian_session" not in client.cookies
    r = client.post("/login", data={**data, "csrf_token": token_from(client)}, follow_redirects=False)
    assert r.status_code == 303 and "huitian_session" in client.cookies


def test_a_browser_is_told_in_chinese_why_its_form_was_refused(client: TestClient):
    r = client.post("/login", data={"username": "x", "password": "y"}, headers={"Accept": "text/html"})
    assert r.status_code == 403 and "页面已过期" in r.text


def test_a_signed_in_form_post_needs_the_session_token_which_rotates_at_sign_in(client: TestClient):
    before = token_from(client)
    signed_in(client)
    token = token_from(client, "/orders/new")
    assert token != before
    order = {"type": "complaint", "description": "楼道灯不亮"}
    assert client.post("/orders/new", data=order, follow_redirects=False).status_code == 403
    r = client.post("/orders/new", data={**order, "csrf_token": before}, follow_redirects=False)
    assert r.status_code == 403
    assert "共0件" in client.get("/orders").text  # nothing was filed
    r = client.post("/orders/new", data={**order, "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/orders/")
    r = client.post("/orders/new", data=order, headers={"X-CSRF-Token": token}, follow_redirects=False)
    assert r.status_code == 303  # HTMX sends the token as a header
    assert client.post("/logout", follow_redirects=False).status_code == 403
    assert client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303


def test_the_json_api_with_a_bearer_token_needs_no_csrf_token(client: TestClient):
    r = client.post("/api/v1/auth/token", json={"username": "operator", "password": PASSWORD})
    headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
    r = client.post("/api/v1/orders", json={"type": "complaint", "description": "路灯不亮"}, headers=headers)
    assert r.status_code == 201


def test_a_cross_site_api_post_riding_on_the_session_cookie_is_refused(client: TestClient):
    signed_in(client)
    body = {"type": "complaint", "description": "路灯不亮"}
    r = client.post("/api/v1/orders", json=body, headers={"Origin": "https://evil.example"})
    assert r.status_code == 403
    assert (
        client.post("/api/v1/orders", json=body, headers={"Origin": "http://testserver"}).status_code == 201
    )


def test_the_intranet_map_server_may_serve_images_and_nothing_else(db_url: str):
    from huitian.app import create_app
    from huitian.config import Settings

    settings = Settings(database_url=db_url, map_tile_url="http://tiles.local:8080/{z}/{x}/{y}.png")
    with TestClient(create_app(db_url, settings=settings, run_worker=False)) as c:
        csp = c.get("/login").headers["content-security-policy"]
    assert "img-src 'self' data: http://tiles.local:8080;" in csp and "script-src 'self';" in csp


def test_the_api_documentation_page_loads_nothing_from_outside(client):
    page = client.get("/docs")
    assert page.status_code == 200
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in page.text
    assert "https://" not in page.text and "http://" not in page.text
    assert "cdn" not in page.headers["content-security-policy"]
