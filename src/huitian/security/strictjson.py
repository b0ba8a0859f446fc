"""JSON request bodies must be JSON as RFC 8259 has it: no NaN, Infinity or -Infinity (Python's json
module reads them as floats, which then fail in the database or in the answer: a 500), and no lone
UTF-16 surrogate in a string (`"\\ud800"` decodes to a str that cannot be encoded to UTF-8 for the
database, the answer or the log: a 500 again). Either is refused here with 422 naming the field, before
any route, the login throttle included, sees the body.

Cheap on the common path: only a body in which such a token could be (the bytes `NaN`, `Infinity`, a
`\\uD800`–`\\uDFFF` escape, a raw surrogate's UTF-8 bytes, or a three-digit exponent) is parsed
here; others pass untouched."""

from __future__ import annotations

import json
import math
import re

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from huitian.security._asgi import read_body, refusal, replay

# (also an exponent of three digits or more: 1e999 reads as inf)
SUSPECT = re.compile(rb"NaN|Infinity|\\u[dD][89a-fA-F]|\xed[\xa0-\xbf]|[eE][+-]?\d{3}")
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class _NotANumber:
    def __init__(self, text: str) -> None:
        self.text = text


def _float(text: str) -> float | _NotANumber:
    value = float(text)
    return value if math.isfinite(value) else _NotANumber(text)


def _is_json(scope: Scope) -> bool:
    kind = Headers(scope=scope).get("content-type", "").split(";")[0].strip().lower()
    return kind == "application/json" or kind.endswith("+json")


def _bad_string(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _find(value, path: tuple[str, ...]) -> tuple[str, tuple[str, ...]] | None:
    """The first non-finite number or lone surrogate in a parsed body: (what, where)."""
    if isinstance(value, _NotANumber):
        return f"{value.text} is not a JSON number", path
    if isinstance(value, str):
        return ("a lone UTF-16 surrogate is not valid Unicode", path) if _bad_string(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            if _bad_string(key):
                return "a lone UTF-16 surrogate is not valid Unicode", path
            if found := _find(item, (*path, key)):
                return found
    if isinstance(value, list):
        for i, item in enumerate(value):
            if found := _find(item, (*path, str(i))):
                return found
    return None


def problem_of(body: bytes) -> tuple[str, str] | None:
    """(detail, field) when the body holds NaN/Infinity or a lone surrogate; None otherwise (malformed JSON
    included: the route answers that with its own 422)."""
    if not SUSPECT.search(body):
        return None
    try:
        value = json.loads(body, parse_constant=_NotANumber, parse_float=_float)
    except (ValueError, UnicodeDecodeError):
        return None
    found = _find(value, ())
    if found is None:
        return None
    what, path = found
    field = ".".join(path) or "body"
    return f"{field}: {what}", field


class StrictJSONMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in BODY_METHODS or not _is_json(scope):
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)  # bounded: BodyLimitMiddleware sits outside
        problem = problem_of(body)
        if problem is not None:
            detail, field = problem
            response = refusal(
                scope, 422, detail, "提交的内容含有无效的数字(NaN/Infinity)或无效的字符,未处理。", field=field
            )
            await response(scope, receive, send)
            return
        await self.app(scope, replay(body, receive), send)
