"""Intake: county files in, receipts out, accepted returns into the warehouse (DESIGN.md §3.1, §3.4).

Three steps, each safe to rerun and each a task of the intake DAG:

1. ``receive``: take every settled new file from ``inbox/<unit>/`` in order of arrival, keep the
   original in ``archive/`` and register it (known content is recognised by its hash);
2. ``process``: read, normalise and validate the registered files (Great Expectations, one batch
   per round), decide accepted or rejected, and load each decision in one transaction;
3. ``publish``: write the receipts and the period's ``submissions.csv`` and ``findings.csv``.

Work is found from the warehouse's state, not handed from step to step, so a crash in any step
leaves nothing half done: the next run picks up what is still pending.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import logging
import os
import re
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, load_only, selectinload

from techreform import reports, schema
from techreform import warehouse as wh
from techreform.findings import ERROR, WARNING, Finding, sort_key
from techreform.periods import Period, month_text, period_from_name
from techreform.profiles import Profile
from techreform.receipts import receipt_file_name, write_receipt
from techreform.returns import READABLE_SUFFIXES, ParsedReturn, UnreadableWorkbook, period_of, read_return
from techreform.rules import make_finding
from techreform.workspace import Workspace, fitted_name

log = logging.getLogger(__name__)

SETTLE_SECONDS = 5.0  # a file modified more recently than this may still be being written
UNREADABLE_GRACE_SECONDS = 600.0  # an unreadable workbook younger than this is left for the next run
# Office lock files, hidden files, downloads in progress, and what Windows and macOS leave behind
_IGNORED = re.compile(
    r"^(~\$|\.~lock|\.)|\.(tmp|crdownload|part)$|^(desktop\.ini|thumbs\.db)$", re.IGNORECASE
)


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


def _fallback_period(received: dt.datetime) -> Period:
    """The quarter a file without a period is most likely for: the last one ended before it came."""
    return Period(received.year, (received.month - 1) // 3 + 1).previous()


# ------------------------------------------------------------------------------------ receive


@dataclass
class Candidate:
    unit_code: str
    path: Path
    name: str  # the file's name as text (path.name may carry undecodable bytes)
    rel: str  # its path under the workspace, as text
    mtime: float
    size: int


def readable_name(name: str) -> str:
    """A file or folder name as text. Names unzipped from an archive made on Chinese Windows are
    GBK bytes, which Python hands over as surrogate escapes that no database takes."""
    raw = os.fsencode(name)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("gb18030", errors="replace")


def scan_inbox(
    ws: Workspace, *, settle_seconds: float = SETTLE_SECONDS, now: float | None = None
) -> list[Candidate]:
    """Files waiting in the unit folders, oldest first; files still being written are left alone."""
    now = time.time() if now is None else now
    found: list[Candidate] = []
    if not ws.inbox.exists():
        return found
    loose = sorted(
        readable_name(p.name) for p in ws.inbox.iterdir() if p.is_file() and not _IGNORED.search(p.name)
    )
    if loose:  # no unit folder, so no unit to answer: the operator has to move them
        log.warning("files in inbox/ outside any unit folder are not taken: %s", ", ".join(loose))
    for unit_dir in sorted(p for p in ws.inbox.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for path in unit_dir.rglob("*"):
            inner = path.relative_to(unit_dir).parts
            # hidden folders belong to sync tools, not to the county
            if not path.is_file() or _IGNORED.search(path.name) or any(d.startswith(".") for d in inner[:-1]):
                continue
            st = path.stat()
            age = now - st.st_mtime
            # modified moments ago: it may still be being written (a clearly future time is a copy's)
            if -1.0 < age < settle_seconds:
                continue
            rel = "/".join(readable_name(part) for part in path.relative_to(ws.root).parts)
            unit, name = readable_name(unit_dir.name), readable_name(path.name)
            found.append(Candidate(unit, path, name, rel, st.st_mtime, st.st_size))
    return sorted(found, key=lambda c: (c.mtime, c.unit_code, c.name))


def _still_being_written(c: Candidate, now: float) -> bool:
    if c.path.suffix.lower() not in READABLE_SUFFIXES or now - c.mtime >= UNREADABLE_GRACE_SECONDS:
        return False
    from python_calamine import CalamineWorkbook

    try:
        CalamineWorkbook.from_path(str(c.path))
    except Exception:
        return True
    return False


def keep_copy(target: Path, content: bytes, sha256: str, mtime: float) -> None:
    """Write a kept copy (archive, quarantine) whole or not at all. A copy already there is trusted
    only if its hash is the original's: a crash in the middle of a write leaves a part file."""
    if target.exists() and hashlib.sha256(target.read_bytes()).hexdigest() == sha256:
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(f".{sha256[:16]}.part")  # short: the target's own name may be long
    try:
        with part.open("wb") as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        os.utime(part, (mtime, mtime))
        os.replace(part, target)
    finally:
        part.unlink(missing_ok=True)


