"""Reading one sheet's table: header, project rows, totals, footers and section labels."""

from __future__ import annotations

import logging
import re
from typing import Any

from techreform.reference.extracts import fields_of
from techreform.returns.cells import clean_text, convert, parse_number
from techreform.returns.headers import (
    _SPACE_RE,
    assign_columns,
    find_header,
    is_numbering_row,
    is_units_row,
    names_header,
    set_unit,
    two_row_header,
    unit_in,
    unit_line,
)
from techreform.returns.model import Column, Sheet

log = logging.getLogger(__name__)


_TOTAL_RE = re.compile(r"(合\s*计|小\s*计|总\s*计|共\s*计)")


_FOOTER_RE = re.compile(
    r"^(注[:：]|注\s*\d|说明[:：]|填表说明|填报说明|附[:：件]|填表人|填报人|审核人|单位负责人|负责人|统计负责人|制表|报出日期|填报日期)"
)


_SIGNATURE_RE = re.compile(
    r"^[^:：]{0,10}(负责人|填表|填报|审核|制表|联系电话|电话|日期|报出|盖章)[^:：]{0,6}[:：]"
)


_INSTRUCTION_RE = re.compile(r"^(\d{1,2}[、.．]|[（(]\d{1,2}[)）]|[一二三四五六七八九十][、.．])\D")


# （三）竣工投产项目, 二、续建项目: a section of the table, not a project
_SECTION_RE = re.compile(r"^([（(][一二三四五六七八九十\d]{1,3}[)）]|[一二三四五六七八九十]{1,3}[、.．])\D")


_TOTAL_END_RE = re.compile(r"(合计|小计|总计|共计)[:：]?$")


_TRAILING_REMARK_RE = re.compile(r"[(（][^()（）]*[)）]$")


def _is_total_label(text: str) -> bool:
    """合计 / 小计 / 全县合计 / 瀍河回族区技改项目合计 / 其中：智能化改造: a label, not a sentence."""
    t = _TRAILING_REMARK_RE.sub("", _SPACE_RE.sub("", text))  # 合计（共2个项目）
    if len(t) > 20:
        return False
    if t.startswith("其中") or _TOTAL_END_RE.search(t):
        return True
    return len(t) <= 8 and bool(_TOTAL_RE.search(t))


def _is_footer(filled: list[str]) -> bool:
    """Signature lines, notes and numbered instructions under the table."""
    if _FOOTER_RE.match(filled[0]) and len(filled) <= 3:
        return True
    if all(_SIGNATURE_RE.match(t) for t in filled):  # 单位负责人：… | 填表人：… | 报出日期：…
        return True
    return len(filled) <= 2 and bool(_INSTRUCTION_RE.match(filled[0])) and len(filled[0]) > 8


def read_sheet(name: str, grid: list[list[Any]], merged: list, kind: str) -> Sheet | None:
    header = find_header(grid, kind)
    if header is None:
        return None
    hr, found = header
    two_rows = two_row_header(grid, hr, merged, kind)
    if two_rows is not None and len(two_rows) > len(found):
        found = two_rows
        hr += 1  # data starts under the sub-headers
    _fill_merged_down(grid, [m for m in merged if m[0][0] > hr])
    fields = {f.name: f for f in fields_of(kind)}
    sheet = Sheet(name=name, kind=kind, header_row=hr + 1)
    table_unit = unit_line(grid, hr) or "万元"
    unit_open: set[str] = set()  # amount columns whose header names no unit (a units row may)
    for c, (fname, text) in found.items():
        sheet.columns[fname] = Column(fname, text, c + 1)  # the grid starts at A1
        if fields[fname].kind == "amount":
            unit = unit_in(text)
            if unit is None:
                unit_open.add(fname)
            set_unit(sheet.columns[fname], unit or table_unit)
    key_fields = (
        "uscc",
        "enterprise_name",
        "project_name",
        "project_code",
        "total_investment",
        "category",
        "stats_project_id",  # the statistics extract and the targets (reference/extracts.py)
        "unit_code",
        "indicator",
    )
    label_fields = ("seq", "uscc", "enterprise_name", "project_name")
    label_cols = [c for c, (fname, _) in found.items() if fname in label_fields]
    text_key_cols = [
        c for c, (fname, _) in found.items() if fname in key_fields and fields[fname].kind != "amount"
    ]
    amount_cols = [c for c, (fname, _) in found.items() if fields[fname].kind == "amount"]
    # one key string per column, not one per row: the rows travel pickled from the reading process
    raw_keys = {fname: f"{fname}__raw" for fname, _ in found.values()}
    invalid_keys = {fname: f"{fname}__invalid" for fname, _ in found.values()}
    for r in range(hr + 1, len(grid)):
        values = grid[r]
        texts = [clean_text(v) for v in values]  # each cell cleaned once: this loop is the hot path
        filled = [t for t in texts if t is not None]
        if not filled:
            continue
        if _is_total_label(filled[0]) or any(
            _is_total_label(t) for c in label_cols if c < len(texts) and (t := texts[c])
        ):
            continue
        if _is_footer(filled):
            continue
        if len(filled) <= 2 and _SECTION_RE.match(filled[-1]):
            continue
        if names_header(texts, found, label_cols, kind):
            # the header again (a printed form's page break), or the header of another table
            # under this one (附：获认定情况), whose rows are no projects: the table ends there
            if len(assign_columns({c: t for c, t in enumerate(texts) if t}, kind)) * 2 >= len(found):
                continue
            sheet.other_table_at = r + 1
            break
        if is_units_row(filled):
            for fname in unit_open:  # 总投资 over 元: the units row says what the header did not
                c = sheet.columns[fname].index - 1
                cell_text = texts[c] if c < len(texts) else None
                unit = unit_in(cell_text) if cell_text else None
                if unit:
                    set_unit(sheet.columns[fname], unit)
            continue
        if is_numbering_row(filled):
            continue
        if not any(c < len(texts) and texts[c] for c in text_key_cols):
            # no enterprise, project or code: a template row with 0s, or an unlabelled totals row
            amounts = [parse_number(values[c])[0] for c in amount_cols if c < len(values)]
            if any(a for a in amounts):
                sheet.ignored_rows.append(r + 1)
            continue
        row: dict[str, Any] = {"_row": r + 1}
        for c, (fname, _) in found.items():
            raw = values[c] if c < len(values) else None
            cell_text = texts[c] if c < len(texts) else None
            blank = cell_text is None
            value, ok = (
                (None, True)
                if cell_text is None
                else convert(fields[fname], raw, cell_text, sheet.columns[fname].factor)
            )
            row[fname] = value
            # "—", "/", "无": nothing written, so a required cell holding one is missing
            row[raw_keys[fname]] = None if blank or (value is None and ok) else raw
            if not ok:
                row[invalid_keys[fname]] = texts[c]
        sheet.rows.append(row)
    return sheet


def _fill_merged_down(grid: list[list[Any]], merged: list) -> list[list[Any]]:
    """A value merged over several rows (one enterprise, two projects) belongs to each row."""
    for (r1, c1), (r2, c2) in merged:
        if r2 <= r1 or r1 >= len(grid) or c1 >= len(grid[r1]):
            continue
        value = grid[r1][c1]
        for r in range(r1 + 1, min(r2, len(grid) - 1) + 1):
            for c in range(c1, min(c2, len(grid[r]) - 1) + 1):
                if grid[r][c] in (None, ""):
                    grid[r][c] = value
    return grid
