"""`huitian …` commands."""

from __future__ import annotations

import logging
import time
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress

from huitian.config import get_settings, normalise_db_url
from huitian.intelligence import cli as intelligence_cli
from huitian.transfer import cli as transfer_cli

app = typer.Typer(help="回天 Huitian: 接诉即办 work orders for mega-communities.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
users_app = typer.Typer(help="Users.", no_args_is_help=True)
apikeys_app = typer.Typer(help="API keys for machine clients.", no_args_is_help=True)
audit_app = typer.Typer(help="Tamper evidence of the order histories.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(apikeys_app, name="apikeys")
app.add_typer(audit_app, name="audit")

console = Console(stderr=True)

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db", help="SQLite file path or database URL [default: $HUITIAN_DATABASE_URL, else ./huitian.db]"
    ),
]


def _url(db: str | None) -> str:
    return normalise_db_url(db or get_settings().database_url)


def _fail(message: str) -> None:
    console.print(f"[red]error:[/red] {message}")
    raise typer.Exit(code=2)


@db_app.command("upgrade")
def db_upgrade(db: DbOption = None) -> None:
    """Create or migrate the schema to the newest revision (and load the working-day calendar)."""
    from huitian import migrate

    migrate.upgrade(_url(db))
    console.print("database is up to date")


