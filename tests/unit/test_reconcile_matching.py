"""Reconciliation: names, tiers, one-to-one assignment, the bureau's decisions, categories."""

from __future__ import annotations

import pytest

from techreform.reconcile import categories as cat
from techreform.reconcile.categories import LibraryProject, StatsProject, amounts_agree, categorise
from techreform.reconcile.match import (
    TIER_CODE,
    TIER_MANUAL,
    TIER_NAMES,
    TIER_USCC,
    Decisions,
    Record,
    match,
)
from techreform.reconcile.names import Places, company_key, project_key

PLACES = Places.for_jurisdiction("410300")
USCC = "91410300MA44L7K52Q"
OTHER_USCC = "91410302MA9F5C6Y2X"


@pytest.mark.parametrize(
    "county, registry",
    [
        ("洛阳市金联重工有限公司", "金联重工（洛阳）有限责任公司"),  # prefix into brackets, legal form
        ("河南省洛阳金联重工有限公司", "洛阳金联重工股份有限公司"),  # province prefix
        ("金联重工(洛阳)有限公司", "金联重工（洛阳）有限公司"),  # bracket width
        ("洛阳金联重工有限公司", "洛阳 金联重工 有限公司"),  # spaces
        ("新安县金联重工有限公司", "新安金联重工有限公司"),  # county with and without 县
        ("ＡＢＣ金联重工有限公司", "ABC金联重工有限公司"),  # full-width letters
    ],
)
def test_company_names_reduce_to_the_same_key(county, registry):
    assert company_key(county, PLACES) == company_key(registry, PLACES)


@pytest.mark.parametrize(
    "county, registry",
    [
        ("年产2万吨新型建材技术改造项目", "年产2万吨新型建材技改项目"),
        ("智能仓储物流系统建设项目", "智能仓储物流系统建设"),
        ("洛阳市智能仓储物流系统项目", "智能仓储物流系统"),
        ("数字化车间（一期）技术改造项目", "数字化车间(1期)技改"),
    ],
)
def test_project_names_reduce_to_the_same_key(county, registry):
    assert project_key(county, PLACES) == project_key(registry, PLACES)


@pytest.mark.parametrize(
    "one, other",
    [
        ("红旗机械有限公司", "解放机械有限公司"),  # bare district names (新乡 红旗区, 焦作 解放区) are words
        ("中原机械厂", "文化机械厂"),
    ],
)
def test_bare_district_names_that_are_words_keep_companies_apart(one, other):
    places = Places.for_jurisdiction("410700")
    assert company_key(one, places) != company_key(other, places)
    # but a full district name, or a bare one before a distinctive name, is still a prefix
    assert company_key("红旗区金龙铜管有限公司", places) == company_key("红旗金龙铜管有限公司", places)


def test_phases_stay_apart():
    assert project_key("智能化改造一期项目", PLACES) != project_key("智能化改造二期项目", PLACES)


def rec(
    key, unit="410302", code=None, uscc=USCC, ent="洛阳金联重工有限公司", name="智能化改造项目", ytd=100.0
):
    return Record(key, unit, code, uscc, ent, name, ytd)


def test_tier_one_links_by_project_code_across_names():
    links = match(
        [rec("L1", code="2026-410302-35-03-971513", name="废水循环利用改造项目")],
        [rec("S1", code="2026-410302-35-03-971513", name="完全不同的名字")],
        PLACES,
    )
    assert [(x.library, x.stats, x.tier) for x in links] == [("L1", "S1", TIER_CODE)]


def test_a_mistyped_digit_in_the_project_code_falls_to_credit_code_and_name():
    links = match(
        [rec("L1", code="2026-410302-35-03-971513", name="年产2万吨新型建材技术改造项目")],
        [rec("S1", code="2026-410302-35-03-971518", name="年产2万吨新型建材技改项目")],
        PLACES,
    )
    assert [(x.stats, x.tier) for x in links] == [("S1", TIER_USCC)]
    assert links[0].project_score == 100.0


def test_a_blank_project_code_is_linked_by_credit_code_and_name():
    links = match([rec("L1", code=None)], [rec("S1", code="2026-410302-35-03-971513")], PLACES)
    assert [(x.stats, x.tier) for x in links] == [("S1", TIER_USCC)]


def test_a_mistyped_credit_code_and_no_project_code_are_linked_by_names_within_the_unit():
    links = match(
        [rec("L1", uscc="91410300MA44L7K52X", ent="洛阳市金联重工有限公司", name="数控机床智能化改造项目")],
        [rec("S1", uscc=USCC, ent="金联重工（洛阳）有限责任公司", name="数控机床智能化改造")],
        PLACES,
    )
    assert [(x.stats, x.tier) for x in links] == [("S1", TIER_NAMES)]


