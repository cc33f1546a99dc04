"""Which return is in force: the newest accepted one of a unit and period."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from techreform.warehouse.models import ACCEPTED, SUPERSEDED, Submission


def in_force(session: Session, unit_code: str, period: str) -> Submission | None:
    """The return in force for a unit and period: its newest accepted one."""
    return session.scalars(
        select(Submission)
        .where(Submission.unit_code == unit_code, Submission.period == period, Submission.status == ACCEPTED)
        .order_by(Submission.received_at.desc(), Submission.id.desc())
    ).first()


def settle_in_force(session: Session, unit_code: str, period: str) -> None:
    """Keep only the newest accepted return of a unit and period accepted; older ones are superseded."""
    accepted = session.scalars(
        select(Submission)
        .where(
            Submission.unit_code == unit_code,
            Submission.period == period,
            Submission.status.in_((ACCEPTED, SUPERSEDED)),
        )
        .order_by(Submission.received_at.desc(), Submission.id.desc())
    ).all()
    for i, sub in enumerate(accepted):
        sub.status = ACCEPTED if i == 0 else SUPERSEDED
