"""The indicator catalogue (``catalogue.yaml``) expanded for a profile: one definition per indicator,
with ``for_each`` spelled out over the profile's reform types and the recognition categories."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

from techreform.reference import schema
from techreform.reference.profiles import Profile

CUMULATIVE = "cumulative"
RATE = "rate"
COUNT = "count"


@dataclass(frozen=True)
class Indicator:
    id: str
    name: str
    unit: str
    kind: str  # cumulative | rate | count
    better: str  # higher | lower
    source: str
    template: str  # the catalogue id it comes from (projects_over_10m:{value} for a typed one)
    value: str | None = None  # the reform type or recognition category of a for_each indicator
    definition: Any = field(default=None, compare=False)  # a custom indicator's (indicators.custom)

    @property
    def label(self) -> str:
        return f"{self.name}（{self.unit}）"


@cache
def _spec() -> list[dict[str, Any]]:
    text = (resources.files("techreform.indicators") / "catalogue.yaml").read_text(encoding="utf-8")
    spec: list[dict[str, Any]] = yaml.safe_load(text)
    return spec


def catalogue(profile: Profile) -> list[Indicator]:
    """Every catalogue indicator for this profile, in catalogue order."""
    values = {
        "reform_type": list(profile.reform_types),
        "recognition_category": list(schema.RECOGNITION_FIELD["category"].enum),
    }
    out = []
    for d in _spec():
        each = values[d["for_each"]] if d.get("for_each") else [None]
        for v in each:
            fill = {"value": v} if v is not None else {}
            out.append(
                Indicator(
                    id=d["id"].format(**fill),
                    name=d["name"].format(**fill),
                    unit=d["unit"],
                    kind=d["kind"],
                    better=d.get("better", "higher"),
                    source=d["source"].format(**fill),
                    template=d["id"],
                    value=v,
                )
            )
    from techreform.indicators.custom import custom_indicators  # the profile's own: import late

    return out + custom_indicators(profile)


def assessed(profile: Profile) -> list[Indicator]:
    """The indicators the profile assesses (its ``indicators`` list), else the whole catalogue."""
    every = catalogue(profile)
    chosen = profile.raw.get("indicators") if isinstance(profile.raw, dict) else None
    if not chosen:
        return every
    by_id = {i.id: i for i in every}
    by_template: dict[str, list[Indicator]] = {}
    for i in every:
        by_template.setdefault(i.template, []).append(i)
    out: list[Indicator] = []
    for name in chosen:
        out.extend([by_id[name]] if name in by_id else by_template.get(name, []))
    return out


def find(profile: Profile, text: str) -> Indicator | None:
    """An indicator by id or by its Chinese name (with or without its unit), as a targets file
    may write it."""
    t = "".join(str(text).split())
    for i in catalogue(profile):
        if t in (i.id, i.name, i.label, f"{i.name}({i.unit})"):
            return i
    return None
