import csv
import gc
import io
import json
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from huitian.errors import BadRequest
from huitian.transfer import cli as transfer_cli
from huitian.transfer import service as transfer_service
from tests.factories import IN_G1, IN_S2
from tests.helpers import MASKED_PHONE, PHONE, api, count_orders, new_order  # noqa: F401

HEADER = ["类型", "诉求内容", "分类代码", "联系电话", "受理时间"]
GOOD = [
    ["投诉", "楼下餐馆油烟扰民", "010101", "13800000001", "2024-03-01 09:30"],
    ["咨询", "居住证如何办理", "", "", ""],
    ["complaint", "暖气不热", "020101", "13800000002", "2024/03/02 10:00:00"],
]


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_a_file_with_one_bad_row_is_rejected_whole_with_its_line_and_reason(db, tmp_path):
    path = write_csv(
        tmp_path / "in.csv", [*GOOD[:2], ["投诉", "", "", "", ""], GOOD[2], ["吐槽", "x", "", "", ""]]
    )
    with db.write() as session:
        report = transfer_service.import_orders(session, path=path)
        assert count_orders(session) == 0
    assert report.written == 0
    assert [(e.line, e.field) for e in report.errors] == [(4, "description"), (6, "type")]


def test_partial_writes_only_the_good_rows(db, tmp_path):
    path = write_csv(tmp_path / "in.csv", [GOOD[0], ["投诉", "x", "999", "", ""], GOOD[1]])
    with db.write() as session:
        report = transfer_service.import_orders(session, path=path, partial=True)
        session.commit()
    assert (report.rows, report.written) == (3, 2)
    assert report.errors[0].line == 3 and "999" in report.errors[0].reason
    with db.read() as session:
        assert count_orders(session) == 2


def test_the_cli_reports_bad_rows_and_writes_nothing(db_url, tmp_path):
    path = write_csv(tmp_path / "in.csv", [GOOD[0], ["投诉", "x", "", "not-a-phone!", ""]])
    result = CliRunner().invoke(transfer_cli.app, ["import", str(path), "--db", db_url])
    assert result.exit_code == 1
    assert "第 3 行" in result.output and "citizen_phone" in result.output
    result = CliRunner().invoke(transfer_cli.app, ["import", str(path), "--db", db_url, "--partial"])
    assert result.exit_code == 1 and '"written": 1' in result.output


def test_a_mapping_names_the_files_own_chinese_columns(db, api, tmp_path):  # noqa: F811
    header = ["来电类别", "问题描述", "来电号码", "来电时间"]
    path = write_csv(
        tmp_path / "in.csv", [["求助", "独居老人需要帮助", "13900000009", "2023-12-31 23:59"]], header
    )
    mapping = tmp_path / "map.json"
    names = {
        "type": "来电类别",
        "description": "问题描述",
        "citizen_phone": "来电号码",
        "created_at": "来电时间",
    }
    mapping.write_text(json.dumps(names, ensure_ascii=False), encoding="utf-8")
    with db.write() as session:
        report = transfer_service.import_orders(
            session, path=path, mapping=transfer_service.load_mapping(mapping)
        )
        session.commit()
    assert report.ok and report.written == 1
    order = api.listing("operator", channel="import")["items"][0]
    assert (order["type"], order["citizen_phone"], order["status"]) == ("help", "13900000009", "received")
    assert order["number"].startswith("20231231")


def test_a_mapping_naming_an_unknown_field_is_refused():
    with pytest.raises(BadRequest) as exc:
        transfer_service.load_mapping({"phone": "电话"})
    assert exc.value.field == "mapping"


def test_an_xlsx_file_is_imported(db, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["类型", "诉求内容", "纬度", "经度"])
    sheet.append(["投诉", "路灯不亮", IN_G1[1], IN_G1[0]])
    sheet.append(["建议", "增设公交站", None, None])
    book.save(tmp_path / "in.xlsx")
    with db.write() as session:
        report = transfer_service.import_orders(session, path=tmp_path / "in.xlsx")
        session.commit()
    assert report.ok and report.written == 2


