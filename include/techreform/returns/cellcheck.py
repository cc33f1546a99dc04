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
from techreform.rules.book import file_finding
from techreform.rules.findings import Finding

BAD_CELLS = "_bad_cells"  # a row's key: the fields whose cell was answered here


def cell_findings(sheet: Sheet, text_chars: int) -> list[Finding]:
    fields = {f.name: f for f in schema.FIELDS_BY_SHEET[sheet.kind]}
    columns = [
        (name, f"{name}__raw", col, fields[name], shown(col.header)) for name, col in sheet.columns.items()
    ]
    out: list[Finding] = []
    for row in sheet.rows:
        for name, raw_key, col, f, header in columns:
            raw = row.get(raw_key)
            if raw is None or not _suspect(raw, f, text_chars):  # the common case, cell by cell
                continue
            where = {
                "sheet": sheet.name,
                "row": row["_row"],
                "field": name,
                "column": col.header,
                "col_index": col.index,
                "value": str(raw),  # shown (visible, cut) when the decision is recorded
            }
            finding = _problem(raw, f, text_chars, where, header)
            if finding is None:
                continue
            out.append(finding)
            row.setdefault(BAD_CELLS, set()).add(name)
            row[name] = None  # nothing of it may reach the warehouse (the return is rejected anyway)
            if isinstance(raw, str) and len(raw) > text_chars:
                row[f"{name}__raw"] = raw[:text_chars]
                row.pop(f"{name}__invalid", None)
    return out


def _suspect(raw: Any, f: schema.Field, text_chars: int) -> bool:
    """Whether ``_problem`` could find anything in the cell (cheap: no finding is built)."""
    kind = type(raw)
    if kind is str:
        return len(raw) > text_chars or (f.kind in ("amount", "pct", "int") and len(raw) < 64)
    if kind is int or kind is bool:
        return kind is int and f.kind in ("amount", "pct", "int") and abs(raw) > MAX_ABS_NUMBER
    if kind is float:
        return not math.isfinite(raw) or (f.kind in ("amount", "pct", "int") and abs(raw) > MAX_ABS_NUMBER)
    return True  # CellError and anything else: let _problem look


def _problem(
    raw: Any, f: schema.Field, text_chars: int, where: dict[str, Any], header: str
) -> Finding | None:
    """The cell's finding, in the words of return_rules.yaml (file_rules), or None."""
    if isinstance(raw, CellError) or (isinstance(raw, float) and not math.isfinite(raw)):
        return file_finding("excel_error", where=where, header=header, value=raw)
    if f.kind in ("amount", "pct", "int") and not isinstance(raw, bool):
        n = _as_float(raw)
        if n is not None and not math.isfinite(n):
            return file_finding(
                "number_out_of_range", "not_finite", where=where, header=header, value=shown(raw)
            )
        if n is not None and abs(n) > MAX_ABS_NUMBER:
            return file_finding(
                "number_out_of_range", "too_large", where=where, header=header, value=shown(raw)
            )
    if isinstance(raw, str) and len(raw) > text_chars:
        return file_finding("text_too_long", where=where, header=header, length=len(raw), limit=text_chars)
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