@users_app.command("create")
def users_create(
    username: str,
    role: Annotated[
        str,
        typer.Option(
            "--role", help="resident|operator|handler|unit_lead|supervisor|grid_worker|planner|admin"
        ),
    ],
    password: Annotated[str, typer.Option("--password")],
    unit: Annotated[str | None, typer.Option("--unit", help="unit code")] = None,
    area: Annotated[str | None, typer.Option("--area", help="area code")] = None,
    display_name: Annotated[str | None, typer.Option("--name")] = None,
    db: DbOption = None,
) -> None:
    """Create a user."""
    from pydantic import ValidationError

    from huitian.auth import service as auth_service
    from huitian.auth.schemas import UserCreate
    from huitian.db import Database
    from huitian.errors import DomainError

    try:
        data = UserCreate(
            username=username, role=role, password=password, unit=unit, area=area, display_name=display_name
        )
    except ValidationError as exc:
        _fail("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()))
    database = Database(_url(db))
    try:
        with database.write() as session:
            user = auth_service.create_user(session, data=data)
            session.commit()
            typer.echo(f"created user {user.username} (id {user.id}, role {user.role})")
    except DomainError as exc:
        _fail(exc.message)
    finally:
        database.dispose()


@apikeys_app.command("create")
def apikeys_create(
    name: str,
    unit: Annotated[
        str | None, typer.Option("--unit", help="unit code: the key acts as that unit's handler")
    ] = None,
    role: Annotated[
        str | None,
        typer.Option("--role", help="override the role (default: handler with --unit, else operator)"),
    ] = None,
    db: DbOption = None,
) -> None:
    """Create an API key and print it (only its hash is stored)."""
    from huitian.auth import service as auth_service
    from huitian.auth.enums import Role
    from huitian.db import Database
    from huitian.errors import DomainError

    database = Database(_url(db))
    try:
        with database.write() as session:
            _row, key = auth_service.create_api_key(
                session, name=name, unit_code=unit, role=Role(role) if role else None
            )
            session.commit()
    except (DomainError, ValueError) as exc:
        _fail(getattr(exc, "message", str(exc)))
    finally:
        database.dispose()
    typer.echo(key)


@audit_app.command("verify")
def audit_verify(db: DbOption = None) -> None:
    """Check every order's event hash chain, and its stored row and assignments against the state digest
    of its newest event (naming the fields changed); print one JSON line; exit 1 when there is a problem."""
    import json

    from huitian.db import Database
    from huitian.orders import service as orders_service

    database = Database(_url(db))
    try:
        with database.read() as session:
            report = orders_service.verify_histories(session)
    finally:
        database.dispose()
    typer.echo(json.dumps(report, ensure_ascii=False))
    if report["problems"]:
        raise typer.Exit(code=1)


@app.command("backup")
def backup_cmd(
    out: Annotated[str, typer.Option("--out", help="backup file to write")],
    db: DbOption = None,
) -> None:
    """Back up the database (SQLite online backup, or pg_dump custom format for PostgreSQL)."""
    from huitian import backup

    try:
        path = backup.backup(_url(db), out)
    except backup.BackupError as exc:
        _fail(str(exc))
    typer.echo(f"backup written to {path}")


@app.command("restore")
def restore_cmd(
    backup_file: Annotated[str, typer.Argument(help="a file written by `huitian backup`")],
    db: DbOption = None,
) -> None:
    """Replace the database's contents with a backup (SQLite backup API, or pg_restore --clean)."""
    from huitian import backup

    try:
        backup.restore(_url(db), backup_file)
    except backup.BackupError as exc:
        _fail(str(exc))
    typer.echo("restored")


# How `huitian serve` runs uvicorn. Forwarding headers are the app's own business (security/proxy.py:
# believed from HUITIAN_TRUSTED_PROXIES only); uvicorn's would trust any local peer.
SERVE_OPTIONS = {"log_level": "info", "access_log": False, "proxy_headers": False}


def _serve(url: str, host: str, port: int, workers: int) -> None:
    import uvicorn

    from huitian.app import create_app

    if workers > 1:
        import os

        os.environ["HUITIAN_DATABASE_URL"] = url
        uvicorn.run(
            "huitian.app:create_served_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            **SERVE_OPTIONS,
        )
        return
    uvicorn.run(create_app(url, serving=True), host=host, port=port, **SERVE_OPTIONS)


@app.command()
def serve(
    db: DbOption = None,
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port")] = 8000,
    workers: Annotated[int, typer.Option("--workers", help="worker processes")] = 1,
) -> None:
    """Serve the web UI and the API (with the SLA sweep inside, unless HUITIAN_EMBEDDED_WORKER=0)."""
    from huitian import migrate

    url = _url(db)
    migrate.upgrade(url)
    _serve(url, host, port, workers)


@app.command()
def worker(
    db: DbOption = None,
    once: Annotated[bool, typer.Option("--once", help="run every job once and exit")] = False,
) -> None:
    """Run background work (every domain's jobs, e.g. the SLA sweep) until stopped. Several workers may
    run at once."""
    from huitian import scheduler
    from huitian.db import Database
    from huitian.lib import logredact

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logredact.install()
    database = Database(_url(db))
    jobs, last_run = scheduler.all_jobs(), {}
    try:
        while True:
            done = scheduler.run_due(database, jobs, last_run)
            if once:
                typer.echo(" ".join(f"{name}={n}" for name, n in done.items()))
                return
            time.sleep(1.0)
    finally:
        database.dispose()


@app.command()
def demo(
    db: DbOption = None,
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port")] = 8000,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="only build the database")] = False,
    orders: Annotated[int, typer.Option("--orders", help="orders of history to generate")] = 50_000,
) -> None:
    """Build the demo database of the Huitian area (if it is not there yet), then serve it."""
    from huitian import migrate
    from huitian.db import Database
    from huitian.demo import build

    url = _url(db)
    migrate.upgrade(url)
    database = Database(url)
    try:
        if build.is_built(database.engine):
            console.print(f"the demo database is there already: {url}")
        else:
            started = time.perf_counter()
            with Progress(console=console) as bar:
                task = bar.add_task("构建回天演示数据", total=1.0)
                stats = build.build_demo(
                    database.engine,
                    orders=orders,
                    progress=lambda stage, done: bar.update(task, completed=done, description=stage),
                )
            console.print(f"demo built in {time.perf_counter() - started:.1f}s: {stats}")
    finally:
        database.dispose()
    if not no_serve:
        console.print(f"serving on http://{host}:{port}/  (users: see README)")
        _serve(url, host, port, 1)


app.add_typer(intelligence_cli.app, name="model")
app.command("import")(transfer_cli.import_orders)
app.command("export")(transfer_cli.export_orders)


if __name__ == "__main__":
    app()
