"""Entry point for ``python -m sustainai``."""

import sys

from sustainai.cli import main

if __name__ == "__main__":
    sys.exit(main())
