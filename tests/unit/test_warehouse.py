"""The warehouse on SQLite and on a real PostgreSQL: migrations, keeping everything, in-force rules."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from alembic import command
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from techreform import cli
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
    # what a task checks at start, read without importing Alembic, says the same
    assert wh.head_revision() == head and wh.current_revision(engine) == head
    empty = wh.connect("sqlite://", migrate=False)
    assert wh.current_revision(empty) is None
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


# ------------------------------------------------------------------------------- exact amounts

AMOUNTS = ("total_investment", "equipment_investment", "annual_plan", "ytd_completed", "cumulative_completed")
PERCENTAGES = ("staff_reduction_pct", "energy_reduction_pct", "efficiency_gain_pct")


def test_amounts_written_as_floats_come_back_as_the_decimals_written(engine):
    written = {
        "total_investment": 123.45,
        "equipment_investment": 0.1 + 0.2,  # 0.30000000000000004 as a float
        "annual_plan": 1234.56785,  # a fifth decimal: rounded half up to the column's four
        "ytd_completed": 98765432.1,
        "cumulative_completed": 7,
        "staff_reduction_pct": 12.5,
        "energy_reduction_pct": 33.3333,
        "efficiency_gain_pct": float("nan"),  # pandas' empty cell
    }
    with Session(engine) as s:
        sub = _submission(1)
        sub.projects.append(wh.Project(unit_code="410302", period="2026Q1", row=2, **written))
        s.add(sub)
        s.commit()
    with Session(engine) as s:
        got = s.scalars(select(wh.Project)).one()
        values = {name: getattr(got, name) for name in written}
    assert values == {
        "total_investment": Decimal("123.45"),
        "equipment_investment": Decimal("0.3"),
        "annual_plan": Decimal("1234.5679"),
        "ytd_completed": Decimal("98765432.1"),
        "cumulative_completed": Decimal(7),
        "staff_reduction_pct": Decimal("12.5"),
        "energy_reduction_pct": Decimal("33.3333"),
        "efficiency_gain_pct": None,
    }
    assert all(isinstance(v, Decimal) for v in values.values() if v is not None)
    assert str(values["total_investment"].normalize()) == "123.45"
    # sums are exact: three times 0.1 is 0.3, not 0.30000000000000004
    with Session(engine) as s:
        for n in (2, 3, 4):
            sub = _submission(n)
            sub.projects.append(wh.Project(unit_code="410302", period="2026Q1", row=2, total_investment=0.1))
            s.add(sub)
        s.commit()
        total = s.scalars(select(wh.Project.total_investment).where(wh.Project.total_investment < 1)).all()
        assert sum(total) == Decimal("0.3")


def _insert_at_0003(engine) -> None:
    """A submission with a project, written as the 0003 schema stood (float columns)."""
    amounts = dict(zip(AMOUNTS, (123.45, 67.8, 1000.0, 0.3, 99999999.99), strict=True))
    pcts = dict(zip(PERCENTAGES, (12.5, 0.1, 150.0), strict=True))
    with engine.begin() as c:
        sub_id = c.execute(
            text(
                "INSERT INTO submission (unit_code, file_name, inbox_path, archive_path, sha256, size,"
                " received_at, period, report_period, status, errors, warnings, projects_count,"
                " recognitions_count) VALUES ('410302', 'a.xlsx', 'inbox/a.xlsx', 'archive/a.xlsx',"
                " :sha, 1, :at, '2026Q1', '2026Q1', 'accepted', 0, 0, 1, 0) RETURNING id"
            ),
            {"sha": "0" * 64, "at": dt.datetime(2026, 4, 1, 10)},
        ).scalar_one()
        cols = ", ".join((*AMOUNTS, *PERCENTAGES))
        params = ", ".join(f":{n}" for n in (*AMOUNTS, *PERCENTAGES))
        c.execute(
            text(
                f"INSERT INTO project (submission_id, unit_code, period, row, project_code, {cols})"
                f" VALUES (:sid, '410302', '2026Q1', 4, '2025-410304-34-03-107856', {params})"
            ),
            {"sid": sub_id, **amounts, **pcts},
        )
        c.execute(
            text(
                "INSERT INTO project (submission_id, unit_code, period, row, total_investment)"
                " VALUES (:sid, '410302', '2026Q1', 5, NULL)"
            ),
            {"sid": sub_id},
        )


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_0004_turns_amounts_into_decimals_and_keeps_the_rows_written_before(kind, tmp_path):
    with database(kind, tmp_path) as url:
        engine = wh.connect(url, migrate=False)
        try:
            wh.upgrade(engine, "0003")
            _insert_at_0003(engine)
            wh.upgrade(engine, "0004")
            types = {c["name"]: c["type"] for c in inspect(engine).get_columns("project")}
            assert {(types[n].precision, types[n].scale) for n in AMOUNTS} == {(18, 4)}
            assert {(types[n].precision, types[n].scale) for n in PERCENTAGES} == {(9, 4)}
            with Session(engine) as s:
                first, empty = s.scalars(select(wh.Project).order_by(wh.Project.row)).all()
                assert [getattr(first, n) for n in (*AMOUNTS, *PERCENTAGES)] == [
                    Decimal(v) for v in ("123.45", "67.8", "1000", "0.3", "99999999.99", "12.5", "0.1", "150")
                ]
                assert first.submission.file_name == "a.xlsx"
                assert empty.total_investment is None
            if kind == "sqlite":
                with engine.connect() as c:
                    assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            # and back: floats again, the same values
            cfg = wh.alembic_config(engine)
            with engine.begin() as conn:
                cfg.attributes["connection"] = conn
                command.downgrade(cfg, "0003")
            with engine.connect() as c:
                row = c.execute(
                    text("SELECT total_investment, ytd_completed FROM project WHERE row = 4")
                ).one()
            assert tuple(row) == (123.45, 0.3) and all(isinstance(v, float) for v in row)
        finally:
            engine.dispose()


# ------------------------------------------------------------------ migrations are a deployment step


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_tasks_open_the_warehouse_only_at_the_newest_migration(kind, tmp_path):
    with database(kind, tmp_path) as url:
        engine = wh.connect(url, migrate=False)
        try:
            with pytest.raises(wh.NotAtHead, match=r"尚未建立数据表：请先运行 techreform db upgrade /srv/ws"):
                wh.open_at_head(url, "/srv/ws")
            assert wh.current_revision(engine) is None  # checking created nothing
            wh.upgrade(engine, "0003")
            with pytest.raises(wh.NotAtHead, match=rf"结构版本为 0003，本程序需要 {wh.head_revision()}"):
                wh.open_at_head(url, "/srv/ws")
            wh.upgrade(engine)
            wh.open_at_head(url, "/srv/ws").dispose()
            with engine.begin() as c:  # a newer techreform on another machine upgraded it further
                c.execute(text("UPDATE alembic_version SET version_num = '9999'"))
            with pytest.raises(wh.NotAtHead, match="比本程序新"):
                wh.open_at_head(url, "/srv/ws")
        finally:
            engine.dispose()


def test_init_builds_the_warehouse_and_db_upgrade_brings_it_up_to_date(tmp_path, capsys):
    ws = tmp_path / "ws"
    assert cli.main(["init", str(ws), "--profile", "luoyang-2021"]) == 0
    assert f"已建立数据仓库（结构版本 {wh.head_revision()}）" in capsys.readouterr().out
    engine = wh.connect(f"sqlite:///{ws / 'warehouse.sqlite'}", migrate=False)
    try:
        assert wh.current_revision(engine) == wh.head_revision()
        cfg = wh.alembic_config(engine)
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0003")  # as an older techreform left it
        assert cli.main(["db", "upgrade", str(ws)]) == 0
        assert f"数据仓库已升级：结构版本 0003 → {wh.head_revision()}" in capsys.readouterr().out
        assert wh.current_revision(engine) == wh.head_revision()
        assert cli.main(["db", "upgrade", str(ws)]) == 0
        assert "数据仓库已是最新结构" in capsys.readouterr().out
    finally:
        engine.dispose()
    assert cli.main(["db", "upgrade", str(tmp_path / "nowhere")]) == 2
    assert "不是 techreform 工作区" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["db"])
    assert "缺少必填参数" in capsys.readouterr().err


def test_run_upgrades_the_workspaces_own_sqlite_but_not_a_shared_warehouse(tmp_path, capsys, monkeypatch):
    ws = tmp_path / "ws"
    cli.main(["init", str(ws), "--profile", "luoyang-2021"])
    engine = wh.connect(f"sqlite:///{ws / 'warehouse.sqlite'}", migrate=False)
    cfg = wh.alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0003")
    # the workspace's own file: upgraded on the spot, the quick start needs no extra step
    assert cli.main(["run", str(ws), "--period", "2026Q1", "--step", "intake", "--no-airflow"]) == 0
    assert wh.current_revision(engine) == wh.head_revision()
    engine.dispose()
    # a warehouse elsewhere (here PostgreSQL) is upgraded by the deployment, not by a run
    with database("postgresql", tmp_path) as url:
        monkeypatch.setenv("TECHREFORM_DATABASE_URL", url)
        capsys.readouterr()
        assert cli.main(["run", str(ws), "--period", "2026Q1", "--step", "intake", "--no-airflow"]) == 2
        assert f"请先运行 techreform db upgrade {ws.resolve()}" in capsys.readouterr().err
        assert cli.main(["db", "upgrade", str(ws)]) == 0
        assert cli.main(["run", str(ws), "--period", "2026Q1", "--step", "intake", "--no-airflow"]) == 0


def test_init_says_when_the_warehouse_cannot_be_built(tmp_path, capsys):
    ws = tmp_path / "ws"
    url = "postgresql://postgres@127.0.0.1:1/techreform"  # nothing listens there
    assert cli.main(["init", str(ws), "--profile", "luoyang-2021", "--database-url", url]) == 1
    err = capsys.readouterr().err
    assert "数据仓库无法升级" in err and f"techreform db upgrade {ws.resolve()}" in err
    assert (ws / "techreform.json").exists()  # the workspace is there; the warehouse follows later


def test_a_postgresql_warehouse_outlives_its_connections_ended_by_the_server(tmp_path):
    """A server restart ends every connection, also the ones idle in the pool: the next step takes
    a new one instead of failing on a dead one."""
    from sqlalchemy import create_engine

    from tests.support.databases import ADMIN_URL

    with database("postgresql", tmp_path) as url:
        eng = wh.connect(url)
        try:
            with eng.connect() as c:
                pid = c.execute(text("SELECT pg_backend_pid()")).scalar()
            admin = create_engine(ADMIN_URL)
            with admin.connect() as c:  # as `pg_ctl restart -m fast` does to every client
                assert c.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar()
            admin.dispose()
            with Session(eng) as s:
                assert s.scalar(select(wh.Submission.id).limit(1)) is None
                assert s.scalar(text("SELECT pg_backend_pid()")) != pid
        finally:
            eng.dispose()


def test_a_task_names_itself_to_the_postgresql_warehouse(tmp_path, monkeypatch):
    """pg_stat_activity shows which Airflow task holds a connection (AIRFLOW_CTX_*, set by Airflow)."""
    monkeypatch.setenv("AIRFLOW_CTX_DAG_ID", "techreform_reconcile")
    monkeypatch.setenv("AIRFLOW_CTX_TASK_ID", "reconcile")
    with database("postgresql", tmp_path) as url:
        eng = wh.connect(url, migrate=False)
        try:
            with eng.connect() as c:
                name = c.execute(
                    text("SELECT application_name FROM pg_stat_activity WHERE pid = pg_backend_pid()")
                )
                assert name.scalar() == "techreform techreform_reconcile.reconcile"
        finally:
            eng.dispose()
    monkeypatch.delenv("AIRFLOW_CTX_TASK_ID")
    assert wh.db.application_name() == "techreform"
