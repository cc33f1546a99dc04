"""The statistics extract read ahead, while intake runs.

The extract does not depend on the returns, and reading a province's (100,000 rows) and checking
it with GX start every reconciliation. So a run that takes intake and the reconciliation in one
process (``techreform run``: each DAG through ``dag.test()``) starts a reconciliation child
(``helper``) before intake, at a lower priority, to read and check the period's extract on
whatever intake leaves of the cores. The reconciliation takes what it read (``take``) provided
it is the files as they are then: the same hash as when it started, and the same as the bytes it
read. Anything else -- a file replaced meanwhile, a child that died or was interrupted, a read
that failed -- and the child is stopped and the reconciliation reads the extract itself, as
without this (a broken file then fails there, with the same error, at the same point). An
extract kept in a database (the workspace setting ``statistics``) is not read ahead: it has no
hash to compare before reading it.

The child only reads: its priority stays low, so the reconciliation makes its workbook in a child
of its own. A read-ahead never fails a run: a workspace it cannot make sense of, or no process to
be had, and nothing is read ahead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from techreform.reconcile import extract, helper
from techreform.reconcile.extract import Extract
from techreform.workspace import Workspace

NICE = 10  # the child's priority below the run's: intake's processes come first

_ahead: dict[tuple[Path, str], tuple[helper.Helper, str]] = {}


def _fingerprint(ws: Workspace, period: str) -> str | None:
    """The extract files' hash; None without files, or when they are kept in a database."""
    if (ws.settings.get("statistics") or {}).get("url"):
        return None
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
    try:
        sha = _fingerprint(ws, period)
        units = units_of(ws.profile) if sha is not None else []
    except Exception:  # settings or a profile the run itself will complain about, in Chinese
        return False
    if sha is None:
        return False
    child = helper.Helper(nice=NICE)
    try:
        child.__enter__()
    except OSError:  # no process to be had: the reconciliation reads the extract itself
        return False
    try:
        child.submit("load", str(ws.root), period, units)
    except BaseException:
        child.close()
        raise
    _ahead[(ws.root, period)] = (child, sha)
    return True


def take(ws: Workspace, period: str) -> tuple[Extract, tuple[Any, ...]] | None:
    """The extract read ahead for ``period`` and its check's outcome (("ok", warnings) or
    ("raised", ExtractError, traceback): for the caller to raise where it checks), if it is the
    files as they are now; None otherwise, the caller then reading the extract itself. The child
    is stopped either way."""
    got = _ahead.pop((ws.root, period), None)
    if got is None:
        return None
    child, sha = got
    try:
        if child.proc is None or child.proc.poll() is not None or _fingerprint(ws, period) != sha:
            return None
        try:
            loaded, checked = child.result()
        except Exception:  # it died, or its read failed: read again here (the same error, if any)
            return None
    finally:
        child.close()
    if loaded is None or loaded.sha256 != sha:  # not the bytes hashed before
        return None
    return loaded, checked


def stop() -> None:
    """Stop every child not taken (the run ended before its reconciliation, or without one)."""
    while _ahead:
        child, _ = _ahead.popitem()[1]
        child.close()
