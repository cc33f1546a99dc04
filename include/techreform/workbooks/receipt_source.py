"""The county's own sheets copied into the receipt, each problem cell marked, printed over pages."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.comments import Comment
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from python_calamine import CalamineWorkbook, SheetVisibleEnum

from techreform.reference.schema import (
    INSTRUCTIONS_SHEET,
    METADATA_SHEET,
    PROJECT_SHEET,
    RECOGNITION_SHEET,
)
from techreform.returns.headers import find_header
from techreform.returns.model import HEADER_SCAN_ROWS
from techreform.rules.findings import ERROR, Finding, MergedFinding
from techreform.workbooks.receipt_rows import CopiedRows
from techreform.workbooks.receipt_style import (
    COMMENT_AUTHOR,
    DATE_FORMAT,
    MAX_CELL_TEXT,
    WARNING_FILL_COLOR,
    WRAP_CENTER,
    clean,
    fill_of,
    severity_text,
    style,
    styled_cell,
    text_cell,
)

MAX_COPY_ROWS = 10_000  # a return is 20-200 rows; anything beyond this is stray content


_SHEET_NAME_BAD = re.compile(r"[\\/*?:\[\]]")


@dataclass
class SourceSheet:
    name: str
    rows: list[list]  # calamine values, the first row/column at (row0, col0)
    row0: int = 0  # 0-based Excel row of rows[0]
    col0: int = 0  # 0-based Excel column of rows[i][0]
    hidden: bool = False
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    truncated: bool = False


def read_source(source: Path) -> list[SourceSheet] | None:
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
                    SourceSheet(
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


def header_of(sheet: SourceSheet) -> _Header:
    """The header of a 项目表 or 认定表, whichever the sheet's header names more columns of."""
    grid: list[list] = [[] for _ in range(min(sheet.row0, HEADER_SCAN_ROWS))]
    for row in sheet.rows[: max(0, HEADER_SCAN_ROWS - sheet.row0)]:
        grid.append([None] * sheet.col0 + list(row))
    try:
        found = [find_header(grid, kind) for kind in (PROJECT_SHEET, RECOGNITION_SHEET)]
    except Exception:  # an odd header is no reason to go without a receipt
        return None
    return max((h for h in found if h), key=lambda h: len(h[1]), default=None)


def on_source_sheets(findings: list[Finding], sheets: list[SourceSheet]) -> list[Finding]:
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


def locate(f: Finding, sheets: list[SourceSheet], headers: dict[str, _Header]) -> Finding:
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
    return dataclasses.replace(f, col_index=col + 1, column=header[1][col][1], value=shown_value(value))


def shown_value(v: object) -> str | None:
    """A cell as the county wrote it: 100.0 as 100, a date as yyyy-mm."""
    if v is None or v == "":
        return None
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    if isinstance(v, dt.date):
        return f"{v:%Y-%m}"
    return str(v).strip()


