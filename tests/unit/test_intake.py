"""Intake end to end on a tmp workspace with SQLite: file-level rules, cross-period rules, what is kept.

Every test drops real workbooks into ``inbox/<unit>/`` (with old modification times) and runs
``intake.run_intake(ws, engine, settle_seconds=0)`` with the session's GX validator.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib
import re
import shutil

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from techreform import warehouse as wh
from techreform.intake import files as files_module
from techreform.reference.periods import Period
from techreform.returns import period_of
from techreform.rules.findings import ERROR, WARNING
from tests.conftest import (
    OTHER_UNIT,
    OTHER_UNIT_NAME,
    PERIOD,
    UNIT,
    base_row,
    meta_for,
    project_code,
    rows,
)

NAME = f"{UNIT}_{PERIOD}_技改项目季报.xlsx"
Q2 = Period(2026, 2)


def kinds(sub) -> list[tuple]:
    return sorted((f.rule_id, f.severity, f.row, f.field) for f in sub.findings)


def tree(root) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def assert_rejected(intake_ws, sub, expected: list[tuple]) -> None:
    """Rejected with exactly these findings; kept in archive/ and copied to quarantine/; receipt written."""
    assert sub.status == wh.REJECTED
    assert kinds(sub) == expected
    assert sub.projects == []
    root = intake_ws.ws.root
    archived = root / sub.archive_path
    assert archived.read_bytes() == (root / sub.inbox_path).read_bytes()
    assert (intake_ws.ws.quarantine / sub.unit_code / archived.name).read_bytes() == archived.read_bytes()
    assert sub.receipt_path and (root / sub.receipt_path).is_file()
    assert (root / sub.receipt_path).parent == intake_ws.ws.outbox / sub.unit_code


# ------------------------------------------------------------------------------ accepted


@pytest.mark.slow  # over a second: outside the inner loop
def test_clean_return_is_accepted_kept_and_answered(intake_ws):
    rf = intake_ws.drop(NAME, rows(3), title_rows=["标题", "填报单位"], meta=meta_for())
    original = rf.path.read_bytes()
    result = intake_ws.run()
    (sub,) = intake_ws.submissions()
    assert result.received == result.decided == [sub.id]
    assert (sub.status, sub.period, sub.errors, sub.warnings, sub.findings) == (
        wh.ACCEPTED,
        "2026Q1",
        0,
        0,
        [],
    )
    assert sorted(p.row for p in sub.projects) == rf.rows == [4, 5, 6]
    assert {p.project_code for p in sub.projects} == {project_code(i) for i in range(3)}
    # the original, byte for byte, in archive/<unit>/; nothing in quarantine
    archived = intake_ws.ws.root / sub.archive_path
    assert archived.parent == intake_ws.ws.archive / UNIT and archived.name.endswith(NAME)
    assert archived.read_bytes() == original
    assert not any(intake_ws.ws.quarantine.rglob("*.xlsx"))
    # the receipt in outbox/<unit>/
    assert result.receipts == [intake_ws.ws.root / sub.receipt_path]
    assert result.receipts[0].parent == intake_ws.ws.outbox / UNIT
    assert result.receipts[0].name.startswith(f"回执_{UNIT}_{PERIOD}_技改项目季报_")
    with (intake_ws.ws.reports_for("2026Q1") / "submissions.csv").open(encoding="utf-8") as f:
        assert [(r["unit_code"], r["file"], r["status"]) for r in csv.DictReader(f)] == [
            (UNIT, NAME, "accepted")
        ]


@pytest.mark.slow
def test_period_from_metadata_when_the_name_has_none(intake_ws):
    intake_ws.drop("技改项目季报.xlsx", meta=meta_for(period="2026Q1"))
    intake_ws.run()
    (sub,) = intake_ws.submissions()
    assert (sub.status, sub.period) == (wh.ACCEPTED, "2026Q1")


@pytest.mark.parametrize(
    ("name", "period"),
    [
        ("410304_2026Q3_技改项目季报", "2026Q3"),
        ("瀍河回族区2026年第三季度技改项目", "2026Q3"),
        ("瀍河回族区2026年第3季度", "2026Q3"),
        ("2026-q1 报表", "2026Q1"),
        ("技改项目季报", None),
        ("技改项目2026年3月", None),
        ("技改项目季报20261005", None),
        ("瀍河回族区2026年1-9月技改项目", "2026Q3"),
        ("2026年三季报", "2026Q3"),
        ("2026年Q3技改", "2026Q3"),
        ("2026年度第三季度", "2026Q3"),
        ("2026年前三季度技改项目", "2026Q3"),
        ("2026年上半年技改项目", "2026Q2"),
        ("410304_26Q3_技改项目季报", "2026Q3"),
        ("瀍河回族区26年第三季度技改项目", "2026Q3"),
        ("技改26-q4", "2026Q4"),
        ("410326Q3", None),  # a unit code, not a year
        ("26年3月技改项目", None),
    ],
)
def test_period_written_in_the_file_name(name, period):
    in_name, in_meta = period_of(f"{name}.xlsx", {})
    assert (str(in_name) if in_name else None, in_meta) == (period, None)


@pytest.mark.slow
def test_missing_optional_column_is_a_warning(intake_ws):
    fields = [n for n in base_row() if n != "annual_plan"]
    intake_ws.drop(NAME, fields=fields)
    intake_ws.run()
    (sub,) = intake_ws.submissions()
    assert sub.status == wh.ACCEPTED
    assert kinds(sub) == [("missing_optional_column", WARNING, None, "annual_plan")]


def test_ignored_temporary_files(intake_ws):
    intake_ws.drop(f"~${NAME}")
    intake_ws.drop_bytes(f".~lock.{NAME}#", b"lock")
    intake_ws.drop(f"{NAME}.tmp")
    result = intake_ws.run()
    assert result.received == [] and intake_ws.submissions() == []


# ------------------------------------------------------------------------------ file-level rules


def test_no_period(intake_ws):
    intake_ws.drop("技改项目季报.xlsx")
    intake_ws.run()
    (sub,) = intake_ws.submissions()
    assert_rejected(intake_ws, sub, [("no_period", ERROR, None, None)])
    assert sub.period is None
    # listed under the quarter that had ended last when it came (November 2023 → 2023Q3)
    assert sub.report_period == "2023Q3"
    with (intake_ws.ws.reports_for("2023Q3") / "submissions.csv").open(encoding="utf-8") as f:
        assert [r["status"] for r in csv.DictReader(f)] == ["rejected"]


def test_period_conflict(intake_ws):
    intake_ws.drop(f"{UNIT}_2026Q2_技改项目季报.xlsx", meta=meta_for(period="2026Q1"))
    intake_ws.run()
    (sub,) = intake_ws.submissions()
    assert_rejected(intake_ws, sub, [("period_conflict", ERROR, None, None)])
    assert "2026年第二季度" in sub.findings[0].message and "2026年第一季度" in sub.findings[0].message


@pytest.mark.slow  # over a second: outside the inner loop
@pytest.mark.parametrize(
    "name", [f"{OTHER_UNIT}_2026Q1_技改项目季报.xlsx", f"{OTHER_UNIT_NAME}2026年第一季度技改项目季报.xlsx"]
)
def test_wrong_unit_named_in_the_file_name(intake_ws, name):
    intake_ws.drop(name)
    intake_ws.run()
    (sub,) = intake_ws.submissions()
    assert_rejected(intake_ws, sub, [("wrong_unit", ERROR, None, None)])
    assert OTHER_UNIT_NAME in sub.findings[0].message


@pytest.mark.slow  # over a second: outside the inner loop
def test_wrong_unit_named_in_the_metadata(intake_ws):
    intake_ws.drop("2026Q1_技改项目季报.xlsx", meta=meta_for(unit=OTHER_UNIT))
    intake_ws.run()
    (sub,) = intake_ws.submissions()
    assert_rejected(intake_ws, sub, [("wrong_unit", ERROR, None, None)])
    assert OTHER_UNIT_NAME in sub.findings[0].message and OTHER_UNIT in sub.findings[0].message


@pytest.mark.slow  # over a second: outside the inner loop
def test_a_file_in_the_wrong_folder_also_has_its_rows_checked_but_not_against_this_units_history(
    intake_ws,
):
    high = rows(3)
    for r in high:
        r["ytd_completed"], r["cumulative_completed"] = 900, 900
    intake_ws.drop(f"{UNIT}_2026Q1.xlsx", high)  # this unit's own Q1
    intake_ws.run()
    other = rows(3)  # another unit's Q2: lower 本年累计 than this unit's Q1, which is no error of its own
    other[2]["status"] = "在建"
    intake_ws.drop("2026Q2_技改项目季报.xlsx", other, meta=meta_for(unit=OTHER_UNIT, period="2026Q2"))
    intake_ws.run()
    sub = intake_ws.submission("2026Q2_技改项目季报.xlsx")
    assert_rejected(intake_ws, sub, [("bad_status", ERROR, 4, "status"), ("wrong_unit", ERROR, None, None)])


def test_own_unit_in_the_file_name_is_fine(intake_ws):
    intake_ws.drop("瀍河回族区2026年第一季度技改项目季报.xlsx", meta=meta_for())
    intake_ws.run()
    assert intake_ws.submissions()[0].status == wh.ACCEPTED


def test_unknown_unit_folder(intake_ws):
    intake_ws.drop("2026Q1_技改项目季报.xlsx", unit="999999")
    intake_ws.run()
    (sub,) = intake_ws.submissions()
    assert sub.unit_code == "999999"
    assert_rejected(intake_ws, sub, [("unknown_unit", ERROR, None, None)])


@pytest.mark.parametrize("suffix", [".pdf", ".txt"])
def test_file_type(intake_ws, suffix):
    intake_ws.drop_bytes(f"{UNIT}_2026Q1_技改项目季报{suffix}", b"%PDF-1.4 not a workbook\n" * 10)
    intake_ws.run()
    (sub,) = intake_ws.submissions()
    assert_rejected(intake_ws, sub, [("file_type", ERROR, None, None)])


def test_file_unreadable(intake_ws):
    intake_ws.drop_bytes(NAME, b"PK\x03\x04 this is no zip \x00\xff" * 50)
    intake_ws.run()
    (sub,) = intake_ws.submissions()
    assert_rejected(intake_ws, sub, [("file_unreadable", ERROR, None, None)])


def test_unreadable_file_still_being_written_waits(intake_ws):
    import time

    from tests.conftest import set_mtime

    path = intake_ws.drop_bytes(NAME, b"PK\x03\x04 half written")
    set_mtime(path, time.time() - 30)  # settled, but younger than the grace period
    assert intake_ws.run().received == []
    set_mtime(path, time.time() - 3600)
    intake_ws.run()
    sub = intake_ws.submission(NAME)
    # its period is in its name: the receipt says which, and that it came after the deadline
    assert sub.period == str(PERIOD)
    assert kinds(sub) == [("file_unreadable", ERROR, None, None), ("late_submission", WARNING, None, None)]


def test_missing_column(intake_ws):
    fields = [n for n in base_row() if n != "ytd_completed"]
    data = rows(3)
    data[1]["uscc"] = "bad"  # row rules do not run on a file that lacks an essential column
    intake_ws.drop(NAME, data, fields=fields)
    intake_ws.run()
    (sub,) = intake_ws.submissions()
    assert_rejected(intake_ws, sub, [("missing_column", ERROR, None, "ytd_completed")])
    assert "本年累计完成投资（万元）" in sub.findings[0].message


def test_no_project_sheet(intake_ws):
    import openpyxl

    path = intake_ws.ws.inbox / UNIT / NAME
    wb = openpyxl.Workbook()
    wb.active.title = "Sheet1"
    wb.active.append(["关于报送2026年第一季度技改项目的说明"])
    wb.active.append(["本季度无新增项目"])
    wb.save(path)
    from tests.conftest import OLD_MTIME, set_mtime

    set_mtime(path, OLD_MTIME)
    intake_ws.run()
    (sub,) = intake_ws.submissions()
    assert_rejected(intake_ws, sub, [("no_project_sheet", ERROR, None, None)])


@pytest.mark.slow  # over a second: outside the inner loop
def test_row_errors_reject_with_excel_rows(intake_ws):
    data = rows(3)
    data[2]["status"] = "在建"
    rf = intake_ws.drop(NAME, data, title_rows=["标题", "单位：万元"], numbering_row=True)
    intake_ws.run()
    sub = intake_ws.submission(NAME)
    assert_rejected(intake_ws, sub, [("bad_status", ERROR, rf.rows[2], "status")])
    assert rf.rows[2] == 7
    with (intake_ws.ws.reports_for("2026Q1") / "findings.csv").open(encoding="utf-8") as f:
        found = [(r["sheet"], r["row"], r["field"], r["rule_id"], r["severity"]) for r in csv.DictReader(f)]
    assert found == [("项目表", "7", "status", "bad_status", "error")]


# ------------------------------------------------------------------------------ across periods


@pytest.mark.slow
def test_ytd_decreased_against_previous_quarter(intake_ws):
    intake_ws.drop(f"{UNIT}_2026Q1.xlsx", rows(3, ytd_completed=300))
    intake_ws.run()
    q2 = rows(3, ytd_completed=450)
    q2[1]["ytd_completed"] = 299  # below Q1's 300
    rf = intake_ws.drop(f"{UNIT}_2026Q2.xlsx", q2, title_rows=["标题"])
    intake_ws.run()
    q1_sub, q2_sub = intake_ws.submission(f"{UNIT}_2026Q1.xlsx"), intake_ws.submission(f"{UNIT}_2026Q2.xlsx")
    assert_rejected(intake_ws, q2_sub, [("ytd_decreased", ERROR, rf.rows[1], "ytd_completed")])
    assert q1_sub.status == wh.ACCEPTED  # still in force
    with Session(intake_ws.engine) as s:
        assert wh.in_force(s, UNIT, "2026Q2") is None


@pytest.mark.slow
def test_ytd_rule_with_both_quarters_in_one_run(intake_ws):
    intake_ws.drop(f"{UNIT}_2026Q1.xlsx", rows(3, ytd_completed=300))
    q2 = rows(3, ytd_completed=450)
    q2[2]["ytd_completed"] = 100
    rf = intake_ws.drop(f"{UNIT}_2026Q2.xlsx", q2)
    intake_ws.run()  # the earlier file of the unit is decided first
    assert intake_ws.submission(f"{UNIT}_2026Q1.xlsx").status == wh.ACCEPTED
    assert kinds(intake_ws.submission(f"{UNIT}_2026Q2.xlsx")) == [
        ("ytd_decreased", ERROR, rf.rows[2], "ytd_completed")
    ]


@pytest.mark.slow
def test_ytd_compared_with_the_return_in_force(intake_ws):
    intake_ws.drop(f"{UNIT}_2026Q1_v1.xlsx", rows(3, ytd_completed=500))
    intake_ws.drop(f"{UNIT}_2026Q1_v2.xlsx", rows(3, ytd_completed=300))  # corrects v1
    intake_ws.run()
    intake_ws.drop(f"{UNIT}_2026Q2.xlsx", rows(3, ytd_completed=400))
    intake_ws.run()
    assert intake_ws.submission(f"{UNIT}_2026Q2.xlsx").status == wh.ACCEPTED
    assert intake_ws.submission(f"{UNIT}_2026Q1_v1.xlsx").status == wh.SUPERSEDED


@pytest.mark.slow
def test_ytd_starts_again_in_a_new_year(intake_ws):
    intake_ws.drop(f"{UNIT}_2025Q4.xlsx", rows(3, ytd_completed=900, cumulative_completed=1500))
    intake_ws.drop(f"{UNIT}_2026Q1.xlsx", rows(3, ytd_completed=100))
    intake_ws.run()
    assert [s.status for s in intake_ws.submissions()] == [wh.ACCEPTED, wh.ACCEPTED]
    assert intake_ws.submission(f"{UNIT}_2026Q1.xlsx").findings == []


@pytest.mark.slow
def test_project_vanished_is_a_warning(intake_ws):
    q1 = rows(4)
    q1[2]["status"] = "竣工"  # completed: may leave the list
    q1[3]["status"] = "投产"
    intake_ws.drop(f"{UNIT}_2026Q1.xlsx", q1)
    intake_ws.run()
    intake_ws.drop(f"{UNIT}_2026Q2.xlsx", [base_row(0, ytd_completed=400)])
    intake_ws.run()
    sub = intake_ws.submission(f"{UNIT}_2026Q2.xlsx")
    assert (sub.status, sub.errors, sub.warnings) == (wh.ACCEPTED, 0, 1)
    (f,) = sub.findings
    assert (f.rule_id, f.severity, f.row, f.sheet, f.field, f.value) == (
        "project_vanished",
        WARNING,
        None,
        "项目表",
        "project_code",
        project_code(1),
    )
    assert "2026Q1" in f.message and base_row(1)["project_name"] in f.message


@pytest.mark.slow
def test_project_vanished_across_the_new_year(intake_ws):
    intake_ws.drop(f"{UNIT}_2025Q4.xlsx", rows(2))
    intake_ws.drop(f"{UNIT}_2026Q1.xlsx", rows(1))
    intake_ws.run()
    assert kinds(intake_ws.submission(f"{UNIT}_2026Q1.xlsx")) == [
        ("project_vanished", WARNING, None, "project_code")
    ]


@pytest.mark.slow
def test_project_code_filled_in_later_is_the_same_project(intake_ws):
    small = dict(total_investment=400, equipment_investment=100, annual_plan=100, cumulative_completed=300)
    q1 = rows(2)
    q1[1].update(small, project_code=None, ytd_completed=300)
    intake_ws.drop(f"{UNIT}_2026Q1.xlsx", q1)
    intake_ws.run()
    q2 = rows(2, ytd_completed=400)
    q2[1].update(small, ytd_completed=100)  # the code is known now; 本年累计 fell from 300 to 100
    rf = intake_ws.drop(f"{UNIT}_2026Q2.xlsx", q2)
    intake_ws.run()
    assert kinds(intake_ws.submission(f"{UNIT}_2026Q2.xlsx")) == [
        ("ytd_decreased", ERROR, rf.rows[1], "ytd_completed")
    ]


# ------------------------------------------------------------------------------ versions


@pytest.mark.slow
def test_newer_accepted_return_supersedes(intake_ws):
    intake_ws.drop(f"{UNIT}_2026Q1_v1.xlsx", rows(3))
    intake_ws.run()
    intake_ws.drop(f"{UNIT}_2026Q1_v2.xlsx", rows(4))
    intake_ws.run()
    v1, v2 = intake_ws.submissions()
    assert (v1.status, v2.status) == (wh.SUPERSEDED, wh.ACCEPTED)
    assert (len(v1.projects), len(v2.projects)) == (3, 4)  # nothing is deleted
    with Session(intake_ws.engine) as s:
        assert wh.in_force(s, UNIT, "2026Q1").id == v2.id
    for sub in (v1, v2):
        assert (intake_ws.ws.root / sub.archive_path).is_file()
        assert (intake_ws.ws.root / sub.receipt_path).is_file()
    with (intake_ws.ws.reports_for("2026Q1") / "submissions.csv").open(encoding="utf-8") as f:
        assert [r["status"] for r in csv.DictReader(f)] == ["superseded", "accepted"]


@pytest.mark.slow
def test_receipts_of_two_versions_in_one_run_say_which_is_in_force(intake_ws):
    import openpyxl

    from techreform.workbooks.receipt import NEXT_STEP_CLEAN, NEXT_STEP_SUPERSEDED, RECEIPT_SHEET

    intake_ws.drop(f"{UNIT}_2026Q1_v1.xlsx", rows(3))
    intake_ws.drop(f"{UNIT}_2026Q1_v2.xlsx", rows(4))
    intake_ws.run()
    steps = []
    for sub in intake_ws.submissions():
        sheet = openpyxl.load_workbook(intake_ws.ws.root / sub.receipt_path)[RECEIPT_SHEET]
        steps.append(next(r[2] for r in sheet.iter_rows(values_only=True) if r[0] == "下一步"))
    assert steps == [NEXT_STEP_SUPERSEDED, NEXT_STEP_CLEAN]


@pytest.mark.slow
def test_rejected_newer_return_leaves_the_older_in_force(intake_ws):
    intake_ws.drop(f"{UNIT}_2026Q1_v1.xlsx", rows(3))
    intake_ws.run()
    bad = rows(4)
    bad[3]["uscc"] = "9141030424BU4JR96A"
    intake_ws.drop(f"{UNIT}_2026Q1_v2.xlsx", bad)
    intake_ws.run()
    v1, v2 = intake_ws.submissions()
    assert (v1.status, v2.status) == (wh.ACCEPTED, wh.REJECTED)
    with Session(intake_ws.engine) as s:
        assert wh.in_force(s, UNIT, "2026Q1").id == v1.id
    assert [p.name for p in (intake_ws.ws.quarantine / UNIT).iterdir()] == [
        (intake_ws.ws.root / v2.archive_path).name
    ]


@pytest.mark.slow
def test_same_file_name_overwritten_is_a_new_version(intake_ws):
    intake_ws.drop(NAME, rows(2))
    intake_ws.run()
    intake_ws.drop(NAME, rows(3))  # the county fixed the file in place
    intake_ws.run()
    v1, v2 = intake_ws.submissions()
    assert (v1.status, v2.status) == (wh.SUPERSEDED, wh.ACCEPTED)
    assert v1.archive_path != v2.archive_path and v1.receipt_path != v2.receipt_path


@pytest.mark.slow  # over a second: outside the inner loop
def test_same_file_dropped_again_is_not_a_new_submission(intake_ws):
    rf = intake_ws.drop(NAME, rows(3))
    intake_ws.run()
    receipts = sorted((intake_ws.ws.outbox / UNIT).iterdir())
    again = intake_ws.drop_bytes(f"再次报送/{NAME}", rf.path.read_bytes())
    result = intake_ws.run()
    assert result.received == [] and result.receipts == []
    assert len(intake_ws.submissions()) == 1
    assert sorted((intake_ws.ws.outbox / UNIT).iterdir()) == receipts
    assert again.exists()  # left where it is


@pytest.mark.slow  # over a second: outside the inner loop
def test_same_file_twice_in_one_drop_is_one_submission(intake_ws):
    """Two copies in subfolders of the unit's folder, taken in the same run: one answer."""
    rf = intake_ws.drop(f"第一次/{NAME}", rows(3))
    intake_ws.drop_bytes(f"副本/{NAME}", rf.path.read_bytes())
    result = intake_ws.run()
    assert len(result.received) == 1 and len(result.receipts) == 1
    (sub,) = intake_ws.submissions()
    assert sub.status == wh.ACCEPTED


