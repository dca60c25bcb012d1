"""Atomic file writes: a temporary file in the target's folder, then ``os.replace``.

The temporary file is created with ``os.open(..., 0o666)``, so the operating system applies
the process umask and the final file gets the mode any new file would get (0o644 under
umask 022). ``tempfile.mkstemp`` would give 0o600 whatever the umask.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

__all__ = ["write_atomic", "write_text_atomic"]

_ATTEMPTS = 100


def _create_temporary(target: Path) -> tuple[BinaryIO, Path]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(_ATTEMPTS):
        temporary = target.parent / f".{target.name}.{secrets.token_hex(4)}.tmp"
        try:
            descriptor = os.open(temporary, flags, 0o666)
        except FileExistsError:
            continue
        return os.fdopen(descriptor, "wb"), temporary
    msg = f"cannot create a temporary file next to {target}: {_ATTEMPTS} names were taken"
    raise FileExistsError(msg)


def write_atomic(path: str | Path, write: Callable[[BinaryIO], object]) -> Path:
    """Write a file atomically through ``write``, which receives a binary stream.

    Readers see either the old file or the complete new one. The temporary file is removed
    when ``write`` or the rename fails.

    Args:
        path: The file to write. Its folder must exist.
        write: A function that writes the content to the stream it receives.

    Returns:
        The written path.

    Raises:
        OSError: The folder is missing or not writable, or the write or rename failed.
    """
    target = Path(path)
    stream, temporary = _create_temporary(target)
    try:
        with stream:
            write(stream)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return target


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write UTF-8 text to ``path`` atomically, creating missing parent folders.

    Args:
        path: The file to write.
        text: The content, written as is (no newline translation).

    Returns:
        The written path.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8")
    return write_atomic(target, lambda stream: stream.write(data))
