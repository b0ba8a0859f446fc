"""Rate limits: sliding-window counters, a FastAPI dependency for public filing
(`rate_limit("public_filing", per_ip=(20, 3600), per_phone=(5, 3600))`), and the login throttle.

Where the app has a database (`app.state.db`, every real app) the counters live in it (DbWindow, table
`security_rate_hits`): every app process and node on one database counts the same hits, so two nodes
enforce one limit, not twice the limit. A check and its hit are one write transaction (serialised by
SQLite's writer lock; on PostgreSQL by a transaction-scoped advisory lock per key), so processes racing
on one key cannot both slip under the limit. Keys are stored as keyed hashes, never as the address or
phone number itself. An app without a database (a bare FastAPI app in a test) falls back to in-process
counters (SlidingWindow).

Client addresses are `proxy.client_address`: the socket's peer, or the client a proxy listed in
HUITIAN_TRUSTED_PROXIES forwarded the request for."""

from __future__ import annotations

import hashlib
import hmac
import math
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from fastapi import HTTPException, Request
from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from huitian.auth.enums import Role
from huitian.db import Database, utcnow
from huitian.lib.phone import phone_key
from huitian.security.csrf import COOKIE as CSRF_COOKIE
from huitian.security.models import RateHit
from huitian.security.proxy import client_address  # noqa: F401 - the one definition, used here and by login.py

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


@dataclass(frozen=True)
class Window:
    """At most `limit` hits per `window_s` seconds; then wait until the oldest of them leaves the window."""

    limit: int
    window_s: float

    @property
    def depth(self) -> int:
        return self.limit  # the newest hits that decide

    def wait(self, times: list[datetime], now: datetime) -> int:
        """Seconds until one more hit may come, from the key's hits in the window (newest first)."""
        if len(times) < self.limit:
            return 0
        oldest = times[self.limit - 1]
        return max(1, math.ceil((oldest + timedelta(seconds=self.window_s) - now).total_seconds()))


@dataclass(frozen=True)
class Backoff:
    """A slow-down, never a lock: `free` hits within `window_s` cost nothing; after them each further hit
    waits `base_s * 2**(n - free)` seconds after the newest (n: the hits in the window), at most `cap_s`."""

    free: int
    window_s: float
    base_s: float = 1.0
    cap_s: float = 60.0

    @property
    def depth(self) -> int:
        return self.free + max(0, math.ceil(math.log2(self.cap_s / self.base_s))) + 1

    def delay(self, n: int) -> float:
        return 0.0 if n < self.free else min(self.cap_s, self.base_s * 2 ** (n - self.free))

    def wait(self, times: list[datetime], now: datetime) -> int:
        if len(times) < self.free:
            return 0
        left = (times[0] + timedelta(seconds=self.delay(len(times))) - now).total_seconds()
        return math.ceil(left) if left > 0 else 0


Policy = Window | Backoff


