"""Import of historical orders from CSV/Excel files, and export of order lists as Excel (台账).

Import, decided: the `status` of the old system is NOT imported. Each valid row becomes a new order
(channel `import`), in state `received`, in the hotline centre's queue, with its `created` event and hash
chain like any other order: the columns are those orders.service computes for create_orders, written in
bulk (see _Writer; a test checks an imported row is stored exactly as the same order created one by one).
When a `created_at` column is mapped, the row's time is the order's receipt time (and its reply deadline
runs from it); otherwise the import's time is. Closing history on import is not done: the state machine
has no path that closes an order without the steps it records, and inventing them would falsify the
history.

All-or-nothing by default: every row is validated; if any row is bad nothing is written (the chunks
already inserted are rolled back with their savepoint) and the report lists every bad row with its line
number and reason. With `partial`, the good rows are written. Memory stays flat: rows stream through.

Speed. Reading and checking a row costs a few microseconds (reader.check_row: OrderCreate's checks
written out, OrderCreate itself only for the rows they cannot vouch for); writing it costs about 25 µs,
nearly all SQLite's (the order's ten indexes and foreign keys, its event's two). Files of at least
PIPELINE_MIN_BYTES are read and checked by a second process while this one writes
(reader.read_in_process); smaller ones stay in this process.
`nice -n 10 .venv/bin/python bench/import.py --n 1000000` (SQLite, a 2-core machine shared with other
work): at load 1.6 to 2.1, 32,500 / 39,800 / 36,000 rows/s wall in three runs (31,900 with
--no-pipeline in the same minutes), 37,000 to 41,500 rows per CPU-second of the writing process (plus
7 to 9 CPU-seconds of the reader's per million rows); at load 3.5 to 4.4 (other engineers' tests) 12,000
to 21,000 rows/s: the wall figure follows the machine's load. Before (one process, every row through
OrderCreate, every column bound): 17,900 rows/s, 22,000 rows per CPU-second.
"""

from __future__ import annotations

import contextlib
import gc
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from pathlib import Path

from sqlalchemy.orm import Session

from huitian.areas import service as areas_service
from huitian.auth.enums import Role
from huitian.auth.service import Principal
from huitian.categories import service as categories_service
from huitian.db import utcnow
from huitian.errors import BadRequest, DomainError
from huitian.lib import chain, xlsx
from huitian.orders import service as orders_service
from huitian.orders.enums import Channel, EventKind, OrderStatus, OrderType, Priority
from huitian.orders.models import Order, OrderEvent
from huitian.orders.schemas import OrderCreate
from huitian.sla import service as sla_service
from huitian.transfer.reader import (  # noqa: F401 - FIELDS, validate_row, check_row: this module's API too
    FIELDS,
    REQUIRED,
    Row,
    check_row,
    chunks,
    read_in_process,
    read_table,
    validate_row,
)

IMPORTER = Principal(role=Role.OPERATOR, name="批量导入")

# Files at least this large (bytes, by suffix) are read and checked by a second process while this one
# writes (reader.read_in_process); smaller ones, the few hundred rows of a form, in this process, without
# the ~0.3 s of starting one. 4 MiB of CSV is about 30,000 orders.
PIPELINE_MIN_BYTES = {".csv": 4 * 2**20, ".xlsx": 2**20, ".xlsm": 2**20}


@dataclass
class RowError:
    line: int
    field: str | None
    reason: str

    def __str__(self) -> str:
        return f"第 {self.line} 行" + (f" [{self.field}]" if self.field else "") + f": {self.reason}"


@dataclass
class ImportReport:
    rows: int = 0
    written: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict:
        return {
            "rows": self.rows,
            "written": self.written,
            "bad": len(self.errors),
            "errors": [{"line": e.line, "field": e.field, "reason": e.reason} for e in self.errors],
        }


# --- mapping -----------------------------------------------------------------------------------------


