"""A realistic generated city, for demos, tests and benchmarks (DESIGN.md §3); NOT the product.

:func:`generate_city` fills a workspace with what a city's industry bureau holds after a few
quarters of a year:

- ``inbox/<unit>/``: the county returns as counties really fill them (title rows, header aliases,
  full-width digits, thousands separators, months written five ways, a 合计 row, one file in 元,
  an ``.xls`` from an old office PC ...). About a third of first versions carry the usual
  mistakes, each on a known Excel row, and are followed by a corrected ``_v2``;
- ``stats/<period>/``: the statistics bureau's extract (§3.2), which mostly agrees with the
  project library but not everywhere (应统未统, amounts, 建设性质, projects nobody reported);
- ``targets/<year>.xlsx``: the year's targets (§3.3), as the profile's ``targets`` set them.

Everything comes from one ``random.Random(seed)``: the same seed gives the same city. Reform
types, thresholds and targets come from the profile. The returned summary says what a correct
product should make of each file (accepted, rejected, superseded, and which rule on which row),
and which reconciliation category each project is planted in, so tests can compare.

The pieces: :mod:`~techreform.demo.vocabulary` (words and codes), :mod:`~techreform.demo.projects`
(the library), :mod:`~techreform.demo.stats` (the statistics side), :mod:`~techreform.demo.mistakes`
and :mod:`~techreform.demo.submissions` (what each file holds), :mod:`~techreform.demo.habits` and
:mod:`~techreform.demo.writer` (how it is typed and written), :mod:`~techreform.demo.arrivals`
(when), :mod:`~techreform.demo.targets`, :mod:`~techreform.demo.answers` (the expected outcome).
"""

from __future__ import annotations

import datetime as dt
import os
import random
from dataclasses import replace

from techreform.demo.answers import summarise
from techreform.demo.arrivals import file_name, first_arrival, later
from techreform.demo.habits import layout_for, write_office_return
from techreform.demo.mistakes import ERROR_KINDS, plant_vanished
from techreform.demo.projects import (
    City,
    build_library,
    pick_silent,
    pick_units,
    plant_duplicate,
    plant_recognitions,
)
from techreform.demo.stats import add_stats_only, assign_stats_ids, link_statistics, write_statistics
from techreform.demo.submissions import (
    Submission,
    Version,
    add_nameless,
    assign_habits,
    plan_quarter,
    retain_one_error,
)
from techreform.demo.targets import target_rules, write_targets
from techreform.reference.periods import Period
from techreform.reference.profiles import Profile
from techreform.workspace import Workspace


def generate_city(
    ws: Workspace,
    profile: Profile,
    year: int = 2026,
    quarters: int = 3,
    seed: int = 7,
    units: int | None = None,
    projects_per_unit: tuple[int, int] = (8, 20),
    mistakes: bool = True,
) -> dict:
    """Fill workspace ``ws`` (already created for ``profile``) with a generated city.

    Writes returns for quarters 1…``quarters`` of ``year`` into ``ws.inbox`` (with realistic
    arrival times as modification times), statistics extracts into ``ws.stats`` and the year's
    targets into ``ws.targets``. ``units`` limits the city to the profile's first units.
    ``mistakes=False`` gives clean returns only (no rejected, superseded or warned files).

    Returns a summary: ``returns`` (files written), ``with_errors`` (files a correct product
    rejects), ``units``, ``periods``, ``expected`` ({file name: accepted|rejected|superseded}),
    ``files`` (per file, in arrival order: unit, period, version, path, received_at, on_time,
    format, habits, ``errors`` and ``warnings`` as {rule, row, field, sheet}, rule ids as in
    ``rules/return_rules.yaml``; file-level ones have no row; ``incidental``: project_vanished
    warnings a product that recognises projects only by code may add to a rejected file whose
    mistake changed a code), ``timely`` ({period: {unit: earliest accepted return on time}}),
    ``silent`` ({period: unit}), ``mistakes`` (count per rule), ``stats_rows`` and
    ``reconciliation`` ({period: {"library": [...], "stats": [...]}}, the planted §4 categories;
    a stats row matched to the library says ``matched`` and the library's category).
    """
    if not 1 <= quarters <= 4:
        raise ValueError("quarters 应在 1…4 之间")
    target_rules(profile)  # a profile whose targets cannot be set fails before any file is written
    rng = random.Random(seed)
    city = City(profile, year, quarters, pick_units(profile, units), rng)
    build_library(city, projects_per_unit)
    silent = pick_silent(rng, city.units, quarters)
    plant_duplicate(city, silent)
    plant_recognitions(city)
    link_statistics(city)
    add_stats_only(city)
    assign_stats_ids(city)
    if mistakes:
        plant_vanished(city, silent)

    kinds = list(ERROR_KINDS)
    rng.shuffle(kinds)
    styles = {u.code: rng.choices(("code", "name_digit", "name_cn"), (60, 20, 20))[0] for u in city.units}
    if len(city.units) >= 3 and all(s == "code" for s in styles.values()):
        styles[city.units[-1].code] = "name_digit"

    subs: list[Submission] = []
    in_force: dict[int, dict[str, list[dict]]] = {0: {}}
    for q in range(1, quarters + 1):
        # kinds not planted yet come first, so that a short city still shows every kind
        done = {e["rule"] for s in subs for v in s.versions for e in v.errors}
        kinds.sort(key=lambda k: k in done)
        quarter = plan_quarter(city, q, silent[q], kinds, in_force[q - 1], mistakes)
        in_force[q] = {s.unit.code: s.versions[-1].rows for s in quarter}
        subs += quarter
    if mistakes:
        multi = [s for s in subs if len(s.versions) == 2 and len(s.versions[0].errors) >= 2]
        if multi:
            retain_one_error(rng.choice(multi))
        add_nameless(subs, rng)
    assign_habits(subs, rng)
    files = write_submissions(ws, city, subs, styles)
    summary = summarise(ws, city, subs, files, silent, in_force)
    summary["seed"] = seed
    summary["stats_rows"], totals = write_statistics(ws, city)
    write_targets(ws, city, totals)
    return summary


