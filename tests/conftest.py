"""Shared fixtures and builders: county returns written as real Excel files, a tmp workspace.

``write_return`` writes a return workbook the way county offices really fill it (title rows,
header aliases, shuffled columns, blank rows, a 合计 row, amounts in 元, .xls, a ``_meta`` sheet)
and tells which Excel row each data row landed on, so tests can assert the row the county sees.
"""

from __future__ import annotations

import datetime as dt
import os
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlwt

from techreform.reference import profiles, schema
from techreform.reference.codes import uscc
from techreform.reference.periods import Period

PROFILE_ID = "luoyang-2021"
UNIT = "410304"  # 瀍河回族区
UNIT_NAME = "瀍河回族区"
OTHER_UNIT = "410305"  # 涧西区
OTHER_UNIT_NAME = "涧西区"
PERIOD = Period(2026, 1)
REFORM_TYPES = ("智能化改造", "绿色化改造", "技术改造")

# Valid GB 32100-2015 codes (check character verified by python-stdnum).
USCCS = ("9141030424BU4JR96F", "9141030427RRNU1R95", "9141030408TKG4YD12")
PROJECT_CODE = "2025-410304-34-03-107856"

PROJECT_HEADERS = {f.name: f.header for f in schema.PROJECT_FIELDS}
RECOGNITION_HEADERS = {f.name: f.header for f in schema.RECOGNITION_FIELDS}
AMOUNT_FIELDS = schema.AMOUNT_FIELDS
OLD_MTIME = 1_700_000_000.0  # 2023-11-14: old enough for every settle / grace period


def make_uscc(body17: str) -> str:
    """A valid credit code from its first 17 characters."""
    return body17 + uscc.calc_check_digit(body17)


def project_code(i: int = 0) -> str:
    return f"2025-410304-34-03-{107856 + i:06d}"


def base_row(i: int = 0, **overrides: Any) -> dict[str, Any]:
    """A valid 项目表 row (field name → cell as the county writes it); row i gets its own project code."""
    row: dict[str, Any] = {
        "seq": i + 1,
        "uscc": USCCS[i % len(USCCS)],
        "enterprise_name": f"洛阳测试机械有限公司{i}",
        "above_scale": "是",
        "industry_code": "34",
        "project_name": f"智能化生产线改造项目{i}",
        "project_code": project_code(i),
        "reform_type": REFORM_TYPES[i % len(REFORM_TYPES)],
        "construction_nature": "改建和技术改造",
        "status": "续建",
        "start_month": "2025-03",
        "planned_completion": "2026-12",
        "total_investment": 2593.4,
        "equipment_investment": 1200,
        "annual_plan": 1000,
        "ytd_completed": 300,
        "cumulative_completed": 1500,
        "in_statistics": "是",
        "smart_equipment_units": 12,
        "staff_reduction_pct": 10,
        "energy_reduction_pct": 5,
        "efficiency_gain_pct": 20,
        "contact": "张三",
        "phone": "13800000000",
        "note": None,
    }
    row.update(overrides)
    return row


def base_recognition(i: int = 0, **overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "uscc": USCCS[i % len(USCCS)],
        "enterprise_name": f"洛阳测试机械有限公司{i}",
        "category": "智能车间",
        "level": "省级",
        "year": 2026,
        "document_no": f"豫工信〔2026〕{12 + i}号",
    }
    row.update(overrides)
    return row


def rows(n: int = 3, **overrides: Any) -> list[dict[str, Any]]:
    return [base_row(i, **overrides) for i in range(n)]


def meta_for(unit: str = UNIT, period: Period | str = PERIOD, **extra: str) -> dict[str, str]:
    """The template's ``_meta`` key/value pairs."""
    unit_name = (profiles.load(PROFILE_ID).unit(unit) or profiles.Unit(unit, unit)).name
    return {
        "template_version": schema.TEMPLATE_VERSION,
        "profile": PROFILE_ID,
        "unit_code": unit,
        "unit_name": unit_name,
        "period": str(period),
        **extra,
    }


@dataclass
class ReturnFile:
    """What ``write_return`` wrote: the file and the Excel row of every data row."""

    path: Path
    rows: list[int]  # Excel row (1-based) of project row i
    header_row: int
    columns: dict[str, int]  # field → 1-based Excel column
    rec_rows: list[int] = field(default_factory=list)
    total_row: int | None = None


