"""The command line, and the product's own template filled in as a county would."""

from __future__ import annotations

import os

import openpyxl
import pytest
import yaml

from techreform import cli
from techreform import warehouse as wh
from techreform.reference import profiles, schema
from tests.conftest import UNIT, base_row, set_mtime


def test_init_creates_the_workspace_layout(tmp_path, capsys):
    ws = tmp_path / "ws"
    assert cli.main(["init", str(ws), "--profile", "xinxiang-2022"]) == 0
    for d in ("inbox/410702", "outbox/410783", "archive", "quarantine", "stats", "targets", "reports"):
        assert (ws / d).is_dir(), d
    assert "已创建工作区" in capsys.readouterr().out


def test_run_outside_a_workspace_says_so_in_chinese(tmp_path, capsys):
    assert cli.main(["run", str(tmp_path), "--period", "2026Q1", "--no-airflow"]) == 2
    assert "不是 techreform 工作区" in capsys.readouterr().err


@pytest.mark.slow  # over a second: outside the inner loop
def test_the_later_steps_on_an_empty_workspace_say_what_they_did(tmp_path, capsys):
    """No statistics yet: the reconciliation says so; the check still makes its workbook (the
    reporting figures: nobody reported); Q3 has no bulletin or assessment."""
    ws = tmp_path / "ws"
    cli.main(["init", str(ws), "--profile", "luoyang-2021"])
    for step in ("reconcile", "check", "assess"):
        assert cli.main(["run", str(ws), "--period", "2026Q3", "--step", step, "--no-airflow"]) == 0
    out = capsys.readouterr().out
    assert "尚无统计局数据" in out
    assert "季度检查：reports/2026Q3/indicators.csv、季度检查_2026Q3.xlsx" in out
    assert "通报与考核：本期无需生成" in out
    assert (ws / "reports" / "2026Q3" / "季度检查_2026Q3.xlsx").exists()


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--profile", "nosuch"], "未知的政策配置“nosuch”"),
        ([], "缺少必填参数：--profile"),
        (["--profile", "luoyang-2021", "--sample", "--quarters", "5"], "季度数应为 1 到 4"),
        (["--profile", "luoyang-2021", "--database-url", "nosuch://x"], "无法使用数据库地址"),
    ],
)
def test_init_usage_errors_are_told_in_chinese_and_create_nothing(tmp_path, capsys, args, said):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["init", str(tmp_path / "ws"), *args])
    assert exit_.value.code == 2
    assert said in capsys.readouterr().err
    assert not (tmp_path / "ws").exists()


def test_a_plain_postgresql_url_is_accepted():
    url = "postgresql://postgres@127.0.0.1:5432/postgres"
    assert cli.args._database_url(url) == url  # the driver SQLAlchemy picks for it is installed


def test_init_refuses_to_switch_a_workspace_to_another_profile(tmp_path, capsys):
    ws = tmp_path / "ws"
    assert cli.main(["init", str(ws), "--profile", "luoyang-2021"]) == 0
    assert cli.main(["init", str(ws), "--profile", "luoyang-2021"]) == 0  # re-init is harmless
    assert cli.main(["init", str(ws), "--profile", "xinxiang-2022"]) == 2
    assert "已使用政策配置 luoyang-2021" in capsys.readouterr().err
    assert not (ws / "inbox" / "410702").exists()


@pytest.mark.slow
def test_a_profile_file_of_the_users_own(tmp_path, capsys):
    """Policy is data: a city that is not shipped brings its profile as a YAML file."""
    from importlib import resources

    data = yaml.safe_load((resources.files(profiles) / "luoyang-2021.yaml").read_text(encoding="utf-8"))
    data["id"], data["name"] = "luoyang-dev", "洛阳市开发区技改"
    data["units"] = [*data["units"], {"code": "410371", "name": "洛阳高新技术产业开发区"}]
    path = tmp_path / "luoyang-dev.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    ws = tmp_path / "ws"
    assert cli.main(["init", str(ws), "--profile", str(path)]) == 0
    assert (ws / "inbox" / "410371").is_dir()
    assert cli.main(["template", str(ws), "--unit", "410371", "--period", "2026Q3"]) == 0


def test_template_for_an_unknown_unit_is_refused(tmp_path, capsys):
    cli.main(["init", str(tmp_path / "ws"), "--profile", "luoyang-2021"])
    assert cli.main(["template", str(tmp_path / "ws"), "--unit", "999999", "--period", "2026Q3"]) == 2
    assert "不是" in capsys.readouterr().err


