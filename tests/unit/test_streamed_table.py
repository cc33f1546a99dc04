"""A streamed table (rows written as sheet XML at save time) holds the same cells as openpyxl's."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.utils.exceptions import IllegalCharacterError

from techreform.workbooks.common import (
    AMOUNT_FORMAT,
    first_sheet,
    new_workbook,
    print_setup,
    stable_bytes,
    table,
    title,
)

HEADERS = ("代码", "名称", "金额", "说明", "比例")
ROWS: list[list[Any]] = [
    ["410100", "郑州市金联重工有限公司年产2万吨新型建材技术改造项目（一期）", 1234.5, None, 12],
    ["410101", "", 0.1 + 0.2, "  leading and trailing  ", True],
    ["410102", "A&B <c> \"d\" 'e'", Decimal("7.25"), "=SUM(A1)", -3],
    ["410103", "line\r\nbreak\tand tab", float("nan"), "#N/A", 10**17],
    ["合计", None, 99999999.123456789, "+1 -2 @3", None],
    [],
    ["410104", "短"],
]


def _book(streamed: bool) -> bytes:
    wb = new_workbook()
    ws = first_sheet(wb)
    start = title(ws, "标题", len(HEADERS), "副标题" * 20)
    table(
        ws,
        HEADERS,
        ROWS,
        start_row=start,
        widths=(9, 12, 11, 14, 8),
        formats={2: AMOUNT_FORMAT, 4: "0.0"},
        total_rows=(4,),
        streamed=streamed,
    )
    print_setup(ws, header_row=start)
    second = wb.create_sheet("空表")
    table(second, HEADERS, [], start_row=title(second, "空", 5), widths=(9,) * 5, streamed=streamed)
    return stable_bytes(wb)


def _content(data: bytes) -> list[Any]:
    wb = load_workbook(io.BytesIO(data))
    out: list[Any] = []
    for ws in wb.worksheets:
        out.append((ws.title, ws.dimensions, ws.freeze_panes, ws.print_title_rows))
        out.append(sorted(str(r) for r in ws.merged_cells.ranges))
        out.append({k: d.width for k, d in ws.column_dimensions.items()})
        out.append({k: d.height for k, d in ws.row_dimensions.items() if d.height is not None})
        for row in ws.iter_rows():
            for c in row:
                if c.value is None and not c.has_style:
                    continue
                out.append(
                    (
                        c.coordinate,
                        c.value if c.value == c.value else "nan",
                        c.data_type,
                        c.number_format,
                        repr(c.font),
                        repr(c.fill),
                        repr(c.border),
                        repr(c.alignment),
                    )
                )
    return out


def test_streamed_rows_are_the_cells_openpyxl_writes():
    plain, streamed = _book(False), _book(True)
    assert _content(streamed) == _content(plain)
    assert _book(True) == streamed  # stable: the same content gives the same bytes


def test_streamed_rows_refuse_what_openpyxl_refuses():
    wb = new_workbook()
    ws = first_sheet(wb)
    table(ws, ("a",), [["bad\x01text"]], start_row=1, streamed=True)
    with pytest.raises(IllegalCharacterError):
        stable_bytes(wb)
