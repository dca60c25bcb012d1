import json
import signal
import subprocess
import sys
import time

import pytest

from sustainai.cli import main
from sustainai.records import read_records

PYTHON = sys.executable


@pytest.fixture
def output(tmp_path):
    return tmp_path / "emissions.csv"


def track(output, *command, extra=()):
    # An empty powercap root makes RAPL unavailable, so the estimate path runs everywhere.
    return main(
        ["track", "--region", "FRA", "--output", str(output), "--powercap-root",
         str(output.parent / "no-powercap"), "--interval", "0.05", *extra, "--", *command]
    )  # fmt: skip


def test_exit_code_passed_through(output, capsys):
    assert track(output, PYTHON, "-c", "import sys; sys.exit(3)") == 3
    (record,) = read_records(output)
    assert record["status"] == "exit 3"
    assert record["exit_code"] == 3


def test_success_records_and_prints_estimate(output, capsys):
    code = "import time\nend = time.process_time() + 0.2\nwhile time.process_time() < end: pass"
    assert track(output, PYTHON, "-c", code, extra=["--project", "demo"]) == 0
    err = capsys.readouterr().err
    assert "ESTIMATE" in err
    assert "demo/training ok" in err
    (record,) = read_records(output)
    assert record["project_name"] == "demo"
    assert record["measured"] is False
    # The child burnt at least 0.2 CPU-seconds, at 4 W per busy CPU at least 0.8 J.
    assert record["cpu_energy"] >= 0.8 / 3.6e6


def test_child_stdout_passes_through(output, capfd):
    assert track(output, PYTHON, "-c", "print('hello from child')") == 0
    captured = capfd.readouterr()
    assert captured.out == "hello from child\n"
    assert "sustainai:" in captured.err


def test_missing_command_exits_127_without_record(output, capsys):
    assert track(output, "no-such-command-xyz", "--flag") == 127
    assert "command not found: 'no-such-command-xyz'" in capsys.readouterr().err
    assert not output.exists()


def test_missing_command_path_exits_127(output, tmp_path):
    assert track(output, str(tmp_path / "absent.sh")) == 127
    assert not output.exists()


def test_killed_child_still_recorded(output, capsys):
    code = "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"
    assert track(output, PYTHON, "-c", code) == 128 + 9
    (record,) = read_records(output)
    assert record["status"] == "killed by SIGKILL"
    assert record["exit_code"] == -9


def test_json_summary(output, capsys):
    assert track(output, PYTHON, "-c", "pass", extra=["--format", "json"]) == 0
    summary = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert summary["status"] == "ok"
    assert summary["measured"] is False
    assert summary["energy_method"].startswith("estimate:cpu-time")
    assert summary["output"] == str(output)


def test_unknown_region_runs_nothing(output, tmp_path, capsys):
    marker = tmp_path / "ran"
    code = main(
        ["track", "--region", "Atlantis", "--output", str(output), "--", "touch", str(marker)]
    )
    assert code == 2
    assert "argument --region: unknown grid region 'Atlantis'" in capsys.readouterr().err
    assert not marker.exists()
    assert not output.exists()


def test_no_command_is_usage_error(output, capsys):
    assert main(["track", "--output", str(output)]) == 2
    assert "no command given" in capsys.readouterr().err


