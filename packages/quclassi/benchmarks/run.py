"""Write docs/benchmarks/quclassi.md: the analytic backend against PennyLane SWAP-test QNodes.

Usage: python packages/quclassi/benchmarks/run.py --out docs/benchmarks/quclassi.md

Runs ``quclassi bench`` with its defaults (n = 2, 4, 6, 8 data qubits; N = 100 and 1000
samples; 3 repeats; 20 s per-sample budget). Other ``quclassi bench`` options pass through.
"""

from __future__ import annotations

import argparse
import sys

from quclassi.cli import main


def run(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="Markdown file to write")
    args, passthrough = parser.parse_known_args(argv)
    return main(["bench", *passthrough, "--format", "markdown", "--out", args.out])


if __name__ == "__main__":
    sys.exit(run())
