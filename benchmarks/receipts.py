"""CPU time of a workspace's receipts, written again in-process (intake.answer.publish_units).

    uv run python benchmarks/receipts.py WORKSPACE [REPEAT]

The workspace must have decided returns (``techreform run WS --period ... --step intake``, SQLite
warehouse). Every receipt path is cleared and the outbox emptied before each run: the run then
writes every receipt again, as after the files were judged. Use a copy of the workspace.
"""

from __future__ import annotations

import shutil
import sqlite3
import sys
import time
from pathlib import Path

from techreform.intake.answer import pending_receipts, publish_units
from techreform.pipeline import at_head

WS = Path(sys.argv[1])
REPEAT = int(sys.argv[2]) if len(sys.argv) > 2 else 1


def reset() -> None:
    shutil.rmtree(WS / "outbox", ignore_errors=True)
    (WS / "outbox").mkdir()
    con = sqlite3.connect(WS / "warehouse.sqlite")
    con.execute("update submission set receipt_path = NULL")
    con.commit()
    con.close()


for _ in range(REPEAT):
    reset()
    with at_head(WS) as (ws, engine):
        units = list(pending_receipts(engine))
        t0, w0 = time.process_time(), time.perf_counter()
        n = len(publish_units(ws, engine, ws.profile, units))
        print(f"{n} receipts: {time.process_time() - t0:.2f} CPU s, {time.perf_counter() - w0:.2f} wall s")
