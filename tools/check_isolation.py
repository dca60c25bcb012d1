"""Fail when a sibling package is importable from a package's own virtual environment.

Run by ``make test-<pkg>`` inside ``.venvs/<pkg>``: that environment must hold only the
package under test and its declared dependencies, so every sibling import must fail.
"""

from __future__ import annotations

import importlib.util
import sys

from monorepo import PACKAGES


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in PACKAGES:
        print(f"usage: check_isolation.py PACKAGE (one of {', '.join(PACKAGES)})", file=sys.stderr)
        return 2
    target = argv[0]
    if importlib.util.find_spec(target) is None:
        print(f"{target} is not importable in this environment", file=sys.stderr)
        return 1
    leaked = [name for name in PACKAGES if name != target and importlib.util.find_spec(name)]
    if leaked:
        print(f"sibling packages importable beside {target}: {', '.join(leaked)}", file=sys.stderr)
        return 1
    print(f"{target} is isolated: no sibling package is importable")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