@pytest.mark.slow
def test_same_content_under_another_name_is_judged_again(intake_ws):
    """The name carries the period: a county that renames a rejected file gets a new answer."""
    rf = intake_ws.drop("技改项目季报.xlsx", rows(3))
    intake_ws.run()
    intake_ws.drop_bytes(NAME, rf.path.read_bytes())
    intake_ws.run()
    first, renamed = intake_ws.submissions()
    assert first.status == wh.REJECTED and renamed.status == wh.ACCEPTED


@pytest.mark.slow
def test_same_content_in_another_units_folder_is_judged_there(intake_ws):
    rf = intake_ws.drop(NAME, rows(3))
    intake_ws.drop_bytes(f"{OTHER_UNIT}_2026Q1.xlsx", rf.path.read_bytes(), unit=OTHER_UNIT)
    intake_ws.run()
    mine, other = intake_ws.submissions()
    assert mine.status == wh.ACCEPTED
    assert other.unit_code == OTHER_UNIT and other.status == wh.ACCEPTED


# ------------------------------------------------------------------------------ rerun


def _snapshot(intake_ws) -> dict:
    with intake_ws.engine.connect() as c:
        tables = {
            t: c.execute(text(f"SELECT * FROM {t} ORDER BY id")).all()
            for t in ("submission", "finding", "project", "recognition")
        }
    files = {
        k: v
        for k, v in tree(intake_ws.ws.root).items()
        if not k.startswith("warehouse.sqlite") and k != ".intake.lock"
    }
    return {"tables": tables, "files": files}


