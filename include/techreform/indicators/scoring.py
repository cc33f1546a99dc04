"""The annual assessment's score (年度考核, DESIGN.md §4): the profile's weights, a cap on
over-achievement, deductions for late or missing returns and for 应统未统 projects, grade bands.

The profile's ``assessment`` section, e.g.::

    assessment:
      weights: {tech_invest_ytd: 30, projects_over_10m: 20, tech_invest_growth: 15}
      cap: 1.2                      # completion counts up to 120% of the target
      deductions:                   # points off, per occurrence in the year
        late_return: 2
        missing_return: 5
        missing_from_stats: 0.5
        max: 20                     # deductions never take off more than this
      grades: [{min: 90, name: 优秀}, {min: 75, name: 良好}, {min: 60, name: 合格}, {min: 0, name: 不合格}]

Every line of a unit's score is kept, so the workbook can show how it was computed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from techreform.indicators.progress import completion

DEFAULT_ASSESSMENT: dict[str, Any] = {
    "weights": {
        "tech_invest_ytd": 30,
        "tech_invest_growth": 15,
        "reforming_enterprises": 15,
        "projects_over_10m": 20,
        "smart_equipment_units": 10,
        "stats_coverage": 10,
    },
    "cap": 1.2,
    "deductions": {"late_return": 2, "missing_return": 5, "missing_from_stats": 0.5, "max": 20},
    "grades": [
        {"min": 90, "name": "优秀"},
        {"min": 75, "name": "良好"},
        {"min": 60, "name": "合格"},
        {"min": 0, "name": "不合格"},
    ],
}
DEDUCTION_TEXT = {
    "late_return": "逾期报送（季）",
    "missing_return": "未报送或无有效报表（季）",
    "missing_from_stats": "年末应统未统项目（个）",
}


@dataclass(frozen=True)
class Line:
    what: str  # the indicator's label, or the deduction's
    value: float | None
    target: float | None
    completion: float | None  # value / target, before the cap
    counted: float | None  # after the cap (and never below 0)
    weight: float
    points: float  # + for an indicator, − for a deduction
    note: str = ""


@dataclass
class Score:
    unit: str
    lines: list[Line] = field(default_factory=list)
    deducted: float = 0.0
    total: float = 0.0
    grade: str = ""
    rank: int | None = None


def settings(raw: dict[str, Any] | None) -> dict[str, Any]:
    merged = {**DEFAULT_ASSESSMENT, **(raw or {})}
    merged["deductions"] = {**DEFAULT_ASSESSMENT["deductions"], **((raw or {}).get("deductions") or {})}
    return merged


def grade(points: float, grades: list[dict[str, Any]]) -> str:
    """The band whose minimum the score reaches; the lowest band takes anything below it too
    (deductions may take a score under zero)."""
    bands = sorted(grades, key=lambda b: -float(b["min"]))
    for band in bands:
        if points >= float(band["min"]) - 1e-9:
            return str(band["name"])
    return str(bands[-1]["name"]) if bands else ""


NO_TARGET_NOTE = "目标责任书未给出本单位该指标的年度目标，本项未计分（请在目标责任书中补充）"
NO_DATA_NOTE = "本单位无此项数据（无有效报表或统计数据），本项不得分"
COMPARISON_WORD = {
    "more_than": "高于",
    "at_least": "不低于",
    "about": "达到",
    "exactly": "达到",
    "at_most": "不高于",
}


def score_unit(
    unit: str,
    figures: dict[str, tuple[str, float | None, float | None]],  # indicator id → (label, value, target)
    occurrences: dict[str, float],  # deduction key → count in the year
    config: dict[str, Any],
    how: Mapping[str, tuple[str, str]] | None = None,  # indicator id → (comparison, better)
) -> Score:
    """A unit's score. Each weighted indicator earns weight × completion (capped); a target of zero
    or below ("高于工业投资增速" = a gap more than 0) is met, full weight, or not, nothing. A missing
    target is said so on its line, never silently a zero."""
    s = Score(unit)
    cap = float(config["cap"])
    for ind_id, weight in config["weights"].items():
        label, value, target = figures.get(ind_id, (ind_id, None, None))
        if target is None:
            s.lines.append(Line(label, value, None, None, None, float(weight), 0.0, NO_TARGET_NOTE))
            continue
        if value is None:
            s.lines.append(Line(label, None, target, None, None, float(weight), 0.0, NO_DATA_NOTE))
            continue
        comparison, better = (how or {}).get(ind_id, ("at_least", "higher"))
        done = completion(value, target, comparison, better)
        counted = min(max(done, 0.0), cap)
        if target <= 0:
            word = COMPARISON_WORD.get(comparison, "不低于")
            missed = "未达到" if word.startswith("不") else f"未{word}{target:g}"  # not 未不低于
            verdict = "已达到，得满分" if done >= 1 else f"{missed}，不得分"
            note = f"目标为{word}{target:g}：{verdict}"
        else:
            note = f"超额部分按{cap:.0%}封顶" if done > cap else ""
            if comparison == "more_than" and value == target:
                note = f"等于目标，未“高于”{target:g}"
        points = round(weight * counted, 2)
        s.lines.append(Line(label, value, target, done, counted, float(weight), points, note))
    earned = sum(line.points for line in s.lines)
    rules = config["deductions"]
    deducted = 0.0
    for key, text in DEDUCTION_TEXT.items():
        n = occurrences.get(key, 0)
        per = float(rules.get(key, 0) or 0)
        if n and per:
            s.lines.append(
                Line(text, n, None, None, None, per, -round(n * per, 2), f"每{text[-2]}扣{per:g}分")
            )
            deducted += n * per
    limit = rules.get("max")
    if limit is not None and deducted > float(limit):
        s.lines.append(
            Line(
                "扣分上限",
                None,
                None,
                None,
                None,
                0.0,
                round(deducted - float(limit), 2),
                f"扣分最多{float(limit):g}分",
            )
        )
        deducted = float(limit)
    s.deducted = round(deducted, 2)
    s.total = round(earned - deducted, 2)
    s.grade = grade(s.total, config["grades"])
    return s


def rank(scores: list[Score]) -> list[Score]:
    ordered = sorted(scores, key=lambda s: (-s.total, s.unit))
    prev, current = None, 0
    for i, s in enumerate(ordered, start=1):
        if prev is None or s.total != prev:
            current = i
        s.rank = current
        prev = s.total
    return ordered
