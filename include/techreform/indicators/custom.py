"""A profile's own indicators (``custom_indicators``), evaluated from the same inputs as the catalogue.

The definition language is small on purpose (:class:`~techreform.reference.profiles.sections.Definition`):
a count of library projects, of their enterprises or of recognitions, filtered by field values and
numeric bounds; a sum of one numeric project field; or the ratio of two indicators (catalogue or
custom). Units without an accepted return have no value; the total row counts over every reporting
unit (an enterprise once) and recomputes a ratio from the summed parts.
"""

from __future__ import annotations

from typing import Any

from techreform.indicators.catalogue import Indicator, _spec
from techreform.indicators.compute import Inputs, ProjectFacts, RecognitionRow
from techreform.reference.profiles import Profile
from techreform.reference.profiles.sections import Definition, describe

CUSTOM = "custom"

Values = dict[tuple[str, str], float | None]


def custom_indicators(profile: Profile) -> list[Indicator]:
    """The profile's own indicators, after the catalogue's."""
    return [
        Indicator(
            id=c.id,
            name=c.name,
            unit=c.unit,
            kind=c.kind,
            better=c.better,
            source=c.source or describe(c.definition),
            template=CUSTOM,
            definition=c.definition,
        )
        for c in profile.custom_indicators
    ]


def _field(p: ProjectFacts, name: str) -> Any:
    if name in p.fields:
        return p.fields[name]
    return getattr(p, name, None)


def _number(v: Any) -> float | None:
    try:
        return None if v is None or v == "" else float(v)
    except (TypeError, ValueError):
        return None


def project_passes(d: Definition, p: ProjectFacts) -> bool:
    for key in d.where:
        if str(_field(p, key) or "") not in d.values_of(key):
            return False
    for key, bound in d.at_least.items():
        v = _number(_field(p, key))
        if v is None or v < bound:
            return False
    for key, bound in d.below.items():
        v = _number(_field(p, key))
        if v is None or v >= bound:
            return False
    return True


def recognition_passes(d: Definition, row: RecognitionRow, year: int) -> bool:
    category, level, when = row
    if "category" in d.where and category not in d.values_of("category"):
        return False
    if "level" in d.where and level not in d.values_of("level"):
        return False
    if d.years == "this_year":
        return when == year
    if d.years == "up_to_this_year":
        return when is not None and when <= year
    return True


def _over_projects(d: Definition, ps: list[ProjectFacts]) -> float:
    chosen = [p for p in ps if project_passes(d, p)]
    if d.count == "projects":
        return float(len(chosen))
    if d.count == "enterprises":
        return float(len({p.uscc for p in chosen if p.uscc}))
    return sum(_number(_field(p, str(d.sum))) or 0.0 for p in chosen)


def _count_recognitions(d: Definition, rows: list[RecognitionRow], year: int) -> float:
    return float(sum(1 for r in rows if recognition_passes(d, r, year)))


def _catalogue_indicator(ident: str) -> Indicator:
    """A catalogue indicator by id, for a ratio's operand the profile does not assess itself."""
    value = ident.split(":", 1)[1] if ":" in ident else None
    template = f"{ident.split(':', 1)[0]}:{{value}}" if value is not None else ident
    for d in _spec():
        if d["id"] == template:
            fill = {"value": value} if value is not None else {}
            return Indicator(
                id=ident,
                name=d["name"].format(**fill),
                unit=d["unit"],
                kind=d["kind"],
                better=d.get("better", "higher"),
                source=d["source"].format(**fill),
                template=template,
                value=value,
            )
    raise KeyError(ident)


def values(own: list[Indicator], x: Inputs, known: Values) -> Values:
    """{(unit, id): value} of the profile's own indicators; ``known`` holds what is already computed
    (a ratio's operands are computed here when the profile does not assess them itself)."""
    from techreform.indicators.compute import values as catalogue_values

    out: Values = {}
    by_id = {i.id: i for i in own}
    owners = [*x.units, x.jurisdiction]
    reporting = [u for u in x.units if u in x.projects]

    def ensure(ident: str, stack: tuple[str, ...] = ()) -> None:
        if (x.jurisdiction, ident) in known or (x.jurisdiction, ident) in out:
            return
        if ident in by_id:
            evaluate(by_id[ident], stack + (ident,))
        else:
            out.update(catalogue_values([_catalogue_indicator(ident)], x))

    def get(unit: str, ident: str) -> float | None:
        return out[(unit, ident)] if (unit, ident) in out else known.get((unit, ident))

    def evaluate(ind: Indicator, stack: tuple[str, ...]) -> None:
        d: Definition = ind.definition
        if d.ratio is not None:
            num, den = d.ratio
            for operand in (num, den):
                if operand not in stack:
                    ensure(operand, stack)
            for u in owners:
                a, b = get(u, num), get(u, den)
                out[(u, ind.id)] = None if a is None or not b else a / b * d.scale
            return
        for u in x.units:
            if u not in x.projects:
                out[(u, ind.id)] = None
            elif d.count == "recognitions":
                out[(u, ind.id)] = _count_recognitions(d, x.recognitions.get(u, []), x.year)
            else:
                out[(u, ind.id)] = _over_projects(d, x.projects[u])
        if not reporting:
            out[(x.jurisdiction, ind.id)] = None
        elif d.count == "recognitions":
            out[(x.jurisdiction, ind.id)] = sum(out[(u, ind.id)] or 0.0 for u in reporting)
        else:
            out[(x.jurisdiction, ind.id)] = _over_projects(d, [p for u in reporting for p in x.projects[u]])

    for ind in own:
        if (x.jurisdiction, ind.id) not in out:
            evaluate(ind, (ind.id,))
    wanted = {i.id for i in own}
    return {k: v for k, v in out.items() if k[1] in wanted}


__all__ = ["CUSTOM", "custom_indicators", "project_passes", "recognition_passes", "values"]
