import os
import stat

import pytest

from quclassi.atomic import write_text_atomic


@pytest.mark.parametrize(("umask", "expected"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_written_file_follows_umask(tmp_path, umask, expected):
    previous = os.umask(umask)
    try:
        path = write_text_atomic(tmp_path / "model.json", "{}")
    finally:
        os.umask(previous)
    # A plain open() creates files with 0o666 minus the umask bits.
    assert stat.S_IMODE(path.stat().st_mode) == expected


def test_replacing_file_keeps_content_whole(tmp_path):
    path = tmp_path / "model.json"
    path.write_text("old")
    write_text_atomic(path, "new")
    assert path.read_text() == "new"
    assert [entry.name for entry in tmp_path.iterdir()] == ["model.json"]
