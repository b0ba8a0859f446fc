"""Excel exports of a plan in the form the 专班 circulates: the 任务清单 and the 项目清单.

A title row; a two-row header with merged cells (责任单位 over 牵头单位 / 配合单位); a section row
before each section's tasks (a task row before each task's projects); the header frozen and
repeated on every printed page; A4 landscape fitted to the page width."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from huitian.lib import xlsx
from huitian.plans.enums import Comparator, ProjectStatus, ProjectType
from huitian.plans.schemas import PlanRead, ProjectRead, TargetRead, TaskRead

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="D9E1F2")
_SECTION_FILL = PatternFill("solid", fgColor="F2F2F2")
_WRAP = Alignment(wrap_text=True, vertical="top")
_CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)

HEADER_ROWS = (3, 4)  # the two header rows; data starts on row 5
FIRST_DATA_ROW = 5


@dataclass(frozen=True)
class Column:
    title: str  # the header; "责任单位/牵头单位" is a grouped column (group over sub-title)
    width: float


TASK_COLUMNS = [
    Column("序号", 6),
    Column("任务名称", 22),
    Column("主要内容", 60),
    Column("责任单位/牵头单位", 16),
    Column("责任单位/配合单位", 24),
    Column("完成时限", 12),
    Column("目标", 28),
    Column("进展", 20),
]

PROJECT_COLUMNS = [
    Column("序号", 7),
    Column("项目名称", 26),
    Column("建设内容", 30),
    Column("责任单位/牵头单位", 16),
    Column("责任单位/配合单位", 22),
    Column("完成时限", 12),
    Column("主要节点", 34),
    Column("进展", 18),
]


def number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def target_text(t: TargetRead) -> str:
    """'新增学位 4140个', '幼儿园普惠率 90%以上' — the target as the plan words it."""
    words = Comparator(t.comparator).label if t.comparator in Comparator._value2member_map_ else ""
    return f"{t.indicator} {number_text(t.target)}{t.measure}{words}"


def _due_text(day: date | None) -> str:
    return f"{day.year}年{day.month}月" if day else ""


def task_due(task: TaskRead, plan: PlanRead) -> str:
    dues = [t.due for t in task.targets if t.due]
    if dues:
        return _due_text(max(dues))
    end = plan.period.split("-")[-1]
    return f"{end}年底"


def task_progress_text(task: TaskRead) -> str:
    parts = []
    if task.progress is not None:
        parts.append(f"总体进度 {task.progress:g}%")
    for t in task.targets:
        if t.current is not None:
            parts.append(f"{t.indicator}:已完成 {number_text(t.current)}{t.measure}")
    return "\n".join(parts)


def project_content(p: ProjectRead) -> str:
    parts = [ProjectType(p.type).label if p.type in ProjectType._value2member_map_ else p.type]
    if p.area_code:
        parts.append(f"区域 {p.area_code}")
    if p.budget is not None:
        parts.append(f"投资 {number_text(p.budget)}万元")
    return ";".join(parts)


def project_due(p: ProjectRead) -> str:
    if p.completed_on:
        return _due_text(p.completed_on)
    return _due_text(max((m.planned_on for m in p.milestones), default=None))


def project_progress_text(p: ProjectRead) -> str:
    status = ProjectStatus(p.status).label if p.status in ProjectStatus._value2member_map_ else p.status
    text = f"{status} {p.progress:g}%"
    return text + (";未按期报告" if p.flags.late else "")


def milestones_text(p: ProjectRead) -> str:
    lines = []
    for m in p.milestones:
        done = f",实际 {m.actual_on.isoformat()}" if m.actual_on else ""
        lines.append(f"{m.name}:计划 {m.planned_on.isoformat()}{done}")
    return "\n".join(lines)


# --- sheet building ---------------------------------------------------------------------------------


def _sheet(wb: Workbook, *, title: str, subtitle: str, columns: list[Column], sheet_name: str) -> Worksheet:
    ws = wb.active
    ws.title = sheet_name
    last = get_column_letter(len(columns))
    xlsx.write(ws, 1, 1, title)
    ws["A1"].font = Font(bold=True, size=16)
    ws["A1"].alignment = _CENTRE
    ws.merge_cells(f"A1:{last}1")
    ws.row_dimensions[1].height = 30
    xlsx.write(ws, 2, 1, subtitle)
    ws["A2"].alignment = Alignment(horizontal="right")
    ws.merge_cells(f"A2:{last}2")
    top, sub = HEADER_ROWS
    i = 1
    while i <= len(columns):
        col = columns[i - 1]
        group, _, name = col.title.rpartition("/")
        if group:
            span = 1
            while i + span <= len(columns) and columns[i + span - 1].title.startswith(group + "/"):
                span += 1
            xlsx.write(ws, top, i, group)
            ws.merge_cells(start_row=top, start_column=i, end_row=top, end_column=i + span - 1)
            for k in range(span):
                xlsx.write(ws, sub, i + k, columns[i + k - 1].title.rpartition("/")[2])
            i += span
        else:
            xlsx.write(ws, top, i, name)
            ws.merge_cells(start_row=top, start_column=i, end_row=sub, end_column=i)
            i += 1
    for row in HEADER_ROWS:
        for c in range(1, len(columns) + 1):
            cell = ws.cell(row, c)
            cell.font = Font(bold=True)
            cell.fill = _HEAD_FILL
            cell.alignment = _CENTRE
            cell.border = _BORDER
    for c, col in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(c)].width = col.width
    ws.freeze_panes = f"A{FIRST_DATA_ROW}"
    ws.print_title_rows = f"{top}:{sub}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.oddFooter.center.text = "第 &P 页 共 &N 页"
    return ws


def _section_row(ws: Worksheet, row: int, text: str, width: int) -> None:
    xlsx.write(ws, row, 1, text)
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
    for c in range(1, width + 1):
        cell = ws.cell(row, c)
        cell.font = Font(bold=True)
        cell.fill = _SECTION_FILL
        cell.border = _BORDER
        cell.alignment = Alignment(vertical="center")


def _data_row(ws: Worksheet, row: int, values: list) -> None:
    for c, value in enumerate(values, start=1):
        # control characters dropped (typed-in names may carry them), text kept as text (no formula)
        cell = xlsx.write(ws, row, c, value)
        cell.alignment = _CENTRE if c == 1 else _WRAP
        cell.border = _BORDER


def _save(wb: Workbook) -> bytes:
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _subtitle(plan: PlanRead, today: date, extra: str = "") -> str:
    who = plan.issuer or ""
    return f"{who}  {extra}导出日期:{today.isoformat()}".strip()


def tasks_workbook(
    plan: PlanRead, *, today: date, keep: Callable[[TaskRead], bool] = lambda t: True
) -> bytes:
    """The 任务清单: every task (that `keep` keeps) under its section row."""
    wb = Workbook()
    ws = _sheet(
        wb,
        title=f"{plan.title}任务清单",
        subtitle=_subtitle(plan, today),
        columns=TASK_COLUMNS,
        sheet_name="任务清单",
    )
    row, section = FIRST_DATA_ROW, None
    for task in plan.tasks:
        if not keep(task):
            continue
        if task.section and task.section != section:
            section = task.section
            _section_row(ws, row, section, len(TASK_COLUMNS))
            row += 1
        _data_row(
            ws,
            row,
            [
                task.number,
                task.title,
                task.text,
                "、".join(task.lead_units),
                "、".join(task.co_units),
                task_due(task, plan),
                "\n".join(target_text(t) for t in task.targets),
                task_progress_text(task),
            ],
        )
        row += 1
    return _save(wb)


def projects_workbook(
    plan: PlanRead, *, today: date, keep: Callable[[ProjectRead], bool] = lambda p: True
) -> bytes:
    """The 项目清单: each task with projects gets a task row, then its projects (sub-projects as n.m)."""
    wb = Workbook()
    ws = _sheet(
        wb,
        title=f"{plan.title}项目清单",
        subtitle=_subtitle(plan, today),
        columns=PROJECT_COLUMNS,
        sheet_name="项目清单",
    )
    row, n = FIRST_DATA_ROW, 0
    for task in plan.tasks:
        projects = [p for p in task.projects if keep(p)]
        if not projects:
            continue
        _section_row(ws, row, f"任务{task.number} {task.title}", len(PROJECT_COLUMNS))
        row += 1
        kept = {p.id for p in projects}
        children: dict[int | None, list[ProjectRead]] = {}
        for p in projects:
            parent = p.parent_id if p.parent_id in kept else None
            children.setdefault(parent, []).append(p)

        def write(p: ProjectRead, number: str, children=children) -> None:
            nonlocal row
            _data_row(
                ws,
                row,
                [
                    number,
                    p.name,
                    project_content(p),
                    "、".join(p.lead_units),
                    "、".join(p.co_units),
                    project_due(p),
                    milestones_text(p),
                    project_progress_text(p),
                ],
            )
            row += 1
            for k, child in enumerate(children.get(p.id, []), start=1):
                write(child, f"{number}.{k}", children)

        for p in children.get(None, []):
            n += 1
            write(p, str(n))
    return _save(wb)


def filename(plan: PlanRead, kind: str) -> str:
    return f"{plan.title}{'任务清单' if kind == 'tasks' else '项目清单'}.xlsx"


def task_filter(*, section: str | None = None, unit: str | None = None) -> Callable[[TaskRead], bool]:
    """Tasks of one section (by its number, 一/二/…) and/or with a unit (part of its name) among its
    lead or co-responsible units."""

    def keep(t: TaskRead) -> bool:
        if section and not (t.section or "").startswith(f"({section})"):
            return False
        return not unit or any(unit in u for u in t.lead_units + t.co_units)

    return keep


def project_filter(*, status: str | None = None, unit: str | None = None) -> Callable[[ProjectRead], bool]:
    """Projects in a status and/or with a unit (part of its name) among their lead or co units."""

    def keep(p: ProjectRead) -> bool:
        if status and p.status != status:
            return False
        return not unit or any(unit in u for u in p.lead_units + p.co_units)

    return keep