def test_report_formats(output, capsys, tmp_path):
    track(output, PYTHON, "-c", "pass", extra=["--project", "p1", "--phase", "inference"])
    capsys.readouterr()
    assert main(["report", str(output), "--format", "json", "--by", "project"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["groups"][0]["project"] == "p1"
    assert document["totals"]["runs"] == 1
    assert main(["report", str(output), "--format", "markdown"]) == 0
    assert "| p1 | inference |" in capsys.readouterr().out
    chart = tmp_path / "chart.png"
    assert main(["report", str(output), "--plot", str(chart)]) == 0
    assert chart.read_bytes()[:4] == b"\x89PNG"


def test_report_corrupt_file_names_line(tmp_path, capsys):
    path = tmp_path / "other.csv"
    path.write_text("name,value\nx,1\n")
    assert main(["report", str(path)]) == 1
    err = capsys.readouterr().err
    assert "other.csv, line 1" in err
    assert len(err.strip().splitlines()) == 1


def test_doctor_json_gives_reasons(tmp_path, capsys):
    assert main(["doctor", "--format", "json", "--powercap-root", str(tmp_path / "none")]) == 0
    document = json.loads(capsys.readouterr().out)
    rapl = document["sensors"][0]
    assert rapl["name"] == "rapl"
    assert rapl["available"] is False
    assert "does not exist" in rapl["reason"]
    assert document["sensors"][-1]["name"] == "cpu-time"
    assert document["energy_method"].startswith("estimate:cpu-time")
    assert document["measured"] is False


def test_doctor_table(tmp_path, capsys):
    assert main(["doctor", "--powercap-root", str(tmp_path / "none")]) == 0
    out = capsys.readouterr().out
    assert "rapl" in out
    assert "tracker would use: estimate:cpu-time" in out


def test_child_memory_counted(output, capsys):
    code = "data = bytearray(200_000_000)\ndata[::4096] = b'x' * len(data[::4096])"
    assert track(output, PYTHON, "-c", code) == 0
    (record,) = read_records(output)
    # The child touched 200 MB, so its peak RSS is at least 0.2 GB at 0.3725 W/GB.
    assert record["ram_energy"] >= 0.2 * 0.3725 * record["duration"] / 3.6e6 * 0.99
    assert "peak resident set size" in record["assumptions"]["ram"]


def test_sigterm_to_wrapper_reaches_child(tmp_path):
    output = tmp_path / "emissions.csv"
    ready = tmp_path / "ready"
    child = f"import pathlib, time\npathlib.Path({str(ready)!r}).touch()\ntime.sleep(60)"
    wrapper = subprocess.Popen(
        [PYTHON, "-m", "sustainai", "track", "--region", "FRA", "--output", str(output),
         "--", PYTHON, "-c", child],
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while not ready.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    wrapper.send_signal(signal.SIGTERM)
    _, err = wrapper.communicate(timeout=30)
    # The wrapper forwards SIGTERM, the child dies of it, and the wrapper exits with 128 + 15.
    assert wrapper.returncode == 128 + signal.SIGTERM
    assert "killed by SIGTERM" in err
    (record,) = read_records(output)
    assert record["status"] == "killed by SIGTERM"


def test_not_executable_exits_126(output, tmp_path, capsys):
    script = tmp_path / "script.sh"
    script.write_text("#!/bin/sh\necho hi\n")
    script.chmod(0o644)
    assert track(output, str(script)) == 126
    assert "cannot run" in capsys.readouterr().err
    assert not output.exists()


def test_script_without_interpreter_exits_126(output, tmp_path, capsys):
    script = tmp_path / "noshebang"
    script.write_bytes(b"\x00\x01binary, not a script\n")
    script.chmod(0o755)
    assert track(output, str(script)) == 126
    assert "cannot run" in capsys.readouterr().err
    assert not output.exists()


def test_argv0_kept_as_written(output, capfd):
    # With -c and no further argument, sh sets $0 to its own argv[0].
    assert track(output, "sh", "-c", "echo $0") == 0
    assert capfd.readouterr().out == "sh\n"


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--pue", "0.5", "argument --pue: must be a finite number >= 1"),
        ("--pue", "inf", "argument --pue: must be a finite number >= 1"),
        ("--renewable-fraction", "2", "argument --renewable-fraction: must be a fraction from 0"),
        ("--residual-intensity", "-3", "argument --residual-intensity: must be a finite number"),
        ("--interval", "0", "argument --interval: must be a positive finite number of seconds"),
        ("--interval", "-1", "argument --interval: must be a positive finite number of seconds"),
        ("--interval", "inf", "argument --interval: must be a positive finite number of seconds"),
        ("--interval", "nan", "argument --interval: must be a positive finite number of seconds"),
        ("--hardware", "nosuch", "argument --hardware: unknown hardware 'nosuch': choose from"),
        ("--hardware", "a100", "did you mean nvidia-a100-40gb, nvidia-a100-80gb?"),
        ("--phase", "foo", "argument --phase: unknown phase 'foo': choose from data,"),
        ("--phase", "trainng", "did you mean 'training'?"),
        ("--region", "", "argument --region: must be a grid region such as FRA"),
        ("--hardware-share", "0", "argument --hardware-share: must be a fraction above 0"),
        ("--hardware-share", "1.5", "argument --hardware-share: must be a fraction above 0"),
    ],
)
def test_track_bad_option_is_usage_error(output, tmp_path, capsys, option, value, message):
    marker = tmp_path / "ran"
    code = main(["track", option, value, "--output", str(output), "--", "touch", str(marker)])
    assert code == 2
    err = capsys.readouterr().err
    assert message in err
    assert repr(value) in err
    assert not marker.exists()
    assert not output.exists()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "argument --by: must name groupings from project, phase"),
        (" , ", "argument --by: must name groupings from project, phase"),
        ("project,colour", "argument --by: unknown grouping colour in 'project,colour'"),
    ],
)
def test_report_bad_grouping_is_usage_error(output, capsys, value, message):
    track(output, PYTHON, "-c", "pass")
    capsys.readouterr()
    assert main(["report", str(output), "--by", value]) == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert captured.out == ""


