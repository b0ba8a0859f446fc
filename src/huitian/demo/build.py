"""Build the Huitian demo into a freshly migrated, empty database.

Areas (with GeoJSON), units and the areas they serve, the taxonomy, one user per role, and twelve
months of 接诉即办 history ending now. Each order is walked through the same state machine the live
code uses (``orders.flows``): every action is applied in time order, writes its event with the same
payload shape, and the SLA sweep's ``overdue`` escalations are replayed at the moment the sweep would
have found them. History is cut at ``now``, so recent orders are still open in every state.

Rows go in with SQLAlchemy Core bulk inserts (explicit ids), not per-row ORM, so 50,000 orders with
their events build in well under a minute.
"""

from __future__ import annotations

import bisect
import json
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape
from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from huitian.areas.models import Area
from huitian.assets.demo import build_parts
from huitian.auth import service as auth_service
from huitian.auth.models import User
from huitian.categories.models import Category
from huitian.demo import catalog
from huitian.demo.life import live, plan_order
from huitian.demo.lifecycle import Ctx, Cut, OrderSim
from huitian.demo.mixes import (
    CHANNEL_WEIGHTS,
    HOUR_WEIGHTS,
    MIN,
    MONTH_VOLUME,
    PATROL_TOPICS,
    SEASON,
    THIRD_SEASON,
    TOPIC_WEIGHTS,
    TYPE_WEIGHTS,
)
from huitian.demo.textgen import TextGen
from huitian.hotline import service as hotline_service
from huitian.lib import chain
from huitian.orders import service as orders_service
from huitian.orders.enums import (
    Channel,
    OrderStatus,
    OrderType,
    Outcome,
    Satisfaction,
)
from huitian.orders.models import Assignment, Order, OrderEvent
from huitian.plans import service as plans_service
from huitian.plans.demo import seed_demo_progress
from huitian.sla import service as sla_service
from huitian.units.models import Unit, UnitArea

# --- reference data ----------------------------------------------------------------------------------

S = OrderStatus
Progress = Callable[[str, float], None]


def _insert(conn: Connection, table: Any, rows: list[dict[str, Any]], chunk: int = 20_000) -> None:
    for i in range(0, len(rows), chunk):
        conn.execute(insert(table), rows[i : i + chunk])


def _load_areas(conn: Connection) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    collection = json.loads(catalog.AREAS_PATH.read_text(encoding="utf-8"))
    rows: list[dict[str, Any]] = []
    by_code: dict[str, dict[str, Any]] = {}
    for i, feature in enumerate(collection["features"], start=1):
        p = feature["properties"]
        parent = by_code[p["parent_code"]] if p["parent_code"] else None
        geom = shape(feature["geometry"])
        minx, miny, maxx, maxy = geom.bounds
        row = {
            "id": i,
            "code": p["code"],
            "name": p["name"],
            "level": p["level"],
            "parent_id": parent["id"] if parent else None,
            "path": f"{parent['path'] if parent else '/'}{p['code']}/",
            "population": int(p["population"]),
            "geometry": feature["geometry"],
            "min_lon": minx,
            "min_lat": miny,
            "max_lon": maxx,
            "max_lat": maxy,
            "active": True,
        }
        rows.append(row)
        by_code[p["code"]] = row | {"shape": geom}
    _insert(conn, Area.__table__, rows)
    return rows, by_code


