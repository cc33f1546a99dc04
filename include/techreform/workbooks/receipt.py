"""Receipts (回执): the answer a county office gets for every return it drops (DESIGN.md §1, §3.1).

A receipt is one .xlsx workbook:

1. sheet ``回执``: the key facts (unit, file, period, received time, deadline, on time or not),
   the result (受理 / 退回) in large coloured text, one sentence saying why, the number of errors
   and warnings, what to do next, and a table of every finding located by sheet, row and column;
2. then a copy of every sheet of the county's own file, cell for cell at the same Excel row and
   column, with each cell a finding points at filled red (error) or yellow (warning) and a comment
   holding the message(s).

The workbook is written with openpyxl's write-only mode (streamed, about ten times faster than a
normal workbook) and moved into place atomically, so a county never opens a half-written file.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import os
import re
import weakref
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.hyperlink import Hyperlink
from python_calamine import CalamineWorkbook, SheetVisibleEnum

from techreform.reference.periods import Period
from techreform.reference.schema import (
    FIELDS_BY_SHEET,
    INSTRUCTIONS_SHEET,
    METADATA_SHEET,
    PROJECT_FIELD,
    PROJECT_SHEET,
    RECOGNITION_FIELD,
    RECOGNITION_SHEET,
)
from techreform.returns.headers import find_header
from techreform.returns.model import HEADER_SCAN_ROWS
from techreform.rules import rule_title
from techreform.rules.findings import ERROR, WARNING, Finding, MergedFinding, merge_findings
from techreform.workspace import fitted_name

ACCEPTED = "accepted"
REJECTED = "rejected"
STATUS_TEXT = {ACCEPTED: "受理", REJECTED: "退回"}
SEVERITY_TEXT = {ERROR: "错误", WARNING: "提示"}

RECEIPT_SHEET = "回执"
TITLE = "技术改造项目季报回执"
COMMENT_AUTHOR = "技改统计审核"

NEXT_STEP_REJECTED = "请按下表逐条修改后重新报送，本次报表未被采用，上一次受理的报表继续有效。"
NEXT_STEP_WARNINGS = "已受理；请对提示项在“备注”栏填写核实说明，下次报送时一并更正。"
NEXT_STEP_NOTED = "已受理，本次报表为本期有效报表；提示项请阅知，无需回复。"
NEXT_STEP_CLEAN = "已受理，本次报表为本期有效报表，无需其他操作。"
NEXT_STEP_SUPERSEDED = (
    "已受理，但本期已收到更新的报表，以最新受理的报表为准；本次报表留档备查，无需其他操作。"
)

# Excel's own "Bad" / "Neutral" / "Good" colours: readable when printed in black and white.
ERROR_FILL_COLOR = "FFC7CE"
WARNING_FILL_COLOR = "FFEB9C"
ERROR_FILL = PatternFill("solid", fgColor=ERROR_FILL_COLOR)
WARNING_FILL = PatternFill("solid", fgColor=WARNING_FILL_COLOR)
EXPLAINED_FILL_COLOR = "E7E6E6"  # a warning already explained in 备注: nothing left to do
EXPLAINED_FILL = PatternFill("solid", fgColor=EXPLAINED_FILL_COLOR)
_RESULT_COLOR = {ACCEPTED: "00B050", REJECTED: "C00000"}
_SEVERITY_FONT = {ERROR: Font(bold=True, color="C00000"), WARNING: Font(bold=True, color="9C5700")}

DATE_FORMAT = "yyyy-mm"
MAX_COPY_ROWS = 10_000  # a return is 20-200 rows; anything beyond this is stray content
_MAX_CELL_TEXT = 32_767  # Excel's limit for one cell
_SHEET_NAME_BAD = re.compile(r"[\\/*?:\[\]]")

# receipt sheet: 序号, 类别, 工作表, 行号, 栏目, 填报值, 规则, 问题及修改要求
_TABLE_HEADERS = ("序号", "类别", "工作表", "行号", "栏目", "填报值", "规则", "问题及修改要求")
_TABLE_WIDTHS = (6, 8, 12, 8, 24, 20, 16, 64)
_NCOLS = len(_TABLE_HEADERS)
_LAST_COL = get_column_letter(_NCOLS)

_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")
_WRAP_CENTER = Alignment(wrap_text=True, vertical="top", horizontal="center")
_LABEL_FONT = Font(bold=True)
_LABEL_FILL = PatternFill("solid", fgColor="F2F2F2")
_HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
_LINK_FONT = Font(color="0563C1", underline="single")


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
    sheets = _read_source(source) if source is not None else None
    # one line per problem cell: findings of a row about the same cell are merged (the warehouse
    # and findings.csv keep one row per rule and cell)
    ordered = merge_findings(_on_source_sheets(findings, sheets or []))
    marked = {f.sheet for f in ordered}
    headers = {sheet.name: _header_of(sheet) for sheet in sheets or () if sheet.name in marked}
    ordered = [_locate(f, sheets or [], headers) for f in ordered]

    wb = Workbook(write_only=True)
    names = _SheetNames()
    names.take(RECEIPT_SHEET)
    by_cell = _findings_by_cell(ordered)
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
        attached=_attached_text(sheets, copy_name, ordered),
        superseded=superseded,
        timeliness_settled=timeliness_settled,
    )
    for sheet, name in copies:
        _write_copy(wb.create_sheet(name), sheet, by_cell.get(sheet.name, {}), headers.get(sheet.name))

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{os.getpid()}.receipt.part")  # short: the name itself may be long
    try:
        wb.save(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


# --------------------------------------------------------------------------- the county's file


@dataclass
class _SourceSheet:
    name: str
    rows: list[list]  # calamine values, the first row/column at (row0, col0)
    row0: int = 0  # 0-based Excel row of rows[0]
    col0: int = 0  # 0-based Excel column of rows[i][0]
    hidden: bool = False
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    truncated: bool = False


def _read_source(source: Path) -> list[_SourceSheet] | None:
    """Every sheet of the county's file except the hidden metadata sheet; None if unreadable."""
    try:
        with CalamineWorkbook.from_path(str(source)) as book:
            out = []
            for meta in book.sheets_metadata:
                if meta.name == METADATA_SHEET:
                    continue
                try:
                    sh = book.get_sheet_by_name(meta.name)
                    rows = sh.to_python(nrows=MAX_COPY_ROWS + 1)
                except Exception:  # a chart or macro sheet: nothing to copy
                    continue
                start = sh.start or (0, 0)
                truncated = len(rows) > MAX_COPY_ROWS
                out.append(
                    _SourceSheet(
                        name=meta.name,
                        rows=rows[:MAX_COPY_ROWS],
                        row0=start[0],
                        col0=start[1],
                        hidden=meta.visible != SheetVisibleEnum.Visible,
                        merged=list(sh.merged_cell_ranges or ()),
                        truncated=truncated,
                    )
                )
            return out
    except Exception:
        return None


