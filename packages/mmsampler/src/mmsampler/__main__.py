"""Entry point for ``python -m mmsampler``."""

import sys

from mmsampler.cli import main

if __name__ == "__main__":
    sys.exit(main())
