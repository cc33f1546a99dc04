"""Step 1 of intake: take every settled new file from ``inbox/<unit>/``, keep the original in
``archive/`` and register it."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import re
import shutil
import stat
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from techreform import warehouse as wh
from techreform.intake.lock import workspace_lock
from techreform.reference.periods import Period, period_from_name
from techreform.returns import READABLE_SUFFIXES
from techreform.returns.guard import OLE_SIGNATURE, Limits
from techreform.workbooks.receipt_parts import remove_leftovers
from techreform.workspace import Workspace, fitted_name

log = logging.getLogger(__name__)


SETTLE_SECONDS = 5.0  # a file modified more recently than this may still be being written


UNREADABLE_GRACE_SECONDS = 600.0  # an unreadable workbook younger than this is left for the next run


# Not returns: office lock files (~$…, .~lock…#, WPS's .~…), downloads in progress, and what
# Windows, macOS and sync tools leave behind. Any other name starting with "." is taken and
# answered like any file: a county that saved ".410302_2026Q3.xlsx" hears of it.
_IGNORED = re.compile(
    r"^(~\$|~WRL|\.~)|\.(tmp|crdownload|part|partial|download)$"
    r"|^(desktop\.ini|thumbs\.db|ehthumbs\.db|icon\r)$"
    r"|^(\._|\.ds_store$|\.localized$|\.directory$|\.picasa\.ini$|\.dropbox|\.sync|\.st(folder|ignore|version)"
    r"|\.syncthing\.|\.(nextcloud|owncloud)sync\.log$|\._?sync_.*\.db|\.csync_journal\.db|\.icloud$)",
    re.IGNORECASE,
)


def _fallback_period(received: dt.datetime) -> Period:
    """The quarter a file without a period is most likely for: the last one ended before it came."""
    return Period(received.year, (received.month - 1) // 3 + 1).previous()


@dataclass
class Candidate:
    unit_code: str
    path: Path
    name: str  # the file's name as text (path.name may carry undecodable bytes)
    rel: str  # its path under the workspace, as text
    mtime: float
    size: int
    kind: str = "file"  # or what else the entry is (symlink, fifo, device, socket): never read


def entry_kind(mode: int) -> str:
    """What a directory entry is, from its lstat mode: only a regular file is ever read."""
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISLNK(mode):
        return "symlink"
    if stat.S_ISFIFO(mode):
        return "fifo"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "other"


def _entries(folder: Path) -> list[tuple[Path, os.stat_result]]:
    """Every entry under a unit folder, by lstat: links are not followed, hidden folders skipped."""
    out: list[tuple[Path, os.stat_result]] = []
    try:
        with os.scandir(folder) as it:
            listed = sorted(it, key=lambda e: e.name)
    except OSError:
        log.warning("cannot list %s", readable_name(str(folder)))
        return out
    for entry in listed:
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:  # gone since it was listed
            continue
        if stat.S_ISDIR(st.st_mode):
            if not entry.name.startswith("."):  # hidden folders belong to sync tools, not to the county
                out.extend(_entries(Path(entry.path)))
        elif not _IGNORED.search(entry.name):
            out.append((Path(entry.path), st))
    return out


def readable_name(name: str) -> str:
    """A file or folder name as text. Names unzipped from an archive made on Chinese Windows are
    GBK bytes, which Python hands over as surrogate escapes that no database takes."""
    raw = os.fsencode(name)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("gb18030", errors="replace")


def scan_inbox(
    ws: Workspace, *, settle_seconds: float = SETTLE_SECONDS, now: float | None = None, warn: bool = True
) -> list[Candidate]:
    """Files waiting in the unit folders, oldest first; files still being written are left alone.
    ``warn=False`` (the inbox watcher, which scans every second) leaves the misplaced files to
    intake's own log."""
    now = time.time() if now is None else now
    found: list[Candidate] = []
    if not ws.inbox.exists():
        return found
    top = sorted((p, p.lstat()) for p in ws.inbox.iterdir())
    loose = sorted(
        readable_name(p.name) for p, st in top if not stat.S_ISDIR(st.st_mode) and not _IGNORED.search(p.name)
    )
    if loose and warn:  # no unit folder, so no unit to answer: the operator has to move them
        log.warning("files in inbox/ outside any unit folder are not taken: %s", ", ".join(loose))
    for unit_dir, st in top:
        if not stat.S_ISDIR(st.st_mode) or unit_dir.name.startswith("."):
            if stat.S_ISLNK(st.st_mode) and warn:
                log.warning("a link in inbox/ is not a unit folder and is not followed: %s", unit_dir.name)
            continue
        for path, st in _entries(unit_dir):
            age = now - st.st_mtime
            # modified moments ago: it may still be being written (a clearly future time is a copy's)
            if -1.0 < age < settle_seconds:
                continue
            rel = "/".join(readable_name(part) for part in path.relative_to(ws.root).parts)
            unit, name = readable_name(unit_dir.name), readable_name(path.name)
            kind = entry_kind(st.st_mode)
            size = st.st_size if kind == "file" else 0
            found.append(Candidate(unit, path, name, rel, st.st_mtime, size, kind))
    return sorted(found, key=lambda c: (c.mtime, c.unit_code, c.name))


