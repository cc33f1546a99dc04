"""The reconciliation's second process, on the machine's second core: it checks the extract with
Great Expectations while the main process reads the library and matches, then makes the bureau's
workbook (the longest output, ~8 s for a province) while the main process saves the results to the
warehouse and makes the CSV and the units' lists. The child only makes bytes: every file is still
written by the main process, after the results are committed (as before: results first, then
files), each atomically.

A plain child process (``python -m techreform.reconcile.helper``, see ``childproc``), not
multiprocessing: nothing of the caller (Airflow's threads, its ``__main__``) is forked or imported
again. Jobs and answers are pickled frames on its stdin and stdout. It is started before the
extract is read, so its imports overlap the reading and the matching; it dies with its parent
(``PR_SET_PDEATHSIG``), and ``Helper`` kills it on every way out of the ``with`` block. An
exception raised in the child is raised again in the parent, of the same type and message; a
child that dies raises ``HelperDied``. ``prefetch`` starts one more, at a lower priority, to read
the extract ahead (the ``load`` job).

``TECHREFORM_RECONCILE_PROCESSES=1`` makes everything in the main process (as does a single core).
"""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import traceback
from collections.abc import Callable
from dataclasses import fields
from operator import attrgetter
from pathlib import Path
from typing import Any

from techreform import childproc
from techreform.reconcile.extract import Extract
from techreform.reconcile.match import Link
from techreform.reconcile.model import LibraryItem, Reconciliation, StatsItem
from techreform.reference.profiles import Profile
from techreform.returns.model import Sheet

ENV = "TECHREFORM_RECONCILE_PROCESSES"


class HelperDied(RuntimeError):
    """The child process ended without answering (killed, or out of memory)."""


def wanted() -> bool:
    """Two processes unless told one (``TECHREFORM_RECONCILE_PROCESSES=1``) or on a single core."""
    setting = os.environ.get(ENV, "").strip()
    if setting:
        return setting != "1"
    return len(os.sched_getaffinity(0)) > 1


# --- what crosses: the reconciliation as plain tuples (a third of the time of pickling its
# dataclasses), without the extract's rows (the workbook does not read them)

_LIB = attrgetter(*[f.name for f in fields(LibraryItem) if f.name != "link"])  # link: the last field
_STATS = attrgetter(*[f.name for f in fields(StatsItem)])
_LINK = attrgetter(*[f.name for f in fields(Link)])


def pack(rec: Reconciliation) -> tuple[Any, ...]:
    e = rec.extract
    where = {id(k): i for i, k in enumerate(rec.links)}
    return (
        rec.period,
        (e.period, e.source, e.sha256, e.loaded_at, e.projects.name, e.projects.kind, list(e.warnings)),
        [_LINK(k) for k in rec.links],
        [(_LIB(x), None if x.link is None else where.get(id(x.link), _LINK(x.link))) for x in rec.library],
        [_STATS(s) for s in rec.stats],
        list(rec.warnings),
        rec.decisions_applied,
    )


def unpack(packed: tuple[Any, ...]) -> Reconciliation:
    period, head, links_, lib, stats, warnings, n = packed
    e_period, source, sha, loaded_at, name, kind, e_warnings = head
    links = [Link(*k) for k in links_]
    new_item: Any = LibraryItem  # its fields in order, the link last

    def link(ref: int | tuple[Any, ...] | None) -> Link | None:
        if ref is None:
            return None
        return links[ref] if isinstance(ref, int) else Link(*ref)

    return Reconciliation(
        period=period,
        extract=Extract(e_period, source, sha, loaded_at, Sheet(name, kind, None), None, e_warnings),
        library=[new_item(*values, link(ref)) for values, ref in lib],
        stats=[StatsItem(*values) for values in stats],
        links=links,
        warnings=warnings,
        decisions_applied=n,
    )


def pack_for_check(e: Extract, units: list[str]) -> tuple[Any, ...]:
    """What ``extract_checks.check`` reads of the extract: each sheet's checked columns, by column."""
    from techreform.reconcile.extract_checks import checks_for

    def sheet(x: Sheet | None) -> tuple[Any, ...] | None:
        if x is None:
            return None
        names = sorted({c.field for c in checks_for(x.kind, units) if c.header_of in x.columns} | {"_row"})
        return (x.name, x.kind, x.header_row, x.columns, names, [[r.get(n) for r in x.rows] for n in names])

    return (e.period, e.source, e.sha256, e.loaded_at, sheet(e.projects), sheet(e.totals), units)


def _unpack_sheet(packed: tuple[Any, ...] | None) -> Sheet | None:
    if packed is None:
        return None
    name, kind, header_row, columns, names, values = packed
    rows = [dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)]
    return Sheet(name, kind, header_row, columns, rows)


# --- the child


