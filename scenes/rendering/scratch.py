"""Temporary folders that a killed process cannot leave behind for good: each lives in
``cache_dir()/tmp`` and is named by its kind and its process (``manim-media-<pid>-xxxx``);
making one first removes those of the same kind whose process is gone (a ``kill -9``, a
power cut). A folder whose process is alive is never touched, so two renders at once keep
theirs."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from diffusion_core import cache_dir

__all__ = ["scratch_root", "make_scratch", "sweep", "alive"]


def scratch_root() -> Path:
    """``cache_dir()/tmp``, or the system's temporary folder when that cannot be made."""
    root = cache_dir() / "tmp"
    try:
        root.mkdir(parents=True, exist_ok=True)
        return root
    except OSError:
        return Path(tempfile.gettempdir())


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def sweep(kind: str, root: Path | None = None) -> list[Path]:
    """Remove the ``kind`` folders of processes that are gone; the folders removed."""
    root = scratch_root() if root is None else root
    gone = []
    for folder in root.glob(f"{kind}-*-*"):
        pid = folder.name[len(kind) + 1:].split("-", 1)[0]
        if pid.isdigit() and folder.is_dir() and not alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
            gone.append(folder)
    return gone


def make_scratch(kind: str) -> Path:
    """A new private folder of this process, after sweeping the dead ones of ``kind``."""
    root = scratch_root()
    sweep(kind, root)
    return Path(tempfile.mkdtemp(prefix=f"{kind}-{os.getpid()}-", dir=root))
