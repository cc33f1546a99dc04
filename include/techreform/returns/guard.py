"""Checking a workbook's container before anything parses it: a hostile or broken file must be
refused with an answer, never allowed to exhaust memory or time (a zip bomb, a cell at XFD1048576).

``inspect`` reads only the zip's directory and streams each worksheet's XML through a bounded
parser (expat, no DTDs): member count, sizes, compression ratio, the declared ``<dimension>`` and
the cells actually filled. It also finds what calamine hides: Excel error values (``#DIV/0!``,
which calamine reads as an empty cell) and non-finite numbers, by sheet and cell.
"""

from __future__ import annotations

import logging
import math
import os
import re
import zipfile
from dataclasses import dataclass, field, fields
from pathlib import Path
from xml.parsers import expat

from defusedxml import ElementTree as SafeET

log = logging.getLogger(__name__)

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")  # an encrypted .xlsx is an OLE file holding it


@dataclass(frozen=True)
class Limits:
    """What one return may ask of intake. Generous: a county return is a few hundred cells.
    Each can be set in the environment as TECHREFORM_LIMIT_<NAME> (e.g. TECHREFORM_LIMIT_MEMORY_MB)."""

    file_mb: int = 50  # the file on disk
    zip_members: int = 2000  # parts inside an .xlsx
    member_mb: int = 200  # one part, uncompressed
    total_mb: int = 500  # all parts, uncompressed
    ratio: int = 100  # uncompressed ÷ compressed, for parts above 1 MB (real sheets: 5–30)
    rows: int = 100_000  # last filled row of a sheet
    columns: int = 1_000  # last filled column of a sheet
    cells: int = 10_000_000  # rows × columns of a sheet's grid (what calamine allocates), declared or filled
    text_chars: int = 2_000  # one text cell
    memory_mb: int = 2_048  # the reading process's address space
    seconds: int = 120  # reading one file
    isolate: bool = True  # read in a separate process (off only for debugging)

    @classmethod
    def from_env(cls) -> Limits:
        values: dict[str, int | bool] = {}
        for f in fields(cls):
            raw = os.environ.get(f"TECHREFORM_LIMIT_{f.name.upper()}")
            if raw is None or raw.strip() == "":
                continue
            if f.type in ("bool", bool):
                values[f.name] = raw.strip().lower() not in ("0", "false", "no", "off")
                continue
            try:
                values[f.name] = int(raw)
            except ValueError:  # a typo in the deployment must not stop every run
                log.warning(
                    "TECHREFORM_LIMIT_%s=%r is no whole number: the default is used", f.name.upper(), raw
                )
        return cls(**values)  # type: ignore[arg-type]


class FileRejected(Exception):
    """The file is refused before or while reading it; ``rule_id`` and ``message`` are its answer."""

    def __init__(self, rule_id: str, message: str) -> None:
        super().__init__(f"{rule_id}: {message}")
        self.rule_id, self.message = rule_id, message


class CellError(str):
    """An Excel error value (#DIV/0!, #REF!) or a non-finite number (NaN, INF) as written in a cell."""

    __slots__ = ()


@dataclass
class Inspection:
    """What the container check found: error cells by sheet name, (0-based row, col) → text."""

    error_cells: dict[str, dict[tuple[int, int], str]] = field(default_factory=dict)


_TOO_LARGE = "file_too_large"
_ADVICE = "请删除多余的工作表、行列和图片，只保留报表本身，另存为 .xlsx 后重新报送"


def inspect(path: Path, limits: Limits) -> Inspection:
    size = path.stat().st_size
    if size > limits.file_mb * 2**20:
        raise FileRejected(
            _TOO_LARGE, f"文件有{size / 2**20:.1f} MB，超过{limits.file_mb} MB 的上限：{_ADVICE}"
        )
    with path.open("rb") as f:
        head = f.read(8)
        if head == OLE_SIGNATURE:
            f.seek(0)
            if _ENCRYPTED_STREAM in f.read():
                raise FileRejected("file_protected", PROTECTED_MESSAGE)
            return Inspection()
    if not zipfile.is_zipfile(path):
        return Inspection()  # not a container we check; the reader will say it cannot open it
    try:
        with zipfile.ZipFile(path) as zf:
            return _inspect_zip(zf, limits)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, KeyError) as e:
        raise FileRejected("file_unreadable", f"文件已损坏（{type(e).__name__}）：{_OPEN_ADVICE}") from e


