"""The rules over a batch of files: one Great Expectations run per sheet, findings back to each file."""

from __future__ import annotations

import logging
import threading
from decimal import Decimal
from typing import Any

import pandas as pd

from techreform import warehouse as wh
from techreform.intake.files import Pending, unprocessable
from techreform.intake.history import Earlier, lookup
from techreform.reference import schema
from techreform.reference.profiles import Profile
from techreform.returns.cellcheck import BAD_CELLS
from techreform.rules import make_finding
from techreform.rules.findings import WARNING

log = logging.getLogger(__name__)


def _frame(
    rows: list[dict[str, Any]], fields: tuple[schema.Field, ...], only: list[str] | None = None
) -> pd.DataFrame:
    """The rows as the rules see them; ``only``: just the columns a suite reads (each column is
    made from its own cells alone, so it is the same column either way)."""
    cols = ["_rid", "_file", "_row", "_period_end", "prev_ytd", "next_ytd"]
    for f in fields:
        cols += [f.name, f"{f.name}__raw", f"{f.name}__invalid"]
    if only is not None:
        wanted = set(only)
        cols = [c for c in cols if c in wanted]
    frame = pd.DataFrame.from_records(rows, columns=cols)
    numeric = {f.name for f in fields if f.kind in ("amount", "pct", "int", "month")} | {
        "_period_end",
        "prev_ytd",
        "next_ytd",
    }
    numeric &= set(cols)
    for c in numeric:
        frame[c] = pd.to_numeric(frame[c], errors="coerce").astype("float64")
    for c in frame.columns:
        if c not in numeric and c not in ("_rid", "_file", "_row"):
            frame[c] = frame[c].astype(object).where(frame[c].notna(), None)
    return frame


