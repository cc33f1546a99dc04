"""The temporary files a receipt is written to before it is moved into place (``receipt``), and
the sweep of those a writer killed mid-file leaves behind. Light: intake's first step uses it
without importing openpyxl."""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger(__name__)

SUFFIX = ".receipt.part"


def part_path(path: Path, pid: int) -> Path:
    """The temporary file process ``pid`` writes a receipt to before moving it to ``path``."""
    return path.with_name(f".{pid}{SUFFIX}")  # short: the name itself may be long


def remove_leftovers(outbox: Path) -> list[Path]:
    """Remove the temporary receipt files in the units' folders of ``outbox`` (hidden, never a
    receipt): what a writer killed mid-file left. Called with the intake lock held exclusively,
    which every receipt-writing task holds shared. (A receipt helper orphaned by a killed task may
    still be finishing one: its file is then gone, its receipt never recorded, and the next
    receipt step writes it again.) A file that cannot be removed is left, and logged."""
    removed = []
    for p in sorted(outbox.glob(f"*/.*{SUFFIX}")):
        try:
            if p.is_file() and not p.is_symlink():
                p.unlink(missing_ok=True)
                removed.append(p)
        except OSError as e:
            log.warning("could not remove %s: %s", p, e)
    return removed
