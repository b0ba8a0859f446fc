"""Schemathesis against our own OpenAPI (/openapi.json) with authentication, on a demo-like database.

A real `huitian serve` (127.0.0.1 only) on a fresh SQLite file (or --db URL) holding a small demo
(`demo.build.build_demo` with --orders orders: the demo's areas, units, taxonomy, plans, knowledge base,
city parts and one user per role), fuzzed in one pass per principal: bearer tokens of resident, handler,
supervisor, operator and admin, and a unit's API key (X-API-Key). The admin pass runs last: it may
deactivate units or change areas, which would blunt the passes after it.

Checks: not_a_server_error (no 5xx), response_schema_conformance (every documented response matches its
schema), status_code_conformance (every status answered is documented) and content_type_conformance (every
answer is sent as a media type its operation documents). Identifiers that exist in the
database (order ids and numbers, unit / area / category codes, plan, project, topic ids, ...) are fed to
the path and query parameters of the same name half of the time (schemathesis dictionaries), so the
fuzzing reaches past "404 not found" into the services.

    .venv/bin/python bench/schemathesis_api.py [--max-examples 5] [--db URL] [--orders 1500]
        [--roles resident,handler,...] [--timeout 840] [extra schemathesis options]

Bounded: at most --max-examples cases per operation and phase, and each pass is stopped after its share
of --timeout seconds (the pass then counts as a failure). Prints ONE JSON line: cases, roles (per pass:
cases, operations, failures, seconds), server_errors, schema_violations, status_violations,
content_type_violations, failures (the first line of each, short), seconds. Exits non-zero when anything
failed. A full run (six passes, --max-examples 5: about 28,000 cases) takes some 13 minutes on a busy
2-core machine."""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import chaos  # noqa: E402

# (pass name, demo username or None for the API key); the admin pass last (see the docstring).
PASSES = (
    ("resident", "resident"),
    ("handler", "handler"),
    ("supervisor", "supervisor"),
    ("apikey", None),
    ("operator", "operator"),
    ("admin", "admin"),
)
ROLES = tuple(name for name, _ in PASSES)
CHECKS = "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance"
# schemathesis's failure codes (`schemathesis explain ST101`) -> the figure they count in
KINDS = {
    "ST101": "server_errors",  # a 5xx
    "ST102": "server_errors",  # a 5xx for an undeclared Content-Type
    "ST103": "status_violations",  # a status the operation does not document
    "ST108": "schema_violations",  # a body its documented schema rejects
    "ST109": "schema_violations",  # not JSON under a JSON Content-Type
    "ST110": "schema_violations",  # a body its Content-Type's parser cannot read
    "ST111": "schema_violations",  # a discriminator value no schema maps
    "ST104": "content_type_violations",  # no Content-Type where the document gives a media type
    "ST105": "content_type_violations",  # a Content-Type the document does not list
    "ST106": "content_type_violations",  # a malformed media type
}
DEMO_PASSWORD = "huitian123"  # demo.catalog.DEMO_PASSWORD: every demo user's password
FUZZ_KEY_UNIT = "ST-110114011"  # the demo's street office: the API key acts as its handler

# What the fuzzing must not touch, each with its reason:
EXCLUDE_PATH_REGEX = (
    # Open311 (/open311/v2/*) is another engineer's item, fuzzed with the community's swagger by
    # bench/open311_schemathesis.py.
    r"^/open311/"
)
# Parameters pinned to a throwaway row, so that fuzzing cannot end the run by locking out the principal
# it runs as: a password change or deactivation through PATCH /users/{id} bumps that user's token version
# (every bearer token of theirs is invalid from then on), DELETE /apikeys/{id} revokes the fuzzing key.
# The operations are still fuzzed (bodies, headers, negative cases), on the throwaway user and key.
PINNED = {
    "PATCH /api/v1/users/{user_id}": ("user_id", "target_user"),
    "DELETE /api/v1/apikeys/{key_id}": ("key_id", "target_key"),
}


def prepare(url: str, *, orders: int) -> dict:
    """Migrate; build a small demo when the database is empty; add the fuzzing API key and the throwaway
    user and key. Returns the API key and the throwaway rows' ids."""
    from sqlalchemy import func, select

    from huitian import migrate
    from huitian.areas.models import Area
    from huitian.auth import service as auth_service
    from huitian.auth.enums import Role
    from huitian.auth.schemas import UserCreate
    from huitian.db import Database
    from huitian.demo.build import build_demo

    migrate.upgrade(url)
    db = Database(url)
    try:
        with db.read() as s:
            empty = not s.scalar(select(func.count()).select_from(Area))
        if empty:
            build_demo(db.engine, orders=orders, seed=14)
        with db.write() as s:
            _, key = auth_service.create_api_key(s, name="schemathesis", unit_code=FUZZ_KEY_UNIT)
            target_key, _ = auth_service.create_api_key(s, name="schemathesis-throwaway")
            target_user = auth_service.create_user(
                s,
                data=UserCreate(
                    username=f"fuzz-target-{time.monotonic_ns()}",
                    password="fuzz-target-1",
                    role=Role.RESIDENT,
                ),
            )
            s.commit()
            return {"key": key, "target_user": target_user.id, "target_key": target_key.id}
    finally:
        db.dispose()


