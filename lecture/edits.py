"""Every change the builder makes to a deck's text is an ``Edit`` (replace text[start:end]
with new, offsets into the text as read), applied by ``apply_edits``: everything else in
the deck stays byte for byte."""

from __future__ import annotations

from typing import Iterable, NamedTuple

__all__ = ["Edit", "apply_edits"]


class Edit(NamedTuple):
    start: int
    end: int
    new: str


def apply_edits(text: str, edits: Iterable[tuple[int, int, str]]) -> str:
    """``text`` with every edit made (the same edit twice counts once).

    Raises:
        AssertionError: two edits overlap (a bug of the builder's, never the deck's).
    """
    last = len(text) + 1
    for start, end, new in sorted(set(edits), key=lambda e: (e[0], e[1]), reverse=True):
        if end > last:
            raise AssertionError("overlapping edits")
        text = text[:start] + new + text[end:]
        last = start
    return text
