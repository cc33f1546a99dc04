"""National codes: each standard's exceptions, their Chinese messages through the rules, a receipt.

The codes package says what is wrong by the stdnum exception class; the rules (return_rules.yaml,
rules/code_messages.py) say it to the county in one message per kind.
"""

from __future__ import annotations

import datetime as dt
import random

import openpyxl
import pytest
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)

from techreform.reference.codes import gb2260, gb4754, project_code, uscc
from techreform.rules import code_messages, format_message, load_rules
from techreform.workbooks.receipt import RECEIPT_SHEET, write_receipt
from tests.conftest import PERIOD, PROJECT_HEADERS, UNIT, USCCS, rows, validate, write_return

GOOD_USCC = USCCS[0]  # 9141030424BU4JR96F


def _raises(validate_fn, value, *args) -> type[ValidationError]:
    with pytest.raises(ValidationError) as info:
        validate_fn(value, *args)
    return type(info.value)


# ------------------------------------------------------------------------ 统一社会信用代码


@pytest.mark.parametrize(
    "value, expected",
    [
        ("91110000600037341L", "91110000600037341L"),
        (GOOD_USCC, GOOD_USCC),
        (GOOD_USCC.lower(), GOOD_USCC),  # lower-case letters: the same code
        ("9141 0304 24BU-4JR9 6F", GOOD_USCC),
        ("Y1410304MA44XXXX0" + uscc.calc_check_digit("Y1410304MA44XXXX0"), None),  # 其他 authority
    ],
)
def test_uscc_valid(value, expected):
    assert uscc.validate(value) == (expected or uscc.compact(value))
    assert uscc.is_valid(value)


@pytest.mark.parametrize(
    "value, error, position",
    [
        ("9141030424BU4JR96A", InvalidChecksum, None),  # the check character mistyped
        ("9141030424BU4JR69F", InvalidChecksum, None),  # two characters swapped
        ("91410304MA44XXXX", InvalidLength, None),
        (GOOD_USCC + "1", InvalidLength, None),
        ("914103BU4JR96F", InvalidLength, None),  # too short: the letters are not blamed
        ("9141030424BU4JRO6F", InvalidFormat, 16),  # letter O for the digit 0
        ("91A1030424BU4JR96F", InvalidFormat, 3),  # positions 3–8 are digits
        ("9141030424BU4JR96号", InvalidFormat, 18),
        ("9141030424BU4JR96F）", InvalidFormat, 19),
        ("9141030424bu4jr9of", InvalidFormat, 17),  # lower-case o is still the letter O
    ]
    + [(GOOD_USCC[:10] + c + GOOD_USCC[11:], InvalidFormat, 11) for c in "IOZSV"],
)
def test_uscc_invalid(value, error, position):
    assert _raises(uscc.validate, value) is error
    assert not uscc.is_valid(value)
    bad = uscc.first_invalid_character(value)
    assert (bad[0] if bad else None) == position


def test_uscc_agrees_with_stdnum_on_codes_of_enterprises():
    rng = random.Random(7)
    for _ in range(2000):
        body = "91" + rng.choice(["410304", "110000", "320506"]) + "".join(rng.choices(uscc.ALPHABET, k=9))
        code = body + rng.choice(uscc.ALPHABET)
        assert uscc.is_valid(code) == stdnum_uscc.is_valid(code), code
        assert uscc.is_valid(body + uscc.calc_check_digit(body))


# ------------------------------------------------------------------------ project code


def test_project_code_valid():
    assert project_code.validate("2025-410304-34-03-107856") == "2025-410304-34-03-107856"
    assert project_code.validate("2025－410304－34－03－107856") == "2025-410304-34-03-107856"
    assert project_code.is_valid("2017-110103-34-03-000001")  # retired division, old code
    assert project_code.is_valid("2025-999999-34-03-107857", frozenset({"999999"}))
    assert project_code.division("2025-410304-34-03-107856") == "410304"
    assert project_code.format("2025 4103043403 107856") == "2025-410304-34-03-107856"


@pytest.mark.parametrize(
    "value, error",
    [
        ("2025410304340310785", InvalidLength),
        ("2025-410304-34-03-1078567", InvalidLength),
        ("20254103043403107856", InvalidFormat),  # 20 digits, no hyphens
        ("2025-4103043-4-03-107856", InvalidFormat),  # hyphens in the wrong places
        ("2025-410304-34-03-10785A", InvalidFormat),
        ("2025/410304/34/03/107856", InvalidFormat),
        ("2025-999999-34-03-107857", InvalidComponent),
        ("2025-410399-34-03-107857", InvalidComponent),
    ],
)
def test_project_code_invalid(value, error):
    assert _raises(project_code.validate, value) is error
    assert not project_code.is_valid(value)


