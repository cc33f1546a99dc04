"""The receipt's look: colours, fonts, borders, and cells written as text (never a formula)."""

from __future__ import annotations

import copy
import weakref

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from techreform.rules.findings import ERROR, WARNING, Finding

ACCEPTED = "accepted"


REJECTED = "rejected"


STATUS_TEXT = {ACCEPTED: "受理", REJECTED: "退回"}


SEVERITY_TEXT = {ERROR: "错误", WARNING: "提示"}


# Excel's own "Bad" / "Neutral" / "Good" colours: readable when printed in black and white.
ERROR_FILL_COLOR = "FFC7CE"


WARNING_FILL_COLOR = "FFEB9C"


ERROR_FILL = PatternFill("solid", fgColor=ERROR_FILL_COLOR)


WARNING_FILL = PatternFill("solid", fgColor=WARNING_FILL_COLOR)


EXPLAINED_FILL_COLOR = "E7E6E6"  # a warning already explained in 备注: nothing left to do


EXPLAINED_FILL = PatternFill("solid", fgColor=EXPLAINED_FILL_COLOR)


RESULT_COLOR = {ACCEPTED: "00B050", REJECTED: "C00000"}


SEVERITY_FONT = {ERROR: Font(bold=True, color="C00000"), WARNING: Font(bold=True, color="9C5700")}


DATE_FORMAT = "yyyy-mm"


MAX_CELL_TEXT = 32_767  # Excel's limit for one cell


THIN = Side(style="thin", color="999999")


BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


WRAP = Alignment(wrap_text=True, vertical="top")


WRAP_CENTER = Alignment(wrap_text=True, vertical="top", horizontal="center")


LABEL_FONT = Font(bold=True)


LABEL_FILL = PatternFill("solid", fgColor="F2F2F2")


HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")


LINK_FONT = Font(color="0563C1", underline="single")


def fill_of(fs: list[Finding]) -> PatternFill:
    """Red for an error, yellow for a warning still open, grey when every warning is explained."""
    if any(f.severity == ERROR for f in fs):
        return ERROR_FILL
    return EXPLAINED_FILL if all(f.explained for f in fs) else WARNING_FILL


def clean(s: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", s)[:MAX_CELL_TEXT]


def text_cell(ws, s: str):
    """A text cell that stays text even if it starts with '=' (no formula injection)."""
    c = WriteOnlyCell(ws, clean(s))
    c.data_type = "s"
    return c


def styled_cell(ws, value, *, font=None, fill=None, alignment=None, border=None, number_format=None):
    c = text_cell(ws, value) if isinstance(value, str) else WriteOnlyCell(ws, value)
    style(c, font=font, fill=fill, alignment=alignment, border=border, number_format=number_format)
    return c


# Assigning a Font/Fill/... to a cell hashes it to find its index in the workbook's style
# tables; that was the largest single cost of a receipt. The resulting index array is cached
# per workbook and per combination (the style objects are kept alive so their ids stay unique).
STYLE_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def style(cell, *, font=None, fill=None, alignment=None, border=None, number_format=None) -> None:
    if font is fill is alignment is border is number_format is None:
        return
    cache = STYLE_CACHE.setdefault(cell.parent.parent, {})
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


COMMENT_AUTHOR = "技改统计审核"


def severity_text(f: Finding) -> str:
    text = SEVERITY_TEXT.get(f.severity, f.severity)
    return f"{text}（已说明）" if f.explained else text
