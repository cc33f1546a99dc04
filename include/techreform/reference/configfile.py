"""Reading a configuration file (a policy profile, a rules file) and telling its mistakes in Chinese.

Both kinds of file are YAML checked by a pydantic model (``extra="forbid"``). A mistake becomes a
:class:`ConfigError` naming the file, the key path (``units[3].code``) and what is wrong, so the
CLI can print one plain message instead of a traceback.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


class ConfigError(Exception):
    """A configuration file that cannot be used; ``str()`` is the Chinese message for the user."""

    kind = "配置文件"

    def __init__(self, source: str, problems: Sequence[tuple[str, str]]) -> None:
        self.source = source
        self.problems = list(problems)  # (key path, what is wrong)
        super().__init__(self._text())

    def _text(self) -> str:
        lines = [f"{path}：{what}" if path else what for path, what in self.problems]
        head = f"{self.kind} {self.source} 有误"
        if len(lines) == 1:
            return f"{head}：{lines[0]}"
        return head + f"（{len(lines)} 处）：\n" + "\n".join(f"  {line}" for line in lines)


# pydantic's error types in plain Chinese; a validator's own message (value_error) is already Chinese.
_MESSAGES = {
    "missing": "缺少必填项",
    "extra_forbidden": "未知的配置项（请检查拼写，或删去该项）",
    "string_type": "应为文字",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "list_type": "应为列表（每项一行，以“- ”开头，或写成 [甲, 乙]）",
    "tuple_type": "应为列表",
    "dict_type": "应为若干“名称: 取值”组成的映射",
    "model_type": "应为若干“名称: 取值”组成的映射",
    "too_short": "不能为空",
    "string_too_short": "不能为空",
    "finite_number": "应为有限的数字",
}


def _path(loc: Sequence[str | int]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _what(err: Any) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    if kind == "literal_error":
        return f"应为以下之一：{ctx.get('expected', '')}，现为“{err.get('input')}”"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        word = {"greater_than_equal": "不小于", "greater_than": "大于", "less_than_equal": "不大于"}
        bound = next(iter(ctx.values()), "")
        return f"应{word.get(kind, '小于')} {bound}，现为 {err.get('input')}"
    return _MESSAGES.get(kind, err["msg"])


def problems_of(error: ValidationError) -> list[tuple[str, str]]:
    """(key path, Chinese explanation) for every mistake pydantic found."""
    out = []
    for err in error.errors():
        # a union's tag or a validator's own name is not part of the user's key path
        loc = [p for p in err["loc"] if not (isinstance(p, str) and p.startswith(("function-", "union[")))]
        out.append((_path(loc), _what(err)))
    return out


def load_yaml(text: str, source: str, error: type[ConfigError]) -> Any:
    """The YAML document, or ``error`` telling where the YAML itself is broken."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"第{mark.line + 1}行第{mark.column + 1}列" if mark is not None else ""
        raise error(source, [("", f"不是有效的 YAML 格式{where}（{getattr(e, 'problem', '') or e}）")]) from e


def validate(model: type[M], data: Any, source: str, error: type[ConfigError]) -> M:
    """``data`` checked by ``model``; every mistake at once in ``error``."""
    if not isinstance(data, dict):
        raise error(source, [("", "文件内容应为若干“名称: 取值”组成的映射")])
    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise error(source, problems_of(e)) from None
