"""Entry point for ``python -m taglets``."""

import sys

from taglets.cli import main

if __name__ == "__main__":
    sys.exit(main())
