"""huitian.lib.xlsx: text is written as text in every sheet, never as a formula; and every spreadsheet
or CSV writer in the code goes through it (the route tests of each export are in its own folder)."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from huitian.kpi import service as kpi_service
from huitian.lib import xlsx
from tests.formulas import HOSTILE, HYPERLINK, assert_written_as_text, cells

SRC = Path(__file__).resolve().parents[2] / "src" / "huitian"

# Every module that writes a workbook or a CSV file, and the test that feeds it formula-like text.
WRITERS = {
    "transfer/service.py": ("transfer/test_import_export.py", "test_every_text_of_the_orders_export_is_text"),
    "assets/service.py": ("assets/test_registry.py", "test_the_parts_export_writes_formulas_as_text"),
    "kpi/reports.py": ("lib/test_xlsx.py", "test_the_kpi_report_writes_every_text_as_text"),
    "plans/export.py": ("plans/test_export.py", "test_both_plan_lists_write_formula_like_text_as_text"),
}
TESTS = Path(__file__).resolve().parents[1]
WRITES = re.compile(r"\bWorkbook\(|csv\.writer\(|csv\.DictWriter\(|\.to_excel\(|\.to_csv\(|xlsxwriter")


def test_every_spreadsheet_writer_in_the_code_is_one_whose_formula_test_exists():
    found = {
        str(p.relative_to(SRC))
        for p in SRC.rglob("*.py")
        if p.name != "xlsx.py" and WRITES.search(p.read_text(encoding="utf-8"))
    }
    assert found == set(WRITERS), "a new writer must use huitian.lib.xlsx and get a test in WRITERS"
    for module, (test_file, test) in WRITERS.items():
        assert "xlsx." in (SRC / module).read_text(encoding="utf-8"), module
        assert f"def {test}(" in (TESTS / test_file).read_text(encoding="utf-8"), test


@pytest.mark.parametrize("write_only", [True, False])
def test_a_row_keeps_formula_like_text_as_text_and_numbers_and_dates_as_they_are(write_only):
    book = Workbook(write_only=write_only)
    sheet = book.create_sheet("s") if write_only else book.active
    when = datetime(2026, 3, 2, 10, 30)
    sheet.append(xlsx.row(sheet, [*HOSTILE, 42, 0.5, when, None, "路灯不亮", "a\x10b", "\r=1"]))
    out = io.BytesIO()
    book.save(out)
    assert_written_as_text(out.getvalue(), [*HOSTILE, "路灯不亮", "ab"])
    by_value = {c.value: c for c in cells(out.getvalue())}
    assert by_value[42].data_type == "n" and by_value[0.5].data_type == "n"
    assert by_value[when].is_date
    assert not by_value["路灯不亮"].quotePrefix
    cr = by_value["\n=1"]  # XML reads a CR back as LF; what matters is that it stayed text
    assert cr.data_type == "s" and cr.quotePrefix


def test_a_cell_written_in_place_is_text():
    book = Workbook()
    ws = book.active
    for i, text in enumerate(HOSTILE, start=1):
        xlsx.write(ws, i, 1, text)
    xlsx.write(ws, 1, 2, 7)
    out = io.BytesIO()
    book.save(out)
    assert_written_as_text(out.getvalue(), HOSTILE)
    assert ws.cell(1, 2).data_type == "n"


def test_a_csv_value_that_starts_like_a_formula_gets_a_leading_quote():
    buf = io.StringIO()
    csv.writer(buf).writerow(xlsx.csv_row([*HOSTILE[:5], "路灯", 3, None]))
    row = next(csv.reader(io.StringIO(buf.getvalue())))
    assert row == ["'" + HYPERLINK, "'+1+1", "'-2+3", "'@SUM(A1)", "'\t=1", "路灯", "3", ""]


def test_the_kpi_report_writes_every_text_as_text():
    """Route-independent: the report workbook from a report whose names and titles are formula-like."""
    league = [
        {"rank": 1, "key": "+1+1", "name": HYPERLINK, "tier": "@SUM(A1)"}
        | {"response_rate": 0.5, "resolution_rate": 0.5, "satisfaction_rate": 0.5, "score": 0.5}
    ]
    report = {
        "kind": "street",
        "code": "S1",
        "name": "=1+1",
        "month": "2026-03",
        "previous_month": "2026-02",
        "figures": {
            k: 1 for k in ("dispatched", "assessed", "response_rate", "resolution_rate", "satisfaction_rate")
        }
        | {"score": 0.9, "excluded": 0},
        "previous": {
            k: 0 for k in ("dispatched", "assessed", "response_rate", "resolution_rate", "satisfaction_rate")
        }
        | {"score": 0.0, "excluded": 0},
        "place": league[0],
        "ranked": 1,
        "league": league,
        "top_problems": [
            {"key": "-2+3", "name": "\t=1", "dispatched": 3}
            | {"response_rate": 1.0, "resolution_rate": 1.0, "satisfaction_rate": 1.0}
        ],
        "overdue": [
            {
                "number": "2026030200000001",
                "title": HYPERLINK,
                "lead_unit": "#N/A",
                "status": "=2",
                "reply_due": datetime(2026, 3, 3, 2, 0).astimezone(),
                "replied_at": None,
            }
        ],
    }
    content = kpi_service.report_xlsx(report)
    assert_written_as_text(content, ["+1+1", HYPERLINK, "@SUM(A1)", "-2+3", "\t=1", "#N/A", "=2"])
    assert any(isinstance(c.value, str) and c.value.startswith("=1+1") for c in cells(content))
    numbers = [c for c in cells(content) if c.value == 0.9]
    assert numbers and numbers[0].data_type == "n"
