"""One intake at a time per warehouse: the scheduler and a manual run, or workers on several machines,
may meet.

On PostgreSQL the lock is a session advisory lock held on a connection of its own for the whole
step: every machine sharing the warehouse sees it, whatever path the workspace is mounted at, and
the server lets it go if the holder dies. The key is the same for every intake of the database,
because the warehouse is what the steps share: two workspaces writing to one database are also
kept apart (advisory locks belong to a database, so other databases on the server are not).
On SQLite (a file in the workspace, one machine) the lock is an flock on ``<ws>/.intake.lock``.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.engine import Engine

from techreform.workspace import Workspace

log = logging.getLogger(__name__)

# a signed 64-bit key, as pg_advisory_lock(bigint) takes, derived from a name rather than picked
ADVISORY_KEY = int.from_bytes(hashlib.sha256(b"techreform.intake").digest()[:8], "big", signed=True)


@contextmanager
def workspace_lock(ws: Workspace, engine: Engine) -> Iterator[None]:
    """Hold the intake lock of this workspace's warehouse (``engine``) for the block; waits for it."""
    if engine.dialect.name == "postgresql":
        with advisory_lock(engine, ADVISORY_KEY):
            yield
        return
    ws.root.mkdir(parents=True, exist_ok=True)
    with open(ws.root / ".intake.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@contextmanager
def advisory_lock(engine: Engine, key: int) -> Iterator[None]:
    """A PostgreSQL session advisory lock on a dedicated connection, in autocommit so that waiting
    and holding leave no transaction open."""
    conn = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    try:
        if not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
            log.info("another intake holds the warehouse lock; waiting for it to finish")
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
        try:
            yield
        finally:
            try:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
            except Exception:
                # a connection that may still hold the lock must not go back to the pool
                conn.invalidate()
                raise
    finally:
        conn.close()
