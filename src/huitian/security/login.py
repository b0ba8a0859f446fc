"""Login throttle for the page (POST /login) and the API (POST /api/v1/auth/token), alike.

Three counts of failed sign-ins (a 401 answer), each its own answer once it is over:
- per (username, address): PER_PAIR failures, then 429 with Retry-After for that pair only — the same
  username from another address, and other usernames from this address, are not held up;
- per address across usernames (password spraying): PER_ADDRESS, looser, since offices and mobile
  carriers put many people behind one address;
- per username across addresses: PER_USERNAME, a slow-down (Retry-After doubling from 1 s, at most
  60 s), never a lock. An address from which the username signed in within KNOWN_FOR is not slowed
  down by it, so an attacker spread over many addresses does not keep the owner out.

Atomic: the attempt is counted on all three *before* the password is checked (ratelimit.reserve: one
write transaction, serialised across processes), so parallel attempts cannot all pass the check. After
the answer the hits are kept for a 401, and given back for anything else (a success, a bad form, a
CSRF refusal). A success also forgets the pair's failures (not the username's: that would forgive an
attacker's failures from elsewhere whenever the owner signs in). Counters live in the app's database,
shared by every app process (see ratelimit.py); in-process for an app without a database."""

from __future__ import annotations

from datetime import timedelta

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from huitian.security._asgi import fields, read_body, refusal, replay
from huitian.security.ratelimit import (
    Backoff,
    DbWindow,
    MemoryWindow,
    Policy,
    Window,
    client_address,
    database_of,
    release,
    reserve,
)

LOGIN_PATHS = frozenset({"/login", "/api/v1/auth/token"})
PER_PAIR: Policy = Window(5, 900.0)  # failures of one username from one address in 15 minutes
PER_ADDRESS: Policy = Window(50, 900.0)  # failures from one address, any usernames, in 15 minutes
PER_USERNAME: Policy = Backoff(free=10, window_s=3600.0, base_s=1.0, cap_s=60.0)  # from any address
KNOWN_FOR = timedelta(days=30)  # an address the username signed in from stays known this long

# What each count's refusal says: (for programs, for people).
REFUSALS = (
    ("too many failed sign-ins for this username from this address", "该账号在本机登录失败次数过多"),
    ("too many failed sign-ins from this address", "本网络登录失败次数过多"),
    ("too many failed sign-ins for this username; slowing down", "该账号近期登录失败次数过多"),
)


def _later(wait: int) -> str:
    return f"请{wait}秒后再试。" if wait < 60 else f"请{round(wait / 60)}分钟后再试。"


class LoginThrottleMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        per_pair: Policy = PER_PAIR,
        per_address: Policy = PER_ADDRESS,
        per_username: Policy = PER_USERNAME,
    ) -> None:
        self.app = app
        self.policies = (per_pair, per_address, per_username)
        self.windows: tuple[DbWindow | MemoryWindow, ...] | None = None
        self.known: DbWindow | MemoryWindow | None = None

    def _open(self, scope: Scope) -> tuple[DbWindow | MemoryWindow, ...]:
        """Once, on the first sign-in: count in the app's database when it has one."""
        names = ("login:pair", "login:address", "login:username")
        known = Window(1, KNOWN_FOR.total_seconds())
        named = list(zip(names, self.policies, strict=True))
        shared = database_of(scope["app"]) if "app" in scope else None
        if shared is not None:
            db, secret = shared
            self.windows = tuple(DbWindow.of(db, n, p, secret) for n, p in named)
            self.known = DbWindow.of(db, "login:known", known, secret)
        else:
            self.windows = tuple(MemoryWindow(n, p) for n, p in named)
            self.known = MemoryWindow("login:known", known)
        return self.windows

    def _reserve(self, username: str, address: str):
        pair_w, address_w, user_w = self.windows or ()
        pair = f"{username}\0{address}"
        checks = [(pair_w, pair), (address_w, address)]
        if not self.known.count(pair):  # a known address is not slowed down by others' failures
            checks.append((user_w, username))
        return pair, reserve(checks)

    def _settle(self, reservation, pair: str, status: int) -> None:
        if status == 401:
            return  # a failure: its hits stay
        release(reservation)
        if 200 <= status < 400:
            self.windows[0].clear(pair)
            if not self.known.count(pair):
                self.known.hit(pair)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope.get("path") not in LOGIN_PATHS:
            await self.app(scope, receive, send)
            return
        if self.windows is None:
            self._open(scope)
        body = await read_body(receive)
        username = (await fields(scope, body)).get("username")
        user_key = username[:200] if isinstance(username, str) else ""
        pair, reservation = await run_in_threadpool(self._reserve, user_key, client_address(scope))
        if reservation.wait:
            detail, people = REFUSALS[reservation.index]
            wait = reservation.wait
            response = refusal(
                scope,
                429,
                f"{detail}; retry in {wait} s",
                f"{people},{_later(wait)}",
                field="username",
                headers={"Retry-After": str(wait)},
            )
            await response(scope, receive, send)
            return
        status = 0

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, replay(body, receive), watch)
        finally:
            await run_in_threadpool(self._settle, reservation, pair, status)
