"""Run every package's main job (``demo``) or benchmarks (``bench``) and print one table.

A package takes part by shipping:

- ``packages/<pkg>/demo.sh OUT_DIR``: its main job on real data, run through its own CLI. It
  writes ``OUT_DIR/summary.json``, a flat JSON object of headline figures.
- ``packages/<pkg>/benchmarks/run.py --out docs/benchmarks/<pkg>.md``: its benchmarks against
  the peer a user would otherwise pick.

Each job runs with this interpreter's ``bin`` folder first on PATH, so the package CLIs of the
active virtual environment are the ones used. A package without the file is listed as missing,
never as passed. The exit code is 1 when any job that exists failed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from monorepo import PACKAGES, ROOT, package_dir


def job_command(kind: str, name: str, out_root: Path) -> tuple[list[str], Path] | None:
    """Return the command of one package's job and its output path, or None when it has none."""
    folder = package_dir(name)
    if kind == "demo":
        script = folder / "demo.sh"
        out = out_root / name
        return (["bash", str(script), str(out)], out) if script.is_file() else None
    script = folder / "benchmarks" / "run.py"
    out = ROOT / "docs" / "benchmarks" / f"{name}.md"
    return ([sys.executable, str(script), "--out", str(out)], out) if script.is_file() else None


def read_summary(out: Path) -> str:
    """Return the headline figures of a demo as ``key=value`` pairs, or a note when absent."""
    summary_file = out / "summary.json"
    if not summary_file.is_file():
        return "(no summary.json written)"
    summary = json.loads(summary_file.read_text(encoding="utf-8"))
    return ", ".join(f"{key}={format_value(value)}" for key, value in summary.items())


def format_value(value: object) -> str:
    """Format a headline figure: floats to four significant digits, everything else as is."""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run each package's demo or benchmarks.")
    parser.add_argument("kind", choices=["demo", "bench"])
    parser.add_argument("--only", nargs="*", choices=list(PACKAGES), help="run these packages")
    parser.add_argument("--out", type=Path, default=ROOT / "demo-output", help="demo output root")
    args = parser.parse_args(argv)

    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    rows: list[tuple[str, str, str, str]] = []
    failed = False
    for name in args.only or PACKAGES:
        job = job_command(args.kind, name, args.out)
        if job is None:
            missing = "demo.sh" if args.kind == "demo" else "benchmarks/run.py"
            rows.append(
                (name, "missing", "-", f"no {missing} yet: this package has no {args.kind}")
            )
            continue
        command, out = job
        print(f"==> {name}: {' '.join(command)}", file=sys.stderr, flush=True)
        start = time.perf_counter()
        result = subprocess.run(command, cwd=ROOT, env=env, check=False)
        wall_s = f"{time.perf_counter() - start:.1f}"
        if result.returncode != 0:
            failed = True
            rows.append((name, "FAILED", wall_s, f"exit code {result.returncode}"))
        elif args.kind == "demo":
            rows.append((name, "ok", wall_s, read_summary(out)))
        else:
            rows.append((name, "ok", wall_s, str(out.relative_to(ROOT))))

    header = ("package", "status", "wall_s", "results" if args.kind == "demo" else "written to")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(3)]
    indent = sum(widths) + 2 * len(widths)
    print()
    for row in [header, *rows]:
        fixed = "  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True))
        # Long result lists wrap under the results column instead of running off the screen.
        results = textwrap.wrap(row[3], width=max(40, 110 - indent)) or [""]
        print(fixed + "  " + results[0])
        for line in results[1:]:
            print(" " * indent + line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
