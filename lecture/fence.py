"""The fence around the output folder: the deck builder writes only inside ``--out``,
never the lecturer's deck or pictures, and one build at a time.

Every path the builder writes goes through :meth:`OutputFolder.target`, which resolves
it (symbolic links included) and refuses what does not lie inside the folder.
"""

from __future__ import annotations

import os
from pathlib import Path

from filelock import FileLock, Timeout

from diffusion_core.io import file_digest  # noqa: F401  (the builder's records use it through here)

__all__ = ["FenceError", "OutputFolder", "check_out", "file_digest", "OWN_FILES"]

STATE = ".deck-state.json"
LOCK = ".deck.lock"
OWN_FILES = ("slides.md", "slides.html", "slides.pdf", STATE, LOCK)  # what the builder itself writes there
_FILE_LIKE = (".md", ".html", ".htm", ".pdf", ".png", ".jpg", ".jpeg", ".gif", ".mp4", ".pptx", ".txt", ".json")


class FenceError(ValueError):
    """An output folder or a path the builder must not write: one line with the fix."""


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
        return True
    except ValueError:
        return False


def check_out(out: str | os.PathLike, deck: Path) -> Path:
    """The output folder, checked against the careless cases; raises FenceError.

    Refused: an empty name; the deck's own folder, or a folder that holds the deck (its
    slides.md and pictures would be overwritten); a dangling symbolic link; a file; a name
    that looks like a file's; a folder with files the builder did not write.
    """
    if not str(out).strip():
        raise FenceError("--out is empty (an unset variable?): name the folder of the built deck, e.g. --out lecture")
    out = Path(out)
    if out.suffix.lower() in _FILE_LIKE and not out.is_dir():
        raise FenceError(f"--out {out} looks like a file name: it is a folder (it will hold slides.md, slides.html "
                         f"and the assets), e.g. --out {out.with_suffix('')}")
    if out.is_symlink() and not out.exists():
        raise FenceError(f"--out {out} is a symbolic link to {os.readlink(out)}, which does not exist: "
                         "remove the link or name another folder")
    if out.exists() and not out.is_dir():
        raise FenceError(f"--out {out} is a file, not a folder: name a folder for the built deck")
    real_out, deck_dir = out.resolve(), deck.resolve().parent
    if real_out == deck_dir:
        raise FenceError(f"--out {out} is the deck's own folder: building there would overwrite {deck.name} and "
                         "your pictures; name another folder, e.g. --out lecture")
    if _inside(deck_dir, real_out):
        raise FenceError(f"--out {out} holds the deck ({deck}): building there could overwrite it and your "
                         "pictures; name a folder of its own, e.g. --out lecture")
    if real_out.is_dir() and not (real_out / STATE).is_file():
        foreign = [p.name for p in real_out.iterdir() if p.name not in OWN_FILES]
        if foreign:
            raise FenceError(f"--out {out} already holds files the deck builder did not write ({foreign[0]}"
                             f"{', ...' if len(foreign) > 1 else ''}): name a new or empty folder")
    parent = real_out
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise FenceError(f"--out {out}: cannot write into {parent} (not a writable folder)")
    return out


class OutputFolder:
    """The one folder the builder writes in, with a lock against a second build."""

    def __init__(self, out: Path):
        self.path = Path(out)
        self.real = self.path.resolve()  # made by lock(), the build's first write
        self._lock = None

    def target(self, rel: str) -> Path:
        """Where the deck's relative path ``rel`` goes; FenceError when it would lie
        outside the folder (an absolute path, '..', a symbolic link pointing out)."""
        if os.path.isabs(rel) or Path(rel).drive:
            raise FenceError(f"{rel}: an absolute path, outside the output folder")
        dst = self.path / rel
        real = Path(os.path.realpath(dst))
        if not _inside(real, self.real) or real == self.real:
            raise FenceError(f"{rel}: leaves the output folder {self.path}")
        if real.parent == self.real and real.name in OWN_FILES:
            raise FenceError(f"{rel}: the name of a file the builder writes itself")
        return dst

    def lock(self) -> None:
        """Make the folder and take it for this build, or raise FenceError when another holds it."""
        self.path.mkdir(parents=True, exist_ok=True)
        self._lock = FileLock(str(self.path / LOCK), timeout=0)
        try:
            self._lock.acquire()
        except Timeout as exc:
            raise FenceError(f"another deck build is writing {self.path} now: wait for it to finish, or "
                             "build into another --out") from exc

    def unlock(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None