def identifiers(url: str) -> dict[str, list]:
    """Identifiers the database holds, by kind: the values the dictionaries feed to the parameters.
    Strings where the API's parameter is a string (order references, codes, phones, months)."""
    from sqlalchemy import select, text

    from huitian.db import Database
    from huitian.orders import service as orders_service
    from huitian.orders.models import Order

    db = Database(url)
    try:
        with db.read() as s:

            def col(sql: str) -> list:
                return [r[0] for r in s.execute(text(sql)) if r[0] is not None]

            recent = list(s.scalars(select(Order).order_by(Order.id.desc()).limit(30)))
            months = sorted({orders_service.public_number(o)[:6] for o in recent})
            return {
                "order": [str(o.id) for o in recent] + [orders_service.public_number(o) for o in recent],
                "area": [  # a few of each level: district, streets, communities, grids
                    code
                    for level in ("district", "street", "community", "grid")
                    for code in col(f"SELECT code FROM areas WHERE level = '{level}' ORDER BY id LIMIT 10")
                ],
                "unit": col("SELECT code FROM units ORDER BY id LIMIT 40"),
                "category": col("SELECT code FROM categories ORDER BY id LIMIT 40"),
                "asset": col("SELECT code FROM assets ORDER BY id LIMIT 20"),
                "policy": col("SELECT code FROM sla_policies"),
                "user": col("SELECT id FROM users"),
                "phone": col("SELECT DISTINCT citizen_phone FROM orders LIMIT 20"),
                "rule": col("SELECT id FROM dispatch_rules LIMIT 20"),
                "entry": col("SELECT id FROM hotline_kb_entries LIMIT 20"),
                "photo": col("SELECT id FROM order_attachments LIMIT 20"),
                "model": col("SELECT id FROM intelligence_models LIMIT 20"),
                "plan": col("SELECT id FROM plans"),
                "project": col("SELECT id FROM plan_projects LIMIT 30"),
                "milestone": col("SELECT id FROM plan_milestones LIMIT 30"),
                "note": col("SELECT id FROM plan_supervision_notes LIMIT 20"),
                "micro": col("SELECT id FROM plan_micro_projects LIMIT 20"),
                "warning": col("SELECT id FROM proactive_warnings LIMIT 20"),
                "topic": col("SELECT id FROM proactive_topics LIMIT 20"),
                "task": col("SELECT id FROM proactive_topic_tasks LIMIT 20"),
                "month": [f"{m[:4]}-{m[4:]}" for m in months],
                "kind": ["street", "unit"],
            }
    finally:
        db.dispose()


def seed_rows(base: str, header: str, values: dict[str, list]) -> list[str]:
    """As the admin, through the API: rows the demo does not have (a dispatch rule, warnings, a topic), so
    that the operations on them get ids to work on. Returns what did not work (the run goes on)."""
    name, _, value = header.partition(": ")
    street = values["area"][1]  # the first street (identifiers() lists the district, then streets)
    calls = [
        ("/api/v1/dispatch/rules", {"unit": FUZZ_KEY_UNIT, "area": street, "note": "schemathesis"}),
        ("/api/v1/warnings/compute", None),
        ("/api/v1/topics", {"month": values["month"][-1], "area": street, "category": values["category"][1]}),
    ]
    problems = []
    with httpx.Client(base_url=base, headers={name: value}, timeout=120) as http:
        for path, body in calls:
            r = http.post(path, json=body) if body is not None else http.post(path)
            if r.status_code >= 300:
                problems.append(f"seed {path}: {r.status_code} {r.text[:120]}")
    return problems


# parameter (location.name) -> dictionary, for every operation; `code` depends on the path (below)
BINDINGS = {
    "path.ref": "order",
    "path.user_id": "user",
    "path.phone": "phone",
    "path.rule_id": "rule",
    "path.entry_id": "entry",
    "path.photo_id": "photo",
    "path.model_id": "model",
    "path.plan_id": "plan",
    "path.project_id": "project",
    "path.milestone_id": "milestone",
    "path.note_id": "note",
    "path.micro_id": "micro",
    "path.warning_id": "warning",
    "path.topic_id": "topic",
    "path.task_id": "task",
    "path.kind": "kind",
    "query.unit": "unit",
    "query.area": "area",
    "query.category": "category",
    "query.month": "month",
    "query.project_id": "project",
    "query.task_id": "task",
    "body.unit": "unit",
    "body.area": "area",
    "body.category": "category",
    "body.month": "month",
}
CODES = {  # the dictionary of `{code}` by the path it appears in
    r"^/api/v1/areas/": "area",
    r"^/api/v1/assets/": "asset",
    r"^/api/v1/categories/": "category",
    r"^/api/v1/units/": "unit",
    r"^/api/v1/policies/": "policy",
    r"^/api/v1/kpi/reports/": "unit",
}
HIT = 0.5  # how often a bound parameter takes an existing value


