"""The policy behind an annual assessment, as sheets of 年度考核: how it is scored (考核办法), the
document's own targets against the year's figures (文件目标), and the project library's tiers on the
projects they concern (项目库).

Everything shown comes from the profile (DESIGN.md §2); a reader can check each line against the
document it names.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from techreform.indicators.catalogue import Indicator
from techreform.indicators.targets import document_target
from techreform.reconcile.categories import CATEGORY_TEXT
from techreform.reference.profiles import DocumentTarget, Profile
from techreform.reference.profiles.sections import SPLIT_TEXT
from techreform.subsidy.model import SubsidyProject
from techreform.workbooks.check import CheckInputs, unit_name
from techreform.workbooks.common import AMOUNT_FORMAT, print_setup, table, title

COMPARISON_TEXT = {
    "at_least": "不低于（以上）",
    "more_than": "高于（超过）",
    "about": "左右",
    "exactly": "达到该数",
    "at_most": "不高于",
}
DEDUCTION_NAMES = {
    "late_return": "逾期报送，每季",
    "missing_return": "未报送或无有效报表，每季",
    "missing_from_stats": "年末应统未统项目，每个",
}


def _label(indicators: dict[str, Indicator], ident: str, t: DocumentTarget | None = None) -> str:
    if ident in indicators:
        return indicators[ident].label
    return t.name if t is not None and t.name else ident


def policy_sheet(wb: Workbook, x: CheckInputs, config: dict[str, Any]) -> None:
    """考核办法: the document, the reform types, the weighted indicators with where each target comes
    from and how it is held to it, the cap, the deductions, the grades and the library tiers."""
    p, year = x.profile, x.period.year
    ws = wb.create_sheet("考核办法")
    kinds = {"division": "行政区划", "township": "乡镇", "zone": "开发区（园区）"}
    counts: dict[str, int] = {}
    for u in p.units:
        counts[u.kind] = counts.get(u.kind, 0) + 1
    facts = [
        ["政策文件", p.document],
        ["政策口径", f"{p.name}（{p.id}）"],
        ["考核对象", f"{p.unit_kind}：" + "，".join(f"{kinds.get(k, k)} {n} 个" for k, n in counts.items())],
        ["改造类型（工程）", "、".join(p.reform_types)],
        [
            "目标拆分",
            f"文件只给全{p.jurisdiction.name[-1:]}目标的，{SPLIT_TEXT.get(p.split, p.split)}"
            "（目标责任书可覆盖）",
        ],
        ["超额封顶", f"完成率最多按 {float(config['cap']):.0%} 计分"],
    ]
    rules = config["deductions"]
    for key, text in DEDUCTION_NAMES.items():
        if rules.get(key):
            facts.append(["扣分", f"{text}扣 {float(rules[key]):g} 分"])
    if rules.get("max") is not None:
        facts.append(["扣分上限", f"{float(rules['max']):g} 分"])
    bands = sorted(config["grades"], key=lambda b: -float(b["min"]))
    facts.append(["等次", "；".join(f"{b['name']} ≥ {float(b['min']):g} 分" for b in bands)])
    for lib in p.libraries:
        facts.append(["项目库", f"{lib.name}：总投资 ≥ {lib.from_:g} 万元"])
    start = title(ws, f"{p.jurisdiction.name}{year}年度技术改造考核办法（政策配置）", 5)
    table(ws, ["事项", "内容"], facts, start_row=start, widths=(30, 106))  # 内容 spans the columns B–E
    for r in range(start, start + len(facts) + 1):
        ws.merge_cells(start_row=r, start_column=2, end_row=r, end_column=5)
    row = start + len(facts) + 2
    indicators = {i.id: i for i in x.result.indicators}
    lines = []
    for ident, weight in config["weights"].items():
        t = document_target(p, ident, year)
        how = COMPARISON_TEXT.get(t.comparison if t else "at_least", "")
        source = (
            f"文件 {t.year} 年目标 {t.value:g}" + ("（每个单位）" if t.scope == "every_unit" else "（全域）")
            if t
            else "文件未给数值，按目标责任书"
        )
        lines.append([_label(indicators, ident, t), float(weight), how, source, t.note if t else ""])
    ws.cell(row=row, column=1, value="考核指标与权重").font = Font(bold=True)
    table(
        ws,
        ["指标", "权重", "目标要求", "目标来源", "文件原文"],
        lines,
        start_row=row + 1,
        widths=(30, 8, 14, 28, 60),
    )
    ws.freeze_panes = None  # two tables: nothing to keep in view
    print_setup(ws, header_row=start)


def _in_force(t: DocumentTarget, year: int) -> bool:
    return t.year == year or (t.cumulative_from is not None and t.cumulative_from <= year <= t.year)


def _shown(targets: Sequence[DocumentTarget], year: int) -> list[DocumentTarget]:
    """The targets for ``year`` (or a running total covering it) and, for an indicator without one,
    the next goal the document sets for it (到2025年…), in the document's order."""
    current = {t.indicator for t in targets if _in_force(t, year)}
    later: dict[str, DocumentTarget] = {}
    for t in targets:
        if t.indicator in current or t.year <= year:
            continue
        if t.indicator not in later or t.year < later[t.indicator].year:
            later[t.indicator] = t
    chosen = {id(t) for t in later.values()}
    return [t for t in targets if _in_force(t, year) or id(t) in chosen]


