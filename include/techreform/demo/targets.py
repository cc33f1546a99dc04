"""The demo city's targets (目标责任书, DESIGN.md §3.3), set the way its profile says (NOT the product).

A profile's ``targets`` maps an indicator id to how a sample city's annual target is set::

    targets:
      tech_invest_growth: {rate: 15.0}          # the same target for every unit and the total
      tech_invest_ytd: {split: proportional}    # the sample total split to units by their projects

``rate`` and ``value`` give every unit and the jurisdiction the same number; ``split:
proportional`` estimates the city total from the generated city (below) and splits it to the units
by their share: the catalogue's investment and counts, and any custom indicator that counts or sums
the returns' projects or recognitions. Which indicators there are, and every number, come from the
profile.

Every indicator the profile's annual assessment weighs gets a target: one the ``targets`` do not
set is taken from the document's own target (:func:`document_rows`): a number for every unit (a
rate, or "more than 0") as it stands, a jurisdiction total split to the units by the profile's
``split``, a running total over several years by its yearly share.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from techreform.demo.projects import City, Project
from techreform.demo.writer import write_table
from techreform.indicators.compute import ProjectFacts
from techreform.indicators.custom import project_passes, recognition_passes
from techreform.indicators.scoring import settings
from techreform.indicators.targets import document_target
from techreform.reference.profiles import CustomIndicator, Profile
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
            if ind not in SPLITTABLE and _countable(profile, str(ind)) is None:
                raise ValueError(
                    f"{where}：演示城市无法按比例拆分该指标；可拆分的指标：{'、'.join(SPLITTABLE)}"
                    "，以及对项目或认定计数、求和的自定义指标"
                )
            rules.append(TargetRule(str(ind), split=True))
        elif isinstance(v, bool) or not isinstance(v, int | float):
            raise ValueError(f"{where}.{key} 应为数字")
        else:
            rules.append(TargetRule(str(ind), number=float(v)))
    return rules


def _countable(profile: Profile, indicator: str) -> CustomIndicator | None:
    """The profile's custom indicator of this id when it counts or sums projects or recognitions
    (what the generated city can measure), else None."""
    c = next((c for c in profile.custom_indicators if c.id == indicator), None)
    return c if c is not None and c.definition.ratio is None else None


def _facts(p: Project) -> ProjectFacts:
    """A generated project at the year end, as the indicators see a return's row (万元)."""
    status = p.status(4)
    fields: dict[str, object] = {
        "above_scale": "是" if p.ent.above_scale else "否",
        "industry_code": p.ent.industry,
        "project_code": p.code,
        "construction_nature": p.nature,
        "equipment_investment": p.equipment / 10,
        "ytd_completed": p.ytd(4) / 10,
    }
    return ProjectFacts(
        uscc=p.ent.uscc,
        status=status,
        reform_type=p.reform_type,
        total_investment=p.total / 10,
        annual_plan=p.annual / 10,
        smart_equipment_units=float(p.smart_units),
        fields=fields,
    )


def _number(f: ProjectFacts, name: str) -> float:
    v = f.fields[name] if name in f.fields else getattr(f, name, None)
    return float(v) if isinstance(v, int | float) else 0.0


def _custom_measure(city: City, c: CustomIndicator) -> _Measure:
    """A custom indicator measured on the generated city at the year end, aimed 10% higher."""
    d, year = c.definition, city.year
    per_unit: list[float] = []
    for u in city.units:
        if d.count == "recognitions":
            rows = [r for _, r in city.recognitions.get(u.code, [])]
            per_unit.append(
                float(
                    sum(
                        1 for r in rows if recognition_passes(d, (r["category"], r["level"], r["year"]), year)
                    )
                )
            )
            continue
        chosen = [f for f in map(_facts, city.library[u.code]) if project_passes(d, f)]
        if d.count == "projects":
            per_unit.append(float(len(chosen)))
        elif d.count == "enterprises":
            per_unit.append(float(len({f.uscc for f in chosen})))
        else:
            per_unit.append(sum(_number(f, str(d.sum)) for f in chosen))
    return _Measure(float(math.ceil(sum(per_unit) * 1.1)), per_unit)


def apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Integer parts of ``total`` proportional to ``weights`` (largest remainder): they add up;
    weights that are all zero share it equally."""
    s = sum(weights)
    if s <= 0:
        weights, s = [1.0] * len(weights), float(len(weights))
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


def weighted(profile: Profile) -> list[str]:
    """The indicators the profile's annual assessment weighs (its own weights, else the defaults)."""
    raw = profile.raw.get("assessment") if isinstance(profile.raw, dict) else None
    return [str(i) for i, w in settings(raw)["weights"].items() if w]


def document_rule(profile: Profile, indicator: str, year: int) -> tuple[float, list[float] | None] | None:
    """The document's target as a sample target: (number, None) when every unit is held to it,
    (the jurisdiction's yearly total, None→split) otherwise; None when the document has none."""
    t = document_target(profile, indicator, year)
    if t is None:
        return None
    if t.scope == "every_unit" or t.split == "none":
        return t.value, None
    years = t.year - t.cumulative_from + 1 if t.cumulative_from is not None else 1
    return t.value / years, []


def document_rows(city: City, done: set[str]) -> dict[str, list[float]]:
    """Targets for the weighted indicators ``done`` lacks, from the document (see the module doc):
    per indicator, the units' targets then the jurisdiction's."""
    profile, n = city.profile, len(city.units)
    out: dict[str, list[float]] = {}
    for ident in weighted(profile):
        rule = None if ident in done else document_rule(profile, ident, city.year)
        if rule is None:
            continue
        number, split = rule
        if split is None:
            out[ident] = [number] * (n + 1)
            continue
        how = next(
            (t.split for t in profile.document_targets if t.indicator == ident and t.split), profile.split
        )
        weights = [1.0] * n if how == "equal" else [float(len(city.library[u.code])) for u in city.units]
        total = math.ceil(number)
        out[ident] = [float(v) for v in apportion(total, weights)] + [float(total)]
    return out


def target_rows(city: City, totals: dict[int, dict[str, tuple]]) -> list[tuple[str, str, float]]:
    """(单位代码, 指标, 年度目标) per unit and the jurisdiction, for each of the profile's targets and
    for every other indicator its assessment weighs that the document gives a target for."""
    rules = target_rules(city.profile)
    measures = _measures(city, totals)
    n = len(city.units)
    per_owner: dict[str, list[float]] = {}
    for rule in rules:
        if rule.number is not None:
            per_owner[rule.indicator] = [rule.number] * (n + 1)
            continue
        custom = _countable(city.profile, rule.indicator)
        m = measures[rule.indicator] if custom is None else _custom_measure(city, custom)
        parts = [v * m.step for v in apportion(int(m.total // m.step), m.weights)]
        per_owner[rule.indicator] = [*parts, m.total]
    per_owner.update(document_rows(city, set(per_owner)))
    owners = [u.code for u in city.units] + [city.profile.jurisdiction.code]
    return [(code, ind, float(v[i])) for i, code in enumerate(owners) for ind, v in per_owner.items()]


def write_targets(ws: Workspace, city: City, totals: dict[int, dict[str, tuple]]) -> None:
    """``targets/<year>.xlsx``: the year's targets as the profile sets them."""
    write_table(ws.targets / f"{city.year}.xlsx", TARGET_COLUMNS, target_rows(city, totals))


__all__ = [
    "TargetRule",
    "apportion",
    "document_rule",
    "target_rows",
    "target_rules",
    "weighted",
    "write_targets",
]
