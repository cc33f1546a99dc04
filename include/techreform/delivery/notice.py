"""The mail's content: a short official notice in Chinese with the key figures of the jurisdiction and
the ranking chart of the first key indicator as an inline image."""

from __future__ import annotations

import html
from pathlib import Path

from techreform.delivery import Message
from techreform.indicators import Indicators
from techreform.indicators.catalogue import CUMULATIVE, Indicator
from techreform.reference.periods import Period
from techreform.reference.profiles import Profile

CHART_NAME = "ranking.png"


def _cjk_font() -> str | None:
    from matplotlib import font_manager

    for f in font_manager.fontManager.ttflist:
        if "CJK" in f.name or f.name in (
            "SimHei",
            "Microsoft YaHei",
            "WenQuanYi Zen Hei",
            "Source Han Sans SC",
        ):
            return str(f.name)
    return None


def ranking_chart(path: Path, profile: Profile, result: Indicators, ind: Indicator) -> Path | None:
    """A horizontal bar chart of the units' completion (or value) of ``ind``; None without data.
    Labels are unit names where a Chinese font is installed, else unit codes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [r for r in result.of(ind.id) if r.unit != profile.jurisdiction.code and r.rank is not None]
    font = _cjk_font()
    if not rows or font is None:  # without a Chinese font the chart would speak in codes
        return None
    rows.sort(key=lambda r: (r.rank or 0, r.unit))
    by_rate = any(r.completion_rate is not None for r in rows)
    values = [(r.completion_rate or 0.0) * 100 if by_rate else (r.value or 0.0) for r in rows]
    labels = [(unit.name if font and (unit := profile.unit(r.unit)) else r.unit) for r in rows]
    if font:
        plt.rcParams["font.family"] = font
    fig, ax = plt.subplots(figsize=(6.4, 0.32 * len(rows) + 1.2), dpi=110)
    ax.barh(range(len(rows)), values, color="#4472C4")
    ax.set_yticks(range(len(rows)), labels)
    ax.invert_yaxis()
    if by_rate and rows[0].time_progress is not None:
        ax.axvline(rows[0].time_progress * 100, color="#C00000", linestyle="--", linewidth=1)
    title = f"{ind.name}{'完成率（%）' if by_rate else f'（{ind.unit}）'}" if font else ind.id
    ax.set_title(title)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)
    return path


def _figure(ind: Indicator, value: float | None) -> str:
    if value is None:
        return "—"
    if ind.unit == "万元":
        return f"{value / 10000:,.2f}亿元" if abs(value) >= 10000 else f"{value:,.1f}万元"
    if ind.unit in ("%", "百分点"):
        return f"{value:.1f}{'%' if ind.unit == '%' else '个百分点'}"
    return f"{value:,.0f}{ind.unit}"


def compose(
    profile: Profile,
    period: Period,
    result: Indicators,
    key: list[Indicator],
    workbooks: list[Path],
    chart: Path | None,
) -> Message:
    office = profile.leadership_office or "领导小组办公室"
    kinds = "、".join(p.stem.split("_")[0] for p in workbooks)
    lines = []
    for ind in key[:6]:
        t = next((r for r in result.of(ind.id) if r.unit == profile.jurisdiction.code), None)
        if t is None or t.value is None:
            continue
        text = f"{ind.name}{_figure(ind, t.value)}"
        if t.target is not None and t.completion_rate is not None:
            text += f"，完成年度目标的{t.completion_rate:.1%}"
            if ind.kind == CUMULATIVE and t.time_progress is not None:
                text += f"（序时进度{t.time_progress:.0%}）"
        lines.append(f"<li>{html.escape(text)}</li>")
    chart_html = (
        f"<p>各{html.escape(profile.unit_kind)}完成情况排名：</p>"
        f'<p><img src="cid:{CHART_NAME}" alt="排名图"></p>'
        if chart
        else ""
    )
    body = (
        '<html><body style="font-family: FangSong, STFangsong, serif; font-size: 16px;">'
        f"<p>{html.escape(office)}：</p>"
        f"<p>　　现将{html.escape(profile.jurisdiction.name)}{period.label}技术改造"
        f"{html.escape(kinds)}报送如下，详见附件。主要情况：</p>"
        f"<ul>{''.join(lines)}</ul>"
        f"{chart_html}"
        "<p>　　数据来源：投资数据来自统计局固定资产投资统计，项目、企业和认定数据来自各单位季度报表。</p>"
        f'<p style="text-align: right;">{html.escape(profile.issuer or profile.name)}</p>'
        "</body></html>"
    )
    subject = f"{profile.jurisdiction.name}{period.label}技术改造{kinds}"
    return Message(subject, body, list(workbooks), [chart] if chart else [])