def document_targets_sheet(wb: Workbook, x: CheckInputs) -> None:
    """文件目标: every target the document sets for this year (or a running total covering it), with
    the year's figure of the jurisdiction and, for a target every unit is held to, how many met it."""
    p, year = x.profile, x.period.year
    ws = wb.create_sheet("文件目标")
    indicators = {i.id: i for i in x.result.indicators}
    total = {r.indicator: r.value for r in x.result.rows if r.unit == p.jurisdiction.code}
    rows: list[list[Any]] = []
    for t in _shown(p.document_targets, year):
        span = f"{t.cumulative_from}—{t.year}年累计" if t.cumulative_from is not None else f"{t.year}年"
        target: float | str = t.value if t.upper is None else f"{t.value:g}—{t.upper:g}"
        if not t.tracked:
            rows.append([_label(indicators, t.indicator, t), span, target, COMPARISON_TEXT[t.comparison],
                         None, "报表与统计数据无此项，不计算", t.note])  # fmt: skip
            continue
        value = total.get(t.indicator)
        if t.cumulative_from is not None and t.year != year:
            verdict = f"{year}年为累计目标的第 {year - t.cumulative_from + 1} 年（本年完成值，不含以前年度）"
        elif t.year > year:
            verdict = f"{t.year}年目标，仅供对照"
        elif value is None:
            verdict = "本年无数据"
        elif t.scope == "every_unit":
            units = [
                r for r in x.result.of(t.indicator) if r.unit != p.jurisdiction.code and r.value is not None
            ]
            ok = sum(1 for r in units if _reached(r.value, t))
            verdict = (
                "全域达到" if _reached(value, t) else "全域未达到"
            ) + f"；达到的单位 {ok}/{len(p.units)} 个"
        else:
            verdict = "达到" if _reached(value, t) else "未达到"
        rows.append([_label(indicators, t.indicator, t), span, target, COMPARISON_TEXT[t.comparison],
                     value, verdict, t.note])  # fmt: skip
    start = title(
        ws,
        f"《{p.document}》{year}年目标完成情况",
        7,
        f"文件为{year}年设定的目标（含覆盖{year}年的累计目标；文件未设本年目标的指标列其后最近年份的目标），"
        f"与全{p.jurisdiction.name[-1:]}本年完成值对照；“每个单位”口径的目标另计达到的单位数。",
    )
    if not rows:
        rows = [["（文件未为本年设定目标）", None, None, None, None, None, None]]
    table(
        ws,
        ["指标", "目标年度", "文件目标", "要求", f"{year}年完成值", "对照", "文件原文"],
        rows,
        start_row=start,
        widths=(30, 14, 10, 12, 13, 30, 60),
        formats={2: "#,##0.##", 4: AMOUNT_FORMAT},
    )
    print_setup(ws, header_row=start)


def _reached(value: float | None, t: DocumentTarget) -> bool:
    if value is None:
        return False
    if t.comparison == "more_than":
        return value > t.value
    if t.comparison == "at_most":
        return value <= t.value
    return value >= t.value


def library_sheet(wb: Workbook, profile: Profile, year: int, projects: Sequence[SubsidyProject]) -> None:
    """项目库: the year-end returns' projects that reach a library tier, each with the highest tier it
    belongs to (e.g. 龙南: ≥ 500万 市级库, ≥ 1亿 省级库) and its reconciliation with the statistics."""
    if not profile.libraries:
        return
    ws = wb.create_sheet("项目库")
    tiers = sorted(profile.libraries, key=lambda lib: lib.from_)
    rows = []
    order = {u.code: i for i, u in enumerate(profile.units)}
    for pr in sorted(projects, key=lambda q: (order.get(q.unit, len(order)), -(q.total_investment or 0.0))):
        tier = profile.library_of(pr.total_investment)
        if tier is None:
            continue
        rows.append([unit_name(profile, pr.unit), pr.enterprise, pr.project_name, pr.project_code or None,
                     pr.status, pr.total_investment, tier,
                     CATEGORY_TEXT.get(pr.category, pr.category) if pr.category else "未对账"])  # fmt: skip
    counts = "；".join(
        f"{lib.name}（总投资 ≥ {lib.from_:g} 万元）"
        + f" {sum(1 for r in rows if r[6] == lib.name)} 个"
        + ("" if lib is tiers[-1] else "（不含更高一级库）")
        for lib in tiers
    )
    start = title(
        ws,
        f"{profile.jurisdiction.name}{year}年技术改造项目库",
        8,
        f"年末有效报表的项目按总投资入库：{counts}。",
    )
    table(
        ws,
        [
            "单位",
            "企业名称",
            "项目名称",
            "项目代码",
            "项目状态",
            "总投资（万元）",
            "入库层级",
            "与统计库对账",
        ],
        rows or [["（无达到入库标准的项目）", None, None, None, None, None, None, None]],
        start_row=start,
        widths=(12, 30, 30, 26, 9, 13, 30, 24),
        formats={5: AMOUNT_FORMAT},
    )
    print_setup(ws, header_row=start)


__all__ = ["document_targets_sheet", "library_sheet", "policy_sheet"]
