"""The statistics extract: read with the returns' tolerance, from files or PostgreSQL, and checked."""

from __future__ import annotations

import json

import openpyxl
import pytest
import xlwt
from sqlalchemy import create_engine, text

from techreform.reconcile import extract, extract_checks
from techreform.reconcile.extract import ExtractError
from techreform.workspace import Workspace
from tests.support.databases import postgres_database

HEADERS = [
    "统计项目编号",
    "项目名称",
    "法人单位名称",
    "统一社会信用代码",
    "县区代码",
    "建设性质",
    "计划总投资（万元）",
    "本年累计完成投资（万元）",
    "项目代码",
    "行业代码",
    "入库年月",
]
ROWS = [
    [
        "S1",
        "废水循环利用改造项目",
        "洛阳金联重工有限公司",
        "91410300MA44L7K52Q",
        "410302",
        "改建和技术改造",
        4055.4,
        1611.9,
        "2026-410302-35-03-971513",
        "35",
        "202605",
    ],
    [
        "S2",
        "智能仓储物流系统建设",
        "洛阳远昌电子股份有限公司",
        "91410302MA9F5C6Y2X",
        "410303",
        "新建",
        27155.2,
        10891.5,
        "",
        "39",
        "202606",
    ],
]
TOTALS = [
    [
        "县区代码",
        "工业投资本年累计（万元）",
        "技改投资本年累计（万元）",
        "上年同期工业投资（万元）",
        "上年同期技改投资（万元）",
    ],
    ["410302", 64566.8, 23502.3, 59235.6, 25546.0],
    ["410303", 69859.9, 29411.0, 72770.7, 23911.4],
]


@pytest.fixture
def ws(tmp_path):
    w = Workspace(tmp_path / "ws")
    w.create("luoyang-2021")
    return w


def _xlsx(path, rows, title=None):
    wb = openpyxl.Workbook()
    sh = wb.active
    if title:
        sh.append([title])
        sh.append([])
    for r in rows:
        sh.append(r)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


def _xls(path, rows):
    wb = xlwt.Workbook()
    sh = wb.add_sheet("项目")
    for i, r in enumerate(rows):
        for j, v in enumerate(r):
            sh.write(i, j, v)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(str(path))


def _facts(e):
    return [
        (r["stats_project_id"], r["unit_code"], r["uscc"], r["ytd_completed"], r.get("project_code"))
        for r in e.projects.rows
    ]


def test_plain_extract(ws):
    _xlsx(ws.stats / "2026Q3" / "projects.xlsx", [HEADERS, *ROWS])
    _xlsx(ws.stats / "2026Q3" / "unit_totals.xlsx", TOTALS)
    e = extract.load(ws, "2026Q3")
    assert _facts(e) == [
        ("S1", "410302", "91410300MA44L7K52Q", 1611.9, "2026-410302-35-03-971513"),
        ("S2", "410303", "91410302MA9F5C6Y2X", 10891.5, None),
    ]
    assert [r["tech_ytd"] for r in e.totals.rows] == [23502.3, 29411.0]
    assert extract_checks.check(e, ["410302", "410303"]) == []
    assert len(e.sha256) == 64 and "projects.xlsx" in e.source


def test_the_bureaus_habits_read_the_same(ws):
    """A title row, columns in another order, aliases, amounts in 元, full-width codes, an .xls."""
    order = [7, 0, 2, 1, 4, 3, 5, 6, 8, 9, 10]
    aliases = {"统计项目编号": "项目编号", "法人单位名称": "单位名称", "县区代码": "行政区划代码"}
    headers = [aliases.get(HEADERS[i], HEADERS[i]).replace("（万元）", "（元）") for i in order]
    rows = []
    for r in ROWS:
        r = list(r)
        r[6], r[7] = r[6] * 10000, f"{r[7] * 10000:,.0f}"  # 元, with thousands separators, as text
        r[3] = r[3].translate(str.maketrans("0123456789", "０１２３４５６７８９"))
        rows.append([r[i] for i in order])
    _xls(ws.stats / "2026Q3" / "项目库导出.xls", [headers, *rows])
    e = extract.load(ws, "2026Q3")
    assert _facts(e) == [
        ("S1", "410302", "91410300MA44L7K52Q", 1611.9, "2026-410302-35-03-971513"),
        ("S2", "410303", "91410302MA9F5C6Y2X", 10891.5, None),
    ]


def test_no_extract_yet_is_none(ws):
    assert extract.load(ws, "2026Q3") is None


