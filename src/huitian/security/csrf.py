"""CSRF protection for the HTML forms.

A signed-in browser session carries a random token in the signed session cookie; an anonymous visitor
gets one in a cookie of its own (`huitian_csrf`, signed with the installation secret: the pre-session
token), so the login form is covered too. Every page form posts the token back in a hidden field,
`csrf_token`; HTMX or fetch calls may send it as the `X-CSRF-Token` header instead. Templates write
the field as

    <input type="hidden" name="csrf_token" value="{{ request.state.csrf_token }}">

(the middleware puts the current token in the request state before any page is rendered). The token
of the session is made at sign-in, when the login clears the session, so it rotates at each sign-in.

Checked on every unsafe request (POST, PUT, PATCH, DELETE) to a web route. Exempt: requests that
authenticate with a bearer token or an API key (a browser cannot add those headers to a cross-site
form), the JSON API under /api/ and Open311 under /open311/. The JSON API takes a session cookie too;
for it the cookie's SameSite=Lax and the JSON content type stand guard, and a cookie-carrying unsafe
request whose Origin names another site is refused here."""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from itsdangerous import BadSignature, Signer
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from huitian.security._asgi import fields, read_body, refusal, replay

SESSION_KEY = "csrf_token"
COOKIE = "huitian_csrf"
FIELD = "csrf_token"
HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
EXEMPT_PREFIXES = ("/api/", "/open311/", "/static/")
EXEMPT_PATHS = frozenset({"/healthz", "/openapi.json", "/docs", "/redoc"})


def new_token() -> str:
    return secrets.token_urlsafe(32)


def is_web_path(path: str) -> bool:
    return not path.startswith(EXEMPT_PREFIXES) and path not in EXEMPT_PATHS


def machine_credentials(headers: Headers) -> bool:
    return headers.get("authorization", "").lower().startswith("bearer ") or bool(headers.get("x-api-key"))


def token_of(session: dict | None) -> str | None:
    """The session's token (for code that renders a form outside a template)."""
    return session.get(SESSION_KEY) if session is not None else None


def _same_origin(headers: Headers) -> bool:
    origin = headers.get("origin")
    if not origin or origin == "null":
        return origin is None
    return urlsplit(origin).netloc.lower() == headers.get("host", "").lower()


class CSRFMiddleware:
    """Must sit inside Starlette's SessionMiddleware (add it before SessionMiddleware in create_app)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        session: dict | None = scope.get("session")
        path: str = scope.get("path", "")
        if session is None or not is_web_path(path):
            await self._api(scope, receive, send)
            return
        headers = Headers(scope=scope)
        signer = Signer(scope["app"].state.secret, salt="huitian-csrf")
        presession = _unsign(signer, cookie_parser(headers.get("cookie", "")).get(COOKIE))
        if "uid" in session and SESSION_KEY not in session:
            session[SESSION_KEY] = new_token()
        expected = session.get(SESSION_KEY) or presession
        if scope["method"] not in SAFE_METHODS and not machine_credentials(headers):
            body = await read_body(receive)
            given = headers.get(HEADER) or (await fields(scope, body)).get(FIELD)
            if not (isinstance(given, str) and expected and hmac.compare_digest(given, expected)):
                problem = "missing" if not given else "wrong or expired"
                response = refusal(
                    scope,
                    403,
                    f"CSRF token {problem}: reload the form and submit it again",
                    "页面已过期或无法确认请求来自本系统的页面,操作未执行。",
                    field=FIELD,
                )
                await response(scope, receive, send)
                return
            receive = replay(body, receive)
        new_presession = None
        if presession is None:
            presession = new_presession = new_token()
        scope.setdefault("state", {})["csrf_token"] = session.get(SESSION_KEY) or presession

        async def send_with_token(message: Message) -> None:
            if message["type"] == "http.response.start":
                if "uid" in session and SESSION_KEY not in session:  # signed in just now: a new token
                    session[SESSION_KEY] = new_token()
                if new_presession is not None:
                    out = MutableHeaders(scope=message)
                    value = signer.sign(new_presession).decode()
                    out.append("set-cookie", f"{COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax")
            await send(message)

        await self.app(scope, receive, send_with_token)

    async def _api(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = Headers(scope=scope)
        if (
            scope["method"] not in SAFE_METHODS
            and scope.get("path", "").startswith("/api/")
            and not machine_credentials(headers)
            and "cookie" in headers
            and not _same_origin(headers)
        ):
            response = refusal(
                scope,
                403,
                "cross-site request with a session cookie refused",
                "请求来源无法确认,操作未执行。",
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _unsign(signer: Signer, value: str | None) -> str | None:
    if not value:
        return None
    try:
        return signer.unsign(value).decode()
    except BadSignature:
        return None
