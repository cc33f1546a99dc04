"""Step 1 of intake: take every settled new file from ``inbox/<unit>/``, keep the original in
``archive/`` and register it."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from techreform import warehouse as wh
from techreform.intake.lock import workspace_lock
from techreform.reference.periods import Period, period_from_name
from techreform.returns import READABLE_SUFFIXES
from techreform.workspace import Workspace, fitted_name

log = logging.getLogger(__name__)


SETTLE_SECONDS = 5.0  # a file modified more recently than this may still be being written


UNREADABLE_GRACE_SECONDS = 600.0  # an unreadable workbook younger than this is left for the next run


# Office lock files, hidden files, downloads in progress, and what Windows and macOS leave behind
_IGNORED = re.compile(
    r"^(~\$|\.~lock|\.)|\.(tmp|crdownload|part)$|^(desktop\.ini|thumbs\.db)$", re.IGNORECASE
)


def _fallback_period(received: dt.datetime) -> Period:
    """The quarter a file without a period is most likely for: the last one ended before it came."""
    return Period(received.year, (received.month - 1) // 3 + 1).previous()


@dataclass
class Candidate:
    unit_code: str
    path: Path
    name: str  # the file's name as text (path.name may carry undecodable bytes)
    rel: str  # its path under the workspace, as text
    mtime: float
    size: int


def readable_name(name: str) -> str:
    """A file or folder name as text. Names unzipped from an archive made on Chinese Windows are
    GBK bytes, which Python hands over as surrogate escapes that no database takes."""
    raw = os.fsencode(name)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("gb18030", errors="replace")


def scan_inbox(
    ws: Workspace, *, settle_seconds: float = SETTLE_SECONDS, now: float | None = None
) -> list[Candidate]:
    """Files waiting in the unit folders, oldest first; files still being written are left alone."""
    now = time.time() if now is None else now
    found: list[Candidate] = []
    if not ws.inbox.exists():
        return found
    loose = sorted(
        readable_name(p.name) for p in ws.inbox.iterdir() if p.is_file() and not _IGNORED.search(p.name)
    )
    if loose:  # no unit folder, so no unit to answer: the operator has to move them
        log.warning("files in inbox/ outside any unit folder are not taken: %s", ", ".join(loose))
    for unit_dir in sorted(p for p in ws.inbox.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for path in unit_dir.rglob("*"):
            inner = path.relative_to(unit_dir).parts
            # hidden folders belong to sync tools, not to the county
            if not path.is_file() or _IGNORED.search(path.name) or any(d.startswith(".") for d in inner[:-1]):
                continue
            st = path.stat()
            age = now - st.st_mtime
            # modified moments ago: it may still be being written (a clearly future time is a copy's)
            if -1.0 < age < settle_seconds:
                continue
            rel = "/".join(readable_name(part) for part in path.relative_to(ws.root).parts)
            unit, name = readable_name(unit_dir.name), readable_name(path.name)
            found.append(Candidate(unit, path, name, rel, st.st_mtime, st.st_size))
    return sorted(found, key=lambda c: (c.mtime, c.unit_code, c.name))


def _still_being_written(c: Candidate, now: float) -> bool:
    if c.path.suffix.lower() not in READABLE_SUFFIXES or now - c.mtime >= UNREADABLE_GRACE_SECONDS:
        return False
    from python_calamine import CalamineWorkbook

    try:
        CalamineWorkbook.from_path(str(c.path))
    except Exception:
        return True
    return False


def keep_copy(target: Path, content: bytes, sha256: str, mtime: float) -> None:
    """Write a kept copy (archive, quarantine) whole or not at all. A copy already there is trusted
    only if its hash is the original's: a crash in the middle of a write leaves a part file."""
    if target.exists() and hashlib.sha256(target.read_bytes()).hexdigest() == sha256:
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(f".{sha256[:16]}.part")  # short: the target's own name may be long
    try:
        with part.open("wb") as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        os.utime(part, (mtime, mtime))
        os.replace(part, target)
    finally:
        part.unlink(missing_ok=True)


def receive(
    ws: Workspace, engine: Engine, *, run_period: Period | None = None, settle_seconds: float = SETTLE_SECONDS
) -> list[int]:
    """Archive and register every new settled file; returns the new submission ids."""
    now = time.time()
    rows: list[dict[str, Any]] = []
    with workspace_lock(ws, engine), Session(engine) as session:
        seen = {
            (p, s, r)
            for p, s, r in session.execute(
                select(wh.Submission.inbox_path, wh.Submission.size, wh.Submission.received_at)
            )
        }
        # A file is known by its content and name. The same file again (a copy that kept its time,
        # a spare copy in a subfolder) has had its answer, and so has one whose return is in
        # force. Sent again after its answer, when that return was rejected or superseded, it is
        # judged again: the return it was compared with may have been corrected since, or the
        # county puts an older version back.
        known: set[tuple[Any, ...]] = set()
        answered: dict[tuple[str, str, str], dt.datetime] = {}
        for unit, sha, name, at, status, processed in session.execute(
            select(
                wh.Submission.unit_code,
                wh.Submission.sha256,
                wh.Submission.file_name,
                wh.Submission.received_at,
                wh.Submission.status,
                wh.Submission.processed_at,
            )
        ):
            known.add((unit, sha, name, at))
            if status in (wh.ACCEPTED, wh.RECEIVED) or processed is None:
                known.add((unit, sha, name))
            else:
                answered[(unit, sha, name)] = max(processed, answered.get((unit, sha, name), processed))
        for c in scan_inbox(ws, settle_seconds=settle_seconds, now=now):
            received_at = dt.datetime.fromtimestamp(c.mtime).replace(microsecond=0)
            if (c.rel, c.size, received_at) in seen or _still_being_written(c, now):
                continue
            with c.path.open("rb") as f:  # read once: hashed, then archived byte for byte
                content = f.read()
                st = os.fstat(f.fileno())
            if st.st_mtime != c.mtime or st.st_size != len(content):
                log.info("skip %s: it changed while being read; the next run takes it", c.rel)
                continue
            sha = hashlib.sha256(content).hexdigest()
            same = (c.unit_code, sha, c.name)
            if (
                (*same, received_at) in known
                or same in known
                or received_at <= answered.get(same, dt.datetime.min)
            ):
                log.info("skip %s: same file as an earlier submission", c.rel)
                continue
            known |= {(*same, received_at), same}
            archive_name = fitted_name(f"{received_at:%Y%m%dT%H%M%S}_{sha[:8]}_{c.name}")
            archived = ws.archive / c.unit_code / archive_name
            keep_copy(archived, content, sha, c.mtime)
            named = period_from_name(Path(c.name).stem)
            rows.append(
                dict(
                    unit_code=c.unit_code,
                    file_name=c.name,
                    inbox_path=c.rel,
                    archive_path=str(archived.relative_to(ws.root)),
                    sha256=sha,
                    size=len(content),
                    received_at=received_at,
                    period=None,
                    report_period=str(named or run_period or _fallback_period(received_at)),
                    status=wh.RECEIVED,
                )
            )
        # One commit for the batch: after a crash nothing is registered, and the archive copies
        # (named by time and hash) are simply made again.
        new_ids: list[int] = []
        if rows:
            stmt = insert(wh.Submission).returning(wh.Submission.id, sort_by_parameter_order=True)
            new_ids = list(session.scalars(stmt, rows))
        session.commit()
    return new_ids