class DbWindow:
    """The same sliding window, its hits kept in the database (table `security_rate_hits`) so that every
    process on the database shares them. `bucket` names the limiter; keys are hashed with `secret`.
    `policy` replaces the plain window of `limit` per `window_s` (e.g. a Backoff)."""

    def __init__(
        self,
        db: Database,
        bucket: str,
        limit: int,
        window_s: float,
        secret: str | bytes,
        clock: Callable[[], datetime] = utcnow,
        policy: Policy | None = None,
    ) -> None:
        self.db, self.bucket, self.limit, self.window_s, self.clock = db, bucket, limit, window_s, clock
        self.policy: Policy = policy or Window(limit, window_s)
        self.window_s = self.policy.window_s
        self._secret = secret.encode() if isinstance(secret, str) else secret

    @classmethod
    def of(cls, db: Database, bucket: str, policy: Policy, secret: str | bytes, **kw) -> DbWindow:
        limit = policy.limit if isinstance(policy, Window) else policy.free
        return cls(db, bucket, limit, policy.window_s, secret, policy=policy, **kw)

    def digest(self, key: str) -> str:
        return hmac.new(self._secret, f"{self.bucket}\0{key}".encode(), hashlib.sha256).hexdigest()

    def _wait(self, session: Session, digest: str, now: datetime) -> int:
        """Seconds until `digest` may hit again (0: now), from the hits inside the window."""
        since = now - timedelta(seconds=self.window_s)
        inside = (RateHit.bucket == self.bucket, RateHit.key == digest, RateHit.at > since)
        if isinstance(self.policy, Window):
            # A plain window is decided by the count and, once at the limit, by the limit-th newest hit
            # alone: one index count and at most one row, not `limit` rows (an API key's window holds
            # thousands of hits, read on every request otherwise).
            count = session.scalar(select(func.count()).select_from(RateHit).where(*inside)) or 0
            if count < self.policy.limit:
                return 0
            newest_first = select(RateHit.at).where(*inside).order_by(RateHit.at.desc())
            decisive = session.scalar(newest_first.offset(self.policy.limit - 1).limit(1))
            return max(1, math.ceil((decisive + timedelta(seconds=self.window_s) - now).total_seconds()))
        hits = session.scalars(
            select(RateHit.at).where(*inside).order_by(RateHit.at.desc()).limit(self.policy.depth)
        ).all()
        return self.policy.wait(list(hits), now)

    def _add(self, session: Session, digest: str, now: datetime) -> RateHit:
        hit = RateHit(bucket=self.bucket, key=digest, at=now)
        session.add(hit)
        if random.random() < 0.02:  # now and then, forget what has left this bucket's window
            since = now - timedelta(seconds=self.window_s)
            session.execute(delete(RateHit).where(RateHit.bucket == self.bucket, RateHit.at <= since))
        return hit

    def retry_after(self, key: str) -> int:
        with self.db.read() as session:
            return self._wait(session, self.digest(key), self.clock())

    def hit(self, key: str) -> None:
        with self.db.write() as session:
            self._add(session, self.digest(key), self.clock())
            session.commit()

    def take(self, key: str) -> int:
        """Count a hit unless the key is over its limit, atomically across processes; the seconds to
        wait, or 0 when it was counted."""
        return take_all([(self, key)])[1]

    def clear(self, key: str) -> None:
        where = (RateHit.bucket == self.bucket, RateHit.key == self.digest(key))
        with self.db.read() as session:  # most sign-ins have nothing to clear: spare the write
            if session.scalar(select(RateHit.id).where(*where).limit(1)) is None:
                return
        with self.db.write() as session:
            session.execute(delete(RateHit).where(*where))
            session.commit()

    def count(self, key: str) -> int:
        """Hits of `key` inside the window now (for tests and the admin)."""
        since = self.clock() - timedelta(seconds=self.window_s)
        with self.db.read() as session:
            return session.scalar(
                select(func.count())
                .select_from(RateHit)
                .where(RateHit.bucket == self.bucket, RateHit.key == self.digest(key), RateHit.at > since)
            )


class MemoryWindow:
    """A DbWindow's policy with its hits in this process (an app without a database)."""

    _lock = threading.Lock()  # one for every memory window: reserve() checks several at once
    _ids = iter(range(1, 1 << 62))

    def __init__(self, bucket: str, policy: Policy, clock: Callable[[], datetime] = utcnow) -> None:
        self.bucket, self.policy, self.clock = bucket, policy, clock
        self.window_s = policy.window_s
        self._hits: dict[str, list[tuple[int, datetime]]] = {}

    def _recent(self, key: str, now: datetime) -> list[tuple[int, datetime]]:
        since = now - timedelta(seconds=self.window_s)
        hits = [h for h in self._hits.get(key, ()) if h[1] > since]
        if hits:
            self._hits[key] = hits
        else:
            self._hits.pop(key, None)
        return hits

    def _wait(self, key: str, now: datetime) -> int:
        return self.policy.wait([at for _, at in reversed(self._recent(key, now))], now)

    def _add(self, key: str, now: datetime) -> int:
        if len(self._hits) > 100_000:  # bound the memory: forget keys whose window has passed
            for k in list(self._hits):
                self._recent(k, now)
        hit = next(self._ids)
        self._hits.setdefault(key, []).append((hit, now))
        return hit

    def _remove(self, ids: set[int]) -> None:
        for key in list(self._hits):
            self._hits[key] = [h for h in self._hits[key] if h[0] not in ids]

    def retry_after(self, key: str) -> int:
        with self._lock:
            return self._wait(key, self.clock())

    def hit(self, key: str) -> None:
        with self._lock:
            self._add(key, self.clock())

    def clear(self, key: str) -> None:
        with self._lock:
            self._hits.pop(key, None)

    def count(self, key: str) -> int:
        with self._lock:
            return len(self._recent(key, self.clock()))


@dataclass
class Reservation:
    """Hits counted by reserve(): kept (they were failures) or given back with release()."""

    index: int = -1  # the first window over its limit (nothing was counted), or -1
    wait: int = 0
    ids: list[int] = field(default_factory=list)
    windows: list[DbWindow | MemoryWindow] = field(default_factory=list)


