"""techreform 命令行：创建工作区、生成填报模板、运行接收与审核（DESIGN.md §3.4）。"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from techreform.airflow_run import quiet_warnings
from techreform.pipeline import STEP_DAGS, STEP_TITLES, STEPS
from techreform.reference import profiles
from techreform.reference.periods import Period
from techreform.workspace import Workspace

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


class _Parser(argparse.ArgumentParser):
    """argparse with its usage errors told in Chinese, as every other message of the command."""

    _MESSAGES = (
        (r"the following arguments are required: (.*)", "缺少必填参数：{0}"),
        (
            r"argument (\S+): invalid choice: '(.*?)' \(choose from (.*)\)",
            "参数 {0} 的取值“{1}”无效，可选：{2}",
        ),
        (r"argument (\S+): invalid \w+ value: '(.*)'", "参数 {0} 的取值“{1}”格式不对"),
        (r"argument (\S+): expected one argument", "参数 {0} 后面需要一个取值"),
        (r"unrecognized arguments: (.*)", "无法识别的参数：{0}"),
        (r"argument (\S+): (.*)", "参数 {0}：{1}"),  # our own checks' messages, already Chinese
    )

    def error(self, message: str):  # type: ignore[override]
        for pattern, chinese in self._MESSAGES:
            m = re.fullmatch(pattern, message)
            if m:
                message = chinese.format(*m.groups())
                break
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}：错误：{message}\n")


def _period(text: str) -> Period:
    try:
        return Period.parse(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from e


def _profile(text: str) -> str:
    """A shipped profile's id, or the path of a profile file of the user's own (policy is data)."""
    if text in profiles.available():
        return text
    path = Path(text)
    if path.suffix in (".yaml", ".yml") and path.is_file():
        try:
            profiles.load(str(path.resolve()))
        except Exception as e:
            raise argparse.ArgumentTypeError(f"政策配置文件 {text} 无法读取：{e}") from e
        return str(path.resolve())
    raise argparse.ArgumentTypeError(
        f"未知的政策配置“{text}”；可选：{'、'.join(profiles.available())}，或一个配置文件（.yaml）的路径"
    )


def _quarters(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 4:
        raise argparse.ArgumentTypeError(f"示例数据季度数应为 1 到 4，而不是“{text}”")
    return int(text)


def _database_url(text: str) -> str:
    """Checked before anything is created: a mistyped URL should fail at init, not at the first run."""
    from sqlalchemy import create_engine
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        create_engine(text).dispose()  # loads the dialect and driver; does not connect
    except (ArgumentError, NoSuchModuleError, ImportError, ValueError) as e:
        raise argparse.ArgumentTypeError(
            f"无法使用数据库地址“{text}”（{type(e).__name__}: {e}）：请写 SQLAlchemy URL，"
            "如 postgresql://用户@主机/库名 或 sqlite:////路径/warehouse.sqlite"
        ) from e
    return text


def cmd_init(a: argparse.Namespace) -> int:
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
    if a.sample:
        from techreform.demo import city as sample

        summary = sample.generate_city(ws, ws.profile, year=a.year, quarters=a.quarters)
        print(f"已生成示例城市：{summary.get('returns', '?')} 份县区报表、统计局数据和目标责任书")
    return 0


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


def _last_submission_id(engine: Engine) -> int:
    from sqlalchemy import func, select

    from techreform import warehouse as wh

    with engine.connect() as c:
        return int(c.execute(select(func.coalesce(func.max(wh.Submission.id), 0))).scalar_one())


def _intake_tally(ws: Workspace, engine: Engine, since_id: int, *, every_file: bool) -> str:
    """Print the files that need the user (the rejected ones; every file with --verbose) and
    return the one-line tally of this intake."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from techreform import warehouse as wh

    with Session(engine) as s:
        subs = s.scalars(
            select(wh.Submission).where(wh.Submission.id > since_id).order_by(wh.Submission.id)
        ).all()
    if not subs:
        return "完成：收件箱中没有新文件。"
    label = {wh.ACCEPTED: "受理", wh.REJECTED: "退回", wh.SUPERSEDED: "受理（已被新版本替代）"}
    accepted = sum(1 for x in subs if x.status in (wh.ACCEPTED, wh.SUPERSEDED))
    rejected = sum(1 for x in subs if x.status == wh.REJECTED)
    receipts = sum(1 for x in subs if x.receipt_path)
    shown = subs if every_file else [x for x in subs if x.status == wh.REJECTED]
    if shown:
        print("各文件审核结果：" if every_file else f"退回的 {rejected} 个文件（回执已放入各单位 outbox）：")
    for x in shown:
        unit = ws.profile.unit(x.unit_code)
        who = f"{unit.name}（{x.unit_code}）" if unit else x.unit_code
        print(f"  {label.get(x.status, '待审核')}  {who}  {x.file_name}  错误{x.errors} 提示{x.warnings}")
    pending = len(subs) - accepted - rejected
    tail = f"，待审核 {pending}" if pending else ""
    return f"完成：接收 {len(subs)} 个文件，受理 {accepted}，退回 {rejected}{tail}，回执 {receipts} 份。"


