"""The subsidy arithmetic: a profile's ``subsidies`` rules applied to the library.

Order, each step written into the line it changes:

1. per project rule and project: eligibility (status, 规上, thresholds, 入统), basis × rate,
   "no double support", the per-project cap;
2. per rule: "one project per enterprise per year" (the largest award stays), then the
   per-enterprise cap (in the projects' order);
3. per recognition rule: one award per enterprise, category and level of the year;
4. across every rule: the enterprise's local retained tax of the year, where the profile caps by
   it (``subsidy_total_cap: retained_tax``) — lines are cut in order until the tax is used up.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from techreform.reconcile.categories import CATEGORY_TEXT, FOUND_IN_STATS
from techreform.reference.profiles.sections import SubsidyRule
from techreform.subsidy.model import (
    Estimate,
    Line,
    ProjectInput,
    SubsidyInputs,
    SubsidyProject,
    SubsidyRecognition,
)

BASIS_TEXT = {
    "equipment_investment": "设备投资",
    "total_investment": "总投资",
    "smart_equipment_purchase": "智能装备采购额",
    "design_fee": "方案设计费",
    "provincial_funds": "省级财政支持",
}
FROM_RETURN = ("equipment_investment", "total_investment")


def _w(v: float) -> str:
    """An amount in 万元 as the sheet writes it."""
    return f"{v:,.2f}".rstrip("0").rstrip(".")


def _pct(rate: float) -> str:
    return f"{rate * 100:g}%"


def _basis(rule: SubsidyRule, p: SubsidyProject, given: ProjectInput) -> float | None:
    name = str(rule.basis)
    value = getattr(p, name) if name in FROM_RETURN else getattr(given, name)
    return None if value is None else float(value)


def _not_candidate(rule: SubsidyRule, p: SubsidyProject, basis: float) -> str | None:
    """Why the project is not a candidate for this rule at all (its status, size or amounts), or
    None. Such projects get no line; the estimate counts them."""
    if rule.statuses and p.status not in rule.statuses:
        return f"项目状态为“{p.status or '未填'}”，本条款只适用于{'/'.join(rule.statuses)}项目"
    if rule.above_scale_only and p.above_scale != "是":
        return "非规模以上企业，不符合本条款"
    if rule.min_total_investment is not None and (p.total_investment or 0.0) < rule.min_total_investment:
        return f"总投资 {_w(p.total_investment or 0.0)} 万元，未达 {_w(rule.min_total_investment)} 万元"
    if (
        rule.min_equipment_investment is not None
        and (p.equipment_investment or 0.0) < rule.min_equipment_investment
    ):
        bound = _w(rule.min_equipment_investment)
        return f"设备投资 {_w(p.equipment_investment or 0.0)} 万元，未达 {bound} 万元"
    if rule.min_basis is not None and basis < rule.min_basis:
        return f"{BASIS_TEXT[str(rule.basis)]} {_w(basis)} 万元，未达 {_w(rule.min_basis)} 万元"
    return None


def _excluded(rule: SubsidyRule, p: SubsidyProject) -> str | None:
    """Why a candidate loses the subsidy (shown in its line), or None."""
    if rule.in_statistics_only:
        if p.category is None:
            return "本期无对账结果，无法确认已列入国家统计库，暂不测算"
        if p.category not in FOUND_IN_STATS:
            text = CATEGORY_TEXT.get(p.category, p.category)
            return f"对账结果为“{text}”，未列入国家统计库，不予奖补"
    return None


def project_lines(
    rule: SubsidyRule,
    projects: Iterable[SubsidyProject],
    inputs: SubsidyInputs,
    skipped: dict[str, int] | None = None,
) -> list[Line]:
    """Step 1 for one rule: a line for every candidate project; ``skipped`` counts, per rule name,
    the projects with a basis that are not candidates (status, size, thresholds)."""
    out: list[Line] = []
    rate = float(rule.rate or 0.0)
    for p in projects:
        given = inputs.of(p.uscc, p.project_code, p.project_name)
        basis = _basis(rule, p, given)
        if basis is None or basis <= 0:
            continue
        if _not_candidate(rule, p, basis):
            if skipped is not None:
                skipped[rule.name] = skipped.get(rule.name, 0) + 1
            continue
        label = BASIS_TEXT[str(rule.basis)]
        shown = [f"{label} {_w(basis)}"]
        if rule.min_total_investment is not None or rule.min_equipment_investment is not None:
            shown += [
                f"总投资 {_w(p.total_investment or 0.0)}",
                f"设备投资 {_w(p.equipment_investment or 0.0)}",
            ]
        if rule.no_double_support:
            shown.append(f"已获其他资金支持 {_w(given.other_support or 0.0)}")
        computed = round(basis * rate, 4)
        line = Line(
            unit=p.unit,
            uscc=p.uscc,
            enterprise=p.enterprise,
            item=p.project_name,
            project_code=p.project_code,
            rule_id=rule.id,
            rule_name=rule.name,
            inputs="；".join(shown),
            arithmetic=f"{_w(basis)} × {_pct(rate)} = {_w(computed)}",
            computed=computed,
            amount=computed,
        )
        why = _excluded(rule, p)
        if why:
            line.amount, line.arithmetic = 0.0, line.arithmetic + " → 0"
            line.notes.append(why)
        elif rule.no_double_support and (given.other_support or 0.0) > 0:
            line.amount, line.arithmetic = 0.0, line.arithmetic + " → 0"
            line.notes.append(f"已获上级或其他资金支持 {_w(given.other_support or 0.0)} 万元，不重复支持")
        elif rule.cap_per_project is not None and computed > rule.cap_per_project:
            line.amount = float(rule.cap_per_project)
            line.arithmetic += f" → 按上限 {_w(rule.cap_per_project)}"
            line.notes.append(f"单个项目最高 {rule.cap_per_project:g} 万元")
        out.append(line)
    return out


def one_per_enterprise(lines: list[Line]) -> None:
    """Step 2a: of one enterprise's lines under one rule only the largest award stays."""
    best: dict[str, Line] = {}
    for line in lines:
        if line.amount > 0 and (line.uscc not in best or line.amount > best[line.uscc].amount):
            best[line.uscc] = line
    for line in lines:
        kept = best.get(line.uscc)
        if line.amount > 0 and kept is not None and kept is not line:
            line.amount = 0.0
            line.notes.append(f"同一企业每年只支持一个项目，已按金额最大的“{kept.item}”测算")


