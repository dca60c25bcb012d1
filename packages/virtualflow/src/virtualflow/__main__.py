"""Entry point for ``python -m virtualflow``."""

import sys

from virtualflow.cli import main

if __name__ == "__main__":
    sys.exit(main())
