import logging
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


def test_plot_missing_folder_before_output(capsys, tmp_path):
    emissions = tmp_path / "emissions.csv"
    assert main(["track", "--region", "FRA", "--output", str(emissions), "--", "true"]) == 0
    capsys.readouterr()
    plot = tmp_path / "absent" / "x.png"
    code, out, err = run_error(capsys, "report", str(emissions), "--plot", str(plot))
    assert code == 1
    assert out == ""
    assert f"--plot {plot}: the folder {plot.parent} does not exist" in err
    assert ".x.png." not in err


def test_plot_path_is_folder(capsys, tmp_path):
    emissions = tmp_path / "emissions.csv"
    assert main(["track", "--region", "FRA", "--output", str(emissions), "--", "true"]) == 0
    capsys.readouterr()
    code, out, err = run_error(capsys, "report", str(emissions), "--plot", str(tmp_path))
    assert code == 1
    assert out == ""
    assert f"--plot {tmp_path} is a folder" in err


def test_track_output_folder_runs_nothing(capsys, tmp_path):
    marker = tmp_path / "ran"
    output = tmp_path / "absent" / "emissions.csv"
    code, _, err = run_error(capsys, "track", "--output", str(output), "--", "touch", str(marker))
    assert code == 1
    assert f"--output {output}: the folder {output.parent} does not exist" in err
    assert not marker.exists()
    code, _, err = run_error(capsys, "track", "--output", str(tmp_path), "--", "touch", str(marker))
    assert code == 1
    assert f"--output {tmp_path} is a folder" in err
    assert not marker.exists()


def test_paper_out_is_file(capsys, tmp_path):
    existing = tmp_path / "notes.txt"
    existing.write_text("keep\n")
    code, out, err = run_error(capsys, "paper", "--figure", "growth", "--out", str(existing))
    assert code == 1
    assert out == ""
    assert f"--out {existing}: {existing} is a file, not a folder" in err
    assert existing.read_text() == "keep\n"


def test_plot_report_names_missing_folder(tmp_path):
    from sustainai.report import plot_report, summarise

    target = tmp_path / "absent" / "x.png"
    with pytest.raises(FileNotFoundError, match=r"cannot write .*x\.png: the folder .*absent"):
        plot_report(summarise([], []), target)


def test_quiet_silences_wrote_line(capsys, tmp_path):
    emissions = tmp_path / "emissions.csv"
    assert main(["track", "--region", "FRA", "--output", str(emissions), "--", "true"]) == 0
    capsys.readouterr()
    plot = tmp_path / "x.png"
    assert main(["-q", "report", str(emissions), "--plot", str(plot)]) == 0
    assert "wrote" not in capsys.readouterr().err
    assert plot.exists()


def test_wrote_line_logged_at_info(caplog, tmp_path):
    emissions = tmp_path / "emissions.csv"
    assert main(["track", "--region", "FRA", "--output", str(emissions), "--", "true"]) == 0
    plot = tmp_path / "x.png"
    with caplog.at_level(logging.INFO, logger="sustainai"):
        assert main(["report", str(emissions), "--plot", str(plot)]) == 0
    assert f"wrote {plot}" in caplog.messages


# The suggested file name in a "is a folder" message fits the file each option writes.
@pytest.mark.parametrize(
    ("option", "example"),
    [("--output", "emissions.csv"), ("--summary-out", "summary.json")],
)
def test_track_folder_example_fits_option(capsys, tmp_path, option, example):
    marker = tmp_path / "ran"
    argv = ["track", option, str(tmp_path), "--", "touch", str(marker)]
    if option != "--output":
        argv[1:1] = ["--output", str(tmp_path / "emissions.csv")]
    code, _, err = run_error(capsys, *argv)
    assert code == 1
    assert f"{option} {tmp_path} is a folder" in err
    assert f"such as {tmp_path / example}" in err
    assert "chart.png" not in err
    assert not marker.exists()


def test_plot_folder_example_is_png(capsys, tmp_path):
    emissions = tmp_path / "emissions.csv"
    assert main(["track", "--output", str(emissions), "--", "true"]) == 0
    capsys.readouterr()
    code, _, err = run_error(capsys, "report", str(emissions), "--plot", str(tmp_path))
    assert code == 1
    assert f"such as {tmp_path / 'chart.png'}" in err


# The chart is always PNG data, so another suffix would name the file wrongly.
@pytest.mark.parametrize("name", ["out.jpg", "chart", "chart.svg"])
def test_plot_suffix_not_png_usage_error(capsys, tmp_path, name):
    emissions = tmp_path / "emissions.csv"
    assert main(["track", "--output", str(emissions), "--", "true"]) == 0
    capsys.readouterr()
    plot = tmp_path / name
    assert main(["report", str(emissions), "--plot", str(plot)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "argument --plot" in captured.err
    assert "PNG" in captured.err
    assert f"got {str(plot)!r}" in captured.err
    assert not plot.exists()


def test_plot_upper_case_png_accepted(capsys, tmp_path):
    emissions = tmp_path / "emissions.csv"
    assert main(["track", "--output", str(emissions), "--", "true"]) == 0
    plot = tmp_path / "CHART.PNG"
    assert main(["report", str(emissions), "--plot", str(plot)]) == 0
    assert plot.read_bytes().startswith(b"\x89PNG")
