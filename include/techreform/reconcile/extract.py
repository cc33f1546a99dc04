"""The statistics bureau's FAI extract for one period (DESIGN.md §3.2), from files or a database.

Files: ``stats/<period>/projects.xlsx`` and ``unit_totals.xlsx`` (or ``.xls``; a name that says
项目 / 汇总 is recognised too), read with the same tolerance as a return. Database: the workspace
setting ``statistics`` names a SQLAlchemy URL and the two tables (and optionally a column holding
the period, when one table keeps every period); their column names may be the extract's Chinese
headers (any alias) or the field names of ``reference/extracts.py``. Either way the rows go through
the same table reader, so a figure in 元 or a code in full-width is read the same from both.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from techreform.reference import extracts
from techreform.returns.model import Sheet, UnreadableWorkbook
from techreform.returns.table import read_sheet
from techreform.returns.table_file import read_table
from techreform.workspace import Workspace

READABLE = (".xlsx", ".xlsm", ".xls")
PROJECT_FILE_HINTS = ("projects", "project", "项目")
TOTALS_FILE_HINTS = ("unit_totals", "totals", "汇总", "县区")


class ExtractError(Exception):
    """The extract cannot be used: the message says, in Chinese, what to fix."""


@dataclass
class Extract:
    period: str
    source: str  # what was read: file paths, or the database and its tables (no password)
    sha256: str  # of the files' bytes, or of the rows read from the database
    loaded_at: dt.datetime
    projects: Sheet
    totals: Sheet | None
    warnings: list[str] = field(default_factory=list)


def _pick(folder: Path, hints: tuple[str, ...], avoid: Path | None = None) -> Path | None:
    files = sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in READABLE and not p.name.startswith(("~$", ".")) and p != avoid
    )
    for hint in hints:
        for p in files:
            if p.stem.lower().startswith(hint) or hint in p.stem.lower():
                return p
    return None


def _read(path: Path, kind: str, required: tuple[str, ...], what: str) -> Sheet:
    try:
        sheet = read_table(path, kind, required)
    except UnreadableWorkbook as e:
        raise ExtractError(f"{what}文件 {path.name} 无法打开（{e}）：请从统计系统重新导出") from e
    if sheet is None:
        headers = "、".join(f.header for f in extracts.fields_of(kind) if f.name in required)
        raise ExtractError(f"{what}文件 {path.name} 中找不到表头（应含：{headers}）：请核对导出格式")
    return sheet


def _files(ws: Workspace, period: str) -> tuple[Path, Path | None] | None:
    """The period's project extract and its unit totals (if any); None when there is no extract."""
    folder = ws.stats / period
    if not folder.is_dir():
        return None
    projects = _pick(folder, PROJECT_FILE_HINTS)
    if projects is None:
        return None
    return projects, _pick(folder, TOTALS_FILE_HINTS, avoid=projects)


def _digest(files: tuple[Path, Path | None]) -> str:
    digest = hashlib.sha256()
    for p in files:
        if p is not None:
            digest.update(p.name.encode() + b"\0" + p.read_bytes())
    return digest.hexdigest()


def fingerprint(ws: Workspace, period: str) -> str | None:
    """The hash a load of the period's extract files would carry, without reading them as tables
    (None when there is no extract): enough to tell whether an extract is new."""
    files = _files(ws, period)
    return None if files is None else _digest(files)


def from_files(ws: Workspace, period: str) -> Extract | None:
    """None when the period's folder holds no project extract yet."""
    files = _files(ws, period)
    if files is None:
        return None
    projects, totals = files
    return Extract(
        period=period,
        source=" + ".join(str(p.relative_to(ws.root)) for p in (projects, totals) if p is not None),
        sha256=_digest(files),
        loaded_at=dt.datetime.now().replace(microsecond=0),
        projects=_read(
            projects, extracts.STATS_PROJECTS, ("stats_project_id", "ytd_completed"), "统计局项目"
        ),
        totals=_read(totals, extracts.STATS_TOTALS, ("unit_code", "tech_ytd"), "统计局县区汇总")
        if totals is not None
        else None,
    )


def _grid(columns: list[str], rows: list[Any], kind: str) -> list[list[Any]]:
    """A database table as the grid the table reader takes: field names become their headers."""
    by_name = {f.name: f.header for f in extracts.fields_of(kind)}
    return [[by_name.get(c, c) for c in columns], *[list(r) for r in rows]]


def from_database(settings: dict[str, Any], period: str) -> Extract:
    from sqlalchemy import MetaData, Table, create_engine, select
    from sqlalchemy.engine import make_url

    url = settings["url"]
    engine = create_engine(url)
    digest = hashlib.sha256()
    sheets: dict[str, Sheet | None] = {}
    try:
        with engine.connect() as conn:
            for kind, key, required in (
                (extracts.STATS_PROJECTS, "projects_table", ("stats_project_id", "ytd_completed")),
                (extracts.STATS_TOTALS, "totals_table", ("unit_code", "tech_ytd")),
            ):
                name = settings.get(key)
                if not name:
                    sheets[kind] = None
                    continue
                table = Table(name, MetaData(), autoload_with=conn, schema=settings.get("schema"))
                stmt = select(table)
                period_col = settings.get("period_column")
                if period_col and period_col in table.c:
                    stmt = stmt.where(table.c[period_col] == period)
                result = conn.execute(stmt.order_by(*table.c))
                columns = [c for c in result.keys() if c != period_col]
                rows = [[r._mapping[c] for c in columns] for r in result]
                digest.update(json.dumps([name, columns, rows], default=str, ensure_ascii=False).encode())
                sheet = read_sheet(name, _grid(columns, rows, kind), [], kind)
                if sheet is None or any(f not in sheet.columns for f in required):
                    raise ExtractError(
                        f"统计数据库表 {name} 的列名无法识别：应含统计项目编号、本年累计完成投资等列"
                    )
                sheets[kind] = sheet
    except ExtractError:
        raise
    except Exception as e:
        raise ExtractError(
            f"无法从统计数据库读取（{type(e).__name__}: {e}）：请检查工作区设置 statistics"
        ) from e
    finally:
        engine.dispose()
    projects = sheets[extracts.STATS_PROJECTS]
    if projects is None:
        raise ExtractError("工作区设置 statistics 缺少 projects_table（统计局项目表的表名）")
    safe = make_url(url).render_as_string(hide_password=True)
    return Extract(
        period=period,
        source=f"{safe} {settings.get('projects_table')} + {settings.get('totals_table') or '-'}",
        sha256=digest.hexdigest(),
        loaded_at=dt.datetime.now().replace(microsecond=0),
        projects=projects,
        totals=sheets[extracts.STATS_TOTALS],
    )


def load(ws: Workspace, period: str) -> Extract | None:
    """The period's extract: from the database when the workspace names one, else from files."""
    settings = ws.settings.get("statistics")
    if settings and settings.get("url"):
        return from_database(settings, period)
    return from_files(ws, period)
