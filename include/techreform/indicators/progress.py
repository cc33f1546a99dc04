"""Target completion, time progress (序时进度), status and rank (DESIGN.md §4)."""

from __future__ import annotations

from dataclasses import dataclass

from techreform.indicators.catalogue import CUMULATIVE, Indicator

DONE = "已完成"
AHEAD = "快于序时"
BEHIND = "慢于序时"
MET = "达标"
NOT_MET = "未达标"
NO_TARGET = "无目标"
NO_DATA = "无数据"


@dataclass(frozen=True)
class Standing:
    unit: str
    indicator: str
    value: float | None
    target: float | None
    completion_rate: float | None  # value / target
    time_progress: float | None  # the share of the year gone: Q1 0.25 … Q4 1.0 (cumulative only)
    status: str
    rank: int | None = None


def completion(value: float, target: float, comparison: str = "at_least", better: str = "higher") -> float:
    """How far a value goes towards its target, 1.0 being the target reached, for scoring.

    A positive target is a share: value ÷ target (target ÷ value where lower is better). A target of
    zero or below cannot be divided by (a document's "技改投资增速高于工业投资增速", i.e. a gap more
    than 0): it is met (1.0) or not (0.0), "more than" strictly.
    """
    lower = better == "lower" or comparison == "at_most"
    if target <= 0:
        if lower:
            met = value <= target
        else:
            met = value > target if comparison == "more_than" else value >= target
        return 1.0 if met else 0.0
    if lower:
        return target / value if value > 0 else 1.0
    return value / target


def met(value: float, target: float, comparison: str = "at_least", better: str = "higher") -> bool:
    if better == "lower" or comparison == "at_most":
        return value <= target
    return value > target if comparison == "more_than" else value >= target


def time_progress(quarter: int) -> float:
    return quarter / 4


def standing(
    ind: Indicator,
    unit: str,
    value: float | None,
    target: float | None,
    quarter: int,
    comparison: str = "at_least",
) -> Standing:
    tp = time_progress(quarter) if ind.kind == CUMULATIVE and target is not None else None
    if value is None:
        return Standing(unit, ind.id, None, target, None, tp, NO_DATA)
    if target is None:
        return Standing(unit, ind.id, value, None, None, None, NO_TARGET)
    completion = value / target if target else None
    if ind.kind == CUMULATIVE:
        if completion is not None and completion >= 1:
            status = DONE
        else:
            status = AHEAD if completion is not None and tp is not None and completion >= tp else BEHIND
    else:
        status = MET if met(value, target, comparison, ind.better) else NOT_MET
    return Standing(unit, ind.id, value, target, completion, tp, status)


def ranked(ind: Indicator, rows: list[Standing]) -> list[Standing]:
    """Ranks units (not the total row) by completion when any unit has a target (units without
    one are not ranked), else by value; equal figures share a rank (1, 2, 2, 4)."""
    by_completion = any(s.completion_rate is not None for s in rows)

    def key(s: Standing) -> float | None:
        return s.completion_rate if by_completion else s.value

    scored = [s for s in rows if key(s) is not None]
    reverse = ind.better != "lower"
    scored.sort(key=lambda s: (-(key(s) or 0.0) if reverse else (key(s) or 0.0), s.unit))
    out: dict[str, int] = {}
    prev: float | None = None
    for i, s in enumerate(scored, start=1):
        k = key(s)
        if prev is None or k != prev:
            rank = i
        out[s.unit] = rank
        prev = k
    return [Standing(**{**s.__dict__, "rank": out.get(s.unit)}) for s in rows]
