import os
import stat
import subprocess
import sys

import pytest

from virtualflow.atomic import atomic_path, write_text_atomic


def test_write_replaces_file(tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("old")
    write_text_atomic(path, "new")
    assert path.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_failure_keeps_old_file(tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("old")
    with pytest.raises(RuntimeError, match="writer failed"), atomic_path(path) as temporary:
        temporary.write_text("partial")
        msg = "writer failed"
        raise RuntimeError(msg)
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_suffix_kept_for_format_detection(tmp_path):
    with atomic_path(tmp_path / "weights.npz", suffix=".npz") as temporary:
        assert temporary.suffix == ".npz"
        assert temporary.parent == tmp_path
        temporary.write_bytes(b"x")
    assert (tmp_path / "weights.npz").read_bytes() == b"x"


def write_new_file_with_umask(path, umask):
    # The module reads the umask once at import, so a fresh process imports it under `umask`.
    code = "import sys; from virtualflow.atomic import write_text_atomic as w; w(sys.argv[1], 'x')"
    old = os.umask(umask)
    try:
        subprocess.run([sys.executable, "-c", code, str(path)], check=True, timeout=60)
    finally:
        os.umask(old)
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize(("umask", "expected"), [(0o022, 0o644), (0o077, 0o600)])
def test_new_file_mode_follows_umask(tmp_path, umask, expected):
    # 0o666 & ~umask: 0o666 & ~0o022 = 0o644 and 0o666 & ~0o077 = 0o600.
    assert write_new_file_with_umask(tmp_path / "out.txt", umask) == expected


def test_replaced_file_keeps_mode(tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("old")
    path.chmod(0o640)
    write_text_atomic(path, "new")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