def receive(
    ws: Workspace, engine: Engine, *, run_period: Period | None = None, settle_seconds: float = SETTLE_SECONDS
) -> list[int]:
    """Archive and register every new settled file; returns the new submission ids."""
    now = time.time()
    rows: list[dict[str, Any]] = []
    with workspace_lock(ws), Session(engine) as session:
        seen = {
            (p, s, r)
            for p, s, r in session.execute(
                select(wh.Submission.inbox_path, wh.Submission.size, wh.Submission.received_at)
            )
        }
        # A file is known by its content and name. The same file again (a copy that kept its time,
        # a spare copy in a subfolder) has had its answer, and so has one whose return is in
        # force. Sent again after its answer, when that return was rejected or superseded, it is
        # judged again: the return it was compared with may have been corrected since, or the
        # county puts an older version back.
        known: set[tuple[Any, ...]] = set()
        answered: dict[tuple[str, str, str], dt.datetime] = {}
        for unit, sha, name, at, status, processed in session.execute(
            select(
                wh.Submission.unit_code,
                wh.Submission.sha256,
                wh.Submission.file_name,
                wh.Submission.received_at,
                wh.Submission.status,
                wh.Submission.processed_at,
            )
        ):
            known.add((unit, sha, name, at))
            if status in (wh.ACCEPTED, wh.RECEIVED) or processed is None:
                known.add((unit, sha, name))
            else:
                answered[(unit, sha, name)] = max(processed, answered.get((unit, sha, name), processed))
        for c in scan_inbox(ws, settle_seconds=settle_seconds, now=now):
            received_at = dt.datetime.fromtimestamp(c.mtime).replace(microsecond=0)
            if (c.rel, c.size, received_at) in seen or _still_being_written(c, now):
                continue
            with c.path.open("rb") as f:  # read once: hashed, then archived byte for byte
                content = f.read()
                st = os.fstat(f.fileno())
            if st.st_mtime != c.mtime or st.st_size != len(content):
                log.info("skip %s: it changed while being read; the next run takes it", c.rel)
                continue
            sha = hashlib.sha256(content).hexdigest()
            same = (c.unit_code, sha, c.name)
            if (
                (*same, received_at) in known
                or same in known
                or received_at <= answered.get(same, dt.datetime.min)
            ):
                log.info("skip %s: same file as an earlier submission", c.rel)
                continue
            known |= {(*same, received_at), same}
            archive_name = fitted_name(f"{received_at:%Y%m%dT%H%M%S}_{sha[:8]}_{c.name}")
            archived = ws.archive / c.unit_code / archive_name
            keep_copy(archived, content, sha, c.mtime)
            named = period_from_name(Path(c.name).stem)
            rows.append(
                dict(
                    unit_code=c.unit_code,
                    file_name=c.name,
                    inbox_path=c.rel,
                    archive_path=str(archived.relative_to(ws.root)),
                    sha256=sha,
                    size=len(content),
                    received_at=received_at,
                    period=None,
                    report_period=str(named or run_period or _fallback_period(received_at)),
                    status=wh.RECEIVED,
                )
            )
        # One commit for the batch: after a crash nothing is registered, and the archive copies
        # (named by time and hash) are simply made again.
        new_ids: list[int] = []
        if rows:
            stmt = insert(wh.Submission).returning(wh.Submission.id, sort_by_parameter_order=True)
            new_ids = list(session.scalars(stmt, rows))
        session.commit()
    return new_ids


