"""半年通报_<year>H1.xlsx (at Q2) and 年度考核_<year>.xlsx (at Q4) for the leadership office."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl.styles import Alignment, Font

from techreform.indicators.commentary import paragraphs
from techreform.indicators.scoring import Score, settings
from techreform.subsidy.model import SubsidyProject
from techreform.workbooks.check import CheckInputs, key_indicators, unit_name
from techreform.workbooks.common import (
    AMOUNT_FORMAT,
    code_width,
    first_sheet,
    fit_to_page,
    new_workbook,
    print_setup,
    save_stable,
    table,
    title,
)
from techreform.workbooks.policy import document_targets_sheet, library_sheet, policy_sheet

RATIO_FORMAT = "0.0%"


def bulletin_file_name(year: int) -> str:
    return f"半年通报_{year}H1.xlsx"


def assessment_file_name(year: int) -> str:
    return f"年度考核_{year}.xlsx"


def write_bulletin(path: Path, x: CheckInputs) -> bool:
    wb = new_workbook()
    ws = first_sheet(wb)
    ws.title = "通报"
    key = key_indicators(x)
    missing = sum((x.missing_from_stats or {}).values()) if x.reconciled else None
    paras = paragraphs(x.profile, x.period.year, x.result, key, x.projections, x.reporting, missing)
    ws.column_dimensions["A"].width = 66  # about 32 characters of 12-point 仿宋: an A4 page
    ws.cell(
        row=1,
        column=1,
        value=f"关于{x.period.year}年上半年全{x.profile.jurisdiction.name[-1:]}技术改造工作进展情况的通报",
    ).font = Font(name="宋体", size=16, bold=True)
    ws.cell(row=1, column=1).alignment = Alignment(horizontal="center", wrap_text=True)
    ws.row_dimensions[1].height = 44
    ws.cell(row=2, column=1, value=f"各{x.profile.unit_kind}：").font = Font(name="仿宋", size=12)
    row = 3
    intro = (
        f"根据《{x.profile.document}》的要求，现将{x.period.year}年上半年"
        f"各{x.profile.unit_kind}技术改造目标任务完成情况通报如下："
    )
    for heading, texts in [("", [intro]), *paras]:
        if heading:
            ws.cell(row=row, column=1, value=heading).font = Font(name="黑体", size=12, bold=True)
            row += 1
        for text in texts:
            cell = ws.cell(row=row, column=1, value=("　　" + text))
            cell.font = Font(name="仿宋", size=12)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            ws.row_dimensions[row].height = 16 * (len(text) // 31 + 1)
            row += 1
    row += 1
    ws.cell(row=row, column=1, value="附：各单位主要指标完成情况、排名、预测预警（见后表）").font = Font(
        name="仿宋", size=12
    )
    signer = x.profile.leadership_office or x.profile.issuer
    ws.cell(row=row + 2, column=1, value=signer).alignment = Alignment(horizontal="right")
    ws.page_setup.orientation = "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    fit_to_page(ws)
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    _figures(wb, x)
    return save_stable(wb, path)


def _figures(wb: Any, x: CheckInputs, when: str = "上半年", sheet: str = "主要指标") -> None:
    ws = wb.create_sheet(sheet)
    headers = ["指标", "单位", "完成值", "年度目标", "完成率", "序时进度", "状态", "排名"]
    rows = [
        [
            ind.label,
            unit_name(x.profile, r.unit),
            r.value,
            r.target,
            r.completion_rate,
            r.time_progress,
            r.status,
            r.rank,
        ]
        for ind in key_indicators(x)
        for r in x.result.of(ind.id)
    ]
    start = title(ws, f"{x.period.year}年{when}主要指标完成情况", len(headers))
    table(
        ws,
        headers,
        rows,
        start_row=start,
        widths=(30, 16, 13, 13, 9, 9, 10, 6),
        formats={2: AMOUNT_FORMAT, 3: AMOUNT_FORMAT, 4: RATIO_FORMAT, 5: RATIO_FORMAT},
        total_rows=[i for i, r in enumerate(rows) if str(r[1]).endswith("（合计）")],
    )
    print_setup(ws, header_row=start)


def write_assessment(
    path: Path,
    x: CheckInputs,
    scores: list[Score],
    subsidy_sheets: Any = None,
    library: Sequence[SubsidyProject] | None = None,
) -> bool:
    """年度考核: the result, each line of each score, the policy it follows (考核办法, 文件目标), the
    subsidy estimate, the project library's tiers (``library``: the year-end projects) and the year's
    figures."""
    config = settings(x.profile.raw.get("assessment") if isinstance(x.profile.raw, dict) else None)
    wb = new_workbook()
    ws = first_sheet(wb)
    ws.title = "考核结果"
    headers = ["排名", "单位代码", "单位", "指标得分", "扣分", "总分", "等次"]
    rows = [
        [
            s.rank,
            s.unit,
            unit_name(x.profile, s.unit),
            round(s.total + s.deducted, 2),
            s.deducted,
            s.total,
            s.grade,
        ]
        for s in scores
    ]
    start = title(
        ws,
        f"{x.profile.jurisdiction.name}{x.period.year}年度技术改造目标责任考核结果",
        len(headers),
        f"依据《{x.profile.document}》。各项得分 = 权重 × 完成率（超额部分封顶）；目标为“高于 0”等"
        "无法计算完成率的，达到得满分、未达到不得分；逾期、未报送和年末应统未统项目扣分；计分明细见“计分明细”表，"
        "指标、权重与文件目标见“考核办法”“文件目标”表。"
        + "".join(f"\n提示：{w}。" for w in x.result.warnings if w.startswith("目标责任书")),
    )
    table(
        ws,
        headers,
        rows,
        start_row=start,
        widths=(6, code_width(x.profile), 16, 10, 8, 10, 8),
        formats={3: "0.00", 4: "0.00", 5: "0.00"},
    )
    print_setup(ws, header_row=start)
    detail = wb.create_sheet("计分明细")
    headers = ["单位", "项目", "完成值", "目标", "完成率", "计分完成率", "权重/每次扣分", "得分", "说明"]
    lines: list[list[Any]] = []
    totals: list[int] = []
    for s in scores:
        for line in s.lines:
            lines.append(
                [
                    unit_name(x.profile, s.unit),
                    line.what,
                    line.value,
                    line.target,
                    line.completion,
                    line.counted,
                    line.weight,
                    line.points,
                    line.note,
                ]
            )
        totals.append(len(lines))
        lines.append(
            [
                unit_name(x.profile, s.unit),
                "总分",
                None,
                None,
                None,
                None,
                None,
                s.total,
                f"等次：{s.grade}；排名：{s.rank}",
            ]
        )
    start = title(detail, "计分明细（逐项）", len(headers))
    table(
        detail,
        headers,
        lines,
        start_row=start,
        widths=(14, 30, 13, 13, 9, 10, 12, 9, 30),
        formats={2: AMOUNT_FORMAT, 3: AMOUNT_FORMAT, 4: RATIO_FORMAT, 5: RATIO_FORMAT, 7: "0.00"},
        total_rows=totals,
    )
    print_setup(detail, header_row=start)
    policy_sheet(wb, x, config)
    document_targets_sheet(wb, x)
    if subsidy_sheets is not None:
        subsidy_sheets(wb)
    if library is not None:
        library_sheet(wb, x.profile, x.period.year, library)
    _figures(wb, x, "全年", "全年指标")
    return save_stable(wb, path)
