"""对账_<period>.xlsx for the statistics bureau, and each unit's own follow-up list (DESIGN.md §3.4).

The bureau acts on it: one sheet per category with what to do next and an empty 统计局意见
column; the workbook (or any copy of those sheets) dropped into ``decisions/`` is read back by the
next reconciliation, so confirming or rejecting a link is writing 确认 / 否决 in that column.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from techreform.reconcile import categories as cat
from techreform.reconcile.model import LibraryItem, Reconciliation, StatsItem
from techreform.reference.periods import Period
from techreform.reference.profiles import Profile
from techreform.workbooks.common import (
    AMOUNT_FORMAT,
    PERCENT_FORMAT,
    code_width,
    first_sheet,
    new_workbook,
    print_setup,
    publish,
    stable_bytes,
    table,
    title,
)

DECISION_HEADER = "统计局意见（确认/否决/关联）"
# What to do, in a few words for the rows (the sheet's subtitle says it in full: NEXT_STEP)
ROW_ACTION = {
    cat.MISSING_FROM_STATS: "督促申报入库",
    cat.AMOUNT_MISMATCH: "核对本年累计",
    cat.NATURE_MISMATCH: "核实建设性质",
    cat.DUPLICATE_REPORT: "核实项目所在地",
    cat.MISSING_FROM_LIBRARY: "县区核实补报",
    cat.MATCHED: "无需处理",
    cat.NOT_REQUIRED: "暂不需入统",
}
NEXT_STEP = {
    cat.MISSING_FROM_STATS: "县区督促项目单位按统计制度申报入库；统计局核实后纳入固定资产投资统计",
    cat.AMOUNT_MISMATCH: "县区与统计局核对本年累计完成投资，以统计口径为准更正报表或统计数据",
    cat.NATURE_MISMATCH: "统计库建设性质不是“改建和技术改造”，不计入技改投资：核实后更正建设性质",
    cat.DUPLICATE_REPORT: "同一项目代码由两个县区报送：核实项目所在地，由不属于的县区删除后重报",
    cat.MISSING_FROM_LIBRARY: "统计库有此技改项目而县区未报：县区核实后补报入项目库",
    cat.MATCHED: "一致，无需处理",
    cat.NOT_REQUIRED: "低于入统标准或尚未开工、本年未完成投资：暂不需入统",
}
LIBRARY_SHEETS = (
    (cat.MISSING_FROM_STATS, "应统未统"),
    (cat.AMOUNT_MISMATCH, "金额不一致"),
    (cat.NATURE_MISMATCH, "建设性质不符"),
    (cat.DUPLICATE_REPORT, "重复报送"),
    (cat.MATCHED, "已匹配"),
    (cat.NOT_REQUIRED, "无需入统"),
)
_LIB_HEADERS = (
    "单位代码",
    "单位",
    "企业名称",
    "统一社会信用代码",
    "项目名称",
    "项目代码",
    "项目状态",
    "总投资（万元）",
    "库内本年累计（万元）",
    "统计本年累计（万元）",
    "统计项目编号",
    "匹配方式",
    "来源（报表、行）",
    "下一步",
    DECISION_HEADER,
)
_LIB_WIDTHS = (9, 10, 26, 21, 30, 26, 8, 11, 11, 11, 11, 14, 30, 14, 18)
_STATS_HEADERS = (
    "单位代码",
    "单位",
    "统计项目编号",
    "法人单位名称",
    "统一社会信用代码",
    "项目名称",
    "项目代码",
    "建设性质",
    "计划总投资（万元）",
    "统计本年累计（万元）",
    "下一步",
    DECISION_HEADER,
)
_STATS_WIDTHS = (9, 10, 12, 26, 21, 30, 26, 14, 11, 11, 14, 18)


def _unit_name(profile: Profile, code: str) -> str:
    u = profile.unit(code)
    return u.name if u else ("（本级）" if code == profile.jurisdiction.code else code)


def _how(x: LibraryItem) -> str:
    return x.link.tier if x.link else ""


def _unit_names(profile: Profile) -> Callable[[str], str]:
    """_unit_name of the profile, each code looked up once (a province: 180 units, 100,000 rows)."""
    return cache(lambda code: _unit_name(profile, code))


def _library_row(unit_name: Callable[[str], str], x: LibraryItem) -> list[Any]:
    return [
        x.unit,
        unit_name(x.unit),
        x.enterprise_name,
        x.uscc,
        x.project_name,
        x.project_code,
        x.status,
        x.total_investment,
        x.ytd_completed,
        x.stats_ytd,
        x.stats_project_id,
        _how(x),
        x.source,
        ROW_ACTION[x.category],
        None,
    ]


def _stats_row(unit_name: Callable[[str], str], s: StatsItem) -> list[Any]:
    return [
        s.unit,
        unit_name(s.unit),
        s.key,
        s.enterprise_name,
        s.uscc,
        s.project_name,
        s.project_code,
        s.construction_nature,
        s.total_investment,
        s.ytd_completed,
        ROW_ACTION[cat.MISSING_FROM_LIBRARY],
        None,
    ]


def _sum(values: Sequence[float | None]) -> float:
    return round(sum(v or 0.0 for v in values), 4)


def summary_rows(profile: Profile, rec: Reconciliation) -> list[list[Any]]:
    """Per unit, then the jurisdiction: counts and 本年累计 per category, and 入统率."""
    rows = []
    units = [u.code for u in profile.units]
    for code in [*units, None]:
        lib = rec.library if code is None else rec.library_of(code)
        st = rec.stats if code is None else rec.stats_of(code)
        counts = [sum(x.category == c for x in lib) for c, _ in LIBRARY_SHEETS]
        missing_lib = [s for s in st if s.category == cat.MISSING_FROM_LIBRARY]
        qualifying = [x for x in lib if x.qualifying]
        found = [x for x in qualifying if x.category in cat.FOUND_IN_STATS]
        rate = round(100 * len(found) / len(qualifying), 1) if qualifying else None
        rows.append(
            [
                code or profile.jurisdiction.code,
                _unit_name(profile, code) if code else f"{profile.jurisdiction.name}合计",
                len(lib),
                *counts,
                len(missing_lib),
                _sum([x.ytd_completed for x in lib]),
                _sum([x.ytd_completed for x in lib if x.category == cat.MISSING_FROM_STATS]),
                _sum([s.ytd_completed for s in missing_lib]),
                len(qualifying),
                len(found),
                rate,
            ]
        )
    return rows


_SUMMARY_HEADERS = (
    "单位代码",
    "单位",
    "库内项目数",
    *(name for _, name in LIBRARY_SHEETS),
    "统计有、县区未报",
    "库内本年累计（万元）",
    "应统未统本年累计（万元）",
    "未入库本年累计（万元）",
    "应入统项目数",
    "已入统项目数",
    "入统率（%）",
)


def write_workbook(path: Path, profile: Profile, rec: Reconciliation) -> bool:
    """The bureau's reconciliation workbook; True if the file changed."""
    return publish(path, workbook_bytes(profile, rec))