# ------------------------------------------------------------------------------------ process


# File-level errors that leave the rows readable on their own: the county hears of every problem
# at once. (A missing column or an unknown period would make the row rules say wrong things.)
_ROWS_STILL_CHECKED = {"wrong_unit", "unknown_unit"}


@dataclass
class Pending:
    sub: wh.Submission
    parsed: ParsedReturn | None = None
    period: Period | None = None
    findings: list[Finding] = field(default_factory=list)

    def _file_errors(self) -> set[str]:
        return {f.rule_id for f in self.findings if f.severity == ERROR and f.row is None}

    @property
    def can_validate_rows(self) -> bool:
        return (
            self.parsed is not None
            and self.parsed.projects is not None
            and self.period is not None
            and self._file_errors() <= _ROWS_STILL_CHECKED
        )

    @property
    def can_compare_history(self) -> bool:
        """The cross-period rules compare with the unit's earlier returns: only for the unit's own."""
        return self.can_validate_rows and not self._file_errors()


def _unprocessable(p: Pending) -> None:
    """A file the product itself failed on (the caller logs why) is rejected with an answer, so
    that one odd file cannot hold up every county's returns run after run."""
    p.findings.append(
        Finding(
            "file_unprocessable",
            ERROR,
            "系统未能处理此文件（错误已记录，市工信局将核查）：请确认按模板填写后另存为 .xlsx 重新报送；"
            "如仍出现此提示，请联系市工信局",
        )
    )


def _checked(p: Pending, profile: Profile, ws: Workspace) -> None:
    try:
        _file_checks(p, profile, ws)
    except Exception:
        log.exception("intake could not read %s (submission %s)", p.sub.inbox_path, p.sub.id)
        _unprocessable(p)


def _file_checks(p: Pending, profile: Profile, ws: Workspace) -> None:
    """File-level checks: type, readability, unit and period (DESIGN.md §3.1)."""
    sub = p.sub
    if profile.unit(sub.unit_code) is None:
        p.findings.append(
            Finding(
                "unknown_unit",
                ERROR,
                f"文件夹“{sub.unit_code}”不是本市的填报单位，请放入本单位代码对应的文件夹",
            )
        )
    # the period its name gives, for the receipt of a file that cannot be read
    p.period = period_of(sub.file_name, {})[0]
    if Path(sub.file_name).suffix.lower() not in READABLE_SUFFIXES:
        p.findings.append(
            Finding(
                "file_type",
                ERROR,
                "只接受 Excel 文件（.xlsx 或 .xls）：请用 Excel 或 WPS 另存为 .xlsx 后重新报送",
            )
        )
        return
    try:
        p.parsed = read_return(ws.root / sub.archive_path)
    except UnreadableWorkbook:
        p.findings.append(
            Finding(
                "file_unreadable",
                ERROR,
                "文件无法打开（可能已损坏或未保存完整）：请用 Excel 或 WPS 打开确认后另存为 .xlsx 重新报送",
            )
        )
        return
    meta = p.parsed.metadata
    meta_unit = meta.get("unit_code")
    if meta_unit and meta_unit != sub.unit_code:
        other = profile.unit(meta_unit)
        p.findings.append(
            Finding(
                "wrong_unit",
                ERROR,
                f"文件的模板信息属于“{other.name if other else meta_unit}”（{meta_unit}），"
                f"却放在了{sub.unit_code}的文件夹：请使用本单位的模板，或放入正确的文件夹",
            )
        )
    else:
        named_other = _other_unit_named(sub.file_name, sub.unit_code, profile)
        if named_other:
            p.findings.append(
                Finding(
                    "wrong_unit",
                    ERROR,
                    f"文件名表明这是“{named_other.name}”（{named_other.code}）的报表，"
                    f"却放在了{sub.unit_code}的文件夹：请确认后放入正确的文件夹",
                )
            )
    in_name, in_meta = period_of(sub.file_name, meta)
    p.period = None
    if in_name and in_meta and in_name != in_meta:
        p.findings.append(
            Finding(
                "period_conflict",
                ERROR,
                f"文件名写的是{in_name.label}，模板信息却是{in_meta.label}：请确认报告期，"
                "使用该季度的模板并在文件名中写明报告期",
            )
        )
    elif not (in_name or in_meta):
        p.findings.append(
            Finding(
                "no_period",
                ERROR,
                "无法确定报告期：请在文件名中写明报告期（如 410302_2026Q3_技改项目季报.xlsx 或"
                "“2026年第三季度”），或使用市里下发的模板",
            )
        )
    else:
        p.period = in_meta or in_name
    p.findings.extend(p.parsed.findings)


