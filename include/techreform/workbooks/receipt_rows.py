"""The rows of a receipt's sheets (the copies of the county's sheets, and the 回执 sheet) written as
sheet XML, byte for byte as openpyxl's write-only ``append`` writes them, and spliced into the saved
sheet by ``workbooks.common.stable_bytes``.

A copied sheet is mostly plain values (text, numbers) with a few styled cells (the header, dates,
the marked cells and their comments). openpyxl spends some 15 µs on every cell (a cell object, its
value checks, an lxml element); a plain value here costs a string format. Styled cells are still
openpyxl cells, made by the same code as before: their style ids are taken in the order openpyxl
would take them (the order cells are written), their comments are handed to openpyxl, which writes
the comments part and the VML drawing as before, and any cell this module does not write itself
(a formula, rich text, a time of day) is written by openpyxl's own cell writer.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell._writer import write_cell
from openpyxl.cell.cell import Cell
from openpyxl.comments.comment_sheet import CommentRecord
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.xml.functions import xmlfile

from techreform.workbooks import streamed

# text lxml may refuse or write otherwise: left to openpyxl's own writer
_ODD_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff\U00010000-\U0010ffff]")
_MAX_TEXT = 32767
_TEXTS_KEPT = 20_000


class CopiedRows:
    """One write-only sheet's rows, from row 1 on, kept as XML until the workbook is saved.

    Made where the sheet's first ``append`` would be: the sheet's top (properties, views, column
    widths) is written by openpyxl then, as it would be then."""

    def __init__(self, ws: Any) -> None:
        self._ws: Any = ws
        ws._get_writer()  # the top of the sheet, and its (empty) comment and hyperlink lists
        ws._rows = ws._write_rows()  # an open, empty sheetData for the rows spliced in at save
        next(ws._rows)
        self.rows: list[str] = []
        self._letters: list[str] = []
        self._epoch = ws.parent.epoch
        self._iso = ws.parent.iso_dates
        self._texts: dict[str, str] = {}  # text -> its cell's XML after the reference

    def append(self, values: list[Any]) -> None:
        """As ``ws.append(values)``: None is no cell; a Cell is written with its style."""
        r = len(self.rows) + 1
        row = str(r)
        dim = self._ws.row_dimensions.get(r)
        if dim is None:
            parts = [f'<row r="{row}">']
        else:
            attrs = {"r": row}
            attrs.update(dim)
            parts = ["<row" + "".join(f' {k}="{v}"' for k, v in attrs.items()) + ">"]
        letters = self._letters
        while len(letters) < len(values):
            letters.append(get_column_letter(len(letters) + 1))
        for c, v in enumerate(values):
            if v is None:
                continue
            ref = letters[c] + row
            t = type(v)
            if t is str:
                parts.append(self._text(ref, v, r, c))
            elif t is float or t is int:
                parts.append(_number(ref, v) or self._by_openpyxl(WriteOnlyCell(self._ws, v), r, c))
            elif isinstance(v, Cell):
                parts.append(self._cell(ref, v, r, c))
            else:
                parts.append(self._by_openpyxl(WriteOnlyCell(self._ws, v), r, c))
        parts.append("</row>")
        self.rows.append("".join(parts))

    def close(self) -> None:
        """Hand the rows to the save (``stable_bytes``)."""
        streamed.keep(self._ws, self)
        self._ws = None  # the pending rows are kept by the sheet, weakly: no cycle back to it

    def xml(self) -> tuple[str, int, int]:
        return "".join(self.rows), len(self.rows), len(self._letters)

    def _text(self, ref: str, v: str, r: int, c: int) -> str:
        tail = self._texts.get(v)  # a sheet repeats much of its text (kinds, places, yes/no)
        if tail is None:
            if len(v) > _MAX_TEXT or (len(v) > 1 and v[0] == "=") or _ODD_TEXT.search(v):
                return self._by_openpyxl(WriteOnlyCell(self._ws, v), r, c)
            if not v:
                tail = ' t="inlineStr"></c>'
            elif v in streamed.ERRORS:
                tail = f' t="e"><v>{v}</v></c>'
            else:
                tail = f' t="inlineStr">{_inline(v)}</c>'
            if len(self._texts) < _TEXTS_KEPT:
                self._texts[v] = tail
        return f'<c r="{ref}"{tail}'

    def _cell(self, ref: str, cell: Any, r: int, c: int) -> str:  # Any: private attributes read
        """A cell made by openpyxl (styled, or with a comment), as openpyxl writes it."""
        cell.column = c + 1
        cell.row = r
        if cell.hyperlink is not None:
            return self._by_openpyxl(cell, r, c)
        if cell._comment is not None:
            self._ws._comments.append(CommentRecord.from_cell(cell))
        value = cell._value
        styled = cell.has_style
        if value is None and not styled and cell._comment is None:
            return ""
        s = f' s="{cell.style_id}"' if styled else ""
        kind = cell.data_type
        if value is None or value == "":
            if kind in ("s", "n", "b", "e"):
                # in the sheet's stream an empty cell is written open and closed
                return f'<c r="{ref}"{s} t="{"inlineStr" if kind == "s" else kind}"></c>'
            return self._by_openpyxl(cell, r, c, comment_taken=True)
        if kind == "s" and type(value) is str and not _ODD_TEXT.search(value):
            return f'<c r="{ref}"{s} t="inlineStr">{_inline(value)}</c>'
        if kind == "n" and (type(value) is float or type(value) is int):
            number = streamed.plain_number(value)
            if number is not None:
                return f'<c r="{ref}"{s} t="n"><v>{number}</v></c>'
        if kind == "d" and not self._iso and _naive_date(value):
            number = streamed.plain_number(to_excel(value, self._epoch))
            if number is not None:
                return f'<c r="{ref}"{s} t="n"><v>{number}</v></c>'
        return self._by_openpyxl(cell, r, c, comment_taken=True)

    def _by_openpyxl(self, cell: Any, r: int, c: int, comment_taken: bool = False) -> str:
        """openpyxl's own cell writer, for a cell this module does not write itself."""
        cell.column = c + 1
        cell.row = r
        if cell.hyperlink is not None:
            cell.hyperlink.ref = cell.coordinate
        if cell._comment is not None and not comment_taken:
            self._ws._comments.append(CommentRecord.from_cell(cell))
        if cell._value is None and not cell.has_style and not cell._comment:
            return ""
        out = io.BytesIO()
        with xmlfile(out) as xf:
            write_cell(xf, self._ws, cell, cell.has_style)
        return out.getvalue().decode()


def _naive_date(v: Any) -> bool:
    return type(v) is dt.date or (type(v) is dt.datetime and v.tzinfo is None)


def _inline(text: str) -> str:
    escaped = streamed.escaped(text)
    if not escaped.isascii():  # the sheet is written in ASCII: other characters as references
        escaped = escaped.encode("ascii", "xmlcharrefreplace").decode("ascii")
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f"<is><t{space}>{escaped}</t></is>"


def _number(ref: str, v: float | int) -> str | None:
    number = streamed.plain_number(v)
    return None if number is None else f'<c r="{ref}" t="n"><v>{number}</v></c>'
