"""The warehouse on SQLite and on a real PostgreSQL: migrations, keeping everything, in-force rules."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic import command
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from techreform import warehouse as wh
from tests.support.databases import database


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    with database(request.param, tmp_path) as url:
        eng = wh.connect(url)
        yield eng
        eng.dispose()


def _submission(n: int, **kw) -> wh.Submission:
    values = dict(
        unit_code="410302",
        file_name=f"410302_2026Q1_v{n}.xlsx",
        inbox_path=f"inbox/410302/410302_2026Q1_v{n}.xlsx",
        archive_path=f"archive/410302/{n}.xlsx",
        sha256=f"{n:064d}",
        size=100 + n,
        received_at=dt.datetime(2026, 4, 1, 10, n),
        period="2026Q1",
        report_period="2026Q1",
        status=wh.ACCEPTED,
    )
    values.update(kw)
    return wh.Submission(**values)


def test_migrations_create_the_schema_at_head(engine):
    tables = set(inspect(engine).get_table_names())
    assert {"submission", "finding", "project", "recognition", "alembic_version"} <= tables
    cfg = wh.alembic_config(engine)
    head = ScriptDirectory.from_config(cfg).get_current_head()
    with engine.connect() as c:
        assert MigrationContext.configure(c).get_current_revision() == head
    wh.upgrade(engine)  # upgrading again is a no-op
    project_cols = {c["name"] for c in inspect(engine).get_columns("project")}
    assert {"uscc", "project_code", "ytd_completed", "phone", "submission_id"} <= project_cols


def test_models_and_migrations_agree(engine):
    from alembic.autogenerate import compare_metadata

    with engine.connect() as c:
        assert compare_metadata(MigrationContext.configure(c), wh.Base.metadata) == []


def test_downgrade_and_upgrade_round_trip(engine):
    cfg = wh.alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    assert "submission" not in inspect(engine).get_table_names()
    wh.upgrade(engine)
    assert "submission" in inspect(engine).get_table_names()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_warehouse_with_returns_in_it_upgrades_and_keeps_them(kind, tmp_path):
    """Migrations that rebuild a table (SQLite's way to alter one) must not trip over the rows of
    other tables pointing at it."""
    with database(kind, tmp_path) as url:
        engine = wh.connect(url, migrate=False)
        try:
            wh.upgrade(engine, "0002")
            with Session(engine) as s:
                for n in (1, 2):
                    sub = _submission(n)
                    sub.findings.append(wh.Finding(rule_id="uscc_checksum", severity="error", message="错"))
                    sub.projects.append(wh.Project(unit_code="410302", period="2026Q1", row=2, seq=1))
                    s.add(sub)
                s.commit()
            wh.upgrade(engine)
            with Session(engine) as s:
                subs = s.scalars(select(wh.Submission).order_by(wh.Submission.id)).all()
                assert [(len(x.findings), len(x.projects)) for x in subs] == [(1, 1), (1, 1)]
                subs[0].projects[0].seq = 202603001001  # wider now
                s.commit()
            if kind == "sqlite":
                with engine.connect() as c:
                    assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1  # on again
        finally:
            engine.dispose()


def test_submission_keeps_findings_projects_and_recognitions(engine):
    with Session(engine) as s:
        sub = _submission(1)
        sub.findings.append(
            wh.Finding(
                sheet="项目表",
                row=5,
                field="uscc",
                rule_id="uscc_checksum",
                severity="warning",
                message="提示",
            )
        )
        sub.projects.append(
            wh.Project(
                unit_code="410302",
                period="2026Q1",
                row=4,
                uscc="9141030424BU4JR96F",
                project_code="2025-410304-34-03-107856",
                total_investment=1234.5,
                ytd_completed=10.0,
                phone="13800000000",
            )
        )
        sub.recognitions.append(
            wh.Recognition(
                unit_code="410302", period="2026Q1", row=2, category="智能工厂", level="省级", year=2026
            )
        )
        s.add(sub)
        s.commit()
    with Session(engine) as s:
        got = s.scalars(select(wh.Submission)).one()
        assert [f.rule_id for f in got.findings] == ["uscc_checksum"]
        assert got.projects[0].total_investment == pytest.approx(1234.5)
        assert got.projects[0].project_code == "2025-410304-34-03-107856"
        assert got.recognitions[0].category == "智能工厂"


def test_same_file_from_one_unit_is_stored_once(engine):
    """The same content, name and time is one file; sent again at another time, another submission."""
    same = dict(sha256=f"{1:064d}", file_name="410302_2026Q1_v1.xlsx")
    with Session(engine) as s:
        s.add(_submission(1))
        s.commit()
        s.add(_submission(2, **same, received_at=dt.datetime(2026, 4, 2, 9, 0)))
        s.commit()
        s.add(_submission(3, **same, received_at=dt.datetime(2026, 4, 1, 10, 1)))
        with pytest.raises(IntegrityError):
            s.commit()


def test_newest_accepted_return_is_in_force_and_older_ones_are_superseded(engine):
    with Session(engine) as s:
        s.add_all([_submission(1), _submission(2), _submission(3, status=wh.REJECTED)])
        s.commit()
        wh.settle_in_force(s, "410302", "2026Q1")
        s.commit()
        statuses = {sub.file_name: sub.status for sub in s.scalars(select(wh.Submission))}
        assert statuses == {
            "410302_2026Q1_v1.xlsx": wh.SUPERSEDED,
            "410302_2026Q1_v2.xlsx": wh.ACCEPTED,
            "410302_2026Q1_v3.xlsx": wh.REJECTED,
        }
        assert wh.in_force(s, "410302", "2026Q1").file_name == "410302_2026Q1_v2.xlsx"
        assert wh.in_force(s, "410302", "2026Q2") is None
        # nothing is ever deleted
        assert s.query(wh.Submission).count() == 3


def test_received_time_decides_not_insertion_order(engine):
    with Session(engine) as s:
        s.add(_submission(2, received_at=dt.datetime(2026, 4, 3)))
        s.add(_submission(1, received_at=dt.datetime(2026, 4, 2)))
        s.commit()
        wh.settle_in_force(s, "410302", "2026Q1")
        s.commit()
        assert wh.in_force(s, "410302", "2026Q1").received_at == dt.datetime(2026, 4, 3)