def _progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def cmd_run(a: argparse.Namespace) -> int:
    from techreform import warehouse
    from techreform.airflow_run import dags_folder

    ws = Workspace(Path(a.workspace).resolve())
    ws.settings  # fail early, in Chinese, if this is no workspace  # noqa: B018
    steps = STEPS if a.step == "all" else (a.step,)
    rc = 0
    tally: str | None = None
    for step in steps:
        dag_id, title = STEP_DAGS[step], STEP_TITLES[step]
        if not (dags_folder() / f"{dag_id}.py").exists():
            print(f"{title}（{dag_id}）尚未实现，本步骤跳过")
            continue
        engine = warehouse.connect(ws.database_url)
        before = _last_submission_id(engine) if step == "intake" else 0
        conf = {"workspace": str(ws.root), "period": str(a.period), "settle_seconds": a.settle_seconds}
        if a.no_airflow:
            if step != "intake":
                print(f"{title}只能经由 Airflow 运行（去掉 --no-airflow）", file=sys.stderr)
                rc = 2
                continue
            from techreform.intake import run_intake

            _progress(f"正在运行{title}（不经 Airflow）…")
            run_intake(ws, engine, run_period=a.period, settle_seconds=a.settle_seconds)
            state = "success"
        else:
            from techreform.airflow_run import run_dag

            home = Path(a.airflow_home or os.environ.get("TECHREFORM_AIRFLOW_HOME") or ws.root / ".airflow")
            _progress(f"正在运行 {dag_id}（{title}）…")
            state = run_dag(dag_id, conf, home, quiet=not a.verbose, progress=_progress)
        if step == "intake":
            tally = _intake_tally(ws, engine, before, every_file=a.verbose)
        engine.dispose()
        if state != "success":
            print(f"{title}：Airflow 运行未成功（{state}），请用 --verbose 查看日志后重试", file=sys.stderr)
            rc = 1
    if tally:
        print(tally)
    return rc


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="techreform", description="技改投资统计监测与考核：县区季报接收、审核、入库与回执")
    sub = p.add_subparsers(dest="command", required=True)

    i = sub.add_parser("init", help="创建工作区")
    i.add_argument("workspace", help="工作区目录")
    i.add_argument(
        "--profile",
        required=True,
        type=_profile,
        help=f"政策配置：{'、'.join(profiles.available())}，或自定义配置文件（.yaml）的路径",
    )
    i.add_argument("--sample", action="store_true", help="填入生成的示例城市（报表、统计数据、目标）")
    i.add_argument("--year", type=int, default=2026, help="示例数据年份")
    i.add_argument("--quarters", type=_quarters, default=3, help="示例数据季度数（1-4）")
    i.add_argument(
        "--database-url", type=_database_url, help="数据仓库的 SQLAlchemy URL（默认：工作区内 SQLite）"
    )
    i.set_defaults(func=cmd_init)

    t = sub.add_parser("template", help="生成某县区某季度的空白填报模板")
    t.add_argument("workspace")
    t.add_argument("--unit", required=True, help="单位代码，如 410302")
    t.add_argument("--period", required=True, type=_period, help="报告期，如 2026Q3")
    t.add_argument("--out", help="输出文件（默认：outbox/<单位>/）")
    t.set_defaults(func=cmd_template)

    r = sub.add_parser("run", help="运行接收、对账、检查、考核（经由 Airflow）")
    r.add_argument("workspace")
    r.add_argument("--period", required=True, type=_period, help="报告期，如 2026Q3")
    r.add_argument("--step", default="all", choices=(*STEPS, "all"), help="只运行某一步（默认全部）")
    r.add_argument(
        "--settle-seconds",
        type=float,
        default=0.0,
        help="文件最近修改后需静置的秒数（手动运行默认0；仍会跳过无法打开的新文件）",
    )
    r.add_argument("--airflow-home", help="Airflow 元数据目录（默认：<工作区>/.airflow）")
    r.add_argument("--no-airflow", action="store_true", help="不经 Airflow，直接在本进程运行（调试用）")
    r.add_argument("--verbose", action="store_true", help="显示 Airflow 日志和每个文件的审核结果")
    r.set_defaults(func=cmd_run)
    return p


def main(argv: list[str] | None = None) -> int:
    quiet_warnings()
    a = build_parser().parse_args(argv)
    try:
        return a.func(a)
    except (FileNotFoundError, KeyError) as e:
        print(f"错误：{e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
