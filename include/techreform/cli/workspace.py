"""Workspace commands: init, template, db upgrade (DESIGN.md §3.4)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from techreform.workspace import Workspace

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def cmd_init(a: argparse.Namespace) -> int:
    if a.from_document:
        from techreform.demo.document_goals import document_year
        from techreform.reference import profiles

        try:
            if not a.sample:
                raise ValueError("--from-document 需与 --sample 同用")
            a.year = document_year(profiles.load(a.profile), a.year)
        except ValueError as e:  # before anything is created
            print(f"错误：{e}", file=sys.stderr)
            return 2
    ws = Workspace(Path(a.workspace).resolve())
    if ws.exists():
        current = ws.settings["profile"]
        if current != a.profile:
            print(
                f"错误：工作区 {ws.root} 已使用政策配置 {current}，不能改为 {a.profile}；"
                "不同政策口径请分别建立工作区",
                file=sys.stderr,
            )
            return 2
    ws.create(a.profile, database_url=a.database_url)
    print(f"已创建工作区 {ws.root}（政策配置 {a.profile}）")
    if upgrade_warehouse(ws) != 0:
        return 1
    if a.from_document:
        return _document_city(ws, a.year)
    if a.sample:
        from techreform.demo import generate_city

        summary = generate_city(ws, ws.profile, year=a.year or 2026, quarters=a.quarters)
        print(f"已生成示例城市：{summary.get('returns', '?')} 份县区报表、统计局数据和目标责任书")
    return 0


def _document_city(ws: Workspace, year: int) -> int:
    """``init --sample --from-document``: the city of the document's figures, and what it meets."""
    from techreform.demo.document import generate_document_city
    from techreform.indicators.catalogue import catalogue

    profile = ws.profile
    summary = generate_document_city(ws, profile, year=year)
    names = {i.id: i.name for i in catalogue(profile)}

    def number(v: float | None) -> str:
        return "无" if v is None else f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2f}"

    def listed(figures: dict) -> str:
        return "；".join(f"{names.get(k, k)} {number(v)}" for k, v in figures.items())

    print(
        f"已按{profile.document}生成{profile.jurisdiction.name} {summary['year']} 年示例数据："
        f"{summary['returns']} 份报表（四个季度）、统计局数据和目标责任书"
    )
    if summary["honoured"]:
        print(f"年末合计与文件一致：{listed(summary['honoured'])}")
    if summary["at_least"]:
        print(f"达到或超过文件目标：{listed(summary['at_least'])}")
    for k, (want, got) in summary["missed"].items():
        print(f"未能达到：{names.get(k, k)} 文件 {number(want)}，生成 {number(got)}")
    for k, why in summary["unsupported"].items():
        print(f"未按文件生成：{names.get(k, k)}（{why}）")
    return 0


def upgrade_warehouse(ws: Workspace) -> int:
    """Bring the warehouse's schema to the newest migration, saying what was done (init, db upgrade)."""
    from alembic.util.exc import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    from techreform import warehouse as wh

    try:
        engine = wh.connect(ws.database_url, migrate=False)
        try:
            before = wh.current_revision(engine)
            wh.upgrade(engine)
            after = wh.current_revision(engine)
        finally:
            engine.dispose()
    except CommandError as e:  # a revision this code does not know: a newer techreform upgraded it
        print(f"错误：数据仓库的结构比本程序新，请升级 techreform 后再运行（{e}）", file=sys.stderr)
        return 1
    except SQLAlchemyError as e:
        print(
            f"错误：数据仓库无法升级（{type(e).__name__}: {str(e).splitlines()[0]}）；"
            f"请检查数据库地址与数据库服务，然后运行 techreform db upgrade {ws.root}",
            file=sys.stderr,
        )
        return 1
    if before == after:
        print(f"数据仓库已是最新结构（版本 {after}）")
    elif before is None:
        print(f"已建立数据仓库（结构版本 {after}）")
    else:
        print(f"数据仓库已升级：结构版本 {before} → {after}")
    return 0


def cmd_db_upgrade(a: argparse.Namespace) -> int:
    ws = Workspace(Path(a.workspace).resolve())
    ws.database_url  # fail early, in Chinese, if this is no workspace (unless a URL is set)  # noqa: B018
    return upgrade_warehouse(ws)


def warehouse_for_run(ws: Workspace) -> Engine:
    """The warehouse of a command-line run. A workspace's own SQLite file is upgraded on the spot
    (one machine, nothing else shares it: the quick start needs no extra step after an update);
    any other warehouse must already be at the newest migration (``techreform db upgrade``)."""
    from sqlalchemy.engine import make_url

    from techreform import warehouse as wh

    url = make_url(ws.database_url)
    local = url.get_backend_name() == "sqlite" and bool(url.database)
    local = local and Path(str(url.database)).resolve().is_relative_to(ws.root)
    if not local:
        return wh.open_at_head(ws.database_url, ws.root)
    engine = wh.connect(ws.database_url, migrate=False)
    if wh.current_revision(engine) != wh.head_revision():  # Alembic only when there is work for it
        wh.upgrade(engine)
    return engine


def cmd_template(a: argparse.Namespace) -> int:
    from techreform.workbooks.template import template_file_name, write_template

    ws = Workspace(Path(a.workspace).resolve())
    profile = ws.profile
    if profile.unit(a.unit) is None:
        print(f"错误：{a.unit} 不是 {profile.name} 的填报单位", file=sys.stderr)
        return 2
    out = Path(a.out) if a.out else ws.outbox / a.unit / template_file_name(a.unit, a.period)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_template(out, profile, a.unit, a.period)
    print(f"已生成填报模板：{out}")
    return 0