def test_report_by_none_gives_totals(output, capsys):
    track(output, PYTHON, "-c", "pass")
    capsys.readouterr()
    assert main(["report", str(output), "--by", "none", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["group_by"] == []
    assert document["totals"]["runs"] == 1


def test_report_foreign_csv_says_expected_header(tmp_path, capsys):
    path = tmp_path / "other.csv"
    path.write_text("name,value\nx,1\n")
    assert main(["report", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path}, line 1: the header starts with name, value" in err
    assert "starts with timestamp, project_name, run_id, experiment_id" in err
    assert "output file" not in err


def test_report_missing_columns_named(tmp_path, capsys):
    path = tmp_path / "badcol.csv"
    path.write_text("timestamp,project_name,run_id,duration,emissions\n2026,p,r,1,2\n")
    assert main(["report", str(path)]) == 1
    err = capsys.readouterr().err
    expected = "line 1: the header lacks the columns cpu_energy, gpu_energy, ram_energy"
    assert expected in err
    assert "output file" not in err


def test_track_foreign_output_advises_other_file(tmp_path, capsys):
    path = tmp_path / "other.csv"
    path.write_text("name,value\nx,1\n")
    assert track(path, PYTHON, "-c", "pass") == 1
    assert "so choose another output file" in capsys.readouterr().err
    assert path.read_text() == "name,value\nx,1\n"


def test_summary_out_writes_json_file(output, tmp_path, capsys):
    summary_path = tmp_path / "summary.json"
    extra = ["--summary-out", str(summary_path)]
    assert track(output, PYTHON, "-c", "raise SystemExit(4)", extra=extra) == 4
    summary = json.loads(summary_path.read_text())
    assert summary["status"] == "exit 4"
    assert summary["output"] == str(output)
    (record,) = read_records(output)
    assert summary["run_id"] == record["run_id"]
    # Only the written file and the records are left: no temporary file.
    assert sorted(path.name for path in tmp_path.iterdir()) == ["emissions.csv", "summary.json"]


def test_summary_out_missing_folder_runs_nothing(output, tmp_path, capsys):
    marker = tmp_path / "ran"
    summary_path = tmp_path / "absent" / "summary.json"
    extra = ["--summary-out", str(summary_path)]
    assert track(output, "touch", str(marker), extra=extra) == 1
    assert f"--summary-out {summary_path}: the folder" in capsys.readouterr().err
    assert not marker.exists()


def test_track_help_explains_json_on_stderr(capsys):
    assert main(["track", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "last line of stderr because stdout belongs to CMD" in text
    assert "2>&1 >/dev/null | tail -n 1" in text
