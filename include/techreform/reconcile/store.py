"""Keeping reconciliations in the warehouse: every extract load with its source, hash and time, the
bureau's decisions as read, and the period's results (a rerun replaces that period's results and
nothing else, in one transaction)."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from techreform import warehouse as wh
from techreform.indicators.compute import Coverage, UnitTotals
from techreform.reconcile import categories as cat
from techreform.reconcile.decisions import Decision
from techreform.reconcile.extract import Extract
from techreform.reconcile.model import Reconciliation
from techreform.warehouse.bulk import insert_many


def _found(s: Session, e: Extract) -> wh.StatsLoad | None:
    return s.scalar(
        select(wh.StatsLoad).where(wh.StatsLoad.period == e.period, wh.StatsLoad.sha256 == e.sha256)
    )


def known_load_time(engine: Engine, e: Extract) -> None:
    """Give ``e`` the time of an earlier load of the same content, as ``save`` will (the outputs
    say when the content was first read), before saving."""
    with Session(engine) as s:
        found = _found(s, e)
        if found is not None:
            e.loaded_at = found.loaded_at


def _load(s: Session, e: Extract) -> wh.StatsLoad:
    """The load of this content for the period, made once."""
    found = _found(s, e)
    if found is not None:
        e.loaded_at = found.loaded_at  # the same content was read then: outputs say so, and stay the same
        return found
    load = wh.StatsLoad(
        period=e.period,
        source=e.source,
        sha256=e.sha256,
        loaded_at=e.loaded_at,
        projects_count=len(e.projects.rows),
        totals_count=len(e.totals.rows) if e.totals else 0,
        warnings=json.dumps(e.warnings, ensure_ascii=False) if e.warnings else None,
    )
    s.add(load)
    s.flush()
    if e.projects.rows:  # Core executemany, in the extract's order: no ORM bookkeeping for 100,000 rows
        s.connection().execute(
            insert(wh.StatsProject),
            [
                {
                    "load_id": load.id,
                    "row": int(r["_row"]),
                    "stats_project_id": str(r["stats_project_id"]),
                    "unit_code": str(r.get("unit_code") or ""),
                    "project_code": r.get("project_code"),
                    "uscc": r.get("uscc"),
                    "enterprise_name": r.get("enterprise_name"),
                    "project_name": r.get("project_name"),
                    "construction_nature": r.get("construction_nature"),
                    "total_investment": r.get("total_investment"),
                    "ytd_completed": r.get("ytd_completed"),
                }
                for r in e.projects.rows
            ],
        )
    for r in e.totals.rows if e.totals else []:
        if r.get("unit_code"):
            s.add(
                wh.StatsUnitTotal(
                    load_id=load.id,
                    unit_code=str(r["unit_code"]),
                    industrial_ytd=r.get("industrial_ytd"),
                    tech_ytd=r.get("tech_ytd"),
                    industrial_prev=r.get("industrial_prev"),
                    tech_prev=r.get("tech_prev"),
                )
            )
    return load


def save_decisions(engine: Engine, decisions: list[Decision]) -> None:
    """Remember every decision read (once per file and row), so the record outlives the file."""
    if not decisions:
        return
    now = dt.datetime.now().replace(microsecond=0)
    with Session(engine) as s, s.begin():
        known = set(
            s.execute(
                select(
                    wh.MatchDecision.kind,
                    wh.MatchDecision.library_key,
                    wh.MatchDecision.stats_project_id,
                    wh.MatchDecision.source,
                )
            ).tuples()
        )
        for d in decisions:
            key = (d.kind, d.library, d.stats_project_id, d.source)
            if key not in known:
                known.add(key)
                s.add(
                    wh.MatchDecision(
                        kind=d.kind,
                        library_key=d.library,
                        stats_project_id=d.stats_project_id,
                        source=d.source,
                        first_seen_at=now,
                    )
                )


def stored_decisions(engine: Engine) -> list[Decision]:
    """Every decision ever read, oldest first (a later one on the same pair wins)."""
    with Session(engine) as s:
        rows = s.scalars(
            select(wh.MatchDecision).order_by(wh.MatchDecision.first_seen_at, wh.MatchDecision.id)
        ).all()
        return [Decision(r.kind, r.library_key, r.stats_project_id, r.source) for r in rows]


ITEM_COLUMNS = (
    "run_id",
    "period",
    "side",
    "unit_code",
    "project_id",
    "stats_project_id",
    "category",
    "qualifying",
    "tier",
    "project_score",
    "company_score",
    "library_ytd",
    "stats_ytd",
    "evidence",
)


def save(engine: Engine, rec: Reconciliation) -> int:
    """Record the load and replace the period's reconciliation; returns the run's id."""
    with Session(engine) as s, s.begin():
        load = _load(s, rec.extract)
        run = s.scalar(select(wh.ReconRun).where(wh.ReconRun.period == rec.period))
        if run is None:
            run = wh.ReconRun(
                period=rec.period, load_id=load.id, run_at=dt.datetime.now().replace(microsecond=0)
            )
            s.add(run)
            s.flush()
        else:
            s.execute(delete(wh.ReconItem).where(wh.ReconItem.run_id == run.id))
            run.load_id, run.run_at = load.id, dt.datetime.now().replace(microsecond=0)
        run.decisions_applied = rec.decisions_applied
        lib_rows = [
            (
                run.id,
                rec.period,
                "library",
                x.unit,
                int(x.key),
                x.stats_project_id,
                x.category,
                x.qualifying,
                link.tier if (link := x.link) else None,
                link.project_score if link else None,
                link.company_score if link else None,
                x.ytd_completed,
                x.stats_ytd,
                json.dumps(
                    [
                        link.library_project_key,
                        link.stats_project_key,
                        link.library_company_key,
                        link.stats_company_key,
                    ],
                    ensure_ascii=False,
                )
                if link
                else None,
            )
            for x in rec.library
        ]
        stats_rows = [
            (
                run.id,
                rec.period,
                "stats",
                st.unit,
                int(st.library_key) if st.library_key else None,
                st.key,
                st.category,
                False,
                None,
                None,
                None,
                None,
                st.ytd_completed,
                None,
            )
            for st in rec.stats
        ]
        insert_many(s.connection(), wh.ReconItem, ITEM_COLUMNS, [*lib_rows, *stats_rows])
        return run.id


def stored_coverage(engine: Engine, period: str) -> dict[str, Coverage] | None:
    """Per unit: qualifying projects, those found in statistics, and the 应统未统 ones; None when the
    period has not been reconciled."""
    with Session(engine) as s:
        run = s.scalar(select(wh.ReconRun).where(wh.ReconRun.period == period))
        if run is None:
            return None
        rows = s.execute(
            select(wh.ReconItem.unit_code, wh.ReconItem.category, wh.ReconItem.qualifying).where(
                wh.ReconItem.run_id == run.id, wh.ReconItem.side == "library"
            )
        ).all()
    acc: dict[str, list[int]] = {}
    for unit, category, qualifying in rows:
        c = acc.setdefault(unit, [0, 0, 0])
        if qualifying:
            c[0] += 1
            c[1] += category in cat.FOUND_IN_STATS
        c[2] += category == cat.MISSING_FROM_STATS
    return {u: Coverage(*v) for u, v in acc.items()}


def stored_totals(engine: Engine, period: str) -> dict[str, UnitTotals] | None:
    """The unit totals of the extract the period was reconciled with (else its latest load)."""
    with Session(engine) as s:
        run = s.scalar(select(wh.ReconRun).where(wh.ReconRun.period == period))
        load_id = (
            run.load_id
            if run
            else s.scalar(
                select(wh.StatsLoad.id)
                .where(wh.StatsLoad.period == period)
                .order_by(wh.StatsLoad.id.desc())
                .limit(1)
            )
        )
        if load_id is None:
            return None
        rows = s.scalars(select(wh.StatsUnitTotal).where(wh.StatsUnitTotal.load_id == load_id)).all()

        def f(v: object) -> float | None:
            return None if v is None else float(v)  # type: ignore[arg-type]

        out = {
            r.unit_code: UnitTotals(f(r.industrial_ytd), f(r.tech_ytd), f(r.industrial_prev), f(r.tech_prev))
            for r in rows
        }
    return out or None
