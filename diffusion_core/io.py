"""Files that appear whole or not at all."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path

__all__ = ["atomic_write"]


def _umask() -> int:
    mask = os.umask(0o22)
    os.umask(mask)
    return mask


def ordinary_mode() -> int:
    """The mode a file created the usual way gets here: 0o666 less the umask."""
    return 0o666 & ~_umask()


@contextlib.contextmanager
def atomic_write(path: str | Path):
    """Yield a temporary path beside ``path``; on success rename it over ``path``.

    On any error the temporary file is removed and an existing ``path`` is untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    os.chmod(tmp, ordinary_mode())  # mkstemp makes 0600; the result is an ordinary file
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def file_digest(path: Path) -> str:
    """The SHA-256 of a file's content, read in blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
