"""季度检查_<period>.xlsx for the leadership office (DESIGN.md §3.4): overview, one ranking sheet per
key indicator with a bar chart, forecast and warnings, data quality, and the definitions.

No personal data: contact names and phone numbers never reach these workbooks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl.chart import BarChart, Reference
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from techreform.indicators import Indicators
from techreform.indicators.catalogue import CUMULATIVE, Indicator
from techreform.indicators.forecast import Projection
from techreform.indicators.progress import Standing
from techreform.indicators.reporting import Reporting
from techreform.reference.periods import Period
from techreform.reference.profiles import Profile
from techreform.workbooks.common import (
    AMOUNT_FORMAT,
    code_width,
    new_workbook,
    print_setup,
    save_stable,
    table,
    title,
)

GREEN = PatternFill("solid", fgColor="C6EFCE")
AMBER = PatternFill("solid", fgColor="FFEB9C")
RED = PatternFill("solid", fgColor="FFC7CE")
RATIO_FORMAT = "0.0%"
AMBER_SHARE = 0.8  # slower than time progress but at 80% of it or more: amber, below that red


@dataclass
class CheckInputs:
    profile: Profile
    period: Period
    result: Indicators
    reporting: Reporting
    projections: dict[tuple[str, str], Projection] = field(default_factory=dict)  # (unit, indicator)
    missing_from_stats: dict[str, int] | None = None  # 应统未统 per unit, from the reconciliation
    reconciled: bool = False


def unit_name(profile: Profile, code: str) -> str:
    if code == profile.jurisdiction.code:
        return f"{profile.jurisdiction.name}（合计）"
    u = profile.unit(code)
    return u.name if u else code


def key_indicators(x: CheckInputs) -> list[Indicator]:
    """The indicators with a target somewhere: they get an overview column group and a ranking sheet."""
    return [i for i in x.result.indicators if any(r.target is not None for r in x.result.of(i.id))]


def _rag(
    ws: Worksheet, status_col: str, completion_col: str, progress_col: str, first: int, last: int
) -> None:
    """Green when done, ahead or met; amber when behind time progress but at 80% of it; red else."""
    rng = f"{status_col}{first}:{status_col}{last}"
    s, c, p = f"${status_col}{first}", f"${completion_col}{first}", f"${progress_col}{first}"
    ws.conditional_formatting.add(
        rng, FormulaRule(formula=[f'OR({s}="已完成",{s}="快于序时",{s}="达标")'], fill=GREEN)
    )
    ws.conditional_formatting.add(
        rng, FormulaRule(formula=[f'AND({s}="慢于序时",{c}>={AMBER_SHARE}*{p})'], fill=AMBER)
    )
    ws.conditional_formatting.add(rng, FormulaRule(formula=[f'OR({s}="未达标",{s}="慢于序时")'], fill=RED))


def _overview(wb: Any, x: CheckInputs) -> None:
    ws = wb.active
    ws.title = "总览"
    keys = key_indicators(x)
    headers = ["单位代码", "单位", "指标", "完成值", "年度目标", "完成率", "序时进度", "状态", "排名"]
    rows: list[list[Any]] = []
    for ind in keys:
        for r in x.result.of(ind.id):
            rows.append(
                [
                    r.unit,
                    unit_name(x.profile, r.unit),
                    ind.label,
                    r.value,
                    r.target,
                    r.completion_rate,
                    r.time_progress,
                    r.status,
                    r.rank,
                ]
            )
    start = title(
        ws,
        f"{x.profile.jurisdiction.name}技术改造目标任务完成情况季度检查（{x.period.label}）",
        len(headers),
        f"序时进度：{x.period.label}为全年的{x.period.quarter * 25}%。"
        "绿色：已完成、快于序时或达标；黄色：慢于序时但达到序时进度的80%；红色：其余。"
        f"投资数据来自统计局，项目、企业与认定数据来自各{x.profile.unit_kind}本期有效报表。",
    )
    table(
        ws,
        headers,
        rows,
        start_row=start,
        widths=(code_width(x.profile), 16, 30, 13, 13, 9, 9, 10, 6),
        formats={3: AMOUNT_FORMAT, 4: AMOUNT_FORMAT, 5: RATIO_FORMAT, 6: RATIO_FORMAT},
        total_rows=[i for i, r in enumerate(rows) if r[0] == x.profile.jurisdiction.code],
    )
    if rows:
        _rag(ws, "H", "F", "G", start + 1, start + len(rows))
    print_setup(ws, header_row=start)
    _all_indicators(wb, x)


def _all_indicators(wb: Any, x: CheckInputs) -> None:
    ws = wb.create_sheet("全部指标")
    headers = ["单位代码", "单位", "指标代码", "指标", "数值", "年度目标", "完成率", "序时进度", "状态"]
    rows = [
        [
            r.unit,
            unit_name(x.profile, r.unit),
            r.indicator,
            ind.label,
            r.value,
            r.target,
            r.completion_rate,
            r.time_progress,
            r.status,
        ]
        for ind in x.result.indicators
        for r in x.result.of(ind.id)
    ]
    start = title(
        ws,
        f"全部指标（{x.period.label}）",
        len(headers),
        "空白表示该单位本期没有受理的报表或没有统计局数据。",
    )
    table(
        ws,
        headers,
        rows,
        start_row=start,
        widths=(code_width(x.profile), 16, 24, 30, 13, 13, 9, 9, 10),
        formats={4: AMOUNT_FORMAT, 5: AMOUNT_FORMAT, 6: RATIO_FORMAT, 7: RATIO_FORMAT},
        total_rows=[i for i, r in enumerate(rows) if r[0] == x.profile.jurisdiction.code],
    )
    if rows:
        _rag(ws, "I", "G", "H", start + 1, start + len(rows))
    print_setup(ws, header_row=start)


def _sheet_name(text: str) -> str:
    for ch in "[]:*?/\\":
        text = text.replace(ch, "")
    return text[:31]


def _ranking(wb: Any, x: CheckInputs, ind: Indicator) -> None:
    ws = wb.create_sheet(_sheet_name(f"排名_{ind.name}"))
    rows_in = [r for r in x.result.of(ind.id) if r.unit != x.profile.jurisdiction.code]
    ordered = sorted(rows_in, key=lambda r: (r.rank is None, r.rank or 0, r.unit))
    by_completion = any(r.completion_rate is not None for r in ordered)
    headers = ["排名", "单位", "完成值", "年度目标", "完成率", "状态"]
    rows = [
        [r.rank, unit_name(x.profile, r.unit), r.value, r.target, r.completion_rate, r.status]
        for r in ordered
    ]
    start = title(ws, f"{ind.label}各{x.profile.unit_kind}排名（{x.period.label}）", len(headers), ind.source)
    table(
        ws,
        headers,
        rows,
        start_row=start,
        widths=(6, 16, 13, 13, 9, 10),
        formats={2: AMOUNT_FORMAT, 3: AMOUNT_FORMAT, 4: RATIO_FORMAT},
    )
    if rows:
        chart = BarChart()
        chart.type = "bar"
        chart.style = 10
        chart.title = f"{ind.name}{'完成率' if by_completion else ''}"
        chart.y_axis.title = "完成率" if by_completion else ind.unit
        chart.legend = None
        col = 5 if by_completion else 3
        data = Reference(ws, min_col=col, min_row=start, max_row=start + len(rows))
        cats = Reference(ws, min_col=2, min_row=start + 1, max_row=start + len(rows))
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(cats)
        chart.x_axis.scaling.orientation = "maxMin"  # the first ranked at the top
        chart.height = max(7.5, 0.6 * len(rows) + 2)
        chart.width = 16
        ws.add_chart(chart, f"H{start}")
    print_setup(ws, header_row=start)


def _forecast(wb: Any, x: CheckInputs) -> None:
    ws = wb.create_sheet("预测预警")
    headers = [
        "指标",
        "单位",
        "本年累计",
        "年度目标",
        "预计全年",
        "预计完成率",
        "推算方法",
        "预警",
        "预计缺口",
    ]
    rows = []
    for ind in x.result.indicators:
        if ind.kind != CUMULATIVE:
            continue
        for r in x.result.of(ind.id):
            p = x.projections.get((r.unit, ind.id))
            if p is None:
                continue
            rows.append(
                [
                    ind.label,
                    unit_name(x.profile, r.unit),
                    p.value,
                    p.target,
                    p.projection,
                    p.projected_rate,
                    p.method,
                    "预警" if p.warning else "",
                    p.gap or None,
                ]
            )
    warned = sum(1 for r in rows if r[7])
    start = title(
        ws,
        f"年度目标完成预测与预警（{x.period.label}）",
        len(headers),
        f"按本年累计推算全年，预计不能完成年度目标的标为“预警”（共{warned}项）。"
        "有上年同期和上年全年数据时按上年季度进度推算，否则按本年进度线性推算。",
    )
    table(
        ws,
        headers,
        rows,
        start_row=start,
        widths=(30, 16, 13, 13, 13, 10, 20, 8, 13),
        formats={2: AMOUNT_FORMAT, 3: AMOUNT_FORMAT, 4: AMOUNT_FORMAT, 5: RATIO_FORMAT, 8: AMOUNT_FORMAT},
    )
    if rows:
        ws.conditional_formatting.add(
            f"H{start + 1}:H{start + len(rows)}", FormulaRule(formula=[f'$H{start + 1}="预警"'], fill=RED)
        )
    print_setup(ws, header_row=start)


def _quality(wb: Any, x: CheckInputs) -> None:
    ws = wb.create_sheet("数据质量")
    rep = x.reporting
    headers = [
        "单位代码",
        "单位",
        "收到文件数",
        "退回次数",
        "本期有效报表",
        "按时报送",
        "首次收到时间",
        "应统未统项目数",
    ]
    rows: list[list[Any]] = []
    for u in rep.units:
        missing = (x.missing_from_stats or {}).get(u.unit) if x.reconciled and u.accepted else None
        rows.append(
            [
                u.unit,
                u.name,
                u.received,
                u.rejected,
                "有" if u.accepted else "无",
                "是" if u.on_time else "否",
                u.first_received or "未报送",
                missing,
            ]
        )
    rows.append(
        [
            x.profile.jurisdiction.code,
            "合计",
            sum(u.received for u in rep.units),
            sum(u.rejected for u in rep.units),
            f"{sum(u.accepted for u in rep.units)}/{rep.expected}",
            f"{sum(u.on_time for u in rep.units)}/{rep.expected}",
            None,
            sum(v or 0 for v in (x.missing_from_stats or {}).values()) if x.reconciled else None,
        ]
    )
    silent = "、".join(u.name for u in rep.silent) or "无"
    without = "、".join(u.name for u in rep.without_return) or "无"

    def pct(v: float | None) -> str:
        return "—" if v is None else f"{v:.1f}%"

    start = title(
        ws,
        f"报送与数据质量（{x.period.label}）",
        len(headers),
        f"应报{rep.expected}个单位；报送率{pct(rep.reporting_rate)}，受理率{pct(rep.accepted_rate)}，"
        f"按时报送率{pct(rep.on_time_rate)}。未报送：{silent}。无有效报表：{without}。"
        + ("" if x.reconciled else "本期尚无统计局数据，应统未统数待对账后补充。"),
    )
    table(
        ws,
        headers,
        rows,
        start_row=start,
        widths=(code_width(x.profile), 16, 10, 10, 12, 10, 18, 14),
        total_rows=(len(rows) - 1,),
    )
    print_setup(ws, header_row=start)


def _notes(wb: Any, x: CheckInputs) -> None:
    ws = wb.create_sheet("说明")
    rows = [
        [i.id, i.label, {"cumulative": "累计", "rate": "比率", "count": "计数"}[i.kind], i.source]
        for i in x.result.indicators
    ]
    rows += [
        ["", "完成率", "", "完成值 ÷ 年度目标"],
        [
            "",
            "序时进度",
            "",
            "一季度25%、二季度50%、三季度75%、四季度100%；累计指标的完成率不低于序时进度为“快于序时”",
        ],
        ["", "状态", "", "累计指标：已完成 / 快于序时 / 慢于序时；比率指标：达标 / 未达标（与目标直接比较）"],
        ["", "合计行", "", "数量与金额相加（企业按信用代码不重复计），比率由相加后的分子分母重新计算"],
    ]
    start = title(ws, "指标说明", 4)
    table(ws, ["指标代码", "指标", "类型", "定义与来源"], rows, start_row=start, widths=(26, 32, 8, 80))
    print_setup(ws, header_row=start, landscape=False)


def write_check(path: Path, x: CheckInputs) -> bool:
    wb = new_workbook()
    _overview(wb, x)
    for ind in key_indicators(x):
        _ranking(wb, x, ind)
    _forecast(wb, x)
    _quality(wb, x)
    _notes(wb, x)
    return save_stable(wb, path)


def standings_by_unit(rows: list[Standing]) -> dict[str, Standing]:
    return {r.unit: r for r in rows}