def _as_float(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def run_rules(
    files: list[Pending], validator: Any, stage: str, earlier: dict[int, Earlier] | None = None
) -> None:
    """The rules over a batch of files. Should the batch fail, each file is tried alone: the ones
    that fail alone are rejected as unprocessable, unless all fail (then the fault is not theirs).
    A lone file is weighed against a blank row: rules that run on that work, so the file is odd."""
    try:
        _run_rules_batch(files, validator, stage, earlier)
        return
    except Exception:
        # only files with rows to check can tell a bad file from a broken rule engine
        checked = [p for p in files if _has_rows_for(p, stage)]
        if not checked or (len(checked) == 1 and not _rules_run_on_a_blank_row(validator, stage)):
            raise
        log.warning("rules failed on a batch of %d files; trying each alone", len(checked), exc_info=True)
    before = {id(p): list(p.findings) for p in checked}
    failed = []
    for p in checked:
        p.findings = list(before[id(p)])  # drop what the failed batch left half added
        try:
            _run_rules_batch([p], validator, stage, earlier)
        except Exception:
            log.exception("%s rules failed on %s (submission %s)", stage, p.sub.inbox_path, p.sub.id)
            p.findings = list(before[id(p)])
            failed.append(p)
    if len(failed) == len(checked) > 1:  # (a lone file was weighed against a blank row above)
        raise RuntimeError(f"the {stage} rules failed on every file of the batch")
    for p in failed:
        unprocessable(p)


def _rules_run_on_a_blank_row(validator: Any, stage: str) -> bool:
    """Whether the rule engine itself works: every suite of the stage, on one row of empty cells
    (findings are expected; an exception is not)."""
    try:
        for sheet, fields in (
            (schema.PROJECT_SHEET, schema.PROJECT_FIELDS),
            (schema.RECOGNITION_SHEET, schema.RECOGNITION_FIELDS),
        ):
            validator.failures(sheet, _frame([{"_rid": 0, "_file": 0, "_row": 1}], fields), stage)
    except Exception:
        log.exception("the %s rules fail on a blank row too: the rule engine is broken", stage)
        return False
    return True


def _has_rows_for(p: Pending, stage: str) -> bool:
    return p.can_compare_history if stage == "history" else p.can_validate_rows


def _run_rules_batch(
    files: list[Pending], validator: Any, stage: str, earlier: dict[int, Earlier] | None = None
) -> None:
    """One GX run per sheet over the rows of many files; findings go back to each file.

    Stage "row" holds the rules that look at a return alone: they run once for a whole batch.
    Stage "history" compares with the unit's earlier returns in force, so it runs round by round
    (``earlier`` gives those returns), after the earlier files of the same unit were decided.
    """
    proj_rows: list[dict[str, Any]] = []
    rec_rows: list[dict[str, Any]] = []
    where: dict[int, tuple[Pending, dict[str, Any]]] = {}
    for p in files:
        if not _has_rows_for(p, stage):
            continue
        assert p.parsed is not None and p.parsed.projects is not None and p.period is not None
        prev: dict[str, wh.Project] = {}
        nxt: dict[str, wh.Project] = {}
        if stage == "history":
            e = (earlier or {}).get(p.sub.id)
            prev, nxt = (e.same_year_projects, e.later_projects) if e else ({}, {})
            if not (prev or nxt):
                continue
        for row in p.parsed.projects.rows:
            extra: dict[str, Any] = {"_rid": len(where), "_file": p.sub.id, "_period_end": p.period.end_month}
            if stage == "history":
                earlier_row, later_row = lookup(prev, row), lookup(nxt, row)
                # the warehouse gives Decimals; the rules and their messages work on floats, as read
                extra["prev_ytd"] = _as_float(earlier_row.ytd_completed if earlier_row else None)
                extra["next_ytd"] = _as_float(later_row.ytd_completed if later_row else None)
                if extra["prev_ytd"] is None and extra["next_ytd"] is None:
                    continue
            proj_rows.append({**row, **extra})
            where[extra["_rid"]] = (p, proj_rows[-1])
        if stage == "row" and p.parsed.recognitions is not None:
            for row in p.parsed.recognitions.rows:
                rid = len(where)
                rec_rows.append({**row, "_rid": rid, "_file": p.sub.id})
                where[rid] = (p, row)
    for sheet_kind, rows, fields in (
        (schema.PROJECT_SHEET, proj_rows, schema.PROJECT_FIELDS),
        (schema.RECOGNITION_SHEET, rec_rows, schema.RECOGNITION_FIELDS),
    ):
        if not rows:
            continue
        only = validator.columns_for(sheet_kind, stage) if hasattr(validator, "columns_for") else None
        for rule, rid in validator.failures(sheet_kind, _frame(rows, fields, only), stage):
            p, row = where[rid]
            if rule.field in row.get(BAD_CELLS, ()):  # already answered at its cell (#DIV/0!, 1e308)
                continue
            assert p.parsed is not None
            sheet = p.parsed.projects if sheet_kind == schema.PROJECT_SHEET else p.parsed.recognitions
            assert sheet is not None  # the rows were read from it
            headers = {name: col.header for name, col in sheet.columns.items()}
            col = sheet.columns.get(rule.field)
            finding = make_finding(rule, row, sheet.name, headers, col.index if col else None)
            if rule.severity == WARNING and row.get("note"):
                finding.message += f"（已在备注中说明：{row['note']}）"
                finding.explained = True
            p.findings.append(finding)


class LazyValidator:
    """Build the GX context only if some file gets as far as row validation.

    ``start`` builds it in a background thread (GX's import and the suites take seconds), so that
    it overlaps the reading, during which the main process mostly waits on the reading processes.
    Should that build fail, it is built again in the caller's thread on first use: its error
    surfaces there as it always did. Never started, nothing is built."""

    def __init__(self, profile: Profile, validator: Any = None) -> None:
        self.profile, self._v = profile, validator
        self._thread: threading.Thread | None = None
        self._built: Any = None

    def start(self) -> None:
        if self._v is not None or self._thread is not None:
            return
        # a daemon: abandoned (the run failed before the rules), it does not hold up the end
        self._thread = threading.Thread(target=self._build, name="techreform-gx-validator", daemon=True)
        self._thread.start()

    def _build(self) -> None:
        try:
            from techreform.rules import Validator

            self._built = Validator(self.profile)
        except Exception:  # told again, from the caller's thread, when the validator is first used
            log.debug("building the validator in the background failed", exc_info=True)

    def columns_for(self, sheet: str, stage: str = "row") -> list[str] | None:
        """The columns the suite of a sheet and stage reads (None: every column)."""
        v = self._validator()
        return v.columns_for(sheet, stage) if hasattr(v, "columns_for") else None

    def failures(self, sheet: str, frame: pd.DataFrame, stage: str = "row"):
        return self._validator().failures(sheet, frame, stage)

    def _validator(self) -> Any:
        if self._v is None:
            if self._thread is not None:
                self._thread.join()
                self._v, self._built = self._built, None
            if self._v is None:
                from techreform.rules import Validator

                self._v = Validator(self.profile)
        return self._v
