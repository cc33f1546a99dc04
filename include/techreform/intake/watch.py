"""Watching the inbox for work: which files are new, settled and not yet received (no Airflow here).

The triggerer's inbox watcher (``plugins/techreform_watch.py``) polls ``inbox/<unit>/`` every second
or two and fires intake once a file is there that ``receive`` would take: the same scan
(``scan_inbox``: the same ignored names, hidden folders, links), settled the same way (not
modified for ``settle_seconds``) and, in addition, unchanged (size, time) since the previous poll;
not a workbook still being written (a zip without its directory); and not yet registered in the
warehouse under the same path, size and time. Nothing is moved or deleted: the inbox keeps every
file a county sent.

A file fires once per watcher: the watcher remembers what it fired for, and a file changed since
(Excel saving again) is a new one. After a restart of the triggerer, a file still not received
fires again, one already received does not (the warehouse says so), and a change that came while
the watcher was down is seen on its first polls.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from techreform.intake.inbox import SETTLE_SECONDS, Candidate, scan_inbox, still_being_written
from techreform.workspace import Workspace

log = logging.getLogger(__name__)

# A file as the watcher and ``receive`` know it: its path under the workspace, size and time.
Key = tuple[str, int, float]
# What the warehouse registered of it: path, size and modification time to the second (local clock).
Registered = tuple[str, int, dt.datetime]


def key_of(c: Candidate) -> Key:
    return (c.rel, c.size, c.mtime)


def registered_key(c: Candidate) -> Registered:
    """How ``receive`` registers a file (``submission``: inbox_path, size, received_at)."""
    return (c.rel, c.size, dt.datetime.fromtimestamp(c.mtime).replace(microsecond=0))


def settled(c: Candidate, now: float, settle_seconds: float) -> bool:
    """Not modified for ``settle_seconds``, as ``scan_inbox`` judges it (a clearly future time is a
    copy's that kept its source's time)."""
    return not -1.0 < now - c.mtime < settle_seconds


def new_settled(
    candidates: Iterable[Candidate],
    *,
    now: float,
    settle_seconds: float,
    previous: set[Key],
    fired: set[Key],
    received: set[Registered],
) -> list[Candidate]:
    """The files to fire for, from one poll's ``candidates`` (every file ``scan_inbox`` lists):
    settled, seen unchanged on the previous poll (``previous``: the keys it listed), not fired for
    yet, and not registered in the warehouse. Pure: the caller keeps the sets."""
    return [
        c
        for c in candidates
        if settled(c, now, settle_seconds)
        and (k := key_of(c)) in previous
        and k not in fired
        and registered_key(c) not in received
    ]


def received_in(ws: Workspace) -> set[Registered]:
    """Every file the warehouse has registered (path, size, time), as ``receive`` compares them."""
    from sqlalchemy import select

    from techreform import warehouse as wh

    engine = wh.connect(ws.database_url, migrate=False)
    try:
        with engine.connect() as c:
            rows = c.execute(select(wh.Submission.inbox_path, wh.Submission.size, wh.Submission.received_at))
            return {(str(p), int(s), at.replace(microsecond=0)) for p, s, at in rows}
    finally:
        engine.dispose()


@dataclass
class InboxWatch:
    """The state of one watcher of a workspace's inbox; ``poll()`` once a second or two."""

    workspace: Workspace
    settle_seconds: float = SETTLE_SECONDS
    previous: set[Key] = field(default_factory=set)  # every file listed by the last poll
    fired: set[Key] = field(default_factory=set)  # fired for, or found received
    received: set[Registered] | None = None  # the warehouse's, read when a new file needs it

    def poll(self, now: float | None = None) -> list[Candidate]:
        """The files intake should take now (empty almost always). The warehouse is asked only when
        a settled file neither fired for nor known received appears; if it cannot be asked, the
        file counts as new (a run that finds nothing to do costs seconds, a missed file minutes)."""
        now = time.time() if now is None else now
        found = scan_inbox(self.workspace, settle_seconds=0.0, now=now, warn=False)
        keys = {key_of(c) for c in found}
        new = new_settled(
            found,
            now=now,
            settle_seconds=self.settle_seconds,
            previous=self.previous,
            fired=self.fired,
            received=set(),
        )
        self.previous = keys
        self.fired &= keys  # forget files gone or changed: the sets stay the inbox's size
        new = [c for c in new if not still_being_written(c, now)]
        if not new:
            return []
        if self.received is None or any(registered_key(c) not in self.received for c in new):
            try:
                self.received = received_in(self.workspace)
            except Exception as e:  # the warehouse down or not set up: intake will say why
                log.warning("cannot read the warehouse's received files (%s); firing for new files", e)
                self.received = set()
        taken = [c for c in new if registered_key(c) not in self.received]
        self.fired |= {key_of(c) for c in new}
        return taken
