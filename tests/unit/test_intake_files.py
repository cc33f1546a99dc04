"""Intake and the files themselves: odd names, files that change while read, copies kept whole,
files sent again, CSVs mended after a crash, and values PostgreSQL is stricter about than SQLite."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import os
import time

import pytest

from techreform import outputs
from techreform import warehouse as wh
from techreform.intake import inbox as inbox_module
from techreform.reference.periods import Period
from tests.conftest import PERIOD, UNIT, IntakeWorkspace, base_row, rows
from tests.support.databases import postgres_database

NAME = f"{UNIT}_{PERIOD}_技改项目季报.xlsx"
Q2 = Period(2026, 2)


def statuses(iws) -> list[tuple[str, str]]:
    return [(s.file_name, s.status) for s in iws.submissions()]


def read_csv(path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


# ------------------------------------------------------------------------------------ names


@pytest.mark.slow  # over a second: outside the inner loop
def test_a_gbk_file_name_is_registered_under_its_chinese_name(intake_ws):
    """unzip of an archive made on Chinese Windows leaves GBK bytes in the name."""
    rf = intake_ws.drop("placeholder.xlsx", rows(2))
    folder = os.fsencode(rf.path.parent)
    gbk = os.path.join(folder, f"{UNIT}_{PERIOD}_技改项目季报.xlsx".encode("gbk"))
    os.rename(rf.path, gbk)
    other = intake_ws.drop(NAME.replace(".xlsx", "_另一份.xlsx"), rows(2), unit="410305")
    result = intake_ws.run()
    assert len(result.received) == 2 and len(result.receipts) == 2
    sub = intake_ws.submission(NAME)  # the name as the county typed it
    assert sub.status == wh.ACCEPTED and sub.period == str(PERIOD)
    with open(gbk, "rb") as original:
        assert (intake_ws.ws.root / sub.archive_path).read_bytes() == original.read()
    assert intake_ws.submission(other.path.name).status == wh.REJECTED  # wrong folder, judged too
    assert intake_ws.run().received == []


@pytest.mark.slow
def test_a_bureau_named_folder_gets_an_answer_on_every_database(intake_ws):
    intake_ws.drop(NAME, rows(2), unit=f"{UNIT}_瀍河回族区工业和信息化局技术改造科报送文件夹")
    intake_ws.run()
    (sub,) = intake_ws.submissions()
    # the receipt also says which unit's folder the file belongs in
    assert sub.status == wh.REJECTED and {f.rule_id for f in sub.findings} == {"unknown_unit", "wrong_unit"}


@pytest.mark.slow
def test_what_windows_sync_tools_and_office_leave_behind_is_not_a_return(intake_ws):
    intake_ws.drop(NAME, rows(2))
    intake_ws.drop_bytes("desktop.ini", b"[.ShellClassInfo]\r\n")
    intake_ws.drop_bytes("Thumbs.db", b"\0" * 64)
    intake_ws.drop_bytes(f".sync/{NAME}", (intake_ws.ws.inbox / UNIT / NAME).read_bytes())
    intake_ws.drop_bytes(f"~${NAME}", b"\0" * 165)
    result = intake_ws.run()
    assert len(result.received) == 1 and statuses(intake_ws) == [(NAME, wh.ACCEPTED)]


def test_a_file_outside_any_unit_folder_is_left_and_logged(intake_ws, caplog):
    loose = intake_ws.ws.inbox / NAME
    loose.parent.mkdir(parents=True, exist_ok=True)
    loose.write_bytes(b"PK")
    assert intake_ws.run().received == []
    assert loose.exists() and f"outside any unit folder are not taken: {NAME}" in caplog.text


# ------------------------------------------------------------------------------------ kept copies


def test_a_kept_copy_left_half_written_by_a_crash_is_written_again(tmp_path):
    from techreform.intake import keep_copy

    content = b"PK\x03\x04" + os.urandom(4096)
    sha = hashlib.sha256(content).hexdigest()
    target = tmp_path / "archive" / "410304" / "f.xlsx"
    target.parent.mkdir(parents=True)
    target.write_bytes(content[:1000])  # what a crash in the middle of the write left
    keep_copy(target, content, sha, 1_700_000_000.0)
    assert target.read_bytes() == content and target.stat().st_mtime == 1_700_000_000.0
    assert [p.name for p in target.parent.iterdir()] == ["f.xlsx"]  # no part file left
    keep_copy(target, content, sha, 1_800_000_000.0)  # whole already: left alone
    assert target.stat().st_mtime == 1_700_000_000.0


@pytest.mark.slow
def test_a_half_archived_file_from_a_crashed_run_does_not_reject_the_return(intake_ws):
    rf = intake_ws.drop(NAME, rows(2))
    content = rf.path.read_bytes()
    sha = hashlib.sha256(content).hexdigest()
    at = dt.datetime.fromtimestamp(rf.path.stat().st_mtime)
    half = intake_ws.ws.archive / UNIT / f"{at:%Y%m%dT%H%M%S}_{sha[:8]}_{NAME}"
    half.parent.mkdir(parents=True)
    half.write_bytes(content[: len(content) // 2])
    intake_ws.run()
    (sub,) = intake_ws.submissions()
    assert sub.status == wh.ACCEPTED and (intake_ws.ws.root / sub.archive_path).read_bytes() == content


@pytest.mark.slow
def test_a_file_replaced_while_intake_reads_it_is_left_for_the_next_run(intake_ws, monkeypatch):
    from techreform import intake

    on_time = intake_ws.drop(NAME, rows(2, ytd_completed=100))
    late = on_time.path.with_name("late.xlsx")
    intake_ws.drop("late.xlsx", rows(2, ytd_completed=999))
    late_bytes, late_mtime = late.read_bytes(), late.stat().st_mtime
    late.unlink()
    scan = intake.scan_inbox

    def scan_then_overwrite(*args, **kwargs):
        found = scan(*args, **kwargs)
        on_time.path.write_bytes(late_bytes)  # the county saves over it just then
        os.utime(on_time.path, (late_mtime, late_mtime))
        return found

    monkeypatch.setattr(inbox_module, "scan_inbox", scan_then_overwrite)
    assert intake_ws.run().received == []
    monkeypatch.undo()
    intake_ws.run()
    (sub,) = intake_ws.submissions()
    assert sub.received_at.timestamp() == late_mtime  # the time of the content that was taken
    assert [p.ytd_completed for p in sub.projects] == [999, 999]


# ------------------------------------------------------------------------------------ sent again


def after_the_answer() -> float:
    """A modification time after the last run's decisions (kept to the second), as a county's
    resend after reading its receipt has."""
    return time.time() + 2


@pytest.mark.slow
def test_an_older_version_put_back_is_judged_again_and_in_force(intake_ws):
    v1 = intake_ws.drop(NAME, rows(2, ytd_completed=100))
    v1_bytes = v1.path.read_bytes()
    intake_ws.run()
    intake_ws.drop(NAME, rows(2, ytd_completed=120))
    intake_ws.run()
    intake_ws.drop_bytes(NAME, v1_bytes, mtime=after_the_answer())  # v1 was right after all
    result = intake_ws.run()
    assert len(result.received) == 1 and len(result.receipts) == 1
    assert [s.status for s in intake_ws.submissions()] == [wh.SUPERSEDED, wh.SUPERSEDED, wh.ACCEPTED]
    assert [p.ytd_completed for p in intake_ws.submissions()[-1].projects] == [100, 100]


@pytest.mark.slow
def test_a_return_rejected_against_an_earlier_quarter_is_judged_again_when_sent_again(intake_ws):
    q2_name = NAME.replace(str(PERIOD), str(Q2))
    intake_ws.drop(NAME, rows(2, ytd_completed=200, cumulative_completed=1500))
    intake_ws.run()
    q2 = intake_ws.drop(q2_name, rows(2, ytd_completed=150))
    intake_ws.run()
    assert intake_ws.submission(q2_name).status == wh.REJECTED  # 本年累计 below Q1's
    intake_ws.drop(NAME, rows(2, ytd_completed=100, cumulative_completed=1500))  # Q1 corrected
    intake_ws.run()
    intake_ws.drop_bytes(q2_name, q2.path.read_bytes(), mtime=after_the_answer())  # unchanged, again
    result = intake_ws.run()
    assert len(result.receipts) == 1
    assert [s.status for s in intake_ws.submissions() if s.file_name == q2_name] == [
        wh.REJECTED,
        wh.ACCEPTED,
    ]


@pytest.mark.slow
def test_a_correction_of_an_earlier_quarter_above_the_later_one_in_force_is_told(intake_ws):
    """Q1 100, Q2 200, Q3 300 in force; a Q2 correction says 400: accepted, with a warning that
    asks for the Q3 return to be corrected too."""
    for q, ytd in ((1, 100), (2, 200), (3, 300)):
        intake_ws.drop(f"{UNIT}_2026Q{q}_技改项目季报.xlsx", rows(2, ytd_completed=ytd))
    intake_ws.run()
    intake_ws.drop(f"{UNIT}_2026Q2_技改项目季报_更正.xlsx", rows(2, ytd_completed=400))
    intake_ws.run()
    correction = intake_ws.submission(f"{UNIT}_2026Q2_技改项目季报_更正.xlsx")
    assert correction.status == wh.ACCEPTED
    assert sorted((f.rule_id, f.row) for f in correction.findings) == [
        ("ytd_above_later", 2),
        ("ytd_above_later", 3),
    ]


@pytest.mark.slow
def test_a_spare_copy_that_was_there_before_the_answer_is_not_a_resend(intake_ws):
    rf = intake_ws.drop(NAME, rows(2, status="在建"))  # rejected
    intake_ws.drop_bytes(f"备份/{NAME}", rf.path.read_bytes())  # a copy made a minute later
    assert len(intake_ws.run().received) == 1
    assert intake_ws.run().received == []  # not judged again once the first was rejected
    assert [s.status for s in intake_ws.submissions()] == [wh.REJECTED]


@pytest.mark.slow
def test_the_return_in_force_sent_again_under_another_name_is_the_same_return(intake_ws):
    """Byte for byte the return in force, later and renamed (by the county, or by a sync tool's
    "(1)" copy): answered already, so no second submission, receipt or rows."""
    rf = intake_ws.drop(NAME, rows(3))
    intake_ws.run()
    receipts = sorted((intake_ws.ws.outbox / UNIT).iterdir())
    intake_ws.drop_bytes(NAME.replace(".xlsx", " (1).xlsx"), rf.path.read_bytes(), mtime=after_the_answer())
    intake_ws.drop_bytes("技改季报_再次报送.xlsx", rf.path.read_bytes(), mtime=after_the_answer())
    result = intake_ws.run()
    assert result.received == [] and result.receipts == []
    assert statuses(intake_ws) == [(NAME, wh.ACCEPTED)]
    assert len(intake_ws.submissions()[0].projects) == 3
    assert sorted((intake_ws.ws.outbox / UNIT).iterdir()) == receipts


@pytest.mark.slow
def test_the_return_in_force_renamed_for_another_period_is_judged(intake_ws):
    """The name names another quarter: that is a claim about another return, and it is answered."""
    rf = intake_ws.drop(NAME, rows(3))
    intake_ws.run()
    q2_name = NAME.replace(str(PERIOD), str(Q2))
    intake_ws.drop_bytes(q2_name, rf.path.read_bytes(), mtime=after_the_answer())
    result = intake_ws.run()
    assert len(result.received) == 1 and len(result.receipts) == 1
    assert intake_ws.submission(NAME).status == wh.ACCEPTED  # still in force


@pytest.mark.slow  # over a second: outside the inner loop
def test_a_name_as_long_as_the_file_system_allows_is_kept_and_answered(intake_ws):
    words = "洛阳市瀍河回族区工业和信息化局关于报送技术改造项目季度统计报表的函" * 3
    name = f"{UNIT}_{PERIOD}_{words[:73]}.xlsx"  # 238 bytes: the archive and receipt add more
    assert 230 < len(name.encode()) <= 255
    intake_ws.drop(name, rows(2))
    result = intake_ws.run()
    (sub,) = intake_ws.submissions()
    assert sub.status == wh.ACCEPTED and sub.file_name == name and len(result.receipts) == 1
    for kept in (intake_ws.ws.root / sub.archive_path, result.receipts[0]):
        assert kept.exists() and len(kept.name.encode()) <= 255


# ------------------------------------------------------------------------------------ CSVs


@pytest.mark.slow
def test_a_crash_between_receipts_and_csvs_is_mended_by_the_rerun(intake_ws, monkeypatch):
    from techreform import intake

    q2_name = NAME.replace(str(PERIOD), str(Q2))
    intake_ws.drop(NAME, rows(2))
    intake_ws.drop(q2_name, rows(2, ytd_completed=400))
    real = outputs.write_intake_csvs

    def crash_on_q1(session, directory, period):
        if period == str(PERIOD):
            raise KeyboardInterrupt  # the worker dies
        real(session, directory, period)

    monkeypatch.setattr(outputs, "write_intake_csvs", crash_on_q1)
    with pytest.raises(KeyboardInterrupt):
        intake.run_intake(intake_ws.ws, intake_ws.engine, run_period=Q2, settle_seconds=0)
    assert not (intake_ws.ws.reports_for(str(PERIOD)) / "submissions.csv").exists()
    monkeypatch.undo()
    intake.run_intake(intake_ws.ws, intake_ws.engine, run_period=Q2, settle_seconds=0)
    for period, name in ((PERIOD, NAME), (Q2, q2_name)):
        got = read_csv(intake_ws.ws.reports_for(str(period)) / "submissions.csv")
        assert [(r["file"], r["status"]) for r in got] == [(name, wh.ACCEPTED)]


@pytest.mark.slow
def test_csvs_that_did_not_change_are_not_written_again(intake_ws):
    """Someone may have them open; a scheduled run every few minutes leaves them be."""
    from techreform import intake

    intake_ws.drop(NAME, rows(2))
    intake_ws.run()
    path = intake_ws.ws.reports_for(str(PERIOD)) / "submissions.csv"
    os.utime(path, (1_600_000_000, 1_600_000_000))
    intake.run_intake(intake_ws.ws, intake_ws.engine, run_period=PERIOD, settle_seconds=0)
    assert path.stat().st_mtime == 1_600_000_000


# ------------------------------------------------------------------------------------ the database


@pytest.mark.slow  # over a second: outside the inner loop
def test_a_value_the_database_refuses_rejects_that_file_and_the_others_go_on(intake_ws, monkeypatch):

    intake_ws.drop(NAME, rows(2))
    intake_ws.drop(f"410305_{PERIOD}_技改项目季报.xlsx", rows(2), unit="410305")
    real = wh.settle_in_force
    calls = []

    def refuse_first(session, unit_code, period):
        calls.append(unit_code)
        if len(calls) == 1:
            raise ValueError("value out of range for the column")
        return real(session, unit_code, period)

    monkeypatch.setattr(wh, "settle_in_force", refuse_first)
    result = intake_ws.run()
    assert len(result.receipts) == 2
    first, second = intake_ws.submissions()
    assert first.status == wh.REJECTED and [f.rule_id for f in first.findings] == ["file_unprocessable"]
    assert first.projects == [] and second.status == wh.ACCEPTED and len(second.projects) == 2


@pytest.mark.slow
def test_a_database_outage_stops_the_run_and_rejects_nothing(intake_ws, monkeypatch):
    from sqlalchemy.exc import OperationalError

    intake_ws.drop(NAME, rows(2))

    def outage(session, unit_code, period):
        raise OperationalError("INSERT ...", {}, Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr(wh, "settle_in_force", outage)
    with pytest.raises(OperationalError):
        intake_ws.run()
    monkeypatch.undo()
    assert [s.status for s in intake_ws.submissions()] == [wh.RECEIVED]
    intake_ws.run()  # the database is back: the return is judged on its merits
    assert [s.status for s in intake_ws.submissions()] == [wh.ACCEPTED]


@pytest.fixture
def pg_intake_ws(tmp_path, validator):
    """The intake workspace on a real PostgreSQL warehouse of its own."""
    from techreform.workspace import Workspace

    with postgres_database() as url:
        root = tmp_path / "ws"
        Workspace(root).create("luoyang-2021")
        engine = wh.connect(url)
        yield IntakeWorkspace(root, engine, validator)
        engine.dispose()


@pytest.mark.slow
def test_postgresql_takes_what_counties_write_into_free_text_and_count_cells(pg_intake_ws):
    """SQLite ignores lengths and integer ranges; PostgreSQL enforces them."""
    phone = "0379-63901234(办公室)、0379-63901235(传真),13800000000(手机,工作日9:00-17:00,节假日请先发短信)"
    assert len(phone) > 64
    odd = [
        base_row(0, phone=phone, seq=202603001001),
        base_row(1, smart_equipment_units=3_000_000_000),
    ]
    pg_intake_ws.drop(NAME, odd)
    pg_intake_ws.drop(NAME, rows(1), unit=f"{UNIT}_瀍河回族区工业和信息化局技术改造科报送文件夹")
    pg_intake_ws.run()
    accepted, unknown = pg_intake_ws.submissions()
    assert accepted.status == wh.ACCEPTED
    assert [p.phone for p in accepted.projects] == [phone, "13800000000"]
    assert [p.seq for p in accepted.projects] == [202603001001, 2]
    assert accepted.projects[1].smart_equipment_units == 3_000_000_000
    assert unknown.status == wh.REJECTED and "unknown_unit" in {f.rule_id for f in unknown.findings}