def _other_unit_named(file_name: str, own: str, profile: Profile) -> Any:
    stem = Path(file_name).stem
    codes_in_name = set(re.findall(r"(?<!\d)(\d{6})(?!\d)", stem))
    if own in codes_in_name:
        return None
    for u in profile.units:
        if u.code != own and u.code in codes_in_name:
            return u
    own_unit = profile.unit(own)
    if own_unit and own_unit.name in stem:
        return None
    named = [u for u in profile.units if u.code != own and u.name in stem]
    return max(named, key=lambda u: len(u.name)) if named else None


def _rounds(pending: list[Pending]) -> list[list[Pending]]:
    """Round k holds the k-th pending file of each unit, so a unit's earlier file is decided first."""
    per_unit: dict[str, int] = defaultdict(int)
    rounds: list[list[Pending]] = []
    for p in pending:
        k = per_unit[p.sub.unit_code]
        per_unit[p.sub.unit_code] += 1
        if k == len(rounds):
            rounds.append([])
        rounds[k].append(p)
    return rounds


def _project_keys(row: dict[str, Any]) -> list[str]:
    """How a project is recognised across quarters: its code, else credit code plus name
    (both are kept, so a project whose code was filled in later is still the same project)."""
    keys = []
    if row.get("project_code"):
        keys.append(f"code:{row['project_code']}")
    if row.get("uscc") and row.get("project_name"):
        name = re.sub(r"\s", "", str(row["project_name"]))
        keys.append(f"name:{row['uscc']}:{name}")
    return keys


@dataclass
class _Earlier:
    """What a file is compared with: the unit's returns in force for other periods, and their
    projects by key (see ``_project_keys``)."""

    same_year: wh.Submission | None = None  # for 本年累计, which restarts each year
    latest: wh.Submission | None = None  # for projects that vanished, across the year end
    # a later quarter of the same year already in force, when an earlier one is corrected
    later: wh.Submission | None = None
    same_year_projects: dict[str, wh.Project] = field(default_factory=dict)
    latest_projects: dict[str, wh.Project] = field(default_factory=dict)
    later_projects: dict[str, wh.Project] = field(default_factory=dict)