# The header row and the columns it names, of one of the county's sheets:
# (0-based Excel row, {0-based Excel column: (field, header as written)}).
_Header = tuple[int, dict[int, tuple[str, str]]] | None


def _header_of(sheet: _SourceSheet) -> _Header:
    """The header of a 项目表 or 认定表, whichever the sheet's header names more columns of."""
    grid: list[list] = [[] for _ in range(min(sheet.row0, HEADER_SCAN_ROWS))]
    for row in sheet.rows[: max(0, HEADER_SCAN_ROWS - sheet.row0)]:
        grid.append([None] * sheet.col0 + list(row))
    try:
        found = [find_header(grid, kind) for kind in (PROJECT_SHEET, RECOGNITION_SHEET)]
    except Exception:  # an odd header is no reason to go without a receipt
        return None
    return max((h for h in found if h), key=lambda h: len(h[1]), default=None)


def _on_source_sheets(findings: list[Finding], sheets: list[_SourceSheet]) -> list[Finding]:
    """Findings whose sheet the file names only slightly differently (spaces, letter case) are
    put on the file's sheet, so that their cells are marked in its copy."""
    names = {s.name for s in sheets}
    loose = {s.name.strip().casefold(): s.name for s in sheets}
    out = []
    for f in findings:
        if f.sheet is not None and f.sheet not in names and f.sheet.strip().casefold() in loose:
            f = dataclasses.replace(f, sheet=loose[f.sheet.strip().casefold()])
        out.append(f)
    return out


