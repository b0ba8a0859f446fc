"""Login throttle: after too many failed sign-ins for one username or from one client address within a
window, both the page (POST /login) and the API (POST /api/v1/auth/token) answer 429 with Retry-After,
without checking the password. A failure is a 401 answer; a success clears the username's count (not
the address's). Counters are kept in the app's database, so every app process shares them (see
ratelimit.py); in-process for an app without a database."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from huitian.security._asgi import fields, read_body, refusal, replay
from huitian.security.ratelimit import DbWindow, SlidingWindow, client_address, database_of

LOGIN_PATHS = frozenset({"/login", "/api/v1/auth/token"})
PER_USERNAME = (10, 300.0)  # failures per username in 5 minutes
PER_ADDRESS = (30, 300.0)  # failures per client address in 5 minutes (offices share one NAT address)


class LoginThrottleMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        per_username: tuple[int, float] = PER_USERNAME,
        per_address: tuple[int, float] = PER_ADDRESS,
    ) -> None:
        self.app = app
        self.per_username, self.per_address = per_username, per_address
        self.by_user: SlidingWindow | DbWindow = SlidingWindow(*per_username)
        self.by_address: SlidingWindow | DbWindow = SlidingWindow(*per_address)
        self._shared = False

    def _use_database(self, scope: Scope) -> None:
        """Once, on the first sign-in: count in the app's database when it has one."""
        self._shared = True
        shared = database_of(scope["app"]) if "app" in scope else None
        if shared is not None:
            db, secret = shared
            self.by_user = DbWindow(db, "login:username", *self.per_username, secret)
            self.by_address = DbWindow(db, "login:address", *self.per_address, secret)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope.get("path") not in LOGIN_PATHS:
            await self.app(scope, receive, send)
            return
        if not self._shared:
            self._use_database(scope)
        body = await read_body(receive)
        username = (await fields(scope, body)).get("username")
        user_key = username[:200] if isinstance(username, str) else ""
        address = client_address(scope)
        wait = max(
            await run_in_threadpool(self.by_user.retry_after, user_key),
            await run_in_threadpool(self.by_address.retry_after, address),
        )
        if wait:
            response = refusal(
                scope,
                429,
                f"too many failed sign-ins for this username or from this address; retry in {wait} s",
                f"登录失败次数过多,请{max(1, round(wait / 60))}分钟后再试。",
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

        await self.app(scope, replay(body, receive), watch)
        if status == 401:
            await run_in_threadpool(self.by_user.hit, user_key)
            await run_in_threadpool(self.by_address.hit, address)
        elif 200 <= status < 400:
            await run_in_threadpool(self.by_user.clear, user_key)