def reserve(checks: list[tuple[DbWindow | MemoryWindow, str]]) -> Reservation:
    """Check every (window, key) and, when none is over its limit, count a hit on each, at once: in one
    write transaction on the database (SQLite's writer lock, or PostgreSQL's advisory lock per key,
    serialise racers), under one lock in memory. So a hit is counted *before* the work it limits and
    racers cannot all pass the check; release() gives the hits back when the work turns out not to count
    (a sign-in that succeeded)."""
    if not checks:
        return Reservation()
    if isinstance(checks[0][0], MemoryWindow):
        with MemoryWindow._lock:
            for i, (w, k) in enumerate(checks):
                now = w.clock()
                wait = w._wait(k, now)
                if wait:
                    return Reservation(i, wait)
            return Reservation(ids=[w._add(k, w.clock()) for w, k in checks], windows=[w for w, _ in checks])
    db = checks[0][0].db
    with db.write() as session:
        digests = [(w, w.digest(k)) for w, k in checks]
        if not db.is_sqlite:  # SQLite's writer lock already serialises; PostgreSQL locks each key
            for lock in sorted({int(d[:15], 16) for _, d in digests}):
                session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock})
        for i, (w, d) in enumerate(digests):
            wait = w._wait(session, d, w.clock())
            if wait:
                return Reservation(i, wait)
        hits = [w._add(session, d, w.clock()) for w, d in digests]
        session.flush()
        ids = [h.id for h in hits]
        session.commit()
    return Reservation(ids=ids, windows=[w for w, _ in checks])


def release(reservation: Reservation) -> None:
    """Give back the hits a reservation counted."""
    if not reservation.ids:
        return
    first = reservation.windows[0]
    if isinstance(first, MemoryWindow):
        with MemoryWindow._lock:
            for w in {id(w): w for w in reservation.windows}.values():
                w._remove(set(reservation.ids))
        return
    with first.db.write() as session:
        session.execute(delete(RateHit).where(RateHit.id.in_(reservation.ids)))
        session.commit()


def take_all(checks: list[tuple[DbWindow, str]]) -> tuple[int, int]:
    """Check every (window, key) and, when none is over its limit, count a hit on each, in one write
    transaction. Returns (index of the first window over its limit, seconds to wait), or (-1, 0)."""
    r = reserve(checks)
    return r.index, r.wait


def database_of(app) -> tuple[Database, str] | None:
    """The app's database and secret when it has them (every real app), else None."""
    state = app.state
    db = getattr(state, "db", None)
    secret = getattr(state, "secret", None)
    return (db, secret) if isinstance(db, Database) and secret else None


class TooMany(HTTPException):
    """A 429 with Retry-After: JSON naming the limit for programs; the app shows people `people` (zh-CN)."""

    def __init__(self, detail: str, people: str, wait: int) -> None:
        super().__init__(status_code=429, detail=detail, headers={"Retry-After": str(wait)})
        self.people = people


def too_many(what: str, limit: Limit, wait: int) -> TooMany:
    count, window = limit
    later = f"{wait}秒" if wait < 60 else f"{max(1, round(wait / 60))}分钟"
    return TooMany(
        f"too many requests {what}: at most {count} per {int(window)} s; retry in {wait} s",
        f"提交过于频繁,请{later}后再试。",
        wait,
    )


_PHONE_FIELDS = ("phone", "citizen_phone")


async def _values(request: Request) -> dict:
    """The body's top-level fields (form or JSON object); {} for anything else or a malformed body."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if kind in ("application/x-www-form-urlencoded", "multipart/form-data"):
            return dict(await request.form())
        if kind == "application/json" or kind.endswith("+json"):
            body = await request.json()
            return body if isinstance(body, dict) else {}
    except Exception:  # a malformed body is the route's to reject with its own 4xx
        return {}
    return {}


def _phone_of(values: dict) -> str | None:
    """The phone number a filing gives (fields `phone` or `citizen_phone`) in its normal form
    (lib/phone.py), so that `+86 138…`, `0086-138…` and `138 …` are one key."""
    for name in _PHONE_FIELDS:
        value = values.get(name)
        if isinstance(value, str) and (key := phone_key(value)):
            return key
    return None


def _api_key_of(request: Request, values: dict) -> str | None:
    """The API key a request files with: the X-API-Key header, or Open311's `api_key` field."""
    key = request.headers.get("x-api-key") or values.get("api_key") or request.query_params.get("api_key")
    return key if isinstance(key, str) and key.strip() else None


# Counters kept in each process rather than the database: an API key's, whose loose hourly allowance
# (thousands) is a guard against a runaway client, not an exact quota; a database write per request
# would cost a machine client's filing most of its speed on SQLite (bench/open311.py).
IN_PROCESS_KINDS = frozenset({"api_key"})