def still_being_written(c: Candidate, now: float) -> bool:
    """A young file that is not yet a whole container: a zip without its directory (written last),
    an OLE file not a whole number of sectors. Nothing parses the workbook here: that is done
    in the reading process, whose failure is the file's alone."""
    if c.kind != "file" or c.path.suffix.lower() not in READABLE_SUFFIXES:
        return False
    if now - c.mtime >= UNREADABLE_GRACE_SECONDS:
        return False
    try:
        with c.path.open("rb") as f:
            head = f.read(8)
        if head == OLE_SIGNATURE:
            return c.size % 512 != 0
        return not zipfile.is_zipfile(c.path)
    except OSError:
        return True


def _sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def keep_copy(target: Path, content: bytes | Path, sha256: str, mtime: float) -> None:
    """Write a kept copy (archive, quarantine) whole or not at all. A copy already there is trusted
    only if its hash is the original's: a crash in the middle of a write leaves a part file.
    ``content`` is the bytes, or a kept file to copy in chunks (a large one)."""
    if target.exists() and _sha256_of(target) == sha256:
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(f".{sha256[:16]}.part")  # short: the target's own name may be long
    try:
        with part.open("wb") as f:
            if isinstance(content, Path):
                with content.open("rb") as src:
                    shutil.copyfileobj(src, f, 1 << 20)
            else:
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
    with workspace_lock(ws, engine), Session(engine) as session:
        for part in remove_leftovers(ws.outbox):  # no receipt is written beside this lock
            log.warning("removed %s, a receipt's temporary file left by a writer that was killed", part)
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
        # county puts an older version back. The return in force sent again under another name is
        # the same return too, unless the new name names another period.
        known: set[tuple[Any, ...]] = set()
        answered: dict[tuple[str, str, str], dt.datetime] = {}
        in_force: dict[tuple[str, str], str | None] = {}  # (unit, sha256) -> its period
        for unit, sha, name, at, status, processed, period in session.execute(
            select(
                wh.Submission.unit_code,
                wh.Submission.sha256,
                wh.Submission.file_name,
                wh.Submission.received_at,
                wh.Submission.status,
                wh.Submission.processed_at,
                wh.Submission.period,
            )
        ):
            known.add((unit, sha, name, at))
            if status in (wh.ACCEPTED, wh.RECEIVED) or processed is None:
                known.add((unit, sha, name))
            else:
                answered[(unit, sha, name)] = max(processed, answered.get((unit, sha, name), processed))
            if status == wh.ACCEPTED:
                in_force[(unit, sha)] = period
        for c in scan_inbox(ws, settle_seconds=settle_seconds, now=now):
            received_at = dt.datetime.fromtimestamp(c.mtime).replace(microsecond=0)
            if (c.rel, c.size, received_at) in seen or still_being_written(c, now):
                continue
            if c.kind != "file":  # a link, a pipe, a device: never followed or read, but answered
                rows.append(_not_a_file(c, received_at, run_period))
                seen.add((c.rel, c.size, received_at))
                continue
            got = _read_regular(c, ws)
            if got is None:
                log.info("skip %s: it changed while being read; the next run takes it", c.rel)
                continue
            content, sha = got
            same = (c.unit_code, sha, c.name)
            if (
                (*same, received_at) in known
                or same in known
                or received_at <= answered.get(same, dt.datetime.min)
            ):
                log.info("skip %s: same file as an earlier submission", c.rel)
                continue
            if _renamed_return_in_force(c, sha, in_force):
                log.info("skip %s: the same content as the return in force, under another name", c.rel)
                continue
            known |= {(*same, received_at), same}
            archive_name = fitted_name(f"{received_at:%Y%m%dT%H%M%S}_{sha[:8]}_{c.name}")
            archived = ws.archive / c.unit_code / archive_name
            keep_copy(archived, content, sha, c.mtime)
            if isinstance(content, Path):
                content.unlink(missing_ok=True)
            named = period_from_name(Path(c.name).stem)
            rows.append(
                dict(
                    unit_code=c.unit_code,
                    file_name=c.name,
                    inbox_path=c.rel,
                    archive_path=str(archived.relative_to(ws.root)),
                    sha256=sha,
                    size=c.size,
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


def _renamed_return_in_force(c: Candidate, sha: str, in_force: dict[tuple[str, str], str | None]) -> bool:
    """The unit's return in force, byte for byte, under a name that names no other period."""
    if (c.unit_code, sha) not in in_force:
        return False
    named = period_from_name(Path(c.name).stem)
    return named is None or str(named) == in_force[(c.unit_code, sha)]


def _read_regular(c: Candidate, ws: Workspace) -> tuple[bytes | Path, str] | None:
    """(content, sha256) of a regular file, read once without following a link (O_NOFOLLOW) and
    only if it is still a regular file of the size and time scanned; None if it changed. A file
    above the size limit is copied in chunks to a spare file instead of read into memory."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(c.path, flags)
    except OSError:  # replaced by a link (ELOOP) or gone since the scan
        return None
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode) or st.st_mtime != c.mtime or st.st_size != c.size:
            return None
        if st.st_size <= Limits.from_env().file_mb * 2**20:
            content = f.read()
            if len(content) != c.size:
                return None
            return content, hashlib.sha256(content).hexdigest()
        spare = ws.archive / f".incoming-{os.getpid()}-{c.mtime:.0f}.part"
        spare.parent.mkdir(parents=True, exist_ok=True)
        h, n = hashlib.sha256(), 0
        with spare.open("wb") as out:
            while chunk := f.read(1 << 20):
                h.update(chunk)
                out.write(chunk)
                n += len(chunk)
    if n != c.size:
        spare.unlink(missing_ok=True)
        return None
    return spare, h.hexdigest()


_KIND_TEXT = {
    "symlink": "快捷方式（符号链接）",
    "fifo": "管道文件",
    "device": "设备文件",
    "socket": "套接字文件",
    "other": "特殊文件",
}


def not_a_file_message(kind: str) -> str:
    return (
        f"这是一个{_KIND_TEXT.get(kind, '特殊文件')}，不是报表文件本身，系统不读取："
        "请把报表文件（.xlsx）本身复制到本单位文件夹后重新报送"
    )


def _not_a_file(c: Candidate, received_at: dt.datetime, run_period: Period | None) -> dict[str, Any]:
    """The registration of an entry that is not a regular file: nothing archived (archive_path
    empty), its kind in place of a hash, so intake answers it without ever reading it."""
    named = period_from_name(Path(c.name).stem)
    return dict(
        unit_code=c.unit_code,
        file_name=c.name,
        inbox_path=c.rel,
        archive_path="",
        sha256=hashlib.sha256(f"{c.kind}:{c.rel}".encode("utf-8", "surrogateescape")).hexdigest(),
        size=0,
        received_at=received_at,
        period=None,
        report_period=str(named or run_period or _fallback_period(received_at)),
        status=wh.RECEIVED,
    )
