from importlib.metadata import version

import pytest

from virtualflow.cli import main


def test_version_matches_metadata(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == "virtualflow " + version("virtualflow")


def test_no_command_is_usage_error(capsys):
    assert main([]) == 2
    assert "usage:" in capsys.readouterr().err


def test_unknown_command_is_usage_error(capsys):
    assert main(["no-such-command"]) == 2
    assert "invalid choice" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("command", "defaults"),
    [
        ("plan", ["(default: table)"]),
        ("compare", ["(default: table)"]),
        (
            "train",
            [
                "(default: table)",
                "(default: 100)",
                "(default: 0)",
                "(default: keras)",
                "(default: digits)",
                "(default: cnn)",
            ],
        ),
        ("profile", ["(default: table)", "(default: 10)", "(default: 0)"]),
    ],
)
def test_help_shows_defaults(command, defaults, capsys, monkeypatch):
    # A wide terminal keeps each help entry on one line.
    monkeypatch.setenv("COLUMNS", "300")
    assert main([command, "--help"]) == 0
    lines = capsys.readouterr().out.splitlines()
    format_line = next(line for line in lines if line.strip().startswith("--format"))
    assert "{table,json}" in format_line
    help_text = "\n".join(lines)
    for default in defaults:
        assert default in help_text


def test_train_help_explains_existing_out(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "300")
    assert main(["train", "--help"]) == 0
    lines = capsys.readouterr().out.splitlines()
    out_line = next(line for line in lines if line.strip().startswith("--out OUT"))
    assert "overwritten unless --resume" in out_line


def test_profile_zero_steps_is_usage_error(tmp_path, capsys):
    argv = ["profile", "--steps", "0", "--out", str(tmp_path / "p.json")]
    assert main(argv) == 2
    assert "argument --steps: expected an integer >= 1, got '0'" in capsys.readouterr().err


def test_profile_out_in_missing_folder_is_usage_error(tmp_path, capsys):
    out = tmp_path / "missing" / "p.json"
    assert main(["profile", "--out", str(out)]) == 2
    assert f"--out {out}: the folder" in capsys.readouterr().err