def _scaled(value: Any, factor: float) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        out = value * factor
        return round(out, 6) if isinstance(out, float) else out
    return value


def write_return(
    path: Path,
    project_rows: Sequence[dict[str, Any]] | None = None,
    *,
    fields: Iterable[str] | None = None,
    headers: dict[str, str] | None = None,
    shuffle: int | None = None,
    title_rows: Sequence[str] = (),
    merge_title: bool = False,
    start_col: int = 1,
    blank_rows_after: Iterable[int] = (),
    total_row: str | None = None,
    total_row_at: str = "end",
    numbering_row: bool = False,
    amount_unit: str = "万元",
    meta: dict[str, str] | None = None,
    recognitions: Sequence[dict[str, Any]] | None = None,
    rec_headers: dict[str, str] | None = None,
    sheet_name: str = schema.PROJECT_SHEET,
    date_format: str = "yyyy-mm",
) -> ReturnFile:
    """Write a return workbook (.xlsx by openpyxl, .xls by xlwt, chosen by the suffix).

    project_rows  row dicts (field → cell value; a missing key is an empty cell); default 3 base rows
    fields        the columns written, in order (default: every 项目表 field)
    headers       field → header text, to write aliases or odd spellings
    shuffle       seed: write the columns in a shuffled order
    title_rows    lines above the header (column A); merge_title merges the first across the table
    start_col     1-based column of the table's first column
    blank_rows_after  data indices after which an empty row is written (-1: right under the header)
    total_row     a label (合计/小计) for a totals row (amounts summed); total_row_at "end" or "top"
                  (right under the header, as many statistics forms have it)
    numbering_row a 甲/乙/1/2/3 line right under the header
    amount_unit   万元 | 元 | 亿元: header says so and numeric amount values are scaled to it
                  (text values are written as given)
    meta          a hidden ``_meta`` sheet with these key/value rows (see ``meta_for``)
    recognitions  rows of a 认定表 sheet
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    project_rows = rows() if project_rows is None else list(project_rows)
    names = list(fields) if fields is not None else [f.name for f in schema.PROJECT_FIELDS]
    if shuffle is not None:
        random.Random(shuffle).shuffle(names)
    head = {**PROJECT_HEADERS, **(headers or {})}
    factor = {"万元": 1.0, "元": 1e4, "亿元": 1e-4}[amount_unit]
    header_texts = []
    for n in names:
        text = head[n]
        if n in AMOUNT_FIELDS and amount_unit != "万元" and not (headers and n in headers):
            text = text.replace("（万元）", f"（{amount_unit}）")
        header_texts.append(text)

    grid: dict[int, dict[int, Any]] = {}  # 1-based row → {1-based col: value}
    r = 1
    for line in title_rows:
        grid[r] = {start_col: line}
        r += 1
    header_row = r
    grid[r] = {start_col + j: h for j, h in enumerate(header_texts)}
    columns = {n: start_col + j for j, n in enumerate(names)}
    r += 1
    if numbering_row:
        labels = ["甲", "乙", *range(1, len(names) - 1)]
        grid[r] = {start_col + j: labels[j] for j in range(len(names))}
        r += 1
    total_at = None

    def write_total() -> None:
        nonlocal r, total_at
        total_at = r
        grid[r] = {columns.get("seq", start_col): total_row}
        for n in AMOUNT_FIELDS:
            if n in columns:
                vals = [x.get(n) for x in project_rows if isinstance(x.get(n), int | float)]
                grid[r][columns[n]] = _scaled(sum(vals), factor)
        r += 1

    if total_row and total_row_at == "top":
        write_total()
    blanks = set(blank_rows_after)
    if -1 in blanks:
        r += 1
    data_rows: list[int] = []
    for i, row in enumerate(project_rows):
        grid[r] = {}
        for n, v in row.items():
            if n in columns and v is not None:
                grid[r][columns[n]] = _scaled(v, factor) if n in AMOUNT_FIELDS else v
        data_rows.append(r)
        r += 1
        if i in blanks:
            r += 1
    if total_row and total_row_at == "end":
        write_total()
    rec_grid: dict[int, dict[int, Any]] = {}
    rec_data_rows: list[int] = []
    if recognitions is not None:
        rhead = {**RECOGNITION_HEADERS, **(rec_headers or {})}
        rnames = [f.name for f in schema.RECOGNITION_FIELDS]
        rec_grid[1] = {j + 1: rhead[n] for j, n in enumerate(rnames)}
        for i, rec in enumerate(recognitions):
            rec_grid[i + 2] = {rnames.index(n) + 1: v for n, v in rec.items() if v is not None}
            rec_data_rows.append(i + 2)

    meta_grid = {}
    if meta is not None:
        meta_grid = {1: {1: "key", 2: "value"}}
        for i, (k, v) in enumerate(meta.items()):
            meta_grid[i + 2] = {1: k, 2: v}

    last_col = start_col + len(names) - 1
    save = _save_xls if path.suffix.lower() == ".xls" else _save_xlsx
    save(
        path,
        sheet_name,
        grid,
        rec_grid,
        meta_grid,
        merge_title and bool(title_rows),
        start_col,
        last_col,
        date_format,
    )
    return ReturnFile(path, data_rows, header_row, columns, rec_data_rows, total_at)


def _save_xlsx(path, sheet_name, grid, rec_grid, meta_grid, merge, start_col, last_col, date_format) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet_name
    for r, cells in grid.items():
        for c, v in cells.items():
            cell = ws.cell(r, c, v)
            if isinstance(v, dt.date | dt.datetime):
                cell.number_format = date_format
            elif isinstance(v, str):
                cell.data_type = "s"  # text as typed, even "=..." or "2025-03"
    if merge:
        ws.merge_cells(start_row=1, start_column=start_col, end_row=1, end_column=last_col)
    if rec_grid:
        rs = wb.create_sheet(schema.RECOGNITION_SHEET)
        for r, cells in rec_grid.items():
            for c, v in cells.items():
                rs.cell(r, c, v)
    if meta_grid:
        ms = wb.create_sheet(schema.METADATA_SHEET)
        for r, cells in meta_grid.items():
            for c, v in cells.items():
                ms.cell(r, c, str(v)).number_format = "@"
        ms.sheet_state = "hidden"
    wb.save(path)


def _save_xls(path, sheet_name, grid, rec_grid, meta_grid, merge, start_col, last_col, date_format) -> None:
    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet(sheet_name)
    date_style = xlwt.easyxf(num_format_str=date_format)
    for r, cells in grid.items():
        if merge and r == 1:
            ws.write_merge(0, 0, start_col - 1, last_col - 1, cells[start_col])
            continue
        for c, v in cells.items():
            if isinstance(v, dt.date | dt.datetime):
                ws.write(r - 1, c - 1, v, date_style)
            else:
                ws.write(r - 1, c - 1, v)
    if rec_grid:
        rs = book.add_sheet(schema.RECOGNITION_SHEET)
        for r, cells in rec_grid.items():
            for c, v in cells.items():
                rs.write(r - 1, c - 1, v)
    if meta_grid:
        ms = book.add_sheet(schema.METADATA_SHEET)
        for r, cells in meta_grid.items():
            for c, v in cells.items():
                ms.write(r - 1, c - 1, str(v))
        ms.visibility = 1  # hidden
    book.save(str(path))


def set_mtime(path: Path, mtime: float) -> Path:
    os.utime(path, (mtime, mtime))
    return path


# ------------------------------------------------------------------------------------ fixtures


@pytest.fixture(autouse=True)
def _no_deployment_settings(monkeypatch):
    """A deployment's settings in the environment must not reach a test's workspace or warehouse
    (docker-compose sets TECHREFORM_DATABASE_URL); tests that want one set it themselves."""
    monkeypatch.delenv("TECHREFORM_DATABASE_URL", raising=False)
    monkeypatch.delenv("TECHREFORM_WORKSPACE", raising=False)


@pytest.fixture(scope="session")
def profile() -> profiles.Profile:
    return profiles.load(PROFILE_ID)


@pytest.fixture(scope="session")
def validator(profile):
    """The real GX Validator, built once per test session (the GX import alone takes seconds)."""
    from techreform.rules import Validator

    return Validator(profile)


# ----------------------------------------------------------------------------- intake workspace


class IntakeWorkspace:
    """A tmp workspace with its SQLite warehouse, and helpers to drop files and run intake."""

    def __init__(self, root: Path, engine, validator) -> None:
        from techreform.workspace import Workspace

        self.ws = Workspace(root)
        self.engine = engine
        self.validator = validator
        self._clock = OLD_MTIME

    def next_mtime(self) -> float:
        """Modification times two minutes apart, in the order files are dropped."""
        self._clock += 120
        return self._clock

    def drop(
        self, name: str, project_rows=None, *, unit: str = UNIT, mtime: float | None = None, **kw: Any
    ) -> ReturnFile:
        """Write a return into ``inbox/<unit>/<name>`` with an old modification time."""
        rf = write_return(self.ws.inbox / unit / name, project_rows, **kw)
        set_mtime(rf.path, self.next_mtime() if mtime is None else mtime)
        return rf

    def drop_bytes(self, name: str, data: bytes, *, unit: str = UNIT, mtime: float | None = None) -> Path:
        path = self.ws.inbox / unit / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return set_mtime(path, self.next_mtime() if mtime is None else mtime)

    def run(self):
        from techreform import intake

        return intake.run_intake(self.ws, self.engine, settle_seconds=0, validator=self.validator)

    def submissions(self) -> list:
        """Every submission with its findings and projects loaded, oldest first."""
        from sqlalchemy import select
        from sqlalchemy.orm import Session, selectinload

        from techreform import warehouse as wh

        with Session(self.engine) as s:
            return list(
                s.scalars(
                    select(wh.Submission)
                    .options(
                        selectinload(wh.Submission.findings),
                        selectinload(wh.Submission.projects),
                        selectinload(wh.Submission.recognitions),
                    )
                    .order_by(wh.Submission.id)
                )
            )

    def submission(self, file_name: str):
        found = [s for s in self.submissions() if s.file_name == file_name]
        assert len(found) == 1, f"{file_name}: {len(found)} submissions"
        return found[0]


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory) -> Path:
    """An empty warehouse at the newest migration, copied for each test (Alembic runs once)."""
    from techreform import warehouse as wh

    path = tmp_path_factory.mktemp("warehouse") / "template.sqlite"
    wh.connect(f"sqlite:///{path}").dispose()
    return path


@pytest.fixture
def intake_ws(tmp_path, migrated_db, validator):
    """A fresh luoyang-2021 workspace on SQLite, with the session's GX validator."""
    import shutil

    from techreform import warehouse as wh
    from techreform.workspace import Workspace

    root = tmp_path / "ws"
    Workspace(root).create(PROFILE_ID)
    db = root / "warehouse.sqlite"
    shutil.copyfile(migrated_db, db)
    engine = wh.connect(f"sqlite:///{db}", migrate=False)
    yield IntakeWorkspace(root, engine, validator)
    engine.dispose()


