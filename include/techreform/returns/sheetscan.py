"""A fast path for ``guard``'s worksheet scan: one regular expression over a plain worksheet's bytes
instead of a Python callback per XML element.

It answers only what it can answer exactly as the expat scan (``guard._SheetScan``) would: a
well-formed UTF-8 worksheet without DTD, comments, CDATA or processing instructions, whose every
cell is written in the plain form spreadsheet programs write (``<c r="B7" s="3" t="n"><v>1.5</v></c>``,
an optional formula before the value, or an inline string). Anything else, and any sheet the scan
would refuse (an extent beyond the limits), gives None: the expat scan then reads the sheet and
gives its answer, word for word.
"""

from __future__ import annotations

import math
import re
import zipfile
from xml.parsers import expat

from techreform.returns.guard import Limits, ref_of

_ATTR = rb'(?: (?!r=)[a-zA-Z]{1,8}="[^"<>&\s]*")'
# groups: column letters, row digits, other attributes, a value or inline string, the text of a
# value that is no plain number (a plain one is finite whatever float makes of it)
_CELL = re.compile(
    rb'<c r="([A-Z]{1,3})(\d{1,7})"(' + _ATTR + rb"*)(?:/>|>(?:<f" + _ATTR + rb"*(?:/>|>[^<]*</f>))?"
    rb"(<v>(?:-?\d{1,20}(?:\.\d{1,20})?(?:[Ee][-+]?\d{1,2})?</v>|([^<&\r]*)</v>)|<v/>"
    rb"|<is><t(?: xml:space=\"preserve\")?>[^<]*</t></is>)?</c>)"
)
_TYPE = re.compile(rb' t="([^"]*)"')
# a cell or value element in another form: with a prefix, or whitespace other than a space
_ODD_CELL = re.compile(rb"<c[>/\t\n\r]")
_PREFIXED = re.compile(rb":[cv][\s/>]")
_DIMENSION = re.compile(rb"<(?:[^\s<>/]*:)?dimension(?=[\s/>])([^>]*)>")
_ATTRS = re.compile(rb'(?:\s+[\w:.-]+="[^"<>&\s]*")*\s*/?')
_REF_ATTR = re.compile(rb'\sref="([^"]*)"')
_DECLARATION = re.compile(
    rb'<\?xml(?:\s+version="1\.[0-9]")?(?:\s+encoding="(?i:utf-8)")?(?:\s+standalone="(?:yes|no)")?\s*\?>'
)
_BOM = b"\xef\xbb\xbf"
_MAX_BYTES = 64 * 2**20  # larger sheets are streamed by the expat scan


def scan_plain(zf: zipfile.ZipFile, member: str, limits: Limits) -> dict[tuple[int, int], str] | None:
    """The error cells of the sheet as ``guard._scan_sheet`` finds them, or None when this path
    cannot vouch for the answer (the caller then runs the expat scan)."""
    try:
        info = zf.getinfo(member)
        if info.file_size > min(_MAX_BYTES, limits.member_mb * 2**20):
            return None
        with zf.open(member) as f:
            data = f.read(info.file_size + 1)
    except Exception:  # a broken member: the expat scan says how, at the point it finds it
        return None
    if len(data) > info.file_size or not _plain(data):
        return None
    return _scan(data, limits)


def _plain(data: bytes) -> bool:
    """UTF-8, well-formed, nothing but elements, attributes and text."""
    body = data.removeprefix(_BOM)
    if body.startswith(b"<?"):
        decl = _DECLARATION.match(body)
        if decl is None:
            return False
        body = body[decl.end() :]
    if not body.lstrip().startswith(b"<") or b"<!" in body or b"<?" in body:
        return False
    if b"'" in body:  # attribute values in double quotes only: the patterns rely on it
        return False
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    try:
        parser.Parse(data, True)
    except Exception:
        return False
    return True


def _refuse(*_: object) -> None:
    raise ValueError("declaration")


def _scan(data: bytes, limits: Limits) -> dict[tuple[int, int], str] | None:
    if b' t="e"' in data:
        return None  # error cells: the expat scan quotes them
    cells = _CELL.findall(data)
    # every element named c or v is one of those cells or their values
    if len(cells) != data.count(b"<c ") or _ODD_CELL.search(data) or _PREFIXED.search(data):
        return None
    if data.count(b"<v") != sum(1 for cell in cells if cell[3][:2] == b"<v"):
        return None
    if not _dimensions_fit(data, limits):
        return None
    filled = [cell for cell in cells if cell[3]]  # a <v> or <is>
    max_row = max((int(r) for r in {cell[1] for cell in filled}), default=0)
    max_col = max((_column(c) for c in {cell[0] for cell in filled}), default=0)
    if max_row > limits.rows or max_col > limits.columns or max_row * max_col > limits.cells:
        return None
    errors: dict[tuple[int, int], str] = {}
    for letters, digits, attrs, _, raw in filled:
        if not raw:
            continue  # a plain number, or nothing
        t = _TYPE.search(attrs)
        if t is not None and t.group(1) != b"n":
            continue  # text of a string cell: no number expected
        text = raw.decode("utf-8")
        if len(text) > 64:
            return None  # the expat scan keeps the first pieces of a long value: let it answer
        text = text.strip()
        if text and not _finite(text) and len(errors) < 1000:
            errors[(int(digits) - 1, _column(letters) - 1)] = text
    return errors


def _finite(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _column(letters: bytes) -> int:
    col = 0
    for ch in letters:
        col = col * 26 + ch - 64
    return col


def _dimensions_fit(data: bytes, limits: Limits) -> bool:
    """Every <dimension> in plain attributes, none declaring an extent beyond the limits."""
    for attrs in _DIMENSION.findall(data):
        if _ATTRS.fullmatch(attrs) is None:
            return False
        m = _REF_ATTR.search(attrs)
        corner = ref_of((m.group(1).decode("utf-8") if m else "").split(":")[-1])
        if corner and (
            corner[0] > limits.rows or corner[1] > limits.columns or corner[0] * corner[1] > limits.cells
        ):
            return False
    return True
