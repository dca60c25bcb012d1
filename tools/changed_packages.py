"""Print, as a JSON list, the packages that a change touches.

Compares the working tree's HEAD with the merge base of ``--base`` (default ``origin/main``,
falling back to ``HEAD~1``). A file under ``packages/<pkg>/`` marks that package. Any other
changed file (tools/, Makefile, the root pyproject.toml, .github/, .ci/) can affect every
package, so it marks them all. A folder under packages/ that is not in the package table is an
error, so a new package cannot be skipped by CI without notice.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

from monorepo import PACKAGES, ROOT

# Paths whose change cannot affect how any package builds or tests.
NEUTRAL_PREFIXES = ("docs/", "README.md", ".gitignore")


def changed_files(base: str) -> list[str]:
    """Return the paths changed between the merge base of ``base`` and HEAD."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=ROOT, check=True, capture_output=True, text=True
        ).stdout

    try:
        merge_base = git("merge-base", base, "HEAD").strip()
    except subprocess.CalledProcessError:
        merge_base = git("rev-parse", "HEAD~1").strip()
    return [line for line in git("diff", "--name-only", merge_base, "HEAD").splitlines() if line]


def packages_for(paths: list[str]) -> list[str]:
    """Map changed paths to package names, all of them when shared tooling changed."""
    touched: set[str] = set()
    for path in paths:
        if path.startswith("packages/"):
            name = path.split("/")[1]
            if name not in PACKAGES:
                msg = f"unknown package folder packages/{name}: add it to tools/packages.py"
                raise SystemExit(msg)
            touched.add(name)
        elif not path.startswith(NEUTRAL_PREFIXES):
            return list(PACKAGES)
    return [name for name in PACKAGES if name in touched]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="origin/main", help="git ref to compare with")
    parser.add_argument("--all", action="store_true", help="list every package")
    args = parser.parse_args(argv)
    names = list(PACKAGES) if args.all else packages_for(changed_files(args.base))
    print(json.dumps(names))
    return 0


if __name__ == "__main__":
    sys.exit(main())
