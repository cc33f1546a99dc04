"""Opening a return (.xlsx, .xls) and reading its sheets and metadata."""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook, PasswordError

from techreform.reference import schema
from techreform.returns.cellcheck import cell_findings
from techreform.returns.cells import clean_text
from techreform.returns.checks import sheet_findings
from techreform.returns.guard import PROTECTED_MESSAGE, CellError, FileRejected, Limits, inspect
from techreform.returns.model import ParsedReturn, Sheet, UnreadableWorkbook
from techreform.returns.table import read_sheet
from techreform.rules.book import file_finding

log = logging.getLogger(__name__)


def _pick_sheet(names: list[str], wanted: str, hint: str) -> list[str]:
    """Sheet names to try for one of the return's sheets, likeliest first."""
    exact = [n for n in names if n.strip() == wanted]
    near = [n for n in names if hint in n and n not in exact]
    return exact + near + [n for n in names if n not in exact and n not in near]


def read_metadata(wb: CalamineWorkbook) -> dict[str, str]:
    """The template's hidden key/value sheet, if the return still carries it."""
    if schema.METADATA_SHEET not in wb.sheet_names:
        return {}
    meta: dict[str, str] = {}
    for row in wb.get_sheet_by_name(schema.METADATA_SHEET).to_python():
        if len(row) < 2:
            continue
        key, value = clean_text(row[0]), clean_text(row[1])
        if key and value:
            meta[key] = value
    meta.pop("key", None)
    return meta


def open_workbook(path: Path) -> CalamineWorkbook:
    """Open by extension; if that fails, by content (an .xlsx saved under an .xls name opens in Excel)."""
    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception:
        with path.open("rb") as f:
            return CalamineWorkbook.from_filelike(io.BytesIO(f.read()))


def read_return(path: Path, limits: Limits | None = None) -> ParsedReturn:
    """Parse a return workbook. Raises UnreadableWorkbook if it cannot be opened at all, and
    FileRejected if its container is beyond the limits (checked before calamine reads it) or
    it is password-protected. Call it through ``isolation.IsolatedReader`` in intake."""
    limits = limits or Limits.from_env()
    inspection = inspect(path, limits)
    try:
        wb = open_workbook(path)
        visible = [s.name for s in wb.sheets_metadata if str(s.visible).endswith("Visible")]
    except PasswordError as e:
        raise FileRejected("file_protected", PROTECTED_MESSAGE) from e
    except Exception as e:  # calamine raises several error types for broken or partial files
        if "password" in str(e).lower() or "encrypt" in str(e).lower():
            raise FileRejected("file_protected", PROTECTED_MESSAGE) from e
        raise UnreadableWorkbook(str(e)) from e
    if not inspection.error_cells and _sniff_xls(path):
        inspection.error_cells = _xls_error_cells(path)
    # hidden sheets last: a 项目表 hidden behind a decoy sheet is still found, and said to be hidden
    hidden = [n for n in wb.sheet_names if n not in visible and n != schema.METADATA_SHEET]
    names = visible + hidden
    parsed = ParsedReturn(path=path, metadata=read_metadata(wb), projects=None, recognitions=None)

    def load(name: str, kind: str) -> Sheet | None:
        try:
            sh = wb.get_sheet_by_name(name)
            grid = sh.to_python(skip_empty_area=False)
            merged = sh.merged_cell_ranges or []
        except Exception as e:
            raise UnreadableWorkbook(str(e)) from e
        # skip_empty_area=False makes the grid start at A1, so indices are Excel coordinates.
        _put_errors(grid, inspection.error_cells.get(name, {}))
        return read_sheet(name, grid, merged, kind)

    # The project sheet: by name first, but a sheet with rows beats an empty one (the template's
    # 项目表 left blank while the county typed into Sheet1).
    first_with_header: Sheet | None = None
    for name in _pick_sheet(names, schema.PROJECT_SHEET, "项目"):
        sheet = load(name, schema.PROJECT_SHEET)
        if sheet is not None and ("project_name" in sheet.columns or "uscc" in sheet.columns):
            if sheet.rows:
                parsed.projects = sheet
                break
            first_with_header = first_with_header or sheet
    parsed.projects = parsed.projects or first_with_header
    # The recognition sheet: any other sheet whose header names a 认定类别, 认定-named ones first.
    others = [n for n in names if not (parsed.projects and n == parsed.projects.name)]
    for name in sorted(others, key=lambda n: ("认定" not in n, n.strip() != schema.RECOGNITION_SHEET)):
        sheet = load(name, schema.RECOGNITION_SHEET)
        if sheet is not None and "category" in sheet.columns and "project_name" not in sheet.columns:
            parsed.recognitions = sheet
            break
    if parsed.projects is not None:
        _percent_formatted(path, parsed.projects)
    parsed.findings.extend(sheet_findings(parsed))
    for sheet in (parsed.projects, parsed.recognitions):
        if sheet is not None:
            parsed.findings.extend(cell_findings(sheet, limits.text_chars))
            if sheet.name in hidden:
                hint = {"sheet": sheet.name}
                parsed.findings.append(
                    file_finding("hidden_sheet", where=hint, sheet_name=sheet.name, kind=sheet.kind)
                )
    return parsed


