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
