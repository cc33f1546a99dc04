"""The shape of a policy profile file, checked with pydantic when the file is loaded.

Every key a profile may have is declared here (``extra="forbid"``: a misspelt key is a mistake,
not silently ignored); validators explain a wrong value in plain Chinese.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from techreform.reference.profiles.sections import (
    Assessment,
    CustomIndicator,
    DocumentTarget,
    Library,
    SubsidyRule,
    check_references,
)

_DIVISION = re.compile(r"\d{6}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _division(value: Any) -> Any:
    """A 6-digit administrative division code; an unquoted 410302 in YAML is taken as text."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not _DIVISION.fullmatch(value.strip()):
        raise ValueError(f'应为 6 位数字的行政区划代码（如 "410302"），现为“{value}”')
    return value.strip()


def _text(value: Any) -> Any:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("应为不空的文字")
    return value.strip()


class Division(_Strict):
    code: str
    name: str

    _code = field_validator("code", mode="before")(_division)
    _name = field_validator("name", mode="before")(_text)


UNIT_KINDS = ("division", "township", "zone")


class UnitModel(_Strict):
    """A reporting unit: a GB/T 2260 division (6 digits), a township by its statistical division code
    (统计用区划代码: the county's 6 digits + a 3-digit town number), or a configured zone (6 to 12
    digits chosen by the city, e.g. a development zone's code in the statistics system)."""

    code: str
    name: str
    kind: Literal["division", "township", "zone"] | None = None  # by default from the code's length
    note: str = ""

    _name = field_validator("name", mode="before")(_text)

    @field_validator("code", mode="before")
    @classmethod
    def _code(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, str) and re.fullmatch(r"\d{6}(\d{3}(\d{3})?)?", value.strip()):
            return value.strip()
        if isinstance(value, str) and len(value.strip()) > 6:
            raise ValueError(f"乡镇的代码应为 9 位（或 12 位）统计用区划代码，如 360783100，现为“{value}”")
        return _division(value)

    @model_validator(mode="after")
    def _kind(self) -> UnitModel:
        from techreform.reference.codes import gb2260

        # by default: a 6-digit GB/T 2260 code is a division, another 6-digit code a configured zone
        # (a development zone added to the county list), a 9- or 12-digit code a township
        default = (
            ("division" if gb2260.is_valid(self.code) else "zone") if len(self.code) == 6 else "township"
        )
        kind = self.kind or default
        if kind == "division" and len(self.code) != 6:
            raise ValueError(f"单位“{self.name}”为行政区划，代码应为 6 位，现为“{self.code}”")
        if kind == "township" and len(self.code) == 6:
            raise ValueError(
                f"单位“{self.name}”为乡镇，代码应为 9 位或 12 位统计用区划代码，现为“{self.code}”"
            )
        object.__setattr__(self, "kind", kind)
        return self


class Deadline(_Strict):
    working_days_after_quarter: int = Field(5, ge=1, le=60)


class Thresholds(_Strict):
    project_code_required_from: float = Field(500.0, ge=0)  # 万元
    key_project_from: float = Field(1000.0, ge=0)  # 万元


class Target(_Strict):
    """How a sample city's annual target of one indicator is set."""

    rate: float | None = None  # the same target (a rate, e.g. growth %) for every unit and the total
    value: float | None = None  # a document's jurisdiction total
    split: Literal["proportional"] | None = None  # the total split to units by their projects

    @model_validator(mode="after")
    def _something(self) -> Target:
        if self.rate is None and self.value is None and self.split is None:
            raise ValueError("至少应写 rate、value、split 中的一项")
        return self


class ProfileModel(_Strict):
    id: str
    name: str = ""
    document: str = ""
    jurisdiction: Division
    issuer: str = ""
    leadership_office: str = ""
    unit_kind: str = "县（市、区）"
    units: list[UnitModel] = Field(min_length=1)
    reform_types: list[str] = Field(min_length=1)
    cadence: list[str] = []
    deadline: Deadline = Deadline()
    thresholds: Thresholds = Thresholds()
    targets: dict[str, Target] = {}
    split: Literal["proportional", "equal", "none"] = "proportional"  # jurisdiction-only targets
    document_targets: list[DocumentTarget] = []
    indicators: list[str] = []
    custom_indicators: list[CustomIndicator] = []
    assessment: Assessment | None = None
    libraries: list[Library] = []
    subsidies: list[SubsidyRule] = []
    subsidy_total_cap: Literal["retained_tax"] | None = None  # every award capped by this input

    @field_validator("id", mode="before")
    @classmethod
    def _id(cls, value: Any) -> Any:
        if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", value):
            raise ValueError(f"应为由字母、数字和连字符组成的标识，如 luoyang-2021，现为“{value}”")
        return value

    @field_validator("reform_types")
    @classmethod
    def _types(cls, value: list[str]) -> list[str]:
        for t in value:
            if not t.strip() or "," in t or "，" in t:
                raise ValueError(f"改造类型“{t}”不能为空，也不能含逗号")
        repeated = sorted({t for t in value if value.count(t) > 1})
        if repeated:
            raise ValueError(f"改造类型重复：{'、'.join(repeated)}")
        return value

    @field_validator("units")
    @classmethod
    def _unique_units(cls, value: list[UnitModel]) -> list[UnitModel]:
        codes = [u.code for u in value]
        repeated = sorted({c for c in codes if codes.count(c) > 1})
        if repeated:
            raise ValueError(f"填报单位代码重复：{'、'.join(repeated)}")
        return value

    @model_validator(mode="after")
    def _references(self) -> ProfileModel:
        from techreform.reference.codes import gb2260

        for i, u in enumerate(self.units):
            if u.kind == "division" and not gb2260.is_valid(u.code):
                raise ValueError(
                    f"units[{i}]：“{u.code}”不是 GB/T 2260 行政区划代码；开发区等配置单位请写 kind: zone"
                )
            if u.kind == "township" and not u.code.startswith(self.jurisdiction.code):
                raise ValueError(
                    f"乡镇“{u.name}”的代码 {u.code} 应以本地区代码 {self.jurisdiction.code} 开头"
                )
        check_references(self)
        return self
