"""A hostile corpus, built by code (no binaries in the repository): files an attacker, a broken
tool or an unlucky county could put in a unit folder. Each case writes its entry and says what
intake must answer (rule ids that must be among the findings, and whether it is read at all)."""

from __future__ import annotations

import datetime as dt
import os
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl

from tests.conftest import UNIT, base_row, meta_for, rows, write_return

SHEET_XML = "xl/worksheets/sheet1.xml"


@dataclass
class Case:
    name: str
    build: Callable[[Path], Path]  # writes the entry into a unit folder; returns its path
    rules: set[str]  # rule ids that must be among the findings
    status: str = "rejected"
    regular: bool = True  # a regular file: archived byte for byte
    slow: bool = False
    file_name: str = ""  # as registered (default: the path's name)
    shows: list[str] = field(default_factory=list)  # texts that must appear in a finding's message or value


def _name(case: str, suffix: str = ".xlsx") -> str:
    return f"{UNIT}_2026Q1_{case}{suffix}"


# ------------------------------------------------------------------------------ zip surgery


def rewrite_member(path: Path, member: str, change: Callable[[bytes], bytes]) -> Path:
    """The workbook with one part changed (everything else copied as it is)."""
    tmp = path.with_name(path.name + ".new")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            dst.writestr(info.filename, change(data) if info.filename == member else data)
    os.replace(tmp, path)
    return path


def replace_in_sheet(path: Path, old: str, new: str) -> Path:
    def change(xml: bytes) -> bytes:
        assert old.encode() in xml, f"{old} not in the sheet"
        return xml.replace(old.encode(), new.encode(), 1)

    return rewrite_member(path, SHEET_XML, change)


def valid(path: Path, **overrides: object) -> Path:
    """A valid return of UNIT for 2026Q1 (three projects), with some cells of the first row changed."""
    data = rows(3)
    data[0].update(overrides)
    write_return(path, data, meta=meta_for())
    return path


def _error_cell(path: Path, field_name: str, error: str) -> Path:
    """The first project's cell of a field holds an Excel error value (as Excel saves it)."""
    rf = write_return(path, rows(3), meta=meta_for())
    wb = openpyxl.load_workbook(path)
    cell = wb["项目表"].cell(rf.rows[0], rf.columns[field_name])
    cell.value = error
    cell.data_type = "e"
    wb.save(path)
    return path


def _xls_error_cell(path: Path, field_name: str, error_code: int) -> Path:
    """The same in an .xls (as old WPS and Excel versions save): xlwt writes the error record."""
    import xlwt

    rf = write_return(path.with_suffix(".tmp.xls"), rows(3), meta=meta_for())
    # rewrite with xlwt, cell by cell, from what calamine reads of the file just written
    from python_calamine import CalamineWorkbook

    book = xlwt.Workbook(encoding="utf-8")
    src = CalamineWorkbook.from_path(str(rf.path))
    target = (rf.rows[0] - 1, rf.columns[field_name] - 1)
    for name in src.sheet_names:
        ws = book.add_sheet(name)
        for r, line in enumerate(src.get_sheet_by_name(name).to_python(skip_empty_area=False)):
            for c, v in enumerate(line):
                if v != "" and not (name == "项目表" and (r, c) == target):
                    ws.write(r, c, v)
        if name == "项目表":
            ws.row(target[0]).set_cell_error(target[1], error_code)
    book.save(str(path))
    rf.path.unlink()
    return path


def _number_cell(path: Path, field_name: str, xml_value: str) -> Path:
    """The first project's number cell written as ``<v>{xml_value}</v>`` (NaN, INF, 1E+308)."""
    marker = 4321.125
    valid(path, **{field_name: marker})
    return replace_in_sheet(path, f"<v>{marker}</v>", f"<v>{xml_value}</v>")


# ------------------------------------------------------------------------------ containers


