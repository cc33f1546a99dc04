"""What a policy document's figures ask of a generated city (NOT the product).

:func:`goals_of` reads a profile's ``document_targets`` for one year and sorts them into what
:mod:`techreform.demo.document` can build exactly (counts of enterprises and of projects ≥ the key
threshold by reform type, their total and annual-plan investment, smart equipment, recognitions;
the project effects and the statistics' rates as at least the target), and what it cannot (with
the reason, in Chinese, for the command line). Custom indicators are recognised by their
definition, never by their id: a count of enterprises of a reform type is the same goal in any
profile that defines it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from techreform.demo.vocabulary import TECH
from techreform.reference import schema
from techreform.reference.profiles import CustomIndicator, DocumentTarget, Profile
from techreform.reference.profiles.sections import Definition

ACTIVE = ("新开工", "续建", "竣工", "投产")  # every status but 计划
RECOGNISED_LEVELS = ("国家级", "省级")  # what the catalogue's recog:<category> counts
EFFECT_FIELDS = {  # catalogue indicator → the return's column (techreform.indicators.compute.EFFECTS)
    "staff_reduction": 0,
    "energy_reduction": 1,
    "efficiency_gain": 2,
}
STATS_RATES = ("tech_invest_growth", "industrial_invest_growth", "tech_growth_gap", "tech_invest_share")


@dataclass(frozen=True)
class RecognitionGoal:
    """A count of recognitions (认定表 rows) of these categories and levels, of the year or earlier."""

    indicator: str
    categories: tuple[str, ...]
    levels: tuple[str, ...]
    years: str  # this_year | up_to_this_year | any
    value: int

    def counts(self, category: str, level: str, year: int, this_year: int) -> bool:
        if category not in self.categories or level not in self.levels:
            return False
        if self.years == "this_year":
            return year == this_year
        return year <= this_year if self.years == "up_to_this_year" else True


@dataclass
class Goals:
    """The jurisdiction's figures for one year that the generated city is built to meet."""

    year: int
    enterprises: int | None = None  # reforming enterprises (any project not 计划)
    projects: int | None = None  # projects ≥ the key threshold, not 计划
    by_type: dict[str, int] = field(default_factory=dict)  # those projects per reform type
    enterprises_by_type: dict[str, int] = field(default_factory=dict)  # enterprises per reform type
    total_investment: int | None = None  # 万元, of the projects ≥ the key threshold
    annual_plan: int | None = None  # 万元, ditto
    smart_units: int | None = None
    recognitions: list[RecognitionGoal] = field(default_factory=list)
    effects: dict[int, float] = field(default_factory=dict)  # effect column index → at least (%)
    rates: dict[str, float] = field(default_factory=dict)  # statistics rate → at least, every unit
    exact: dict[str, float] = field(default_factory=dict)  # indicator → the value it must take
    targets: list[DocumentTarget] = field(default_factory=list)  # the year's targets, for the file
    unsupported: dict[str, str] = field(default_factory=dict)  # indicator → why not built


def document_year(profile: Profile, year: int | None = None) -> int:
    """``year`` if the document gives a figure for it the returns can measure, else (``None``) the
    first such year; a ValueError, in Chinese, when there is none."""
    years = sorted(
        {t.year for t in profile.document_targets if t.tracked and t.cumulative_from in (None, t.year)}
    )
    if not years:
        raise ValueError(f"政策配置 {profile.id} 的 document_targets 没有可按年生成的目标")
    if year is not None and year not in years:
        raise ValueError(
            f"{profile.document} 没有 {year} 年当年可计算的目标；可选年份：{'、'.join(map(str, years))}"
        )
    return year if year is not None else years[0]


