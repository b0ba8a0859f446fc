"""Rate limits: a sliding-window counter kept in the process, a FastAPI dependency for public filing
(`rate_limit("public_filing", per_ip=(20, 3600), per_phone=(5, 3600))`), and the login throttle.

The counters live in the memory of one process (per app instance). That fits the embedded SQLite
deployment (one `huitian serve` process). With several processes or nodes (`--workers N`, or app
servers behind a load balancer) each keeps its own counters, so the effective limit is N times the
configured one; a shared store (a table with a conditional UPDATE, or the proxy's own limiter) would be
needed there. SECURITY.md says so.

Client addresses are the socket's peer address: behind a reverse proxy, run uvicorn with
`--proxy-headers --forwarded-allow-ips=<proxy>` so that the peer is the real client."""

from __future__ import annotations

import math
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi import HTTPException, Request

Limit = tuple[int, float]  # (at most this many, per this many seconds)


@dataclass
class SlidingWindow:
    """Timestamps of recent hits per key; a key is over its limit when `limit` hits lie in the window."""

    limit: int
    window_s: float
    clock: Callable[[], float] = time.monotonic
    _hits: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _recent(self, key: str, now: float) -> deque[float] | None:
        hits = self._hits.get(key)
        if hits is None:
            return None
        while hits and hits[0] <= now - self.window_s:
            hits.popleft()
        if not hits:
            del self._hits[key]
            return None
        return hits

    def retry_after(self, key: str) -> int:
        """Seconds until the key may hit again; 0 when it may now."""
        with self._lock:
            now = self.clock()
            hits = self._recent(key, now)
            if hits is None or len(hits) < self.limit:
                return 0
            return max(1, math.ceil(hits[-self.limit] + self.window_s - now))

    def hit(self, key: str) -> None:
        with self._lock:
            now = self.clock()
            hits = self._recent(key, now)
            if hits is None:
                if len(self._hits) > 100_000:  # bound the memory: forget keys whose window has passed
                    for k in list(self._hits):
                        self._recent(k, now)
                hits = self._hits[key] = deque()
            hits.append(now)
            while len(hits) > self.limit:
                hits.popleft()

    def take(self, key: str) -> int:
        """Count a hit unless the key is over its limit; the seconds to wait, or 0 when it was counted."""
        wait = self.retry_after(key)
        if not wait:
            self.hit(key)
        return wait

    def clear(self, key: str) -> None:
        with self._lock:
            self._hits.pop(key, None)


def client_address(request_or_scope) -> str:
    scope = request_or_scope if isinstance(request_or_scope, dict) else request_or_scope.scope
    client = scope.get("client")
    return client[0] if client else "unknown"


def too_many(what: str, limit: Limit, wait: int) -> HTTPException:
    count, window = limit
    return HTTPException(
        status_code=429,
        detail=f"too many requests {what}: at most {count} per {int(window)} s; retry in {wait} s",
        headers={"Retry-After": str(wait)},
    )


_PHONE_FIELDS = ("phone", "citizen_phone")
_NOT_DIGITS = re.compile(r"\D")


async def _phone_of(request: Request) -> str | None:
    """The phone number a filing gives (form or JSON body, fields `phone` or `citizen_phone`), digits
    only, so that spaces and dashes do not make a new key."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    values: dict = {}
    try:
        if kind in ("application/x-www-form-urlencoded", "multipart/form-data"):
            values = dict(await request.form())
        elif kind == "application/json" or kind.endswith("+json"):
            body = await request.json()
            values = body if isinstance(body, dict) else {}
    except Exception:  # a malformed body is the route's to reject with its own 4xx
        return None
    for name in _PHONE_FIELDS:
        value = values.get(name)
        if isinstance(value, str) and (digits := _NOT_DIGITS.sub("", value)):
            return digits
    return None


def _windows(request: Request, name: str, kind: str, limit: Limit) -> SlidingWindow:
    state = request.app.state
    store: dict | None = getattr(state, "huitian_rate_limits", None)
    if store is None:
        store = state.huitian_rate_limits = {}
    key = (name, kind, limit)
    if key not in store:
        store[key] = SlidingWindow(limit=limit[0], window_s=limit[1])
    return store[key]


def rate_limit(name: str, *, per_ip: Limit | None = None, per_phone: Limit | None = None):
    """A dependency that answers 429 (with Retry-After) once a client address, or a phone number given
    in the body, has made `count` requests within `window_s` seconds. Every request counts, accepted or
    not. Counters are per app instance and per `name` (routes sharing a name share their counters).

        @router.post("/m/new", dependencies=[Depends(rate_limit("public_filing", per_ip=(20, 3600),
                                                                 per_phone=(5, 3600)))])
    """

    async def check(request: Request) -> None:
        checks: list[tuple[SlidingWindow, str, str, Limit]] = []
        if per_ip is not None:
            checks.append(
                (_windows(request, name, "ip", per_ip), client_address(request), "from this address", per_ip)
            )
        if per_phone is not None:
            phone = await _phone_of(request)
            if phone:
                checks.append(
                    (_windows(request, name, "phone", per_phone), phone, "for this phone number", per_phone)
                )
        for window, key, what, limit in checks:
            wait = window.retry_after(key)
            if wait:
                raise too_many(what, limit, wait)
        for window, key, _, _ in checks:
            window.hit(key)

    check.__name__ = f"rate_limit_{name}"
    return check


# Anonymous filing (the resident phone page, 扫码即诉): per address and per phone number given.
PUBLIC_FILING = rate_limit("public_filing", per_ip=(20, 3600), per_phone=(5, 3600))