def test_the_excel_export_has_the_filtered_rows_masked_for_a_supervisor(api):  # noqa: F811
    mine = new_order(api, description="一街道的路灯不亮")
    new_order(api, where=IN_S2, description="二街道的井盖丢失")
    new_order(api, type="consultation", description="一街道的咨询")
    r = api.get("super1", "/api/v1/orders.xlsx", params={"type": "complaint"})
    assert r.status_code == 200, r.text
    sheet = load_workbook(io.BytesIO(r.content), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "工单编号" and "联系电话" in rows[0]
    assert [row[0] for row in rows[1:]] == [mine["number"]]
    phone = rows[1][rows[0].index("联系电话")]
    assert phone == MASKED_PHONE and PHONE not in str(rows)


def test_the_export_refuses_a_bad_filter_naming_it(api):  # noqa: F811
    r = api.get("operator", "/api/v1/orders.xlsx", params={"type": "nonsense"})
    assert r.status_code == 422 and "type" in r.text


def sqlite(session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def test_a_bad_row_after_chunks_already_written_still_leaves_nothing(db, tmp_path):
    rows = [GOOD[i % 3] for i in range(25)] + [["投诉", "x", "", "", "2024-13-45 99:00"]] + GOOD
    path = write_csv(tmp_path / "in.csv", rows)
    with db.write() as session:
        cache = session.connection().exec_driver_sql("PRAGMA cache_size") if sqlite(session) else None
        before = cache.scalar() if cache else None
        report = transfer_service.import_orders(session, path=path, chunk=4)
        assert count_orders(session) == 0
        if before is not None:  # the page cache is enlarged for the import only
            assert session.connection().exec_driver_sql("PRAGMA cache_size").scalar() == before
        session.commit()
    assert report.rows == 29 and report.written == 0
    assert gc.isenabled()  # paused for the import only
    assert [(e.line, e.field) for e in report.errors] == [(27, "created_at")]
    with db.read() as session:
        assert count_orders(session) == 0


def test_imported_orders_are_placed_timed_and_carry_an_intact_created_event(db, tmp_path):
    from huitian.orders import service as orders_service

    header = ["类型", "诉求内容", "分类代码", "纬度", "经度", "受理时间", "诉求人姓名"]
    lon, lat = IN_G1
    rows = [
        ["投诉", "路灯不亮\n第二行", "010101", str(lat), str(lon), "2024-03-01 09:30", "张三"],
        ["求助", "井盖丢失", "", "", "", "", ""],
        ["投诉", "暖气不热", "020101", str(lat), str(lon), "2024-03-01 09:30", ""],
    ]
    path = write_csv(tmp_path / "in.csv", rows, header=header)
    with db.write() as session:
        report = transfer_service.import_orders(session, path=path, chunk=2)
        session.commit()
    assert report.ok and report.written == 3
    with db.read() as session:
        orders, _ = orders_service.list_orders(
            session, principal=transfer_service.IMPORTER, flt=orders_service.OrderFilter(sort="oldest")
        )
        by_text = {o.description: o for o in orders}
        first, second, third = by_text["路灯不亮\n第二行"], by_text["井盖丢失"], by_text["暖气不热"]
        assert first.title == "路灯不亮" and first.citizen_name == "张三" and first.channel == "import"
        assert first.area_path and first.area_path == third.area_path and second.area_path is None
        assert first.lat == pytest.approx(lat) and first.source_crs == "wgs84"
        assert first.created_at.isoformat().startswith("2024-03-01T01:30")  # 09:30 Beijing time
        assert first.reply_due > first.created_at and second.reply_due > second.created_at
        assert first.time_limit_class != third.time_limit_class  # ordinary vs utility
        for o in (first, second, third):
            (event,) = orders_service.events_of(session, order_id=o.id)
            assert event.kind == "created" and event.payload == {"channel": "import", "type": o.type}
            assert o.history_hash == event.hash
        assert orders_service.verify_histories(session)["problems"] == []


def test_an_imported_row_is_stored_exactly_as_the_same_order_created_through_create_orders(db, tmp_path):
    from datetime import datetime

    from sqlalchemy import text

    from huitian.orders import service as orders_service
    from huitian.orders.enums import Channel
    from huitian.orders.schemas import OrderCreate
    from huitian.sla import service as sla_service

    lon, lat = IN_G1
    header = ["类型", "诉求内容", "分类代码", "纬度", "经度", "受理时间", "诉求人姓名", "联系电话"]
    row = ["投诉", "路灯不亮", "010101", str(lat), str(lon), "2024-03-01 09:30", "张三", "13800000001"]
    path = write_csv(tmp_path / "in.csv", [row], header=header)
    with db.write() as session:
        assert transfer_service.import_orders(session, path=path).written == 1
        data = OrderCreate(
            type="complaint",
            description="路灯不亮",
            category_code="010101",
            lat=lat,
            lon=lon,
            citizen_name="张三",
            citizen_phone="13800000001",
            channel=Channel.IMPORT,
        )
        when = datetime(2024, 3, 1, 9, 30, tzinfo=sla_service.local_tz())
        orders_service.create_order(session, data=data, principal=transfer_service.IMPORTER, now=when)
        session.flush()
        orders = session.execute(text("SELECT * FROM orders ORDER BY id")).mappings().all()
        events = session.execute(text("SELECT * FROM order_events ORDER BY id")).mappings().all()
    imported, created = ({k: v for k, v in r.items() if k != "id"} for r in orders)
    assert imported == created
    assert [{k: v for k, v in e.items() if k not in ("id", "order_id")} for e in events] == [
        {k: v for k, v in events[1].items() if k not in ("id", "order_id")}
    ] * 2


def test_the_export_drops_control_characters_a_sheet_cannot_hold(api):  # noqa: F811
    new_order(api, description="路灯\x10不亮,已经一周")
    r = api.get("operator", "/api/v1/orders.xlsx")
    assert r.status_code == 200, r.text
    sheet = load_workbook(io.BytesIO(r.content)).active
    texts = [c for row in sheet.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert "路灯不亮,已经一周" in texts


def test_rows_without_a_point_are_placed_from_their_address_then_their_description(db, tmp_path):
    from sqlalchemy import text

    from huitian.areas import service as areas_service

    areas_service.invalidate_places()
    header = ["类型", "诉求内容", "分类代码", "地址"]
    rows = [
        ["投诉", "楼道灯坏了", "010101", "一社区5号楼2单元"],
        ["投诉", "楼道堆物", "010101", "一社区5号楼2单元"],
        ["投诉", "二街道菜市场门口积水", "010101", "门口"],
        ["咨询", "咨询社保卡办理流程", "", "不知道"],
    ]
    path = write_csv(tmp_path / "in.csv", rows, header=header)
    with db.write() as session:
        assert transfer_service.import_orders(session, path=path).written == 4
        stored = session.execute(text("SELECT area_path, lat, source_crs FROM orders ORDER BY id")).all()
    assert [tuple(r) for r in stored] == [
        ("/D1/S1/C1/", None, None),
        ("/D1/S1/C1/", None, None),
        ("/D1/S2/", None, None),
        (None, None, None),
    ]


def test_every_text_of_the_orders_export_is_text(api, db, db_url, tmp_path):  # noqa: F811
    """Formula-like descriptions, titles, addresses and names are text cells in the orders.xlsx of the
    API and of `huitian export`, and an import of that file reads them back as the same text."""
    from huitian.orders.models import Order
    from tests.formulas import HOSTILE, HYPERLINK, assert_written_as_text

    for text in HOSTILE:
        new_order(api, description=text, address="\t=1", citizen_name=HYPERLINK)
    r = api.get("operator", "/api/v1/orders.xlsx")
    assert r.status_code == 200, r.text
    assert_written_as_text(r.content, [*HOSTILE, "\t=1"])

    out = tmp_path / "cli.xlsx"
    result = CliRunner().invoke(transfer_cli.app, ["export", "--out", str(out), "--db", db_url])
    assert result.exit_code == 0, result.output
    assert_written_as_text(out.read_bytes(), [*HOSTILE, "\t=1"])

    (tmp_path / "back.xlsx").write_bytes(r.content)
    with db.write() as session:
        mapping = transfer_service.load_mapping({"citizen_name": "诉求人"})
        report = transfer_service.import_orders(session, path=tmp_path / "back.xlsx", mapping=mapping)
        session.commit()
    assert report.ok and report.written == len(HOSTILE), report.to_dict()
    with db.read() as session:
        back = session.query(Order).filter(Order.channel == "import").all()
    assert sorted(o.description for o in back) == sorted(t.strip() for t in HOSTILE)  # as filed
    assert {(o.citizen_name, o.address) for o in back} == {(HYPERLINK, "=1")}  # the import strips cells
