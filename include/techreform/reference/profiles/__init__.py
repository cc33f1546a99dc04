"""Policy regimes as data: one YAML profile per regime (DESIGN.md §2).

A profile names the jurisdiction, its reporting units, the reform types of its return, its
deadline rule and thresholds. Code never asks which city it serves; it asks the profile.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

import yaml


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
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    def unit(self, code: str) -> Unit | None:
        return next((u for u in self.units if u.code == code), None)

    @property
    def unit_codes(self) -> tuple[str, ...]:
        return tuple(u.code for u in self.units)


def _from_dict(d: dict) -> Profile:
    th = d.get("thresholds") or {}
    return Profile(
        id=d["id"],
        name=d.get("name", d["id"]),
        document=d.get("document", ""),
        jurisdiction=Unit(str(d["jurisdiction"]["code"]), d["jurisdiction"]["name"]),
        units=tuple(Unit(str(u["code"]), u["name"]) for u in d["units"]),
        reform_types=tuple(d["reform_types"]),
        deadline_working_days=int((d.get("deadline") or {}).get("working_days_after_quarter", 5)),
        project_code_required_from=float(th.get("project_code_required_from", 500)),
        key_project_from=float(th.get("key_project_from", 1000)),
        issuer=d.get("issuer", ""),
        leadership_office=d.get("leadership_office", ""),
        unit_kind=d.get("unit_kind", "县（市、区）"),
        raw=d,
    )


def available() -> list[str]:
    return sorted(p.name[:-5] for p in resources.files(__package__).iterdir() if p.name.endswith(".yaml"))


@cache
def load(profile_id: str) -> Profile:
    """Load a shipped profile by id, or a profile file by path."""
    path = Path(profile_id)
    if path.suffix in (".yaml", ".yml") and path.exists():
        return _from_dict(yaml.safe_load(path.read_text(encoding="utf-8")))
    res = resources.files(__package__) / f"{profile_id}.yaml"
    if not res.is_file():
        raise KeyError(f"未知的政策配置 {profile_id!r}；可用：{', '.join(available())}")
    return _from_dict(yaml.safe_load(res.read_text(encoding="utf-8")))