def enterprise_cap(lines: list[Line], cap: float, what: str) -> None:
    """Cut an enterprise's lines, in order, once their sum reaches ``cap``."""
    used: dict[str, float] = {}
    for line in lines:
        if line.amount <= 0:
            continue
        before = used.get(line.uscc, 0.0)
        room = max(cap - before, 0.0)
        if line.amount > room:
            line.notes.append(
                f"{what} {cap:g} 万元：本企业此前已计 {_w(before)} 万元，本项计 {_w(room)} 万元"
            )
            line.arithmetic += f" → {_w(room)}"
            line.amount = room
        used[line.uscc] = before + line.amount


def recognition_lines(
    rule: SubsidyRule, recognitions: Iterable[SubsidyRecognition], inputs: SubsidyInputs, year: int
) -> list[Line]:
    """Step 3: a one-off award per enterprise, category and level recognised in ``year``."""
    awards: dict[tuple[str, str], float] = {(a.category, a.level): a.amount for a in rule.awards}
    seen: set[tuple[str, str, str]] = set()
    out: list[Line] = []
    for r in recognitions:
        key = (r.uscc, r.category, r.level)
        if r.year != year or (r.category, r.level) not in awards or key in seen:
            continue
        seen.add(key)
        amount = float(awards[(r.category, r.level)])
        given = inputs.of(r.uscc, "", r.category)
        line = Line(
            unit=r.unit,
            uscc=r.uscc,
            enterprise=r.enterprise,
            item=f"{r.level}{r.category}（{r.year}年认定）",
            project_code="",
            rule_id=rule.id,
            rule_name=rule.name,
            inputs=f"认定：{r.level}{r.category}",
            arithmetic=f"定额 {_w(amount)}",
            computed=amount,
            amount=amount,
        )
        if rule.no_double_support and (given.other_support or 0.0) > 0:
            line.amount, line.arithmetic = 0.0, line.arithmetic + " → 0"
            line.notes.append(f"已获上级资金奖励 {_w(given.other_support or 0.0)} 万元，不重复奖励")
        out.append(line)
    return out


def retained_tax_cap(lines: list[Line], inputs: SubsidyInputs) -> list[str]:
    """Step 4: every enterprise's awards capped by its local retained tax; warnings for enterprises
    with an award and no tax figure."""
    used: dict[str, float] = {}
    missing: set[str] = set()
    for line in lines:
        if line.amount <= 0:
            continue
        tax = inputs.retained_tax.get(line.uscc)
        if tax is None:
            line.notes.append("未提供该企业当年地方留存税收，未按税收限额核减，兑现前须核实")
            missing.add(line.enterprise or line.uscc)
            continue
        before = used.get(line.uscc, 0.0)
        room = max(tax - before, 0.0)
        if line.amount > room:
            line.notes.append(
                f"以企业当年地方留存税收 {_w(tax)} 万元为限："
                f"此前已计 {_w(before)} 万元，本项计 {_w(room)} 万元"
            )
            line.arithmetic += f" → {_w(room)}"
            line.amount = room
        used[line.uscc] = before + line.amount
    return [f"{len(missing)} 家企业未提供当年地方留存税收，奖补未按税收限额核减"] if missing else []


def estimate(
    rules: Sequence[SubsidyRule],
    projects: Sequence[SubsidyProject],
    recognitions: Sequence[SubsidyRecognition],
    inputs: SubsidyInputs,
    year: int,
    total_cap: str | None = None,
) -> Estimate:
    """Every rule applied to the library, with every cap visible in its line."""
    result = Estimate(year, warnings=list(inputs.warnings))
    skipped: dict[str, int] = {}
    for rule in rules:
        if rule.kind == "recognition":
            lines = recognition_lines(rule, recognitions, inputs, year)
        else:
            lines = project_lines(rule, projects, inputs, skipped)
            if rule.one_per_enterprise:
                one_per_enterprise(lines)
        if rule.cap_per_enterprise is not None:
            enterprise_cap(lines, float(rule.cap_per_enterprise), "单个企业补助总额不超过")
        result.lines.extend(lines)
    result.skipped = skipped
    if total_cap == "retained_tax":
        result.warnings += retained_tax_cap(result.lines, inputs)
    for line in result.lines:
        line.amount = round(line.amount, 2)
    return result


__all__ = ["BASIS_TEXT", "estimate", "project_lines", "recognition_lines"]
