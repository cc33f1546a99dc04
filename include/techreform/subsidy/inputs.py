"""The inputs a return does not carry (DESIGN.md §2 subsidies): ``<ws>/subsidy/<year>.xlsx``, dropped in
by the bureau — funds already received, design fees, smart-equipment purchases, provincial funds,
and each enterprise's local retained tax. Read with the same tolerance as a return.

One row per project (by 项目代码, else by credit code and 项目名称); a row that names only the
enterprise gives its retained tax. For a recognition award, a row whose 项目名称 is the recognition's
category (e.g. 智能工厂) records a higher-level award already received.
"""

from __future__ import annotations

from pathlib import Path

from techreform.reference.extracts import SUBSIDY_INPUTS
from techreform.returns.model import UnreadableWorkbook
from techreform.returns.table_file import read_table
from techreform.subsidy.model import ProjectInput, SubsidyInputs

FOLDER = "subsidy"
_AMOUNTS = ("other_support", "design_fee", "smart_equipment_purchase", "provincial_funds")


def inputs_file(ws_root: Path, year: int) -> Path | None:
    for suffix in (".xlsx", ".xls", ".xlsm"):
        p = ws_root / FOLDER / f"{year}{suffix}"
        if p.is_file():
            return p
    return None


def code_key(value: object) -> str:
    return "".join(str(value or "").split()).upper()


def _amount(value: object) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def read_inputs(path: Path | None) -> SubsidyInputs:
    """The workbook's inputs; an empty set (with a warning naming the problem) when it cannot be used."""
    if path is None:
        return SubsidyInputs()
    out = SubsidyInputs(source=path.name)
    try:
        sheet = read_table(path, SUBSIDY_INPUTS, ("uscc",))
    except UnreadableWorkbook as e:
        out.warnings.append(f"奖补测算输入表 {path.name} 无法打开（{e}），测算未使用该表")
        return out
    if sheet is None:
        out.warnings.append(
            f"奖补测算输入表 {path.name} 中找不到表头（应含：统一社会信用代码），测算未使用该表"
        )
        return out
    for row in sheet.rows:
        uscc = code_key(row.get("uscc"))
        if not uscc:
            continue
        tax = _amount(row.get("retained_tax"))
        if tax is not None and uscc not in out.retained_tax:
            out.retained_tax[uscc] = tax
        given = ProjectInput(**{name: _amount(row.get(name)) for name in _AMOUNTS})
        code, name = code_key(row.get("project_code")), str(row.get("project_name") or "").strip()
        if code:
            out.by_code[code] = given
        if name:
            out.by_name[(uscc, name)] = given
        if not code and not name and any(getattr(given, a) is not None for a in _AMOUNTS):
            out.warnings.append(
                f"{path.name} 第{row['_row']}行：填了金额但没有项目代码或项目名称，无法对应到项目，已忽略"
            )
    return out