@pytest.fixture(scope="session")
def empty_warehouse(migrated_db):
    """A warehouse with no earlier returns, for validating files outside intake."""
    from techreform import warehouse as wh

    engine = wh.connect(f"sqlite:///{migrated_db}", migrate=False)
    yield engine
    engine.dispose()


def validate(engine, validator, files: Sequence[tuple[Path, str, Period]]) -> list:
    """Parse files and run the row rules on them in one GX batch, as intake's process step does.

    files: (path, unit_code, period) each. Returns intake.Pending objects whose ``findings`` hold the
    parser's file-level findings followed by the rules' findings.
    """
    from sqlalchemy.orm import Session

    from techreform import warehouse as wh
    from techreform.intake.files import Pending
    from techreform.intake.history import earlier_returns
    from techreform.intake.validate import run_rules
    from techreform.returns import read_return

    pending = []
    for i, (path, unit, period) in enumerate(files, start=1):
        parsed = read_return(path)
        sub = wh.Submission(id=10_000 + i, unit_code=unit, file_name=Path(path).name)
        pending.append(Pending(sub, parsed=parsed, period=period, findings=list(parsed.findings)))
    with Session(engine) as session:
        run_rules(pending, validator, "row")
        run_rules(pending, validator, "history", earlier_returns(session, pending))
    return pending
