"""The temporary files a receipt is written to before it is moved into place (``receipt``), and
the sweep of those a writer killed mid-file leaves behind. Light: intake's first step uses it
without importing openpyxl."""

from __future__ import annotations

from pathlib import Path

SUFFIX = ".receipt.part"


def part_path(path: Path, pid: int) -> Path:
    """The temporary file process ``pid`` writes a receipt to before moving it to ``path``."""
    return path.with_name(f".{pid}{SUFFIX}")  # short: the name itself may be long


def remove_leftovers(outbox: Path) -> list[Path]:
    """Remove the temporary receipt files in the units' folders of ``outbox`` (hidden, never a
    receipt): what a writer killed mid-file left. Only while no receipt can be being written, i.e.
    with the intake lock held exclusively (receipt writers hold it shared)."""
    removed = []
    for p in sorted(outbox.glob(f"*/.*{SUFFIX}")):
        if p.is_file() and not p.is_symlink():
            p.unlink(missing_ok=True)
            removed.append(p)
    return removed
