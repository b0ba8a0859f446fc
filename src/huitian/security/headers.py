"""Security headers on every response (pure ASGI middleware, so streaming responses pass untouched).

The pages load scripts, styles and images from the app itself only (no CDN on a government intranet),
so the Content-Security-Policy allows 'self' and nothing else: no inline script, no inline style, no
eval. The interactive API docs (/docs, /redoc) are FastAPI's, which load Swagger UI from a CDN with an
inline bootstrap script; they get a policy of their own that allows exactly that."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
DOCS_CSP = "; ".join(
    [
        "default-src 'self'",
        # Swagger UI is served from /static/vendor (npm at set-up); its page starts it with one inline script.
        "script-src 'self' 'unsafe-inline'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
    ]
)
DOCS_PATHS = frozenset({"/docs"})
PERMISSIONS_POLICY = "camera=(), microphone=(), payment=(), usb=(), interest-cohort=(), geolocation=(self)"

BASE_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
    "permissions-policy": PERMISSIONS_POLICY,
    "cross-origin-opener-policy": "same-origin",
}


def _csp(scope: Scope) -> str:
    """The policy, with the intranet map server's origin added to img-src when one is configured."""
    app = scope.get("app")
    tiles = getattr(getattr(getattr(app, "state", None), "settings", None), "map_tile_url", None)
    if tiles:
        parts = urlsplit(tiles)
        if parts.scheme in ("http", "https") and parts.netloc:
            return CSP.replace(
                "img-src 'self' data:", f"img-src 'self' data: {parts.scheme}://{parts.netloc}"
            )
    return CSP


def _secure(name: bytes, value: bytes) -> tuple[bytes, bytes]:
    """A Set-Cookie header with the Secure attribute (added when missing)."""
    if name.lower() != b"set-cookie":
        return name, value
    attributes = {part.strip().split(b"=")[0].lower() for part in value.split(b";")[1:]}
    return (name, value) if b"secure" in attributes else (name, value + b"; Secure")


class SecurityHeadersMiddleware:
    """Adds the headers above unless the route set them itself. Responses other than static files
    also get `Cache-Control: no-store` (they may carry citizens' personal data) unless they set one;
    HTTPS requests (the scheme after security/proxy.py: a trusted proxy's X-Forwarded-Proto counts) get
    HSTS, and every cookie they set (the session's, the CSRF pre-session cookie) is marked Secure."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        extra = dict(BASE_HEADERS)
        extra["content-security-policy"] = DOCS_CSP if path in DOCS_PATHS else _csp(scope)
        if not path.startswith("/static/"):
            extra["cache-control"] = "no-store"
        https = scope.get("scheme") == "https"
        if https:
            extra["strict-transport-security"] = "max-age=31536000"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if https:
                    headers = [_secure(name, value) for name, value in headers]
                present = {name.decode("latin-1").lower() for name, _ in headers}
                for name, value in extra.items():
                    if name not in present:
                        headers.append((name.encode("latin-1"), value.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
