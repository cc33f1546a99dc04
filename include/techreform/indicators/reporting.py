"""Reporting completeness and timeliness in the DHIS2 sense: per unit, the return expected for the
period, whether one was received, accepted and on time, and the rates over all units."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from techreform import warehouse as wh
from techreform.reference.profiles import Profile


@dataclass(frozen=True)
class UnitReporting:
    unit: str
    name: str
    received: int  # files received for the period
    rejected: int
    accepted: bool  # a return in force
    on_time: bool  # the first accepted return came by the deadline
    first_received: str | None  # when the first file came (YYYY-MM-DD HH:MM)


@dataclass(frozen=True)
class Reporting:
    units: list[UnitReporting]

    @property
    def expected(self) -> int:
        return len(self.units)

    def _rate(self, n: int) -> float | None:
        return 100 * n / self.expected if self.expected else None

    @property
    def reporting_rate(self) -> float | None:
        return self._rate(sum(1 for u in self.units if u.received))

    @property
    def accepted_rate(self) -> float | None:
        return self._rate(sum(1 for u in self.units if u.accepted))

    @property
    def on_time_rate(self) -> float | None:
        return self._rate(sum(1 for u in self.units if u.on_time))

    @property
    def silent(self) -> list[UnitReporting]:
        return [u for u in self.units if not u.received]

    @property
    def without_return(self) -> list[UnitReporting]:
        return [u for u in self.units if not u.accepted]


def reporting(engine: Engine, profile: Profile, period: str) -> Reporting:
    with Session(engine) as s:
        subs = s.scalars(
            select(wh.Submission)
            .where(wh.Submission.report_period == period, wh.Submission.status != wh.RECEIVED)
            .order_by(wh.Submission.received_at, wh.Submission.id)
        ).all()
    out = []
    for u in profile.units:
        mine = [x for x in subs if x.unit_code == u.code]
        accepted = [x for x in mine if x.status in (wh.ACCEPTED, wh.SUPERSEDED)]
        out.append(
            UnitReporting(
                unit=u.code,
                name=u.name,
                received=len(mine),
                rejected=sum(1 for x in mine if x.status == wh.REJECTED),
                accepted=any(x.status == wh.ACCEPTED for x in mine),
                on_time=bool(accepted and accepted[0].on_time),
                first_received=f"{mine[0].received_at:%Y-%m-%d %H:%M}" if mine else None,
            )
        )
    return Reporting(out)
