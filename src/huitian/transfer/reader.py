"""Reading and checking the rows of an import file, without a database: the half of the import that a
second process can do (see service.import_orders). Light on imports on purpose, so that the reading
process starts quickly.

A checked row is a plain tuple (ROW_FIELDS), not an OrderCreate, so that it crosses the pipe between the
two processes cheaply. check_row gives for every row exactly what validate_row (the OrderCreate route)
gives, the same values or the same error: it decides by itself only the rows it can prove valid, with the
checks of OrderCreate written out, and hands every other row to validate_row for its verdict
(tests/transfer compare the two on good and bad rows).
"""

from __future__ import annotations

import contextlib
import csv
import re
from collections.abc import Iterator
from datetime import datetime, tzinfo
from pathlib import Path

from pydantic import ValidationError

from huitian.errors import BadRequest, DomainError
from huitian.lib.geo import to_wgs84
from huitian.lib.phone import is_phone, normalise_phone
from huitian.orders.enums import Channel, OrderType, Priority
from huitian.orders.schemas import OrderCreate

# Our fields that a file may carry, with their usual Chinese column names (the default mapping).
FIELDS: dict[str, str] = {
    "type": "类型",
    "description": "诉求内容",
    "title": "标题",
    "address": "地址",
    "category_code": "分类代码",
    "citizen_name": "诉求人姓名",
    "citizen_phone": "联系电话",
    "lat": "纬度",
    "lon": "经度",
    "priority": "紧急程度",
    "created_at": "受理时间",
}
REQUIRED = ("type", "description")
_TYPE_WORDS = {t.label: t.value for t in OrderType} | {t.value: t.value for t in OrderType}
_PRIORITY_WORDS = {p.label: p.value for p in Priority} | {p.value: p.value for p in Priority}

# A checked row: its line in the file, then these values (lat/lon in WGS-84; `title` as given, or None).
ROW_FIELDS = (
    "line",
    "type",
    "category_code",
    "priority",
    "created_at",
    "title",
    "description",
    "address",
    "citizen_name",
    "citizen_phone",
    "lat",
    "lon",
)
Row = tuple


# --- reading -----------------------------------------------------------------------------------------


def read_table(path: str | Path) -> tuple[list[str], Iterator[tuple[int, list]]]:
    """The header and an iterator of (line number, cells) of a .csv (UTF-8, BOM or not) or .xlsx file.
    Line numbers are those a person sees in the file (the header is line 1). A file that cannot be read
    on (not UTF-8, a broken CSV) is a BadRequest naming the line."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        handle = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed when exhausted
        reader = csv.reader(handle)
        try:
            header = next(reader, None)
        except (UnicodeDecodeError, csv.Error) as exc:
            handle.close()
            raise _unreadable(1, exc) from None
        if header is None:
            handle.close()
            raise BadRequest("the file is empty", field="file")

        def rows() -> Iterator[tuple[int, list]]:
            with handle:
                try:
                    for cells in reader:
                        if any(c.strip() for c in cells):
                            yield reader.line_num, cells
                except (UnicodeDecodeError, csv.Error) as exc:
                    raise _unreadable(reader.line_num + 1, exc) from None

        return [h.strip() for h in header], rows()
    if suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True, data_only=True)
        sheet_rows = book.active.iter_rows(values_only=True)
        header_cells = next(sheet_rows, None)
        if header_cells is None:
            book.close()
            raise BadRequest("the workbook is empty", field="file")

        def xrows() -> Iterator[tuple[int, list]]:
            try:
                for n, cells in enumerate(sheet_rows, start=2):
                    if any(c is not None and str(c).strip() for c in cells):
                        yield n, list(cells)
            finally:
                book.close()

        return [str(h).strip() if h is not None else "" for h in header_cells], xrows()
    raise BadRequest(f"unsupported file type {suffix!r}: use .csv or .xlsx", field="file")


def _unreadable(line: int, exc: Exception) -> BadRequest:
    what = "not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else "not a well-formed CSV file"
    return BadRequest(f"the file is {what} (near line {line}): {exc}", field="file")


# --- checking ----------------------------------------------------------------------------------------


def _text(value) -> str | None:
    if type(value) is str:  # every cell of a CSV file: the lines below, shorter
        return value.strip() or None
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _when(value, field_name: str, tz: tzinfo) -> datetime:
    if isinstance(value, datetime):
        dt = value
    else:
        text = str(value).strip().replace("/", "-")
        try:
            dt = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{field_name}: not a date and time (YYYY-MM-DD HH:MM[:SS]): {text!r}") from None
    return dt if dt.tzinfo else dt.replace(tzinfo=tz)


def validate_row(
    cells: list, columns: dict[str, int], categories: set[str], tz: tzinfo
) -> tuple[OrderCreate, datetime | None]:
    """One row into an OrderCreate (+ its receipt time), or ValueError/ValidationError saying why."""
    values = {name: _text(cells[i]) if i < len(cells) else None for name, i in columns.items()}
    created_raw = (
        cells[columns["created_at"]]
        if "created_at" in columns and columns["created_at"] < len(cells)
        else None
    )
    values.pop("created_at", None)
    body = {k: v for k, v in values.items() if v is not None}
    if "type" in body:
        body["type"] = _TYPE_WORDS.get(body["type"], body["type"])
    if "priority" in body:
        body["priority"] = _PRIORITY_WORDS.get(body["priority"], body["priority"])
    code = body.get("category_code")
    if code is not None and code not in categories:
        raise ValueError(f"category_code: unknown category {code!r}")
    data = OrderCreate.model_validate({**body, "channel": Channel.IMPORT.value})
    created = _when(created_raw, "created_at", tz) if _text(created_raw) is not None else None
    return data, created


def row_of(line: int, data: OrderCreate, created: datetime | None) -> Row:
    """validate_row's result as a checked row (ROW_FIELDS)."""
    lat = lon = None
    if data.lat is not None and data.lon is not None:
        lon, lat = to_wgs84(data.lon, data.lat, data.crs.value)
    return (
        line,
        data.type.value,
        data.category_code,
        data.priority.value,
        created,
        data.title,
        data.description,
        data.address,
        data.citizen_name,
        data.citizen_phone,
        lat,
        lon,
    )


