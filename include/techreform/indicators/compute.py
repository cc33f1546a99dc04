"""Indicator values per unit and for the jurisdiction (DESIGN.md §4), from plain inputs.

Units without an accepted return for the period have no library figures (None). The total row
sums counts and amounts, counts an enterprise once however many units report it, and recomputes
rates from the summed parts (a growth from the summed year-to-date and last-year figures, a
coverage from the summed qualifying and found projects, timeliness as the share of units).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from techreform.indicators.catalogue import Indicator

DONE = ("竣工", "投产")
RECOGNISED_LEVELS = ("国家级", "省级")
EFFECTS = {
    "staff_reduction": "staff_reduction_pct",
    "energy_reduction": "energy_reduction_pct",
    "efficiency_gain": "efficiency_gain_pct",
}


@dataclass(frozen=True)
class ProjectFacts:
    uscc: str | None
    status: str | None
    reform_type: str | None
    total_investment: float | None
    annual_plan: float | None
    smart_equipment_units: float | None
    effects: dict[str, float | None] = field(default_factory=dict)  # staff_reduction_pct → value
    # other 项目表 fields, for a profile's own (custom) indicators: read only when it has some
    fields: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class UnitTotals:
    industrial_ytd: float | None
    tech_ytd: float | None
    industrial_prev: float | None
    tech_prev: float | None


@dataclass(frozen=True)
class Coverage:
    qualifying: int
    found: int
    missing_from_stats: int


# a recognition (category, level, year) of the warehouse, whose fields may be empty
RecognitionRow = tuple[str | None, str | None, int | None]


@dataclass
class Inputs:
    year: int
    units: list[str]
    jurisdiction: str
    key_project_from: float
    projects: dict[str, list[ProjectFacts]]  # only units with an accepted return in force
    recognitions: dict[str, list[RecognitionRow]]
    totals: dict[str, UnitTotals] | None  # None: no statistics extract for the period
    coverage: dict[str, Coverage] | None  # None: no reconciliation for the period
    on_time: dict[str, bool]  # units with an accepted return: was the first one on time


def _f(v: float | None) -> float:
    return float(v) if v is not None else 0.0


def _ratio(num: float | None, den: float | None, scale: float = 100.0) -> float | None:
    if num is None or den in (None, 0):
        return None
    return float(num) / float(den) * scale


def _growth(now: float | None, before: float | None) -> float | None:
    r = _ratio(now, before, 1.0)
    return None if r is None else (r - 1) * 100


def _big(ps: Iterable[ProjectFacts], threshold: float) -> list[ProjectFacts]:
    return [p for p in ps if _f(p.total_investment) >= threshold and (p.status or "") != "计划"]


def _weighted(ps: Iterable[ProjectFacts], column: str) -> float | None:
    num = den = 0.0
    for p in ps:
        v = p.effects.get(column)
        if (p.status or "") in DONE and v is not None and p.total_investment:
            num += float(v) * float(p.total_investment)
            den += float(p.total_investment)
    return num / den if den else None


def _library(ind: Indicator, ps: list[ProjectFacts], big: list[ProjectFacts]) -> float | None:
    """``big``: the key projects of ``ps`` (``_big``), picked once for every indicator."""
    if ind.id == "reforming_enterprises":
        return float(len({p.uscc for p in ps if p.uscc and (p.status or "") != "计划"}))
    if ind.template == "projects_over_10m":
        return float(len(big))
    if ind.template == "projects_over_10m:{value}":
        return float(sum(1 for p in big if p.reform_type == ind.value))
    if ind.id == "projects_total_investment":
        return sum(_f(p.total_investment) for p in big)
    if ind.id == "projects_annual_plan":
        return sum(_f(p.annual_plan) for p in big)
    if ind.id == "smart_equipment_units":
        return sum(_f(p.smart_equipment_units) for p in ps)
    if ind.id in EFFECTS:
        return _weighted(ps, EFFECTS[ind.id])
    raise KeyError(ind.id)


def _stats(ind: Indicator, t: UnitTotals | None) -> float | None:
    if t is None:
        return None
    if ind.id == "tech_invest_ytd":
        return t.tech_ytd
    if ind.id == "tech_invest_growth":
        return _growth(t.tech_ytd, t.tech_prev)
    if ind.id == "industrial_invest_growth":
        return _growth(t.industrial_ytd, t.industrial_prev)
    if ind.id == "tech_growth_gap":
        a, b = _growth(t.tech_ytd, t.tech_prev), _growth(t.industrial_ytd, t.industrial_prev)
        return None if a is None or b is None else a - b
    if ind.id == "tech_invest_share":
        return _ratio(t.tech_ytd, t.industrial_ytd)
    raise KeyError(ind.id)


STATS_BASED = (
    "tech_invest_ytd",
    "tech_invest_growth",
    "industrial_invest_growth",
    "tech_growth_gap",
    "tech_invest_share",
)


def _sum_totals(ts: Iterable[UnitTotals]) -> UnitTotals:
    ts = list(ts)

    def total(get: Callable[[UnitTotals], float | None]) -> float | None:
        vals = [get(t) for t in ts]
        return None if not vals or all(v is None for v in vals) else sum(_f(v) for v in vals)

    return UnitTotals(
        total(lambda t: t.industrial_ytd),
        total(lambda t: t.tech_ytd),
        total(lambda t: t.industrial_prev),
        total(lambda t: t.tech_prev),
    )


def values(indicators: list[Indicator], x: Inputs) -> dict[tuple[str, str], float | None]:
    """{(unit code, indicator id): value} for every unit and the jurisdiction's own code."""
    out: dict[tuple[str, str], float | None] = {}
    reporting = [u for u in x.units if u in x.projects]
    everyone = [p for u in reporting for p in x.projects[u]]
    big = {u: _big(x.projects[u], x.key_project_from) for u in reporting}
    big_all = [p for u in reporting for p in big[u]]  # the same as _big(everyone)
    for ind in indicators:
        if ind.definition is not None:
            continue  # a profile's own indicator (indicators.custom), below
        for u in x.units:
            out[(u, ind.id)] = _unit_value(ind, u, x, big.get(u, []))
        out[(x.jurisdiction, ind.id)] = _total_value(ind, x, reporting, everyone, big_all)
    own = [ind for ind in indicators if ind.definition is not None]
    if own:
        from techreform.indicators import custom  # it computes its operands with values(): import late

        out.update(custom.values(own, x, out))
    return out


