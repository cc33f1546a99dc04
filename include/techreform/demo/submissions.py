"""The returns of the demo city (NOT the product): which files a quarter brings, the rows in
them, what is wrong in each version and what a correct product should make of it."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field, replace

from techreform.demo.habits import HABITS, Layout
from techreform.demo.mistakes import Ctx, broken_keys, plant_errors, plant_warning, take_kinds
from techreform.demo.projects import City, Project
from techreform.demo.vocabulary import WARNING_NOTES
from techreform.reference.periods import Period
from techreform.reference.profiles import Unit


def project_row(p: Project, q: int) -> dict:
    """The clean row a careful county would write for project p in quarter q (amounts in 万元)."""
    status = p.status(q)
    ytd = p.ytd(q)
    planned = status == "计划"
    return {
        "_pid": p.pid,
        "uscc": p.ent.uscc,
        "enterprise_name": p.ent.name,
        "above_scale": "是" if p.ent.above_scale else "否",
        "industry_code": p.ent.industry,
        "project_name": p.name,
        "project_code": p.code,
        "reform_type": p.reform_type,
        "construction_nature": p.nature,
        "status": status,
        "start_month": p.start,
        "planned_completion": p.completion,
        "total_investment": p.total / 10,
        "equipment_investment": p.equipment / 10,
        "annual_plan": p.annual / 10,
        "ytd_completed": ytd / 10,
        "cumulative_completed": 0.0 if planned else (p.prior + ytd) / 10,
        "in_statistics": "是" if p.in_stats(q) or (p.claims_stats and not planned) else "否",
        "smart_equipment_units": 0 if planned else p.smart_units,
        "staff_reduction_pct": None if planned else p.effects[0],
        "energy_reduction_pct": None if planned else p.effects[1],
        "efficiency_gain_pct": None if planned else p.effects[2],
        "contact": p.ent.contact,
        "phone": p.ent.phone,
        "note": None,
    }


def quarter_rows(city: City, unit: str, q: int) -> list[dict]:
    """A unit's clean rows in quarter q: its own projects, then any it reports twice (``_special``)."""
    own = [p for p in city.library[unit] if p.first_q <= q and p.vanish_q != q]
    guests = [
        p
        for u in city.units
        for p in city.library[u.code]
        if p.also_reported_by == unit and q >= p.dup_from_q
    ]
    rows = [project_row(p, q) for p in own + guests]
    for r in rows[len(own) :]:
        r["_special"] = True
    for i, r in enumerate(rows, start=1):
        r["seq"] = i
    return rows


# ---------------------------------------------------------------------------------------------
# Submissions: which files a quarter brings, what is wrong in them, what a product should say


@dataclass
class Version:
    """One file of a submission."""

    unit: Unit
    q: int
    version: int  # 0 for a file that names no period
    rows: list[dict]
    errors: list[dict]
    warnings: list[dict]
    expected: str = "accepted"
    name: str = ""
    received: dt.datetime = dt.datetime.min  # set when the city's arrivals are drawn
    incidental: list[dict] = field(default_factory=list)  # findings a product may add, see below


@dataclass
class Submission:
    """A unit's return for one quarter: its versions and how its office types them."""

    unit: Unit
    q: int
    versions: list[Version]
    habits: set[str] = field(default_factory=set)
    layout: Layout = field(default_factory=Layout)  # set when the city's habits are laid out
    recognitions: list[dict] = field(default_factory=list)
    file_warnings: list[dict] = field(default_factory=list)


def _copy_rows(rows: list[dict]) -> list[dict]:
    return [dict(r) for r in rows]