@pytest.mark.slow
def test_rerun_changes_nothing(intake_ws):
    intake_ws.drop(f"{UNIT}_2026Q1_v1.xlsx", rows(3))
    bad = rows(3)
    bad[0]["status"] = "在建"
    intake_ws.drop(f"{UNIT}_2026Q1_v2.xlsx", bad)
    intake_ws.drop("技改项目季报.xlsx", unit=OTHER_UNIT)
    intake_ws.drop_bytes(f"{UNIT}_2026Q1.pdf", b"%PDF")
    first = intake_ws.run()
    assert len(first.received) == len(first.decided) == len(first.receipts) == 4
    before = _snapshot(intake_ws)
    assert len(before["tables"]["submission"]) == 4 and len(before["tables"]["project"]) == 3
    second = intake_ws.run()
    assert (second.received, second.decided, second.receipts) == ([], [], [])
    assert _snapshot(intake_ws) == before


@pytest.mark.slow
def test_rerun_after_a_new_file_only_takes_the_new_file(intake_ws):
    intake_ws.drop(f"{UNIT}_2026Q1_v1.xlsx", rows(3))
    intake_ws.run()
    receipts = set((intake_ws.ws.outbox / UNIT).iterdir())
    intake_ws.drop(f"{UNIT}_2026Q1_v2.xlsx", rows(2))
    result = intake_ws.run()
    assert len(result.received) == 1 and len(result.receipts) == 1
    assert set((intake_ws.ws.outbox / UNIT).iterdir()) == receipts | {result.receipts[0]}