def load_mapping(source: str | Path | dict | None) -> dict[str, str]:
    """Our field → their column name. A dict, a JSON file, or None for the default Chinese names.
    Fields not named keep their default column name."""
    if source is None:
        given: dict = {}
    elif isinstance(source, dict):
        given = source
    else:
        try:
            given = json.loads(Path(source).read_text(encoding="utf-8-sig"))
        except (OSError, ValueError) as exc:
            raise BadRequest(f"cannot read the mapping file: {exc}", field="mapping") from exc
    if not isinstance(given, dict) or not all(isinstance(v, str) for v in given.values()):
        raise BadRequest("the mapping must be a JSON object {our_field: column_name}", field="mapping")
    unknown = sorted(set(given) - set(FIELDS))
    if unknown:
        raise BadRequest(
            f"unknown fields in the mapping: {', '.join(unknown)}; known: {', '.join(FIELDS)}",
            field="mapping",
        )
    return FIELDS | given


def parse_mapping_options(pairs: Iterable[str]) -> dict[str, str]:
    """CLI options `field=列名` into a mapping dict."""
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, column = pair.partition("=")
        if not sep or not name.strip() or not column.strip():
            raise BadRequest(f"a column option must be field=column, got {pair!r}", field="column")
        out[name.strip()] = column.strip()
    return out


def resolve_columns(header: list[str], mapping: dict[str, str]) -> dict[str, int]:
    """Our field → column index, for the mapped columns present in the header; required ones must be."""
    index = {name: i for i, name in enumerate(header) if name}
    missing = [f"{f} ← {mapping[f]!r}" for f in REQUIRED if mapping[f] not in index]
    if missing:
        raise BadRequest(f"required columns are missing from the file: {'; '.join(missing)}", field="mapping")
    return {f: index[col] for f, col in mapping.items() if col in index}


# --- import ------------------------------------------------------------------------------------------


def import_orders(
    session: Session,
    *,
    path: str | Path,
    mapping: dict[str, str] | None = None,
    partial: bool = False,
    principal: Principal = IMPORTER,
    chunk: int = 20_000,
    progress: Callable[[int, int], None] | None = None,
    pipeline: bool | None = None,
) -> ImportReport:
    """Validate every row of the file and write the good ones, streaming: rows are read, checked and
    written a chunk at a time inside a SAVEPOINT (see _Writer), so memory stays flat whatever the size.
    All-or-nothing (the default): from the first bad row on, nothing more is written, every later row is
    still validated for the report, and at the end the savepoint is rolled back; nothing is half-written.
    With `partial`, the good rows are kept. `progress(rows read, rows written)` after each chunk.
    Flushes, never commits: the caller commits or rolls back.

    `pipeline` (default: by file size, PIPELINE_MIN_BYTES): a second process reads and checks the rows
    (reader.read_in_process) while this one writes the chunk before; same rows, order, report and
    progress as in one process. If it fails, or the file cannot be read on, the error is raised and the
    savepoint rolled back. Figures: this module's docstring (Speed)."""
    mapping = load_mapping(mapping)
    path = Path(path)
    if pipeline is None:
        pipeline = path.stat().st_size >= PIPELINE_MIN_BYTES.get(path.suffix.lower(), float("inf"))
    header, rows = read_table(path)
    try:
        columns = resolve_columns(header, mapping)
        categories = {c.code for c in categories_service.list_categories(session) if c.active}
    except BaseException:
        with contextlib.suppress(Exception):  # the error to tell is the one above
            _close(rows)
        raise
    tz = sla_service.local_tz()
    if pipeline:
        _close(rows)  # the reading process opens the file again
        checked = read_in_process(path, columns, categories, tz, chunk)
    else:
        checked = chunks(rows, columns, categories, tz, chunk)
    report = ImportReport()
    savepoint = session.begin_nested()
    try:
        writer = _Writer(session, principal=principal, now=utcnow())
        with _paused_cyclic_gc(), _large_sqlite_cache(session), contextlib.closing(checked):
            for read, good, bad in checked:
                report.rows += read
                report.errors.extend(RowError(*b) for b in bad)
                if good and (partial or not report.errors):
                    for line, err in writer.write(good):
                        report.errors.append(RowError(line, err.field, err.message))
                    report.written = writer.written
                if progress:
                    progress(report.rows, report.written)
    except BaseException:
        savepoint.rollback()
        raise
    if report.errors and not partial:
        savepoint.rollback()
        report.written = 0
    else:
        savepoint.commit()
    report.errors.sort(key=lambda e: e.line)
    return report


