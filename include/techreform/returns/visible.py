"""Values from a county's file as a receipt may show them: invisible characters made visible,
length bounded. A code with a word joiner (U+2060) in it must not look like a valid one."""

from __future__ import annotations

import unicodedata
from typing import Any

SHOWN_CHARS = 200  # a value quoted in a receipt or findings.csv

_HIDDEN_TOO = {"\u115f", "\u1160", "\u3164", "\uffa0", "\u180e"}  # fillers that render as nothing


def _invisible(ch: str) -> bool:
    if ch in "\n\t":
        return False
    return unicodedata.category(ch) in ("Cf", "Cc", "Co", "Cn", "Zl", "Zp") or ch in _HIDDEN_TOO


def visible(text: str) -> str:
    """Every invisible character written as ⟨U+2060⟩; other text unchanged."""
    if text.isascii() and text.isprintable():
        return text
    return "".join(f"⟨U+{ord(ch):04X}⟩" if _invisible(ch) else ch for ch in text)


def shown(value: Any, limit: int = SHOWN_CHARS) -> str:
    """A cell's value for a message: visible, and cut (with its length said) when very long."""
    text = "" if value is None else str(value)
    if len(text) > limit:
        text = f"{text[:limit]}…（共{len(text)}字）"
    return visible(text)
