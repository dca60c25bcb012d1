import os
import stat

import pytest

from sustainai.atomic import write_atomic, write_text_atomic
from sustainai.cli import main


@pytest.fixture
def umask():
    """Set the process umask for one test and restore it afterwards."""
    previous = os.umask(0o022)
    os.umask(previous)
    yield os.umask
    os.umask(previous)


def _mode(path):
    return stat.S_IMODE(path.stat().st_mode)


# A new file's mode is 0o666 with the umask bits cleared: 0o644 under 022, 0o600 under 077.
@pytest.mark.parametrize(("mask", "expected"), [(0o022, 0o644), (0o077, 0o600)])
def test_text_file_mode_follows_umask(tmp_path, umask, mask, expected):
    umask(mask)
    target = write_text_atomic(tmp_path / "out.json", "{}\n")
    assert _mode(target) == expected
    assert target.read_text(encoding="utf-8") == "{}\n"


@pytest.mark.parametrize(("mask", "expected"), [(0o022, 0o644), (0o077, 0o600)])
def test_report_plot_mode_follows_umask(tmp_path, umask, capsys, mask, expected):
    csv = tmp_path / "emissions.csv"
    assert main(["-q", "track", "--output", str(csv), "--", "true"]) == 0
    umask(mask)
    plot = tmp_path / "chart.png"
    assert main(["-q", "report", str(csv), "--plot", str(plot)]) == 0
    assert _mode(plot) == expected


@pytest.mark.parametrize(("mask", "expected"), [(0o022, 0o644), (0o077, 0o600)])
def test_paper_outputs_mode_follows_umask(tmp_path, umask, capsys, mask, expected):
    umask(mask)
    out = tmp_path / "paper"
    assert main(["-q", "paper", "--figure", "growth", "--out", str(out)]) == 0
    written = sorted(out.iterdir())
    assert {path.suffix for path in written} >= {".png", ".csv", ".json"}
    for path in written:
        assert _mode(path) == expected, path.name


def test_failed_write_keeps_old_file(tmp_path):
    target = tmp_path / "data.bin"
    target.write_bytes(b"old")

    def fail(stream):
        stream.write(b"partial")
        msg = "write failed"
        raise RuntimeError(msg)

    with pytest.raises(RuntimeError, match="write failed"):
        write_atomic(target, fail)
    assert target.read_bytes() == b"old"
    assert sorted(tmp_path.iterdir()) == [target]
