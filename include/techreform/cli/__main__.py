"""``python -m techreform.cli``: the same as the ``techreform`` command."""

import sys

from techreform.cli import main

sys.exit(main())
