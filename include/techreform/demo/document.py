"""A generated city whose year-end returns add up exactly to a policy document's figures (NOT the
product): ``techreform init <ws> --profile <id> --sample --from-document``.

Where :func:`techreform.demo.city.generate_city` draws a city and estimates its targets from it,
:func:`generate_document_city` starts from the profile's ``document_targets`` for one year (by
default the first year the document gives figures for) and builds the city to meet them at the
jurisdiction level: so many reforming enterprises, so many projects ≥ the key threshold of each
reform type, their total and annual-plan investment to the 万元, the smart equipment, the
recognitions; project effects and the statistics' rates at least at their targets (see
:mod:`techreform.demo.document_goals` for what is built and what is not, and why).

The returns of all four quarters are clean and on time, no unit is silent, no project is reported
twice, and the statistics extract carries every project that should be in it with the same
amounts, so that reconciliation finds nothing to report and the year-end figures are exactly the
document's. ``targets/<year>.xlsx`` holds the document's targets: a jurisdiction figure split to
the units by the target's or the profile's ``split`` rule (``proportional``: by the units' own
generated figures, so each unit completes 100%; ``equal``; ``none``: the jurisdiction's row
only), a rate given to every unit as it is; other indicators as the profile's sample ``targets``.
"""

from __future__ import annotations

import math
import random

from techreform.demo.answers import summarise
from techreform.demo.city import write_submissions
from techreform.demo.document_goals import ACTIVE, STATS_RATES, Goals, document_year, goals_of
from techreform.demo.document_plan import Firm, apportion, apportion_capped, build_firms, check_goals
from techreform.demo.document_recognitions import plant_goal_recognitions
from techreform.demo.projects import City, Project, new_enterprise, new_project, progress_shares
from techreform.demo.stats import Totals, add_stats_only, assign_stats_ids, spell_statistics, write_statistics
from techreform.demo.submissions import Submission, assign_habits, plan_quarter
from techreform.demo.targets import TARGET_COLUMNS, target_rows, target_rules
from techreform.demo.vocabulary import TECH, new_project_code
from techreform.demo.writer import write_table
from techreform.reference.codes import gb2260
from techreform.reference.profiles import Profile, Unit
from techreform.workspace import Workspace

QUARTERS = 4
BAND = 2  # percentage points: the width of the units' industrial growths


def generate_document_city(ws: Workspace, profile: Profile, year: int | None = None, seed: int = 7) -> dict:
    """Fill workspace ``ws`` (created for ``profile``) with a city meeting the document's figures
    of ``year`` (default: :func:`~techreform.demo.document_goals.document_year`).

    Returns :func:`~techreform.demo.city.generate_city`'s summary plus ``year``, ``honoured``
    ({indicator: the document's figure, met exactly at the jurisdiction}), ``at_least``
    ({indicator: the document's rate, met or exceeded by the jurisdiction}), ``missed``
    ({indicator: (document, generated)}: figures aimed at but not met together) and ``unsupported``
    ({indicator: why it was not built}).
    """
    city, goals = build_document_city(profile, year, seed)
    rng = city.rng
    subs: list[Submission] = []
    in_force: dict[int, dict[str, list[dict]]] = {0: {}}
    for q in range(1, QUARTERS + 1):
        quarter = plan_quarter(city, q, None, [], in_force[q - 1], mistakes=False)
        in_force[q] = {s.unit.code: s.versions[-1].rows for s in quarter}
        subs += quarter
    assign_habits(subs, rng)
    styles = {u.code: rng.choices(("code", "name_digit", "name_cn"), (60, 20, 20))[0] for u in city.units}
    files = write_submissions(ws, city, subs, styles, late=False)
    summary = summarise(ws, city, subs, files, dict.fromkeys(range(QUARTERS + 1)), in_force)
    summary["seed"] = seed
    summary["stats_rows"], totals = write_statistics(ws, city, lambda t: _meet_rates(city, goals, t))
    values = check_goals(city, goals, in_force[QUARTERS], totals[QUARTERS])
    _write_targets(ws, city, goals, totals, values)
    summary.update(year=city.year, **_outcome(city, goals, values))
    return summary