def _locate(f: Finding, sheets: list[_SourceSheet], headers: dict[str, _Header]) -> Finding:
    """A merged line about a cell no single finding pointed at (总投资, that the others were
    compared with) gets that cell's column, header and value from the county's sheet."""
    if not isinstance(f, MergedFinding) or f.col_index is not None or not f.row:
        return f
    sheet = next((s for s in sheets if s.name == f.sheet), None)
    header = headers.get(f.sheet or "")
    if sheet is None or header is None:
        return f
    col = next((c for c, (name, _) in header[1].items() if name == f.field), None)
    if col is None:
        return f
    i, j = f.row - 1 - sheet.row0, col - sheet.col0
    row = sheet.rows[i] if 0 <= i < len(sheet.rows) else []
    value = row[j] if 0 <= j < len(row) else None
    return dataclasses.replace(f, col_index=col + 1, column=header[1][col][1], value=_shown(value))


def _shown(v: object) -> str | None:
    """A cell as the county wrote it: 100.0 as 100, a date as yyyy-mm."""
    if v is None or v == "":
        return None
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    if isinstance(v, dt.date):
        return f"{v:%Y-%m}"
    return str(v).strip()


def _attached_text(
    sheets: list[_SourceSheet] | None, copy_name: dict[str, str], findings: list[Finding]
) -> str:
    """What the 附表 line says about the copies of the county's sheets that follow (or do not)."""
    if sheets is None:
        return "原报表无法读取，未附原表副本。"
    shown = [s.name for s in sheets if not s.hidden and s.name != INSTRUCTIONS_SHEET]
    if copy_name:
        text = _quoted(copy_name.values()) + "（原表副本，问题单元格已标色并附批注）"
        rest = [n for n in shown if n not in copy_name]
        if rest:
            text += f"；{_quoted(rest)}未发现需标注的单元格，未附副本"
        return text + "。"
    names = {s.name for s in sheets}
    lost = sorted({f.sheet for f in findings if f.sheet and f.sheet not in names})
    if lost:
        return f"原报表中没有名为{_quoted(lost)}的工作表，未附原表副本；请按下表所列行号核对。"
    if not shown:
        return "原报表没有可复制的工作表。"
    return f"原报表（{_quoted(shown)}）中没有需要标注的单元格，未附原表副本。"


def _quoted(names: Iterable[str]) -> str:
    return "、".join(f"“{n}”" for n in names)


class _SheetNames:
    """Excel sheet names: at most 31 characters, no []:*?/\\, unique ignoring case."""

    def __init__(self) -> None:
        self._used: set[str] = set()

    def take(self, wanted: str) -> str:
        base = _SHEET_NAME_BAD.sub("_", wanted).strip("'") or "Sheet"
        name, n = base[:31], 1
        while name.casefold() in self._used:
            n += 1
            suffix = f"({n})"
            name = base[: 31 - len(suffix)] + suffix
        self._used.add(name.casefold())
        return name


