"""X-Forwarded-For / X-Forwarded-Proto are believed from HUITIAN_TRUSTED_PROXIES only (issue 14, item 15)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from huitian.app import create_app
from huitian.security.login import PER_ADDRESS
from huitian.security.proxy import client_address, forwarded_client, parse_networks, resolve
from huitian.security.ratelimit import DbWindow

TRUSTED = parse_networks("10.0.0.0/8, 192.168.1.1")


def _address_failures(app, address: str) -> int:
    window = DbWindow.of(app.state.db, "login:address", PER_ADDRESS, app.state.secret)
    return window.count(address)


def _fail_sign_in(client: TestClient, xff: str) -> None:
    r = client.post(
        "/api/v1/auth/token",
        json={"username": "handler1", "password": "wrong"},
        headers={"X-Forwarded-For": xff},
    )
    assert r.status_code == 401


def test_from_a_peer_not_listed_the_forwarded_for_header_is_ignored(app):
    with TestClient(app, client=("127.0.0.1", 5000)) as client:  # local, but not listed: no trust
        _fail_sign_in(client, "1.1.1.1")
        _fail_sign_in(client, "2.2.2.2")
    assert _address_failures(app, "127.0.0.1") == 2  # both counted in the peer's one bucket
    assert _address_failures(app, "1.1.1.1") == 0 and _address_failures(app, "2.2.2.2") == 0


def test_from_a_listed_proxy_the_forwarded_client_is_counted(db_url, monkeypatch):
    monkeypatch.setenv("HUITIAN_TRUSTED_PROXIES", "10.0.0.0/8")
    app = create_app(db_url, run_worker=False)
    with TestClient(app, client=("10.0.0.5", 5000)) as client:
        _fail_sign_in(client, "1.1.1.1")
        _fail_sign_in(client, "2.2.2.2")
        _fail_sign_in(client, "6.6.6.6, 2.2.2.2, 10.0.0.7")  # spoofed left part; 10.0.0.7 is our proxy
    assert _address_failures(app, "1.1.1.1") == 1
    assert _address_failures(app, "2.2.2.2") == 2
    assert _address_failures(app, "6.6.6.6") == 0 and _address_failures(app, "10.0.0.5") == 0


def test_https_is_believed_from_a_listed_proxy_only(db_url, monkeypatch):
    monkeypatch.setenv("HUITIAN_TRUSTED_PROXIES", "10.0.0.5")
    app = create_app(db_url, run_worker=False)
    proto = {"X-Forwarded-Proto": "https"}
    with TestClient(app, client=("10.0.0.5", 5000)) as client:
        assert "strict-transport-security" in client.get("/login", headers=proto).headers
    with TestClient(app, client=("10.0.0.6", 5000)) as client:
        assert "strict-transport-security" not in client.get("/login", headers=proto).headers


@pytest.mark.parametrize(
    ("xff", "expected"),
    [
        ("1.1.1.1", "1.1.1.1"),
        ("9.9.9.9, 1.1.1.1", "1.1.1.1"),  # rightmost untrusted hop
        ("1.1.1.1, 10.1.2.3, 192.168.1.1", "1.1.1.1"),  # proxies skipped
        ("10.1.2.3", "10.1.2.3"),  # every hop a proxy: the leftmost
        ("not-an-ip", "10.0.0.1"),  # garbage: the peer
        ("", "10.0.0.1"),
        ("2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_client_is_the_rightmost_hop_that_is_not_a_trusted_proxy(xff, expected):
    assert forwarded_client("10.0.0.1", xff, TRUSTED) == expected


def test_an_untrusted_peer_keeps_its_own_address_and_scheme():
    scope = {
        "type": "http",
        "scheme": "http",
        "client": ("203.0.113.9", 1),
        "headers": [(b"x-forwarded-for", b"1.1.1.1"), (b"x-forwarded-proto", b"https")],
    }
    assert resolve(scope, TRUSTED) == ("203.0.113.9", "http")
    assert resolve({**scope, "client": ("10.9.9.9", 1)}, TRUSTED) == ("1.1.1.1", "https")
    assert resolve({**scope, "client": ("10.9.9.9", 1)}, ()) == ("10.9.9.9", "http")  # default: none
    assert client_address({"client": None}) == "unknown"


def test_a_bad_trusted_proxy_entry_is_refused_at_start_naming_it():
    with pytest.raises(ValueError, match="HUITIAN_TRUSTED_PROXIES: 'proxy.local'"):
        parse_networks("10.0.0.1, proxy.local")


def test_under_huitian_serve_a_local_peer_cannot_forge_its_address(app):
    """uvicorn, left to itself, believes X-Forwarded-For from 127.0.0.1; `huitian serve` turns that off."""
    import socket
    import threading
    import time

    import httpx
    import uvicorn

    from huitian.cli import SERVE_OPTIONS

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, lifespan="on", **{**SERVE_OPTIONS, "log_level": "warning"}))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.02)
        r = httpx.post(
            f"http://127.0.0.1:{port}/api/v1/auth/token",
            json={"username": "handler1", "password": "wrong"},
            headers={"X-Forwarded-For": "1.1.1.1", "X-Forwarded-Proto": "https"},
        )
        assert r.status_code == 401 and "strict-transport-security" not in r.headers
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
    assert _address_failures(app, "1.1.1.1") == 0
    assert _address_failures(app, "127.0.0.1") == 1