def xfd_cell(path: Path) -> Path:
    """A valid return plus one cell at the sheet's last address: 5.8 KB that asked calamine for
    17 billion cells."""
    valid(path)
    wb = openpyxl.load_workbook(path)
    wb["项目表"]["XFD1048576"] = "x"
    wb.save(path)
    return path


def declared_dimension(path: Path) -> Path:
    valid(path)

    def change(xml: bytes) -> bytes:
        start = xml.index(b"<dimension ")
        end = xml.index(b"/>", start) + 2
        return xml[:start] + b'<dimension ref="A1:XFD1048576"/>' + xml[end:]

    return rewrite_member(path, SHEET_XML, change)


def _bomb(path: Path, rows_count: int) -> Path:
    """A return whose sheet part is ``rows_count`` identical rows (compresses ~1000:1)."""
    valid(path)
    row = '<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>x</t></is></c></row>'
    with zipfile.ZipFile(path) as src:
        parts = {i.filename: src.read(i.filename) for i in src.infolist()}
    sheet = parts.pop(SHEET_XML)
    head, tail = sheet.split(b"</sheetData>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for name, data in parts.items():
            dst.writestr(name, data)
        with dst.open(SHEET_XML, "w", force_zip64=True) as f:
            f.write(head)
            # a block shorter than deflate's 32 KB window, so that it compresses ~1000:1
            block = "".join(row.format(r=r) for r in range(1, 101)).encode()
            for _ in range(rows_count // 100):
                f.write(block)  # the same row numbers again: extents stay small, size does not
            f.write(b"</sheetData>" + tail)
    return path


def ratio_bomb(path: Path) -> Path:
    return _bomb(path, 60_000)  # ~4 MB inside, a few KB on disk


def zip_bomb(path: Path) -> Path:
    return _bomb(path, 17_000_000)  # ~1.1 GB inside, a few MB on disk


def many_members(path: Path) -> Path:
    valid(path)
    with zipfile.ZipFile(path, "a") as z:
        for i in range(2_500):
            z.writestr(f"customXml/item{i}.xml", b"<a/>")
    return path


def far_row(path: Path) -> Path:
    valid(path)
    wb = openpyxl.load_workbook(path)
    wb["项目表"]["A500000"] = "x"
    wb.save(path)
    return path


def huge_on_disk(path: Path) -> Path:
    """60 MB (sparse on disk), over the 50 MB limit."""
    with path.open("wb") as f:
        f.write(b"PK\x03\x04")
        f.truncate(60 * 2**20)
    return path


def dtd_in_sheet(path: Path) -> Path:
    """Entity expansion (billion laughs) in the sheet's XML."""
    valid(path)
    lol = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    )

    def change(xml: bytes) -> bytes:
        body = xml[xml.index(b"?>") + 2 :] if xml.startswith(b"<?xml") else xml
        return lol + body.replace(b"<sheetData>", b"<sheetData>&lol2;", 1)

    return rewrite_member(path, SHEET_XML, change)


def password_protected(path: Path) -> Path:
    """What Excel writes for a workbook with an opening password: an OLE compound file holding the
    streams EncryptionInfo and EncryptedPackage (contents random here, as encrypted ones look)."""
    sector = 512
    end, free, fat_sect = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
    stream_sectors = 8  # 4096 bytes each: at the mini-stream cutoff, so in regular sectors
    header = bytearray(sector)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIII", header, 44, 1, 1, 0, 4096, end, 0, end, 0)
    struct.pack_into("<I", header, 76, 0)  # DIFAT[0]: the FAT is sector 0
    for i in range(1, 109):
        struct.pack_into("<I", header, 76 + 4 * i, free)
    fat = [fat_sect, end]
    for start in (2, 2 + stream_sectors):
        fat += [start + i + 1 for i in range(stream_sectors - 1)] + [end]
    fat += [free] * (sector // 4 - len(fat))

    def entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\x00\x00"
        e = bytearray(128)
        e[0 : len(raw)] = raw
        struct.pack_into("<HBB", e, 64, len(raw), kind, 1)  # black
        struct.pack_into("<III", e, 68, free, right, child)
        struct.pack_into("<II", e, 116, start, size)
        return bytes(e)

    directory = (
        entry("Root Entry", 5, 1, free, end, 0)
        + entry("EncryptionInfo", 2, free, 2, 2, 4096)
        + entry("EncryptedPackage", 2, free, free, 2 + stream_sectors, 4096)
        + bytes(128)
    )
    body = os.urandom(2 * stream_sectors * sector)
    path.write_bytes(bytes(header) + struct.pack(f"<{sector // 4}I", *fat) + directory + body)
    return path


def truncated(path: Path) -> Path:
    valid(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def not_a_zip(path: Path) -> Path:
    path.write_bytes("这不是工作簿，是一段文字。\n".encode() * 20)
    return path


def empty(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def html_as_xls(path: Path) -> Path:
    path.write_text("<html><body><table><tr><td>项目名称</td></tr></table></body></html>", encoding="utf-8")
    return path


# ------------------------------------------------------------------------------ not regular files


def link_to_passwd(path: Path) -> Path:
    os.symlink("/etc/passwd", path)
    return path


def link_to_other_units_return(path: Path) -> Path:
    """A link to a return in another unit's folder (that unit's return, claimed as this one's)."""
    other = path.parent.parent / "410303" / "410303_2026Q1_真实.xlsx"
    other.parent.mkdir(parents=True, exist_ok=True)
    write_return(other, rows(2), meta=meta_for("410303"))
    os.utime(other, (1_700_000_000, 1_700_000_000))
    os.symlink(other, path)
    return path


def link_to_folder(path: Path) -> Path:
    os.symlink("/etc", path)
    return path


def dangling_link(path: Path) -> Path:
    os.symlink(path.parent / "nowhere.xlsx", path)
    return path


def fifo(path: Path) -> Path:
    os.mkfifo(path)  # reading it would block intake forever
    return path


# ------------------------------------------------------------------------------ cells


def sheet_named_formula(path: Path) -> Path:
    data = rows(3)
    data[0]["uscc"] = None  # an error, so findings.csv names the sheet
    write_return(path, data, meta=meta_for(), sheet_name="=1+1")
    return path


def hidden_project_sheet(path: Path) -> Path:
    """项目表 hidden, a decoy sheet in front with a chart-like title only."""
    valid(path)
    wb = openpyxl.load_workbook(path)
    decoy = wb.create_sheet("封面", 0)
    decoy["A1"] = "2026年第一季度技改项目报表"
    wb["项目表"].sheet_state = "hidden"
    wb.active = 0
    wb.save(path)
    return path


def long_text(path: Path) -> Path:
    return valid(path, project_name="项" * 1_000_000)


def _copy_valid(path: Path) -> Path:
    return valid(path)


def dotfile(path: Path) -> Path:
    return valid(path)


def build_all(cases: list[Case], unit_dir: Path, mtime: float) -> dict[str, Path]:
    unit_dir.mkdir(parents=True, exist_ok=True)
    out: dict[str, Path] = {}
    for i, case in enumerate(cases):
        path = unit_dir / (case.file_name or _name(case.name))
        built = case.build(path)
        t = mtime + 60 * i
        os.utime(built, (t, t), follow_symlinks=False)
        out[case.name] = built
    return out


CASES: list[Case] = [
    # containers beyond the limits: refused before calamine sees them
    Case("xfd_cell", xfd_cell, {"file_too_large"}, shows=["XFD1048576"]),
    Case("declared_dimension", declared_dimension, {"file_too_large"}, shows=["XFD1048576"]),
    Case("ratio_bomb", ratio_bomb, {"file_too_large"}, shows=["压缩比"]),
    Case("zip_bomb", zip_bomb, {"file_too_large"}, slow=True),
    Case("many_members", many_members, {"file_too_large"}, shows=["部件"]),
    Case("far_row", far_row, {"file_too_large"}, shows=["500000"]),
    Case("huge_on_disk", huge_on_disk, {"file_too_large"}, shows=["MB"]),
    Case("dtd_in_sheet", dtd_in_sheet, {"file_unreadable"}),
    Case("password", password_protected, {"file_protected"}, shows=["密码"]),
    Case("truncated", truncated, {"file_unreadable"}),
    Case("not_a_zip", not_a_zip, {"file_unreadable"}),
    Case("empty", empty, {"file_unreadable"}),
    Case("html_as_xls", html_as_xls, {"file_unreadable"}, file_name=_name("html_as_xls", ".xls")),
    # entries that are not regular files: never followed or read, answered
    Case("link_passwd", link_to_passwd, {"not_regular_file"}, regular=False, shows=["快捷方式"]),
    Case("link_other_unit", link_to_other_units_return, {"not_regular_file"}, regular=False),
    Case("link_folder", link_to_folder, {"not_regular_file"}, regular=False),
    Case("dangling_link", dangling_link, {"not_regular_file"}, regular=False),
    Case("fifo", fifo, {"not_regular_file"}, regular=False, shows=["管道"]),
    # cells no rule may take at face value
    Case("div0", lambda p: _error_cell(p, "ytd_completed", "#DIV/0!"), {"excel_error"}, shows=["#DIV/0!"]),
    Case("ref_in_name", lambda p: _error_cell(p, "project_name", "#REF!"), {"excel_error"}, shows=["#REF!"]),
    Case("value_in_pct", lambda p: _error_cell(p, "staff_reduction_pct", "#VALUE!"), {"excel_error"}),
    Case("na_in_status", lambda p: _error_cell(p, "status", "#N/A"), {"excel_error"}, shows=["#N/A"]),
    Case(
        "na_in_equipment",
        lambda p: _error_cell(p, "equipment_investment", "#N/A"),
        {"excel_error"},
        shows=["#N/A"],
    ),
    Case(
        "nan_cell", lambda p: _number_cell(p, "cumulative_completed", "NaN"), {"excel_error"}, shows=["NaN"]
    ),
    Case("inf_cell", lambda p: _number_cell(p, "total_investment", "INF"), {"excel_error"}),
    Case("huge_number", lambda p: _number_cell(p, "total_investment", "1E+308"), {"number_out_of_range"}),
    Case("inf_text", lambda p: valid(p, ytd_completed="inf"), {"number_out_of_range"}, shows=["inf"]),
    Case("e308_text", lambda p: valid(p, total_investment="1e308"), {"number_out_of_range"}),
    Case("long_text", long_text, {"text_too_long"}, shows=["个字，超过2000字"]),
    Case("year_1900", lambda p: valid(p, start_month=dt.datetime(1900, 1, 1)), {"bad_month"}),
    Case(
        "word_joiner",
        lambda p: valid(p, uscc=base_row()["uscc"][:5] + "\u2060" + base_row()["uscc"][5:]),
        {"uscc_checksum"},
        shows=["⟨U+2060⟩"],
    ),
    Case("soft_hyphen", lambda p: valid(p, status="续\u00ad建"), {"bad_status"}, shows=["⟨U+00AD⟩"]),
    Case("zwj", lambda p: valid(p, construction_nature="扩\u200d建"), {"bad_nature"}, shows=["⟨U+200D⟩"]),
    # names and sheets a spreadsheet would evaluate
    Case("sheet_formula", sheet_named_formula, {"missing_uscc"}),
    Case("name_formula", _copy_valid, set(), status="accepted", file_name="=1+1_410304_2026Q1.xlsx"),
    Case("name_at", _copy_valid, set(), status="accepted", file_name="@SUM(1)_410304_2026Q1.xlsx"),
    # hidden things a county may not know of
    Case("hidden_sheet", hidden_project_sheet, {"hidden_sheet"}, status="accepted"),
    Case("dotfile", dotfile, set(), status="accepted", file_name=".410304_2026Q1_隐藏.xlsx"),
]