def window(app, name: str, kind: str, limit: Limit) -> SlidingWindow | DbWindow:
    """The app's counter `name:kind` for `limit` (one per app: in its database when it has one, unless
    its kind is counted in process)."""
    state = app.state
    store: dict | None = getattr(state, "huitian_rate_limits", None)
    if store is None:
        store = state.huitian_rate_limits = {}
    key = (name, kind, limit)
    if key not in store:
        shared = None if kind in IN_PROCESS_KINDS else database_of(app)
        if shared is not None:
            store[key] = DbWindow(shared[0], f"{name}:{kind}", limit[0], limit[1], shared[1])
        else:
            store[key] = SlidingWindow(limit=limit[0], window_s=limit[1])
    return store[key]


def _windows(request: Request, name: str, kind: str, limit: Limit) -> SlidingWindow | DbWindow:
    return window(request.app, name, kind, limit)


def rate_limit(
    name: str,
    *,
    per_ip: Limit | None = None,
    per_phone: Limit | None = None,
    without_phone: Limit | None = None,
    per_resident: Limit | None = None,
    per_api_key: Limit | None = None,
):
    """A dependency that answers 429 (TooMany, with Retry-After) once one of its keys has made `count`
    requests within `window_s` seconds:

    - per_ip: the client address;
    - per_phone: the phone number given in the body (normalised: lib/phone.py);
    - without_phone: a request that gives no phone number, by its address and, when it carries one, by
      its device (the anonymous visitor's CSRF cookie), so that leaving the phone out is no way round;
    - per_resident: a signed-in resident, by user; per_api_key: an API key (header or `api_key` field).

    Every request counts, accepted or not. Counters are per `name` (routes sharing a name share their
    counters), kept in the database and so shared by every app process on it (in-process for an app
    without a database).

        @router.post("/m/new", dependencies=[Depends(rate_limit("public_filing", per_ip=(20, 3600),
                                                                 per_phone=(5, 3600)))])
    """

    async def check(request: Request) -> None:
        checks: list[tuple[SlidingWindow | DbWindow, str, str, Limit]] = []

        def add(kind: str, limit: Limit, key: str, what: str) -> None:
            checks.append((_windows(request, name, kind, limit), key, what, limit))

        address = client_address(request)
        if per_ip is not None:
            add("ip", per_ip, address, "from this address")
        values = await _values(request) if (per_phone or without_phone or per_api_key) else {}
        phone = _phone_of(values) if (per_phone or without_phone) else None
        if per_phone is not None and phone:
            add("phone", per_phone, phone, "for this phone number")
        if without_phone is not None and not phone:
            add("nophone_ip", without_phone, address, "without a phone number from this address")
            device = request.cookies.get(CSRF_COOKIE)
            if device:
                add("nophone_device", without_phone, device, "without a phone number from this device")
        if per_resident is not None:  # (who is signing is looked up only where it is limited)
            from huitian.auth.deps import optional_principal  # auth imports nothing of security

            principal = await optional_principal(request)
            if principal is not None and principal.role == Role.RESIDENT and principal.user_id is not None:
                add("resident", per_resident, str(principal.user_id), "for this resident")
        if per_api_key is not None:
            key = _api_key_of(request, values)
            if key:
                add("api_key", per_api_key, key, "for this API key")
        in_db = [c for c in checks if isinstance(c[0], DbWindow)]
        in_process = [c for c in checks if not isinstance(c[0], DbWindow)]
        for window, key, what, limit in in_process:
            wait = window.retry_after(key)
            if wait:
                raise too_many(what, limit, wait)
        if in_db:
            i, wait = await run_in_threadpool(take_all, [(w, k) for w, k, _, _ in in_db])
            if wait:
                raise too_many(in_db[i][2], in_db[i][3], wait)
        for window, key, _, _ in in_process:
            window.hit(key)

    check.__name__ = f"rate_limit_{name}"
    return check


# Anonymous filing (the resident phone page /m, 扫码即诉 /p/{code}): per address, per phone number given,
# and without a phone number per address and per device (as strict as one phone number).
PUBLIC_FILING = rate_limit("public_filing", per_ip=(20, 3600), per_phone=(5, 3600), without_phone=(5, 3600))
# Filing as someone (POST /api/v1/orders, the /orders/new page, Open311): a signed-in resident per user;
# an API key (an app filing for many citizens) per key, looser. Staff are not limited here.
API_KEY_FILING: Limit = (10_000, 3600)  # bench/open311.py posts 3000 with one key in a run
PRINCIPAL_FILING = rate_limit("principal_filing", per_resident=(10, 3600), per_api_key=API_KEY_FILING)
# Open311 files with a key only (in its form): the same key counter, without resolving a principal.
OPEN311_FILING = rate_limit("principal_filing", per_api_key=API_KEY_FILING)