# ------------------------------------------------------------------------ GB/T 2260, GB/T 4754


def test_gb2260():
    assert gb2260.validate("410304") == "410304" and gb2260.name("410304") == "瀍河回族区"
    assert gb2260.is_valid("110103") and not gb2260.is_current("110103")  # 崇文区, retired 2010
    assert gb2260.divisions()["410300"].level == "prefecture"
    assert len(gb2260.divisions()) > 6000
    assert _raises(gb2260.validate, "41030") is InvalidLength
    assert _raises(gb2260.validate, "4103041") is InvalidLength
    assert _raises(gb2260.validate, "41O304") is InvalidFormat
    assert _raises(gb2260.validate, "999999") is InvalidComponent
    assert gb2260.name("999999") is None


def test_gb4754():
    assert list(gb4754.divisions()) == [f"{n:02d}" for n in range(6, 47)]
    assert all(gb4754.is_valid(f"{n:02d}") for n in range(6, 47))
    assert gb4754.name("34") == "通用设备制造业" and gb4754.section("13") == "C 制造业"
    for value in ("05", "47", "52", "00"):
        assert _raises(gb4754.validate, value) is InvalidComponent
    assert _raises(gb4754.validate, "3") is InvalidLength
    assert _raises(gb4754.validate, "341") is InvalidLength
    assert _raises(gb4754.validate, "C3") is InvalidFormat


# ------------------------------------------------------------------------ messages through the rules

H_USCC = PROJECT_HEADERS["uscc"]
H_CODE = PROJECT_HEADERS["project_code"]
H_IND = PROJECT_HEADERS["industry_code"]
IND_HINT = "应填国民经济行业分类（GB/T 4754-2017）工业大类的两位代码（06–46），如 34"
EXAMPLE = "2025-410304-34-03-107856"

MESSAGES = [
    (
        "uscc_checksum",
        "9141030424BU4JR96A",
        f"“{H_USCC}”9141030424BU4JR96A的第18位（校验位）与前17位对不上，其中有填错的字符：请对照营业执照逐位核对",
    ),
    (
        "uscc_checksum",
        "91410304MA44XXXX",
        f"“{H_USCC}”91410304MA44XXXX共16位，应为18位：请对照营业执照核对是否漏填或多填",
    ),
    (
        "uscc_checksum",
        "9141030424BU4JRO6F",
        f"“{H_USCC}”9141030424BU4JRO6F第16位“O”有误：第3–8位只能是数字，其余各位为数字或大写英文字母"
        "（不用I、O、Z、S、V），请对照营业执照核对",
    ),
    (
        "uscc_checksum",
        "91A1030424BU4JR96F",
        f"“{H_USCC}”91A1030424BU4JR96F第3位“A”有误：第3–8位只能是数字，其余各位为数字或大写英文字母"
        "（不用I、O、Z、S、V），请对照营业执照核对",
    ),
    (
        "bad_project_code",
        "2025410304340310785",
        f"“{H_CODE}”2025410304340310785有19位数字，应为20位（如 {EXAMPLE}）：请按备案（核准）文件核对",
    ),
    (
        "bad_project_code",
        "20254103043403107856",
        f"“{H_CODE}”20254103043403107856格式不对："
        f"应为 年份-6位行政区划代码-2位-2位-6位流水号，只含数字和“-”，如 {EXAMPLE}",
    ),
    (
        "bad_project_code",
        "2025-999999-34-03-107857",
        f"“{H_CODE}”2025-999999-34-03-107857第二段“999999”不是行政区划代码：请按备案（核准）文件核对",
    ),
    (
        "bad_industry",
        "52",
        f"“{H_IND}”52不是工业的行业大类：{IND_HINT}",
    ),
    (
        "bad_industry",
        "3",
        f"“{H_IND}”3不是两位数字：{IND_HINT}",
    ),
    (
        "bad_industry",
        "C3",
        f"“{H_IND}”C3不是两位数字：{IND_HINT}",
    ),
]


