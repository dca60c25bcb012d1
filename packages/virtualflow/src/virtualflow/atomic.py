"""Atomic file writes: readers see the old file or the complete new one, never a partial one."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_path", "write_text_atomic"]


def _read_umask() -> int:
    # os.umask can only be read by setting it, so it is read once here. Setting it later could
    # change the mode of files that other threads create meanwhile.
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


_UMASK = _read_umask()


def _final_mode(path: Path) -> int:
    """Return the mode of the existing ``path``, or the mode ``open`` gives a new file."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return 0o666 & ~_UMASK


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it to ``path`` when the block succeeds.

    The temporary file lies in the same folder, so the final ``os.replace`` is atomic on POSIX
    file systems. If the block raises, the temporary file is removed and ``path`` is untouched.
    The final file keeps the mode of the file it replaces. A new file gets ``0o666`` less the
    umask that the process had at import, as ``open`` would give it, instead of the ``0o600``
    of ``mkstemp``.

    Args:
        path: Final destination.
        suffix: Suffix of the temporary name, for writers that pick a format from it
            (``".png"`` for matplotlib, ``".npz"`` for ``numpy.savez``).
    """
    path = Path(path)
    descriptor, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=suffix
    )
    os.close(descriptor)
    try:
        yield Path(temporary)
        os.chmod(temporary, _final_mode(path))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` as UTF-8 through :func:`atomic_path`."""
    with atomic_path(path) as temporary:
        temporary.write_text(text, encoding="utf-8")
