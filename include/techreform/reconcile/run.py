"""The reconciliation of one period: the returns in force against the statistics extract."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.engine import Engine

from techreform import warehouse as wh
from techreform.reconcile import decisions as dec
from techreform.reconcile import extract_checks
from techreform.reconcile.categories import (
    LibraryProject,
    StatsProject,
    categorise,
    qualifies,
)
from techreform.reconcile.extract import Extract
from techreform.reconcile.match import Record, match
from techreform.reconcile.model import LibraryItem, Reconciliation, StatsItem
from techreform.reconcile.names import Places
from techreform.reference.profiles import Profile

log = logging.getLogger(__name__)


def _num(v: object) -> float | None:
    return None if v is None else float(v)  # type: ignore[arg-type]


def library_in_force(engine: Engine, period: str) -> list[LibraryItem]:
    """The projects of the accepted returns in force for ``period`` (one per unit)."""
    p = wh.Project
    with engine.connect() as c:  # plain rows: no ORM instance for each of 100,000 projects
        rows = c.execute(
            select(
                p.id,
                p.unit_code,
                p.project_code,
                p.uscc,
                p.project_name,
                p.enterprise_name,
                p.total_investment,
                p.ytd_completed,
                p.status,
                p.row,
                wh.Submission.file_name,
            )
            .join(wh.Submission, p.submission_id == wh.Submission.id)
            .where(wh.Submission.period == period, wh.Submission.status == wh.ACCEPTED)
            .order_by(p.unit_code, p.row, p.id)
        ).all()
    return [
        LibraryItem(
            key=str(pid),
            decision_key=dec.library_key(unit, code, uscc, name),
            unit=unit,
            enterprise_name=enterprise,
            uscc=uscc,
            project_name=name,
            project_code=code,
            total_investment=_num(total),
            ytd_completed=_num(ytd),
            status=status,
            source=f"{file_name} 项目表第{row}行",
        )
        for pid, unit, code, uscc, name, enterprise, total, ytd, status, row, file_name in rows
    ]


def stats_items(extract: Extract) -> list[StatsItem]:
    out = []
    for r in extract.projects.rows:
        out.append(
            StatsItem(
                key=str(r["stats_project_id"]),
                unit=str(r.get("unit_code") or ""),
                enterprise_name=r.get("enterprise_name"),
                uscc=r.get("uscc"),
                project_name=r.get("project_name"),
                project_code=r.get("project_code"),
                construction_nature=r.get("construction_nature"),
                total_investment=_num(r.get("total_investment")),
                ytd_completed=_num(r.get("ytd_completed")),
                row=int(r["_row"]),
            )
        )
    return out


def units_of(profile: Profile) -> list[str]:
    """The unit codes an extract's rows may carry."""
    return sorted({u.code for u in profile.units} | {profile.jurisdiction.code})


def reconcile(
    profile: Profile,
    period: str,
    extract: Extract,
    library: list[LibraryItem],
    decisions: list[dec.Decision],
    *,
    check: bool = True,
) -> Reconciliation:
    """Check the extract, apply the bureau's decisions, match and categorise (no writing).
    ``check=False``: the extract is checked elsewhere (the caller sets the warnings)."""
    warnings = extract_checks.check(extract, units_of(profile)) if check else []
    stats = stats_items(extract)
    threshold = profile.project_code_required_from
    places = Places.for_jurisdiction(profile.jurisdiction.code)
    by_decision_key = {x.decision_key: x.key for x in library}
    decided = dec.as_matcher_input(decisions, by_decision_key)
    links = match(
        [
            Record(x.key, x.unit, x.project_code, x.uscc, x.enterprise_name, x.project_name, x.ytd_completed)
            for x in library
        ],
        [
            Record(x.key, x.unit, x.project_code, x.uscc, x.enterprise_name, x.project_name, x.ytd_completed)
            for x in stats
        ],
        places,
        decided,
    )
    lib_cat, stats_cat = categorise(
        [
            LibraryProject(x.key, x.unit, x.project_code, x.total_investment, x.ytd_completed, x.status)
            for x in library
        ],
        [StatsProject(x.key, x.unit, x.construction_nature, x.ytd_completed) for x in stats],
        links,
        threshold,
    )
    by_lib = {link.library: link for link in links}
    st_by_key = {x.key: x for x in stats}
    for x in library:
        x.category = lib_cat[x.key]
        x.qualifying = qualifies(
            LibraryProject(x.key, x.unit, x.project_code, x.total_investment, x.ytd_completed, x.status),
            threshold,
        )
        link = by_lib.get(x.key)
        if link is not None:
            x.link = link
            x.stats_project_id = link.stats
            x.stats_ytd = st_by_key[link.stats].ytd_completed
    lib_by_key = {x.key: x for x in library}
    for s in stats:
        s.category = stats_cat[s.key]
    for link in links:
        st_by_key[link.stats].library_key = lib_by_key[link.library].key
    return Reconciliation(
        period=period,
        extract=extract,
        library=library,
        stats=stats,
        links=links,
        warnings=list(warnings),
        decisions_applied=len(decided.linked) + len(decided.rejected),
    )
