"""The one writer of return workbooks, for the demo city, the tests and the scripts (NOT the product).

:func:`write_return` lays out a county return (项目表, 认定表, a hidden ``_meta`` sheet) the way
offices fill it (title rows, header aliases, shuffled columns, blank rows, a 合计 row, amounts in
元, .xls) and writes every cell as given, so a test can plant exactly what it means to; it tells
which Excel row each data row landed on. :func:`save_workbook` writes any grid of cells as
``.xlsx`` (openpyxl) or ``.xls`` (xlwt), chosen by the file's suffix.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
import xlwt

from techreform.reference import schema

Grid = dict[int, dict[int, Any]]  # 1-based row → {1-based column: value}

_AMOUNT_FACTORS = {"万元": 1.0, "元": 1e4, "亿元": 1e-4}


@dataclass
class Sheet:
    """One worksheet: its cells, an optional merged range, hidden or not."""

    name: str
    cells: Grid
    merge: tuple[int, int, int, int] | None = None  # (row1, col1, row2, col2), 1-based; covered cells dropped
    hidden: bool = False
    text: bool = False  # every cell written as text (number format "@")

    @classmethod
    def from_rows(cls, name: str, rows: Iterable[Sequence[Any]], **kw: Any) -> Sheet:
        """A sheet from a list of rows (None for an empty cell)."""
        cells = {
            r: {c: v for c, v in enumerate(row, start=1) if v is not None}
            for r, row in enumerate(rows, start=1)
        }
        return cls(name, cells, **kw)


def save_workbook(path: Path | str, sheets: Sequence[Sheet], *, date_format: str = "yyyy-mm") -> Path:
    """Write the sheets, in order, as .xls when the path says so and as .xlsx otherwise.

    Strings stay text (even ``=B4`` or ``2025-03``); dates and datetimes get ``date_format``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".xls":
        _save_xls(path, sheets, date_format)
    else:
        _save_xlsx(path, sheets, date_format)
    return path


def write_table(path: Path | str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Path:
    """A plain table on ``Sheet1``: a header line and its rows (statistics extracts, targets)."""
    return save_workbook(path, [Sheet.from_rows("Sheet1", [list(columns), *map(list, rows)])])


def _covered(sheet: Sheet, r: int, c: int) -> bool:
    if sheet.merge is None:
        return False
    r1, c1, r2, c2 = sheet.merge
    return r1 <= r <= r2 and c1 <= c <= c2 and (r, c) != (r1, c1)


def _save_xlsx(path: Path, sheets: Sequence[Sheet], date_format: str) -> None:
    wb = openpyxl.Workbook()
    wb.remove(wb.worksheets[0])
    for sheet in sheets:
        ws = wb.create_sheet(sheet.name)
        for r, cells in sheet.cells.items():
            for c, v in cells.items():
                if _covered(sheet, r, c):
                    continue
                if sheet.text:
                    ws.cell(r, c, str(v)).number_format = "@"
                    continue
                cell = ws.cell(r, c, v)
                if isinstance(v, dt.date | dt.datetime):
                    cell.number_format = date_format
                elif isinstance(v, str):
                    cell.data_type = "s"  # text as typed, even "=..." or "2025-03"
        if sheet.merge:
            r1, c1, r2, c2 = sheet.merge
            ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)
        if sheet.hidden:
            ws.sheet_state = "hidden"
    wb.save(path)


def _save_xls(path: Path, sheets: Sequence[Sheet], date_format: str) -> None:
    book = xlwt.Workbook(encoding="utf-8")
    date_style = xlwt.easyxf(num_format_str=date_format)
    for sheet in sheets:
        ws = book.add_sheet(sheet.name)
        if sheet.merge:
            r1, c1, r2, c2 = sheet.merge
            ws.write_merge(r1 - 1, r2 - 1, c1 - 1, c2 - 1, sheet.cells.get(r1, {}).get(c1, ""))
        for r, cells in sheet.cells.items():
            for c, v in cells.items():
                if _covered(sheet, r, c) or (sheet.merge and (r, c) == sheet.merge[:2]):
                    continue
                if sheet.text:
                    ws.write(r - 1, c - 1, str(v))
                elif isinstance(v, dt.date | dt.datetime):
                    ws.write(r - 1, c - 1, v, date_style)
                else:
                    ws.write(r - 1, c - 1, v)
        if sheet.hidden:
            ws.visibility = 1
    book.save(str(path))


# ---------------------------------------------------------------------------------------------
# A county return


@dataclass
class ReturnFile:
    """What ``write_return`` wrote: the file and the Excel row of every data row."""

    path: Path
    rows: list[int]  # Excel row (1-based) of project row i
    header_row: int
    columns: dict[str, int]  # field → 1-based Excel column
    rec_rows: list[int] = field(default_factory=list)
    total_row: int | None = None


def _scaled(value: Any, factor: float) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        out = value * factor
        return round(out, 6) if isinstance(out, float) else out
    return value


