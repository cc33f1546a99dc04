"""``warehouse.bulk``: the SQLite fast path stores exactly what SQLAlchemy's own executemany stores
(exact decimals, booleans, NULLs, Chinese text), on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal

import pytest
from sqlalchemy import insert, select

from techreform import warehouse as wh
from techreform.warehouse.bulk import insert_dicts, insert_many
from tests.support.databases import database

SUB = {
    "id": 1,
    "unit_code": "410302",
    "inbox_path": "inbox/410302/a.xlsx",
    "file_name": "a.xlsx",
    "archive_path": "archive/410302/a.xlsx",
    "sha256": "0" * 64,
    "size": 1,
    "received_at": dt.datetime(2026, 4, 1, 10, 3),
    "report_period": "2026Q1",
    "status": wh.ACCEPTED,
}


def _rows() -> list[dict]:
    base = {"submission_id": 1, "unit_code": "410302", "period": "2026Q1"}
    return [
        {
            **base,
            "row": 5 + i,
            **{c: None for c in wh.PROJECT_COLUMNS},
            "enterprise_name": "洛阳市某某机械有限公司" if i % 2 else None,
            "total_investment": Decimal("1234.5678") + i,
            "ytd_completed": Decimal("0.01") if i % 3 else None,
            "staff_reduction_pct": Decimal("12.5"),
            "smart_equipment_units": i,
            "start_month": "2026-01",
        }
        for i in range(7)
    ]


def _stored(engine, model) -> list[tuple]:
    with engine.connect() as c:
        table = model.__table__
        return [tuple(r) for r in c.execute(select(table).order_by(table.c.id))]


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_the_fast_path_stores_what_sqlalchemy_stores(kind, tmp_path, migrated_db):
    with database(kind, tmp_path) as url:
        if kind == "sqlite":
            shutil.copyfile(migrated_db, tmp_path / "warehouse.sqlite")
            engine = wh.connect(url, migrate=False)
        else:
            engine = wh.connect(url)
        try:
            findings = [
                {
                    "submission_id": 1,
                    "sheet": "项目表",
                    "row": 5,
                    "field": "uscc",
                    "column": "统一社会信用代码",
                    "col_index": 3,
                    "value": None,
                    "rule_id": "uscc_invalid",
                    "severity": "error",
                    "message": "统一社会信用代码校验位错误",
                    "explained": bool(i % 2),
                }
                for i in range(3)
            ]
            with engine.begin() as c:
                c.execute(insert(wh.Submission), [SUB])
                c.execute(insert(wh.Project), _rows())
                c.execute(insert(wh.Finding), findings)
            theirs = (_stored(engine, wh.Project), _stored(engine, wh.Finding))
            with engine.begin() as c:
                c.execute(wh.Project.__table__.delete())
                c.execute(wh.Finding.__table__.delete())
                insert_dicts(c, wh.Project, [{**r, "id": n + 1} for n, r in enumerate(_rows())])
                insert_dicts(c, wh.Finding, [{**f, "id": n + 1} for n, f in enumerate(findings)])
            assert (_stored(engine, wh.Project), _stored(engine, wh.Finding)) == theirs
            amount = wh.Project.__table__.columns.keys().index("total_investment")
            assert isinstance(theirs[0][0][amount], Decimal)
        finally:
            engine.dispose()


def test_a_column_left_to_its_default_is_refused(tmp_path, migrated_db):
    shutil.copyfile(migrated_db, tmp_path / "w.sqlite")
    engine = wh.connect(f"sqlite:///{tmp_path / 'w.sqlite'}", migrate=False)
    try:
        with engine.begin() as c, pytest.raises(ValueError, match="explained"):
            columns = ("submission_id", "rule_id", "severity", "message")
            insert_many(c, wh.Finding, columns, [(1, "x", "error", "m")])
    finally:
        engine.dispose()
