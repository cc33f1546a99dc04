"""The shape of a document city (NOT the product): which enterprises carry out which reform types
with how many projects ≥ the key threshold (:func:`build_firms`), and the check of the generated
year-end returns against the document, by the product's own indicator definitions
(:func:`check_goals`).

A firm does one reform type, or several when the document's enterprises per type add up to more
than its reforming enterprises. Each firm of a type has at least one project of it: a project ≥
the key threshold when the type has as many of them as firms, else a smaller one. Where the
document is silent (a type's projects or enterprises, the whole city's size) the figures are
drawn around the ones it gives.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from techreform.demo.document_goals import Goals
from techreform.demo.projects import City
from techreform.demo.targets import apportion
from techreform.indicators.catalogue import catalogue
from techreform.indicators.compute import Inputs, ProjectFacts, UnitTotals, values
from techreform.reference.profiles.sections import PROJECT_NUMBER_FIELDS, PROJECT_TEXT_FIELDS


@dataclass
class Firm:
    types: set[str]
    projects: list[tuple[str, str]] = field(default_factory=list)  # (big | small | planned, reform type)


def apportion_capped(total: int, weights: Sequence[float], caps: Sequence[int]) -> list[int]:
    """As :func:`apportion`, no part above its cap (the excess goes to the others)."""
    if total > sum(caps):
        raise ValueError("total exceeds the caps")
    parts = [0] * len(weights)
    free = list(range(len(weights)))
    left = total
    while free:
        alloc = apportion(left, [weights[i] for i in free])
        over = [i for i, a in zip(free, alloc, strict=True) if a > caps[i]]
        if not over:
            for i, a in zip(free, alloc, strict=True):
                parts[i] = a
            break
        for i in over:
            parts[i] = caps[i]
            left -= caps[i]
        free = [i for i in free if i not in over]
    return parts


def _projects_by_type(
    goals: Goals, types: tuple[str, ...], n_units: int, rng: random.Random
) -> dict[str, int]:
    p_t = {t: goals.by_type[t] for t in types if t in goals.by_type}
    missing = [t for t in types if t not in p_t]
    known = sum(p_t.values())
    if goals.projects is not None:
        total = goals.projects
    elif not missing:
        total = known
    else:
        base = goals.enterprises or sum(goals.enterprises_by_type.values()) or n_units * rng.randint(4, 8)
        total = known + max(len(missing), round(base * rng.uniform(1.15, 1.35)) - known)
    if missing:
        parts = apportion(max(0, total - known), [rng.uniform(0.5, 1.5) for _ in missing])
        p_t.update(zip(missing, parts, strict=True))
    return p_t


def _enterprises_by_type(
    goals: Goals, types: tuple[str, ...], p_t: dict[str, int], rng: random.Random
) -> dict[str, int]:
    e_t = {t: goals.enterprises_by_type[t] for t in types if t in goals.enterprises_by_type}
    unknown = [t for t in types if t not in e_t]
    if not unknown:
        return e_t
    if goals.enterprises is None:  # about one firm for every 1.1–1.4 projects
        for t in unknown:
            e_t[t] = min(p_t[t], max(1, round(p_t[t] / rng.uniform(1.1, 1.4)))) if p_t[t] else 0
        return e_t
    rest = goals.enterprises - sum(e_t.values())
    need = [t for t in unknown if p_t[t] > 0] or unknown
    extra = apportion(max(0, rest - len(need)), [float(p_t[t]) or 1.0 for t in need])
    for t in unknown:
        e_t[t] = 0
    for t, x in zip(need, extra, strict=True):
        e_t[t] = 1 + x
    return e_t


def _merge(firms: list[Firm], enterprises: int | None, rng: random.Random) -> list[Firm]:
    """Firms of different types merged until there are ``enterprises`` of them (where possible)."""
    firms = list(firms)
    while enterprises is not None and len(firms) > enterprises:
        a = rng.choice(firms)
        others = [f for f in firms if not f.types & a.types]
        if not others:
            break
        b = rng.choice(others)
        a.types |= b.types
        firms.remove(b)
    return firms


def build_firms(goals: Goals, types: tuple[str, ...], n_units: int, rng: random.Random) -> list[Firm]:
    """The city's reforming enterprises with the kinds and reform types of their projects."""
    p_t = _projects_by_type(goals, types, n_units, rng)
    e_t = _enterprises_by_type(goals, types, p_t, rng)
    firms = _merge([Firm({t}) for t in types for _ in range(e_t[t])], goals.enterprises, rng)
    for t in types:
        own = [f for f in firms if t in f.types]
        if p_t[t] and not own:  # projects of a type no enterprise was given: one more firm
            own = [Firm({t})]
            firms += own
        counts = [0] * len(own)
        if p_t[t] >= len(own):
            counts = [1] * len(own)
            for _ in range(p_t[t] - len(own)):
                counts[rng.randrange(len(own))] += 1
        else:
            for i in rng.sample(range(len(own)), p_t[t]):
                counts[i] = 1
        for f, n in zip(own, counts, strict=True):
            f.projects += [("big", t)] * n if n else [("small", t)]
    for f in firms:  # some firms also run a smaller project, or plan one for next year
        if rng.random() < 0.15:
            f.projects.append(("small", rng.choice(sorted(f.types))))
        if rng.random() < 0.08:
            f.projects.append(("planned", rng.choice(sorted(f.types))))
    return firms


def _facts(row: dict) -> ProjectFacts:
    return ProjectFacts(
        uscc=row["uscc"],
        status=row["status"],
        reform_type=row["reform_type"],
        total_investment=row["total_investment"],
        annual_plan=row["annual_plan"],
        smart_equipment_units=row["smart_equipment_units"],
        effects={k: row[k] for k in ("staff_reduction_pct", "energy_reduction_pct", "efficiency_gain_pct")},
        fields={k: row[k] for k in (*PROJECT_TEXT_FIELDS, *PROJECT_NUMBER_FIELDS) if k in row},
    )


def check_goals(
    city: City, goals: Goals, rows: dict[str, list[dict]], totals: dict[str, tuple]
) -> dict[tuple[str, str], float | None]:
    """The document's indicators as the product computes them from the year-end rows, the
    recognitions and the unit totals ({(unit or jurisdiction code, indicator): value})."""
    wanted = {t.indicator for t in goals.targets}
    x = Inputs(
        year=city.year,
        units=[u.code for u in city.units],
        jurisdiction=city.profile.jurisdiction.code,
        key_project_from=city.profile.key_project_from,
        projects={u: [_facts(r) for r in rs] for u, rs in rows.items()},
        recognitions={
            u.code: [(r["category"], r["level"], r["year"]) for _, r in city.recognitions.get(u.code, [])]
            for u in city.units
        },
        totals={code: UnitTotals(t[1], t[2], t[3], t[4]) for code, t in totals.items()},
        coverage=None,
        on_time={},
    )
    return values([i for i in catalogue(city.profile) if i.id in wanted], x)


__all__ = ["Firm", "apportion", "apportion_capped", "build_firms", "check_goals"]
