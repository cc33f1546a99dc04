"""Indicator runs in the warehouse: every run kept, the newest of a period in force; last year's
figures for the forecast."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from techreform import warehouse as wh
from techreform.indicators import Indicators


def save_run(engine: Engine, result: Indicators) -> int:
    with Session(engine) as s, s.begin():
        s.execute(
            update(wh.IndicatorRun).where(wh.IndicatorRun.period == result.period).values(in_force=False)
        )
        run = wh.IndicatorRun(period=result.period, computed_at=dt.datetime.now().replace(microsecond=0))
        s.add(run)
        s.flush()
        rows = [
            {
                "run_id": run.id,
                "unit_code": r.unit,
                "indicator_id": r.indicator,
                "value": r.value,
                "target": r.target,
                "completion_rate": r.completion_rate,
                "time_progress": r.time_progress,
                "status": r.status,
                "rank": r.rank,
            }
            for r in result.rows
        ]
        if rows:
            s.connection().execute(insert(wh.IndicatorValue), rows)
        return run.id


def year_history(engine: Engine, year: int) -> dict[tuple[str, str, int], float]:
    """{(unit, indicator, quarter): value} of the runs in force for the year's quarters."""
    periods = {f"{year}Q{q}": q for q in range(1, 5)}
    with Session(engine) as s:
        rows = s.execute(
            select(
                wh.IndicatorRun.period,
                wh.IndicatorValue.unit_code,
                wh.IndicatorValue.indicator_id,
                wh.IndicatorValue.value,
            )
            .join(wh.IndicatorValue, wh.IndicatorValue.run_id == wh.IndicatorRun.id)
            .where(wh.IndicatorRun.period.in_(periods), wh.IndicatorRun.in_force.is_(True))
        ).all()
    return {(u, i, periods[p]): float(v) for p, u, i, v in rows if v is not None}
