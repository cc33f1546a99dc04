"""The inbox watcher: an event trigger, run by Airflow's triggerer, that fires as soon as a county's
file in ``<workspace>/inbox/<unit>/`` has settled and has not been received yet.

The intake DAG is scheduled on the asset ``techreform://inbox``, watched by this trigger
(``AssetWatcher``), or on its five-minute poll, whichever comes first. Unlike Airflow's file
triggers (``FileDeleteTrigger``, ``DirectoryFileDeleteTrigger``), it deletes and moves nothing: the
inbox keeps every file a county sent, and ``receive`` decides what is new. What counts as a new,
settled file is ``techreform.intake.watch`` (no Airflow there); this module only polls it.

It lives in plugins/, which Airflow puts on the import path of every component (the triggerer loads
it by its classpath ``techreform_watch.InboxTrigger``); importing it imports nothing heavy.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from airflow.triggers.base import BaseEventTrigger, TriggerEvent

# Checks that are cheap (one os.scandir per unit folder) can run often: the delay they add to a
# county's wait is at most this.
POLL_SECONDS = 1.0
MAX_NAMED = 20  # files named in one event
IDLE_SECONDS = 10.0  # while the workspace does not exist (not yet created, volume not mounted)


class InboxTrigger(BaseEventTrigger):
    """Fire ``{"files": [...], "count": n}`` (paths under the workspace) whenever new settled files
    appear in the inbox; runs as long as the asset is watched, never ends by itself.

    :param workspace: the workspace's folder; empty: ``TECHREFORM_WORKSPACE`` of the triggerer.
    :param settle_seconds: how long a file must be left unmodified (Excel or WPS may still be saving).
    :param poll_seconds: seconds between two scans of the inbox.
    """

    def __init__(self, workspace: str = "", settle_seconds: float = 5.0, poll_seconds: float = POLL_SECONDS):
        super().__init__()
        self.workspace = workspace
        self.settle_seconds = float(settle_seconds)
        self.poll_seconds = float(poll_seconds)

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "workspace": self.workspace,
                "settle_seconds": self.settle_seconds,
                "poll_seconds": self.poll_seconds,
            },
        )

    def _root(self) -> str:
        return self.workspace or os.environ.get("TECHREFORM_WORKSPACE", "")

    async def run(self) -> AsyncIterator[TriggerEvent]:
        from techreform.intake.watch import InboxWatch
        from techreform.workspace import Workspace

        watch: InboxWatch | None = None
        warned = False
        while True:
            root = self._root()
            if watch is None:
                if not root or not Workspace(Path(root)).exists():
                    if not warned:  # once, not every IDLE_SECONDS for as long as it lasts
                        self.log.warning("no techreform workspace at %r: the inbox is not watched yet", root)
                        warned = True
                    await asyncio.sleep(IDLE_SECONDS)
                    continue
                watch = InboxWatch(Workspace(Path(root).resolve()), settle_seconds=self.settle_seconds)
                self.log.info("watching %s for new returns", watch.workspace.inbox)
            # the scan (and, rarely, the warehouse query) blocks: off the triggerer's event loop
            new = await asyncio.to_thread(watch.poll)
            if new:
                files = [c.rel for c in new]
                self.log.info("new settled files in the inbox: %s", ", ".join(files))
                # the event is kept in the metadata database: name a few, count them all
                yield TriggerEvent({"files": files[:MAX_NAMED], "count": len(files)})
            await asyncio.sleep(self.poll_seconds)