_TYPES = frozenset(t.value for t in OrderType)
_PRIORITIES = frozenset(p.value for p in Priority)
_DECIMAL = re.compile(r"-?[0-9]{1,3}(?:\.[0-9]{1,20})?")  # what float() and pydantic read alike
_SURROGATE = re.compile("[\ud800-\udfff]")  # a str pydantic refuses (openpyxl can unescape _xD800_)
_TEXT_FIELDS = ("description", "title", "address", "category_code", "citizen_name", "citizen_phone")


def check_row(line: int, cells: list, columns: dict[str, int], categories: set[str], tz: tzinfo) -> Row:
    """One row as a checked row, or the ValueError/ValidationError that validate_row raises for it.

    Rows whose every value passes the checks OrderCreate makes (type and priority words, lengths, a
    phone number already in its normal form (lib/phone.py), decimal coordinates in range or none, no
    lone surrogate) are built here without constructing an OrderCreate; OrderCreate would leave their
    values as they are. Any other row goes through validate_row, which gives the verdict and the message."""
    n = len(cells)
    values = {name: _text(cells[i]) if i < n else None for name, i in columns.items()}
    code = values.get("category_code")
    if code is not None and code not in categories:
        raise ValueError(f"category_code: unknown category {code!r}")
    kind = values.get("type")
    kind = _TYPE_WORDS.get(kind, kind)
    priority = values.get("priority")
    priority = Priority.NORMAL.value if priority is None else _PRIORITY_WORDS.get(priority, priority)
    description, title, address = values.get("description"), values.get("title"), values.get("address")
    name, phone = values.get("citizen_name"), values.get("citizen_phone")
    lat, lon = values.get("lat"), values.get("lon")
    texts = "".join(v for k in _TEXT_FIELDS if (v := values.get(k)) is not None)
    if (
        kind in _TYPES
        and priority in _PRIORITIES
        and description is not None
        and len(description) <= 4000
        and (title is None or len(title) <= 200)
        and (address is None or len(address) <= 300)
        and (code is None or len(code) <= 32)
        and (name is None or len(name) <= 60)
        and (phone is None or (len(phone) <= 20 and is_phone(phone) and normalise_phone(phone) == phone))
        and not _SURROGATE.search(texts)
        and (
            (lat is None and lon is None)
            or (lat is not None and lon is not None and _DECIMAL.fullmatch(lat) and _DECIMAL.fullmatch(lon))
        )
    ):
        if lat is not None:
            lat, lon = float(lat), float(lon)
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                return row_of(line, *validate_row(cells, columns, categories, tz))
            lon, lat = to_wgs84(lon, lat, "wgs84")  # the import has no crs column: OrderCreate's default
        created_raw = (
            cells[columns["created_at"]] if "created_at" in columns and columns["created_at"] < n else None
        )
        created = _when(created_raw, "created_at", tz) if _text(created_raw) is not None else None
        return (line, kind, code, priority, created, title, description, address, name, phone, lat, lon)
    return row_of(line, *validate_row(cells, columns, categories, tz))


def reason(exc: Exception) -> tuple[str | None, str]:
    """The field and the sentence of a bad row's report line."""
    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        loc = ".".join(str(x) for x in err.get("loc", ()))
        more = f" (+{len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
        return (loc or None), f"{loc + ': ' if loc else ''}{err.get('msg', '')}{more}"
    if isinstance(exc, DomainError):
        return exc.field, exc.message
    text = str(exc)
    name = text.split(":", 1)[0] if ":" in text else None
    return (name if name in FIELDS else None), text


# --- chunks ------------------------------------------------------------------------------------------

