"""Entry point for ``python -m quclassi``."""

import sys

from quclassi.cli import main

if __name__ == "__main__":
    sys.exit(main())
