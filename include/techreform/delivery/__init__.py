"""Delivery of the leadership office's workbooks by mail (DESIGN.md §1): what to send, to whom, the
Chinese HTML notice with the key figures and the ranking chart, and the record of every send.

The workspace's settings say where mail goes::

    "delivery": {"to": ["ldxz@example.gov.cn"], "from": "jgk@example.gov.cn",
                 "smtp_conn_id": "smtp_default"}

The sending itself goes through the Airflow SMTP provider (``delivery.send``), on an Airflow
connection. A workbook is mailed once: its hash is recorded, and a rerun sends only what has not
been sent (a changed workbook has a new hash and is sent again). A failed send is recorded as
failed and tried again by the next run; nothing is lost. No personal data (contact names, phone
numbers) is in these workbooks or in the mail.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from techreform import warehouse as wh

SENT = "sent"
FAILED = "failed"


@dataclass
class Settings:
    to: list[str]
    sender: str
    smtp_conn_id: str = "smtp_default"

    @classmethod
    def of(cls, settings: dict) -> Settings | None:
        d = settings.get("delivery") or {}
        to = d.get("to") or []
        if isinstance(to, str):
            to = [to]
        if not to:
            return None
        return cls(list(to), d.get("from") or "techreform@localhost", d.get("smtp_conn_id") or "smtp_default")


@dataclass
class Message:
    subject: str
    html: str
    attachments: list[Path]  # the workbooks
    images: list[Path] = field(default_factory=list)  # shown inline: <img src="cid:<file name>">


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def pending(engine: Engine, files: list[Path]) -> list[Path]:
    """The workbooks whose current content has not been sent yet."""
    with Session(engine) as s:
        sent = set(s.scalars(select(wh.Delivery.sha256).where(wh.Delivery.status == SENT)))
    return [f for f in files if f.exists() and sha256(f) not in sent]


def record(
    engine: Engine, period: str, files: list[Path], to: list[str], status: str, error: str | None = None
) -> None:
    with Session(engine) as s, s.begin():
        for f in files:
            tried = s.scalar(
                select(wh.Delivery)
                .where(wh.Delivery.sha256 == sha256(f), wh.Delivery.status == FAILED)
                .order_by(wh.Delivery.id.desc())
                .limit(1)
            )
            attempts = (tried.attempts if tried else 0) + 1
            s.add(
                wh.Delivery(
                    period=period,
                    file=f.name,
                    sha256=sha256(f),
                    recipients=", ".join(to),
                    status=status,
                    attempts=attempts,
                    error=error,
                    at=dt.datetime.now().replace(microsecond=0),
                )
            )