@pytest.mark.slow
def test_receipts_go_to_each_units_outbox(intake_ws):
    intake_ws.drop(NAME, rows(3))
    intake_ws.drop(f"{OTHER_UNIT}_2026Q1.xlsx", rows(3), unit=OTHER_UNIT)
    intake_ws.run()
    for sub in intake_ws.submissions():
        receipt = intake_ws.ws.root / sub.receipt_path
        assert receipt.parent == intake_ws.ws.outbox / sub.unit_code
        assert receipt.name.startswith(f"回执_{sub.unit_code}_2026Q1")
        assert receipt.stat().st_size > 0


@pytest.mark.slow
def test_archive_is_byte_identical_for_every_kind_of_file(intake_ws):
    originals = {
        NAME: intake_ws.drop(NAME, rows(3)).path.read_bytes(),
        "技改.xls": intake_ws.drop("技改.xls", rows(2)).path.read_bytes(),
        f"{UNIT}_2026Q1.txt": intake_ws.drop_bytes(f"{UNIT}_2026Q1.txt", "说明".encode()).read_bytes(),
    }
    intake_ws.run()
    subs = intake_ws.submissions()
    assert {s.file_name: (intake_ws.ws.root / s.archive_path).read_bytes() for s in subs} == originals
    with Session(intake_ws.engine) as s:
        assert s.scalar(select(wh.Submission.sha256).where(wh.Submission.file_name == NAME))
    shutil.rmtree(intake_ws.ws.inbox / UNIT)  # the archive does not depend on the inbox
    assert all((intake_ws.ws.root / s.archive_path).is_file() for s in subs)


