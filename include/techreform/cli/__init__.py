"""techreform 命令行：创建工作区、生成填报模板、维护数据仓库、运行各步骤（DESIGN.md §3.4）。

``init``/``template``/``db upgrade`` are in ``cli.workspace``, ``run`` in ``cli.run``, the argument
types and the Chinese usage errors in ``cli.args``.
"""

from __future__ import annotations

import argparse
import gc
import sys
from typing import NoReturn

from techreform.airflow_run import quiet_warnings
from techreform.cli import args
from techreform.cli.run import STEPS, cmd_run
from techreform.cli.workspace import cmd_db_upgrade, cmd_init, cmd_template
from techreform.reference import profiles
from techreform.reference.configfile import ConfigError


def build_parser() -> argparse.ArgumentParser:
    p = args._Parser(prog="techreform", description="技改投资统计监测与考核：县区季报接收、审核、入库与回执")
    sub = p.add_subparsers(dest="command", required=True)

    i = sub.add_parser("init", help="创建工作区")
    i.add_argument("workspace", help="工作区目录")
    i.add_argument(
        "--profile",
        required=True,
        type=args._profile,
        help=f"政策配置：{'、'.join(profiles.available())}，或自定义配置文件（.yaml）的路径",
    )
    i.add_argument("--sample", action="store_true", help="填入生成的示例城市（报表、统计数据、目标）")
    i.add_argument(
        "--from-document",
        action="store_true",
        help="与 --sample 同用：按政策文件的年度目标生成示例城市，四个季度的报表在年末与文件数字逐项相符"
        "（目标责任书按配置的拆分规则分解到各单位）",
    )
    i.add_argument(
        "--year", type=int, help="示例数据年份（默认 2026；--from-document 时默认为文件给出目标的第一年）"
    )
    i.add_argument(
        "--quarters", type=args._quarters, default=3, help="示例数据季度数（1-4；--from-document 时为 4）"
    )
    i.add_argument(
        "--database-url", type=args._database_url, help="数据仓库的 SQLAlchemy URL（默认：工作区内 SQLite）"
    )
    i.set_defaults(func=cmd_init)

    t = sub.add_parser("template", help="生成某县区某季度的空白填报模板")
    t.add_argument("workspace")
    t.add_argument("--unit", required=True, help="单位代码，如 410302")
    t.add_argument("--period", required=True, type=args._period, help="报告期，如 2026Q3")
    t.add_argument("--out", help="输出文件（默认：outbox/<单位>/）")
    t.set_defaults(func=cmd_template)

    d = sub.add_parser("db", help="数据仓库维护（部署或升级程序后运行）")
    dsub = d.add_subparsers(dest="db_command", required=True)
    du = dsub.add_parser("upgrade", help="把数据仓库的表结构升级到本程序的最新版本")
    du.add_argument("workspace", help="工作区目录（数据仓库地址取自工作区设置或 TECHREFORM_DATABASE_URL）")
    du.set_defaults(func=cmd_db_upgrade)

    r = sub.add_parser("run", help="运行接收、对账、检查、考核（经由 Airflow）")
    r.add_argument("workspace")
    r.add_argument("--period", required=True, type=args._period, help="报告期，如 2026Q3")
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
    try:
        a = build_parser().parse_args(argv)
        return int(a.func(a))
    except ConfigError as e:  # a profile or rules file with a mistake: one message, no traceback
        print(f"错误：{e}", file=sys.stderr)
        return 2
    except (FileNotFoundError, KeyError) as e:
        print(f"错误：{e}", file=sys.stderr)
        return 2


def program() -> NoReturn:
    """The ``techreform`` command and ``python -m techreform.cli``: ``main``, then the process's exit.

    A run leaves the process holding millions of objects (Airflow's, its ORM's, the steps' tables).
    At exit the interpreter runs its cyclic garbage collector over all of them several times, only
    to free memory that the exit returns anyway: about 5 s after a province run, 2-5 s after an
    empty one. ``gc.freeze()`` first puts them out of that collector's reach (as
    ``airflow_run.heap_frozen`` does while each DAG runs). Nothing else about
    the exit changes: atexit handlers still run (logging's flush, Airflow's ``dispose_orm``, the
    in-process execution API's shutdown), stdout and stderr are flushed, objects are still freed
    and finalised when their last reference goes; only garbage in reference cycles is left
    uncollected, whose finalisers Python never promises to run at exit, and nothing of the run's
    is left to them: each step has committed, closed and written everything before ``main``
    returns (the warehouse engine is disposed after each step). Only here, never in ``main``,
    which tests call in-process.
    """
    try:
        rc = main()
    finally:
        gc.freeze()
    sys.exit(rc)


if __name__ == "__main__":
    program()
