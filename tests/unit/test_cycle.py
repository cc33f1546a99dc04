"""The whole cycle on a small generated city: intake, reconciliation, quarterly check, bulletin and
assessment, their workbooks reopened and rendered, and their delivery through a real SMTP server."""

from __future__ import annotations

import email
import json
import shutil
import socket
from email import policy
from pathlib import Path

import openpyxl
import pytest

from techreform import warehouse as wh
from techreform.demo import generate_city
from techreform.indicators.step import run_assess, run_check
from techreform.intake import run_intake
from techreform.reconcile import run_reconciliation
from techreform.reference.periods import Period
from techreform.workspace import Workspace
from tests.support.libreoffice import to_pdf

pytestmark = pytest.mark.slow  # a real intake of a generated city: several seconds


@pytest.fixture(scope="module")
def city(tmp_path_factory, validator):
    root = tmp_path_factory.mktemp("cycle") / "ws"
    ws = Workspace(root)
    ws.create("luoyang-2021")
    profile = ws.profile
    generate_city(ws, profile, year=2026, quarters=4, units=5, projects_per_unit=(5, 8))
    engine = wh.connect(ws.database_url)
    run_intake(ws, engine, settle_seconds=0, validator=validator)
    for q in (1, 2, 3, 4):
        run_reconciliation(ws, engine, f"2026Q{q}")
        run_check(ws, engine, f"2026Q{q}")
    run_assess(ws, engine, "2026Q2")
    run_assess(ws, engine, "2026Q4")
    yield ws, engine
    engine.dispose()


def _book(ws: Workspace, period: str, name: str) -> openpyxl.Workbook:
    return openpyxl.load_workbook(ws.reports_for(period) / name)


def test_every_output_of_the_cycle_is_there(city):
    ws, _ = city
    for q in (1, 2, 3, 4):
        folder = ws.reports_for(f"2026Q{q}")
        for name in ("submissions.csv", "findings.csv", "reconciliation.csv", "indicators.csv"):
            assert (folder / name).exists(), (q, name)
        assert (folder / f"对账_2026Q{q}.xlsx").exists() and (folder / f"季度检查_2026Q{q}.xlsx").exists()
    assert (ws.reports_for("2026Q2") / "半年通报_2026H1.xlsx").exists()
    assert (ws.reports_for("2026Q4") / "年度考核_2026.xlsx").exists()
    assert not (ws.reports_for("2026Q3") / "半年通报_2026H1.xlsx").exists()


def test_the_quarterly_check_workbook(city):
    ws, _ = city
    wb = _book(ws, "2026Q3", "季度检查_2026Q3.xlsx")
    names = wb.sheetnames
    assert names[:2] == ["总览", "全部指标"] and names[-3:] == ["预测预警", "数据质量", "说明"]
    rankings = [n for n in names if n.startswith("排名_")]
    assert rankings and all(wb[n]._charts for n in rankings)  # a native bar chart on each
    overview = wb["总览"]
    assert overview.conditional_formatting  # red / amber / green
    assert overview.page_setup.orientation == "landscape" and overview.print_title_rows
    rows = [[c.value for c in r] for r in overview.iter_rows(min_row=4)]
    totals = [r for r in rows if r[0] == "410300"]
    assert totals and all(str(r[1]).endswith("（合计）") for r in totals)
    # the total of 技改投资 is the sum of the units' figures
    ytd = [r for r in rows if r[2] == "技改投资（万元）"]
    units = [r[3] for r in ytd if r[0] != "410300" and r[3] is not None]
    assert next(r[3] for r in ytd if r[0] == "410300") == pytest.approx(sum(units))
    text = " ".join(str(c.value) for s in wb for r in s.iter_rows() for c in r if c.value is not None)
    assert "联系电话" not in text and "联系人" not in text  # no personal data for the leadership


def test_the_bulletin_and_the_assessment(city):
    ws, _ = city
    bulletin = _book(ws, "2026Q2", "半年通报_2026H1.xlsx")
    words = "".join(str(c.value or "") for c in bulletin["通报"]["A"])
    assert "上半年" in words and "一、总体情况" in words and "技改投资" in words
    # each paragraph fills one cell (a paragraph given as a bare string was once written a character a row)
    assert all(len(str(c.value)) > 4 for c in bulletin["通报"]["A"] if c.value is not None)
    assessment = _book(ws, "2026Q4", "年度考核_2026.xlsx")
    assert assessment.sheetnames[:2] == ["考核结果", "计分明细"]
    result = [[c.value for c in r] for r in assessment["考核结果"].iter_rows(min_row=4)]
    assert len(result) == len(ws.profile.units)  # every unit is assessed, reported or not
    ranks = [r[0] for r in result]
    assert ranks == sorted(ranks) and ranks[0] == 1
    assert [r[5] for r in result] == sorted((r[5] for r in result), reverse=True)
    assert all(r[6] in ("优秀", "良好", "合格", "不合格") for r in result)
    detail = [[c.value for c in r] for r in assessment["计分明细"].iter_rows(min_row=4)]
    assert any(r[1] == "总分" for r in detail)


def test_a_rerun_changes_no_file(city):
    ws, engine = city
    before = {p: p.read_bytes() for p in ws.reports.rglob("*.xlsx")}
    assert run_reconciliation(ws, engine, "2026Q3").changed == []
    assert run_check(ws, engine, "2026Q3").changed == []
    assert run_assess(ws, engine, "2026Q4").changed == []
    assert {p: p.read_bytes() for p in ws.reports.rglob("*.xlsx")} == before


