"""Browser test fixtures, registered for the whole suite by tests/conftest.py (pytest_plugins): the
session has one server and one Chromium whichever folder its browser tests live in.

Browser tests: a real uvicorn server on a free port, against a real database built like the rest of
the suite's (migrated, factories.build_world), driven by Debian's Chromium through Playwright.

Playwright's own browser downloads are never used: Chromium is /usr/bin/chromium (scripts/setup.sh
--browser installs it with apt). Every page records its console errors and uncaught page errors, and a
test that saw any fails. Screenshots of the main screens go to artifacts/screenshots/.
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import PASSWORD, Databases, template_copy

CHROMIUM = os.environ.get("HUITIAN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("HUITIAN_SCREENSHOTS") or ROOT / "artifacts" / "screenshots")
HTMX = ROOT / "src" / "huitian" / "web" / "static" / "vendor" / "htmx" / "htmx.min.js"
TIMEOUT_MS = 10_000

try:
    from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, expect, sync_playwright
except ImportError:  # pragma: no cover - reported by the fixture below
    sync_playwright = None


def _missing() -> str | None:
    if sync_playwright is None:
        return "the playwright package is not installed (scripts/setup.sh --browser installs it)"
    if not os.access(CHROMIUM, os.X_OK):
        return f"{CHROMIUM} not found (scripts/setup.sh --browser installs Debian's chromium as root)"
    return None


@pytest.fixture(scope="session")
def browser_ready() -> None:
    """Chromium and Playwright are installed by scripts/test.sh (setup.sh --browser): missing is a failure."""
    why = _missing()
    if why:
        pytest.fail(f"browser tests cannot run: {why} (run scripts/setup.sh --browser)")


# --- the server ------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def server_db_url(databases: Databases, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One database for the session's server: a copy of the suite's migrated, seeded template."""
    with template_copy(databases, tmp_path_factory.mktemp("browser"), "huitian_b") as url:
        yield url


@pytest.fixture(scope="session")
def live_server(browser_ready, server_db_url: str) -> Iterator[str]:
    """The real app under uvicorn in a thread, on a free port of 127.0.0.1; yields its base URL."""
    import uvicorn

    from huitian.app import create_app

    app = create_app(server_db_url, run_worker=False)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))  # the port is ours from here on: no race with other runs
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


# --- the browser -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium(browser_ready) -> Iterator[Browser]:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


class PageErrors:
    """Console errors and uncaught exceptions of every page a test opened, with the page's URL."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def watch(self, page: Page, username: str) -> None:
        def on_console(msg: ConsoleMessage) -> None:
            if msg.type == "error":
                self.items.append(f"[{username}] console error on {page.url}: {msg.text} ({msg.location})")

        def on_request_failed(req) -> None:
            # ERR_ABORTED is the browser dropping a request because the page moved on (a test navigates
            # while a script is still loading on a busy machine), not a failure of the server.
            if req.failure != "net::ERR_ABORTED":
                self.items.append(f"[{username}] request failed: {req.url} ({req.failure})")

        page.on("console", on_console)
        page.on("pageerror", lambda exc: self.items.append(f"[{username}] page error on {page.url}: {exc}"))
        page.on("requestfailed", on_request_failed)

    def check(self) -> None:
        assert not self.items, "errors in the browser:\n" + "\n".join(self.items)


@pytest.fixture
def page_errors() -> PageErrors:
    return PageErrors()


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Callable[[Page, str], Path]:
    """screenshot(page, "operator-detail") → artifacts/screenshots/<test>--NN-operator-detail.png"""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    test = re.sub(r"[^A-Za-z0-9_]+", "_", request.node.name).strip("_")
    for old in SCREENSHOTS.glob(f"{test}--*.png"):
        old.unlink()
    count = 0

    def take(page: Page, name: str) -> Path:
        nonlocal count
        count += 1
        path = SCREENSHOTS / f"{test}--{count:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture(scope="session")
def signed_in() -> dict[str, dict]:
    """Each user's cookies after their first sign-in through the form, reused by later tests."""
    return {}


@pytest.fixture
def login_as(
    chromium: Browser, live_server: str, page_errors: PageErrors, signed_in: dict[str, dict]
) -> Iterator[Callable[[str], Page]]:
    """login_as("handler1") → a page in its own browser context (own cookies), signed in and left on
    the order list. The first time in a session a user signs in through the login form; later tests
    reuse that session cookie. The test fails if any page saw a console or page error."""
    contexts: list[BrowserContext] = []

    def make(username: str) -> Page:
        context = chromium.new_context(
            base_url=live_server,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            viewport={"width": 1280, "height": 900},
            storage_state=signed_in.get(username),
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page_errors.watch(page, username)
        if username in signed_in:
            page.goto("/orders")
        else:
            page.goto("/login")
            expect(page.get_by_role("heading", name="登录")).to_be_visible()
            page.get_by_label("用户名").fill(username)
            page.get_by_label("密码").fill(PASSWORD)
            page.get_by_role("button", name="登录").click()
            signed_in[username] = context.storage_state()
        expect(page).to_have_url(f"{live_server}/orders")
        expect(page.get_by_role("heading", level=1)).to_have_text("工单列表")
        expect(page.locator("header .who .user")).to_have_text(username)
        if HTMX.is_file() or os.environ.get("CI"):  # set-up ran npm: the app serves htmx from the registry
            assert page.evaluate("typeof window.htmx") == "object", "htmx did not load from /static/vendor"
        page_errors.check()
        return page

    yield make
    for context in contexts:
        context.close()
    page_errors.check()