def _load_units(conn: Connection, areas: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    rows, links = [], []
    by_code: dict[str, dict[str, Any]] = {}
    for i, u in enumerate(catalog.UNITS, start=1):
        parent = by_code[u["parent_code"]]["id"] if u["parent_code"] else None
        row = {
            "id": i,
            "code": u["code"],
            "name": u["name"],
            "kind": u["kind"],
            "parent_id": parent,
            "phone": None,
            "active": True,
        }
        rows.append(row)
        by_code[u["code"]] = row | {"area_codes": u["area_codes"]}
        links += [{"unit_id": i, "area_id": areas[code]["id"]} for code in dict.fromkeys(u["area_codes"])]
    _insert(conn, Unit.__table__, rows)
    _insert(conn, UnitArea.__table__, links)
    return by_code


def _load_categories(conn: Connection) -> dict[str, dict[str, Any]]:
    rows = []
    by_code: dict[str, dict[str, Any]] = {}
    for i, c in enumerate(catalog.CATEGORIES, start=1):
        parent = by_code[c["parent_code"]] if c["parent_code"] else None
        row = {
            "id": i,
            "code": c["code"],
            "name": c["name"],
            "level": c["level"],
            "parent_id": parent["id"] if parent else None,
            "path": f"{parent['path'] if parent else '/'}{c['code']}/",
            "time_limit_class": c["time_limit_class"],
            "unit_hint": c["unit_hint"],
            "active": True,
        }
        rows.append(row)
        by_code[c["code"]] = row | {"parent_code": c["parent_code"]}
    _insert(conn, Category.__table__, rows)
    return by_code


def _load_users(
    conn: Connection, units: dict[str, dict[str, Any]], areas: dict[str, dict[str, Any]], now: datetime
) -> dict[str, int]:
    rows = []
    hashed = auth_service.hash_password(catalog.DEMO_PASSWORD)  # one hash: all demo users share the password
    for i, u in enumerate(catalog.USERS, start=1):
        password_hash = (
            hashed if u["password"] == catalog.DEMO_PASSWORD else auth_service.hash_password(u["password"])
        )
        rows.append(
            {
                "id": i,
                "username": u["username"],
                "display_name": u["display_name"],
                "role": u["role"],
                "unit_id": units[u["unit_code"]]["id"] if u["unit_code"] else None,
                "area_id": areas[u["area_code"]]["id"] if u["area_code"] else None,
                "phone": None,
                "password_hash": password_hash,
                "token_version": 0,
                "active": True,
                "created_at": now - timedelta(days=400),
            }
        )
    _insert(conn, User.__table__, rows)
    return {r["username"]: r["id"] for r in rows}


# --- places ----------------------------------------------------------------------------------------------


def _points_in(geom: Any, n: int, nprng: np.random.Generator) -> list[tuple[float, float]]:
    minx, miny, maxx, maxy = geom.bounds
    out: list[tuple[float, float]] = []
    shapely.prepare(geom)
    while len(out) < n:
        k = max(16, (n - len(out)) * 3)
        xs = nprng.uniform(minx, maxx, k)
        ys = nprng.uniform(miny, maxy, k)
        inside = shapely.contains_xy(geom, xs, ys)
        out.extend(zip(xs[inside].tolist(), ys[inside].tolist(), strict=True))
    return out[:n]


# --- the build -------------------------------------------------------------------------------------------


def is_built(engine: Engine) -> bool:
    """Whether the database already holds areas (the demo, or a real installation's own data)."""
    with engine.connect() as conn:
        return bool(conn.execute(select(func.count()).select_from(Area)).scalar())


def build_demo(
    engine: Engine,
    *,
    orders: int = 50_000,
    seed: int = 2026,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Fill a freshly migrated, empty database with the Huitian demo. Returns counts, rates and timing.

    ``progress(stage, fraction)`` is called as the build goes (fraction in 0..1).
    ``now`` (aware) fixes the end of the history; by default the current time.
    """
    started = time.perf_counter()
    report = progress or (lambda _stage, _fraction: None)
    now = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    rng = random.Random(seed)
    nprng = np.random.default_rng(seed)
    tz = sla_service.local_tz()

    with engine.begin() as conn:
        report("areas", 0.02)
        area_rows, areas = _load_areas(conn)
        report("units", 0.04)
        units = _load_units(conn, areas)
        categories = _load_categories(conn)
        users = _load_users(conn, units, areas, now)

    session = Session(engine)
    try:
        sla_service.invalidate_cache()
        ctx = Ctx(
            session=session,
            rng=rng,
            now=now,
            unit_id={c: u["id"] for c, u in units.items()},
            unit_code={u["id"]: c for c, u in units.items()},
            unit_kind={u["id"]: u["kind"] for u in units.values()},
            unit_parent={u["id"]: u["parent_id"] for u in units.values()},
            user_id=users,
            handler_unit=units["ST-110114011"]["id"],
            supervisor_area=areas["110114011"]["path"],
        )
        report("orders", 0.06)
        order_rows, sims = _simulate(ctx, orders, areas, units, categories, users, nprng, tz, report)
        session.rollback()
    finally:
        session.close()

    report("writing", 0.75)
    events = sorted(ctx.events, key=lambda e: (e[8], e[0]))
    event_rows = [
        {
            "id": i,
            "order_id": e[0],
            "kind": e[1],
            "from_status": e[2],
            "to_status": e[3],
            "actor_id": e[4],
            "actor_name": e[5],
            "actor_role": e[6],
            "unit_id": e[7],
            "created_at": e[8],
            "payload": e[9],
        }
        for i, e in enumerate(events, start=1)
    ]
    assignment_rows = []
    for sim in sims:
        for a in sim.assign:
            a["id"] = len(assignment_rows) + 1
            assignment_rows.append(a)
    # Each order's newest event carries the digest of the order's final state (what `huitian audit
    # verify` compares the stored row and assignments with); the earlier ones need none.
    newest = {row["order_id"]: row for row in event_rows}
    held: dict[int, list[dict[str, Any]]] = {}
    for a in assignment_rows:
        held.setdefault(a["order_id"], []).append(a)
    for row in order_rows:
        if row["id"] in newest:
            newest[row["id"]]["state_digest"] = orders_service.state_digest(row, held.get(row["id"], []))
    heads: dict[int, str] = {}  # each order's event chain (huitian.lib.chain), in id order
    for row in event_rows:
        row.setdefault("state_digest", None)
        row["hash"] = heads[row["order_id"]] = chain.event_hash(heads.get(row["order_id"]), row)
    for row in order_rows:
        row["history_hash"] = heads.get(row["id"])
    with engine.begin() as conn:
        _insert(conn, Order.__table__, order_rows)
        report("writing", 0.85)
        _insert(conn, Assignment.__table__, assignment_rows)
        _insert(conn, OrderEvent.__table__, event_rows, chunk=50_000)
        if conn.dialect.name == "postgresql":
            for table in ("areas", "units", "categories", "users", "orders", "assignments", "order_events"):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                    )
                )
    with Session(engine) as session:  # the seed plans (2021–2025, 2022), linked to the demo's units
        plans = plans_service.load_seed_plans(session)
        plan_progress = seed_demo_progress(session, rng_seed=seed, today=plans_service.today(now))
        kb_entries = hotline_service.load_starter(session)  # the policy knowledge base's starter set
        session.commit()
    parts = build_parts(engine, seed=seed)  # city parts with their QR codes (扫码即知、扫码即诉)
    report("done", 1.0)
    stats = summarise(order_rows, event_rows, assignment_rows)
    stats |= {
        "areas": len(area_rows),
        "units": len(units),
        "categories": len(categories),
        "users": len(users),
        "plans": len(plans),
        "plan_progress": plan_progress,
        "kb_entries": kb_entries,
        "parts": parts,
        "seconds": round(time.perf_counter() - started, 1),
    }
    return stats


def _simulate(
    ctx: Ctx,
    n: int,
    areas: dict[str, dict[str, Any]],
    units: dict[str, dict[str, Any]],
    categories: dict[str, dict[str, Any]],
    users: dict[str, int],
    nprng: np.random.Generator,
    tz: Any,
    report: Progress,
) -> tuple[list[dict[str, Any]], list[OrderSim]]:
    rng = ctx.rng
    now = ctx.now
    gen = TextGen(rng.randrange(1 << 30))

    # When: 365 days back from now, weighted by month, weekday and hour.
    start_day = (now - timedelta(days=365)).astimezone(tz).date()
    days = [start_day + timedelta(days=i) for i in range(366)]
    day_w = [MONTH_VOLUME[d.month] * (0.75 if d.weekday() >= 5 else 1.0) for d in days]
    created: list[datetime] = []
    while len(created) < n:  # today's later hours fall after `now`: draw again until n are in the past
        k = n - len(created)
        day_idx = rng.choices(range(len(days)), weights=day_w, k=k)
        hours = rng.choices(range(24), weights=HOUR_WEIGHTS, k=k)
        for di, h in zip(day_idx, hours, strict=True):
            d = days[di]
            local = datetime(d.year, d.month, d.day, h, rng.randrange(60), rng.randrange(60), tzinfo=tz)
            if local < now - MIN:
                created.append(local.astimezone(UTC))
    created.sort()

    # What: category by month (seasons), type, channel.
    thirds = [c for c in categories.values() if c["level"] == 3]
    by_code = categories
    topic_of = {c["code"]: by_code[c["parent_code"]]["name"] for c in thirds}
    praise_cats = [c for c in thirds if topic_of[c["code"]] == "表扬感谢"]
    suggest_cats = [c for c in thirds if topic_of[c["code"]] == "意见建议"]
    month_cum: dict[int, list[float]] = {}
    for m in range(1, 13):
        weights = []
        for c in thirds:
            topic = topic_of[c["code"]]
            w = TOPIC_WEIGHTS.get(topic, 1.0) * SEASON.get(topic, {}).get(m, 1.0)
            w *= THIRD_SEASON.get(c["name"], {}).get(m, 1.0)
            weights.append(w)
        acc, cum = 0.0, []
        for w in weights:
            acc += w
            cum.append(acc)
        month_cum[m] = cum

    # Where: a grid weighted by population, then a point inside it.
    grids = [a for a in areas.values() if a["level"] == "grid"]
    grid_idx = rng.choices(range(len(grids)), weights=[max(g["population"], 1) for g in grids], k=n)
    per_grid: dict[int, list[int]] = defaultdict(list)
    for i, g in enumerate(grid_idx):
        per_grid[g].append(i)
    points: list[tuple[float, float]] = [(0.0, 0.0)] * n
    for g, idxs in per_grid.items():
        for i, p in zip(idxs, _points_in(grids[g]["shape"], len(idxs), nprng), strict=True):
            points[i] = p

    community_of = {a["code"]: a for a in areas.values() if a["level"] == "community"}
    street_of = {a["code"]: a for a in areas.values() if a["level"] == "street"}
    property_company: dict[str, str] = {}
    for code, u in units.items():
        if u["kind"] == "property_company":
            for area in u["area_codes"]:
                property_company[area] = code
    grid_user_area = areas[next(u["area_code"] for u in catalog.USERS if u["role"] == "grid_worker")]["id"]
    streets = sorted(street_of)

    rows: list[dict[str, Any]] = []
    sims: list[OrderSim] = []
    recent: dict[tuple[str, str], OrderSim] = {}
    type_keys, type_w = list(TYPE_WEIGHTS), list(TYPE_WEIGHTS.values())
    chan_keys, chan_w = list(CHANNEL_WEIGHTS), list(CHANNEL_WEIGHTS.values())
    resident_quota = 40
    for i in range(n):
        if i % 5000 == 0:
            report("orders", 0.06 + 0.68 * i / n)
        t0 = created[i]
        month = t0.astimezone(tz).month
        otype = rng.choices(type_keys, weights=type_w)[0]
        if otype == OrderType.PRAISE:
            cat = (
                rng.choice(praise_cats)
                if rng.random() < 0.6
                else thirds[bisect.bisect(month_cum[month], rng.random() * month_cum[month][-1])]
            )
        elif otype == OrderType.SUGGESTION and rng.random() < 0.4:
            cat = rng.choice(suggest_cats)
        else:
            cat = thirds[bisect.bisect(month_cum[month], rng.random() * month_cum[month][-1])]
            if otype == OrderType.CONSULTATION and cat["time_limit_class"] == "emergency":
                otype = OrderType.HELP
        topic = topic_of[cat["code"]]
        grid = grids[grid_idx[i]]
        community = community_of[_parent_code(grid, areas)]
        street = street_of[_parent_code(community, areas)]
        channel = rng.choices(chan_keys, weights=chan_w)[0]
        if channel == Channel.PATROL:
            # What a grid worker sees on patrol, reported as the patrol page reports it (intake/patrol.py).
            if topic in PATROL_TOPICS and otype != OrderType.PRAISE:
                otype = OrderType.COMPLAINT
            else:
                channel = Channel.HOTLINE
        created_by = users["operator"] if channel == Channel.HOTLINE else None
        if channel == Channel.PATROL and grid["id"] == grid_user_area:
            created_by = users["grid_worker"]
        elif channel == Channel.APP and resident_quota > 0 and rng.random() < 0.05:
            created_by = users["resident"]
            resident_quota -= 1
        text_ = gen.order(
            cat["name"],
            order_type=otype.value,
            community=community["name"],
            street_code=street["code"],
            street_name=street["name"],
            topic=topic,
            patrol=channel == Channel.PATROL,
        )
        limit = cat["time_limit_class"]
        priority = "urgent" if limit == "emergency" else "normal"
        lon, lat = points[i]
        row = {
            "id": i + 1,
            "channel": channel.value,
            "type": otype.value,
            "title": text_.title,
            "description": text_.description,
            "category_id": cat["id"],
            "priority": priority,
            "proactive": channel == Channel.PATROL,
            "lat": round(lat, 7),
            "lon": round(lon, 7),
            "source_crs": "wgs84",
            "address": text_.address,
            "area_id": grid["id"],
            "area_path": grid["path"],
            "asset_id": None,
            "citizen_name": None if channel == Channel.PATROL else text_.citizen_name,
            "citizen_phone": None if channel == Channel.PATROL else text_.citizen_phone,
            "created_by_id": created_by,
            "status": S.RECEIVED.value,
            "outcome": None,
            "lead_unit_id": None,
            "time_limit_class": limit,
            "created_at": t0,
            "dispatched_at": None,
            "accepted_at": None,
            "contacted_at": None,
            "replied_at": None,
            "called_back_at": None,
            "closed_at": None,
            "accept_due": None,
            "contact_due": None,
            "reply_due": ctx.due(t0, limit),
            "extension_days": 0,
            "pending_extension": None,
            "escalated": 0,
            "resolved": None,
            "satisfaction": None,
            "reopen_count": 0,
            "unreasonable": False,
            "unreasonable_reason": None,
            "merged_into_id": None,
            "version": 1,
            "updated_at": t0,
        }
        number = f"{t0.astimezone(tz).strftime('%Y%m%d')}{i + 1:08d}"
        sim = OrderSim(ctx, row, number)

        plan = plan_order(
            rng, otype, cat, topic, community, street, units, property_company, streets, recent, t0
        )
        if plan["unit"] is not None:
            plan["unit"] = ctx.unit_id[plan["unit"]]
        if plan["wrong_unit"] is not None:
            plan["wrong_unit"] = ctx.unit_id[plan["wrong_unit"]]
        try:
            live(sim, ctx, plan)
        except Cut:
            pass
        row["version"] = 1 + sim.updates
        if plan["answer"] is False and plan["intake"] is None:
            recent[(cat["code"], community["code"])] = sim
        rows.append(row)
        sims.append(sim)
    return rows, sims


def _parent_code(area: dict[str, Any], areas: dict[str, dict[str, Any]]) -> str:
    return area["path"].rstrip("/").split("/")[-2]


# --- figures ---------------------------------------------------------------------------------------------


def summarise(
    orders: list[dict[str, Any]], events: list[dict[str, Any]], assignments: list[dict[str, Any]]
) -> dict[str, Any]:
    """Counts and the three rates (三率) over the generated history, as the KPI domain would count them."""
    status = Counter(o["status"] for o in orders)
    types = Counter(o["type"] for o in orders)
    called = [o for o in orders if o["satisfaction"] is not None and not o["unreasonable"]]
    # Closed-with-callback orders keep their last callback on the row; reopened ones count their final round.
    resolved = sum(1 for o in called if o["resolved"])
    sat = sum(1 for o in called if o["satisfaction"] == Satisfaction.SATISFIED)
    basic = sum(1 for o in called if o["satisfaction"] == Satisfaction.BASICALLY_SATISFIED)
    dispatched = {e["order_id"] for e in events if e["kind"] in ("dispatch", "arbitrate")}
    contacted_in_time = {
        e["order_id"] for e in events if e["kind"] == "contact" and e["payload"].get("in_time")
    }
    kinds = Counter(e["kind"] for e in events)
    open_ = {s: c for s, c in status.items() if S(s).is_open}
    return {
        "orders": len(orders),
        "events": len(events),
        "assignments": len(assignments),
        "consultation_share": round(types[OrderType.CONSULTATION] / max(len(orders), 1), 3),
        "answered_at_once": sum(1 for o in orders if o["outcome"] == Outcome.ANSWERED),
        "open_by_status": dict(sorted(open_.items())),
        "open_overdue": sum(1 for o in orders if o["escalated"] and S(o["status"]).is_open),
        "returned": kinds["return"],
        "disputed": kinds["dispute"],
        "extended": kinds["decide_extension"],
        "reopened": kinds["reopen"],
        "merged": status[S.MERGED],
        "unreasonable": sum(1 for o in orders if o["unreasonable"]),
        "whistles": kinds["add_co_unit"],
        "response_rate": round(len(contacted_in_time & dispatched) / max(len(dispatched), 1), 4),
        "resolution_rate": round(resolved / max(len(called), 1), 4),
        "satisfaction_rate": round((sat + 0.8 * basic) / max(len(called), 1), 4),
        "called_back": len(called),
    }


__all__ = ["build_demo", "summarise"]
