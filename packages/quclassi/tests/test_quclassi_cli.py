from importlib.metadata import version

import pytest

from quclassi.cli import main


def test_version_matches_metadata(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == "quclassi " + version("quclassi")


def test_no_command_is_usage_error(capsys):
    assert main([]) == 2
    assert "usage:" in capsys.readouterr().err


def test_unknown_command_is_usage_error(capsys):
    assert main(["no-such-command"]) == 2
    assert "invalid choice" in capsys.readouterr().err


def option_help(capsys, command, option):
    """Return the help entry of one option, joined onto one line."""
    assert main([command, "--help"]) == 0
    lines = capsys.readouterr().out.split("options:")[1].splitlines()
    # argparse starts each option's entry with two spaces and a dash, and indents the rest.
    entries = []
    for line in lines:
        if line.startswith("  -"):
            entries.append(line)
        elif entries:
            entries[-1] += line
    matches = [entry for entry in entries if entry.split()[0].rstrip(",") == option]
    assert len(matches) == 1, entries
    return " ".join(matches[0].split())


@pytest.mark.parametrize(
    ("command", "option", "expected"),
    [
        ("bench", "--seed", "(default: 0)"),
        ("circuit", "--format", "(default: text)"),
        ("circuit", "--shots", "(default: 1024)"),
        ("circuit", "--shots", "circuit repetitions"),
        ("evaluate", "--seed", "(default: the value stored in the model file)"),
        ("evaluate", "--test-size", "(default: the value stored in the model file)"),
        ("predict", "--shots", "(default: the shots stored in the model"),
        ("train", "--out", "(default: not saved)"),
    ],
)
def test_help_shows_defaults(capsys, command, option, expected):
    assert expected in option_help(capsys, command, option)
