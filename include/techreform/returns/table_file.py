"""Reading one table from a workbook other than a return (the statistics extract, the targets) with
the same tolerance as a return: any visible sheet, title rows, aliases, column order, units, .xls."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from python_calamine import CalamineWorkbook

from techreform.returns.model import Sheet, UnreadableWorkbook
from techreform.returns.reader import open_workbook
from techreform.returns.table import read_sheet


def open_table_workbook(path: Path) -> CalamineWorkbook:
    """The workbook, opened as a return is (``reader.open_workbook``); UnreadableWorkbook if it
    cannot be."""
    try:
        return open_workbook(path)
    except Exception as e:  # calamine raises several error types for broken or partial files
        raise UnreadableWorkbook(str(e)) from e


def read_table(path: Path, kind: str, required: Sequence[str] = ()) -> Sheet | None:
    """The first visible sheet whose header names every ``required`` field (the one with the most
    rows when several do); None when no sheet has such a header."""
    wb = open_table_workbook(path)
    try:
        names = [s.name for s in wb.sheets_metadata if str(s.visible).endswith("Visible")]
    except Exception as e:
        raise UnreadableWorkbook(str(e)) from e
    best: Sheet | None = None
    for name in names or list(wb.sheet_names):
        try:
            sh = wb.get_sheet_by_name(name)
            grid = sh.to_python(skip_empty_area=False)
            merged = sh.merged_cell_ranges or []
        except Exception as e:
            raise UnreadableWorkbook(str(e)) from e
        sheet = read_sheet(name, grid, merged, kind)
        if sheet is None or any(f not in sheet.columns for f in required):
            continue
        if best is None or len(sheet.rows) > len(best.rows):
            best = sheet
    return best
