"""Request body size limits, enforced before anything reads the body (pure ASGI, near the outside of the
stack: the session, login-throttle and CSRF middlewares all read bodies, so they sit inside it).

Every request may carry at most HUITIAN_MAX_BODY_BYTES (default 1 MiB: forms and JSON); the routes that
take files (UPLOAD_ROUTES: photos, GeoJSON/Excel imports, area outlines) at most HUITIAN_MAX_UPLOAD_BYTES
(default 32 MiB: three 8 MiB photos and their form, or a 20 MiB GeoJSON import). A Content-Length over
the limit is answered 413 at once, without reading a byte; a body without one (chunked) is counted as it
streams in and refused with 413 as soon as it passes the limit, without buffering it: whoever is reading
it (a middleware, FastAPI's body parser, a route) gets BodyTooLarge from `receive`, and the app's own
answer, if any, is replaced by the 413."""

from __future__ import annotations

import logging
import re

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from huitian.security._asgi import refusal

log = logging.getLogger("huitian.security")

MIB = 1024 * 1024

# (method, path) of the routes that take uploads; everything else gets the small default.
UPLOAD_ROUTES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (method, re.compile(pattern))
    for method, pattern in [
        ("POST", r"/m"),  # intake/web.py: the resident phone page, with photos
        ("POST", r"/patrol"),  # intake/web.py: a grid worker's report, with photos
        ("POST", r"/orders/[^/]+/actions"),  # orders/web.py: a handler's reply, with photos
        ("POST", r"/admin/areas/import"),  # areas/web.py: a GeoJSON file
        ("POST", r"/api/v1/assets/import"),  # assets/api.py: a GeoJSON or Excel file
        ("POST", r"/api/v1/areas"),  # areas/api.py: an area with its outline
        ("PATCH", r"/api/v1/areas/[^/]+"),
    ]
)


class BodyTooLarge(HTTPException):
    """Raised by `receive` once a body passes its limit. An HTTPException, so that FastAPI's body parser
    lets it through as it is (it turns other errors into a 400)."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=f"request body too large: at most {limit} bytes")
        self.limit = limit


def is_upload(method: str, path: str) -> bool:
    return any(method == m and pattern.fullmatch(path) for m, pattern in UPLOAD_ROUTES)


def too_large(scope: Scope, limit: int):
    size = f"{limit / MIB:g} MB" if limit >= MIB else f"{limit // 1024} KB"
    return refusal(
        scope,
        413,
        f"request body too large: at most {limit} bytes for {scope.get('method')} {scope.get('path')}",
        f"提交的内容过大(此处上限 {size}),未处理。请减少或压缩附件后重新提交。",
        field="body",
    )


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_body_bytes: int = MIB, max_upload_bytes: int = 32 * MIB) -> None:
        self.app = app
        self.max_body_bytes, self.max_upload_bytes = max_body_bytes, max_upload_bytes

    def limit_for(self, scope: Scope) -> int:
        upload = is_upload(scope.get("method", ""), scope.get("path", ""))
        return max(self.max_upload_bytes, self.max_body_bytes) if upload else self.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > limit:
            log.info("refused a body of %s bytes (limit %d) for %s", declared, limit, scope.get("path"))
            await too_large(scope, limit)(scope, receive, send)
            return
        received = 0
        refused = started = False

        async def counted() -> Message:
            nonlocal received, refused
            if refused:
                raise BodyTooLarge(limit)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    log.info("refused a streamed body over %d bytes for %s", limit, scope.get("path"))
                    raise BodyTooLarge(limit)
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if refused and not started:
                return  # the app's own answer to a refused body: ours replaces it below
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except Exception:  # BodyTooLarge itself, or whatever a reader made of it
            if not refused:
                raise
            log.debug("the app stopped on a refused body", exc_info=True)
        if refused and not started:
            await too_large(scope, limit)(scope, receive, send)
