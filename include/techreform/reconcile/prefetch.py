"""The statistics extract read ahead, while intake runs.

The extract does not depend on the returns, and reading a province's (100,000 rows) is the longest
part of a reconciliation's start. So a run that takes intake and the reconciliation in one process
(``techreform run``: each DAG through ``dag.test()``) starts the reconciliation's child process
(``helper``) before intake, at a lower priority: it reads and checks the period's extract on
whatever the intake leaves of the cores. The reconciliation then takes that child, the extract
in it, instead of starting one, provided the files are still those it found: a file replaced
meanwhile (a different hash) and the child is stopped and the extract read as usual. An extract
kept in a database (the workspace setting ``statistics``) is not read ahead: it has no hash to
compare before reading it.

Whatever happens, the reconciliation gives what it gives without this: the same extract, the
same ExtractError at the same point (a file that cannot be read before anything is saved; a
check that fails after the matching, as with the child checking it then).
"""

from __future__ import annotations

from pathlib import Path

from techreform.reconcile import extract, helper
from techreform.workspace import Workspace

NICE = 10  # the child's priority below the run's: intake's processes come first

_ahead: dict[tuple[Path, str], tuple[helper.Helper, str]] = {}


def _fingerprint(ws: Workspace, period: str) -> str | None:
    try:
        return extract.fingerprint(ws, period)
    except OSError:  # a file going away while hashed: read as usual, later
        return None


def start(ws: Workspace, period: str) -> bool:
    """Start reading ``period``'s extract in a child process; False when there is nothing to read
    ahead (no extract files yet, an extract in a database, one core, or one process wanted)."""
    from techreform.reconcile.run import units_of

    if (ws.root, period) in _ahead or not helper.wanted():
        return False
    if (ws.settings.get("statistics") or {}).get("url"):
        return False
    sha = _fingerprint(ws, period)
    if sha is None:
        return False
    child = helper.Helper(nice=NICE)
    try:
        child.__enter__()
    except OSError:  # no process to be had: the reconciliation reads the extract itself
        return False
    child.submit("load", str(ws.root), period, units_of(ws.profile))
    _ahead[(ws.root, period)] = (child, sha)
    return True


def take(ws: Workspace, period: str) -> helper.Helper | None:
    """The child reading ``period``'s extract ahead, if one is and the files are still those it
    read (its first answer: ``helper._load``'s); None otherwise (the caller reads the extract)."""
    got = _ahead.pop((ws.root, period), None)
    if got is None:
        return None
    child, sha = got
    if _fingerprint(ws, period) != sha:
        child.close()
        return None
    return child


def stop() -> None:
    """Stop every child not taken (the run ended before its reconciliation, or without one)."""
    while _ahead:
        child, _ = _ahead.popitem()[1]
        child.close()
