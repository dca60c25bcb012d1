"""Check that every package's version agrees with its CHANGELOG and its installed metadata.

For each package, ``__version__`` in ``src/<pkg>/__init__.py`` must equal the newest released
heading (``## [X.Y.Z] - date``) of its CHANGELOG.md, and the CHANGELOG must keep an
``## [Unreleased]`` section above it. When the package is installed in the running interpreter,
``importlib.metadata.version`` must report the same number too.

Exit code 0 when all agree, 1 otherwise (one line per problem on stderr).
"""

from __future__ import annotations

import re
import sys
from importlib import metadata

from monorepo import PACKAGES, package_dir

VERSION_RE = re.compile(r'^__version__\s*=\s*"([^"]+)"', re.MULTILINE)
HEADING_RE = re.compile(r"^## \[([^\]]+)\]", re.MULTILINE)


def check_package(name: str, dist: str) -> list[str]:
    """Return the version problems of one package, empty when there are none."""
    folder = package_dir(name)
    init_text = (folder / "src" / name / "__init__.py").read_text(encoding="utf-8")
    match = VERSION_RE.search(init_text)
    if match is None:
        return [f'{name}: no __version__ = "..." line in src/{name}/__init__.py']
    source_version = match.group(1)

    problems = []
    headings = HEADING_RE.findall((folder / "CHANGELOG.md").read_text(encoding="utf-8"))
    if not headings or headings[0] != "Unreleased":
        problems.append(f"{name}: CHANGELOG.md must start with an '## [Unreleased]' section")
    released = [heading for heading in headings if heading != "Unreleased"]
    if not released:
        problems.append(f"{name}: CHANGELOG.md has no released version heading")
    elif released[0] != source_version:
        problems.append(
            f"{name}: __version__ is {source_version} but the newest CHANGELOG release is "
            f"{released[0]}; update one of them"
        )

    try:
        installed = metadata.version(dist)
    except metadata.PackageNotFoundError:
        installed = None
    if installed is not None and installed != source_version:
        problems.append(
            f"{name}: installed metadata says {installed} but the source says {source_version}; "
            "reinstall with 'make install'"
        )
    return problems


def main() -> int:
    problems = [line for name, dist in PACKAGES.items() for line in check_package(name, dist)]
    for line in problems:
        print(line, file=sys.stderr)
    if not problems:
        print(f"versions consistent for {len(PACKAGES)} packages")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
