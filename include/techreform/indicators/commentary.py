"""The half-year bulletin's text (半年通报), written from the numbers only: who leads and who lags,
which indicators are behind time progress, who is flagged 预警, how the reporting went. Every
sentence is filled from a figure; where a figure is missing the sentence is left out."""

from __future__ import annotations

from techreform.indicators import Indicators
from techreform.indicators.catalogue import CUMULATIVE, Indicator
from techreform.indicators.forecast import Projection
from techreform.indicators.progress import BEHIND, NOT_MET, Standing
from techreform.indicators.reporting import Reporting
from techreform.reference.profiles import Profile


def _name(profile: Profile, code: str) -> str:
    u = profile.unit(code)
    return u.name if u else code


def _fmt(v: float, unit: str) -> str:
    if unit == "万元":
        return f"{v / 10000:,.2f}亿元" if abs(v) >= 10000 else f"{v:,.1f}万元"
    if unit in ("%", "百分点"):
        return f"{v:.1f}{'%' if unit == '%' else '个百分点'}"
    return f"{v:,.0f}{unit}"


def _list(names: list[str]) -> str:
    return "、".join(names)


def _total(result: Indicators, profile: Profile, ind: Indicator) -> Standing | None:
    return next((r for r in result.of(ind.id) if r.unit == profile.jurisdiction.code), None)


def paragraphs(
    profile: Profile,
    year: int,
    result: Indicators,
    key: list[Indicator],
    projections: dict[tuple[str, str], Projection],
    rep: Reporting,
    missing_from_stats: int | None,
) -> list[tuple[str, list[str]]]:
    """(heading, paragraphs) of the bulletin, in the order an official bulletin reads."""
    out: list[tuple[str, list[str]]] = []
    place = profile.jurisdiction.name
    overall = []
    for ind in key:
        t = _total(result, profile, ind)
        if t is None or t.value is None:
            continue
        s = f"{ind.name}{_fmt(t.value, ind.unit)}"
        if t.target is not None and t.completion_rate is not None:
            s += f"，为年度目标（{_fmt(t.target, ind.unit)}）的{t.completion_rate:.1%}"
            if ind.kind == CUMULATIVE and t.time_progress is not None:
                gap = (t.completion_rate - t.time_progress) * 100
                s += f"，{'快于' if gap >= 0 else '慢于'}序时进度{abs(gap):.1f}个百分点"
            elif ind.kind != CUMULATIVE:
                s += "，已达到目标" if t.status != NOT_MET else "，未达到目标"
        overall.append(s)
    if overall:
        out.append(("一、总体情况", [f"{year}年上半年，{place}" + "；".join(overall) + "。"]))

    lead_lag = []
    for ind in key:
        ranked = sorted(
            (r for r in result.of(ind.id) if r.unit != profile.jurisdiction.code and r.rank is not None),
            key=lambda r: (r.rank or 0, r.unit),
        )
        if len(ranked) < 4:
            continue
        measure = "完成率" if ranked[0].completion_rate is not None else ""

        def show(r: Standing, ind: Indicator = ind, measure: str = measure) -> str:
            v = r.completion_rate if measure else r.value
            return (
                f"{_name(profile, r.unit)}（{v:.1%}）"
                if measure and v is not None
                else f"{_name(profile, r.unit)}（{_fmt(v or 0, ind.unit)}）"
            )

        lead_lag.append(
            f"{ind.name}{measure}居前三位的是{_list([show(r) for r in ranked[:3]])}，"
            f"居后三位的是{_list([show(r) for r in ranked[-3:]])}。"
        )
    if lead_lag:
        out.append(("二、各地进展", lead_lag))

    behind = []
    for ind in key:
        slow = [
            _name(profile, r.unit)
            for r in result.of(ind.id)
            if r.unit != profile.jurisdiction.code and r.status in (BEHIND, NOT_MET)
        ]
        if slow:
            word = "慢于序时进度" if ind.kind == CUMULATIVE else "未达到目标"
            behind.append(f"{ind.name}{word}的有{_list(slow)}（{len(slow)}个）。")
    if behind:
        out.append(("三、需要加快的方面", behind))

    warned: dict[str, list[str]] = {}
    for (unit, ind_id), p in sorted(projections.items()):
        if p.warning and unit != profile.jurisdiction.code:
            warned.setdefault(ind_id, []).append(_name(profile, unit))
    if warned:
        names = {i.id: i.name for i in result.indicators}
        text = "；".join(f"{names.get(i, i)}：{_list(us)}" for i, us in warned.items())
        out.append(
            (
                "四、预测预警",
                [
                    f"按目前进度推算，以下单位全年目标任务完成存在困难，予以预警：{text}。"
                    "请相关单位分析原因，采取有力措施加快进度。"
                ],
            )
        )

    quality = []
    if rep.on_time_rate is not None:
        quality.append(f"本季度应报{rep.expected}个单位，按时报送率{rep.on_time_rate:.1f}%")
    if rep.silent:
        quality.append(f"未报送的有{_list([u.name for u in rep.silent])}")
    if missing_from_stats is not None:
        quality.append(
            f"经与统计局固定资产投资库比对，应统未统项目{missing_from_stats}个，请相关单位督促入库，确保应统尽统"
        )
    if quality:
        out.append(("五、报送与统计工作", ["；".join(quality) + "。"]))
    return out