def goals_of(profile: Profile, year: int) -> Goals:
    """The profile's document targets for ``year``, sorted into what the city can be built to meet."""
    goals = Goals(year)
    custom = {c.id: c for c in profile.custom_indicators}
    for t in profile.document_targets_of(year):
        if not t.tracked:
            continue  # the returns cannot measure it; the product does not compute it either
        if t.cumulative_from not in (None, year) or t.baseline_year is not None:
            goals.unsupported[t.indicator] = (
                f"{t.cumulative_from or t.baseline_year} 年起的多年累计或比较，单年示例无法体现"
            )
            continue
        goals.targets.append(t)
        why = _aim(goals, t, profile, custom.get(t.indicator))
        if why:
            goals.unsupported[t.indicator] = why
    return goals


def _count(t: DocumentTarget) -> int | None:
    return int(t.value) if float(t.value).is_integer() and t.value >= 0 else None


def _aim(goals: Goals, t: DocumentTarget, profile: Profile, own: CustomIndicator | None) -> str | None:
    """Record target t as a goal; the reason in Chinese when the generator cannot meet it."""
    ind = t.indicator
    if ind in EFFECT_FIELDS:
        goals.effects[EFFECT_FIELDS[ind]] = float(t.value)
        return None
    if ind in STATS_RATES:
        if t.comparison == "at_most":
            return "上限型比率目标，示例城市不生成"
        goals.rates[ind] = float(t.value)
        return None
    n = _count(t)
    if n is None or t.scope != "jurisdiction":
        return "示例城市只按全地区的非负整数目标生成"
    if ind == "reforming_enterprises":
        goals.enterprises = n
    elif ind == "projects_over_10m":
        goals.projects = n
    elif ind.startswith("projects_over_10m:") and ind.split(":", 1)[1] in profile.reform_types:
        goals.by_type[ind.split(":", 1)[1]] = n
    elif ind == "projects_total_investment":
        goals.total_investment = n
    elif ind == "projects_annual_plan":
        goals.annual_plan = n
    elif ind == "smart_equipment_units":
        goals.smart_units = n
    elif ind.startswith("recog:"):
        goals.recognitions.append(
            RecognitionGoal(ind, (ind.split(":", 1)[1],), RECOGNISED_LEVELS, "this_year", n)
        )
    elif own is not None:
        return _aim_custom(goals, ind, own.definition, n, profile)
    else:
        return "示例城市无法按此指标生成"
    goals.exact[ind] = n
    return None


def _aim_custom(goals: Goals, ind: str, d: Definition, n: int, profile: Profile) -> str | None:
    """A profile's own count, when its definition is one the generator builds."""
    if d.count == "recognitions":
        every = tuple(schema.RECOGNITION_FIELD["category"].enum)
        levels = tuple(schema.RECOGNITION_FIELD["level"].enum)
        goals.recognitions.append(
            RecognitionGoal(ind, d.values_of("category") or every, d.values_of("level") or levels, d.years, n)
        )
        goals.exact[ind] = n
        return None
    if d.count != "enterprises" or d.at_least or d.below:
        return "自定义指标的定义不是示例城市能生成的计数"
    # every generated library project is 改建和技术改造 of an above-scale enterprise
    neutral = {"construction_nature": TECH, "above_scale": "是"}
    for key, value in neutral.items():
        if key in d.where and value not in d.values_of(key):
            return f"自定义指标筛选“{key}”，示例城市不生成此类项目"
    if "status" in d.where and not set(ACTIVE) <= set(d.values_of("status")):
        return "自定义指标只计部分项目状态，示例城市不按此生成"
    others = set(d.where) - {"status", "reform_type", *neutral}
    types = d.values_of("reform_type")
    if others or len(types) > 1 or (types and types[0] not in profile.reform_types):
        return "自定义指标的筛选条件不是示例城市能生成的"
    if types:
        goals.enterprises_by_type[types[0]] = n
    elif goals.enterprises not in (None, n):
        return "与实施技改企业数的目标不一致"
    else:
        goals.enterprises = n
    goals.exact[ind] = n
    return None


__all__ = ["ACTIVE", "STATS_RATES", "Goals", "RecognitionGoal", "document_year", "goals_of"]
