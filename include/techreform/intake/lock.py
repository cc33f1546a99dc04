"""One intake at a time per workspace."""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from techreform.workspace import Workspace

log = logging.getLogger(__name__)


@contextmanager
def workspace_lock(ws: Workspace) -> Iterator[None]:
    """One intake at a time per workspace (the scheduler and a manual run may meet)."""
    ws.root.mkdir(parents=True, exist_ok=True)
    with open(ws.root / ".intake.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