def test_a_broken_extract_says_what_to_fix(ws):
    rows = [list(r) for r in ROWS] + [list(ROWS[0])]  # S1 twice
    rows[1][7] = -5
    _xlsx(ws.stats / "2026Q3" / "projects.xlsx", [HEADERS, *rows], title="2026年1-9月固定资产投资项目")
    e = extract.load(ws, "2026Q3")
    with pytest.raises(ExtractError) as err:
        extract_checks.check(e, ["410302", "410303"])
    message = str(err.value)
    assert "统计项目编号”重复（S1）" in message and "第4、6行" in message  # under a title and a blank row
    assert "为负数（-5" in message and "第5行" in message


def test_a_unit_outside_the_jurisdiction_is_a_warning(ws):
    rows = [list(r) for r in ROWS]
    rows[1][4] = "419001"
    _xlsx(ws.stats / "2026Q3" / "projects.xlsx", [HEADERS, *rows])
    warnings = extract_checks.check(extract.load(ws, "2026Q3"), ["410302", "410303"])
    assert len(warnings) == 1 and "419001" in warnings[0]


def test_statistics_from_postgresql_tables(ws):
    with postgres_database() as url:
        engine = create_engine(url)
        with engine.begin() as c:
            cols = ", ".join(f'"{h}" text' for h in HEADERS) + ', "报告期" text'
            c.execute(text(f"CREATE TABLE fai_projects ({cols})"))
            values = ", ".join(f":v{i}" for i in range(len(HEADERS) + 1))
            for period in ("2026Q2", "2026Q3"):
                for r in ROWS:
                    c.execute(
                        text(f"INSERT INTO fai_projects VALUES ({values})"),
                        {**{f"v{i}": str(v) for i, v in enumerate(r)}, f"v{len(HEADERS)}": period},
                    )
            c.execute(
                text(
                    "CREATE TABLE fai_totals (unit_code text, industrial_ytd numeric, tech_ytd numeric,"
                    " industrial_prev numeric, tech_prev numeric)"
                )
            )
            c.execute(text("INSERT INTO fai_totals VALUES ('410302', 64566.8, 23502.3, 59235.6, 25546.0)"))
        engine.dispose()
        settings = json.loads((ws.root / "techreform.json").read_text())
        settings["statistics"] = {
            "url": url,
            "projects_table": "fai_projects",
            "totals_table": "fai_totals",
            "period_column": "报告期",
        }
        (ws.root / "techreform.json").write_text(json.dumps(settings))
        e = extract.load(ws, "2026Q3")
    assert _facts(e) == [
        ("S1", "410302", "91410300MA44L7K52Q", 1611.9, "2026-410302-35-03-971513"),
        ("S2", "410303", "91410302MA9F5C6Y2X", 10891.5, None),
    ]
    assert [r["tech_ytd"] for r in e.totals.rows] == [23502.3]
    assert "fai_projects" in e.source


def test_the_watcher_announces_an_extract_until_it_is_loaded_or_found_unusable(ws):
    """A new extract is announced until it is loaded; a changed one again. A broken one is announced
    until a reconciliation finds it unusable, then not again until the bureau sends another. The
    watcher reads no table and writes nothing; a folder not named as a period is no extract."""
    from techreform import pipeline, warehouse

    engine = warehouse.connect(ws.database_url, migrate=False)
    warehouse.upgrade(engine)
    engine.dispose()
    root = str(ws.root)
    assert pipeline.new_statistics(root) == []
    _xlsx(ws.stats / "2026Q3" / "projects.xlsx", [HEADERS[:3], ["S1"]])  # broken: columns missing
    _xlsx(ws.stats / "2026Q3_旧" / "projects.xlsx", [HEADERS, *ROWS])
    assert pipeline.new_statistics(root) == ["2026Q3"]
    assert pipeline.new_statistics(root) == ["2026Q3"]  # nothing is marked by looking
    with pytest.raises(ExtractError):
        pipeline.reconcile(root, "2026Q3")
    assert pipeline.new_statistics(root) == []  # found unusable: not announced again
    _xlsx(ws.stats / "2026Q3" / "projects.xlsx", [HEADERS, *ROWS])  # sent again, whole
    _xlsx(ws.stats / "2026Q2" / "projects.xlsx", [HEADERS, *ROWS])
    assert pipeline.new_statistics(root) == ["2026Q2", "2026Q3"]
    assert extract.fingerprint(ws, "2026Q3") == extract.load(ws, "2026Q3").sha256
    assert extract.fingerprint(ws, "2026Q4") is None