def _unit_value(ind: Indicator, u: str, x: Inputs, big: list[ProjectFacts]) -> float | None:
    if ind.id in STATS_BASED:
        return _stats(ind, (x.totals or {}).get(u))
    if ind.id == "timely_submission":
        return 100.0 if x.on_time.get(u) else 0.0
    if ind.id in ("stats_coverage", "missing_from_stats"):
        if u not in x.projects or x.coverage is None:
            return None
        c = x.coverage.get(u, Coverage(0, 0, 0))
        return _ratio(c.found, c.qualifying) if ind.id == "stats_coverage" else float(c.missing_from_stats)
    if u not in x.projects:
        return None
    if ind.template == "recog:{value}":
        return float(
            sum(
                1
                for cat, level, year in x.recognitions.get(u, [])
                if cat == ind.value and level in RECOGNISED_LEVELS and year == x.year
            )
        )
    return _library(ind, x.projects[u], big)


def _total_value(
    ind: Indicator, x: Inputs, reporting: list[str], everyone: list[ProjectFacts], big: list[ProjectFacts]
) -> float | None:
    if ind.id in STATS_BASED:
        if not x.totals:
            return None
        return _stats(ind, _sum_totals(x.totals[u] for u in x.units if u in x.totals))
    if ind.id == "timely_submission":
        return _ratio(sum(1 for u in x.units if x.on_time.get(u)), len(x.units))
    if ind.id in ("stats_coverage", "missing_from_stats"):
        if x.coverage is None or not reporting:
            return None
        cs = [x.coverage.get(u, Coverage(0, 0, 0)) for u in reporting]
        if ind.id == "stats_coverage":
            return _ratio(sum(c.found for c in cs), sum(c.qualifying for c in cs))
        return float(sum(c.missing_from_stats for c in cs))
    if not reporting:
        return None
    if ind.template == "recog:{value}":
        return float(sum(_unit_value(ind, u, x, []) or 0.0 for u in reporting))
    return _library(ind, everyone, big)
