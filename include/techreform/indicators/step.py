"""The quarterly check of one period: indicators, forecast, data quality, and the workbooks the
leadership office receives (季度检查 every quarter; 半年通报 at Q2 and 年度考核 at Q4 arrive with
their own modules)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Engine

from techreform.indicators import Indicators, assessed, evaluate
from techreform.indicators.catalogue import CUMULATIVE
from techreform.indicators.forecast import Projection, project
from techreform.indicators.inputs import gather
from techreform.indicators.outputs import write_indicators_csv
from techreform.indicators.reporting import reporting
from techreform.indicators.scoring import Score, rank, score_unit, settings
from techreform.indicators.store import save_run, year_history
from techreform.indicators.targets import comparisons, missing_targets, read_targets
from techreform.reference.periods import Period
from techreform.reference.profiles import Profile
from techreform.subsidy import estimate_for
from techreform.subsidy.library import library, recon_categories
from techreform.workbooks.bulletin import (
    assessment_file_name,
    bulletin_file_name,
    write_assessment,
    write_bulletin,
)
from techreform.workbooks.check import CheckInputs, write_check
from techreform.workbooks.subsidy import subsidy_sheets
from techreform.workspace import Workspace


@dataclass
class CheckResult:
    period: str
    indicators: Indicators | None  # None: nothing was due, no figures were computed (run_assess)
    changed: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


CADENCE = ("quarterly_check", "half_year_bulletin", "annual_assessment")  # a profile without its own


def check_file_name(period: str) -> str:
    return f"季度检查_{period}.xlsx"


def projections(
    result: Indicators, quarter: int, history: dict[tuple[str, str, int], float]
) -> dict[tuple[str, str], Projection]:
    """Year-end projections of cumulative indicators with a target. ``history`` holds last year's
    figures by (unit, indicator, quarter) where the warehouse has them."""
    out = {}
    for ind in result.indicators:
        if ind.kind != CUMULATIVE:
            continue
        for r in result.of(ind.id):
            if r.value is None or r.target is None:
                continue
            last = {q: v for (u, i, q), v in history.items() if u == r.unit and i == ind.id}
            out[(r.unit, ind.id)] = project(r.value, quarter, last, r.target)
    return out


def check_inputs(ws: Workspace, engine: Engine, period: str, *, keep: bool) -> CheckInputs:
    """Indicators from the warehouse (returns in force, the period's reconciliation), with the
    forecast and the reporting figures; ``keep`` records them as the period's new run in force."""
    profile = ws.profile
    per = Period.parse(period)
    targets, warnings = read_targets(ws.targets, per.year, profile)
    chosen = assessed(profile)
    gathered = gather(engine, profile, per)
    result = evaluate(chosen, gathered, targets, per.quarter, period, comparisons(profile, per.year))
    result.warnings = warnings + missing_targets(profile, chosen, targets, per.year)
    if keep:
        save_run(engine, result)
    coverage = gathered.coverage  # the period's reconciliation, as the indicators saw it
    missing = {u: c.missing_from_stats for u, c in coverage.items()} if coverage is not None else None
    return CheckInputs(
        profile=profile,
        period=per,
        result=result,
        reporting=reporting(engine, profile, period),
        projections=projections(result, per.quarter, year_history(engine, per.year - 1)),
        missing_from_stats=missing,
        reconciled=coverage is not None,
    )


def run_check(ws: Workspace, engine: Engine, period: str) -> CheckResult:
    """The quarterly check: indicators kept as a new run, indicators.csv and 季度检查 written where
    their content changed."""
    inputs = check_inputs(ws, engine, period, keep=True)
    changed: list[Path] = []
    folder = ws.reports_for(period)
    if write_indicators_csv(folder / "indicators.csv", inputs.result):
        changed.append(folder / "indicators.csv")
    book = folder / check_file_name(period)
    if write_check(book, inputs):
        changed.append(book)
    return CheckResult(period, inputs.result, changed, inputs.result.warnings)


def assessments_due(profile: Profile, per: Period) -> tuple[bool, bool]:
    """(半年通报, 年度考核) due for the period: Q2 and Q4 respectively, where the profile's cadence
    has them."""
    cadence = set(profile.raw.get("cadence") or CADENCE)
    return (
        per.quarter == 2 and "half_year_bulletin" in cadence,
        per.quarter == 4 and "annual_assessment" in cadence,
    )


def run_assess(ws: Workspace, engine: Engine, period: str) -> CheckResult:
    """半年通报 at Q2 and 年度考核 at Q4 (nothing in other quarters), from the same figures; the
    figures are computed only when one of them is due."""
    bulletin, assessment = assessments_due(ws.profile, Period.parse(period))
    if not (bulletin or assessment):
        return CheckResult(period, None)
    inputs = check_inputs(ws, engine, period, keep=False)
    per = inputs.period
    changed: list[Path] = []
    folder = ws.reports_for(period)
    if bulletin:
        book = folder / bulletin_file_name(per.year)
        if write_bulletin(book, inputs):
            changed.append(book)
    if assessment:
        book = folder / assessment_file_name(per.year)
        scores = assessment_scores(
            inputs, yearly_occurrences(engine, inputs.profile, per.year, inputs.missing_from_stats)
        )
        # 奖补测算 sheets where the profile has subsidy rules (the returns in force at the year end)
        sheets = subsidy_sheets(inputs.profile, estimate_for(engine, inputs.profile, period, ws.root))
        projects, _ = library(engine, period, recon_categories(engine, period))
        if write_assessment(book, inputs, scores, sheets, projects):
            changed.append(book)
    return CheckResult(period, inputs.result, changed, inputs.result.warnings)


def yearly_occurrences(
    engine: Engine, profile: Profile, year: int, missing: dict[str, int] | None
) -> dict[str, dict[str, float]]:
    """Per unit: quarters with a late first return, quarters without a return in force, and the
    year-end 应统未统 projects (from the Q4 reconciliation)."""
    out: dict[str, dict[str, float]] = {
        u.code: {"late_return": 0, "missing_return": 0, "missing_from_stats": 0} for u in profile.units
    }
    for q in range(1, 5):
        for u in reporting(engine, profile, f"{year}Q{q}").units:
            if not u.accepted:
                out[u.unit]["missing_return"] += 1
            elif not u.on_time:
                out[u.unit]["late_return"] += 1
    for unit, n in (missing or {}).items():
        if unit in out:
            out[unit]["missing_from_stats"] = n
    return out


def assessment_scores(inputs: CheckInputs, occurrences: dict[str, dict[str, float]]) -> list[Score]:
    config = settings(inputs.profile.raw.get("assessment") if isinstance(inputs.profile.raw, dict) else None)
    labels = {i.id: i.label for i in inputs.result.indicators}
    held = comparisons(inputs.profile, inputs.period.year)
    how = {i.id: (held.get(i.id, "at_least"), i.better) for i in inputs.result.indicators}
    scores = []
    for u in inputs.profile.units:
        figures = {
            r.indicator: (labels.get(r.indicator, r.indicator), r.value, r.target)
            for r in inputs.result.rows
            if r.unit == u.code
        }
        scores.append(score_unit(u.code, figures, occurrences.get(u.code, {}), config, how))
    return rank(scores)
