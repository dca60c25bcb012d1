"""Tests of the developer tools in tools/ (standard-library scripts, loaded from their folder)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

TOOLS = Path(__file__).resolve().parent.parent / "tools"
sys.path.insert(0, str(TOOLS))

import changed_packages  # noqa: E402
import check_versions  # noqa: E402
import monorepo  # noqa: E402


def test_package_change_marks_only_that_package():
    paths = ["packages/quclassi/src/quclassi/cli.py", "packages/quclassi/README.md"]
    assert changed_packages.packages_for(paths) == ["quclassi"]


def test_two_packages_keep_table_order():
    paths = ["packages/sustainai/x.py", "packages/virtualflow/y.py"]
    assert changed_packages.packages_for(paths) == ["virtualflow", "sustainai"]


def test_tooling_change_marks_every_package():
    paths = ["packages/quclassi/x.py", "Makefile"]
    assert changed_packages.packages_for(paths) == list(monorepo.PACKAGES)


def test_docs_change_marks_nothing():
    assert changed_packages.packages_for(["docs/benchmarks/quclassi.md", "README.md"]) == []


def test_unknown_package_folder_is_rejected():
    with pytest.raises(SystemExit, match="unknown package folder packages/newpkg"):
        changed_packages.packages_for(["packages/newpkg/pyproject.toml"])


def write_package(root: Path, version: str, changelog: str) -> None:
    source = root / "packages" / "demo" / "src" / "demo"
    source.mkdir(parents=True)
    (source / "__init__.py").write_text(f'__version__ = "{version}"\n')
    (root / "packages" / "demo" / "CHANGELOG.md").write_text(changelog)


def test_versions_agree(tmp_path, monkeypatch):
    write_package(tmp_path, "1.2.0", "# Changelog\n\n## [Unreleased]\n\n## [1.2.0] - 2026-01-01\n")
    monkeypatch.setattr(check_versions, "package_dir", lambda name: tmp_path / "packages" / name)
    assert check_versions.check_package("demo", "no-such-distribution-xyz") == []


def test_version_mismatch_is_reported(tmp_path, monkeypatch):
    write_package(tmp_path, "1.3.0", "# Changelog\n\n## [Unreleased]\n\n## [1.2.0] - 2026-01-01\n")
    monkeypatch.setattr(check_versions, "package_dir", lambda name: tmp_path / "packages" / name)
    problems = check_versions.check_package("demo", "no-such-distribution-xyz")
    assert len(problems) == 1
    assert "__version__ is 1.3.0 but the newest CHANGELOG release is 1.2.0" in problems[0]


def test_missing_unreleased_section_is_reported(tmp_path, monkeypatch):
    write_package(tmp_path, "1.2.0", "# Changelog\n\n## [1.2.0] - 2026-01-01\n")
    monkeypatch.setattr(check_versions, "package_dir", lambda name: tmp_path / "packages" / name)
    problems = check_versions.check_package("demo", "no-such-distribution-xyz")
    assert problems == ["demo: CHANGELOG.md must start with an '## [Unreleased]' section"]


def test_repository_versions_are_consistent():
    result = subprocess.run(
        [sys.executable, str(TOOLS / "check_versions.py")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_changed_packages_cli_prints_json_list():
    result = subprocess.run(
        [sys.executable, str(TOOLS / "changed_packages.py"), "--all"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(result.stdout) == list(monorepo.PACKAGES)


def test_jobs_lists_package_without_demo_as_missing(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            str(TOOLS / "jobs.py"),
            "demo",
            "--only",
            "taglets",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "taglets" in result.stdout
    assert "missing" in result.stdout


def test_headline_floats_keep_four_digits(tmp_path):
    import jobs

    (tmp_path / "summary.json").write_text(
        json.dumps({"test_accuracy": 0.97971, "energy_kwh": 1.6366928248458405e-06, "n": 12})
    )
    assert jobs.read_summary(tmp_path) == "test_accuracy=0.9797, energy_kwh=1.637e-06, n=12"


def test_missing_summary_is_reported(tmp_path):
    import jobs

    assert jobs.read_summary(tmp_path) == "(no summary.json written)"