def test_names_alike_in_another_unit_are_not_linked():
    links = match(
        [rec("L1", uscc=None, unit="410302")],
        [rec("S1", uscc=None, unit="410303")],
        PLACES,
    )
    assert links == []


def test_two_projects_of_one_enterprise_each_find_their_own():
    library = [
        rec("L1", name="智能化改造一期项目", ytd=100.0),
        rec("L2", name="智能化改造二期项目", ytd=300.0),
    ]
    stats = [
        rec("S2", name="智能化改造二期", ytd=290.0),
        rec("S1", name="智能化改造一期", ytd=95.0),
    ]
    links = match(library, stats, PLACES)
    assert sorted((x.library, x.stats) for x in links) == [("L1", "S1"), ("L2", "S2")]


def test_assignment_is_one_to_one_and_stable():
    library = [rec("L1"), rec("L2")]
    stats = [rec("S1")]
    first = match(library, stats, PLACES)
    assert len(first) == 1 and first[0].library == "L1"  # equal scores: the stable key decides
    assert match(list(reversed(library)), stats, PLACES) == first


def test_the_bureaus_decisions_override_the_algorithm():
    library = [rec("L1", code="2026-410302-35-03-971513"), rec("L2", uscc=OTHER_USCC, name="别的项目")]
    stats = [rec("S1", code="2026-410302-35-03-971513")]
    rejected = match(library, stats, PLACES, Decisions(rejected={("L1", "S1")}))
    assert rejected == []
    linked = match(library, stats, PLACES, Decisions(linked=[("L2", "S1")]))
    assert [(x.library, x.stats, x.tier) for x in linked] == [("L2", "S1", TIER_MANUAL)]


def lib(key, unit="410302", code=None, total=800.0, ytd=100.0, status="续建"):
    return LibraryProject(key, unit, code, total, ytd, status)


def test_categories_on_both_sides():
    library = [
        lib("matched"),
        lib("amount", ytd=200.0),
        lib("nature"),
        lib("missing"),
        lib("small", total=300.0),
        lib("planned", status="计划"),
        lib("dup1", unit="410302", code="2026-410302-35-03-000001"),
        lib("dup2", unit="410303", code="2026-410302-35-03-000001"),
    ]
    stats = [
        StatsProject("S-m", "410302", "改建和技术改造", 104.0),
        StatsProject("S-a", "410302", "改建和技术改造", 100.0),
        StatsProject("S-n", "410302", "扩建", 100.0),
        StatsProject("S-lost", "410302", "改建和技术改造", 50.0),
        StatsProject("S-new", "410302", "新建", 50.0),
    ]
    links = [_link("matched", "S-m"), _link("amount", "S-a"), _link("nature", "S-n")]
    lib_cat, stats_cat = categorise(library, stats, links, threshold=500)
    assert lib_cat == {
        "matched": cat.MATCHED,
        "amount": cat.AMOUNT_MISMATCH,
        "nature": cat.NATURE_MISMATCH,
        "missing": cat.MISSING_FROM_STATS,
        "small": cat.NOT_REQUIRED,
        "planned": cat.NOT_REQUIRED,
        "dup1": cat.DUPLICATE_REPORT,
        "dup2": cat.DUPLICATE_REPORT,
    }
    assert stats_cat == {
        "S-m": cat.MATCHED,
        "S-a": cat.AMOUNT_MISMATCH,
        "S-n": cat.NATURE_MISMATCH,
        "S-lost": cat.MISSING_FROM_LIBRARY,
        "S-new": cat.NOT_REQUIRED,
    }


def _link(library, stats):
    from techreform.reconcile.match import Link

    return Link(library, stats, TIER_CODE, 100.0, 100.0, "", "", "", "")


@pytest.mark.parametrize(
    "library, stats, agree",
    [
        (100.0, 105.0, True),  # within 10万
        (100.0, 111.0, False),
        (1000.0, 1050.0, True),  # within 5%
        (1000.0, 1060.0, False),
    ],
)
def test_amounts_agree_within_five_percent_or_ten_wan(library, stats, agree):
    assert amounts_agree(library, stats) is agree


def test_two_swapped_digits_in_the_project_code_are_one_mistake():
    links = match(
        [rec("L1", code="2026-410302-35-03-012345")],
        [rec("S1", code="2026-410302-35-03-021345")],
        PLACES,
    )
    assert [(x.stats, x.tier) for x in links] == [("S1", TIER_USCC)]


def test_two_different_project_codes_of_one_enterprise_are_not_linked_by_name():
    links = match(
        [rec("L1", code="2026-410302-35-03-012345")],
        [rec("S1", code="2025-410302-35-03-987654")],
        PLACES,
    )
    assert links == []
