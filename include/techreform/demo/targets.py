"""The demo city's targets (目标责任书, DESIGN.md §3.3), set the way its profile says (NOT the product).

A profile's ``targets`` maps an indicator id to how a sample city's annual target is set::

    targets:
      tech_invest_growth: {rate: 15.0}          # the same target for every unit and the total
      tech_invest_ytd: {split: proportional}    # the sample total split to units by their projects

``rate`` and ``value`` give every unit and the jurisdiction the same number; ``split:
proportional`` estimates the city total from the generated city (below) and splits it to the units
by their share. Which indicators there are, and every number, come from the profile.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from techreform.demo.projects import City
from techreform.demo.writer import write_table
from techreform.reference.profiles import Profile
from techreform.workspace import Workspace

TARGET_COLUMNS = ("单位代码", "指标", "年度目标")
PROPORTIONAL = "proportional"
# The indicators whose year total the generated city can estimate (see _measures)
SPLITTABLE = ("tech_invest_ytd", "reforming_enterprises", "projects_over_10m", "smart_equipment_units")


@dataclass(frozen=True)
class TargetRule:
    """How one indicator's target is set: a fixed number, or the sample total split."""

    indicator: str
    number: float | None = None  # rate or value: the same for every unit and the total
    split: bool = False


def target_rules(profile: Profile) -> list[TargetRule]:
    """The profile's ``targets``, in its order, checked for the shape above (and that a split
    indicator is one the generated city can estimate)."""
    raw = profile.raw.get("targets") or {}
    if not isinstance(raw, dict):
        raise ValueError(f"政策配置 {profile.id} 的 targets 应为“指标 → 设定方式”的映射")
    rules = []
    for ind, how in raw.items():
        where = f"政策配置 {profile.id} 的 targets.{ind}"
        if not isinstance(how, dict) or len(how) != 1 or not set(how) <= {"rate", "value", "split"}:
            raise ValueError(f"{where} 应恰好给出 rate、value 或 split 之一")
        ((key, v),) = how.items()
        if key == "split":
            if v != PROPORTIONAL:
                raise ValueError(f"{where}.split 只能是 {PROPORTIONAL}")
            if ind not in SPLITTABLE:
                raise ValueError(
                    f"{where}：演示城市无法按比例拆分该指标；可拆分的指标：{'、'.join(SPLITTABLE)}"
                )
            rules.append(TargetRule(str(ind), split=True))
        elif isinstance(v, bool) or not isinstance(v, int | float):
            raise ValueError(f"{where}.{key} 应为数字")
        else:
            rules.append(TargetRule(str(ind), number=float(v)))
    return rules


def _split(total: int, weights: Sequence[float]) -> list[int]:
    """Split an integer total proportionally (largest remainder), so the parts add up."""
    s = sum(weights) or 1
    raw = [total * w / s for w in weights]
    parts = [math.floor(x) for x in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


@dataclass(frozen=True)
class _Measure:
    total: float  # the city total a sample target aims at
    weights: Sequence[float]  # per unit, in the city's unit order
    step: int = 1  # the units' parts are multiples of this


def _measures(city: City, totals: dict[int, dict[str, tuple]]) -> dict[str, _Measure]:
    """What the generated city suggests as a year's total for each indicator a profile may split.

    Every measure is drawn, whichever the profile uses, so that the random stream (and with it
    the city) does not depend on the profile's choice of targets.
    """
    rng, units = city.rng, city.units
    last_q = max(totals)
    est = [totals[last_q][u.code][2] * 4 / last_q * rng.uniform(0.95, 1.15) for u in units]
    lib = [city.library[u.code] for u in units]
    year_end = 4  # counts aimed at the year end, not the quarter
    enterprises = [len({p.ent.uscc for p in ps if p.status(year_end) != "计划"}) for ps in lib]
    big = [sum(1 for p in ps if p.total >= city.key_from and p.status(year_end) != "计划") for ps in lib]
    smart = [sum(p.smart_units for p in ps) for ps in lib]
    return {
        # 万元, the total to the nearest 100 and the units' parts to the nearest 10
        "tech_invest_ytd": _Measure(round(sum(est), -2), est, step=10),
        "reforming_enterprises": _Measure(math.ceil(sum(enterprises) * rng.uniform(1.0, 1.15)), enterprises),
        "projects_over_10m": _Measure(math.ceil(sum(big) * rng.uniform(1.0, 1.1)), big),
        "smart_equipment_units": _Measure(math.ceil(sum(smart) * rng.uniform(1.0, 1.1) / 10) * 10, smart),
    }


def target_rows(city: City, totals: dict[int, dict[str, tuple]]) -> list[tuple[str, str, float]]:
    """(单位代码, 指标, 年度目标) per unit and the jurisdiction, for each of the profile's targets."""
    rules = target_rules(city.profile)
    measures = _measures(city, totals)
    n = len(city.units)
    per_owner: dict[str, list[float]] = {}
    for rule in rules:
        if rule.number is not None:
            per_owner[rule.indicator] = [rule.number] * (n + 1)
            continue
        m = measures[rule.indicator]
        parts = [v * m.step for v in _split(int(m.total // m.step), m.weights)]
        per_owner[rule.indicator] = [*parts, m.total]
    owners = [u.code for u in city.units] + [city.profile.jurisdiction.code]
    return [
        (code, r.indicator, float(per_owner[r.indicator][i])) for i, code in enumerate(owners) for r in rules
    ]


def write_targets(ws: Workspace, city: City, totals: dict[int, dict[str, tuple]]) -> None:
    """``targets/<year>.xlsx``: the year's targets as the profile sets them."""
    write_table(ws.targets / f"{city.year}.xlsx", TARGET_COLUMNS, target_rows(city, totals))


__all__ = ["TargetRule", "target_rows", "target_rules", "write_targets"]
