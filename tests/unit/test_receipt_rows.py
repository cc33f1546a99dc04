"""A receipt's copied rows written as sheet XML (receipt_rows) give the very bytes of openpyxl's
write-only ``append``: the same values, types, styles, comments and row heights."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font

from techreform.workbooks.common import stable_bytes
from techreform.workbooks.receipt_rows import CopiedRows
from techreform.workbooks.receipt_style import (
    DATE_FORMAT,
    ERROR_FILL,
    WRAP_CENTER,
    style,
    styled_cell,
    text_cell,
)


def _rows(ws) -> list[list[Any]]:
    """Rows as write_copy makes them: plain values and openpyxl cells (made while building)."""
    marked = styled_cell(ws, None, fill=ERROR_FILL)
    marked.comment = Comment("【错误】必填", "审核", height=60, width=320)
    number = styled_cell(ws, 12.5, fill=ERROR_FILL)
    number.comment = Comment("【提示】偏大\n请核实", "审核", height=80, width=320)
    date = styled_cell(ws, dt.date(2026, 3, 1), number_format=DATE_FORMAT)
    when = styled_cell(ws, dt.datetime(2025, 12, 31, 8, 30), number_format=DATE_FORMAT)
    when_marked = styled_cell(ws, dt.datetime(2025, 1, 31), number_format=DATE_FORMAT)
    style(when_marked, fill=ERROR_FILL, number_format=when_marked.number_format)
    return [
        ["郑州市2026年第1季度技改项目进展情况表"],
        [styled_cell(ws, h, alignment=WRAP_CENTER) for h in ("序号", "企业名称", "  总投资 ", "开工时间")],
        [1, "A&B <c> \"d\" 'e'", 1234.5, date, None, True, False],
        [2, "line\r\nbreak\tand tab", 0.1 + 0.2, when, float("nan"), float("inf"), 10**17, -3],
        [],
        [None, None, marked, number, "#N/A", "=", "#DIV/0!", when_marked],
        [text_cell(ws, "=SUM(A1)"), text_cell(ws, "bad\x01char"), "=A1+1", "emoji 😀 字"],
        [dt.time(8, 30), dt.timedelta(hours=36), "x" * 40000, "", " "],
        [styled_cell(ws, "（原表超过 10000 行，以下内容未复制）", font=Font(italic=True))],
    ]


def _book(fast: bool) -> bytes:
    wb = Workbook(write_only=True)
    wb.create_sheet("回执").append(["回执", styled_cell(wb.worksheets[0], "x", font=Font(bold=True))])
    ws = wb.create_sheet("项目表")
    ws.column_dimensions["B"].width = 30
    ws.row_dimensions[2].height = 32
    ws.merged_cells.add("A1:D1")
    rows = _rows(ws)
    if fast:
        out = CopiedRows(ws)
        for row in rows:
            out.append(row)
        out.close()
    else:
        for row in rows:
            ws.append(row)
    return stable_bytes(wb)


def test_same_bytes_as_openpyxl_append() -> None:
    assert _book(True) == _book(False)


def test_text_lxml_refuses_is_refused() -> None:
    """openpyxl's append fails on it when the sheet is written; so does the copy, at once."""
    ws = Workbook(write_only=True).create_sheet("表")
    with pytest.raises(ValueError, match="XML compatible"):
        CopiedRows(ws).append(["\ufffe"])
    ws.close()