def plan_quarter(
    city: City,
    q: int,
    silent: str | None,
    kinds: list[str],
    prev_force: dict[str, list[dict]],
    mistakes: bool,
) -> list[Submission]:
    """The submissions of quarter q: clean returns, rejected first versions and their fixes.

    About a third of the units make mistakes; one clean unit sends an accepted return with an
    unexplained warning and then a second version that explains it (the first is superseded).
    """
    rng = city.rng
    active = [u for u in city.units if u.code != silent]
    err_units = {u.code for u in rng.sample(active, round(len(active) / 3) if mistakes else 0)}
    clean = [u for u in active if u.code not in err_units]
    superseded = rng.choice(clean).code if mistakes and len(clean) >= 2 else None
    subs = []
    for unit in active:
        base = quarter_rows(city, unit.code, q)
        used: set[int] = set()
        warnings = []
        if mistakes and (unit.code == superseded or rng.random() < 0.25):
            w = plant_warning(base, rng, used, explained=unit.code != superseded and rng.random() < 0.4)
            warnings += [w] if w else []
        warnings += [
            {"rule": "project_vanished", "index": None, "field": None, "project_code": p.code}
            for p in city.library[unit.code]
            if p.vanish_q == q
        ]
        versions = [Version(unit, q, 1, base, [], warnings)]
        if unit.code in err_units:
            ctx = Ctx(
                Period(city.year, q).end_month,
                city.profile.project_code_required_from,
                {r["_pid"]: r["ytd_completed"] for r in prev_force.get(unit.code, [])},
                city.profile.reform_types,
                rng,
            )
            versions = _with_errors(versions[0], kinds, ctx, used)
        elif unit.code == superseded and warnings and warnings[0]["index"] is not None:
            versions = _with_explanation(versions[0], rng)
        recs = [r for from_q, r in city.recognitions[unit.code] if from_q <= q]
        subs.append(Submission(unit, q, versions, recognitions=recs))
    return subs


def _with_errors(clean: Version, kinds: list[str], ctx: Ctx, used: set[int]) -> list[Version]:
    """A first version with the next mistakes of the rotation, then the clean one as v2."""
    n = ctx.rng.choices((1, 2, 3), (50, 35, 15))[0]
    take = take_kinds(kinds, n, has_prev=bool(ctx.prev_ytd))
    rows = _copy_rows(clean.rows)
    errors = plant_errors(rows, take, ctx, set(used))
    for k in take:  # a kind that found no row here comes first for the next file
        if not any(e["rule"] == k for e in errors):
            kinds.remove(k)
            kinds.insert(0, k)
    if not errors:
        return [clean]
    v1 = replace(clean, rows=rows, errors=errors, expected="rejected")
    v1.incidental = broken_keys(rows, clean.rows, ctx)
    return [v1, replace(clean, version=2)]


def _with_explanation(first: Version, rng: random.Random) -> list[Version]:
    """The accepted first version is replaced by one that explains its warning in 备注."""
    w = dict(first.warnings[0], explained=True)
    rows = _copy_rows(first.rows)
    rows[w["index"]]["note"] = rng.choice(WARNING_NOTES)
    return [
        replace(first, expected="superseded"),
        replace(first, version=2, rows=rows, warnings=[w, *first.warnings[1:]]),
    ]


def retain_one_error(sub: Submission) -> None:
    """A second version that fixed all but one mistake, and a third that is right."""
    v1, v2 = sub.versions[0], sub.versions[1]
    clean = v2.rows
    kept = v1.errors[-1]["rule"]
    errors = [dict(e) for e in v1.errors if e["rule"] == kept]
    rows = _copy_rows(clean)
    for e in errors:
        rows[e["index"]] = dict(v1.rows[e["index"]])
    v2.rows, v2.errors, v2.expected = rows, errors, "rejected"
    v2.incidental = [w for w in v1.incidental if w["_at"] in {e["index"] for e in errors}]
    sub.versions.append(Version(sub.unit, sub.q, 3, clean, [], v1.warnings))


def assign_habits(subs: list[Submission], rng: random.Random) -> None:
    """Random habits per return, then make sure every habit shows up somewhere in the city."""
    for s in subs:
        s.habits = {h for h, p in HABITS.items() if rng.random() < p}
    for h in HABITS:
        if not any(h in s.habits for s in subs) and subs:
            rng.choice(subs).habits.add(h)


def add_nameless(subs: list[Submission], rng: random.Random) -> None:
    """A file that names no period, sent before the right one (rejected at file level)."""
    clean = [s for s in subs if len(s.versions) == 1]
    if clean:
        s = rng.choice(clean)
        s.versions.insert(0, Version(s.unit, s.q, 0, s.versions[0].rows, [], [], expected="rejected"))