def build_document_city(profile: Profile, year: int | None = None, seed: int = 7) -> tuple[City, Goals]:
    """The city (library, recognitions, statistics' view) and the goals it is built to, before
    anything is written: each project's figures of a quarter are ``project_row(p, q)``."""
    goals = goals_of(profile, document_year(profile, year))
    rng = random.Random(seed)
    city = City(profile, goals.year, QUARTERS, list(profile.units), rng)
    _build_library(city, goals, build_firms(goals, profile.reform_types, len(city.units), rng))
    plant_goal_recognitions(city, goals)
    _link_statistics(city)
    add_stats_only(city)  # other industry only: every tech-reform project is in some return
    city.stats_only = [p for p in city.stats_only if p.nature != TECH]
    assign_stats_ids(city)
    return city, goals


def _outcome(city: City, goals: Goals, values: dict[tuple[str, str], float | None]) -> dict:
    """Which of the document's figures the year-end returns meet (as the product computes them)."""
    total = {ind: values.get((_total(city), ind)) for ind in {t.indicator for t in goals.targets}}
    honoured = {k: v for k, v in goals.exact.items() if total.get(k) == v}
    at_least: dict[str, float] = {}
    missed = {k: (v, total.get(k)) for k, v in goals.exact.items() if k not in honoured}
    for t in goals.targets:
        if t.indicator in goals.exact or t.indicator in goals.unsupported:
            continue
        got = total.get(t.indicator)
        if got is not None and got >= t.value:
            at_least[t.indicator] = t.value
        else:
            missed[t.indicator] = (t.value, got)
    return {
        "honoured": honoured,
        "at_least": at_least,
        "missed": missed,
        "unsupported": dict(goals.unsupported),
    }


def _total(city: City) -> str:
    return city.profile.jurisdiction.code


# --------------------------------------------------------------------------- the library


def _division(city: City, unit: Unit) -> str:
    return unit.code if gb2260.is_valid(unit.code) else city.profile.jurisdiction.code


def _build_library(city: City, goals: Goals, firms: list[Firm]) -> None:
    """The firms as enterprises of the units, with their projects, amounts and schedules."""
    rng, units = city.rng, city.units
    sizes = [rng.lognormvariate(0, 0.5) for _ in units]
    floor = 1 if len(firms) >= len(units) else 0
    counts = [floor + c for c in apportion(len(firms) - floor * len(units), sizes)]
    rng.shuffle(firms)
    at = 0
    big: list[Project] = []
    for unit, n in zip(units, counts, strict=True):
        city.library[unit.code] = []
        for firm in firms[at : at + n]:
            ent = new_enterprise(city, unit)
            ent.above_scale = True  # the programmes' enterprises: every one above scale
            used: set[str] = set()
            for kind, reform_type in firm.projects:
                p = new_project(city, unit, ent, used, library=True, reform_type=reform_type)
                p.nature = TECH
                p.first_q = 1
                if kind == "big":
                    big.append(p)  # its amounts come below, with the others'
                else:
                    _small_or_planned(city, p, kind)
                city.library[unit.code].append(p)
        at += n
    _big_amounts(city, goals, big)
    _smart_units(city, goals)
    _effects(city, goals)


def _big_amounts(city: City, goals: Goals, big: list[Project]) -> None:
    """Total and annual plan of the projects ≥ the key threshold, to the document's 万元."""
    rng, n = city.rng, len(big)
    key = math.ceil(city.profile.key_project_from)
    if goals.total_investment is not None and goals.total_investment >= key * n:
        extra = apportion(goals.total_investment - key * n, [rng.lognormvariate(0, 1.0) for _ in big])
        totals = [key + e for e in extra]
    else:
        totals = [max(key, min(round(math.exp(rng.gauss(math.log(8000), 1.0))), 300_000)) for _ in big]
    if goals.annual_plan is not None and goals.annual_plan <= sum(totals):
        weights = [t * rng.uniform(0.15, 0.75) for t in totals]
        annuals = apportion_capped(goals.annual_plan, weights, totals)
    else:
        annuals = [math.floor(t * rng.uniform(0.2, 0.8)) for t in totals]
    done = _done_flags(city, big)
    for p, total, annual in zip(big, totals, annuals, strict=True):
        _schedule(city, p, total * 10, annual * 10, done[p.pid])