@pytest.mark.parametrize("rule_id, value, expected", MESSAGES, ids=[f"{r}-{v}" for r, v, _ in MESSAGES])
def test_code_message_for_each_kind(profile, rule_id, value, expected):
    rule = next(r for r in load_rules(profile) if r.id == rule_id and r.sheet == "项目表")
    row = {rule.field: value, f"{rule.field}__raw": value}
    assert format_message(rule, row, {rule.field: PROJECT_HEADERS[rule.field]}) == expected


def test_every_kind_a_code_raises_has_its_own_message(profile):
    """No kind falls back on the rule's general message: each says what is wrong."""
    kinds = {
        code_messages.USCC: {InvalidFormat, InvalidLength, InvalidChecksum},
        code_messages.PROJECT_CODE: {InvalidFormat, InvalidLength, InvalidComponent},
        code_messages.INDUSTRY: {InvalidFormat, InvalidLength, InvalidComponent},
    }
    code_rules = [r for r in load_rules(profile) if code_messages.is_code_rule(r.expectation)]
    assert {(r.sheet, r.id) for r in code_rules} == {
        ("项目表", "uscc_checksum"),
        ("项目表", "bad_project_code"),
        ("项目表", "bad_industry"),
        ("认定表", "uscc_checksum"),
    }
    for rule in code_rules:
        messages = dict(rule.messages)
        templates = {code_messages.message_template(messages, k(), "") for k in kinds[rule.expectation]}
        assert "" not in templates and len(templates) >= 2, rule.id
        for t in templates:
            assert t.startswith("“{header}”{value}") and t.count("统一社会信用代码") <= 1, t


def test_recognition_credit_code_says_the_same(profile):
    rules = {(r.sheet, r.id): r for r in load_rules(profile)}
    assert rules[("认定表", "uscc_checksum")].messages == rules[("项目表", "uscc_checksum")].messages


# ------------------------------------------------------------------------ a receipt


def _receipt_rows(ws) -> list[list]:
    header = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "序号")
    return [[c.value for c in row][:8] for row in ws.iter_rows(min_row=header + 1) if row[0].value]


@pytest.mark.slow  # over a second: outside the inner loop
def test_receipt_says_one_clear_thing_per_bad_credit_code(tmp_path, validator, empty_warehouse):
    data = rows(4)
    data[0]["uscc"] = "9141030424BU4JR96A"  # check character
    data[1]["uscc"] = USCCS[1].lower()  # lower case: accepted
    data[2]["uscc"] = "9141030408TKG4YD1"  # 17 characters
    data[3]["uscc"] = "9141030424BU4JRO6F"  # letter O
    rf = write_return(tmp_path / f"{UNIT}_{PERIOD}.xlsx", data)
    (pending,) = validate(empty_warehouse, validator, [(rf.path, UNIT, PERIOD)])
    uscc_findings = [f for f in pending.findings if f.field == "uscc"]
    assert [(f.rule_id, f.row) for f in uscc_findings] == [
        ("uscc_checksum", rf.rows[0]),
        ("uscc_checksum", rf.rows[2]),
        ("uscc_checksum", rf.rows[3]),
    ]
    out = write_receipt(
        tmp_path / "receipt.xlsx",
        unit_code=UNIT,
        unit_name="瀍河回族区",
        file_name=rf.path.name,
        period=str(PERIOD),
        status="rejected",
        received_at=dt.datetime(2026, 4, 3, 10, 7),
        deadline=dt.date(2026, 4, 8),
        summary="有 3 条错误，本次报表退回。",
        findings=pending.findings,
        source=rf.path,
    )
    table = _receipt_rows(openpyxl.load_workbook(out)[RECEIPT_SHEET])
    by_row = {r[3]: r for r in table if r[4] and str(r[4]).startswith(H_USCC)}
    assert sorted(by_row) == [rf.rows[0], rf.rows[2], rf.rows[3]]  # one line per bad code, none for the rest
    messages = {row: r[7] for row, r in by_row.items()}
    assert messages[rf.rows[0]] == (
        f"“{H_USCC}”9141030424BU4JR96A的第18位（校验位）与前17位对不上，其中有填错的字符：请对照营业执照逐位核对"
    )
    assert messages[rf.rows[2]] == (
        f"“{H_USCC}”9141030408TKG4YD1共17位，应为18位：请对照营业执照核对是否漏填或多填"
    )
    assert messages[rf.rows[3]].startswith(f"“{H_USCC}”9141030424BU4JRO6F第16位“O”有误：")
    for m in messages.values():  # said once: no nested reasons, no repeated advice
        assert m.count("统一社会信用代码") <= 1 and m.count("营业执照") == 1 and "（（" not in m
