"""Chinese company and project names reduced to what identifies them (DESIGN.md §4).

The county writes 洛阳市金联重工有限公司 where the statistics system holds 金联重工（洛阳）有限责任公司;
one writes 年产2万吨新型建材技术改造项目, the other 年产2万吨新型建材技改项目. Both sides are reduced
the same way before they are compared:

- full-width letters, digits and brackets become half-width (NFKC), spaces go;
- place names of the jurisdiction's province (河南省/河南, 洛阳市/洛阳, 新安县/新安 …) are dropped
  at the start of a name and wherever they stand in brackets; a county-level name without its
  suffix (县/区/市) is dropped only when at least three characters of the name are left after the
  legal form or the boilerplate words, since many bare district names are ordinary words (红旗,
  解放, 中原, 文化): 红旗机械有限公司 and 解放机械有限公司 stay apart;
- the legal form at the end of a company name goes (有限公司, 有限责任公司, 股份有限公司, 集团有限公司…);
- the boilerplate words of a project name go (项目, 技术改造, 技改, 建设, 工程, 年产), and Chinese
  numerals before 期 become digits (二期 → 2期), so 一期 and 二期 still differ.

>>> places = Places.for_jurisdiction("410300")
>>> company_key("洛阳市金联重工有限公司", places) == company_key("金联重工（洛阳）有限责任公司", places)
True
>>> project_key("年产2万吨新型建材技术改造项目", places)
'2万吨新型建材'
>>> project_key("智能化改造二期", places) != project_key("智能化改造一期", places)
True
>>> xinxiang = Places.for_jurisdiction("410700")
>>> company_key("红旗机械有限公司", xinxiang), company_key("红旗区机械有限公司", xinxiang)
('红旗机械', '机械')
>>> company_key("新乡重工有限公司", xinxiang), company_key("新乡市重工有限公司", xinxiang)
('重工', '重工')
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from techreform.reference.codes import gb2260

_SPACES = re.compile(r"\s+")
_BRACKETS = str.maketrans(
    {"（": "(", "）": ")", "【": "(", "】": ")", "[": "(", "]": ")", "〔": "(", "〕": ")"}
)
_BRACKET_GROUP = re.compile(r"\(([^()]*)\)")
_LEGAL_FORM = re.compile(
    r"(集团)?(股份)?(有限)?(责任)?(公司|有限公司)$|(股份合作|合伙)?(企业|厂)\(?(普通合伙|有限合伙)?\)?$"
)
_PROJECT_WORDS = re.compile(r"技术改造|技改|建设|项目|工程|年产")
_PLACE_SUFFIX = re.compile(r"(省|市|县|区|自治县|自治州|地区|盟|旗|回族区|回族自治县|新区|特别行政区)$")
_CN_DIGITS = {
    "一": "1",
    "二": "2",
    "三": "3",
    "四": "4",
    "五": "5",
    "六": "6",
    "七": "7",
    "八": "8",
    "九": "9",
}
_PHASE = re.compile(r"([一二三四五六七八九十])期")


@dataclass(frozen=True)
class Places:
    """Place names that may stand before or inside a name in the jurisdiction's province,
    longest first (so 洛阳市 goes before 洛阳 is tried)."""

    names: tuple[str, ...]
    bare: frozenset[str] = frozenset()  # county-level names above without their 县/区/市 suffix

    def __post_init__(self) -> None:
        # a prefix is found by slicing the name at each length a place name has (longest first) and
        # asking a set, not by trying every place name: a province has hundreds of them
        object.__setattr__(self, "_lengths", tuple(sorted({len(n) for n in self.names}, reverse=True)))
        object.__setattr__(self, "_set", frozenset(self.names))

    @classmethod
    @cache
    def for_jurisdiction(cls, code: str) -> Places:
        province = code[:2]
        found: set[str] = set()
        bare_names: set[str] = set()
        city_names: set[str] = set()  # a province's or city's bare name (新乡) is always a prefix
        for division in gb2260.divisions().values():  # retired ones too: registries keep old names
            if division.code[:2] != province:
                continue
            name = division.name
            found.add(name)
            bare = name
            while True:  # 瀍河回族区 → 瀍河; 河南省 → 河南
                shorter = _PLACE_SUFFIX.sub("", bare)
                if shorter == bare or len(shorter) < 2:
                    break
                bare = shorter
            if len(bare) >= 2:
                found.add(bare)
                if division.code[4:] == "00":
                    city_names.add(bare)
                elif bare != name:
                    bare_names.add(bare)
        full = {d.name for d in gb2260.divisions().values() if d.code[:2] == province}
        return cls(
            tuple(sorted(found, key=lambda n: (-len(n), n))), frozenset(bare_names - full - city_names)
        )

    def strip_leading(self, s: str, *, bare: bool = True) -> str:
        """``s`` without the place names it starts with (at least two characters are left);
        with ``bare=False`` only full names (洛阳市, 红旗区) are dropped, not bare ones (洛阳, 红旗)."""
        lengths: tuple[int, ...] = getattr(self, "_lengths")  # noqa: B009
        known: frozenset[str] = getattr(self, "_set")  # noqa: B009
        changed = True
        while changed and s:
            changed = False
            for n in lengths:
                if len(s) > n + 1 and s[:n] in known and (bare or s[:n] not in self.bare):
                    s = s[n:]
                    changed = True
                    break
        return s

    def is_place(self, s: str) -> bool:
        return s in getattr(self, "_set")  # noqa: B009


def _base(text: str | None) -> str:
    s = unicodedata.normalize("NFKC", text or "")
    return _SPACES.sub("", s).translate(_BRACKETS)


def _drop_place_brackets(s: str, places: Places) -> str:
    s = _BRACKET_GROUP.sub(lambda m: "" if places.is_place(m.group(1)) else m.group(1), s)
    return s.replace("(", "").replace(")", "")


# a bare place name is taken for a prefix only when this much of the name is left without it
_DISTINCTIVE = 3


def _without_places(s: str, places: Places, rest: Callable[[str], str]) -> str:
    """``s`` without its leading place names; a bare one only when ``rest`` of what is left is
    distinctive (see the module's text)."""
    full_only = places.strip_leading(s, bare=False)
    all_gone = places.strip_leading(s)
    return all_gone if len(rest(all_gone)) >= _DISTINCTIVE else full_only


def _company_rest(s: str) -> str:
    stripped = _LEGAL_FORM.sub("", s)
    return stripped if len(stripped) >= 2 else s


def _project_rest(s: str) -> str:
    s = _PHASE.sub(lambda m: f"{_CN_DIGITS.get(m.group(1), '10')}期", s)
    stripped = _PROJECT_WORDS.sub("", s)
    return stripped if len(stripped) >= 2 else s


def company_key(name: str | None, places: Places) -> str:
    """A company name without place names and legal form."""
    s = _drop_place_brackets(_base(name), places)
    return _company_rest(_without_places(s, places, _company_rest))


def project_key(name: str | None, places: Places) -> str:
    """A project name without place names and boilerplate words."""
    s = _drop_place_brackets(_base(name), places)
    return _project_rest(_without_places(s, places, _project_rest))


_DASHES = re.compile(r"[－—–‐―~～_]")


def code_key(code: str | None) -> str:
    """A code as compared: half-width, upper case, no spaces, one kind of dash."""
    return _DASHES.sub("-", _base(code).upper())
