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

__all__ = ["Profile", "ProfileError", "Target", "Unit", "available", "load", "parse"]


class ProfileError(ConfigError):
    """A policy profile file with a mistake; the message is for the user, in Chinese."""

    kind = "政策配置文件"


@dataclass(frozen=True)
class Unit:
    code: str
    name: str


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
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def unit(self, code: str) -> Unit | None:
        return next((u for u in self.units if u.code == code), None)

    @property
    def unit_codes(self) -> tuple[str, ...]:
        return tuple(u.code for u in self.units)


def _from_model(m: ProfileModel, raw: dict[str, Any]) -> Profile:
    return Profile(
        id=m.id,
        name=m.name or m.id,
        document=m.document,
        jurisdiction=Unit(m.jurisdiction.code, m.jurisdiction.name),
        units=tuple(Unit(u.code, u.name) for u in m.units),
        reform_types=tuple(m.reform_types),
        deadline_working_days=m.deadline.working_days_after_quarter,
        project_code_required_from=float(m.thresholds.project_code_required_from),
        key_project_from=float(m.thresholds.key_project_from),
        issuer=m.issuer,
        leadership_office=m.leadership_office,
        unit_kind=m.unit_kind,
        targets=dict(m.targets),
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
