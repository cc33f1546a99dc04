"""What the product's report workbooks share: titles, tables, print setup, and a stable save (the
same content gives the same bytes, so a rerun that changes nothing leaves the file alone)."""

from __future__ import annotations

import datetime as dt
import io
import os
import zipfile
from collections.abc import Sequence
from copy import copy
from itertools import repeat
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from techreform.workbooks import streamed

FIXED_TIME = dt.datetime(2000, 1, 1)
TITLE_FONT = Font(name="宋体", size=14, bold=True)
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
TOTAL_FONT = Font(bold=True)
TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
THIN = Side(style="thin", color="999999")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="center")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
AMOUNT_FORMAT = "#,##0.0"
PERCENT_FORMAT = "0.0"
_FORMULA_START = ("=", "+", "-", "@")


def inert(value: Any) -> Any:
    """A text shown in a workbook never becomes a formula (openpyxl writes '=…' strings as formulas)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value if value[:1] == "=" else value
    return value


def title(ws: Worksheet, text: str, columns: int, subtitle: str | None = None) -> int:
    """A merged title (and subtitle) over ``columns``; returns the next free row."""
    ws.cell(row=1, column=1, value=text).font = TITLE_FONT
    ws.cell(row=1, column=1).alignment = CENTER
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(columns, 1))
    ws.row_dimensions[1].height = 28
    row = 2
    if subtitle:
        ws.cell(row=2, column=1, value=subtitle).alignment = Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=max(columns, 1))
        ws.row_dimensions[2].height = 18 * max(1, len(subtitle) // (6 * max(columns, 1)) + 1)
        row = 3
    return row


def code_width(profile: Any) -> float:
    """The width of a column of unit codes: 9 for 6-digit division codes, more for a township's
    9- or 12-digit statistical code (so that it does not wrap)."""
    longest = max((len(u.code) for u in profile.units), default=6)
    return max(9.0, longest + 2.5)


def _text_width(text: str) -> float:
    """Width in Excel's column units: a Chinese character takes about two."""
    return sum(2.0 if ord(ch) > 0x2E80 else 1.1 for ch in text)