# --------------------------------------------------------------------------- the 回执 sheet


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
    ws.sheet_properties.tabColor = _RESULT_COLOR[status]

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
        ("审核结果", STATUS_TEXT[status], Font(bold=True, size=20, color=_RESULT_COLOR[status])),
        ("审核说明", summary or "", None),
        ("审核发现", counts, Font(bold=True)),
        ("下一步", next_step, Font(bold=True, color=_RESULT_COLOR[status])),
        ("附表", attached, None),
    ]

    row = 1
    ws.row_dimensions[row].height = 32
    ws.merged_cells.add(f"A{row}:{_LAST_COL}{row}")
    ws.append([_cell(ws, TITLE, font=Font(bold=True, size=18), alignment=Alignment(horizontal="center"))])
    ws.append([])
    row = 3
    for label, value, font in facts:
        ws.merged_cells.add(f"A{row}:B{row}")
        ws.merged_cells.add(f"C{row}:{_LAST_COL}{row}")
        if label == "审核结果":
            ws.row_dimensions[row].height = 30
        elif len(value) > 90:
            ws.row_dimensions[row].height = 15 * (len(value) // 90 + 1)
        ws.append(
            [
                _cell(ws, label, font=_LABEL_FONT, fill=_LABEL_FILL, alignment=_WRAP),
                None,
                _cell(ws, value, font=font, alignment=Alignment(wrap_text=True, vertical="center")),
            ]
        )
        row += 1

    ws.append([])
    ws.append([_cell(ws, "审核发现明细", font=Font(bold=True, size=12))])
    row += 2
    ws.append([_cell(ws, h, font=_LABEL_FONT, fill=_HEADER_FILL, border=_BORDER) for h in _TABLE_HEADERS])
    ws.print_title_rows = f"{row}:{row}"
    if not findings:
        ws.append([_cell(ws, "无", border=_BORDER)])
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
        row_cell = _cell(ws, f.row if f.row else "整表", border=_BORDER, alignment=_WRAP_CENTER)
        if target:
            row_cell.hyperlink = Hyperlink(ref="", location=target, tooltip="转到原表单元格")
            _style(row_cell, font=_LINK_FONT, border=_BORDER, alignment=_WRAP_CENTER)
        ws.append(
            [
                _cell(ws, i, border=_BORDER, alignment=_WRAP_CENTER),
                _cell(
                    ws,
                    _severity_text(f),
                    border=_BORDER,
                    alignment=_WRAP_CENTER,
                    font=_SEVERITY_FONT.get(f.severity),
                    fill=_fill([f]),
                ),
                _cell(ws, f.sheet or "—", border=_BORDER, alignment=_WRAP),
                row_cell,
                _cell(ws, _column_text(f), border=_BORDER, alignment=_WRAP),
                _cell(ws, f.value if f.value is not None else "", border=_BORDER, alignment=_WRAP),
                _cell(ws, title, border=_BORDER, alignment=_WRAP),
                _cell(ws, f.message, border=_BORDER, alignment=_WRAP),
            ]
        )


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


def _severity_text(f: Finding) -> str:
    text = SEVERITY_TEXT.get(f.severity, f.severity)
    return f"{text}（已说明）" if f.explained else text


def _fill(fs: list[Finding]) -> PatternFill:
    """Red for an error, yellow for a warning still open, grey when every warning is explained."""
    if any(f.severity == ERROR for f in fs):
        return ERROR_FILL
    return EXPLAINED_FILL if all(f.explained for f in fs) else WARNING_FILL


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


# --------------------------------------------------------------------------- copies of the county's sheets


def _findings_by_cell(findings: list[Finding]) -> dict[str, dict[tuple[int, int | None], list[Finding]]]:
    """sheet -> (row, col_index or None) -> findings; col None means "the row's first cell"."""
    out: dict[str, dict] = defaultdict(lambda: defaultdict(list))
    for f in findings:
        if f.sheet is None or not f.row or f.row < 1 or (f.col_index is not None and f.col_index < 1):
            continue
        out[f.sheet][(f.row, f.col_index)].append(f)
    return out


def _write_copy(
    ws, sheet: _SourceSheet, flagged: dict[tuple[int, int | None], list[Finding]], header: _Header
) -> None:
    first_col = sheet.col0 + 1
    marks: dict[tuple[int, int], list[Finding]] = defaultdict(list)
    for (r, c), fs in flagged.items():
        marks[(r, c or first_col)].extend(fs)
    if sheet.hidden:
        ws.sheet_state = "hidden"
    if marks:
        worst = min((f.severity != ERROR for fs in marks.values() for f in fs), default=True)
        ws.sheet_properties.tabColor = WARNING_FILL_COLOR if worst else "FF0000"

    n_rows = max([sheet.row0 + len(sheet.rows), *(r for r, _ in marks)])
    header_row = header[0] + 1 if header else None  # 1-based
    _print_setup(ws, sheet, _set_widths(ws, sheet, header_row), header)
    taken = [(r, c) for r, c in marks]
    for (r1, c1), (r2, c2) in sheet.merged:
        # a merge hiding a flagged cell (not its top-left) would hide the mark: leave it unmerged
        if any(r1 <= r - 1 <= r2 and c1 <= c - 1 <= c2 and (r - 1, c - 1) != (r1, c1) for r, c in taken):
            continue
        if (r1, c1) != (r2, c2):
            ws.merged_cells.add(f"{get_column_letter(c1 + 1)}{r1 + 1}:{get_column_letter(c2 + 1)}{r2 + 1}")

    marked_rows: dict[int, list[int]] = defaultdict(list)
    for r, c in marks:
        marked_rows[r].append(c)
    pad = [None] * sheet.col0
    for excel_row in range(1, n_rows + 1):
        i = excel_row - 1 - sheet.row0
        src = sheet.rows[i] if 0 <= i < len(sheet.rows) else ()
        values = pad + [_value(ws, v) for v in src]
        if excel_row == header_row:  # long headers wrap, as they do on the template
            values = [_cell(ws, v, alignment=_WRAP_CENTER) if isinstance(v, str) else v for v in values]
            if any(isinstance(v, str) and _width(v) > _HEADER_WRAP for v in src):
                ws.row_dimensions[excel_row].height = 32
        for c in marked_rows.get(excel_row, ()):
            if len(values) < c:
                values.extend([None] * (c - len(values)))
            values[c - 1] = _mark(ws, values[c - 1], marks[(excel_row, c)])
        ws.append(values)
    if sheet.truncated:
        ws.append([_cell(ws, f"（原表超过 {MAX_COPY_ROWS} 行，以下内容未复制）", font=Font(italic=True))])


def _value(ws, v):
    """A calamine value as a cell value; dates get a yyyy-mm format, text is never a formula."""
    if v == "" or v is None:
        return None
    if isinstance(v, str):
        if ILLEGAL_CHARACTERS_RE.search(v) or len(v) > _MAX_CELL_TEXT or (v[0] == "=" and len(v) > 1):
            return _text(ws, v)
        return v
    if isinstance(v, dt.date):  # also datetime
        return _cell(ws, v, number_format=DATE_FORMAT)
    return v


def _mark(ws, value, fs: list[Finding]):
    cell = value if isinstance(value, Cell) else WriteOnlyCell(ws, value)
    fmt = cell.number_format if cell.is_date else None
    _style(cell, fill=_fill(fs), number_format=fmt)
    lines = [f"【{_severity_text(f)}】{f.message}" for f in fs]
    text = _clean("\n".join(lines))
    height = 24 + 18 * sum(len(part) // 22 + 1 for line in lines for part in line.split("\n"))
    cell.comment = Comment(text, COMMENT_AUTHOR, height=min(height, 400), width=320)
    return cell


# Printable width of a landscape page at 100 %, in column-width units (default margins, as
# LibreOffice prints them; Excel fits a little more): a sheet wider than an A4 page is printed on
# A3; wider than that, at 80 % (about 9 pt, as printed statistical forms are) over as many pages
# as it takes.
_A4_WIDE = 105
_A3_WIDE = 155
_WIDE_SCALE = 80
_KEY_FIELDS = {
    PROJECT_SHEET: ("seq", "enterprise_name", "project_name"),
    RECOGNITION_SHEET: ("uscc", "enterprise_name"),
}
_DEFAULT_WIDTH = 8.43


def _print_setup(ws, sheet: _SourceSheet, widths: dict[int, float], header: _Header) -> None:
    """Landscape, A4 or A3: a sheet wider than a page is printed over several pages, each
    repeating the header rows and the columns that say which project a row is (序号 to 项目名称),
    with the cell grid and page numbers printed. (Fitting 25 columns on one page made them unreadable.)"""
    last = sheet.col0 + max((len(r) for r in sheet.rows), default=0)

    def width(c: int) -> float:  # c: 1-based column
        return widths.get(c, _DEFAULT_WIDTH)

    total = sum(width(c) for c in range(sheet.col0 + 1, last + 1))
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9" if total <= _A4_WIDE else "8"  # A4 / A3
    page = _A4_WIDE if total <= _A4_WIDE else _A3_WIDE
    if total > _A3_WIDE:
        ws.page_setup.scale = _WIDE_SCALE
        page = _A3_WIDE * 100 // _WIDE_SCALE
    ws.page_setup.pageOrder = "overThenDown"  # the pages of the same rows one after the other
    ws.print_options.gridLines = True  # the copy has no borders of its own
    ws.oddFooter.center.text = "&A  第 &P 页，共 &N 页"
    if header is None:
        return
    top, columns = header
    # a header of two rows (merged cells reaching down) is repeated whole
    bottom = max([top, *(r2 for (r1, _), (r2, _) in sheet.merged if r1 == top)])
    ws.print_title_rows = f"{top + 1}:{bottom + 1}"
    if total <= page:
        return  # one page wide as it is: nothing to repeat across pages
    kind = PROJECT_SHEET if any(name == "project_name" for name, _ in columns.values()) else RECOGNITION_SHEET
    keys = sorted(c + 1 for c, (name, _) in columns.items() if name in _KEY_FIELDS[kind])
    first = sheet.col0 + 1
    # at most about half the page, so each page still shows a fair part of the rest
    while keys and sum(width(c) for c in range(first, keys[-1] + 1)) > 0.55 * page:
        keys.pop()
    if keys:
        ws.print_title_cols = f"{get_column_letter(first)}:{get_column_letter(keys[-1])}"


_HEADER_WRAP = 12  # a header wider than this is written on two lines


def _width(s: str) -> int:
    """Display width: a CJK character counts double."""
    return len(s) + sum(1 for ch in s if ord(ch) > 0x2E7F)


def _set_widths(ws, sheet: _SourceSheet, header_row: int | None = None) -> dict[int, float]:
    """Column widths from the content (a CJK character counts double), 6 to 40 characters; returns
    them by 1-based column.

    The top-left cell of a merged range (a title) does not widen its column; a long header
    (``header_row``, 1-based) takes two lines."""
    merged_tops = {(r1 - sheet.row0, c1 - sheet.col0) for (r1, c1), (_, c2) in sheet.merged if c2 > c1}
    widths: dict[int, int] = {}
    for i, row in enumerate(sheet.rows[:300]):
        for j, v in enumerate(row):
            if v == "" or v is None or (i, j) in merged_tops:
                continue
            s = v if isinstance(v, str) else ("2025-03" if isinstance(v, dt.date) else str(v))
            w = _width(s)
            if sheet.row0 + i + 1 == header_row and w > _HEADER_WRAP:
                w = -(-w // 2) + 2
            if w > widths.get(j, 0):
                widths[j] = w
    out: dict[int, float] = {}
    for j, w in widths.items():
        out[sheet.col0 + j + 1] = max(6, min(40, w + 2))
        ws.column_dimensions[get_column_letter(sheet.col0 + j + 1)].width = out[sheet.col0 + j + 1]
    return out


# --------------------------------------------------------------------------- cells


def _clean(s: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", s)[:_MAX_CELL_TEXT]


def _text(ws, s: str):
    """A text cell that stays text even if it starts with '=' (no formula injection)."""
    c = WriteOnlyCell(ws, _clean(s))
    c.data_type = "s"
    return c


def _cell(ws, value, *, font=None, fill=None, alignment=None, border=None, number_format=None):
    c = _text(ws, value) if isinstance(value, str) else WriteOnlyCell(ws, value)
    _style(c, font=font, fill=fill, alignment=alignment, border=border, number_format=number_format)
    return c


# Assigning a Font/Fill/... to a cell hashes it to find its index in the workbook's style
# tables; that was the largest single cost of a receipt. The resulting index array is cached
# per workbook and per combination (the style objects are kept alive so their ids stay unique).
_STYLE_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _style(cell, *, font=None, fill=None, alignment=None, border=None, number_format=None) -> None:
    if font is fill is alignment is border is number_format is None:
        return
    cache = _STYLE_CACHE.setdefault(cell.parent.parent, {})
    key = (id(font), id(fill), id(alignment), id(border), number_format)
    hit = cache.get(key)
    if hit is not None:
        cell._style = copy.copy(hit[0])
        return
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    if alignment is not None:
        cell.alignment = alignment
    if border is not None:
        cell.border = border
    if number_format is not None:
        cell.number_format = number_format
    cache[key] = (copy.copy(cell._style), (font, fill, alignment, border))
