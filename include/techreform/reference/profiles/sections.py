"""The policy sections of a profile (DESIGN.md §2): the document's own targets, the indicators it
assesses and the ones it defines itself, its scoring, its project libraries and its subsidy rules.

Each is checked when the profile is loaded; a reference to an unknown indicator, field or category
is told in Chinese with the key it is under.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

if TYPE_CHECKING:
    from techreform.reference.profiles.model import ProfileModel


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


SplitRule = Literal["proportional", "equal", "none"]
SPLIT_TEXT = {
    "proportional": "按各单位项目规模比例拆分",
    "equal": "平均拆分到各单位",
    "none": "不拆分，仅考核全市（县、省）合计",
}

# ------------------------------------------------------------------ the document's own targets


class DocumentTarget(Strict):
    """A number the policy document sets, at the level it sets it (usually the jurisdiction)."""

    indicator: str
    year: int = Field(ge=2000, le=2100)
    value: float
    upper: float | None = None  # the document gives a range (新建绿色工厂 8—10 家)
    comparison: Literal["at_least", "more_than", "about", "exactly", "at_most"] = "at_least"
    scope: Literal["jurisdiction", "every_unit"] = "jurisdiction"
    cumulative_from: int | None = Field(None, ge=2000, le=2100)  # a running total since this year
    baseline_year: int | None = Field(None, ge=2000, le=2100)  # a change against this year
    split: SplitRule | None = None  # how a jurisdiction total goes to the units (else the profile's)
    note: str = ""  # the document's sentence
    # A number the returns and the statistics extract cannot measure (e.g. energy per unit of value
    # added): kept so the profile holds every target of its document, named, but not computed.
    tracked: bool = True
    name: str = ""

    @model_validator(mode="after")
    def _range(self) -> DocumentTarget:
        if not self.tracked and not self.name.strip():
            raise ValueError("不计算的目标（tracked: false）应写 name（指标名称）")
        if self.upper is not None and self.upper < self.value:
            raise ValueError(f"upper（{self.upper:g}）不能小于 value（{self.value:g}）")
        if self.cumulative_from is not None and self.cumulative_from > self.year:
            raise ValueError(f"cumulative_from（{self.cumulative_from}）不能晚于 year（{self.year}）")
        return self


# ------------------------------------------------------------------ custom indicators

PROJECT_TEXT_FIELDS = (
    "uscc",
    "above_scale",
    "industry_code",
    "project_code",
    "reform_type",
    "construction_nature",
    "status",
    "in_statistics",
)
PROJECT_NUMBER_FIELDS = (
    "total_investment",
    "equipment_investment",
    "annual_plan",
    "ytd_completed",
    "cumulative_completed",
    "smart_equipment_units",
)
RECOGNITION_FIELDS = ("category", "level")


class Definition(Strict):
    """What a custom indicator counts, sums or divides (exactly one of count, sum, ratio)::

    {count: projects, where: {reform_type: 智能化改造}, at_least: {total_investment: 500}}
    {count: enterprises, where: {above_scale: 是, status: [新开工, 续建, 竣工, 投产]}}
    {count: recognitions, where: {category: 上云企业}, years: up_to_this_year}
    {sum: equipment_investment, where: {status: [竣工, 投产]}}
    {ratio: [projects_over_10m:智能化改造, projects_over_10m], scale: 100}
    """

    count: Literal["projects", "enterprises", "recognitions"] | None = None
    sum: str | None = None
    ratio: list[str] | None = None
    where: dict[str, str | list[str]] = {}
    at_least: dict[str, float] = {}
    below: dict[str, float] = {}
    years: Literal["this_year", "up_to_this_year", "any"] = "this_year"  # recognitions: 认定年份
    scale: float = 100.0

    @model_validator(mode="after")
    def _shape(self) -> Definition:
        given = [k for k in ("count", "sum", "ratio") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("定义应恰好写 count（计数）、sum（求和）、ratio（比值）中的一项")
        if self.ratio is not None:
            if len(self.ratio) != 2:
                raise ValueError("ratio 应为 [分子指标, 分母指标] 两项")
            if self.where or self.at_least or self.below:
                raise ValueError("ratio 的定义不能带 where、at_least、below 条件")
            return self
        if self.sum is not None and self.sum not in PROJECT_NUMBER_FIELDS:
            raise ValueError(
                f"sum 只能是项目表的数值字段：{'、'.join(PROJECT_NUMBER_FIELDS)}，现为“{self.sum}”"
            )
        allowed: tuple[str, ...]
        numbers: tuple[str, ...]
        if self.count == "recognitions":
            allowed, numbers = RECOGNITION_FIELDS, ()
        else:
            allowed, numbers = PROJECT_TEXT_FIELDS, PROJECT_NUMBER_FIELDS
        for key in self.where:
            if key not in allowed:
                raise ValueError(f"where 中的“{key}”不是可筛选的字段；可用：{'、'.join(allowed)}")
        for key in (*self.at_least, *self.below):
            if key not in numbers:
                raise ValueError(
                    f"at_least/below 中的“{key}”不是可比较的数值字段；可用：{'、'.join(numbers) or '无'}"
                )
        return self

    def values_of(self, key: str) -> tuple[str, ...]:
        v = self.where.get(key)
        return () if v is None else (v,) if isinstance(v, str) else tuple(v)


class CustomIndicator(Strict):
    id: str
    name: str
    unit: str
    kind: Literal["cumulative", "rate", "count"]
    better: Literal["higher", "lower"] = "higher"
    source: str = ""  # how the 说明 sheet explains it (else made from the definition)
    definition: Definition

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        import re

        if not re.fullmatch(r"[a-z][a-z0-9_]*", value):
            raise ValueError(
                f"自定义指标的 id 应由小写字母、数字和下划线组成，如 cloud_enterprises，现为“{value}”"
            )
        return value


# ------------------------------------------------------------------ assessment, libraries, subsidies


class Deductions(Strict):
    late_return: float = Field(2, ge=0)
    missing_return: float = Field(5, ge=0)
    missing_from_stats: float = Field(0.5, ge=0)
    max: float | None = Field(20, ge=0)


class Grade(Strict):
    min: float
    name: str


class Assessment(Strict):
    """The annual assessment's scoring (indicators/scoring.py; defaults there)."""

    weights: dict[str, float] = {}
    cap: float = Field(1.2, ge=1.0, le=10.0)
    deductions: Deductions = Deductions()
    grades: list[Grade] = []

    @field_validator("weights")
    @classmethod
    def _weights(cls, value: dict[str, float]) -> dict[str, float]:
        bad = [k for k, w in value.items() if w < 0]
        if bad:
            raise ValueError(f"权重不能为负：{'、'.join(bad)}")
        return value