def _toml(value) -> str:
    return json.dumps(value, ensure_ascii=False)  # JSON scalars and arrays are TOML too


def config(prepared: dict, values: dict[str, list]) -> str:
    """schemathesis.toml: the dictionaries of existing identifiers, their bindings, the pinned operations."""
    lines = []
    values = {k: v for k, v in values.items() if v}
    for name, vals in values.items():
        lines += [f"[dictionaries.{name}]", f"values = {_toml(vals)}", ""]
    ops = []
    for op, (param, row) in PINNED.items():
        ops.append(
            f"[[operations]]\ninclude-name = {_toml(op)}\nparameters = {{ {param} = {prepared[row]} }}\n"
        )
    for regex, name in CODES.items():
        if name in values:
            ops.append(
                f"[[operations]]\ninclude-path-regex = {_toml(regex)}\n"
                f'parameters = {{ "path.code" = {{ dictionary = "{name}", probability = {HIT} }} }}\n'
            )
    params = [
        f'"{key}" = {{ dictionary = "{name}", probability = {HIT} }}'
        for key, name in BINDINGS.items()
        if name in values
    ]
    # [parameters] before the [[operations]] tables (a TOML table runs until the next header)
    return "\n".join(["[parameters]", *params, "", *lines, *ops])


def credentials(base: str, prepared: dict) -> dict[str, str]:
    """The header that authenticates each pass."""
    out = {}
    for name, username in PASSES:
        if username is None:
            out[name] = f"X-API-Key: {prepared['key']}"
            continue
        r = httpx.post(f"{base}/api/v1/auth/token", json={"username": username, "password": DEMO_PASSWORD})
        r.raise_for_status()
        out[name] = f"Authorization: Bearer {r.json()['access_token']}"
    return out


def fuzz(
    base: str, name: str, header: str, *, max_examples: int, seed: int, out: Path, timeout: float, extra: list
) -> dict:
    assert urlsplit(base).hostname == "127.0.0.1", base  # only ever our own local server
    report = out / f"{name}.json"
    cmd = [
        str(Path(chaos.PY).parent / "schemathesis"),
        "--config-file",
        str(out / "schemathesis.toml"),
        "run",
        f"{base}/openapi.json",
        "--header",
        header,
        "--checks",
        CHECKS,
        "--exclude-path-regex",
        EXCLUDE_PATH_REGEX,
        "--max-examples",
        str(max_examples),
        "--seed",
        str(seed),
        "--phases",
        "examples,coverage,fuzzing",
        "--no-shrink",
        # one worker: with two threads, hypothesis parsing sources under CPython 3.11 now and then fails with
        # "AST constructor recursion depth mismatch" (a runtime error of the tool, not of our API)
        "--workers",
        "1",
        "--generation-database",
        "none",
        "--report",
        "json",
        "--report-json-path",
        str(report),
        "--output-truncate",
        "true",
        "--no-color",
        "--request-timeout",
        "60",
        *extra,
    ]
    t0 = time.monotonic()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=out, timeout=timeout)
        rc, stdout = proc.returncode, proc.stdout
    except subprocess.TimeoutExpired as exc:
        partial = exc.stdout or ""  # the child was killed; what it printed so far
        rc, stdout = "timeout", partial.decode(errors="replace") if isinstance(partial, bytes) else partial
    try:  # a killed run leaves no report, or half of one: its cases are not counted
        data = json.loads(report.read_text()) if rc != "timeout" and report.exists() else {}
    except json.JSONDecodeError:
        data = {}
    return {"rc": rc, "seconds": round(time.monotonic() - t0, 1), "report": data, "stdout": stdout}


def summarise(result: dict) -> dict:
    """Cases, unique failures and their kinds from schemathesis's JSON report."""
    report = result["report"]
    cases = report.get("test_cases", {})
    errors = sum(e.get("count", 0) for e in report.get("errors", []))
    return {
        "cases": int(cases.get("generated", 0)),
        "failures": int(cases.get("unique_failures", 0)) + errors + (result["rc"] == "timeout"),
        "operations": int(report.get("operations", {}).get("tested", 0)),
        "kinds": {
            f["code"]: {"count": f["count"], "operations": f["operations"]}
            for f in report.get("failures", [])
        },
        "errors": errors,
    }


