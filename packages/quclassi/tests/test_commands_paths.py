import pytest

import quclassi.datasets
from quclassi.cli import main


@pytest.fixture
def no_data_loading(monkeypatch):
    """Fail the test if a command loads a data set, so path checks must come first."""

    def fail(*args, **kwargs):
        msg = "the command loaded a data set before checking its paths"
        raise AssertionError(msg)

    monkeypatch.setattr(quclassi.datasets, "load_dataset", fail)
    monkeypatch.setattr(quclassi.datasets, "read_csv", fail)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ["predict", "--model", "missing.json", "--input", "missing.csv"],
            "model file missing.json (--model) not found: pass a model file written by",
        ),
        (
            ["evaluate", "--model", "missing.json"],
            "model file missing.json (--model) not found",
        ),
        (
            ["circuit", "--model", "missing.json", "--sample", "1,2"],
            "model file missing.json (--model) not found",
        ),
        (
            ["train", "--dataset", "csv:missing.csv"],
            "CSV data file missing.csv (--dataset) not found: pass the path of an existing CSV",
        ),
        (
            ["compare", "--dataset", "csv:missing.csv"],
            "CSV data file missing.csv (--dataset) not found",
        ),
        (
            ["train", "--dataset", "iris", "--resume", "--out", "nosuch.json"],
            "model file nosuch.json (--out with --resume) not found: run train once without",
        ),
        (
            ["circuit", "--structure", "s", "--input", "missing.csv"],
            "input file missing.csv (--input) not found",
        ),
    ],
)
def test_missing_input_file_named(capsys, tmp_path, monkeypatch, no_data_loading, argv, expected):
    monkeypatch.chdir(tmp_path)
    assert main(["-q", *argv]) == 1
    error = capsys.readouterr().err
    assert expected in error
    assert "Errno" not in error
    assert error.count("\n") == 1


def test_predict_missing_input_named(capsys, tmp_path, no_data_loading):
    model = tmp_path / "model.json"
    model.write_text("{}")
    argv = ["predict", "--model", str(model), "--input", str(tmp_path / "missing.csv")]
    assert main(["-q", *argv]) == 1
    error = capsys.readouterr().err
    assert f"input file {tmp_path / 'missing.csv'} (--input) not found" in error
    assert "Errno" not in error


def test_model_path_folder_rejected(capsys, tmp_path):
    assert main(["-q", "evaluate", "--model", str(tmp_path)]) == 1
    assert "(--model) is a folder, not a file" in capsys.readouterr().err


@pytest.mark.parametrize("option", ["--out", "--plot-loss", "--plot-confusion"])
def test_train_missing_out_folder(capsys, tmp_path, no_data_loading, option):
    path = tmp_path / "nonexistent" / "m.json"
    assert main(["-q", "train", "--dataset", "iris", option, str(path)]) == 1
    error = capsys.readouterr().err
    assert f"{option} {path}: folder {path.parent} does not exist" in error
    assert ".tmp" not in error


def test_train_out_is_folder(capsys, tmp_path, no_data_loading):
    assert main(["-q", "train", "--dataset", "iris", "--out", str(tmp_path)]) == 1
    assert f"--out {tmp_path} is a folder" in capsys.readouterr().err


def test_out_under_file_rejected(capsys, tmp_path, no_data_loading):
    blocker = tmp_path / "file.txt"
    blocker.write_text("")
    path = blocker / "m.json"
    assert main(["-q", "train", "--dataset", "iris", "--out", str(path)]) == 1
    assert f"{blocker} is a file, not a folder" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        ["predict", "--model", "MODEL", "--input", "INPUT", "--out", "OUT"],
        ["evaluate", "--model", "MODEL", "--plot-confusion", "OUT"],
        ["circuit", "--structure", "s", "--sample", "0.5", "--out", "OUT"],
        ["bench", "--out", "OUT"],
    ],
)
def test_missing_out_folder_checked_first(capsys, tmp_path, no_data_loading, argv):
    model = tmp_path / "model.json"
    model.write_text("{}")
    source = tmp_path / "input.csv"
    source.write_text("1,2\n")
    out = tmp_path / "nonexistent" / "out.csv"
    replacements = {"MODEL": str(model), "INPUT": str(source), "OUT": str(out)}
    assert main(["-q", *[replacements.get(arg, arg) for arg in argv]]) == 1
    error = capsys.readouterr().err
    assert f"{out}: folder {out.parent} does not exist" in error
    assert ".tmp" not in error


def test_train_out_folder_suggests_model_json(capsys, tmp_path, no_data_loading):
    assert main(["-q", "train", "--dataset", "iris", "--out", str(tmp_path)]) == 1
    assert f"for example {tmp_path / 'model.json'}" in capsys.readouterr().err


def test_train_keeps_existing_data_file(capsys, tmp_path, no_data_loading):
    data = tmp_path / "keep.csv"
    data.write_text("a,b,label\n0.1,0.2,0\n")
    assert main(["-q", "train", "--dataset", "iris", "--out", str(data)]) == 1
    assert "exists and is not a quclassi model file" in capsys.readouterr().err
    assert data.read_text() == "a,b,label\n0.1,0.2,0\n"


def test_train_may_replace_model_file(tmp_path):
    path = tmp_path / "model.json"
    assert main(["-q", "train", "--dataset", "iris", "--epochs", "1", "--out", str(path)]) == 0
    assert main(["-q", "train", "--dataset", "iris", "--epochs", "1", "--out", str(path)]) == 0
    assert path.is_file()
