"""A large table's rows written as worksheet XML at save time, instead of one openpyxl cell each.

openpyxl spends some 15 µs on a styled cell (the cell object, its value checks, a style lookup and
an lxml element per cell when saving); a province's reconciliation workbook has 1.7 million of
them. Everything else of such a sheet (title, header row, widths, freeze panes, print setup, the
stylesheet) is still made by openpyxl; only the data rows under the header are kept here, as
values and the style ids openpyxl gave their few combinations of styles, and added to the saved
sheet by ``workbooks.common.stable_bytes``. They are written as openpyxl writes cells (inline
strings, numbers as ``%.16g``, every table cell styled, so an empty one keeps its border), and
strings are checked as openpyxl checks them (illegal control characters are refused).
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries
from openpyxl.utils.exceptions import IllegalCharacterError
from openpyxl.worksheet.dimensions import RowDimension

_NUMBERS = (int, float, Decimal)  # bool is an int: openpyxl writes it as a boolean (t="b")
_ESCAPE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_NEEDS_ESCAPE = re.compile(r"[&<>\r]")
ERRORS = frozenset(ERROR_CODES)


@dataclass
class StreamedRows:
    """Rows from ``first`` on: their values, each cell's style id, and the rows' heights."""

    first: int
    rows: Sequence[Sequence[Any]]
    style: Callable[[int, Any, bool], int]  # (0-based column, value, total row) -> style id
    totals: frozenset[int] = frozenset()
    heights: dict[int, float] = field(default_factory=dict)  # 0-based row -> height

    def xml(self) -> tuple[str, int, int]:
        """The rows' XML, the last row's number and the widest row's column count."""
        parts: list[str] = []
        letters: list[str] = []
        row_attrs: dict[float, str] = {}
        widest = 0
        for i, values in enumerate(self.rows):
            r = self.first + i
            height = self.heights.get(i)
            if height is None:
                parts.append(f'<row r="{r}">')
            else:
                attrs = row_attrs.get(height)
                if attrs is None:  # as openpyxl writes a row dimension with this height
                    dim = dict(RowDimension(None, index=r, ht=height))  # type: ignore[arg-type]
                    dim.pop("r", None)
                    attrs = row_attrs[height] = "".join(f' {k}="{v}"' for k, v in dim.items())
                parts.append(f'<row r="{r}"{attrs}>')
            total = i in self.totals
            while len(letters) < len(values):
                letters.append(get_column_letter(len(letters) + 1))
            widest = max(widest, len(values))
            row = str(r)
            for c, v in enumerate(values):
                parts.append(_cell(letters[c] + row, self.style(c, v, total), v))
            parts.append("</row>")
        return "".join(parts), self.first + len(self.rows) - 1, widest


def _cell(ref: str, style: int, v: Any) -> str:
    if v is None:
        return f'<c r="{ref}" s="{style}" t="n"/>'
    if isinstance(v, str):
        text = ("'" + v if v[:1] == "=" else v)[:32767]  # common.inert: text never becomes a formula
        if ILLEGAL_CHARACTERS_RE.search(text):
            raise IllegalCharacterError(f"{text} cannot be used in worksheets.")
        if not text:
            return f'<c r="{ref}" s="{style}" t="inlineStr"/>'
        if text in ERRORS:
            return f'<c r="{ref}" s="{style}" t="e"><v>{text}</v></c>'
        space = ' xml:space="preserve"' if text != text.strip() else ""
        return f'<c r="{ref}" s="{style}" t="inlineStr"><is><t{space}>{escaped(text)}</t></is></c>'
    if isinstance(v, bool):
        return f'<c r="{ref}" s="{style}" t="b"><v>{int(v)}</v></c>'
    if isinstance(v, _NUMBERS):
        return f'<c r="{ref}" s="{style}" t="n"><v>{plain_number(v) or ""}</v></c>'
    raise ValueError(f"Cannot convert {v!r} to Excel")


def escaped(text: str) -> str:
    """Text as openpyxl escapes it in a cell (``&``, ``<``, ``>`` and carriage returns)."""
    return text.translate(_ESCAPE) if _NEEDS_ESCAPE.search(text) else text


def plain_number(v: float | int | Decimal) -> str | None:
    """A number as openpyxl writes it (``%.16g``); None for NaN and the infinities."""
    if v != v or v in (float("inf"), float("-inf")):
        return None
    return "%.16g" % v  # noqa: UP031  # as openpyxl


class SheetRows(Protocol):
    """Rows kept as XML until the save: ``StreamedRows``, ``receipt_rows.CopiedRows``."""

    @property
    def rows(self) -> Sequence[Any]: ...

    def xml(self) -> tuple[str, int, int]: ...


# the streamed rows of each worksheet, until its workbook is saved
_PENDING: weakref.WeakKeyDictionary[Any, SheetRows] = weakref.WeakKeyDictionary()


def keep(ws: Any, rows: SheetRows) -> None:
    """Rows to add to this sheet (a normal or a write-only one) when its workbook is saved."""
    _PENDING[ws] = rows


def pending(wb: Any) -> dict[str, SheetRows]:
    """The streamed rows of a saved workbook's sheets, by the sheet's member name in the file."""
    return {ws.path.lstrip("/"): _PENDING[ws] for ws in wb.worksheets if ws in _PENDING}


_DIMENSION = re.compile(rb'<dimension ref="([^"]*)"\s*/>')


def add_to_sheet(xml: bytes, rows: SheetRows) -> bytes:
    """The sheet openpyxl saved with the streamed rows at the end of its data, and its dimension
    widened to them."""
    body, last_row, widest = rows.xml()
    data = body.encode()
    if b"</sheetData>" in xml:
        xml = xml.replace(b"</sheetData>", data + b"</sheetData>", 1)
    else:
        xml = xml.replace(b"<sheetData/>", b"<sheetData>" + data + b"</sheetData>", 1)
    found = _DIMENSION.search(xml)
    if found and rows.rows:
        min_col, min_row, max_col, max_row = range_boundaries(found.group(1).decode())
        ref = (
            f"{get_column_letter(min_col or 1)}{min_row or 1}:"
            f"{get_column_letter(max(max_col or 1, widest))}{max(max_row or 1, last_row)}"
        )
        xml = xml[: found.start(1)] + ref.encode() + xml[found.end(1) :]
    return xml
