"""Atomic writes: a temporary file in the same folder, flushed, given the original's mode,
then ``os.replace``d over it, so a crash leaves either the old file or the new one."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path


class StaleFileError(OSError):
    """The file changed on disk after it was read: writing would lose that change."""


def _new_file_mode() -> int:
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def write_atomic(path: str | Path, data: bytes, *, expected: bytes | None = None) -> None:
    """Replace the file at ``path`` (through symlinks: the target is replaced) with
    ``data``, keeping its permission bits (a new file gets the umask's). With ``expected``,
    refuse when the file no longer holds those bytes."""
    target = Path(os.path.realpath(path))
    if expected is not None and target.read_bytes() != expected:
        raise StaleFileError(f"{path}: changed on disk while being fixed; not written")
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = _new_file_mode()
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
