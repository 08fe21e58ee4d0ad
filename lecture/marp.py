"""Marp CLI (pinned in package.json): the built deck's HTML, and its PDF printed through
Chromium, each of our videos as its poster."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from diffusion_core import REPO
from diffusion_core.io import ordinary_mode
from lecture.edits import Edit, apply_edits
from lecture.source import parse_deck

__all__ = ["MARP", "marp_version", "build_html", "build_pdf", "find_browser", "print_copy", "browser_env"]

MARP = REPO / "node_modules" / ".bin" / "marp"


def marp_version() -> str:
    """The installed Marp CLI's version ('' when it is not installed): what the HTML depends
    on besides the deck's text."""

    try:
        return json.loads((REPO / "node_modules" / "@marp-team" / "marp-cli" / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        return ""


def build_html(slides: Path) -> tuple[Path | None, str]:
    """slides.html beside slides.md with Marp CLI, or a note on how to get it."""
    if not MARP.exists():
        return None, "no HTML: Marp CLI is not installed here; ./run.sh deck installs it (Node from the system packages)"
    html = slides.with_suffix(".html")
    fd, name = tempfile.mkstemp(prefix=".slides-", suffix=".html", dir=slides.parent)
    os.close(fd)
    tmp = Path(name)
    os.chmod(tmp, ordinary_mode())  # mkstemp makes 0600 and Marp writes into it: the HTML gets the usual mode
    try:
        proc = subprocess.run([str(MARP), "--html", "--allow-local-files", str(slides), "-o", str(tmp)],
                              capture_output=True, text=True)
        if proc.returncode != 0 or not tmp.is_file() or tmp.stat().st_size == 0:
            last = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
            return None, f"Marp CLI failed: {last[0]}"
        os.replace(tmp, html)
    finally:
        tmp.unlink(missing_ok=True)
    return html, ""


def find_browser() -> str | None:
    """Debian's chromium (or another Chromium or Chrome on the PATH)."""
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


def browser_env() -> dict:
    env = {**os.environ}
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        env.setdefault("CHROME_NO_SANDBOX", "1")  # root (containers, CI): Chromium refuses its sandbox
    return env


def print_copy(text: str) -> str:
    """The deck as it prints: each <video> that has a poster becomes that poster, an
    <img> of the same width (a printed <video> gets Chromium's controls bar and loading
    mark drawn over its poster). Videos without a poster, and presenter notes, stay."""
    deck = parse_deck(text)
    edits = []
    for tag in deck.tags:
        if tag.name != "video" or not tag.attrs.get("poster") or tag.close is None:
            continue
        size = f' width="{tag.attrs["width"]}"' if tag.attrs.get("width") else ""
        edits.append(Edit(tag.start, tag.close, f'<img src="{tag.attrs["poster"]}"{size} alt="">'))
    return apply_edits(text, edits)


def build_pdf(slides: Path) -> tuple[Path | None, str]:
    """slides.pdf beside slides.md: Marp CLI prints the deck through Chromium (named to
    it with --browser-path), each of our videos as its poster, the scene's still
    (``print_copy``, a temporary file beside slides.md so that paths hold)."""
    if not MARP.exists():
        return None, "no PDF: Marp CLI is not installed here; ./run.sh deck installs it"
    browser = find_browser()
    if browser is None:
        return None, "no PDF: Chromium is not installed here; ./run.sh browser installs it (Debian's chromium)"
    pdf = slides.with_suffix(".pdf")
    fd, name = tempfile.mkstemp(prefix=".print-", suffix=".md", dir=slides.parent)
    printable = Path(name)
    printed = printable.with_suffix(".pdf")  # renamed to slides.pdf when whole
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(print_copy(slides.read_text(encoding="utf-8")))
        proc = subprocess.run([str(MARP), "--pdf", "--html", "--allow-local-files", "--browser", "chrome",
                               "--browser-path", browser, str(printable), "-o", str(printed)],
                              capture_output=True, text=True, env=browser_env())
        if proc.returncode != 0 or not printed.is_file():
            last = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
            return None, f"Marp CLI could not print the PDF: {last[0]}"
        os.replace(printed, pdf)
    finally:
        printable.unlink(missing_ok=True)
        printed.unlink(missing_ok=True)
    return pdf, ""
