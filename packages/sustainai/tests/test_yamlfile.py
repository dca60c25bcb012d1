import pytest

from sustainai.cli import main
from sustainai.errors import DataFileError
from sustainai.yamlfile import load_yaml

# An unclosed flow sequence opens on line 2, column 5, and PyYAML stops at the end of the file.
UNCLOSED = "rows:\n  - [a, b\n"
UNCLOSED_MESSAGE = (
    "broken.yaml, line 2, column 5: invalid YAML "
    "(expected ',' or ']', but got the end of the file at line 3)"
)


def test_estimate_invalid_yaml_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "broken.yaml").write_text(UNCLOSED, encoding="utf-8")
    assert main(["estimate", "broken.yaml"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert UNCLOSED_MESSAGE in err


def test_paper_params_invalid_yaml_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "broken.yaml").write_text(UNCLOSED, encoding="utf-8")
    assert main(["paper", "--params", "broken.yaml"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert UNCLOSED_MESSAGE in err


def test_load_yaml_problem_on_same_line():
    # "a: b: c" has a second mapping value at column 5 of line 1.
    with pytest.raises(DataFileError) as caught:
        load_yaml("a: b: c\n", "bad.yaml")
    message = str(caught.value)
    expected = "bad.yaml, line 1, column 5: invalid YAML (mapping values are not allowed here)"
    assert message == expected
    assert "\n" not in message


def test_load_yaml_valid_document():
    assert load_yaml("rows:\n  - {phase: training}\n", "good.yaml") == {
        "rows": [{"phase": "training"}]
    }
