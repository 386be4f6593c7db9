"""``python -m inference.batch``: see ``inference.batch.cli``."""

import sys

from inference.batch.cli import main

sys.exit(main())
