"""What an Excel cell may hold: citizens' and staff's text can carry control characters that a sheet
cannot store (openpyxl refuses them, failing the whole export); they are dropped instead."""

from __future__ import annotations

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE


def cell(value: object) -> object:
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def row(values: list) -> list:
    return [cell(v) for v in values]
