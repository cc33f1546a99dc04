"""Delivering a period's workbooks to the leadership office: the ones not sent yet, in one mail."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Engine

from techreform.delivery import FAILED, SENT, Settings, pending, record
from techreform.delivery.notice import CHART_NAME, compose, ranking_chart
from techreform.indicators import Indicators
from techreform.reference.periods import Period
from techreform.workbooks.check import CheckInputs, key_indicators
from techreform.workspace import Workspace

log = logging.getLogger(__name__)


@dataclass
class DeliveryResult:
    sent: list[Path] = field(default_factory=list)
    note: str = ""


def leadership_workbooks(ws: Workspace, period: Period) -> list[Path]:
    """The period's workbooks for the leadership office (not the bureau's 对账 workbook)."""
    folder = ws.reports_for(str(period))
    names = [f"季度检查_{period}.xlsx", f"半年通报_{period.year}H1.xlsx", f"年度考核_{period.year}.xlsx"]
    return [folder / n for n in names if (folder / n).exists()]


def nothing_to_send(ws: Workspace, engine: Engine, period: Period) -> str | None:
    """Why nothing is to be mailed (no recipients, nothing new), or None: then the figures are needed."""
    if Settings.of(ws.settings) is None:
        return "未配置领导小组办公室的收件人（工作区设置 delivery.to），本次未发送邮件"
    books = leadership_workbooks(ws, period)
    if not books:
        return f"{period.label}尚无报送领导小组办公室的工作簿，本次未发送邮件"
    if not pending(engine, books):
        return "工作簿均已发送过，内容未变，不再重复发送"
    return None


def deliver(
    ws: Workspace, engine: Engine, period: Period, result: Indicators, inputs: CheckInputs
) -> DeliveryResult:
    """Mail what has not been sent; raises after recording a failure (to be retried)."""
    from techreform.delivery.send import send

    note = nothing_to_send(ws, engine, period)
    settings = Settings.of(ws.settings)
    if note is not None or settings is None:
        return DeliveryResult(note=note or "")
    todo = pending(engine, leadership_workbooks(ws, period))
    key = key_indicators(inputs)
    chart = (
        ranking_chart(ws.reports_for(str(period)) / ".mail" / CHART_NAME, inputs.profile, result, key[0])
        if key
        else None
    )
    message = compose(inputs.profile, period, result, key, todo, chart)
    try:
        send(message, settings)
    except Exception as e:
        record(engine, str(period), todo, settings.to, FAILED, f"{type(e).__name__}: {e}")
        log.error("mail to %s failed: %s", settings.to, e)
        raise
    record(engine, str(period), todo, settings.to, SENT)
    return DeliveryResult(sent=todo, note=f"已发送 {len(todo)} 个工作簿至 {', '.join(settings.to)}")