def test_a_file_being_written_waits_and_a_copied_future_file_does_not(intake_ws):
    import time

    from techreform import intake

    fresh = intake_ws.drop(NAME, rows(3), mtime=time.time())
    future = intake_ws.drop(f"{UNIT}_2026Q2_技改项目季报.xlsx", rows(3), mtime=time.time() + 3600)
    received = intake.receive(intake_ws.ws, intake_ws.engine, settle_seconds=5)
    names = [s.file_name for s in intake_ws.submissions() if s.id in received]
    assert names == [future.path.name]
    assert fresh.path.exists()


@pytest.mark.slow
def test_a_late_return_is_accepted_with_a_file_level_warning(intake_ws):

    late = dt.datetime(2026, 4, 20, 10, 0).timestamp()  # 2026Q1 is due on 2026-04-08 (Qingming observed)
    intake_ws.drop(NAME, rows(3), mtime=late)
    intake_ws.run()
    (sub,) = intake_ws.submissions()
    assert (sub.status, sub.on_time, sub.deadline) == (wh.ACCEPTED, False, dt.date(2026, 4, 8))
    (f,) = [f for f in sub.findings if f.rule_id == "late_submission"]
    assert (f.severity, f.row) == (WARNING, None) and "2026-04-08" in f.message
    assert "计入按时报送率考核" in f.message and "逾期" in sub.summary