PROTECTED_MESSAGE = (
    "文件设置了打开密码，系统无法读取：请在 Excel 或 WPS 中取消密码（文件→信息→保护工作簿→用密码进行加密，"
    "清空密码），保存后重新报送"
)
_OPEN_ADVICE = "请用 Excel 或 WPS 打开确认后另存为 .xlsx 重新报送"


def _inspect_zip(zf: zipfile.ZipFile, limits: Limits) -> Inspection:
    infos = zf.infolist()
    if len(infos) > limits.zip_members:
        raise FileRejected(
            _TOO_LARGE, f"文件内含{len(infos)}个部件，超过{limits.zip_members}个的上限：{_ADVICE}"
        )
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > limits.member_mb * 2**20:
            raise FileRejected(
                _TOO_LARGE,
                f"文件内的“{info.filename}”解压后有{info.file_size / 2**20:.0f} MB，"
                f"超过{limits.member_mb} MB 的上限：{_ADVICE}",
            )
        if info.file_size > 2**20 and info.file_size > limits.ratio * max(info.compress_size, 1):
            raise FileRejected(
                _TOO_LARGE,
                f"文件内的“{info.filename}”压缩比异常（{info.file_size // max(info.compress_size, 1)}倍），"
                f"疑为压缩炸弹：{_ADVICE}",
            )
    if total > limits.total_mb * 2**20:
        raise FileRejected(
            _TOO_LARGE, f"文件解压后共{total / 2**20:.0f} MB，超过{limits.total_mb} MB 的上限：{_ADVICE}"
        )
    from techreform.returns.sheetscan import scan_plain  # (it builds on this module)

    out = Inspection()
    for name, member in _sheet_members(zf, limits).items():
        errors = scan_plain(zf, member, limits)  # a plain sheet at C speed; None: expat decides
        out.error_cells[name] = errors if errors is not None else _scan_sheet(zf, member, name, limits)
    return out


def _sheet_members(zf: zipfile.ZipFile, limits: Limits) -> dict[str, str]:
    """Sheet name → its XML part, from the workbook part and its relationships."""
    names = set(zf.namelist())
    if "xl/workbook.xml" not in names:
        return {}
    book = SafeET.fromstring(_read_bounded(zf, "xl/workbook.xml", limits))
    rels: dict[str, str] = {}
    if "xl/_rels/workbook.xml.rels" in names:
        for rel in SafeET.fromstring(_read_bounded(zf, "xl/_rels/workbook.xml.rels", limits)):
            target = rel.get("Target") or ""
            target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            rels[rel.get("Id") or ""] = os.path.normpath(target).replace(os.sep, "/")
    out: dict[str, str] = {}
    for el in book.iter():
        if el.tag.rsplit("}", 1)[-1] != "sheet":
            continue
        rid = next((v for k, v in el.attrib.items() if k.rsplit("}", 1)[-1] == "id"), "")
        member = rels.get(rid)
        if member in names and el.get("name") is not None:
            out[str(el.get("name"))] = member
    return out


def _read_bounded(zf: zipfile.ZipFile, member: str, limits: Limits) -> bytes:
    with zf.open(member) as f:
        data = f.read(limits.member_mb * 2**20 + 1)
    if len(data) > limits.member_mb * 2**20:
        raise FileRejected(_TOO_LARGE, f"文件内的“{member}”过大：{_ADVICE}")
    return data


_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")


def ref_of(text: str | None) -> tuple[int, int] | None:
    """'XFD1048576' → (1048576, 16384), 1-based."""
    m = _REF.match(text or "")
    if not m:
        return None
    col = 0
    for ch in m.group(1).upper():
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)), col