def _lines(value: Any, width: float) -> int:
    if value is None or width <= 0:
        return 1
    text = value if isinstance(value, str) else f"{value:,.1f}" if isinstance(value, float) else str(value)
    if 2 * len(text) <= int(width) - 1:  # no character is wider than two: it fits on one line
        return 1
    return max(1, -(-int(_text_width(text)) // max(int(width) - 1, 1)))


def row_heights(rows: Sequence[Sequence[Any]], widths: Sequence[float]) -> dict[int, float]:
    """The heights rows of wrapped text need (0-based row -> height), for the rows that need one:
    spreadsheets do not grow rows written by openpyxl.

    Column by column: a table repeats its texts (units, actions, tiers), so each distinct value is
    measured once, and a column whose values all fit on one line costs no more than a look."""
    most = [1] * len(rows)  # each row's lines
    for c, width in enumerate(widths):
        column = [values[c] if c < len(values) else None for values in rows]
        kinds = set(map(type, column)) - {type(None)}
        if len(kinds) > 1:  # 1 and 1.0 are equal keys but not equal lines: measured by type
            lines = _lines_by_type(column, width)
        elif kinds:
            multi = {v: n for v in dict.fromkeys(column) if v is not None and (n := _lines(v, width)) > 1}
            if not multi:
                continue
            lines = list(map(multi.get, column, repeat(1)))
        else:
            continue
        most = list(map(max, most, lines))
    return {i: 15 * min(n, 12) for i, n in enumerate(most) if n > 1}


def _lines_by_type(column: Sequence[Any], width: float) -> list[int]:
    known: dict[tuple[type, Any], int] = {}
    lines = []
    for v in column:
        if v is None:
            lines.append(1)
            continue
        key = (type(v), v)
        n = known.get(key)
        if n is None:
            n = known[key] = _lines(v, width)
        lines.append(n)
    return lines


def fit_row_heights(
    ws: Worksheet, first: int, rows: Sequence[Sequence[Any]], widths: Sequence[float]
) -> None:
    """Row heights for wrapped text (spreadsheets do not grow rows written by openpyxl)."""
    for i, height in row_heights(rows, widths).items():
        ws.row_dimensions[first + i].height = height


def table(
    ws: Worksheet,
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    start_row: int,
    widths: Sequence[float] | None = None,
    formats: dict[int, str] | None = None,
    total_rows: Sequence[int] = (),
    streamed: bool = False,
) -> int:
    """A bordered table with a header row; ``formats`` maps a 0-based column to a number format;
    ``total_rows`` are 0-based indices of rows shown in bold. Returns the header's row number.
    ``streamed``: the rows are written as XML when the workbook is saved by ``save_stable`` (or
    ``stable_bytes``), not as openpyxl cells (``workbooks.streamed``; the same cells, much faster
    for a large table); nothing may be written under the header after this then."""
    for c, h in enumerate(headers, start=1):
        cell = ws.cell(row=start_row, column=c, value=h)
        cell.font, cell.fill, cell.border, cell.alignment = HEADER_FONT, HEADER_FILL, BORDER, CENTER
    if streamed:
        _streamed_table(ws, headers, rows, start_row, widths, formats, total_rows)
        return start_row
    # A cell's style is a set of indices into the workbook's style lists; setting a border or a
    # font looks the value up by hashing it, which costs more than the cell. The few combinations a
    # table uses are looked up once each, in the order the cells first need them (so the lists,
    # and the saved file, are the same), and copied to every other cell of that kind.
    styles: dict[tuple[str | None, bool, bool], StyleArray] = {}
    totals = set(total_rows)
    for i, values in enumerate(rows):
        r = start_row + 1 + i
        total = i in totals
        for c, v in enumerate(values, start=1):
            cell = ws.cell(row=r, column=c, value=inert(v))
            fmt = formats[c - 1] if formats and (c - 1) in formats and isinstance(v, int | float) else None
            key = (fmt, isinstance(v, str), total)
            fresh = not cell.has_style
            known = styles.get(key) if fresh else None
            if known is not None:
                cell._style = copy(known)
                continue
            cell.border = BORDER
            if fmt is not None:
                cell.number_format = fmt
            if isinstance(v, str):
                cell.alignment = WRAP
            if total:
                cell.font, cell.fill = TOTAL_FONT, TOTAL_FILL
            if fresh:
                styles.setdefault(key, copy(cell._style))
    for c, w in enumerate(widths or (), start=1):
        ws.column_dimensions[get_column_letter(c)].width = w
    if widths:
        fit_row_heights(ws, start_row, [list(headers), *rows], widths)
    ws.freeze_panes = ws.cell(row=start_row + 1, column=1).coordinate
    return start_row


def _table_style(ws: Worksheet, fmt: str | None, text: bool, total: bool) -> StyleArray:
    """The style of a table's cell, as ``table`` gives it to a new cell."""
    cell = Cell(ws, row=1, column=1)  # not in the sheet: only its style is wanted
    cell.border = BORDER
    if fmt is not None:
        cell.number_format = fmt
    if text:
        cell.alignment = WRAP
    if total:
        cell.font, cell.fill = TOTAL_FONT, TOTAL_FILL
    style: StyleArray = getattr(cell, "_style")  # noqa: B009  # private in the stubs
    return style


def _streamed_table(
    ws: Worksheet,
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    start_row: int,
    widths: Sequence[float] | None,
    formats: dict[int, str] | None,
    total_rows: Sequence[int],
) -> None:
    wb = ws.parent
    assert wb is not None
    # Every combination a cell can have is registered now: the stylesheet is written when the
    # workbook is saved, before the rows are (a number format is only given to numbers).
    ids: dict[tuple[str | None, bool, bool], int] = {}
    for total in (False, True) if total_rows else (False,):
        for fmt, text in [(None, True), (None, False)] + [
            (f, False) for f in dict.fromkeys((formats or {}).values())
        ]:
            # the style id openpyxl's own cell would get (Cell.style_id)
            ids[(fmt, text, total)] = getattr(wb, "_cell_styles").add(_table_style(ws, fmt, text, total))  # noqa: B009

    def style(c: int, v: Any, total: bool) -> int:
        fmt = formats[c] if formats and c in formats and isinstance(v, int | float) else None
        return ids[(fmt, isinstance(v, str), total)]

    heights: dict[int, float] = {}
    for c, w in enumerate(widths or (), start=1):
        ws.column_dimensions[get_column_letter(c)].width = w
    if widths:
        for i, h in row_heights([list(headers), *rows], widths).items():
            if i == 0:
                ws.row_dimensions[start_row].height = h
            else:
                heights[i - 1] = h
    streamed.keep(ws, streamed.StreamedRows(start_row + 1, rows, style, frozenset(total_rows), heights))
    ws.freeze_panes = f"A{start_row + 1}"  # no cell made there: the streamed rows follow


def print_setup(ws: Worksheet, *, header_row: int, landscape: bool = True, fit_width: bool = True) -> None:
    """Print-ready: landscape A4, one page wide, the title rows repeated on every page."""
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    wide = sum((d.width or 8.43) for d in ws.column_dimensions.values()) > 190
    ws.page_setup.paperSize = ws.PAPERSIZE_A3 if wide else ws.PAPERSIZE_A4  # a wide table stays legible
    if fit_width:
        fit_to_page(ws)
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
    ws.print_title_rows = f"1:{header_row}"
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4


def new_workbook() -> Workbook:
    wb = Workbook()
    wb.properties.creator = "techreform"
    return wb


def first_sheet(wb: Workbook) -> Worksheet:
    """The sheet a new workbook starts with (openpyxl types ``Workbook.active`` as maybe absent)."""
    ws = wb.active
    assert isinstance(ws, Worksheet)
    return ws


def fit_to_page(ws: Worksheet) -> None:
    """Scale the print to the page (the sheet's page set-up properties made if absent)."""
    props = ws.sheet_properties.pageSetUpPr
    if props is None:
        props = ws.sheet_properties.pageSetUpPr = PageSetupProperties()
    props.fitToPage = True


def save_stable(wb: Workbook, path: Path) -> bool:
    """Save with fixed times inside, write only if the bytes differ; True if written."""
    return publish(path, stable_bytes(wb))


def publish(path: Path, data: bytes) -> bool:
    """Put ``data`` (a workbook's ``stable_bytes``, a CSV's bytes) at ``path`` atomically (a reader
    never sees half a file, a crash never leaves one), only if the bytes differ; True if written."""
    if path.exists() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # hidden; two writers never share one
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return True


def stable_bytes(wb: Workbook) -> bytes:
    """The workbook as saved, with fixed times inside (the properties and every zip member's time):
    the same content gives the same bytes, whenever and on whichever worker it is written.

    Each member is fixed as openpyxl writes it into the archive (not saved, read back and
    compressed again)."""
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    wb.properties.lastModifiedBy = "techreform"
    if wb.write_only and not wb.worksheets:  # as Workbook.save
        wb.create_sheet()
    out = io.BytesIO()
    archive = _StableZip(out, wb)
    ExcelWriter(wb, archive).save()  # closes the archive
    return out.getvalue()


class _StableZip(zipfile.ZipFile):
    """openpyxl's archive, each member written with a fixed time, docProps/core.xml without the
    save time, and a sheet with streamed rows (``streamed``) with them."""

    def __init__(self, out: io.BytesIO, wb: Workbook) -> None:
        super().__init__(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
        self._wb = wb

    def write(self, filename: Any, arcname: Any = None, *args: Any, **kwargs: Any) -> None:
        with open(filename, "rb") as src:  # a write-only sheet, from its temporary file
            self.writestr(arcname or os.path.basename(filename), src.read())

    def writestr(self, zinfo_or_arcname: Any, data: Any, *args: Any, **kwargs: Any) -> None:
        name = getattr(zinfo_or_arcname, "filename", zinfo_or_arcname)
        if isinstance(data, str):
            data = data.encode("utf-8")
        if name == "docProps/core.xml":  # openpyxl stamps the save time regardless
            data = _fixed_core(data)
        elif name.startswith("xl/worksheets/"):
            later = streamed.pending(self._wb)  # by then this sheet has its number, and path
            if name in later:
                data = streamed.add_to_sheet(data, later[name])
        fixed = zipfile.ZipInfo(name, date_time=FIXED_TIME.timetuple()[:6])
        fixed.compress_type = zipfile.ZIP_DEFLATED
        super().writestr(fixed, data)


def _fixed_core(xml: bytes) -> bytes:
    import re

    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    return re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)", rb"\g<1>" + stamp + rb"\g<2>", xml)