def workbook_bytes(profile: Profile, rec: Reconciliation) -> bytes:
    """The bureau's reconciliation workbook as ``write_workbook`` saves it (no file written)."""
    period = Period.parse(rec.period)
    unit_name = _unit_names(profile)
    wb = new_workbook()
    ws = first_sheet(wb)
    ws.title = "汇总"
    n = len(_SUMMARY_HEADERS)
    start = title(
        ws,
        f"{profile.jurisdiction.name}技改项目库与统计局固定资产投资库对账汇总（{period.label}）",
        n,
        f"统计局数据：{rec.extract.source}（{rec.extract.loaded_at:%Y-%m-%d %H:%M} 读取）；"
        f"项目库：各{profile.unit_kind}本期有效报表。应入统：总投资≥{profile.project_code_required_from:g}万元、"
        "已开工且本年有完成投资。",
    )
    rows = summary_rows(profile, rec)
    table(
        ws,
        _SUMMARY_HEADERS,
        rows,
        start_row=start,
        widths=(code_width(profile), 12, *([9] * (len(LIBRARY_SHEETS) + 2)), 12, 12, 12, 9, 9, 9),
        formats={i: AMOUNT_FORMAT for i in range(len(LIBRARY_SHEETS) + 4, len(LIBRARY_SHEETS) + 7)}
        | {n - 1: PERCENT_FORMAT},
        total_rows=(len(rows) - 1,),
    )
    print_setup(ws, header_row=start)
    for category, name in LIBRARY_SHEETS:
        sheet = wb.create_sheet(name)
        items = [x for x in rec.library if x.category == category]
        start = title(sheet, f"{name}（{len(items)}个项目）", len(_LIB_HEADERS), NEXT_STEP[category])
        table(
            sheet,
            _LIB_HEADERS,
            [_library_row(unit_name, x) for x in items],
            start_row=start,
            widths=(code_width(profile), *_LIB_WIDTHS[1:]),
            formats={7: AMOUNT_FORMAT, 8: AMOUNT_FORMAT, 9: AMOUNT_FORMAT},
            streamed=True,
        )
        print_setup(sheet, header_row=start)
    missing = [s for s in rec.stats if s.category == cat.MISSING_FROM_LIBRARY]
    sheet = wb.create_sheet("统计有县区未报")
    start = title(
        sheet,
        f"统计库有、县区未报的技改项目（{len(missing)}个）",
        len(_STATS_HEADERS),
        NEXT_STEP[cat.MISSING_FROM_LIBRARY],
    )
    table(
        sheet,
        _STATS_HEADERS,
        [_stats_row(unit_name, s) for s in missing],
        start_row=start,
        widths=(code_width(profile), *_STATS_WIDTHS[1:]),
        formats={8: AMOUNT_FORMAT, 9: AMOUNT_FORMAT},
        streamed=True,
    )
    print_setup(sheet, header_row=start)
    _evidence(wb, profile, rec)
    _notes(wb, profile, rec)
    return stable_bytes(wb)


