"""Entry point for `python -m reports` (the command line lives in cli/reports.py)."""

import sys

from cli.reports import main

if __name__ == "__main__":
    sys.exit(main())
