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
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.engine import Engine

from techreform.workspace import Workspace

log = logging.getLogger(__name__)

# a signed 64-bit key, as pg_advisory_lock(bigint) takes, derived from a name rather than picked
ADVISORY_KEY = int.from_bytes(hashlib.sha256(b"techreform.intake").digest()[:8], "big", signed=True)


@contextmanager
def workspace_lock(
    ws: Workspace, engine: Engine, *, shared: bool = False, units: Sequence[str] = ()
) -> Iterator[None]:
    """Hold the intake lock of this workspace's warehouse (``engine``) for the block; waits for it.

    ``shared`` (PostgreSQL): held together with other shared holders but never with the exclusive
    one, and with each of ``units``' own locks exclusively (taken in code order): how the tasks of a
    spread step (receipts of different units) run at once. The workspace's SQLite takes no
    concurrent writers: there every holder is exclusive."""
    if engine.dialect.name == "postgresql":
        keys = [unit_key(u) for u in sorted(set(units))] if shared else []
        with advisory_lock(engine, ADVISORY_KEY, shared=shared, then=keys):
            yield
        return
    ws.root.mkdir(parents=True, exist_ok=True)
    with open(ws.root / ".intake.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def unit_key(unit: str) -> int:
    """The advisory lock key of one unit's receipts."""
    return int.from_bytes(
        hashlib.sha256(f"techreform.intake:{unit}".encode()).digest()[:8], "big", signed=True
    )


@contextmanager
def advisory_lock(
    engine: Engine, key: int, *, shared: bool = False, then: Sequence[int] = ()
) -> Iterator[None]:
    """A PostgreSQL session advisory lock on a dedicated connection, in autocommit so that waiting
    and holding leave no transaction open; ``shared`` takes it in shared mode, ``then`` are more
    keys taken exclusively after it, in the order given."""
    kind = "_shared" if shared else ""
    conn = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    held: list[tuple[str, int]] = []
    try:
        for k, mode in [(key, kind), *((k, "") for k in then)]:
            if not conn.execute(text(f"SELECT pg_try_advisory_lock{mode}(:k)"), {"k": k}).scalar():
                log.info("another intake holds the warehouse lock; waiting for it to finish")
                conn.execute(text(f"SELECT pg_advisory_lock{mode}(:k)"), {"k": k})
            held.append((mode, k))
        yield
    finally:
        try:
            for mode, k in reversed(held):
                conn.execute(text(f"SELECT pg_advisory_unlock{mode}(:k)"), {"k": k})
        except Exception:
            # a connection that may still hold the lock must not go back to the pool
            conn.invalidate()
            raise
        finally:
            conn.close()