def attached_text(
    sheets: list[SourceSheet] | None, copy_name: dict[str, str], findings: list[Finding]
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


class SheetNames:
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


def findings_by_cell(findings: list[Finding]) -> dict[str, dict[tuple[int, int | None], list[Finding]]]:
    """sheet -> (row, col_index or None) -> findings; col None means "the row's first cell"."""
    out: dict[str, dict] = defaultdict(lambda: defaultdict(list))
    for f in findings:
        if f.sheet is None or not f.row or f.row < 1 or (f.col_index is not None and f.col_index < 1):
            continue
        out[f.sheet][(f.row, f.col_index)].append(f)
    return out


def write_copy(
    ws, sheet: SourceSheet, flagged: dict[tuple[int, int | None], list[Finding]], header: _Header
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
    print_setup(ws, sheet, set_widths(ws, sheet, header_row), header)
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
    out = CopiedRows(ws)  # as ws.append, much faster (receipt_rows)
    for excel_row in range(1, n_rows + 1):
        i = excel_row - 1 - sheet.row0
        src = sheet.rows[i] if 0 <= i < len(sheet.rows) else ()
        values = pad + [v if type(v) is float else _value(ws, v) for v in src]  # most are numbers
        if excel_row == header_row:  # long headers wrap, as they do on the template
            values = [styled_cell(ws, v, alignment=WRAP_CENTER) if isinstance(v, str) else v for v in values]
            if any(isinstance(v, str) and _width(v) > _HEADER_WRAP for v in src):
                ws.row_dimensions[excel_row].height = 32
        for c in marked_rows.get(excel_row, ()):
            if len(values) < c:
                values.extend([None] * (c - len(values)))
            values[c - 1] = _mark(ws, values[c - 1], marks[(excel_row, c)])
        out.append(values)
    if sheet.truncated:
        out.append(
            [styled_cell(ws, f"（原表超过 {MAX_COPY_ROWS} 行，以下内容未复制）", font=Font(italic=True))]
        )
    out.close()


def _value(ws, v):
    """A calamine value as a cell value; dates get a yyyy-mm format, text is never a formula."""
    if v == "" or v is None:
        return None
    if isinstance(v, str):
        if ILLEGAL_CHARACTERS_RE.search(v) or len(v) > MAX_CELL_TEXT or (v[0] == "=" and len(v) > 1):
            return text_cell(ws, v)
        return v
    if isinstance(v, dt.date):  # also datetime
        return styled_cell(ws, v, number_format=DATE_FORMAT)
    return v


def _mark(ws, value, fs: list[Finding]):
    cell = value if isinstance(value, Cell) else WriteOnlyCell(ws, value)
    fmt = cell.number_format if cell.is_date else None
    style(cell, fill=fill_of(fs), number_format=fmt)
    lines = [f"【{severity_text(f)}】{f.message}" for f in fs]
    text = clean("\n".join(lines))
    height = 24 + 18 * sum(len(part) // 22 + 1 for line in lines for part in line.split("\n"))
    cell.comment = Comment(text, COMMENT_AUTHOR, height=min(height, 400), width=320)
    return cell


# Printable width of a landscape page at 100 %, in column-width units (default margins, as
# LibreOffice prints them; Excel fits a little more): a sheet wider than an A4 page is printed on
# A3; wider than that, at 80 % (about 9 pt, as printed statistical forms are) over as many pages
# as it takes.
A4_WIDE = 105


_A3_WIDE = 155


_WIDE_SCALE = 80


_KEY_FIELDS = {
    PROJECT_SHEET: ("seq", "enterprise_name", "project_name"),
    RECOGNITION_SHEET: ("uscc", "enterprise_name"),
}


_DEFAULT_WIDTH = 8.43


def print_setup(ws, sheet: SourceSheet, widths: dict[int, float], header: _Header) -> None:
    """Landscape, A4 or A3: a sheet wider than a page is printed over several pages, each
    repeating the header rows and the columns that say which project a row is (序号 to 项目名称),
    with the cell grid and page numbers printed. (Fitting 25 columns on one page made them unreadable.)"""
    last = sheet.col0 + max((len(r) for r in sheet.rows), default=0)

    def width(c: int) -> float:  # c: 1-based column
        return widths.get(c, _DEFAULT_WIDTH)

    total = sum(width(c) for c in range(sheet.col0 + 1, last + 1))
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9" if total <= A4_WIDE else "8"  # A4 / A3
    page = A4_WIDE if total <= A4_WIDE else _A3_WIDE
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


_NARROW = re.compile("[\x00-\u2e7f]+")


def _width(s: str) -> int:
    """Display width: a CJK character (above U+2E7F) counts double.

    >>> _width("abc"), _width("技改2026"), _width("\u2e7f\u2e80")
    (3, 8, 3)
    """
    if s.isascii():
        return len(s)
    return len(s) + len(_NARROW.sub("", s))


def set_widths(ws, sheet: SourceSheet, header_row: int | None = None) -> dict[int, float]:
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
