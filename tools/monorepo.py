"""The monorepo's package table, shared by the scripts in tools/ (standard library only)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Folder and import name -> distribution name on PyPI.
PACKAGES: dict[str, str] = {
    "quclassi": "quclassi",
    "virtualflow": "virtualflow",
    "taglets": "taglets",
    "mmsampler": "mmsampler",
    "sustainai": "sustainable-ai",
}


def package_dir(name: str) -> Path:
    """Return the folder of package ``name`` under packages/."""
    return ROOT / "packages" / name