@pytest.mark.slow
def test_filled_template_is_accepted_with_its_period_from_the_metadata(tmp_path, capsys):
    ws = tmp_path / "洛阳市工信局技改工作区"  # a Chinese path: %-escaped in the warehouse URL
    cli.main(["init", str(ws), "--profile", "luoyang-2021"])
    blank = ws / "blank.xlsx"
    assert cli.main(["template", str(ws), "--unit", UNIT, "--period", "2026Q1", "--out", str(blank)]) == 0

    # the county fills rows under the header and saves under a name with no period in it
    book = openpyxl.load_workbook(blank)
    sheet = book[schema.PROJECT_SHEET]
    header_row = next(r for r in range(1, 11) if sheet.cell(r, 2).value == "统一社会信用代码")
    for i in range(3):
        row = base_row(i)
        for c, f in enumerate(schema.PROJECT_FIELDS, start=1):
            sheet.cell(header_row + 1 + i, c, row.get(f.name))
    dropped = ws / "inbox" / UNIT / "瀍河回族区技改季报.xlsx"
    book.save(dropped)
    set_mtime(dropped, 1_780_000_000)

    # another step leaves the inbox alone: --step runs that step's DAG, not intake
    assert cli.main(["run", str(ws), "--period", "2026Q1", "--step", "check"]) == 0
    said = capsys.readouterr().out.strip().splitlines()[-1]
    assert said == "季度检查：reports/2026Q1/indicators.csv、季度检查_2026Q1.xlsx"
    assert not any(p.is_file() for p in (ws / "archive").rglob("*"))  # nothing was received

    assert cli.main(["run", str(ws), "--period", "2026Q1", "--step", "intake", "--no-airflow"]) == 0
    # nothing rejected, so nothing listed: the output is the tally alone
    assert capsys.readouterr().out.strip() == "完成：接收 1 个文件，受理 1，退回 0，回执 1 份。"
    engine = wh.connect(f"sqlite:///{ws / 'warehouse.sqlite'}")
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    with Session(engine) as s:
        sub = s.scalars(select(wh.Submission)).one()
        assert (sub.status, sub.period, sub.errors, sub.projects_count) == (wh.ACCEPTED, "2026Q1", 0, 3)
        assert [p.row for p in sub.projects] == [header_row + 1, header_row + 2, header_row + 3]
    engine.dispose()


def test_a_manual_run_keeps_to_the_workspaces_own_airflow_database(tmp_path, monkeypatch):
    """A host whose environment names the deployment's metadata database: never written to."""
    from techreform import airflow_run

    for key in (
        "AIRFLOW_HOME",
        "AIRFLOW__CORE__DAGS_FOLDER",
        "AIRFLOW__CORE__LOAD_EXAMPLES",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION",
        "AIRFLOW__LOGGING__LOGGING_LEVEL",
    ):
        monkeypatch.setenv(key, os.environ.get(key, ""))  # restored after the test
    monkeypatch.setenv("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "postgresql://airflow@production/airflow")
    airflow_run.configure(tmp_path / ".airflow")
    own = tmp_path / ".airflow" / "airflow.db"
    assert os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == f"sqlite:///{own}"


def test_the_program_exits_with_mains_status_its_heap_out_of_the_collectors_reach(monkeypatch):
    import gc

    monkeypatch.setattr(cli, "main", lambda: 3)
    try:
        with pytest.raises(SystemExit) as e:
            cli.program()
        assert e.value.code == 3
        assert gc.get_freeze_count() > 0  # exit skips the collector's passes over the run's objects
    finally:
        gc.unfreeze()


def test_the_command_says_everything_through_a_pipe_and_exits_with_its_status(tmp_path):
    import subprocess
    import sys

    ws = tmp_path / "ws"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "techreform.cli", *args], capture_output=True, text=True)

    made = run("init", str(ws), "--profile", "luoyang-2021")
    assert made.returncode == 0, made.stderr
    said = made.stdout.splitlines()  # every line, the last too, though nobody flushed the pipe
    assert said[0].startswith(f"已创建工作区 {ws}") and said[-1].startswith("已建立数据仓库"), said
    wrong = run("run", str(tmp_path / "nowhere"), "--period", "2026Q1")
    assert wrong.returncode == 2 and wrong.stderr.startswith("错误：")


def test_a_dags_run_has_the_heap_frozen_and_nothing_outlasts_it():
    import gc

    from techreform.airflow_run import heap_frozen

    assert gc.get_freeze_count() == 0
    with pytest.raises(RuntimeError), heap_frozen():
        assert gc.get_freeze_count() > 0
        raise RuntimeError("a failed run")
    assert gc.get_freeze_count() == 0
