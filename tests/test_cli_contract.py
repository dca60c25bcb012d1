"""Cross-package checks of the command-line contract, each CLI run as a subprocess."""

import json
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

PACKAGES = {
    "quclassi": "quclassi",
    "virtualflow": "virtualflow",
    "taglets": "taglets",
    "mmsampler": "mmsampler",
    "sustainai": "sustainable-ai",
}
HEAVY_MODULES = ["torch", "tensorflow", "keras", "pennylane", "qiskit", "timm", "open_clip"]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)


def console_script(name: str) -> str:
    # The scripts live next to the interpreter running the tests, which may not be on PATH.
    return str(Path(sys.executable).parent / name)


@pytest.mark.parametrize(("name", "dist"), PACKAGES.items())
def test_version_prints_metadata_version(name, dist):
    result = run(console_script(name), "--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{name} {metadata.version(dist)}"


@pytest.mark.parametrize("name", PACKAGES)
def test_help_exits_zero(name):
    result = run(console_script(name), "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: {name}")


@pytest.mark.parametrize("name", PACKAGES)
def test_python_dash_m_runs_cli(name):
    result = run(sys.executable, "-m", name, "--help")
    assert result.returncode == 0, result.stderr
    assert f"usage: {name}" in result.stdout


@pytest.mark.parametrize("name", PACKAGES)
def test_unknown_command_exits_two(name):
    result = run(console_script(name), "no-such-command")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


@pytest.mark.parametrize("name", PACKAGES)
def test_import_and_help_stay_light(name):
    # A fresh interpreter imports the package and renders --help of every subcommand, then
    # reports which heavy frameworks ended up in sys.modules.
    probe = f"""
import contextlib, io, json, sys
import {name}
from {name}.cli import build_parser, main
parser = build_parser()
commands = []
for action in parser._actions:
    if getattr(action, "choices", None) and isinstance(action.choices, dict):
        commands = list(action.choices)
with contextlib.redirect_stdout(io.StringIO()):
    for argv in [["--help"]] + [[command, "--help"] for command in commands]:
        assert main(argv) == 0, argv
heavy = {HEAVY_MODULES!r}
print(json.dumps(sorted(m for m in heavy if m in sys.modules)))
"""
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, env=env
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


@pytest.mark.parametrize("name", PACKAGES)
def test_package_never_imports_sibling(name):
    source = Path(__file__).resolve().parent.parent / "packages" / name / "src" / name
    siblings = [other for other in PACKAGES if other != name]
    offenders = []
    for path in source.rglob("*.py"):
        for line_number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            words = line.strip().split()
            if len(words) >= 2 and words[0] in ("import", "from"):
                root_module = words[1].split(".")[0].rstrip(",")
                if root_module in siblings:
                    offenders.append(f"{path.name}:{line_number}: {line.strip()}")
    assert offenders == []


def subcommand_parsers(name: str) -> dict:
    cli = __import__(f"{name}.cli", fromlist=["build_parser"])
    for action in cli.build_parser()._actions:
        if isinstance(getattr(action, "choices", None), dict):
            return action.choices
    return {}


@pytest.mark.parametrize("name", PACKAGES)
def test_subcommands_accept_verbosity_flags(name):
    for command, parser in subcommand_parsers(name).items():
        options = parser._option_string_actions
        for flag in ("-q", "--quiet", "-v", "--verbose"):
            assert flag in options, f"{name} {command} lacks {flag}"


def test_quiet_after_subcommand_parses():
    from sustainai.cli import build_parser

    after = build_parser().parse_args(["regions", "-q"])
    before = build_parser().parse_args(["-q", "regions"])
    neither = build_parser().parse_args(["regions"])
    assert after.quiet is True
    assert before.quiet is True
    assert neither.quiet is False
    assert neither.verbose is False