@pytest.mark.slow
def test_the_summary_names_the_first_problem_of_the_table_once(intake_ws):
    bad = rows(3)
    bad[2]["status"] = "在建"  # row 4, column J
    bad[1]["equipment_investment"] = 9000  # row 3, column N: the receipt's first row
    bad[1]["status"] = "已竣工"  # row 3, column J: left of it, so first
    intake_ws.drop(NAME, bad)
    intake_ws.run()
    (sub,) = intake_ws.submissions()
    assert sub.summary.startswith("报表被退回：发现3处错误（首处：第3行，“项目状态”“已竣工”不在规定范围内")
    assert sub.summary.count("“项目状态”") == 1


@pytest.mark.slow
def test_a_late_rejected_return_is_told_to_hurry_not_that_it_counts(intake_ws):
    late = dt.datetime(2026, 4, 20, 10, 0).timestamp()
    intake_ws.drop(NAME, rows(3, status="在建"), mtime=late)
    intake_ws.run()
    (sub,) = intake_ws.submissions()
    (f,) = [f for f in sub.findings if f.rule_id == "late_submission"]
    assert sub.status == wh.REJECTED and "计入" not in f.message and "尽快修改后重新报送" in f.message


@pytest.mark.slow
def test_a_late_correction_of_an_accepted_return_is_not_told_it_counts_as_late(intake_ws):

    on_time = dt.datetime(2026, 4, 7, 10, 0).timestamp()
    late = dt.datetime(2026, 4, 9, 10, 0).timestamp()
    intake_ws.drop(f"{UNIT}_2026Q1_v1.xlsx", rows(3), mtime=on_time)
    bad = rows(3)
    bad[0]["status"] = "在建"
    intake_ws.drop(f"{OTHER_UNIT}_2026Q1_v1.xlsx", bad, unit=OTHER_UNIT, mtime=on_time)
    intake_ws.run()
    intake_ws.drop(f"{UNIT}_2026Q1_v2.xlsx", rows(2), mtime=late)
    intake_ws.drop(f"{OTHER_UNIT}_2026Q1_v2.xlsx", rows(2), unit=OTHER_UNIT, mtime=late)
    intake_ws.run()
    # the first unit's timeliness was settled by v1; the other unit's first accepted return is late
    correction = intake_ws.submission(f"{UNIT}_2026Q1_v2.xlsx")
    assert (correction.status, correction.on_time) == (wh.ACCEPTED, False)
    assert "late_submission" not in {f.rule_id for f in correction.findings}
    first_accepted = intake_ws.submission(f"{OTHER_UNIT}_2026Q1_v2.xlsx")
    assert "late_submission" in {f.rule_id for f in first_accepted.findings}


@pytest.mark.slow
def test_warnings_explained_in_the_note_are_not_asked_about_again(intake_ws):
    over = rows(2)
    for r in over:
        r["cumulative_completed"] = r["total_investment"] + 100  # above total: a warning
    over[0]["note"] = "追加投资，已报发改委备案"
    intake_ws.drop(NAME, over)
    intake_ws.run()
    sub = intake_ws.submission(NAME)
    warned = sorted((f.row, f.explained) for f in sub.findings if f.rule_id == "cumulative_over_total")
    assert sub.status == wh.ACCEPTED and warned == [(2, True), (3, False)]
    assert "有1条提示请核实并在备注中说明（另有1条已说明）" in sub.summary
    over[1]["note"] = "设备涨价，已核实"
    intake_ws.drop(f"{UNIT}_2026Q1_v2.xlsx", over)
    intake_ws.run()
    assert "2条提示均已在备注中说明" in intake_ws.submission(f"{UNIT}_2026Q1_v2.xlsx").summary


