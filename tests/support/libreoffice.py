"""Open a workbook in LibreOffice, as a county office would, by converting it to PDF."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


def to_pdf(workbook: Path, tmp_path: Path) -> Path:
    """Convert with a private LibreOffice profile; skip when LibreOffice is not installed."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    out = tmp_path / "pdf"
    profile = (tmp_path / "lo-profile").as_uri()  # a private profile: safe alongside other instances
    args = ["--headless", "--convert-to", "pdf", "--outdir", str(out), str(workbook)]
    proc = subprocess.run(
        [soffice, f"-env:UserInstallation={profile}", *args], capture_output=True, text=True, timeout=300
    )
    pdf = out / (workbook.stem + ".pdf")
    assert pdf.is_file(), proc.stdout + proc.stderr
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 1000
    return pdf
