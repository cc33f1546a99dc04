"""``python -m techreform.cli``: the same as the ``techreform`` command."""

from techreform.cli import program

program()
