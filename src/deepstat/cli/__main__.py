"""``python -m deepstat.cli``: the ``deepstat`` command line."""

import sys

from deepstat.cli import main

sys.exit(main())
