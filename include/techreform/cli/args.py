"""The command line's argument types and its Chinese usage errors."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import NoReturn

from techreform.reference import profiles
from techreform.reference.periods import Period


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

    def error(self, message: str) -> NoReturn:
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
            profiles.parse(path.read_text(encoding="utf-8"), text)  # a mistake: ProfileError, told by main
        except (OSError, UnicodeDecodeError) as e:
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
        from techreform.workspace import resolve_url

        create_engine(resolve_url(text)).dispose()  # loads the dialect and driver; does not connect
    except (ArgumentError, NoSuchModuleError, ImportError, ValueError) as e:
        raise argparse.ArgumentTypeError(
            f"无法使用数据库地址“{text}”（{type(e).__name__}: {e}）：请写 SQLAlchemy URL，"
            "如 postgresql://用户@主机/库名 或 sqlite:////路径/warehouse.sqlite"
        ) from e
    return text