def _earlier_returns(session: Session, files: list[Pending]) -> dict[int, _Earlier]:
    """For each file of a round, its unit's returns in force for earlier periods (and the next
    later one of the same year); two queries for
    the whole round (a unit has at most one file in a round, so the round's own decisions never
    change what another file of the round is compared with)."""
    files = [p for p in files if p.can_compare_history]
    units = {p.sub.unit_code for p in files}
    if not units:
        return {}
    accepted: dict[str, list[wh.Submission]] = defaultdict(list)
    for sub in session.scalars(
        select(wh.Submission)
        .where(wh.Submission.unit_code.in_(units), wh.Submission.status == wh.ACCEPTED)
        .order_by(wh.Submission.period.desc(), wh.Submission.received_at.desc(), wh.Submission.id.desc())
    ):
        accepted[sub.unit_code].append(sub)
    out: dict[int, _Earlier] = {}
    for p in files:
        assert p.period is not None
        earlier = [s for s in accepted[p.sub.unit_code] if s.period and s.period < str(p.period)]
        e = _Earlier(latest=earlier[0] if earlier else None)
        e.same_year = next((s for s in earlier if s.period >= f"{p.period.year}Q1"), None)
        later = [
            s
            for s in accepted[p.sub.unit_code]
            if s.period and str(p.period) < s.period <= f"{p.period.year}Q4"
        ]
        e.later = later[-1] if later else None  # the list is newest period first
        out[p.sub.id] = e
    wanted = {s.id for e in out.values() for s in (e.same_year, e.latest, e.later) if s is not None}
    projects: dict[int, dict[str, wh.Project]] = defaultdict(dict)
    if wanted:
        compared = load_only(
            wh.Project.submission_id,
            wh.Project.project_code,
            wh.Project.uscc,
            wh.Project.project_name,
            wh.Project.status,
            wh.Project.ytd_completed,
        )
        for proj in session.scalars(
            select(wh.Project)
            .options(compared)
            .where(wh.Project.submission_id.in_(wanted))
            .order_by(wh.Project.id)
        ):
            for key in _project_keys(_as_row(proj)):
                projects[proj.submission_id].setdefault(key, proj)
    for e in out.values():
        e.same_year_projects = projects.get(e.same_year.id, {}) if e.same_year else {}
        e.latest_projects = projects.get(e.latest.id, {}) if e.latest else {}
        e.later_projects = projects.get(e.later.id, {}) if e.later else {}
    return out


def _lookup(prev: dict[str, wh.Project], row: dict[str, Any]) -> wh.Project | None:
    return next((prev[k] for k in _project_keys(row) if k in prev), None)


def _as_row(proj: wh.Project) -> dict[str, Any]:
    return {"project_code": proj.project_code, "uscc": proj.uscc, "project_name": proj.project_name}


def _frame(rows: list[dict[str, Any]], fields: tuple[schema.Field, ...]) -> pd.DataFrame:
    cols = ["_rid", "_file", "_row", "_period_end", "prev_ytd", "next_ytd"]
    for f in fields:
        cols += [f.name, f"{f.name}__raw", f"{f.name}__invalid"]
    frame = pd.DataFrame.from_records(rows, columns=cols)
    numeric = {f.name for f in fields if f.kind in ("amount", "pct", "int", "month")} | {
        "_period_end",
        "prev_ytd",
        "next_ytd",
    }
    for c in numeric:
        frame[c] = pd.to_numeric(frame[c], errors="coerce").astype("float64")
    for c in frame.columns:
        if c not in numeric and c not in ("_rid", "_file", "_row"):
            frame[c] = frame[c].astype(object).where(frame[c].notna(), None)
    return frame


