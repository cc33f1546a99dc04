"""Intake: county files in, receipts out, accepted returns into the warehouse (DESIGN.md §3.1, §3.4).

Three steps, each safe to rerun and each a task of the intake DAG:

1. ``receive``: take every settled new file from ``inbox/<unit>/`` in order of arrival, keep the
   original in ``archive/`` and register it (known content is recognised by its hash);
2. ``process`` (``decide``): read, normalise and validate the registered files (Great
   Expectations, one batch per round), decide accepted or rejected, and load each decision in
   one transaction;
3. ``publish``: write the receipts and the periods' ``submissions.csv`` and ``findings.csv``.

Work is found from the warehouse's state, not handed from step to step, so a crash in any step
leaves nothing half done: the next run picks up what is still pending.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from techreform.intake.answer import IntakeResult, publish, run_intake
    from techreform.intake.inbox import SETTLE_SECONDS, keep_copy, receive, scan_inbox
    from techreform.intake.judge import process

# Each step's task imports only what it uses: ``receive`` needs no pandas, openpyxl or GX
# (``intake.receive`` imports inbox.py alone; see ``__getattr__``).
_WHERE = {
    "IntakeResult": "answer",
    "publish": "answer",
    "run_intake": "answer",
    "SETTLE_SECONDS": "inbox",
    "keep_copy": "inbox",
    "receive": "inbox",
    "scan_inbox": "inbox",
    "process": "judge",
}

__all__ = [
    "SETTLE_SECONDS",
    "IntakeResult",
    "keep_copy",
    "process",
    "publish",
    "receive",
    "run_intake",
    "scan_inbox",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{_WHERE[name]}"), name)
    globals()[name] = value
    return value
