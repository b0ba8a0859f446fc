"""The browser fixtures of tests/browser (a live uvicorn server, Debian's Chromium, console-error
watching, screenshots), for the assessment pages' browser tests."""

from tests.browser.conftest import (  # noqa: F401  (pytest finds fixtures by name)
    browser_ready,
    chromium,
    live_server,
    login_as,
    page_errors,
    screenshot,
    server_db_url,
    signed_in,
)
