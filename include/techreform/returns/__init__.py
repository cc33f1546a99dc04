"""Reading a county return as it really arrives (DESIGN.md §3.1): opening the workbook, finding
each table's header, normalising the cells, and the sheet-level findings.

``read_return`` is the entry point; the modules are by concern: ``model`` (what a read return
is), ``cells`` (one cell's value), ``headers`` (the header row), ``table`` (a sheet's rows),
``reader`` (the workbook), ``checks`` (sheet-level findings, the period a file names).
"""

from techreform.returns.cells import clean_text, parse_month, parse_number
from techreform.returns.checks import period_of
from techreform.returns.headers import match_header
from techreform.returns.model import READABLE_SUFFIXES, Column, ParsedReturn, Sheet, UnreadableWorkbook
from techreform.returns.reader import read_return

__all__ = [
    "READABLE_SUFFIXES",
    "Column",
    "ParsedReturn",
    "Sheet",
    "UnreadableWorkbook",
    "clean_text",
    "match_header",
    "parse_month",
    "parse_number",
    "period_of",
    "read_return",
]
