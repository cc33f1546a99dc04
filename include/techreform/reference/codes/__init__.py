"""National codes used in the return, one module per standard (after python-stdnum).

- ``uscc``: 统一社会信用代码 (GB 32100-2015), the enterprise's code;
- ``project_code``: 投资项目统一代码, ``YYYY-DDDDDD-II-TT-NNNNNN`` whose second group is a GB/T 2260
  division;
- ``gb2260``: administrative division codes (GB/T 2260), current and retired;
- ``gb4754``: the divisions of 工业 in GB/T 4754-2017 (06–46).

Each module has ``compact``, ``validate`` and ``is_valid`` (and ``format`` where a code has a
written form); ``validate`` returns the compacted code or raises one of python-stdnum's
exceptions (``stdnum.exceptions``): ``InvalidLength``, ``InvalidFormat``, ``InvalidChecksum`` or
``InvalidComponent``, all ``ValidationError``. The messages are English, for developers; what the
county reads is chosen from the exception's class by the rules (``techreform.rules.code_messages``).
"""

from techreform.reference.codes import gb2260, gb4754, project_code, uscc

__all__ = ["gb2260", "gb4754", "project_code", "uscc"]