def _close(rows: Iterator) -> None:
    """Close a read_table iterator that may not have started (its file is opened before the first row)."""
    with contextlib.suppress(StopIteration):
        next(rows)
    rows.close()


@contextlib.contextmanager
def _paused_cyclic_gc() -> Iterator[None]:
    """Bulk rows allocate millions of short-lived containers; Python's cycle collector would scan the
    whole heap again and again for nothing (the rows hold no cycles). Paused for the import, restored
    after (reference counting still frees everything as it goes)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


IMPORT_CACHE_KIB = 262_144  # SQLite page cache during an import: the orders' indexes stay in memory


@contextlib.contextmanager
def _large_sqlite_cache(session: Session) -> Iterator[None]:
    """On SQLite, a larger page cache for this connection while the import runs (a million orders carry
    over a dozen indexes; with the default cache their pages go back and forth to the OS), restored
    after. Measured: about 1.4× the rows per second at 300k rows."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    before = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql(f"PRAGMA cache_size=-{IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size={int(before)}")


@dataclass
class _Shape:
    place: tuple  # the PLACE columns of a row without a point
    order: tuple  # the other columns of the order, after PER_ROW and PLACE (history_hash: per row)
    event: tuple  # the columns of its `created` event, after id and order_id (digest, hash: per row)
    raw_place: tuple  # `place` as values, for the state digest
    state: list[str]  # the canonical texts of the state fields the shape fixes (orders.service.state_parts)
    hasher: Callable[[str], str]  # state digest -> the `created` event's hash (lib.chain.event_hasher)


class _Writer:
    """Writes checked rows (reader.ROW_FIELDS) as new orders with their `created` events, in bulk.

    The columns of a new order come from orders.service (the same order_values and event_values that
    create_orders uses), computed once per *shape* of row (type, category, priority, receipt time):
    rows of one shape differ only in their texts, contact and place, which are set per row (placement
    through areas.service.locate_many, once per chunk). A `created` event of one shape is the same for
    every order (the hash covers no order id), so its hash is computed once too. The INSERTs name the
    id, then the per-row columns, then the shape's, so that a row is the concatenation of three tuples.
    Ids come in bulk (orders.service.allocate_ids), and both tables are filled by the driver's
    executemany of plain tuples, each template's values passed once through the columns' own bind
    processors, so what is stored is what a Core insert() would store. A column that is NULL in every
    row of a chunk and has no default in the database is left out of that chunk's INSERT (it is stored
    as NULL all the same): half the orders' columns are NULL in a new order, and binding them was about
    a third of the insert's cost (measured with 200,000 rows)."""

    PER_ROW = ("title", "description", "address", "citizen_name", "citizen_phone")
    PLACE = ("lat", "lon", "source_crs", "area_id", "area_path")

    def __init__(self, session: Session, *, principal: Principal, now: datetime) -> None:
        self.session, self.principal, self.now = session, principal, now
        self.dialect = session.get_bind().dialect
        self.orders, self.events = Order.__table__, OrderEvent.__table__
        first = ("id", *self.PER_ROW, *self.PLACE)
        self.order_keys = [*first, *(c.key for c in self.orders.columns if c.key not in first)]
        self.event_keys = [
            "id",
            "order_id",
            *(c.key for c in self.events.columns if c.key not in ("id", "order_id")),
        ]
        self.order_procs = self._procs(self.orders, self.order_keys)
        self.event_procs = self._procs(self.events, self.event_keys)
        # the columns that may be left out when NULL: no default on the database's side
        self.order_nullable = [self.orders.c[k].server_default is None for k in self.order_keys]
        self.event_nullable = [self.events.c[k].server_default is None for k in self.event_keys]
        # Rows without a point are placed from their address (then description) text, as create_orders
        # places them: the gazetteer's answer per address is kept for the import (addresses repeat).
        self.gazetteer_known = bool(areas_service.gazetteer(session)[1])
        self.by_address: dict[str, tuple[int, str] | None] = {}
        self.statements: dict[tuple, tuple[str, Callable | None]] = {}
        cut = 1 + len(self.PER_ROW)
        self.place_procs = self.order_procs[cut : cut + len(self.PLACE)]
        self.shapes: dict[tuple, _Shape | DomainError] = {}
        self.written = 0
        # Each order's state digest covers its per-row columns too, so the `created` event's digest and
        # hash and the order's head hash are set per row; the shape's other state is canonicalised once.
        tail = (*self.PER_ROW, *self.PLACE)
        if orders_service.STATE_FIELDS[-len(tail) :] != tail:
            raise RuntimeError("orders.service.STATE_FIELDS must end with the import's per-row columns")
        self.head_at = self.order_keys.index("history_hash") - cut - len(self.PLACE)
        self.digest_at = self.event_keys.index("state_digest") - 2
        self.hash_at = self.event_keys.index("hash") - 2
        self.no_units = chain.canonical_assignments([])

    def _procs(self, table, keys: list[str]) -> list:
        return [table.c[k].type.dialect_impl(self.dialect).bind_processor(self.dialect) for k in keys]

    def _statement(self, table, keys: list[str], kept: tuple[bool, ...]) -> tuple[str, Callable | None]:
        """The INSERT naming the kept columns, and the getter that takes their values from a full row
        (None: all are kept)."""
        statement = self.statements.get((table.name, kept))
        if statement is None:
            quote = self.dialect.identifier_preparer
            names = ", ".join(
                quote.quote(table.c[k].name) for k, keep in zip(keys, kept, strict=True) if keep
            )
            mark = "?" if self.dialect.paramstyle == "qmark" else "%s"
            marks = ", ".join([mark] * sum(kept))
            sql = f"INSERT INTO {quote.format_table(table)} ({names}) VALUES ({marks})"
            getter = None if all(kept) else itemgetter(*(i for i, keep in enumerate(kept) if keep))
            statement = self.statements[(table.name, kept)] = (sql, getter)
        return statement

    @staticmethod
    def _kept(nullable: list[bool], parts: list[tuple[int, list[tuple]]]) -> tuple[bool, ...]:
        """Which columns of the full rows to name: those that may not be left out, and those that are not
        NULL somewhere in `parts`, each (the position of a run of columns, the runs of every row)."""
        kept = [not n for n in nullable]
        for start, runs in parts:
            for run in runs:
                for j, value in enumerate(run):
                    if value is not None:
                        kept[start + j] = True
        return tuple(kept)

    @staticmethod
    def _processed(procs: list, values: list) -> tuple:
        return tuple(p(v) if p is not None else v for p, v in zip(procs, values, strict=True))

    def _shape(
        self, kind: str, code: str | None, priority: str, created: datetime | None
    ) -> _Shape | DomainError:
        key = (kind, code, priority, created)
        shape = self.shapes.get(key)
        if shape is not None:
            return shape
        now = created or self.now
        template = OrderCreate(
            type=kind, description="-", category_code=code, priority=priority, channel=Channel.IMPORT
        )
        try:
            row = orders_service.order_values(self.session, data=template, principal=self.principal, now=now)
        except DomainError as exc:
            shape = exc
        else:
            event = orders_service.event_values(
                order_id=None,
                kind=EventKind.CREATED,
                principal=self.principal,
                from_status=None,
                to_status=OrderStatus.RECEIVED,
                unit_id=None,
                now=now,
                payload={"channel": Channel.IMPORT.value, "type": template.type.value},
                prev_hash=None,
            )
            row["history_hash"] = event["hash"]  # stand-ins (not NULL, so that _kept names the columns)
            event["state_digest"] = "-"
            row["id"] = event["id"] = event["order_id"] = None
            orders = self._processed(self.order_procs, [row[k] for k in self.order_keys])
            events = self._processed(self.event_procs, [event[k] for k in self.event_keys])
            cut = 1 + len(self.PER_ROW)
            fixed = len(orders_service.STATE_FIELDS) - len(self.PER_ROW) - len(self.PLACE)
            shape = _Shape(
                place=orders[cut : cut + len(self.PLACE)],
                order=orders[cut + len(self.PLACE) :],
                event=events[2:],
                raw_place=tuple(row[k] for k in self.PLACE),
                state=orders_service.state_parts(row, [])[:fixed],
                hasher=chain.event_hasher(None, event | {"state_digest": None}),
            )
        self.shapes[key] = shape
        return shape

    def write(self, rows: list[Row]) -> list[tuple[int, DomainError]]:
        """Insert the orders and events of these checked rows; the rows refused (line, error), the rest
        written."""
        refused: list[tuple[int, DomainError]] = []
        bodies: list[tuple[tuple, tuple, _Shape]] = []
        points: list[tuple[float, float]] = []
        pointed: list[int] = []
        shapes, title_from = self.shapes, orders_service.title_from
        for line, kind, code, priority, created, title, description, address, name, phone, lat, lon in rows:
            shape = shapes.get((kind, code, priority, created)) or self._shape(kind, code, priority, created)
            if isinstance(shape, DomainError):
                refused.append((line, shape))
                continue
            per = ((title or title_from(description)).strip(), description, address, name, phone)
            place, raw = shape.place, shape.raw_place
            if lat is not None and lon is not None:
                pointed.append(len(bodies))
                points.append((lon, lat))
            elif self.gazetteer_known and (where := self._place_text(address, description)) is not None:
                raw = (None, None, None, *where)
                place = self._processed(self.place_procs, list(raw))
            bodies.append((per, place, shape, raw))
        if points:
            procs = self.place_procs
            placed = areas_service.locate_many(self.session, points)
            for i, (lon, lat), found in zip(pointed, points, placed, strict=True):
                area_id, area_path = found if found is not None else (None, None)
                per, _, shape, _ = bodies[i]
                raw = (lat, lon, "wgs84", area_id, area_path)
                bodies[i] = (per, self._processed(procs, list(raw)), shape, raw)
        if bodies:
            n = len(bodies)
            ids = orders_service.allocate_ids(self.session, self.orders, n)
            event_ids = orders_service.allocate_ids(self.session, self.events, n)
            order_rows, event_rows = [], []
            head_at, digest_at, hash_at, no_units = self.head_at, self.digest_at, self.hash_at, self.no_units
            canonical, state_digest = chain.canonical, chain.state_digest
            for e, i, (per, place, s, raw) in zip(event_ids, ids, bodies, strict=True):
                digest = state_digest([*s.state, *map(canonical, per), *map(canonical, raw), no_units])
                head = s.hasher(digest)
                order_rows.append((i,) + per + place + s.order[:head_at] + (head,) + s.order[head_at + 1 :])
                event = list(s.event)
                event[digest_at], event[hash_at] = digest, head
                event_rows.append((e, i, *event))
            used = list({id(s): s for _, _, s, _ in bodies}.values())
            pers = self._columns([per for per, _, _, _ in bodies], len(self.PER_ROW))
            places = {place for _, place, _, _ in bodies}
            cut = 1 + len(self.PER_ROW)
            order_kept = self._kept(
                self.order_nullable,
                [
                    (0, [(0,)]),
                    (1, pers),
                    (cut, list(places)),
                    (cut + len(self.PLACE), [s.order for s in used]),
                ],
            )
            event_kept = self._kept(self.event_nullable, [(0, [(0, 0)]), (2, [s.event for s in used])])
            connection = self.session.connection()
            for table, keys, kept, rows_ in (
                (self.orders, self.order_keys, order_kept, order_rows),
                (self.events, self.event_keys, event_kept, event_rows),
            ):
                sql, getter = self._statement(table, keys, kept)
                connection.exec_driver_sql(sql, rows_ if getter is None else list(map(getter, rows_)))
            self.written += n
        return refused

    def _place_text(self, address: str | None, description: str | None) -> tuple[int, str] | None:
        """(area id, area path) the address names, else the description (intelligence.placement)."""
        if address:
            if address not in self.by_address:
                self.by_address[address] = areas_service.place_text(self.session, address=address)
            if (where := self.by_address[address]) is not None:
                return where
        return areas_service.place_text(self.session, address=None, description=description)

    @staticmethod
    def _columns(runs: list[tuple], width: int) -> list[tuple]:
        """Per column of these equally wide runs, one stand-in run: (value,) where some row has a value
        there, else (None,), placed at its column (for _kept)."""
        marks = []
        for j in range(width):
            found = next((run[j] for run in runs if run[j] is not None), None)
            marks.append(found)
        return [tuple(marks)]


# --- export ------------------------------------------------------------------------------------------

EXPORT_COLUMNS = (
    ("number", "工单编号"),
    ("created_at", "受理时间"),
    ("channel", "渠道"),
    ("type", "类型"),
    ("status", "状态"),
    ("priority", "紧急程度"),
    ("title", "标题"),
    ("description", "诉求内容"),
    ("category_code", "分类代码"),
    ("lead_unit", "主办单位"),
    ("area_path", "区域"),
    ("address", "地址"),
    ("citizen_name", "诉求人"),
    ("citizen_phone", "联系电话"),
    ("reply_due", "答复期限"),
    ("overdue", "是否超时"),
)
EXPORT_LIMIT = 100_000


def export_xlsx(
    session: Session, *, principal: Principal, flt: orders_service.OrderFilter, page: int = 1000
) -> bytes:
    """Every order of the filtered list the principal may see (scope and masking as the list's, the
    personal data in the description too), as an Excel workbook with Chinese headers. At most
    EXPORT_LIMIT rows (else 400: narrow the filter)."""
    from openpyxl import Workbook

    flt.limit, flt.offset = 1, 0
    _, total = orders_service.list_orders(session, principal=principal, flt=flt)
    if total > EXPORT_LIMIT:
        raise BadRequest(f"{total} orders match; narrow the filter to at most {EXPORT_LIMIT}", field="limit")
    tz = sla_service.local_tz()
    book = Workbook(write_only=True)
    sheet = book.create_sheet("工单台账")
    sheet.append(xlsx.row(sheet, [label for _, label in EXPORT_COLUMNS]))
    flt.limit = page
    for offset in range(0, total, page):
        flt.offset = offset
        orders, _ = orders_service.list_orders(session, principal=principal, flt=flt)
        summaries = orders_service.summaries(session, orders=orders, principal=principal)
        seen = orders_service.personal_data_seen(session, orders=orders, principal=principal)
        for order, s in zip(orders, summaries, strict=True):
            mask = orders_service.text_mask(order, unmasked=order.id in seen)
            row = s.model_dump() | {"description": mask(order.description)}
            row["created_at"] = s.created_at.astimezone(tz).replace(tzinfo=None)
            row["reply_due"] = s.reply_due.astimezone(tz).replace(tzinfo=None) if s.reply_due else None
            row["channel"] = Channel(s.channel).label
            row["type"] = OrderType(s.type).label
            row["status"] = s.status_label
            row["priority"] = Priority(s.priority).label
            row["overdue"] = "是" if s.overdue else "否"
            sheet.append(xlsx.row(sheet, [row[key] for key, _ in EXPORT_COLUMNS]))
        session.expunge_all()
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