def _evidence(wb: Any, profile: Profile, rec: Reconciliation) -> None:
    sheet = wb.create_sheet("匹配依据")
    headers = (
        "单位代码",
        "库内项目名称",
        "统计项目编号",
        "统计项目名称",
        "匹配方式",
        "项目名称相似度",
        "企业名称相似度",
        "库内名称（规范化）",
        "统计名称（规范化）",
        "库内企业（规范化）",
        "统计企业（规范化）",
    )
    lib = {x.key: x for x in rec.library}
    st = {s.key: s for s in rec.stats}
    rows = [
        [
            lib[k.library].unit,
            lib[k.library].project_name,
            k.stats,
            st[k.stats].project_name,
            k.tier,
            k.project_score,
            k.company_score,
            k.library_project_key,
            k.stats_project_key,
            k.library_company_key,
            k.stats_company_key,
        ]
        for k in sorted(rec.links, key=lambda k: (lib[k.library].unit, k.tier, k.stats))
    ]
    start = title(
        sheet,
        f"匹配依据（{len(rows)}对）",
        len(headers),
        "逐对列出匹配方式和名称相似度（0–100）。项目代码相同者直接匹配；否则同一信用代码且项目名称相近；"
        "否则同一县区内企业名称和项目名称都相近。人工确认为统计局在“统计局意见”中确认或关联的结果。",
    )
    widths = (code_width(profile), 28, 12, 28, 16, 10, 10, 22, 22, 18, 18)
    table(sheet, headers, rows, start_row=start, widths=widths, streamed=True)
    print_setup(sheet, header_row=start)


def _notes(wb: Any, profile: Profile, rec: Reconciliation) -> None:
    sheet = wb.create_sheet("说明")
    lines = [
        ("类别", "含义"),
        *((cat.CATEGORY_TEXT[c], NEXT_STEP[c]) for c, _ in LIBRARY_SHEETS),
        (cat.CATEGORY_TEXT[cat.MISSING_FROM_LIBRARY], NEXT_STEP[cat.MISSING_FROM_LIBRARY]),
        ("金额一致", "库内与统计本年累计完成投资之差不超过统计数的5%或10万元（取大者）"),
        (
            "统计局意见",
            "在各类别表的最后一列填写“确认”（是同一项目）、“否决”（不是同一项目）或“关联”（并填写统计项目编号），"
            "将本工作簿放入工作区 decisions/ 文件夹，下次对账时优先采用，并在以后各期继续有效。",
        ),
        ("本期已采用的统计局意见", f"{rec.decisions_applied}条"),
    ]
    for w in rec.warnings:
        lines.append(("统计数据提示", w))
    start = title(sheet, "说明", 2)
    table(sheet, lines[0], lines[1:], start_row=start, widths=(22, 100))
    print_setup(sheet, header_row=start, landscape=False)


def write_unit_followup(path: Path, profile: Profile, rec: Reconciliation, unit: str) -> bool | None:
    """A unit's own list: its 应统未统 and 未入库 projects with what to do; None when it has none."""
    data = followup_bytes(profile, rec, unit)
    if data is None:
        if path.exists():
            path.unlink()
        return None
    return publish(path, data)


def followup_bytes(profile: Profile, rec: Reconciliation, unit: str) -> bytes | None:
    """A unit's list as ``write_unit_followup`` saves it; None when it has none (no file)."""
    todo_lib = [
        x for x in rec.library_of(unit) if x.category in (cat.MISSING_FROM_STATS, cat.DUPLICATE_REPORT)
    ]
    todo_st = [s for s in rec.stats_of(unit) if s.category == cat.MISSING_FROM_LIBRARY]
    if not todo_lib and not todo_st:
        return None
    period = Period.parse(rec.period)
    wb = new_workbook()
    ws = first_sheet(wb)
    ws.title = "待核实项目"
    headers = (
        "序号",
        "类别",
        "企业名称",
        "统一社会信用代码",
        "项目名称",
        "项目代码",
        "本年累计（万元）",
        "请做的事",
    )
    rows: list[list[Any]] = []
    for x in todo_lib:
        rows.append(
            [
                len(rows) + 1,
                cat.CATEGORY_TEXT[x.category],
                x.enterprise_name,
                x.uscc,
                x.project_name,
                x.project_code,
                x.ytd_completed,
                NEXT_STEP[x.category],
            ]
        )
    for s in todo_st:
        rows.append(
            [
                len(rows) + 1,
                cat.CATEGORY_TEXT[cat.MISSING_FROM_LIBRARY],
                s.enterprise_name,
                s.uscc,
                s.project_name,
                s.project_code,
                s.ytd_completed,
                NEXT_STEP[cat.MISSING_FROM_LIBRARY],
            ]
        )
    start = title(
        ws,
        f"{_unit_name(profile, unit)}技改项目对账待核实清单（{period.label}）",
        len(headers),
        f"以下项目经与统计局固定资产投资库比对需要核实，请于下次报送前处理，确保应统尽统。"
        f"如有疑问请联系{profile.issuer or '市工信局'}。",
    )
    widths = (6, 16, 26, 21, 30, 26, 12, 48)
    table(ws, headers, rows, start_row=start, widths=widths, formats={6: AMOUNT_FORMAT}, streamed=True)
    print_setup(ws, header_row=start)
    return stable_bytes(wb)