def write_return(
    path: Path | str,
    project_rows: Sequence[Mapping[str, Any]],
    *,
    fields: Iterable[str] | None = None,
    headers: Mapping[str, str] | None = None,
    shuffle: int | None = None,
    title_rows: Sequence[str | None] = (),
    merge_title: bool = False,
    start_col: int = 1,
    blank_rows_after: Iterable[int] = (),
    total_row: str | Mapping[str, Any] | None = None,
    total_row_at: str = "end",
    numbering_row: bool = False,
    amount_unit: str = "万元",
    scale_amounts: bool = True,
    meta: Mapping[str, str] | None = None,
    recognitions: Sequence[Mapping[str, Any]] | None = None,
    rec_headers: Mapping[str, str] | None = None,
    sheet_name: str = schema.PROJECT_SHEET,
    date_format: str = "yyyy-mm",
) -> ReturnFile:
    """Write a return workbook (.xlsx by openpyxl, .xls by xlwt, chosen by the suffix).

    project_rows  row dicts (field → cell value; a missing key or None is an empty cell)
    fields        the columns written, in order (default: every 项目表 field)
    headers       field → header text, to write aliases or odd spellings
    shuffle       seed: write the columns in a shuffled order
    title_rows    lines above the header (column ``start_col``; None for an empty line);
                  merge_title merges the first across the table
    start_col     1-based column of the table's first column
    blank_rows_after  data indices after which an empty row is written (-1: right under the header)
    total_row     a label (合计/小计) for a totals row (amounts summed), or the whole row as
                  {field: cell}; total_row_at "end" or "top" (right under the header, as many
                  statistics forms have it)
    numbering_row a 甲/乙/1/2/3 line right under the header
    amount_unit   万元 | 元 | 亿元: header says so (unless ``headers`` names it) and, with
                  ``scale_amounts``, numeric amounts given in 万元 are scaled to it (text as given);
                  without it the cells are taken as already typed in that unit
    meta          a hidden ``_meta`` sheet with these key/value rows
    recognitions  rows of a 认定表 sheet (an empty list writes its header only)
    """
    project_rows = list(project_rows)
    names = list(fields) if fields is not None else [f.name for f in schema.PROJECT_FIELDS]
    if shuffle is not None:
        random.Random(shuffle).shuffle(names)
    head = {**{f.name: f.header for f in schema.PROJECT_FIELDS}, **(headers or {})}
    factor = _AMOUNT_FACTORS[amount_unit] if scale_amounts else 1.0
    header_texts = []
    for n in names:
        text = head[n]
        if n in schema.AMOUNT_FIELDS and amount_unit != "万元" and not (headers and n in headers):
            text = text.replace("（万元）", f"（{amount_unit}）")
        header_texts.append(text)

    grid: Grid = {}
    r = 1
    for line in title_rows:
        if line is not None:
            grid[r] = {start_col: line}
        r += 1
    header_row = r
    grid[r] = {start_col + j: h for j, h in enumerate(header_texts)}
    columns = {n: start_col + j for j, n in enumerate(names)}
    r += 1
    if numbering_row:
        labels: list[Any] = ["甲", "乙", *range(1, len(names) - 1)]
        grid[r] = {start_col + j: labels[j] for j in range(len(names))}
        r += 1
    total_at = None

    def write_total() -> None:
        nonlocal r, total_at
        total_at = r
        if isinstance(total_row, Mapping):
            grid[r] = {columns[n]: v for n, v in total_row.items() if n in columns and v is not None}
        else:
            grid[r] = {columns.get("seq", start_col): total_row}
            for n in schema.AMOUNT_FIELDS:
                if n in columns:
                    vals = [x.get(n) for x in project_rows if isinstance(x.get(n), int | float)]
                    grid[r][columns[n]] = _scaled(sum(vals), factor)
        r += 1

    if total_row and total_row_at == "top":
        write_total()
    blanks = set(blank_rows_after)
    if -1 in blanks:
        r += 1
    data_rows: list[int] = []
    for i, row in enumerate(project_rows):
        grid[r] = {}
        for n, v in row.items():
            if n in columns and v is not None:
                grid[r][columns[n]] = _scaled(v, factor) if n in schema.AMOUNT_FIELDS else v
        data_rows.append(r)
        r += 1
        if i in blanks:
            r += 1
    if total_row and total_row_at == "end":
        write_total()

    last_col = start_col + len(names) - 1
    merge = (1, start_col, 1, last_col) if merge_title and title_rows and title_rows[0] is not None else None
    sheets = [Sheet(sheet_name, grid, merge=merge)]
    rec_data_rows: list[int] = []
    if recognitions is not None:
        rhead = {**{f.name: f.header for f in schema.RECOGNITION_FIELDS}, **(rec_headers or {})}
        rnames = [f.name for f in schema.RECOGNITION_FIELDS]
        rec_grid: Grid = {1: {j + 1: rhead[n] for j, n in enumerate(rnames)}}
        for i, rec in enumerate(recognitions):
            rec_grid[i + 2] = {rnames.index(n) + 1: v for n, v in rec.items() if v is not None}
            rec_data_rows.append(i + 2)
        sheets.append(Sheet(schema.RECOGNITION_SHEET, rec_grid))
    if meta is not None:
        meta_rows = [["key", "value"], *([k, v] for k, v in meta.items())]
        sheets.append(Sheet.from_rows(schema.METADATA_SHEET, meta_rows, hidden=True, text=True))
    path = save_workbook(path, sheets, date_format=date_format)
    return ReturnFile(path, data_rows, header_row, columns, rec_data_rows, total_at)


__all__ = ["ReturnFile", "Sheet", "save_workbook", "write_return", "write_table"]