@pytest.mark.parametrize("name", ["季度检查_2026Q3.xlsx", "对账_2026Q3.xlsx"])
def test_workbooks_render_in_libreoffice(city, tmp_path, name):
    ws, _ = city
    pdf = to_pdf(ws.reports_for("2026Q3") / name, tmp_path)
    assert pdf.stat().st_size > 5000


def test_workbooks_of_q2_and_q4_render_in_libreoffice(city, tmp_path):
    ws, _ = city
    for period, name in (("2026Q2", "半年通报_2026H1.xlsx"), ("2026Q4", "年度考核_2026.xlsx")):
        assert to_pdf(ws.reports_for(period) / name, tmp_path).stat().st_size > 5000


# --------------------------------------------------------------------------- delivery by mail


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(envelope.content)
        return "250 OK"


@pytest.fixture
def smtp(monkeypatch):
    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    conn = {
        "conn_type": "smtp",
        "host": "127.0.0.1",
        "port": port,
        "extra": {"disable_tls": True, "disable_ssl": True, "retry_limit": 0, "timeout": 10},
    }
    monkeypatch.setenv("AIRFLOW_CONN_TECHREFORM_SMTP", json.dumps(conn))
    yield inbox, port
    controller.stop()


def _with_delivery(ws: Workspace, tmp_path: Path, to: list[str]) -> Workspace:
    copy = Workspace(tmp_path / "ws")
    shutil.copytree(ws.root, copy.root)
    settings = json.loads((copy.root / "techreform.json").read_text())
    settings["delivery"] = {"to": to, "from": "gxj@example.gov.cn", "smtp_conn_id": "techreform_smtp"}
    settings.pop("database_url", None)
    (copy.root / "techreform.json").write_text(json.dumps(settings, ensure_ascii=False))
    return copy


def test_workbooks_are_mailed_once_byte_identical_with_the_chart_inline(city, tmp_path, smtp):
    from techreform.delivery.step import deliver
    from techreform.indicators.step import check_inputs

    inbox, _ = smtp
    ws = _with_delivery(city[0], tmp_path, ["ldxz@example.gov.cn"])
    engine = wh.connect(ws.database_url)
    try:
        inputs = check_inputs(ws, engine, "2026Q4", keep=False)
        first = deliver(ws, engine, Period.parse("2026Q4"), inputs.result, inputs)
        assert [p.name for p in first.sent] == ["季度检查_2026Q4.xlsx", "年度考核_2026.xlsx"]
        assert len(inbox.messages) == 1
        msg = email.message_from_bytes(inbox.messages[0], policy=policy.default)
        assert "2026年第四季度" in str(msg["Subject"])
        html = next(p for p in msg.walk() if p.get_content_type() == "text/html").get_content()
        assert "cid:ranking.png" in html and "领导小组办公室" in html and "技改投资" in html
        parts = {p.get_filename(): p.get_payload(decode=True) for p in msg.walk() if p.get_filename()}
        for name in ("季度检查_2026Q4.xlsx", "年度考核_2026.xlsx"):
            assert parts[name] == (ws.reports_for("2026Q4") / name).read_bytes()  # byte-identical
        assert parts["ranking.png"].startswith(b"\x89PNG")
        again = deliver(ws, engine, Period.parse("2026Q4"), inputs.result, inputs)
        assert again.sent == [] and len(inbox.messages) == 1  # a rerun does not mail it twice
        with engine.connect() as c:
            rows = c.execute(wh.Delivery.__table__.select()).all()
        assert {r.status for r in rows} == {"sent"} and len(rows) == 2
    finally:
        engine.dispose()


def test_a_failed_send_is_recorded_and_sent_by_the_next_run(city, tmp_path, smtp, monkeypatch):
    from techreform.delivery.step import deliver
    from techreform.indicators.step import check_inputs

    inbox, port = smtp
    ws = _with_delivery(city[0], tmp_path, ["ldxz@example.gov.cn"])
    engine = wh.connect(ws.database_url)
    try:
        inputs = check_inputs(ws, engine, "2026Q3", keep=False)
        down = {
            "conn_type": "smtp",
            "host": "127.0.0.1",
            "port": 9,
            "extra": {"disable_tls": True, "disable_ssl": True, "retry_limit": 0, "timeout": 3},
        }
        monkeypatch.setenv("AIRFLOW_CONN_TECHREFORM_SMTP", json.dumps(down))
        with pytest.raises(Exception):  # noqa: B017 - whatever the SMTP client raises for a refused connection
            deliver(ws, engine, Period.parse("2026Q3"), inputs.result, inputs)
        with engine.connect() as c:
            assert [r.status for r in c.execute(wh.Delivery.__table__.select())] == ["failed"]
        up = {
            "conn_type": "smtp",
            "host": "127.0.0.1",
            "port": port,
            "extra": {"disable_tls": True, "disable_ssl": True, "retry_limit": 0},
        }
        monkeypatch.setenv("AIRFLOW_CONN_TECHREFORM_SMTP", json.dumps(up))
        assert [p.name for p in deliver(ws, engine, Period.parse("2026Q3"), inputs.result, inputs).sent] == [
            "季度检查_2026Q3.xlsx"
        ]
        assert len(inbox.messages) == 1
    finally:
        engine.dispose()
