"""Receipts (回执): the answer a county office gets for every return it drops (DESIGN.md §1, §3.1).

A receipt is one .xlsx workbook:

1. sheet ``回执``: the key facts (unit, file, period, received time, deadline, on time or not),
   the result (受理 / 退回) in large coloured text, one sentence saying why, the number of errors
   and warnings, what to do next, and a table of every finding located by sheet, row and column;
2. then a copy of every sheet of the county's own file, cell for cell at the same Excel row and
   column, with each cell a finding points at filled red (error) or yellow (warning) and a comment
   holding the message(s).

The workbook is written with openpyxl's write-only mode (streamed, about ten times faster than a
normal workbook), its rows as openpyxl writes them but without a cell object for each plain value
(``receipt_rows``), and moved into place atomically, so a county never opens a half-written file.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.hyperlink import Hyperlink

from techreform.reference.periods import Period
from techreform.reference.schema import (
    FIELDS_BY_SHEET,
    PROJECT_FIELD,
    RECOGNITION_FIELD,
)
from techreform.rules import rule_title
from techreform.rules.findings import ERROR, WARNING, Finding, MergedFinding, merge_findings
from techreform.workbooks.common import stable_bytes
from techreform.workbooks.receipt_parts import part_path
from techreform.workbooks.receipt_rows import CopiedRows
from techreform.workbooks.receipt_source import (
    SheetNames,
    attached_text,
    findings_by_cell,
    header_of,
    locate,
    on_source_sheets,
    read_source,
    write_copy,
)
from techreform.workbooks.receipt_style import (
    BORDER,
    HEADER_FILL,
    LABEL_FILL,
    LABEL_FONT,
    LINK_FONT,
    REJECTED,
    RESULT_COLOR,
    SEVERITY_FONT,
    STATUS_TEXT,
    WRAP,
    WRAP_CENTER,
    fill_of,
    severity_text,
    style,
    styled_cell,
)
from techreform.workspace import fitted_name

RECEIPT_SHEET = "回执"


TITLE = "技术改造项目季报回执"


NEXT_STEP_REJECTED = "请按下表逐条修改后重新报送，本次报表未被采用，上一次受理的报表继续有效。"


NEXT_STEP_WARNINGS = "已受理；请对提示项在“备注”栏填写核实说明，下次报送时一并更正。"


NEXT_STEP_NOTED = "已受理，本次报表为本期有效报表；提示项请阅知，无需回复。"


NEXT_STEP_CLEAN = "已受理，本次报表为本期有效报表，无需其他操作。"


NEXT_STEP_SUPERSEDED = (
    "已受理，但本期已收到更新的报表，以最新受理的报表为准；本次报表留档备查，无需其他操作。"
)


# receipt sheet: 序号, 类别, 工作表, 行号, 栏目, 填报值, 规则, 问题及修改要求
_TABLE_HEADERS = ("序号", "类别", "工作表", "行号", "栏目", "填报值", "规则", "问题及修改要求")


_TABLE_WIDTHS = (6, 8, 12, 8, 24, 20, 16, 64)


_NCOLS = len(_TABLE_HEADERS)


_LAST_COL = get_column_letter(_NCOLS)


def receipt_file_name(file_name: str, received_at: dt.datetime) -> str:
    """``回执_<stem of the county's file>_<received yyyymmddThhmm>.xlsx``.

    >>> receipt_file_name("410302_2026Q3_技改项目季报.xls", dt.datetime(2026, 10, 3, 10, 7))
    '回执_410302_2026Q3_技改项目季报_20261003T1007.xlsx'
    """
    stem = Path(file_name.replace("\\", "/")).name
    stem = Path(stem).stem.strip() or "报表"
    return fitted_name(f"回执_{stem}_{received_at:%Y%m%dT%H%M}.xlsx")


def write_receipt(
    path: Path,
    *,
    unit_code: str,
    unit_name: str,
    file_name: str,
    period: str | None,
    status: str,
    received_at: dt.datetime,
    deadline: dt.date | None,
    summary: str,
    findings: list[Finding],
    source: Path | None,
    superseded: bool = False,
    timeliness_settled: bool = False,
) -> Path:
    """Write the receipt workbook to ``path`` (parent folders are created) and return ``path``.

    ``status`` is ``"accepted"`` or ``"rejected"`` (``superseded``: accepted, but a newer return
    of the unit and period is in force by now; ``timeliness_settled``: an earlier return of the
    unit and period was accepted, so this one does not count for timeliness); ``source`` is the
    county's file as archived
    (.xlsx or .xls), or None when it could not be read: the receipt then has no copied sheets.
    A source that turns out to be unreadable here is treated the same way: a receipt is always
    written.
    """
    if status not in STATUS_TEXT:
        raise ValueError(f"status must be 'accepted' or 'rejected', got {status!r}")
    path = Path(path)
    sheets = read_source(source) if source is not None else None
    # one line per problem cell: findings of a row about the same cell are merged (the warehouse
    # and findings.csv keep one row per rule and cell)
    ordered = merge_findings(on_source_sheets(findings, sheets or []))
    marked = {f.sheet for f in ordered}
    headers = {sheet.name: header_of(sheet) for sheet in sheets or () if sheet.name in marked}
    ordered = [locate(f, sheets or [], headers) for f in ordered]

    wb = Workbook(write_only=True)
    names = SheetNames()
    names.take(RECEIPT_SHEET)
    by_cell = findings_by_cell(ordered)
    # Only sheets with something to fix are copied back: a clean sheet tells the county nothing new,
    # and copying it is most of the cost of a receipt.
    copies = [(sheet, names.take(sheet.name)) for sheet in sheets or () if by_cell.get(sheet.name)]
    copy_name = {sheet.name: name for sheet, name in copies}
    first_col = {sheet.name: sheet.col0 + 1 for sheet, _ in copies}

    _write_receipt_sheet(
        wb.create_sheet(RECEIPT_SHEET),
        unit_code=unit_code,
        unit_name=unit_name,
        file_name=file_name,
        period=period,
        status=status,
        received_at=received_at,
        deadline=deadline,
        summary=summary,
        findings=ordered,
        copy_name=copy_name,
        first_col=first_col,
        attached=attached_text(sheets, copy_name, ordered),
        superseded=superseded,
        timeliness_settled=timeliness_settled,
    )
    for sheet, name in copies:
        write_copy(wb.create_sheet(name), sheet, by_cell.get(sheet.name, {}), headers.get(sheet.name))

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = part_path(path, os.getpid())
    try:
        tmp.write_bytes(stable_bytes(wb))  # no time inside: the same receipt is the same bytes
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _write_receipt_sheet(
    ws,
    *,
    unit_code,
    unit_name,
    file_name,
    period,
    status,
    received_at,
    deadline,
    summary,
    findings,
    copy_name,
    first_col,
    attached,
    superseded,
    timeliness_settled,
) -> None:
    for i, width in enumerate(_TABLE_WIDTHS, 1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9"  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.sheet_properties.tabColor = RESULT_COLOR[status]

    n_err = sum(f.severity == ERROR for f in findings)
    n_warn = sum(f.severity == WARNING for f in findings)
    n_explained = sum(f.severity == WARNING and f.explained for f in findings)
    if status == REJECTED:
        next_step = NEXT_STEP_REJECTED
    elif superseded:
        next_step = NEXT_STEP_SUPERSEDED
    elif any(f.asks_for_explanation and not f.explained for f in findings):
        next_step = NEXT_STEP_WARNINGS
    elif n_warn:
        next_step = NEXT_STEP_NOTED
    else:
        next_step = NEXT_STEP_CLEAN
    counts = f"错误 {n_err} 条 / 提示 {n_warn} 条"
    if n_explained:
        counts += f"（其中 {n_explained} 条已在备注中说明）"

    facts: list[tuple[str, str, object]] = [
        ("填报单位", f"{unit_code} {unit_name}".strip(), None),
        ("文件名", file_name, None),
        ("报告期", _period_text(period), None),
        ("接收时间", f"{received_at:%Y-%m-%d %H:%M}", None),
        ("报送截止", f"{deadline:%Y-%m-%d}" if deadline else "—", None),
        (
            "是否按时",
            _on_time_text(received_at, deadline, status == REJECTED and not timeliness_settled),
            None,
        ),
        ("审核结果", STATUS_TEXT[status], Font(bold=True, size=20, color=RESULT_COLOR[status])),
        ("审核说明", summary or "", None),
        ("审核发现", counts, Font(bold=True)),
        ("下一步", next_step, Font(bold=True, color=RESULT_COLOR[status])),
        ("附表", attached, None),
    ]

    row = 1
    ws.row_dimensions[row].height = 32
    ws.merged_cells.add(f"A{row}:{_LAST_COL}{row}")
    rows = CopiedRows(ws)  # as ws.append (receipt_rows)
    rows.append(
        [styled_cell(ws, TITLE, font=Font(bold=True, size=18), alignment=Alignment(horizontal="center"))]
    )
    rows.append([])
    row = 3
    for label, value, font in facts:
        ws.merged_cells.add(f"A{row}:B{row}")
        ws.merged_cells.add(f"C{row}:{_LAST_COL}{row}")
        if label == "审核结果":
            ws.row_dimensions[row].height = 30
        elif len(value) > 90:
            ws.row_dimensions[row].height = 15 * (len(value) // 90 + 1)
        rows.append(
            [
                styled_cell(ws, label, font=LABEL_FONT, fill=LABEL_FILL, alignment=WRAP),
                None,
                styled_cell(ws, value, font=font, alignment=Alignment(wrap_text=True, vertical="center")),
            ]
        )
        row += 1

    rows.append([])
    rows.append([styled_cell(ws, "审核发现明细", font=Font(bold=True, size=12))])
    row += 2
    rows.append(
        [styled_cell(ws, h, font=LABEL_FONT, fill=HEADER_FILL, border=BORDER) for h in _TABLE_HEADERS]
    )
    ws.print_title_rows = f"{row}:{row}"
    if not findings:
        rows.append([styled_cell(ws, "无", border=BORDER)])
    for i, f in enumerate(findings, 1):
        row += 1
        # wrapped cells do not grow by themselves in every viewer: size the row for its longest text
        title = _rule_text(f)
        lines = max(
            sum(-(-len(part) // 30) for part in f.message.split("\n")),  # a CJK character is about two
            # width units; the column is 64
            -(-len(f.value or "") // 9),
            -(-len(_column_text(f)) // 11),
            -(-len(title) // 7),
            1,
        )
        ws.row_dimensions[row].height = 15 * lines + 3
        target = None
        if f.sheet in copy_name and f.row:
            # the cell the copy marks: a row-level finding marks the row's first cell
            col = f.col_index or first_col[f.sheet]
            target = f"{quote_sheetname(copy_name[f.sheet])}!{get_column_letter(col)}{f.row}"
        row_cell = styled_cell(ws, f.row if f.row else "整表", border=BORDER, alignment=WRAP_CENTER)
        if target:
            row_cell.hyperlink = Hyperlink(ref="", location=target, tooltip="转到原表单元格")
            style(row_cell, font=LINK_FONT, border=BORDER, alignment=WRAP_CENTER)
        rows.append(
            [
                styled_cell(ws, i, border=BORDER, alignment=WRAP_CENTER),
                styled_cell(
                    ws,
                    severity_text(f),
                    border=BORDER,
                    alignment=WRAP_CENTER,
                    font=SEVERITY_FONT.get(f.severity),
                    fill=fill_of([f]),
                ),
                styled_cell(ws, f.sheet or "—", border=BORDER, alignment=WRAP),
                row_cell,
                styled_cell(ws, _column_text(f), border=BORDER, alignment=WRAP),
                styled_cell(ws, f.value if f.value is not None else "", border=BORDER, alignment=WRAP),
                styled_cell(ws, title, border=BORDER, alignment=WRAP),
                styled_cell(ws, f.message, border=BORDER, alignment=WRAP),
            ]
        )
    rows.close()


def _period_text(period: str | None) -> str:
    if not period:
        return "未能识别"
    try:
        return f"{Period.parse(period).label}（{period}）"
    except ValueError:
        return period


def _on_time_text(received_at: dt.datetime, deadline: dt.date | None, still_to_earn: bool) -> str:
    """``still_to_earn``: a rejected return while no return of the period was accepted yet:
    timeliness is the first accepted return's, so arriving on time is not enough."""
    if deadline is None:
        return "—"
    late = (received_at.date() - deadline).days
    if late > 0:
        return f"逾期 {late} 天"
    if still_to_earn:
        return f"截止日前送达，但未受理；须在{deadline:%Y-%m-%d}前重新报送并受理才计为按时"
    return "按时"


def _rule_text(f: Finding) -> str:
    """The 规则 column: the rule's short name; each rule's, for a merged line."""
    if isinstance(f, MergedFinding):
        return "、".join(dict.fromkeys(rule_title(p.rule_id) for p in f.parts))
    return rule_title(f.rule_id)


def _column_text(f: Finding) -> str:
    name = f.column
    if not name and f.field:
        fields = {x.name: x for x in FIELDS_BY_SHEET.get(f.sheet or "", ())}
        spec = fields.get(f.field) or PROJECT_FIELD.get(f.field) or RECOGNITION_FIELD.get(f.field)
        name = spec.header if spec else f.field
    if f.col_index:
        letter = f"{get_column_letter(f.col_index)}列"
        return f"{name}（{letter}）" if name else letter
    return name or ""