class Library(Strict):
    """A tier of the project library: projects whose total investment reaches ``from`` (万元)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    name: str
    from_: float = Field(alias="from", ge=0)


class Award(Strict):
    category: str
    level: Literal["国家级", "省级", "市级"]
    amount: float = Field(gt=0)  # 万元


SUBSIDY_BASES = (
    "equipment_investment",
    "total_investment",
    "smart_equipment_purchase",
    "design_fee",
    "provincial_funds",
)


class SubsidyRule(Strict):
    """One subsidy clause (奖补条款) as data; ``kind: project`` pays a share of an amount of a
    project, ``kind: recognition`` a one-off award per recognition of the year."""

    id: str
    name: str
    kind: Literal["project", "recognition"] = "project"
    basis: (
        Literal[
            "equipment_investment",
            "total_investment",
            "smart_equipment_purchase",
            "design_fee",
            "provincial_funds",
        ]
        | None
    ) = None
    rate: float | None = Field(None, gt=0, le=1)
    cap_per_project: float | None = Field(None, gt=0)  # 万元
    cap_per_enterprise: float | None = Field(None, gt=0)  # 万元, the rule's total for one enterprise
    min_basis: float | None = Field(None, ge=0)  # the basis must reach this (万元)
    min_total_investment: float | None = Field(None, ge=0)
    min_equipment_investment: float | None = Field(None, ge=0)
    statuses: list[str] = []  # only projects in these 项目状态
    above_scale_only: bool = False
    in_statistics_only: bool = False  # found in the statistics database (the period's reconciliation)
    no_double_support: bool = False  # not where other (higher-level) funds already supported it
    one_per_enterprise: bool = False  # one project per enterprise per year (the largest award)
    awards: list[Award] = []
    note: str = ""  # the document's clause

    @model_validator(mode="after")
    def _shape(self) -> SubsidyRule:
        if self.kind == "project" and (self.basis is None or self.rate is None):
            raise ValueError(f"奖补条款“{self.name}”按项目测算，应写 basis（测算基数）和 rate（比例）")
        if self.kind == "recognition" and not self.awards:
            raise ValueError(f"奖补条款“{self.name}”按认定奖励，应写 awards（类别、级别、金额）")
        return self


# ------------------------------------------------------------------ cross-references


@cache
def catalogue_ids() -> tuple[tuple[str, str | None], ...]:
    """(id, for_each) of every catalogue entry, read without importing the indicators package."""
    text = (resources.files("techreform") / "indicators" / "catalogue.yaml").read_text(encoding="utf-8")
    return tuple((str(d["id"]), d.get("for_each")) for d in yaml.safe_load(text))


def known_indicators(reform_types: list[str]) -> set[str]:
    from techreform.reference import schema  # the rules' value lists: import late

    categories = schema.RECOGNITION_FIELD["category"].enum
    out: set[str] = set()
    for ident, each in catalogue_ids():
        out.add(ident)
        if each == "reform_type":
            out.update(ident.format(value=t) for t in reform_types)
        elif each == "recognition_category":
            out.update(ident.format(value=c) for c in categories)
    return out


def check_references(m: ProfileModel) -> None:
    """Every indicator, category and type a section names exists; raises ValueError (Chinese)."""
    from techreform.reference import schema

    catalogue = known_indicators(list(m.reform_types))
    problems: list[str] = []
    custom_ids = [c.id for c in m.custom_indicators]
    for i, c in enumerate(m.custom_indicators):
        if c.id in catalogue:
            problems.append(f"custom_indicators[{i}].id：“{c.id}”已是指标目录中的指标，请换一个名称")
        if custom_ids.count(c.id) > 1:
            problems.append(f"custom_indicators[{i}].id：“{c.id}”重复")
    known = catalogue | set(custom_ids)

    def need(where: str, ident: str) -> None:
        if ident not in known:
            problems.append(f"{where}：未知的指标“{ident}”（既不在指标目录中，也不是本配置的自定义指标）")

    for i, c in enumerate(m.custom_indicators):
        d = c.definition
        for j, operand in enumerate(d.ratio or []):
            need(f"custom_indicators[{i}].definition.ratio[{j}]", operand)
            if operand == c.id:
                problems.append(f"custom_indicators[{i}].definition.ratio：不能引用自身")
        for t in d.values_of("reform_type"):
            if t not in m.reform_types:
                problems.append(
                    f"custom_indicators[{i}].definition.where.reform_type：“{t}”不是本配置的改造类型"
                )
        for cat in d.values_of("category"):
            if cat not in schema.RECOGNITION_FIELD["category"].enum:
                problems.append(f"custom_indicators[{i}].definition.where.category：未知的认定类别“{cat}”")
    for i, ident in enumerate(m.indicators):
        if ident not in known and ident not in {t for t, _ in catalogue_ids()}:
            need(f"indicators[{i}]", ident)
    for i, target in enumerate(m.document_targets):
        if target.tracked:
            need(f"document_targets[{i}].indicator", target.indicator)
    if m.assessment is not None:
        for ident in m.assessment.weights:
            need(f"assessment.weights.{ident}", ident)
    for i, r in enumerate(m.subsidies):
        for j, a in enumerate(r.awards):
            if a.category not in schema.RECOGNITION_FIELD["category"].enum:
                problems.append(f"subsidies[{i}].awards[{j}].category：未知的认定类别“{a.category}”")
    ids = [r.id for r in m.subsidies]
    problems += [f"subsidies：条款 id“{x}”重复" for x in sorted({x for x in ids if ids.count(x) > 1})]
    if problems:
        raise ValueError("；\n".join(problems))


def describe(d: Definition) -> str:
    """The definition in Chinese, for the 说明 sheet."""
    if d.ratio is not None:
        return f"{d.ratio[0]} ÷ {d.ratio[1]} × {d.scale:g}"
    what = {"projects": "项目数", "enterprises": "企业数（按统一社会信用代码去重）", "recognitions": "认定数"}
    head = f"{d.sum}之和" if d.sum else what[str(d.count)]
    conds: list[str] = [f"{k} 为 {'/'.join(d.values_of(k))}" for k in d.where]
    conds += [f"{k} ≥ {v:g}" for k, v in d.at_least.items()]
    conds += [f"{k} < {v:g}" for k, v in d.below.items()]
    if d.count == "recognitions":
        conds.append(
            {
                "this_year": "认定年份为本年",
                "up_to_this_year": "认定年份不晚于本年（累计）",
                "any": "不限年份",
            }[d.years]
        )
    return head + ("，条件：" + "，".join(conds) if conds else "")


__all__ = [
    "Assessment",
    "Award",
    "CustomIndicator",
    "Definition",
    "DocumentTarget",
    "Library",
    "SubsidyRule",
    "check_references",
    "describe",
    "known_indicators",
]
