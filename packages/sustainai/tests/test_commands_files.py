import os

import pytest

from sustainai.cli import main


def run_error(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["report", "{missing}"], "emissions CSV {missing} not found: pass the path of"),
        (["report", "{folder}"], "emissions CSV {folder} is a folder, not a file"),
        (["estimate", "{missing}"], "lifecycle table {missing} not found: pass the path of"),
        (["estimate", "{folder}"], "lifecycle table {folder} is a folder, not a file"),
        (["paper", "--params", "{missing}"], "parameter file {missing} not found"),
        (["paper", "--params", "{folder}"], "parameter file {folder} is a folder, not a file"),
    ],
)
def test_bad_input_file_one_line(capsys, tmp_path, argv, expected):
    paths = {"missing": str(tmp_path / "nosuch.yaml"), "folder": str(tmp_path)}
    code, out, err = run_error(capsys, *(part.format(**paths) for part in argv))
    assert code == 1
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert err.startswith("sustainai: error: ")
    assert expected.format(**paths) in err
    assert "Errno" not in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files without read permission")
def test_unreadable_input_file(capsys, tmp_path):
    path = tmp_path / "emissions.csv"
    path.write_text("timestamp\n")
    path.chmod(0)
    code, _, err = run_error(capsys, "report", str(path))
    assert code == 1
    assert f"cannot read emissions CSV {path} (permission denied)" in err
