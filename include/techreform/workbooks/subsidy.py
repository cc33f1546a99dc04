"""The subsidy estimate sheets (奖补测算) of the annual assessment workbook, or a workbook of its own.

``subsidy_sheets(profile, estimate)`` gives the callable ``write_assessment(..., subsidy_sheets=...)``
takes: it adds 奖补测算 (one line per rule and project or award, with its inputs, arithmetic, caps
and exclusions, and the total) and 奖补条款 (the profile's rules with the document's clause).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from techreform.reference.profiles import Profile
from techreform.reference.profiles.sections import SubsidyRule
from techreform.subsidy.model import Estimate
from techreform.subsidy.rules import BASIS_TEXT
from techreform.workbooks.common import AMOUNT_FORMAT, new_workbook, print_setup, save_stable, table, title

SHEET = "奖补测算"
RULES_SHEET = "奖补条款"
HEADERS = (
    "序号",
    "单位",
    "企业名称",
    "统一社会信用代码",
    "项目或认定",
    "项目代码",
    "奖补条款",
    "测算输入（万元）",
    "计算过程（万元）",
    "测算金额（万元）",
    "说明",
)


def _unit_name(profile: Profile, code: str) -> str:
    u = profile.unit(code)
    return u.name if u else code


def _terms(r: SubsidyRule) -> str:
    if r.kind == "recognition":
        return "；".join(f"{a.level}{a.category} {a.amount:g} 万元" for a in r.awards)
    parts = [f"{BASIS_TEXT.get(str(r.basis), str(r.basis))} × {float(r.rate or 0) * 100:g}%"]
    if r.cap_per_project is not None:
        parts.append(f"单个项目最高 {r.cap_per_project:g} 万元")
    if r.cap_per_enterprise is not None:
        parts.append(f"单个企业最高 {r.cap_per_enterprise:g} 万元")
    if r.min_total_investment is not None:
        parts.append(f"总投资 ≥ {r.min_total_investment:g} 万元")
    if r.min_equipment_investment is not None:
        parts.append(f"设备投资 ≥ {r.min_equipment_investment:g} 万元")
    if r.min_basis is not None:
        parts.append(f"{BASIS_TEXT.get(str(r.basis), '')} ≥ {r.min_basis:g} 万元")
    if r.statuses:
        parts.append(f"限{'/'.join(r.statuses)}项目")
    if r.above_scale_only:
        parts.append("限规模以上企业")
    if r.in_statistics_only:
        parts.append("限已列入国家统计库的项目（以本期对账为准）")
    if r.no_double_support:
        parts.append("已获上级或其他资金支持的不重复支持")
    if r.one_per_enterprise:
        parts.append("同一企业每年限一个项目")
    return "；".join(parts)


def add_sheets(wb: Workbook, profile: Profile, est: Estimate) -> None:
    ws = wb.create_sheet(SHEET)
    rows: list[list[Any]] = [
        [
            i,
            _unit_name(profile, x.unit),
            x.enterprise,
            x.uscc,
            x.item,
            x.project_code,
            x.rule_name,
            x.inputs,
            x.arithmetic,
            x.amount,
            x.note,
        ]
        for i, x in enumerate(est.lines, start=1)
    ]
    rows.append(["", "合计", f"{len(est.by_enterprise())} 家企业", "", "", "", "", "", "", est.total, ""])
    cap = "；各项奖补以企业当年地方留存税收为限" if profile.subsidy_total_cap == "retained_tax" else ""
    skipped = [
        f"“{name}”{n} 个项目不符合条款的状态、规模或投资额条件，未列出" for name, n in est.skipped.items()
    ]
    notes = "；".join([*est.warnings, *skipped])
    start = title(
        ws,
        f"{profile.jurisdiction.name}{est.year}年度技术改造奖补测算",
        len(HEADERS),
        f"依据《{profile.document}》，按本年末有效报表的项目库和认定表测算{cap}。测算金额为上限估算，"
        f"兑现以验收和审核为准。条款见“{RULES_SHEET}”表。" + (f"提示：{notes}" if notes else ""),
    )
    table(
        ws,
        HEADERS,
        rows,
        start_row=start,
        widths=(6, 12, 26, 21, 30, 24, 20, 30, 30, 12, 44),
        formats={9: AMOUNT_FORMAT},
        total_rows=[len(rows) - 1],
    )
    print_setup(ws, header_row=start)
    rs = wb.create_sheet(RULES_SHEET)
    rule_rows = [[r.id, r.name, _terms(r), r.note] for r in profile.subsidies]
    start = title(rs, "奖补条款（政策配置）", 4)
    table(
        rs, ("条款代码", "条款", "测算口径", "文件原文"), rule_rows, start_row=start, widths=(18, 24, 50, 70)
    )
    print_setup(rs, header_row=start)


def subsidy_sheets(profile: Profile, est: Estimate | None) -> Callable[[Workbook], None] | None:
    """The callable for ``write_assessment(..., subsidy_sheets=...)``; None without an estimate."""
    if est is None:
        return None

    def add(wb: Workbook) -> None:
        add_sheets(wb, profile, est)

    return add


def write_subsidy(path: Path, profile: Profile, est: Estimate) -> bool:
    """The estimate as a workbook of its own; True if the file changed."""
    wb = new_workbook()
    wb.remove(wb.worksheets[0])
    add_sheets(wb, profile, est)
    return save_stable(wb, path)