def write_submissions(
    ws: Workspace, city: City, subs: list[Submission], styles: dict[str, str], *, late: bool = True
) -> list[Version]:
    """Lay out, name, time and write every version; gives them in arrival order. ``late=False``:
    every office sends on time (else at least one is late each quarter, and some by chance)."""
    rng, profile = city.rng, city.profile
    late_units: dict[int, str] = {}
    for q in range(1, city.quarters + 1):  # at least one late office each quarter
        qs = [s for s in subs if s.q == q]
        if qs and late:
            late_units[q] = rng.choice(qs).unit.code
    for s in subs:
        period = Period(city.year, s.q)
        s.layout = layout_for(s.habits, rng, s.unit, period, profile)
        if "yuan" in s.habits:
            s.file_warnings.append({"rule": "unit_converted", "index": None, "field": None})
        deadline = period.deadline(profile.deadline_working_days)
        is_late = s.unit.code == late_units.get(s.q) or (rng.random() < 0.08 and late)
        t = first_arrival(rng, period, deadline, is_late)
        for v in s.versions:
            if v is not s.versions[0]:
                t = later(rng, t, 1.5, 30)
            v.received = t
            ext = ".xls" if s.layout.fmt == "xls" else ".xlsx"
            v.name = (
                "技改项目季报" + ext
                if v.version == 0
                else file_name(s.unit, period, v.version, styles[s.unit.code], ext)
            )
    versions = sorted(
        (v for s in subs for v in s.versions), key=lambda v: (v.received, v.unit.code, v.version)
    )
    last: dt.datetime | None = None
    for v in versions:  # modification times strictly increase in arrival order
        if last and v.received <= last:
            v.received = last + dt.timedelta(minutes=1)
        last = v.received
    by_version = {id(v): s for s in subs for v in s.versions}
    for v in versions:
        s = by_version[id(v)]
        path = ws.inbox / s.unit.code / v.name
        n = 1
        while path.exists() and v.version == 0:  # earlier calls may have left one already
            path = ws.inbox / s.unit.code / f"技改项目季报({n}){path.suffix}"
            n += 1
        v.name = path.name
        layout = s.layout
        if v.version == 0:  # an earlier draft: no metadata sheet naming the period, another title
            layout = replace(layout, meta=(), title="" if layout.title else f"{s.unit.name}技改项目季报表")
        rows = write_office_return(path, v.rows, recognitions=s.recognitions, layout=layout)
        for e in v.errors + v.warnings:
            e["row"] = None if e["index"] is None else rows[e["index"]]
        # Office hours as the machine's local time, the clock intake reads received times by
        # (deployments run in China time: TZ=Asia/Shanghai in docker-compose.yaml).
        stamp = v.received.timestamp()
        os.utime(path, (stamp, stamp))
    return versions


__all__ = ["generate_city", "write_submissions"]