def _run_rules(
    files: list[Pending], validator: Any, stage: str, earlier: dict[int, _Earlier] | None = None
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
        _unprocessable(p)


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
    files: list[Pending], validator: Any, stage: str, earlier: dict[int, _Earlier] | None = None
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
                earlier_row, later_row = _lookup(prev, row), _lookup(nxt, row)
                extra["prev_ytd"] = earlier_row.ytd_completed if earlier_row else None
                extra["next_ytd"] = later_row.ytd_completed if later_row else None
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
        for rule, rid in validator.failures(sheet_kind, _frame(rows, fields), stage):
            p, row = where[rid]
            sheet = p.parsed.projects if sheet_kind == schema.PROJECT_SHEET else p.parsed.recognitions
            headers = {name: col.header for name, col in sheet.columns.items()}
            col = sheet.columns.get(rule.field)
            finding = make_finding(rule, row, sheet.name, headers, col.index if col else None)
            if rule.severity == WARNING and row.get("note"):
                finding.message += f"（已在备注中说明：{row['note']}）"
                finding.explained = True
            p.findings.append(finding)


def _vanished(p: Pending, e: _Earlier | None) -> list[Finding]:
    """Projects of the previous return in force that are gone without being completed (a warning)."""
    if not p.can_compare_history or e is None or e.latest is None:
        return []
    earlier, prev = e.latest, e.latest_projects
    now = {k for r in p.parsed.projects.rows for k in _project_keys(r)}
    out = []
    for proj in {id(x): x for x in prev.values()}.values():
        if not (set(_project_keys(_as_row(proj))) & now) and proj.status not in ("竣工", "投产"):
            out.append(
                Finding(
                    "project_vanished",
                    WARNING,
                    f"上期（{earlier.period}）报送的项目“{proj.project_name}”"
                    f"（{proj.project_code or proj.uscc}，状态“{proj.status}”）本期未报送且未竣工或投产："
                    "请核实，如项目终止或调出请在备注中说明",
                    sheet=p.parsed.projects.name,
                    field="project_code",
                    value=proj.project_code,
                )
            )
    return out


def _summary(p: Pending, status: str) -> str:
    errors = [f for f in p.findings if f.severity == ERROR]
    warnings = [f for f in p.findings if f.severity == WARNING and f.rule_id != "late_submission"]
    late = "（逾期报送）" if any(f.rule_id == "late_submission" for f in p.findings) else ""
    if status == wh.ACCEPTED:
        n = len(p.parsed.projects.rows) if p.parsed and p.parsed.projects else 0
        asked = [f for f in warnings if f.asks_for_explanation]
        open_ = [f for f in asked if not f.explained]
        if open_:
            tail = f"，有{len(open_)}条提示请核实并在备注中说明"
            tail += f"（另有{len(asked) - len(open_)}条已说明）" if len(asked) > len(open_) else ""
        elif asked:
            tail = f"，{len(asked)}条提示均已在备注中说明"
        elif warnings:
            tail = f"，有{len(warnings)}条提示请阅知"
        else:
            tail = "，未发现问题"
        return f"报表已受理{late}：{p.period.label if p.period else ''}共{n}个项目{tail}。"
    first = sorted(errors, key=sort_key)[0]  # the first row of the receipt's table
    where = f"第{first.row}行" if first.row else "整表"
    if first.row and first.column and f"“{first.column}”" not in first.message:
        where += f"“{first.column}”"
    return f"报表被退回：发现{len(errors)}处错误（首处：{where}，{first.message}），请全部修改后重新报送。"


def _accepted_before(session: Session, sub: wh.Submission) -> bool:
    """Whether the unit had a return for the period accepted, received before this one: then
    timeliness was settled by that return."""
    return (
        session.scalar(
            select(wh.Submission.id).where(
                wh.Submission.unit_code == sub.unit_code,
                wh.Submission.period == sub.period,
                wh.Submission.status.in_((wh.ACCEPTED, wh.SUPERSEDED)),
                wh.Submission.id != sub.id,
                wh.Submission.received_at <= sub.received_at,
            )
        )
        is not None
    )


def _decide(session: Session, p: Pending, ws: Workspace, profile: Profile) -> None:
    """Record the decision, the findings and (if accepted) the rows, in the caller's transaction."""
    sub = session.merge(p.sub)
    errors = sum(f.severity == ERROR for f in p.findings)
    status = wh.REJECTED if errors else wh.ACCEPTED
    sub.period = str(p.period) if p.period else None
    if p.period:
        sub.report_period = str(p.period)
        sub.deadline = p.period.deadline(profile.deadline_working_days)
        sub.on_time = sub.received_at.date() <= sub.deadline
        # Timeliness is the unit's earliest accepted return's: a later correction does not count.
        if not sub.on_time and not _accepted_before(session, sub):
            # only an accepted return counts for timeliness; a rejected one is told to hurry
            consequence = (
                "计入按时报送率考核，请今后按时报送"
                if status == wh.ACCEPTED
                else "按时报送率以首次受理的报表为准，请尽快修改后重新报送"
            )
            p.findings.append(
                Finding(
                    "late_submission",
                    WARNING,
                    f"本报表{sub.received_at:%Y-%m-%d}收到，晚于报送截止日{sub.deadline:%Y-%m-%d}"
                    f"（季度结束后第{profile.deadline_working_days}个工作日）：{consequence}",
                )
            )
    sub.errors = errors
    sub.warnings = len(p.findings) - errors
    sub.summary = _summary(p, status)
    sub.status = status
    sub.processed_at = dt.datetime.now().replace(microsecond=0)
    session.flush()
    # Core executemany on the session's connection: one statement per table, no ORM bookkeeping.
    conn = session.connection()
    if p.findings:
        conn.execute(insert(wh.Finding), [{**f.as_dict(), "submission_id": sub.id} for f in p.findings])
    if status == wh.ACCEPTED and p.parsed is not None:
        common = {"submission_id": sub.id, "unit_code": sub.unit_code, "period": sub.period}
        projects = []
        for row in p.parsed.projects.rows:
            values = {k: row.get(k) for k in wh.PROJECT_COLUMNS}
            for m in ("start_month", "planned_completion"):
                values[m] = month_text(int(row[m])) if row.get(m) is not None else None
            projects.append({**common, "row": row["_row"], **values})
        conn.execute(insert(wh.Project), projects)
        sub.projects_count = len(projects)
        if p.parsed.recognitions is not None and p.parsed.recognitions.rows:
            recognitions = [
                {**common, "row": row["_row"], **{k: row.get(k) for k in wh.RECOGNITION_COLUMNS}}
                for row in p.parsed.recognitions.rows
            ]
            conn.execute(insert(wh.Recognition), recognitions)
            sub.recognitions_count = len(recognitions)
        wh.settle_in_force(session, sub.unit_code, sub.period)
    else:
        source = ws.root / sub.archive_path
        target = ws.quarantine / sub.unit_code / source.name
        keep_copy(target, source.read_bytes(), sub.sha256, source.stat().st_mtime)


def _fault_of_the_file(e: Exception) -> bool:
    """A value the database refuses (too long, out of range) is the file's fault; a lost
    connection, a locked or unreachable database is not: that must stop the run, not reject
    the return."""
    if isinstance(e, OperationalError | InterfaceError):
        return False
    return not (isinstance(e, DBAPIError) and e.connection_invalidated)


class _LazyValidator:
    """Build the GX context only if some file gets as far as row validation."""

    def __init__(self, profile: Profile, validator: Any = None) -> None:
        self.profile, self._v = profile, validator

    def failures(self, sheet: str, frame: pd.DataFrame, stage: str = "row"):
        if self._v is None:
            from techreform.rules import Validator

            self._v = Validator(self.profile)
        return self._v.failures(sheet, frame, stage)


def process(ws: Workspace, engine: Engine, profile: Profile, *, validator: Any = None) -> list[int]:
    """Judge every registered file, oldest first; returns the ids decided."""
    lazy = _LazyValidator(profile, validator)
    decided: list[int] = []
    with workspace_lock(ws), Session(engine, expire_on_commit=False) as session:
        subs = session.scalars(
            select(wh.Submission)
            .where(wh.Submission.status == wh.RECEIVED)
            .order_by(wh.Submission.received_at, wh.Submission.id)
        ).all()
        pending = [Pending(s) for s in subs]
        for p in pending:
            _checked(p, profile, ws)
        _run_rules(pending, lazy, "row")
        for round_ in _rounds(pending):
            earlier = _earlier_returns(session, round_)
            _run_rules(round_, lazy, "history", earlier)
            for p in round_:
                p.findings.extend(_vanished(p, earlier.get(p.sub.id)))
                try:
                    _decide(session, p, ws, profile)
                    session.commit()
                except Exception as e:
                    session.rollback()
                    if not _fault_of_the_file(e):
                        raise
                    # e.g. a value the database refuses: this file is rejected, the others go on
                    log.exception("could not record %s (submission %s)", p.sub.inbox_path, p.sub.id)
                    p.parsed, p.findings = None, []
                    _unprocessable(p)
                    try:
                        _decide(session, p, ws, profile)
                        session.commit()
                    except Exception:
                        session.rollback()
                        raise
                decided.append(p.sub.id)
    return decided


# ------------------------------------------------------------------------------------ publish


def publish(
    ws: Workspace, engine: Engine, profile: Profile, *, run_period: Period | None = None
) -> list[Path]:
    """Receipts for every decided file that has none yet, then the periods' CSV files."""
    written: list[Path] = []
    with workspace_lock(ws), Session(engine, expire_on_commit=False) as session:
        subs = session.scalars(
            select(wh.Submission)
            .options(selectinload(wh.Submission.findings))
            .where(wh.Submission.status != wh.RECEIVED, wh.Submission.receipt_path.is_(None))
            .order_by(wh.Submission.received_at, wh.Submission.id)
        ).all()
        for sub in subs:
            unit = profile.unit(sub.unit_code)
            status = wh.REJECTED if sub.errors else wh.ACCEPTED
            path = ws.outbox / sub.unit_code / receipt_file_name(sub.file_name, sub.received_at)
            taken = session.scalar(
                select(wh.Submission.id).where(wh.Submission.receipt_path == str(path.relative_to(ws.root)))
            )
            if taken is not None:  # two files of the same name within a minute: keep both receipts
                path = path.with_name(f"{path.stem}_{sub.id}{path.suffix}")
            path.parent.mkdir(parents=True, exist_ok=True)
            source = ws.root / sub.archive_path
            findings = [
                Finding(**{k: getattr(f, k) for k in Finding.__dataclass_fields__}) for f in sub.findings
            ]
            write_receipt(
                path,
                unit_code=sub.unit_code,
                unit_name=unit.name if unit else sub.unit_code,
                file_name=sub.file_name,
                period=sub.period,
                status=status,
                received_at=sub.received_at,
                deadline=sub.deadline,
                summary=sub.summary or "",
                findings=findings,
                source=source if source.suffix.lower() in READABLE_SUFFIXES else None,
                superseded=sub.status == wh.SUPERSEDED,
                timeliness_settled=sub.period is not None and _accepted_before(session, sub),
            )
            sub.receipt_path = str(path.relative_to(ws.root))
            written.append(path)
            if len(written) % 50 == 0:  # a crash rewrites at most these receipts, under the same names
                session.commit()
        session.commit()
        # Every period's CSVs, not only those of this run's receipts: after a crash between the
        # receipts and the CSVs, the rerun has no receipts left to write but must still mend them.
        periods = set(
            session.scalars(
                select(wh.Submission.report_period).where(wh.Submission.status != wh.RECEIVED).distinct()
            )
        )
        periods |= {str(run_period)} if run_period else set()
        for period in sorted(periods):
            reports.write_intake_csvs(session, ws.reports_for(period), period)
    return written


@dataclass
class IntakeResult:
    received: list[int]
    decided: list[int]
    receipts: list[Path]


def run_intake(
    ws: Workspace,
    engine: Engine,
    *,
    run_period: Period | None = None,
    settle_seconds: float = SETTLE_SECONDS,
    validator: Any = None,
) -> IntakeResult:
    """The three steps in one go (what the intake DAG runs as three tasks)."""
    profile = ws.profile
    received = receive(ws, engine, run_period=run_period, settle_seconds=settle_seconds)
    decided = process(ws, engine, profile, validator=validator)
    receipts = publish(ws, engine, profile, run_period=run_period)
    return IntakeResult(received, decided, receipts)
