"""Entry point for `python -m seed`."""

import sys

from cli.seed import main

sys.exit(main())
