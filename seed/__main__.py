"""Entry point for `python -m seed`."""

import sys

from seed.cli import main

sys.exit(main())