def _put_errors(grid: list[list[Any]], errors: dict[tuple[int, int], str]) -> None:
    """Error values where calamine left an empty cell (#DIV/0!) or gave a non-finite number."""
    for (r, c), text in errors.items():
        if r < len(grid):
            line = grid[r]
            if c >= len(line):
                line.extend([""] * (c + 1 - len(line)))
            line[c] = CellError(text)


_PCT_FIELDS = tuple(f.name for f in schema.PROJECT_FIELDS if f.kind == "pct")


def _percent_formatted(path: Path, sheet: Sheet) -> None:
    """15% typed into Excel is stored as 0.15 in a %-formatted cell, and calamine gives no formats:
    for the few numbers small enough to be such a fraction, ask openpyxl (xlrd for an .xls) for
    the cell's format. Text such as "15%" is read as 15 anyway."""
    suspects = [
        (row, name)
        for row in sheet.rows
        for name in _PCT_FIELDS
        if isinstance(row.get(f"{name}__raw"), int | float)
        and not isinstance(row.get(f"{name}__raw"), bool)
        and row.get(name) is not None
        and 0 < abs(row[name]) < _PCT_FRACTION_BELOW[name]
    ]
    if not suspects:
        return
    at = {(row["_row"], sheet.columns[name].index): (row, name) for row, name in suspects}
    for r, c in _percent_cells(path, sheet.name, list(at)):
        row, name = at[(r, c)]
        row[name] = round(row[name] * 100, 6)


# The largest fraction a %-formatted value of the field could be: staff and energy cut by 100% or
# more do not happen, while efficiency may rise by up to 500% (DESIGN.md §3.1). A plain 0.5 (%)
# is rare, a plain 3.5 (%) is not: those cells are the ones whose format is asked.
_PCT_FRACTION_BELOW = {"staff_reduction_pct": 1.0, "energy_reduction_pct": 1.0, "efficiency_gain_pct": 5.0}


def _percent_cells(path: Path, sheet_name: str, cells: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Which of these (Excel row, column) cells carry a percentage format."""
    try:
        if _sniff_xls(path):
            import xlrd

            book = xlrd.open_workbook(str(path), formatting_info=True, on_demand=True)
            ws = book.sheet_by_name(sheet_name)
            out = []
            for r, c in cells:
                xf = book.xf_list[ws.cell_xf_index(r - 1, c - 1)]
                if "%" in book.format_map[xf.format_key].format_str:
                    out.append((r, c))
            book.release_resources()
            return out
        return _percent_cells_xlsx(path, sheet_name, cells)
    except Exception:  # a workbook these readers take otherwise than calamine: keep its values
        log.debug("number formats of %s not read", path, exc_info=True)
        return []


def _percent_cells_xlsx(path: Path, sheet_name: str, cells: list[tuple[int, int]]) -> list[tuple[int, int]]:
    import openpyxl

    wanted = set(cells)
    rows, cols = [r for r, _ in cells], [c for _, c in cells]
    wb = openpyxl.load_workbook(path, read_only=True)
    try:  # one pass over the block that holds them: a read-only sheet is a stream
        block = wb[sheet_name].iter_rows(min(rows), max(rows), min(cols), max(cols))
        # by position: a cell missing from the file comes as EMPTY_CELL, which has no row or column
        return [
            (r, c)
            for r, line in enumerate(block, start=min(rows))
            for c, cell in enumerate(line, start=min(cols))
            if (r, c) in wanted and "%" in (cell.number_format or "")
        ]
    finally:
        wb.close()


def _sniff_xls(path: Path) -> bool:
    """An .xls (BIFF) file, whatever its name says: its bytes start with the OLE2 signature."""
    with path.open("rb") as f:
        return f.read(8) == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _xls_error_cells(path: Path) -> dict[str, dict[tuple[int, int], str]]:
    """Error values of an .xls (calamine reads them as empty cells), by sheet: xlrd knows them."""
    import xlrd

    out: dict[str, dict[tuple[int, int], str]] = {}
    try:
        book = xlrd.open_workbook(str(path), on_demand=True)
        try:
            for name in book.sheet_names():
                ws = book.sheet_by_name(name)
                out[name] = {
                    # the stub types cell_value as str; an error cell holds its int code
                    (r, c): xlrd.error_text_from_code.get(ws.cell_value(r, c), "#错误")  # type: ignore[call-overload]
                    for r in range(ws.nrows)
                    for c, kind in enumerate(ws.row_types(r))
                    if kind == xlrd.XL_CELL_ERROR
                }
                book.unload_sheet(name)
        finally:
            book.release_resources()
    except Exception:  # a file xlrd takes otherwise than calamine: its errors stay unseen
        log.debug("error cells of %s not read", path, exc_info=True)
    return out