# ------------------------------------------------------------------------------ crash and rerun


class Crash(BaseException):
    """Stands for the process dying (power cut, killed worker) at a chosen point: like SystemExit,
    nothing that handles the product's own errors catches it."""


def _crash_on_call(n: int, real):
    calls = {"n": 0}

    def wrapper(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == n:
            raise Crash(f"crash on call {n}")
        return real(*args, **kwargs)

    return wrapper


def _drop_a_quarter(iws) -> None:
    """Accepted, rejected, superseding and another unit's returns, in one intake."""
    iws.drop(f"{UNIT}_2026Q1_v1.xlsx", rows(3))
    bad = rows(3)
    bad[1]["status"] = "在建"
    iws.drop(f"{UNIT}_2026Q1_v2.xlsx", bad)
    iws.drop(f"{OTHER_UNIT}_2026Q1.xlsx", rows(2), unit=OTHER_UNIT)
    iws.drop(f"{UNIT}_2026Q1_v3.xlsx", rows(4))


def _outcome(iws) -> dict:
    """What a user sees, without ids and processing times (they may differ after a crash) and
    without the content hash in archive names (the two workspaces' files were written apart)."""

    def unhashed(path: str | None) -> str | None:
        return re.sub(r"_[0-9a-f]{8}_", "_<sha>_", path) if path else path

    subs = {
        s.file_name: (
            s.unit_code,
            s.status,
            s.errors,
            s.warnings,
            unhashed(s.archive_path),
            s.receipt_path,
            sorted((f.sheet, f.row, f.field, f.rule_id, f.message) for f in s.findings),
            sorted((p.row, p.project_code, p.ytd_completed) for p in s.projects),
        )
        for s in iws.submissions()
    }
    root = iws.ws.root
    files = sorted(
        unhashed(str(p.relative_to(root)))
        for p in root.rglob("*")
        if p.is_file() and not p.name.startswith((".intake.lock", "warehouse.sqlite"))
    )
    csvs = {str(p.relative_to(root)): p.read_text(encoding="utf-8") for p in root.rglob("reports/*/*.csv")}
    return {"submissions": subs, "files": files, "csvs": csvs}


@pytest.fixture
def clean_outcome(tmp_path, migrated_db, validator):
    """The same drop taken by one uninterrupted intake, in a workspace of its own."""
    from techreform.workspace import Workspace
    from tests.conftest import IntakeWorkspace

    root = tmp_path / "clean"
    Workspace(root).create("luoyang-2021")
    shutil.copyfile(migrated_db, root / "warehouse.sqlite")
    engine = wh.connect(f"sqlite:///{root / 'warehouse.sqlite'}", migrate=False)
    iws = IntakeWorkspace(root, engine, validator)
    _drop_a_quarter(iws)
    iws.run()
    yield _outcome(iws)
    engine.dispose()


@pytest.mark.slow
@pytest.mark.parametrize(
    "target, attribute, call",
    [
        # receive: while archiving the third file, before anything was registered
        ("techreform.intake.inbox", "keep_copy", 3),
        # process: inside the second accepted return's decision, after its rows were inserted
        ("techreform.warehouse", "settle_in_force", 2),
        # publish: after two receipts were written
        ("techreform.intake.answer", "write_receipt", 3),
    ],
    ids=["receive", "process", "publish"],
)
def test_a_crash_in_any_step_then_a_rerun_gives_the_uninterrupted_result(
    intake_ws, clean_outcome, monkeypatch, target, attribute, call
):

    _drop_a_quarter(intake_ws)
    owner = importlib.import_module(target)
    monkeypatch.setattr(owner, attribute, _crash_on_call(call, getattr(owner, attribute)))
    with pytest.raises(Crash):
        intake_ws.run()
    after_crash = intake_ws.submissions()
    if attribute == "keep_copy":  # nothing registered, though copies already sit in archive/
        assert after_crash == [] and len(list(intake_ws.ws.archive.rglob("*.xlsx"))) == 2
    if attribute == "settle_in_force":  # the first decision stands; the interrupted one left no rows behind
        assert [s.status for s in after_crash] == [wh.ACCEPTED] + [wh.RECEIVED] * 3
        assert all(s.projects == [] and s.findings == [] for s in after_crash[1:])
    if attribute == "write_receipt":  # every decision made, two receipts out, the rest still to write
        assert all(s.status != wh.RECEIVED for s in after_crash)
        assert len(list(intake_ws.ws.outbox.rglob("*.xlsx"))) == 2
    monkeypatch.undo()
    intake_ws.run()
    statuses = sorted(sub[1] for sub in clean_outcome["submissions"].values())
    assert statuses == [wh.ACCEPTED, wh.ACCEPTED, wh.REJECTED, wh.SUPERSEDED]
    assert _outcome(intake_ws) == clean_outcome
    assert intake_ws.run().received == []


# ------------------------------------------------------------------------------ the product's own faults


def test_a_file_the_reader_fails_on_is_rejected_and_the_others_go_on(intake_ws, monkeypatch, caplog):

    # a reader bug in this process (files are read in a worker process unless isolation is off)
    monkeypatch.setenv("TECHREFORM_LIMIT_ISOLATE", "0")
    real = files_module.read_return

    def read_return(path):
        if "odd" in path.name:
            raise RuntimeError("a parser bug")
        return real(path)

    monkeypatch.setattr(files_module, "read_return", read_return)
    intake_ws.drop(f"{UNIT}_2026Q1_odd.xlsx", rows(3))
    intake_ws.drop(NAME, rows(3))
    intake_ws.drop(f"{OTHER_UNIT}_2026Q1.xlsx", rows(2), unit=OTHER_UNIT)
    result = intake_ws.run()
    assert len(result.receipts) == 3
    odd = intake_ws.submission(f"{UNIT}_2026Q1_odd.xlsx")
    assert_rejected(intake_ws, odd, [("file_unprocessable", ERROR, None, None)])
    assert "联系市工信局" in odd.findings[0].message
    assert intake_ws.submission(NAME).status == wh.ACCEPTED
    assert intake_ws.submission(f"{OTHER_UNIT}_2026Q1.xlsx").status == wh.ACCEPTED
    assert "a parser bug" in caplog.text


class _FailingOn:
    """The session's validator, failing on any batch that holds a project of the given name."""

    def __init__(self, validator, project_name: str | None) -> None:
        self.validator, self.project_name = validator, project_name

    def failures(self, sheet, frame, stage="row"):
        names = frame.get("project_name")  # the 认定表 frame has none
        if self.project_name is None or (names is not None and (names == self.project_name).any()):
            raise RuntimeError("a rules bug")
        return self.validator.failures(sheet, frame, stage)


@pytest.mark.slow
def test_a_file_the_rules_fail_on_is_rejected_and_the_others_go_on(intake_ws):
    odd = rows(3)
    odd[1]["project_name"] = "触发故障的项目"
    bad = rows(3)
    bad[0]["status"] = "在建"
    intake_ws.drop(f"{UNIT}_2026Q1_odd.xlsx", odd)
    intake_ws.drop(f"{OTHER_UNIT}_2026Q1.xlsx", bad, unit=OTHER_UNIT)
    intake_ws.drop(f"{UNIT}_2026Q2.xlsx", rows(3))
    intake_ws.validator = _FailingOn(intake_ws.validator, "触发故障的项目")
    intake_ws.run()
    odd_sub = intake_ws.submission(f"{UNIT}_2026Q1_odd.xlsx")
    assert_rejected(intake_ws, odd_sub, [("file_unprocessable", ERROR, None, None)])
    # the others were judged by the rules as usual, without findings left over from the failed batch
    assert kinds(intake_ws.submission(f"{OTHER_UNIT}_2026Q1.xlsx")) == [("bad_status", ERROR, 2, "status")]
    assert intake_ws.submission(f"{UNIT}_2026Q2.xlsx").status == wh.ACCEPTED


@pytest.mark.slow
def test_a_lone_file_the_rules_fail_on_is_rejected_when_the_rules_work_on_a_blank_row(intake_ws):
    odd = rows(3)
    odd[1]["project_name"] = "触发故障的项目"
    intake_ws.drop(NAME, odd)
    intake_ws.validator = _FailingOn(intake_ws.validator, "触发故障的项目")
    intake_ws.run()
    assert_rejected(intake_ws, intake_ws.submission(NAME), [("file_unprocessable", ERROR, None, None)])


@pytest.mark.slow
def test_a_lone_file_waits_when_the_rules_fail_on_a_blank_row_too(intake_ws):
    intake_ws.drop(NAME, rows(3))
    real = intake_ws.validator
    intake_ws.validator = _FailingOn(real, None)
    with pytest.raises(RuntimeError):
        intake_ws.run()
    assert [s.status for s in intake_ws.submissions()] == [wh.RECEIVED]
    intake_ws.validator = real
    intake_ws.run()
    assert [s.status for s in intake_ws.submissions()] == [wh.ACCEPTED]


@pytest.mark.slow
def test_rules_failing_on_every_file_stop_the_run_and_decide_nothing(intake_ws):
    intake_ws.drop(NAME, rows(3))
    intake_ws.drop(f"{OTHER_UNIT}_2026Q1.xlsx", rows(2), unit=OTHER_UNIT)
    intake_ws.drop_bytes(f"{UNIT}_2026Q1.pdf", b"%PDF")  # no rows: says nothing of the rule engine
    real = intake_ws.validator
    intake_ws.validator = _FailingOn(real, None)  # e.g. a broken GX install: not the counties' fault
    with pytest.raises(RuntimeError):
        intake_ws.run()
    assert [s.status for s in intake_ws.submissions()] == [wh.RECEIVED] * 3
    intake_ws.validator = real
    intake_ws.run()
    assert [s.status for s in intake_ws.submissions()] == [wh.ACCEPTED, wh.ACCEPTED, wh.REJECTED]


def test_receipt_temporary_files_left_by_a_killed_writer_are_removed(intake_ws):
    """A receipt writer killed mid-file leaves its hidden ``.PID.receipt.part``; the next intake
    removes it (no receipt is written while intake holds its lock), and nothing else."""
    from techreform.intake import receive
    from techreform.workbooks.receipt_parts import part_path

    folder = intake_ws.ws.outbox / UNIT
    folder.mkdir(parents=True, exist_ok=True)
    receipt = folder / "回执_技改项目季报_20260409T0149.xlsx"
    receipt.write_bytes(b"a receipt")
    other = folder / ".keep"
    other.write_bytes(b"")
    left = part_path(receipt, 4242)
    left.write_bytes(b"half a receipt")
    assert left.name == ".4242.receipt.part"
    assert receive(intake_ws.ws, intake_ws.engine, settle_seconds=0) == []
    assert not left.exists()
    assert receipt.read_bytes() == b"a receipt" and other.exists()
