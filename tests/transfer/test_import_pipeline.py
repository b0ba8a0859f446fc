"""The import's second process (reader.read_in_process) and its row check without OrderCreate
(reader.check_row): same orders, report and progress as one process; failures raised, nothing written."""

import csv
import os
import signal
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from sqlalchemy import text

from huitian.errors import BadRequest
from huitian.transfer import reader
from huitian.transfer import service as transfer_service
from tests.factories import IN_G1, IN_S2
from tests.helpers import count_orders

HEADER = ["类型", "诉求内容", "分类代码", "联系电话", "纬度", "经度", "受理时间", "诉求人姓名"]
LON, LAT = IN_G1


def rows(n: int) -> list[list[str]]:
    """n rows, every fifth one bad in some way, all with a receipt time (so two imports store the same)."""
    bad = [
        ["吐槽", "x", "", "", "", "", "2024-01-01 08:00", ""],
        ["投诉", "", "", "", "", "", "2024-01-01 08:00", ""],
        ["投诉", "x", "999", "", "", "", "2024-01-01 08:00", ""],
        ["投诉", "x", "", "not-a-phone!", "", "", "2024-01-01 08:00", ""],
        ["投诉", "x", "", "", "95", str(LON), "2024-01-01 08:00", ""],
        ["投诉", "x", "", "", str(LAT), "", "2024-01-01 08:00", ""],
        ["投诉", "x", "", "", "", "", "2024-13-01 08:00", ""],
    ]
    out = []
    for i in range(n):
        if i % 5 == 4:
            out.append(bad[i % len(bad)])
            continue
        where = (
            [str(LAT), str(LON)] if i % 3 == 0 else [str(IN_S2[1]), str(IN_S2[0])] if i % 3 == 1 else ["", ""]
        )
        out.append(
            [
                ["投诉", "求助", "complaint", "咨询"][i % 4],
                f"路灯不亮,第{i}件\n详情",
                ["010101", "", "020101"][i % 3],
                f"1380000{i:04d}" if i % 2 else "",
                *where,
                f"2024-03-{1 + i % 28:02d} 09:30",
                "张三" if i % 2 else "",
            ]
        )
    return out


def write_csv(path: Path, body: list[list[str]], header: list[str] = HEADER) -> Path:
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(body)
    return path


