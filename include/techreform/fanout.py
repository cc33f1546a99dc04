"""Spreading per-unit work over Airflow's workers, where it pays (README: *Work spread where it pays*).

A mapped task instance costs seconds before it does anything (the Celery worker starts a task
process, which imports Airflow and the DAG); a receipt or a unit's follow-up list costs tens of
milliseconds to a few hundred. So the per-unit work of a step is cut into *batches* of units: as
many as there are worker slots at most, and no more than the work pays for (each batch at least
``min_seconds`` of estimated work). Work for less than two batches is done by the step's own task,
with no task to start; the DAG maps its task over the batches otherwise, one task instance each,
labelled with the batch's units (``map_index_template``). A batch is a small dict of unit codes
and a label: XCom carries no data.

The plan is a pure function of the work found in the warehouse and the settings, so it is the same
on every worker and every rerun; whichever task writes a unit's files, they are the same bytes.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypedDict

from techreform.reference.profiles import Profile
from techreform.workspace import Workspace

# Estimated seconds of a receipt, as measured inside a task on the Celery stack on this shared 2-core
# machine (README): a fixed part and a part per byte of the county's file, whose sheets the receipt
# copies back (9 KB files: 57-90 ms a receipt; 105 KB: 0.7 s). The same machine gave the cost of a
# mapped task below (``Spread``): the two are weighed against each other. Receipts have become
# cheaper since (about 30 ms each, README), so these seconds overstate them; ``Spread``'s threshold
# was set with them, and the batches they choose were measured again and still win.
RECEIPT_SECONDS = 0.01
RECEIPT_SECONDS_PER_BYTE = 6e-6


@dataclass(frozen=True)
class Spread:
    """How far a step may spread: at most ``tasks`` mapped tasks, each with at least ``min_seconds``
    of estimated work. Measured on the Celery stack here (README, ``benchmarks/fanout.py``): a
    mapped task costs 0.5-2 s before its work on preloaded workers (4 s without the preload when two
    start at once, 9-14 s when four contend for the two cores); two batches halve a province's
    receipts, four gain nothing more."""

    tasks: int = 2
    min_seconds: float = 4.0

    @classmethod
    def of(cls, ws: Workspace | None = None) -> Spread:
        """The workspace's ``"fanout": {"tasks": 2, "min_seconds": 4}`` setting; the environment
        (``TECHREFORM_FANOUT_TASKS``, ``TECHREFORM_FANOUT_MIN_SECONDS``) wins; else the defaults."""
        given = dict(ws.settings.get("fanout") or {}) if ws is not None and ws.exists() else {}
        tasks = os.environ.get("TECHREFORM_FANOUT_TASKS") or given.get("tasks", cls.tasks)
        seconds = os.environ.get("TECHREFORM_FANOUT_MIN_SECONDS") or given.get("min_seconds", cls.min_seconds)
        return cls(tasks=max(1, int(tasks)), min_seconds=max(0.0, float(seconds)))


class Batch(TypedDict):
    """One mapped task's share: unit codes in order, and its label in the UI."""

    units: list[str]
    label: str


def plan(work: Mapping[str, float], spread: Spread) -> list[list[str]]:
    """Units with their estimated seconds of work, cut into batches.

    As many batches as the work pays for (``total // min_seconds``), at most ``spread.tasks`` and
    one per unit at most; balanced by longest work first (ties by unit code), each batch's units in
    code order, batches in the order of their first unit. No work gives no batch.

    >>> plan({"410302": 3.0, "410303": 5.0, "410304": 4.0}, Spread(tasks=2, min_seconds=4))
    [['410302', '410304'], ['410303']]
    >>> plan({"410302": 3.0, "410303": 5.0}, Spread(tasks=4, min_seconds=10))
    [['410302', '410303']]
    >>> plan({}, Spread())
    []
    """
    if not work:
        return []
    total = sum(work.values())
    pays = len(work) if spread.min_seconds <= 0 else int(total // spread.min_seconds)
    k = max(1, min(spread.tasks, len(work), pays))
    loads = [0.0] * k
    batches: list[list[str]] = [[] for _ in range(k)]
    for unit in sorted(work, key=lambda u: (-work[u], u)):
        i = min(range(k), key=lambda j: (loads[j], j))
        loads[i] += work[unit]
        batches[i].append(unit)
    return sorted((sorted(b) for b in batches if b), key=lambda b: b[0])


def label(profile: Profile, units: list[str]) -> str:
    """A batch as the UI shows it: ``410323 新安县``, or ``410302 老城区 等 7 个单位``.

    >>> from techreform.reference import profiles
    >>> p = profiles.load("luoyang-2021")
    >>> label(p, ["410323"]), label(p, ["410302", "410303", "410304"])
    ('410323 新安县', '410302 老城区 等 3 个单位')
    """
    if not units:
        return "（无）"
    unit = profile.unit(units[0])
    first = f"{units[0]} {unit.name}" if unit else units[0]
    return first if len(units) == 1 else f"{first} 等 {len(units)} 个单位"


def batches(profile: Profile, work: Mapping[str, float], spread: Spread) -> list[Batch]:
    """The plan with labels, as the DAGs map over it."""
    return [Batch(units=b, label=label(profile, b)) for b in plan(work, spread)]
