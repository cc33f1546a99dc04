"""Cells no rule may take at face value: Excel error values, numbers that are not finite or
absurdly large, text beyond any sensible length. Each is an error at its cell, quoting what the
cell holds; the rules then leave that cell alone (``BAD_CELLS`` names it in the row), so the
county is not also told it is 未填写 or 不是数字."""

from __future__ import annotations

import math
from typing import Any

from techreform.reference import schema
from techreform.returns.cells import MAX_ABS_NUMBER
from techreform.returns.guard import CellError
from techreform.returns.model import Sheet
from techreform.returns.visible import shown
from techreform.rules.findings import ERROR, Finding

BAD_CELLS = "_bad_cells"  # a row's key: the fields whose cell was answered here


def cell_findings(sheet: Sheet, text_chars: int) -> list[Finding]:
    fields = {f.name: f for f in schema.FIELDS_BY_SHEET[sheet.kind]}
    out: list[Finding] = []
    for row in sheet.rows:
        for name, col in sheet.columns.items():
            raw = row.get(f"{name}__raw")
            problem = _problem(raw, fields[name], text_chars)
            if problem is None:
                continue
            rule_id, message = problem
            out.append(
                Finding(
                    rule_id,
                    ERROR,
                    f"“{shown(col.header)}”{message}",
                    sheet=sheet.name,
                    row=row["_row"],
                    field=name,
                    column=col.header,
                    col_index=col.index,
                    value=str(raw),  # shown (visible, cut) when the decision is recorded
                )
            )
            row.setdefault(BAD_CELLS, set()).add(name)
            row[name] = None  # nothing of it may reach the warehouse (the return is rejected anyway)
            if isinstance(raw, str) and len(raw) > text_chars:
                row[f"{name}__raw"] = raw[:text_chars]
                row.pop(f"{name}__invalid", None)
    return out


def _problem(raw: Any, f: schema.Field, text_chars: int) -> tuple[str, str] | None:
    if isinstance(raw, CellError) or (isinstance(raw, float) and not math.isfinite(raw)):
        return (
            "excel_error",
            f"单元格是错误值“{raw}”，不是有效数据：请检查该单元格的公式"
            "（如除数为0、引用已删除的单元格），改为直接填写数值后重新报送",
        )
    if f.kind in ("amount", "pct", "int") and not isinstance(raw, bool):
        n = _as_float(raw)
        if n is not None and not math.isfinite(n):
            return (
                "number_out_of_range",
                f"“{shown(raw)}”不是有限的数值：请填写实际数值（单位见表头）后重新报送",
            )
        if n is not None and abs(n) > MAX_ABS_NUMBER:
            return "number_out_of_range", f"数值{shown(raw)}大得不合常理：请核对单位（万元）和数值后重新报送"
    if isinstance(raw, str) and len(raw) > text_chars:
        return "text_too_long", f"有{len(raw)}个字，超过{text_chars}字的上限：请只填写该栏应填的内容"
    return None


def _as_float(raw: Any) -> float | None:
    """A number, or text a float would take (1e308, inf, nan), as a float; else None."""
    if isinstance(raw, int | float):
        return float(raw)
    if isinstance(raw, str) and len(raw) < 64:
        try:
            return float(raw.replace(",", "").strip())
        except ValueError:
            return None
    return None
