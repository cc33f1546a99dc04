"""What a subsidy estimate (奖补测算) is computed from and what it gives: the library's projects and
recognitions, the inputs a return does not carry, and one line per rule and project (or award)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SubsidyProject:
    """A project of the library (the accepted return in force), amounts in 万元."""

    unit: str
    uscc: str
    enterprise: str
    project_name: str
    project_code: str = ""
    status: str = ""
    above_scale: str = ""
    total_investment: float | None = None
    equipment_investment: float | None = None
    category: str | None = None  # the period's reconciliation category; None: not reconciled
    project_id: int | None = None


@dataclass(frozen=True)
class SubsidyRecognition:
    unit: str
    uscc: str
    enterprise: str
    category: str
    level: str
    year: int | None


@dataclass(frozen=True)
class ProjectInput:
    """What the user's subsidy workbook says of one project (万元; None: not given)."""

    other_support: float | None = None  # higher-level or other funds already received
    design_fee: float | None = None
    smart_equipment_purchase: float | None = None
    provincial_funds: float | None = None


@dataclass
class SubsidyInputs:
    """The optional workbook ``<ws>/subsidy/<year>.xlsx``: per project (by project code, else by
    credit code and project name) and per enterprise (its local retained tax)."""

    by_code: dict[str, ProjectInput] = field(default_factory=dict)
    by_name: dict[tuple[str, str], ProjectInput] = field(default_factory=dict)  # (uscc, project name)
    retained_tax: dict[str, float] = field(default_factory=dict)  # uscc → 万元
    source: str = ""  # the file read, for the sheet's subtitle
    warnings: list[str] = field(default_factory=list)

    def of(self, uscc: str, project_code: str, project_name: str) -> ProjectInput:
        if project_code and project_code in self.by_code:
            return self.by_code[project_code]
        return self.by_name.get((uscc, project_name), ProjectInput())


@dataclass
class Line:
    """One rule applied to one project (or one recognition): the inputs, the arithmetic, every cap."""

    unit: str
    uscc: str
    enterprise: str
    item: str  # the project's name, or the recognition
    project_code: str
    rule_id: str
    rule_name: str
    inputs: str
    arithmetic: str
    computed: float  # before caps
    amount: float  # after every cap and exclusion
    notes: list[str] = field(default_factory=list)

    @property
    def note(self) -> str:
        return "；".join(self.notes)


@dataclass
class Estimate:
    year: int
    lines: list[Line] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)  # rule name → projects not candidates

    @property
    def total(self) -> float:
        return round(sum(x.amount for x in self.lines), 2)

    def by_enterprise(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for x in self.lines:
            out[x.uscc] = round(out.get(x.uscc, 0.0) + x.amount, 2)
        return out