def failure_lines(stdout: str, limit: int = 12) -> list[str]:
    """The head line of each failure schemathesis printed ("_ GET /path _" and the check's title)."""
    text = stdout[stdout.find(" FAILURES ") :] if " FAILURES " in stdout else ""
    text += stdout[stdout.find(" ERRORS ") : stdout.find(" WARNINGS ")] if " ERRORS " in stdout else ""
    out, op = [], None
    for line in text.splitlines():
        m = re.match(r"^_+ (.+?) _+$", line.strip())
        if m:
            op = m.group(1)
        elif line.startswith("- ") and op:
            out.append(f"{op}: {line[2:].strip()}"[:200])
        if len(out) >= limit:
            break
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--max-examples", type=int, default=5)
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--db", help="database URL (default: a fresh SQLite file)")
    ap.add_argument(
        "--orders", type=int, default=1500, help="orders of the demo built into an empty database"
    )
    ap.add_argument("--roles", default=",".join(ROLES), help=f"passes to run, of {','.join(ROLES)}")
    ap.add_argument("--timeout", type=float, default=840, help="seconds for all passes together")
    args, extra = ap.parse_known_args()
    roles = tuple(r for r in args.roles.split(",") if r)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'fuzz.db'}"
        out = run(
            url,
            max_examples=args.max_examples,
            seed=args.seed,
            tmp=Path(tmp),
            extra=extra,
            roles=roles,
            orders=args.orders,
            timeout=args.timeout,
        )
    out.pop("tails")
    print(json.dumps(out, ensure_ascii=False))
    sys.exit(0 if out["failures_total"] == 0 else 1)


def run(
    url: str,
    *,
    max_examples: int,
    seed: int,
    tmp: Path,
    extra: list[str] | None = None,
    roles: tuple[str, ...] = ROLES,
    orders: int = 1500,
    timeout: float = 840,
) -> dict:
    t0 = time.monotonic()
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise SystemExit(f"unknown roles {sorted(unknown)}; known: {', '.join(ROLES)}")
    prepared = prepare(url, orders=orders)
    server = chaos.Proc("server", url, tmp, 0)  # huitian serve on 127.0.0.1, embedded worker off
    server.start()
    per_role: dict[str, dict] = {}
    lines: list[str] = []  # what failed, one short line each
    try:
        server.wait_up()
        base = f"http://127.0.0.1:{server.port}"
        headers = credentials(base, prepared)
        lines += seed_rows(base, headers["admin"], identifiers(url))
        (tmp / "schemathesis.toml").write_text(config(prepared, identifiers(url)))
        order = [name for name in ROLES if name in roles]
        for i, name in enumerate(order):
            left = timeout - (time.monotonic() - t0)
            share = max(30.0, left / (len(order) - i))
            result = fuzz(
                base,
                name,
                headers[name],
                max_examples=max_examples,
                seed=seed,
                out=tmp,
                timeout=share,
                extra=extra or [],
            )
            per_role[name] = {"rc": result["rc"], "seconds": result["seconds"], **summarise(result)}
            text = result["stdout"]
            errors = text[text.find(" ERRORS ") : text.find(" WARNINGS ")] if " ERRORS " in text else ""
            failures = text[text.find(" FAILURES ") :][:4000] if " FAILURES " in text else ""
            per_role[name]["tail"] = errors[:3000] + failures + text[-1500:]
            lines += [f"{name}: {line}" for line in failure_lines(text)]
            if result["rc"] == "timeout":
                lines.append(f"{name}: stopped after {share:.0f} s (--timeout)")
    finally:
        server.stop()

    def kind(label: str) -> int:
        return sum(
            f["count"]
            for r in per_role.values()
            for code, f in r["kinds"].items()
            if KINDS.get(code) == label
        )

    failures = sum(r["failures"] for r in per_role.values())
    return {
        "cases": sum(r["cases"] for r in per_role.values()),
        "roles": {
            k: {x: v[x] for x in ("cases", "operations", "failures", "seconds", "rc")}
            for k, v in per_role.items()
        },
        **{label: kind(label) for label in dict.fromkeys(KINDS.values())},
        "errors": sum(r["errors"] for r in per_role.values()),
        "failures_total": failures,
        "failures": lines[:40],
        "max_examples": max_examples,
        "seconds": round(time.monotonic() - t0, 1),
        # kept for callers (tests) that want schemathesis's own words; main() drops it from the line
        "tails": {k: v["tail"] for k, v in per_role.items()},
        "kinds": {k: v["kinds"] for k, v in per_role.items()},
    }


if __name__ == "__main__":
    main()
