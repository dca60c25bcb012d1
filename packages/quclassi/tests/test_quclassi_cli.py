from importlib.metadata import version

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