def _outputs(
    profile: Profile, packed: tuple[Any, ...], units: list[str]
) -> tuple[bytes, dict[str, bytes | None]]:
    """The bureau's workbook and the lists of ``units``, as ``outputs.render`` makes them."""
    from techreform.reconcile.outputs import followups
    from techreform.workbooks.reconciliation import workbook_bytes

    rec = unpack(packed)
    return workbook_bytes(profile, rec), followups(profile, rec, units)


def _check(packed: tuple[Any, ...]) -> list[str]:
    """``extract_checks.check`` of the extract packed: its warnings, or its ExtractError."""
    from techreform.reconcile.extract_checks import check

    period, source, sha, loaded_at, projects, totals, units = packed
    sheet = _unpack_sheet(projects)
    assert sheet is not None
    return check(Extract(period, source, sha, loaded_at, sheet, _unpack_sheet(totals)), units)


def _load(root: str, period: str, units: list[str]) -> tuple[Extract | None, tuple[Any, ...]]:
    """The period's extract read (``extract.load``, its ExtractError raised as there) and checked.
    The check's outcome, ("ok", warnings) or ("raised", ExtractError, traceback), is answered
    beside it: the caller raises it where it would have checked the extract itself."""
    from techreform.reconcile import extract
    from techreform.reconcile.extract_checks import check
    from techreform.workspace import Workspace

    loaded = extract.load(Workspace(Path(root)), period)
    if loaded is None:
        return None, ("ok", [])
    try:
        return loaded, ("ok", check(loaded, units))  # (check() adds the warnings to the extract)
    except extract.ExtractError as e:
        return loaded, ("raised", e, traceback.format_exc())


def outcome(answer: tuple[Any, ...]) -> Any:
    """The result of an answer ("ok", result), or its exception ("raised", …) raised here."""
    if answer[0] == "ok":
        return answer[1]
    error: Exception = answer[1]
    error.add_note(f"raised in the reconciliation's child process:\n{answer[2]}")
    raise error


JOBS: dict[str, Callable[..., Any]] = {"check": _check, "load": _load, "outputs": _outputs}


def serve() -> None:
    """Answer each job ``(name, args)`` with ("ok", result) or ("raised", exception, traceback)."""
    if not childproc.die_with_parent(int(sys.argv[1])):  # the parent died before that took effect
        return
    if len(sys.argv) > 2:  # started ahead of its work (``prefetch``): a Ctrl-C that fails what
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # runs meanwhile (intake's task) leaves it be
        os.nice(int(sys.argv[2]))  # (the parent stops it), and it yields the cores to that work
    out = os.fdopen(childproc.answers_fd(), "wb")  # anything printed goes to the log, not the answers
    # imported while the parent reads the extract
    import great_expectations  # noqa: F401

    import techreform.reconcile.extract_checks
    import techreform.reconcile.outputs  # noqa: F401

    while True:
        try:
            job = childproc.read_frame(sys.stdin.buffer.fileno())
        except EOFError:
            return
        if job is None:
            return
        name, args = job
        answer: tuple[Any, ...]
        try:
            answer = ("ok", JOBS[name](*args))
        except Exception as e:
            text = traceback.format_exc()
            try:
                pickle.dumps(e)
            except Exception:
                e = RuntimeError(f"{type(e).__name__}: {e}")
            answer = ("raised", e, text)
        childproc.write_frame(out, answer)


# --- the parent


class Helper:
    """The child process, started on entering the ``with`` block (or by ``__enter__``, as
    ``prefetch`` starts one) and gone on leaving it (or ``close``)."""

    def __init__(self, nice: int = 0) -> None:
        """``nice``: the child's priority lowered by that much (``os.nice``)."""
        self.proc: subprocess.Popen[bytes] | None = None
        self._sent = False
        self._nice = nice

    def __enter__(self) -> Helper:
        """Start the child, unless it was started before (entering a running one changes nothing)."""
        if self.proc is not None:
            return self
        niceness = [str(self._nice)] if self._nice else []
        self.proc = childproc.start("techreform.reconcile.helper", str(os.getpid()), *niceness)
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def submit(self, name: str, *args: Any) -> None:
        """Send a job (one at a time: ``result`` takes its answer)."""
        assert self.proc is not None and self.proc.stdin is not None
        self._sent = True
        try:
            childproc.write_frame(self.proc.stdin, (name, args))
        except OSError:  # it died: ``result`` says so
            pass

    def result(self) -> Any:
        """The answer to the job sent; the child's exception raised again here, of its type."""
        assert self.proc is not None and self.proc.stdout is not None and self._sent
        self._sent = False
        try:
            answer = childproc.read_frame(self.proc.stdout.fileno())
        except (EOFError, OSError):
            self.close()
            code = self.proc.returncode if self.proc else None
            raise HelperDied(f"对账辅助进程意外退出（退出码 {code}）：请重新运行对账") from None
        return outcome(answer)

    def close(self) -> None:
        """Stop the child (it keeps nothing: whatever it was doing is not wanted any more)."""
        if self.proc is not None:
            childproc.stop(self.proc)


if __name__ == "__main__":
    serve()