def reader_processes() -> list[int]:
    """The ids of this process's children running the import's reader (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (stat.parent / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if ppid == os.getpid() and b"huitian.transfer.reader" in cmdline:
            found.append(int(stat.parent.name))
    return found


def imported(db, path: Path, **options) -> tuple[dict, list, list, list]:
    """Import in a transaction that is rolled back: the report, the progress calls, and the stored
    orders and events (every column but the ids)."""
    calls: list[tuple[int, int]] = []
    with db.write() as session:
        report = transfer_service.import_orders(
            session, path=path, chunk=7, progress=lambda r, w: calls.append((r, w)), **options
        )
        orders = [dict(r) for r in session.execute(text("SELECT * FROM orders ORDER BY id")).mappings()]
        events = [dict(r) for r in session.execute(text("SELECT * FROM order_events ORDER BY id")).mappings()]
        session.rollback()
    # ids in order of the rows (PostgreSQL's sequences go on after a rollback): positions instead
    position = {o.pop("id"): n for n, o in enumerate(orders)}
    for e in events:
        e.pop("id")
        e["order_id"] = position[e["order_id"]]
    return report.to_dict(), calls, orders, events


@pytest.mark.parametrize("partial", [True, False])
def test_the_pipeline_stores_and_reports_exactly_what_one_process_does(db, tmp_path, partial):
    path = write_csv(tmp_path / "in.csv", rows(60))
    alone = imported(db, path, partial=partial, pipeline=False)
    piped = imported(db, path, partial=partial, pipeline=True)
    assert piped == alone
    report, calls, orders, events = piped
    assert report["rows"] == 60 and report["bad"] == 12
    assert [e["line"] for e in report["errors"]] == list(range(10, 110, 9))  # good rows take two lines
    # a call after each chunk of 7 good rows (rows read so far, rows written so far), and one at the end
    read = [8, 17, 26, 34, 43, 52, 60]
    assert calls == list(zip(read, [7, 14, 21, 28, 35, 42, 48] if partial else [0] * 7, strict=True))
    if partial:
        assert report["written"] == len(orders) == len(events) == 48
        assert {o["area_path"] for o in orders} >= {None} and len({o["area_path"] for o in orders}) == 3
    else:
        assert report["written"] == len(orders) == 0


def test_an_xlsx_file_through_the_pipeline_is_stored_as_in_one_process(db, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows(40):
        row = list(row)  # (the bad rows are shared)
        row[4:6] = [float(v) if v else None for v in row[4:6]]  # numbers in cells, as Excel holds them
        row[6] = datetime.fromisoformat(row[6]) if row[6][:4] == "2024" and row[6][5:7] != "13" else row[6]
        sheet.append(row)
    book.save(tmp_path / "in.xlsx")
    alone = imported(db, tmp_path / "in.xlsx", partial=True, pipeline=False)
    assert imported(db, tmp_path / "in.xlsx", partial=True, pipeline=True) == alone
    assert alone[0]["written"] == 32 and alone[0]["bad"] == 8


def test_a_small_file_is_read_in_this_process_and_a_large_one_in_a_second(db, tmp_path, monkeypatch):
    path = write_csv(tmp_path / "in.csv", rows(20))
    seen: list[list[int]] = []
    with db.write() as session:
        transfer_service.import_orders(
            session, path=path, progress=lambda r, w: seen.append(reader_processes())
        )
        assert seen[-1] == []
        monkeypatch.setitem(transfer_service.PIPELINE_MIN_BYTES, ".csv", path.stat().st_size)
        transfer_service.import_orders(
            session, path=path, progress=lambda r, w: seen.append(reader_processes())
        )
        assert len(seen[-1]) == 1
    assert reader_processes() == []  # and it is gone once the import is over


def test_a_reader_killed_midway_is_a_clean_error_and_nothing_is_written(db, tmp_path):
    # far more than the pipe holds: the reader cannot have finished when the first chunk is written
    path = write_csv(tmp_path / "in.csv", [r for r in rows(5000) if r[0] != "吐槽"])

    def kill_the_reader(read: int, written: int) -> None:
        for pid in reader_processes():
            os.kill(pid, signal.SIGKILL)

    with db.write() as session:
        with pytest.raises(reader.ReaderFailed) as exc:
            transfer_service.import_orders(
                session, path=path, chunk=50, pipeline=True, partial=True, progress=kill_the_reader
            )
        assert "reading process" in exc.value.message and exc.value.status_code == 500
        assert count_orders(session) == 0
        session.commit()
    assert reader_processes() == []


@pytest.mark.parametrize("pipeline", [False, True])
def test_a_file_that_stops_being_utf8_is_a_bad_request_naming_the_line_and_nothing_is_written(
    db, tmp_path, pipeline
):
    # beyond the first blocks the text reader decodes, so that the first chunks are good
    path = write_csv(tmp_path / "in.csv", [r for r in rows(600) if r[0] != "吐槽"])
    with open(path, "ab") as f:
        f.write("投诉,路灯不亮\n".encode("gbk"))
    calls: list[int] = []
    with db.write() as session:
        with pytest.raises(BadRequest) as exc:
            transfer_service.import_orders(
                session,
                path=path,
                chunk=4,
                pipeline=pipeline,
                partial=True,
                progress=lambda r, w: calls.append(w),
            )
        assert calls and calls[-1] > 0  # chunks were written before the bad bytes were reached
        assert (
            exc.value.field == "file"
            and "not UTF-8" in exc.value.message
            and "near line" in exc.value.message
        )
        assert count_orders(session) == 0


def test_a_file_missing_a_required_column_is_refused_before_any_process_starts(db, tmp_path):
    path = write_csv(tmp_path / "in.csv", [["x"]], header=["诉求内容"])
    with db.write() as session, pytest.raises(BadRequest) as exc:
        transfer_service.import_orders(session, path=path, pipeline=True)
    assert exc.value.field == "mapping" and "type" in exc.value.message
    assert reader_processes() == []


# --- check_row is validate_row -----------------------------------------------------------------------

TZ = ZoneInfo("Asia/Shanghai")
CATEGORIES = {"010101", "020101"}
COLUMNS = {name: i for i, name in enumerate(reader.FIELDS)}  # every field, in FIELDS order


def verdict(check, line: int, cells: list):
    try:
        return "ok", check(line, cells)
    except (ValueError, ValidationError) as exc:
        return "bad", reader.reason(exc)


def by_check_row(line, cells):
    return reader.check_row(line, cells, COLUMNS, CATEGORIES, TZ)


def by_order_create(line, cells):
    return reader.row_of(line, *reader.validate_row(cells, COLUMNS, CATEGORIES, TZ))


def cells(**given) -> list:
    row = dict.fromkeys(reader.FIELDS, "")
    row |= {"type": "投诉", "description": "路灯不亮"} | given
    return [row[name] for name in reader.FIELDS]


EDGE_ROWS = [
    cells(),
    cells(type="complaint", priority="紧急"),
    cells(type="表扬"),
    cells(type="吐槽"),
    cells(type=""),
    cells(type=None),
    cells(description="  \u3000 "),
    cells(description=" 路灯\n不亮 "),
    cells(description="长" * 4000),
    cells(description="长" * 4001),
    cells(description="x\x00y"),
    cells(description="bad \udc80 surrogate"),
    cells(title="t" * 200),
    cells(title="t" * 201),
    cells(address="a" * 300),
    cells(address="a" * 301),
    cells(citizen_name="n" * 60),
    cells(citizen_name="n" * 61),
    cells(category_code="010101"),
    cells(category_code="999"),
    cells(category_code="9" * 40),
    cells(priority="urgent"),
    cells(priority="很急"),
    cells(citizen_phone="13800000001"),
    cells(citizen_phone="+86-138-0000-0001"),
    cells(citizen_phone="138 0000 0001"),
    cells(citizen_phone="138000000011380000000"),
    cells(citizen_phone="1380000000113800000 1"),
    cells(citizen_phone="phone"),
    cells(citizen_phone=13800000001.0),
    cells(lat="40.07", lon="116.31"),
    cells(lat=40.07, lon=116.31),
    cells(lat=40.0, lon=116.0),
    cells(lat="040.5", lon="-116"),
    cells(lat="-0", lon="0.0000000000000000000001"),
    cells(lat="+40", lon="116"),
    cells(lat="4e1", lon="116"),
    cells(lat="40.", lon=".5"),
    cells(lat="nan", lon="116"),
    cells(lat="inf", lon="116"),
    cells(lat="90.0000001", lon="116"),
    cells(lat="-90", lon="-180"),
    cells(lat="40", lon="180.5"),
    cells(lat="40.07", lon=""),
    cells(lat="", lon="116.31"),
    cells(lat="四十", lon="116"),
    cells(lat="١٢", lon="116"),
    cells(lat="4_0", lon="116"),
    cells(created_at="2024-03-01 09:30"),
    cells(created_at="2024/03/01 09:30:15"),
    cells(created_at="2024-03-01T09:30+08:00"),
    cells(created_at=datetime(2024, 3, 1, 9, 30)),
    cells(created_at="2024-02-30 09:00"),
    cells(created_at="昨天"),
    cells(type="吐槽", created_at="昨天"),
    cells(category_code="999", type="吐槽"),
    cells(description="", citizen_phone="bad phone", lat="1"),
    ["投诉"],
    [],
]


def test_check_row_gives_what_order_create_gives_for_every_edge_row():
    outcomes = [
        (verdict(by_check_row, n, c), verdict(by_order_create, n, c)) for n, c in enumerate(EDGE_ROWS)
    ]
    for n, (fast, reference) in enumerate(outcomes):
        assert fast == reference, (n, EDGE_ROWS[n])
    kinds = [fast[0] for fast, _ in outcomes]
    assert kinds.count("ok") >= 20 and kinds.count("bad") >= 20


TEXT = st.text(alphabet=st.sampled_from(list("投诉咨询紧急 \t\n0123456789.-+e_,/:Tabc\u3000\udc80")))
CELL = st.one_of(
    st.none(),
    TEXT,
    st.sampled_from(["投诉", "complaint", "咨询", "urgent", "紧急", "010101", "020101", "13800000001"]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-200, 10**11),
)


# per field, values that pass, or (...) any cell, so that many rows are valid ones
PASSING = {
    "type": ["投诉", "complaint", "咨询"],
    "description": ["路灯不亮", " 井盖\n丢失 "],
    "title": ["标题", "", None],
    "address": ["回龙观1号楼", "", None],
    "citizen_name": ["张三", "", None],
    "category_code": ["010101", "", None],
    "citizen_phone": ["13800000001", "", None],
    "lat": ["40.07", 40.5, "", None],
    "lon": ["116.31", 116.0, "", None],
    "priority": ["紧急", "normal", "", None],
    "created_at": ["2024-03-01 09:30", "", None],
}
ROW = st.lists(CELL, max_size=len(reader.FIELDS) + 1) | st.tuples(
    *(
        st.sampled_from([*PASSING[name], ...]).flatmap(lambda v: CELL if v is ... else st.just(v))
        for name in reader.FIELDS
    )
).map(list)


@settings(max_examples=600, derandomize=True, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(ROW)
def test_check_row_gives_what_order_create_gives_for_any_row(row):
    assert verdict(by_check_row, 2, row) == verdict(by_order_create, 2, row)
