"""Policy regimes as data: one YAML profile per regime (DESIGN.md §2).

A profile names the jurisdiction, its reporting units, the reform types of its return, its
deadline rule and thresholds. Code never asks which city it serves; it asks the profile.

A profile file is checked when loaded (:mod:`techreform.reference.profiles.model`): a mistake in a
user's own file is a :class:`ProfileError` naming the file, the key and what is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from techreform.reference.configfile import ConfigError, load_yaml, validate
from techreform.reference.profiles.model import ProfileModel, Target
from techreform.reference.profiles.sections import (
    Assessment,
    CustomIndicator,
    DocumentTarget,
    Library,
    SubsidyRule,
)

__all__ = [
    "Assessment",
    "CustomIndicator",
    "DocumentTarget",
    "Library",
    "Profile",
    "ProfileError",
    "SubsidyRule",
    "Target",
    "Unit",
    "available",
    "load",
    "parse",
]


class ProfileError(ConfigError):
    """A policy profile file with a mistake; the message is for the user, in Chinese."""

    kind = "政策配置文件"


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    kind: str = field(default="division", compare=False)  # division | township | zone
    note: str = field(default="", compare=False)  # e.g. 省直管县（市）, or where a configured code comes from


@dataclass(frozen=True)
class Profile:
    id: str
    name: str
    document: str
    jurisdiction: Unit
    units: tuple[Unit, ...]
    reform_types: tuple[str, ...]
    deadline_working_days: int = 5
    project_code_required_from: float = 500.0
    key_project_from: float = 1000.0
    issuer: str = ""
    leadership_office: str = ""
    unit_kind: str = "县（市、区）"
    # indicator id -> how a sample city's annual target is set (rate, value, split)
    targets: Mapping[str, Target] = field(default_factory=dict, compare=False, repr=False)
    # the policy document's own numbers, at the level it gives them, and how they go to the units
    document_targets: tuple[DocumentTarget, ...] = field(default=(), compare=False, repr=False)
    split: str = "proportional"
    indicators: tuple[str, ...] = field(default=(), compare=False, repr=False)  # () = whole catalogue
    custom_indicators: tuple[CustomIndicator, ...] = field(default=(), compare=False, repr=False)
    assessment: Assessment | None = field(default=None, compare=False, repr=False)
    libraries: tuple[Library, ...] = field(default=(), compare=False, repr=False)
    subsidies: tuple[SubsidyRule, ...] = field(default=(), compare=False, repr=False)
    subsidy_total_cap: str | None = field(default=None, compare=False, repr=False)
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def unit(self, code: str) -> Unit | None:
        return next((u for u in self.units if u.code == code), None)

    def document_targets_of(self, year: int) -> list[DocumentTarget]:
        return [t for t in self.document_targets if t.year == year]

    def library_of(self, total_investment: float | None) -> str | None:
        """The highest library tier a project of this total investment (万元) belongs to."""
        tiers = [lib for lib in self.libraries if (total_investment or 0.0) >= lib.from_]
        return max(tiers, key=lambda lib: lib.from_).name if tiers else None

    @property
    def unit_codes(self) -> tuple[str, ...]:
        return tuple(u.code for u in self.units)


def _from_model(m: ProfileModel, raw: dict[str, Any]) -> Profile:
    return Profile(
        id=m.id,
        name=m.name or m.id,
        document=m.document,
        jurisdiction=Unit(m.jurisdiction.code, m.jurisdiction.name),
        units=tuple(Unit(u.code, u.name, u.kind or "division", u.note) for u in m.units),
        reform_types=tuple(m.reform_types),
        deadline_working_days=m.deadline.working_days_after_quarter,
        project_code_required_from=float(m.thresholds.project_code_required_from),
        key_project_from=float(m.thresholds.key_project_from),
        issuer=m.issuer,
        leadership_office=m.leadership_office,
        unit_kind=m.unit_kind,
        targets=dict(m.targets),
        document_targets=tuple(m.document_targets),
        split=m.split,
        indicators=tuple(m.indicators),
        custom_indicators=tuple(m.custom_indicators),
        assessment=m.assessment,
        libraries=tuple(m.libraries),
        subsidies=tuple(m.subsidies),
        subsidy_total_cap=m.subsidy_total_cap,
        raw=raw,
    )


def parse(text: str, source: str) -> Profile:
    """A profile from its YAML text; ``source`` (the file) is named in a :class:`ProfileError`."""
    data = load_yaml(text, source, ProfileError)
    return _from_model(validate(ProfileModel, data, source, ProfileError), data)


def available() -> list[str]:
    return sorted(p.name[:-5] for p in resources.files(__package__).iterdir() if p.name.endswith(".yaml"))


@cache
def load(profile_id: str) -> Profile:
    """Load a shipped profile by id, or a profile file by path."""
    path = Path(profile_id)
    if path.suffix in (".yaml", ".yml") and path.exists():
        return parse(path.read_text(encoding="utf-8"), str(path))
    res = resources.files(__package__) / f"{profile_id}.yaml"
    if not res.is_file():
        raise KeyError(f"未知的政策配置 {profile_id!r}；可用：{', '.join(available())}")
    return parse(res.read_text(encoding="utf-8"), f"{profile_id}.yaml")
