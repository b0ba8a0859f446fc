"""Small ASGI helpers shared by the middlewares: read a request body once and replay it downstream,
read form or JSON fields out of it, answer with a short error."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import Message, Receive, Scope


async def read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def replay(body: bytes, receive: Receive) -> Receive:
    """A receive that gives the buffered body once, then waits on the real channel (for disconnects)."""
    sent = False

    async def again() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return again


async def fields(scope: Scope, body: bytes) -> dict[str, object]:
    """Top-level fields of a form (urlencoded or multipart) or JSON object body; {} for anything else."""
    kind = Headers(scope=scope).get("content-type", "").split(";")[0].strip().lower()
    try:
        if kind == "application/x-www-form-urlencoded":
            return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        if kind == "multipart/form-data":

            async def once() -> Message:
                return {"type": "http.request", "body": body, "more_body": False}

            form = await Request(scope, once).form()
            try:
                return {k: v for k, v in form.items() if isinstance(v, str)}
            finally:
                await form.close()
        if kind == "application/json" or kind.endswith("+json"):
            value = json.loads(body or b"null")
            return value if isinstance(value, dict) else {}
    except Exception:  # a malformed body is the route's to reject with its own 4xx
        return {}
    return {}


def wants_html(scope: Scope) -> bool:
    return "text/html" in Headers(scope=scope).get("accept", "")


def refusal(
    scope: Scope,
    status: int,
    detail: str,
    people: str,
    *,
    field: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """JSON naming the problem for programs; a short Chinese page for people using a browser."""
    if wants_html(scope):
        page = (
            '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>无法提交</title>'
            '<link rel="stylesheet" href="/static/app.css"></head><body><main><section class="card narrow">'
            f'<h1>无法提交</h1><p class="alert" role="alert">{people}</p>'
            '<p><a href="/">返回首页</a>,刷新页面后重新提交。</p></section></main></body></html>'
        )
        return HTMLResponse(page, status_code=status, headers=headers)
    body: dict = {"detail": detail}
    if field:
        body["field"] = field
    return JSONResponse(body, status_code=status, headers=headers)
