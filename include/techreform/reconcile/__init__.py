"""Reconciliation with the statistics bureau (DESIGN.md §3.2, §4): are the projects that should be
in the fixed-asset-investment statistics in them ("应统尽统"), and do both sides agree?

Modules: ``names`` (Chinese names reduced to what identifies them), ``match`` (tiers, blocking,
one-to-one assignment, evidence), ``categories`` (both sides' categories), ``extract`` and
``extract_checks`` (the bureau's extract, read and checked with Great Expectations), ``decisions``
(the bureau's own decisions), ``run`` (one period), ``outputs`` (CSV, workbook, follow-up lists),
``helper`` (the second process: the extract's check and most of the outputs made on the second core),
``prefetch`` (``techreform run``: the extract read and checked in such a process during intake).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Engine

from techreform.reconcile.extract import Extract, ExtractError
from techreform.reconcile.model import Reconciliation
from techreform.workspace import Workspace


@dataclass
class ReconcileResult:
    period: str
    reconciliation: Reconciliation | None  # None: no extract for the period yet
    changed: list[Path] = field(default_factory=list)


def run_reconciliation(ws: Workspace, engine: Engine, period: str) -> ReconcileResult:
    """Reconcile ``period`` and write its outputs. Raises ExtractError (Chinese) for an extract
    that cannot be used; earlier results are then left as they were (as on any other error, such
    as ``helper.HelperDied`` for a child process that died)."""
    from techreform.reconcile import decisions, extract, helper, outputs, prefetch, store
    from techreform.reconcile.run import library_in_force, reconcile, units_of
    from techreform.workbooks.reconciliation import workbook_bytes

    profile = ws.profile
    if not helper.wanted():
        return _in_one_process(ws, engine, period)
    with helper.Helper() as child:  # started first: its imports while the extract is read (or taken)
        ahead = prefetch.take(ws, period)  # read and checked during intake (``techreform run``)
        loaded: Extract | None
        checked: tuple[object, ...] | None = None  # the check's outcome, when read ahead
        if ahead is not None:
            loaded, checked = ahead
        else:
            loaded = extract.load(ws, period)
        if loaded is None:
            return ReconcileResult(period, None)
        if checked is None:  # checked (Great Expectations) by the child while this process matches
            child.submit("check", helper.pack_for_check(loaded, units_of(profile)))
        current = decisions.read(ws.decisions)
        store.save_decisions(engine, current)
        remembered = store.stored_decisions(engine)
        try:
            library = library_in_force(engine, period)
            rec = reconcile(profile, period, loaded, library, [*remembered, *current], check=False)
        except Exception:
            try:
                helper.outcome(checked) if checked is not None else child.result()
            except ExtractError:  # a broken extract fails as when it was checked first
                raise
            except Exception:
                pass
            raise
        if checked is None:
            warnings = child.result()  # ExtractError: nothing saved, nothing written
            loaded.warnings.extend(warnings)
        else:
            warnings = helper.outcome(checked)  # (already among the extract's warnings)
        rec.warnings = list(warnings)
        # the workbook made by the child while this process saves the results and makes the CSV
        # and the units' lists (as long, for a province); every file written after that, as in
        # one process. (The child can make some of the lists too: ``theirs``.)
        store.known_load_time(engine, rec.extract)  # the load time save() gives it, in the workbook
        stamped = rec.extract.loaded_at
        theirs: list[str] = []
        ours = [u.code for u in profile.units if u.code not in theirs]
        child.submit("outputs", profile, helper.pack(rec), theirs)
        store.save(engine, rec)
        made = outputs.render(profile, rec, book=False, units=ours)
        made.book, lists = child.result()
        made.followups.update(lists)
        if rec.extract.loaded_at != stamped:  # another load of the same content came in between
            made.book = workbook_bytes(profile, rec)
        return ReconcileResult(period, rec, outputs.publish(ws, profile, rec, made))


def _in_one_process(ws: Workspace, engine: Engine, period: str) -> ReconcileResult:
    from techreform.reconcile import decisions, extract, outputs, store
    from techreform.reconcile.run import library_in_force, reconcile

    profile = ws.profile
    loaded = extract.load(ws, period)
    if loaded is None:
        return ReconcileResult(period, None)
    # the bureau's decisions: those in decisions/ now, and every one read before (remembered)
    current = decisions.read(ws.decisions)
    store.save_decisions(engine, current)
    # remembered ones first, then those in the files now: the last word on a pair wins
    remembered = store.stored_decisions(engine)
    rec = reconcile(profile, period, loaded, library_in_force(engine, period), [*remembered, *current])
    store.save(engine, rec)
    return ReconcileResult(period, rec, outputs.write_all(ws, profile, rec))


__all__ = ["ExtractError", "ReconcileResult", "run_reconciliation"]
