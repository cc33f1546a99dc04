"""What a return is compared with: the unit's returns in force for other periods (the cross-period rules)."""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, load_only

from techreform import warehouse as wh
from techreform.intake.files import Pending
from techreform.rules.book import file_finding
from techreform.rules.findings import Finding

log = logging.getLogger(__name__)


def rounds(pending: list[Pending]) -> list[list[Pending]]:
    """Round k holds the k-th pending file of each unit, so a unit's earlier file is decided first."""
    per_unit: dict[str, int] = defaultdict(int)
    rounds: list[list[Pending]] = []
    for p in pending:
        k = per_unit[p.sub.unit_code]
        per_unit[p.sub.unit_code] += 1
        if k == len(rounds):
            rounds.append([])
        rounds[k].append(p)
    return rounds


def project_keys(row: dict[str, Any]) -> list[str]:
    """How a project is recognised across quarters: its code, else credit code plus name
    (both are kept, so a project whose code was filled in later is still the same project)."""
    keys = []
    if row.get("project_code"):
        keys.append(f"code:{row['project_code']}")
    if row.get("uscc") and row.get("project_name"):
        name = re.sub(r"\s", "", str(row["project_name"]))
        keys.append(f"name:{row['uscc']}:{name}")
    return keys


@dataclass
class Earlier:
    """What a file is compared with: the unit's returns in force for other periods, and their
    projects by key (see ``project_keys``)."""

    same_year: wh.Submission | None = None  # for 本年累计, which restarts each year
    latest: wh.Submission | None = None  # for projects that vanished, across the year end
    # a later quarter of the same year already in force, when an earlier one is corrected
    later: wh.Submission | None = None
    same_year_projects: dict[str, wh.Project] = field(default_factory=dict)
    latest_projects: dict[str, wh.Project] = field(default_factory=dict)
    later_projects: dict[str, wh.Project] = field(default_factory=dict)


def earlier_returns(session: Session, files: list[Pending]) -> dict[int, Earlier]:
    """For each file of a round, its unit's returns in force for earlier periods (and the next
    later one of the same year); two queries for
    the whole round (a unit has at most one file in a round, so the round's own decisions never
    change what another file of the round is compared with)."""
    files = [p for p in files if p.can_compare_history]
    units = {p.sub.unit_code for p in files}
    if not units:
        return {}
    accepted: dict[str, list[wh.Submission]] = defaultdict(list)
    for sub in session.scalars(
        select(wh.Submission)
        .where(wh.Submission.unit_code.in_(units), wh.Submission.status == wh.ACCEPTED)
        .order_by(wh.Submission.period.desc(), wh.Submission.received_at.desc(), wh.Submission.id.desc())
    ):
        accepted[sub.unit_code].append(sub)
    out: dict[int, Earlier] = {}
    for p in files:
        assert p.period is not None
        earlier = [s for s in accepted[p.sub.unit_code] if s.period and s.period < str(p.period)]
        e = Earlier(latest=earlier[0] if earlier else None)
        e.same_year = next((s for s in earlier if s.period and s.period >= f"{p.period.year}Q1"), None)
        later = [
            s
            for s in accepted[p.sub.unit_code]
            if s.period and str(p.period) < s.period <= f"{p.period.year}Q4"
        ]
        e.later = later[-1] if later else None  # the list is newest period first
        out[p.sub.id] = e
    wanted = {s.id for e in out.values() for s in (e.same_year, e.latest, e.later) if s is not None}
    projects: dict[int, dict[str, wh.Project]] = defaultdict(dict)
    if wanted:
        compared = load_only(
            wh.Project.submission_id,
            wh.Project.project_code,
            wh.Project.uscc,
            wh.Project.project_name,
            wh.Project.status,
            wh.Project.ytd_completed,
        )
        for proj in session.scalars(
            select(wh.Project)
            .options(compared)
            .where(wh.Project.submission_id.in_(wanted))
            .order_by(wh.Project.id)
        ):
            for key in project_keys(as_row(proj)):
                projects[proj.submission_id].setdefault(key, proj)
    for e in out.values():
        e.same_year_projects = projects.get(e.same_year.id, {}) if e.same_year else {}
        e.latest_projects = projects.get(e.latest.id, {}) if e.latest else {}
        e.later_projects = projects.get(e.later.id, {}) if e.later else {}
    return out


def lookup(prev: dict[str, wh.Project], row: dict[str, Any]) -> wh.Project | None:
    return next((prev[k] for k in project_keys(row) if k in prev), None)


def as_row(proj: wh.Project) -> dict[str, Any]:
    return {"project_code": proj.project_code, "uscc": proj.uscc, "project_name": proj.project_name}


def vanished(p: Pending, e: Earlier | None) -> list[Finding]:
    """Projects of the previous return in force that are gone without being completed (a warning)."""
    if not p.can_compare_history or e is None or e.latest is None:
        return []
    earlier, prev = e.latest, e.latest_projects
    now = {k for r in p.projects.rows for k in project_keys(r)}
    out = []
    for proj in {id(x): x for x in prev.values()}.values():
        if not (set(project_keys(as_row(proj))) & now) and proj.status not in ("竣工", "投产"):
            where = {"sheet": p.projects.name, "field": "project_code", "value": proj.project_code}
            out.append(
                file_finding(
                    "project_vanished",
                    where=where,
                    earlier_period=earlier.period,
                    project_name=proj.project_name,
                    project_key=proj.project_code or proj.uscc,
                    status=proj.status,
                )
            )
    return out