def _done_flags(city: City, big: list[Project]) -> dict[int, bool]:
    """Which projects complete this year: about 40%, and at least one in every unit."""
    rng = city.rng
    flags = {p.pid: rng.random() < 0.4 for p in big}
    for unit in city.units:
        own = [p for p in big if p.unit == unit.code]
        if own and not any(flags[p.pid] for p in own):
            flags[rng.choice(own).pid] = True
    return flags


def _small_or_planned(city: City, p: Project, kind: str) -> None:
    """A project below the key threshold in progress (``small``), or one planned for next year."""
    rng, y0 = city.rng, city.y0
    if kind == "planned":
        p.start = y0 + 12 + rng.randint(0, 5)
        p.completion = p.start + rng.randint(8, 24)
        p.total = max(round(math.exp(rng.gauss(math.log(3000), 0.8))), 200) * 10
        p.equipment = math.floor(p.total * rng.uniform(0.28, 0.78))
        p.prior = p.annual = 0
        p.progress = (0.0, 0.0, 0.0, 0.0)
        _code(city, p)
    else:
        key = math.ceil(city.profile.key_project_from)
        total = rng.randint(max(50, key // 5), key - 1)
        _schedule(city, p, total * 10, math.floor(total * rng.uniform(0.3, 1.0)) * 10, rng.random() < 0.4)


def _schedule(city: City, p: Project, total: int, annual: int, done: bool) -> None:
    """Amounts (tenths of 万元) and a schedule consistent with the return's rules: started by
    December, completed this year when ``done``; nothing spent before a start this year."""
    rng, y0 = city.rng, city.y0
    p.total, p.annual = total, annual
    p.equipment = math.floor(total * rng.uniform(0.28, 0.78))
    completion = y0 + rng.randint(0, 11) if done else y0 + 12 + rng.randint(0, 18)
    starts_this_year = annual == total or rng.random() < 0.35
    if starts_this_year:
        p.start = y0 + rng.randint(0, min(9, completion - y0))
        p.prior = 0
    else:
        p.start = y0 - rng.randint(1, 24)
        share = rng.uniform(0.85, 1.0) if done else rng.uniform(0.2, 0.8)
        p.prior = math.floor((total - annual) * share)
    p.completion = completion
    p.progress = progress_shares(rng, y0, p.start, completion)
    _code(city, p)


def _code(city: City, p: Project) -> None:
    """A project code from the profile's threshold on (filed the year it starts, or the year before)."""
    if p.total >= city.code_from or (p.code and city.rng.random() < 0.5):
        filing = min(p.start // 12, city.year) - city.rng.choice((0, 0, 1))
        unit = city.profile.unit(p.unit) or city.profile.jurisdiction
        p.code = new_project_code(city.rng, filing, _division(city, unit), p.ent.industry, city.pcodes)
    else:
        p.code = ""


def _active(city: City) -> list[Project]:
    return [p for u in city.units for p in city.library[u.code] if p.status(QUARTERS) in ACTIVE]


def _smart_units(city: City, goals: Goals) -> None:
    """The year's smart equipment spread over the projects in progress, as drawn."""
    if goals.smart_units is None:
        return
    active = _active(city)
    for p, n in zip(active, apportion(goals.smart_units, [p.smart_units for p in active]), strict=True):
        p.smart_units = n
    for p in (p for u in city.units for p in city.library[u.code] if p.status(QUARTERS) not in ACTIVE):
        p.smart_units = 0


def _effects(city: City, goals: Goals) -> None:
    """Completed projects report effects at least the document's (so every average meets it)."""
    if not goals.effects:
        return
    for p in _active(city):
        fx = list(p.effects)
        for i, at_least in goals.effects.items():
            fx[i] = round(min(at_least + city.rng.uniform(0.5, 6), 100), 1)
        p.effects = (fx[0], fx[1], fx[2])


# --------------------------------------------------------------------------- statistics


def _link_statistics(city: City) -> None:
    """Statistics carry every project that should be in them (§4), from its first money on, with
    the library's amounts, nature and project code: reconciliation matches them all."""
    for p in (p for u in city.units for p in city.library[u.code]):
        started = next((q for q in range(1, QUARTERS + 1) if p.ytd(q) > 0), None)
        if p.total < city.code_from or started is None:
            continue
        p.stats_from_q, p.stats_nature, p.stats_factor = started, TECH, 1.0
        spell_statistics(p, city.prefix, city.rng)
        p.stats_code, p.stats_uscc = p.code, p.ent.uscc


def _meet_rates(city: City, goals: Goals, totals: Totals) -> Totals:
    """The unit totals reshaped so that every unit, and so the jurisdiction, meets the document's
    rates at least (and the profile's sample rates where the document gives none): a share and
    two growths per unit, the same in every quarter, so that the year-to-date series never fall.
    Each unit's industrial growth lies in one band and its tech-reform growth in another, above
    it by the gap asked; the totals' growths, weighted means of the units', stay in the bands, so
    the jurisdiction meets the gap too."""
    sample = {t.indicator: t.number for t in target_rules(city.profile) if t.number is not None}
    r = {k: v for k, v in sample.items() if k in STATS_RATES} | goals.rates
    if not r:
        return totals
    rng = city.rng
    ind_low = r.get("industrial_invest_growth", rng.uniform(-3, 12)) + 0.5
    tech_low = max(
        ind_low + BAND + r.get("tech_growth_gap", -math.inf), r.get("tech_invest_growth", -math.inf)
    )
    out: Totals = {q: {} for q in totals}
    for unit in city.units:
        share = r.get("tech_invest_share", rng.uniform(25, 40)) + rng.uniform(1, 4)
        g_ind = ind_low + rng.uniform(0, BAND)
        g_tech = (tech_low if tech_low > -math.inf else rng.uniform(-5, 30)) + rng.uniform(0.5, 2.5)
        for q in totals:
            tech = totals[q][unit.code][2]
            ind = tech / share * 100
            out[q][unit.code] = (
                unit.code,
                round(ind, 1),
                tech,
                round(ind / (1 + g_ind / 100), 1),
                round(tech / (1 + g_tech / 100), 1),
            )
    return out


# --------------------------------------------------------------------------- targets


def _write_targets(
    ws: Workspace, city: City, goals: Goals, totals: Totals, values: dict[tuple[str, str], float | None]
) -> None:
    """``targets/<year>.xlsx``: the profile's sample targets, the document's where it gives one."""
    rows = {(code, ind): v for code, ind, v in target_rows(city, totals)}
    codes = [u.code for u in city.units]
    for t in goals.targets:
        for code in [*codes, _total(city)]:
            rows.pop((code, t.indicator), None)
        if t.scope == "every_unit":
            rows.update({(c, t.indicator): float(t.value) for c in [*codes, _total(city)]})
            continue
        rows[(_total(city), t.indicator)] = float(t.value)
        rule = t.split or city.profile.split
        if rule == "none" or not float(t.value).is_integer():
            continue
        own = [values.get((c, t.indicator)) or 0.0 for c in codes]
        weights = own if rule == "proportional" and sum(own) > 0 else [1.0] * len(codes)
        for c, part in zip(codes, apportion(int(t.value), weights), strict=True):
            rows[(c, t.indicator)] = float(part)
    write_table(
        ws.targets / f"{city.year}.xlsx",
        TARGET_COLUMNS,
        sorted(((c, i, v) for (c, i), v in rows.items()), key=lambda r: (r[0] == _total(city), r[0])),
    )


__all__ = ["build_document_city", "generate_document_city"]