def column_letters(col: int) -> str:
    s = ""
    while col:
        col, rem = divmod(col - 1, 26)
        s = chr(65 + rem) + s
    return s


class _SheetScan:
    """expat handlers over one worksheet: extents of filled cells, error and non-finite cells."""

    def __init__(self, sheet: str, limits: Limits) -> None:
        self.sheet, self.limits = sheet, limits
        self.row = self.col = 0
        self.max_row = self.max_col = 0
        self.cell_type: str | None = None
        self.filled = False
        self.in_value = False
        self.text: list[str] = []
        self.errors: dict[tuple[int, int], str] = {}

    def start(self, name: str, attrs: dict[str, str]) -> None:
        tag = name.rsplit(":", 1)[-1]
        if tag == "c":
            at = ref_of(attrs.get("r"))
            self.row, self.col = at if at else (max(self.row, 1), self.col + 1)
            self.cell_type, self.filled, self.text = attrs.get("t"), False, []
        elif tag in ("v", "is"):
            self.filled = True
            self.in_value = tag == "v"
        elif tag == "row":
            r = attrs.get("r")
            self.row = int(r) if r and r.isdigit() else self.row + 1
            self.col = 0
        elif tag == "dimension":
            self._dimension(attrs.get("ref") or "")

    def chars(self, data: str) -> None:
        if self.in_value and sum(map(len, self.text)) < 64:
            self.text.append(data)

    def end(self, name: str) -> None:
        tag = name.rsplit(":", 1)[-1]
        if tag == "v":
            self.in_value = False
        elif tag == "c" and self.filled:
            self._filled_cell()

    def _filled_cell(self) -> None:
        grown = False  # the extent only grows: it needs checking only when it did
        if self.row > self.max_row:
            self.max_row, grown = self.row, True
        if self.col > self.max_col:
            self.max_col, grown = self.col, True
        if grown:
            self._check_extent(self.max_row, self.max_col, "有内容")
        text = "".join(self.text).strip()
        if self.cell_type == "e":
            self._error(text or "#错误")
        elif self.cell_type in (None, "n") and text:
            try:
                if not math.isfinite(float(text)):
                    self._error(text)
            except ValueError:
                self._error(text)

    def _error(self, text: str) -> None:
        if len(self.errors) < 1000:
            self.errors[(self.row - 1, self.col - 1)] = text

    def _dimension(self, ref: str) -> None:
        corner = ref_of(ref.split(":")[-1])
        if corner:
            self._check_extent(*corner, "声明的区域延伸")

    def _check_extent(self, row: int, col: int, what: str) -> None:
        lim = self.limits
        if row > lim.rows or col > lim.columns or row * col > lim.cells:
            raise FileRejected(
                _TOO_LARGE,
                f"工作表“{self.sheet}”{what}到 {column_letters(col)}{row} 单元格，超出可读取的范围"
                f"（{lim.rows}行、{lim.columns}列）：请删除表格以外的内容（选中多余的行列→删除），"
                "另存为 .xlsx 后重新报送",
            )


def _no_dtd(*_: object) -> None:
    raise FileRejected("file_unreadable", f"工作表含有不允许的 XML 声明：{_OPEN_ADVICE}")


def _scan_sheet(zf: zipfile.ZipFile, member: str, sheet: str, limits: Limits) -> dict[tuple[int, int], str]:
    scan = _SheetScan(sheet, limits)
    parser = expat.ParserCreate()
    parser.StartElementHandler = scan.start
    parser.EndElementHandler = scan.end
    parser.CharacterDataHandler = scan.chars
    parser.StartDoctypeDeclHandler = _no_dtd
    parser.EntityDeclHandler = _no_dtd
    seen = 0
    try:
        with zf.open(member) as f:
            while chunk := f.read(1 << 20):
                seen += len(chunk)
                if seen > limits.member_mb * 2**20:
                    raise FileRejected(_TOO_LARGE, f"工作表“{sheet}”过大：{_ADVICE}")
                parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as e:
        raise FileRejected("file_unreadable", f"工作表“{sheet}”内容已损坏（{e}）：{_OPEN_ADVICE}") from e
    return scan.errors
