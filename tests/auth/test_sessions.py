"""Browser sessions are server-side (table auth_sessions): signing out ends them, a replayed cookie signs
no one in; a password change or a deactivation ends them too; behind HTTPS the cookies are Secure
(issue 14, item 14)."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from huitian.app import create_app
from huitian.auth import jobs as auth_jobs
from huitian.auth.models import AuthSession
from huitian.db import utcnow
from tests.conftest import PASSWORD
from tests.security.test_headers_and_csrf import CSRF_RE, signed_in, token_from


def _cookie(client: TestClient) -> str:
    return client.cookies["huitian_session"]


def _replay(app, cookie: str) -> TestClient:
    """Another client (an attacker who copied the cookie) carrying only that session cookie."""
    other = TestClient(app)
    other.cookies.set("huitian_session", cookie)
    return other


def test_a_cookie_replayed_after_logout_is_signed_out_for_pages_and_api(app, client: TestClient):
    signed_in(client, "operator")
    stolen = _cookie(client)
    assert client.get("/api/v1/me").status_code == 200
    token = token_from(client, "/orders/new")
    assert client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    with _replay(app, stolen) as thief:
        r = thief.get("/api/v1/me")
        assert r.status_code == 401
        page = thief.get("/orders", follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"].startswith("/login")


def test_signing_in_again_gives_a_new_session_and_the_other_still_works(app, client: TestClient):
    signed_in(client, "operator")
    first = _cookie(client)
    with TestClient(app) as phone:
        signed_in(phone, "operator")
        token = token_from(phone, "/orders/new")
        assert phone.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    with _replay(app, first) as same:
        assert same.get("/api/v1/me").status_code == 200  # signing out one session leaves the other


def test_a_password_change_or_deactivation_ends_the_users_sessions(app, client: TestClient, api, db):
    signed_in(client, "handler1")
    before = _cookie(client)
    r = api.client.patch(
        "/api/v1/users/" + str(_user_id(db, "handler1")),
        json={"password": "new-pass-123"},
        headers=api.headers("admin"),
    )
    assert r.status_code == 200, r.text
    with _replay(app, before) as old:
        assert old.get("/api/v1/me").status_code == 401
    with db.read() as session:
        open_ = session.scalar(
            select(func.count())
            .select_from(AuthSession)
            .where(AuthSession.user_id == _user_id(db, "handler1"), AuthSession.revoked_at.is_(None))
        )
    assert open_ == 0
    signed_in_again = {"username": "handler1", "password": "new-pass-123", "csrf_token": token_from(client)}
    assert client.post("/login", data=signed_in_again, follow_redirects=False).status_code == 303
    assert client.get("/api/v1/me").status_code == 200


def test_an_expired_session_signs_no_one_in_and_old_ones_are_purged(app, client: TestClient, db):
    signed_in(client, "operator")
    with db.write() as session:
        session.execute(update(AuthSession).values(expires_at=utcnow() - timedelta(days=31)))
        session.commit()
    assert client.get("/api/v1/me").status_code == 401
    assert auth_jobs.purge_sessions(db) == 1


def test_a_cookie_without_a_server_side_session_signs_no_one_in(app, db):
    """A cookie signed before sessions were server-side (uid and tv only) is not enough any more."""
    import base64
    import json

    from itsdangerous import TimestampSigner

    data = base64.b64encode(json.dumps({"uid": _user_id(db, "operator"), "tv": 0}).encode())
    forged = TimestampSigner(app.state.secret).sign(data).decode()
    with _replay(app, forged) as old:
        assert old.get("/api/v1/me").status_code == 401


def test_cookies_are_secure_when_the_request_is_https_through_a_trusted_proxy(db_url, monkeypatch):
    monkeypatch.setenv("HUITIAN_TRUSTED_PROXIES", "10.0.0.1")
    app = create_app(db_url, run_worker=False)
    https = {"X-Forwarded-Proto": "https"}
    with TestClient(app, client=("10.0.0.1", 5000)) as proxy:
        first = proxy.get("/login", headers=https)
        assert first.headers["set-cookie"].startswith("huitian_csrf=")
        assert first.headers["set-cookie"].endswith("; Secure")
        csrf = first.cookies["huitian_csrf"]
        data = {"username": "operator", "password": PASSWORD, "csrf_token": CSRF_RE.findall(first.text)[0]}
        cookie = {"Cookie": f"huitian_csrf={csrf}"}  # the jar keeps Secure cookies for https URLs only
        r = proxy.post("/login", data=data, headers={**https, **cookie}, follow_redirects=False)
        assert r.status_code == 303
        assert (
            r.headers["set-cookie"].startswith("huitian_session=") and "; Secure" in r.headers["set-cookie"]
        )
        plain = proxy.post("/login", data=data, headers=cookie, follow_redirects=False)
        assert plain.status_code == 303 and "secure" not in plain.headers["set-cookie"].lower()
    with TestClient(app, client=("10.0.0.2", 5000)) as direct:  # not the proxy: its header is not believed
        assert "secure" not in direct.get("/login", headers=https).headers["set-cookie"].lower()


def _user_id(db, username: str) -> int:
    from huitian.auth.models import User

    with db.read() as session:
        return session.scalar(select(User.id).where(User.username == username))
