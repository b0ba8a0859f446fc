"""`huitian import …` / `huitian export …`: historical orders in from CSV/Excel, order lists out to Excel."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from huitian.config import get_settings, normalise_db_url

app = typer.Typer(help="Import and export of orders (CSV/Excel).", no_args_is_help=True)
console = Console(stderr=True)


def _url(db: str | None) -> str:
    return normalise_db_url(db or get_settings().database_url)


@app.command("import")
def import_orders(
    file: Annotated[Path, typer.Argument(help=".csv (UTF-8, with or without BOM) or .xlsx", exists=True)],
    mapping: Annotated[
        Path | None, typer.Option("--mapping", help='JSON file {"our_field": "their column"}')
    ] = None,
    column: Annotated[
        list[str] | None, typer.Option("--column", help="field=column, repeatable (over --mapping)")
    ] = None,
    db: Annotated[str | None, typer.Option("--db", help="SQLite file path or database URL")] = None,
    partial: Annotated[
        bool, typer.Option("--partial", help="write the good rows even if some are bad")
    ] = False,
    report: Annotated[
        Path | None, typer.Option("--report", help="write the validation report as JSON")
    ] = None,
) -> None:
    """Import historical orders (channel import, state received). All-or-nothing unless --partial."""
    from huitian.db import Database
    from huitian.errors import DomainError
    from huitian.transfer import service as transfer_service

    database = Database(_url(db))
    try:
        fields = transfer_service.load_mapping(mapping) | transfer_service.parse_mapping_options(column or [])
        fields = transfer_service.load_mapping({k: v for k, v in fields.items()})
        with (
            Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
            ) as bar,
            database.write() as session,
        ):
            task = bar.add_task("校验并导入工单", total=None)

            def step(read: int, written: int) -> None:
                if written:
                    bar.update(task, description="写入工单", total=read, completed=written)
                else:
                    bar.update(task, description=f"校验 {read} 行", completed=0)

            result = transfer_service.import_orders(
                session, path=file, mapping=fields, partial=partial, progress=step
            )
            if result.errors and not partial:
                session.rollback()
            else:
                session.commit()
    except DomainError as exc:
        console.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(code=2) from None
    finally:
        database.dispose()
    for err in result.errors[:50]:
        console.print(f"[yellow]{err}[/yellow]")
    if len(result.errors) > 50:
        console.print(f"… {len(result.errors) - 50} more bad rows (see --report)")
    if report:
        report.write_text(json.dumps(result.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
    summary = {k: v for k, v in result.to_dict().items() if k != "errors"}
    typer.echo(json.dumps(summary, ensure_ascii=False))
    if result.errors:
        if not partial:
            console.print("[red]nothing was written[/red]: fix the rows above, or use --partial")
        raise typer.Exit(code=1)


@app.command("export")
def export_orders(
    out: Annotated[Path, typer.Option("--out", help="the .xlsx file to write")],
    status: Annotated[list[str] | None, typer.Option("--status")] = None,
    unit: Annotated[str | None, typer.Option("--unit")] = None,
    area: Annotated[str | None, typer.Option("--area")] = None,
    category: Annotated[str | None, typer.Option("--category")] = None,
    type: Annotated[str | None, typer.Option("--type")] = None,
    channel: Annotated[str | None, typer.Option("--channel")] = None,
    created_from: Annotated[datetime | None, typer.Option("--from")] = None,
    created_to: Annotated[datetime | None, typer.Option("--to")] = None,
    q: Annotated[str | None, typer.Option("--q")] = None,
    user: Annotated[str, typer.Option("--as", help="export as this user (scope and masking)")] = "",
    db: Annotated[str | None, typer.Option("--db", help="SQLite file path or database URL")] = None,
) -> None:
    """Export the filtered order list as an Excel 台账 (as the hotline centre, or --as USER)."""
    from huitian.auth import service as auth_service
    from huitian.db import Database
    from huitian.errors import DomainError
    from huitian.orders import service as orders_service
    from huitian.sla import service as sla_service
    from huitian.transfer import service as transfer_service

    tz = sla_service.local_tz()
    flt = orders_service.OrderFilter(
        status=status,
        unit=unit,
        area=area,
        category=category,
        type=type,
        channel=channel,
        created_from=created_from.replace(tzinfo=created_from.tzinfo or tz) if created_from else None,
        created_to=created_to.replace(tzinfo=created_to.tzinfo or tz) if created_to else None,
        q=q,
    )
    database = Database(_url(db))
    try:
        with database.read() as session:
            if user:
                found = auth_service.get_user_by_username(session, username=user)
                if found is None:
                    raise typer.BadParameter(f"no user {user!r}", param_hint="--as")
                principal = auth_service.principal_for_user(session, user=found)
            else:
                principal = transfer_service.IMPORTER
            body = transfer_service.export_xlsx(session, principal=principal, flt=flt)
    except DomainError as exc:
        console.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(code=2) from None
    finally:
        database.dispose()
    out.write_bytes(body)
    console.print(f"wrote {out}")