# One chunk: (rows read, the checked good rows, the bad rows as (line, field, reason)). A chunk ends when
# it holds `chunk` good rows; the last one ends with the file (and may be empty).
Chunk = tuple[int, list[Row], list[tuple[int, str | None, str]]]


def chunks(
    rows: Iterator[tuple[int, list]], columns: dict[str, int], categories: set[str], tz: tzinfo, chunk: int
) -> Iterator[Chunk]:
    """The file's rows checked, a chunk at a time."""
    read, good, bad = 0, [], []
    for line, cells in rows:
        read += 1
        try:
            good.append(check_row(line, cells, columns, categories, tz))
        except (ValueError, ValidationError) as exc:
            bad.append((line, *reason(exc)))
        if len(good) >= chunk:
            yield read, good, bad
            read, good, bad = 0, [], []
    yield read, good, bad


# --- the reading process -----------------------------------------------------------------------------


class ReaderFailed(DomainError):
    """The reading process ended without finishing the file (killed, out of memory, a bug)."""

    status_code = 500


AHEAD = 2  # chunks received and waiting for the writer, at most (memory stays flat)


def read_in_process(
    path: str | Path, columns: dict[str, int], categories: set[str], tz: tzinfo, chunk: int
) -> Iterator[Chunk]:
    """The chunks of `chunks`, read and checked by a second process while this one writes: the rows come
    over a pipe as plain tuples, in order. A thread of this process takes them off the pipe as they come
    (while the writer is inside the database, which lets go of the GIL), so that the reader runs up to
    AHEAD chunks ahead without waiting to be scheduled at the writer's pace. An error of the file
    (BadRequest) is raised here as it would be in one process; any other end of the reader is a
    ReaderFailed. Closing the iterator ends the process and the thread.

    The process is `python -m huitian.transfer.reader` (not multiprocessing: its spawn would run the
    caller's main script again, and fork would copy the caller's connections and threads)."""
    import os
    import pickle
    import queue
    import subprocess
    import sys
    import threading

    read_end, write_end = os.pipe()
    env = os.environ | {"PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "huitian.transfer.reader", str(write_end)],
            stdin=subprocess.PIPE,
            pass_fds=(write_end,),
            env=env,
        )
    except OSError as exc:
        os.close(read_end)
        raise ReaderFailed(f"cannot start the reading process: {exc}", field="file") from exc
    finally:
        os.close(write_end)
    stream = os.fdopen(read_end, "rb")
    inbox: queue.Queue[tuple] = queue.Queue(maxsize=AHEAD)

    def receive() -> None:
        message: tuple = ("ended",)
        try:
            while True:
                message = pickle.load(stream)
                if message[0] != "chunk":
                    break
                inbox.put(message)
        except Exception:  # noqa: BLE001 - EOF, a torn message, a closed pipe: the reader has ended
            message = ("ended",)
        inbox.put(message)

    receiver = threading.Thread(target=receive, name="huitian-import-receiver", daemon=True)
    try:
        with contextlib.suppress(OSError):  # if it died at once, its end tells below
            pickle.dump((str(path), columns, categories, tz, chunk), process.stdin)
            process.stdin.close()
        receiver.start()
        while True:
            message = inbox.get()
            if message[0] == "chunk":
                yield message[1]
            elif message[0] == "done":
                return
            elif message[0] == "bad":
                raise BadRequest(message[1], field=message[2])
            elif message[0] == "failed":
                raise ReaderFailed(f"the reading process failed: {message[1]}", field="file")
            else:
                code = process.wait(timeout=10)
                raise ReaderFailed(
                    f"the reading process ended before the end of the file (exit code {code})", field="file"
                )
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        while receiver.is_alive():  # it ends at the pipe's end; it may wait for room in the inbox
            with contextlib.suppress(queue.Empty):
                inbox.get_nowait()
            receiver.join(timeout=0.05)
        stream.close()
        with contextlib.suppress(OSError):
            process.stdin.close()


def _serve(out, path: str, columns: dict[str, int], categories: set[str], tz: tzinfo, chunk: int) -> None:
    """The reading process: every chunk of the file down the pipe, then "done" (or what went wrong)."""
    import gc
    import pickle

    gc.disable()  # millions of short-lived rows and no cycles; the process ends with the file

    def send(message: tuple) -> None:
        pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)
        out.flush()

    try:
        _, rows = read_table(path)
        for item in chunks(rows, columns, categories, tz, chunk):
            send(("chunk", item))
        send(("done",))
    except DomainError as exc:
        with contextlib.suppress(OSError):
            send(("bad", exc.message, exc.field))
    except BaseException as exc:  # noqa: BLE001 - whatever it is, the parent must hear of it
        with contextlib.suppress(OSError):
            send(("failed", f"{type(exc).__name__}: {exc}"))


if __name__ == "__main__":  # the reading process: its arguments on stdin, its chunks to the fd named
    import os
    import pickle
    import sys

    with os.fdopen(int(sys.argv[1]), "wb") as _out:
        _serve(_out, *pickle.load(sys.stdin.buffer))
