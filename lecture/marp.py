"""Marp CLI (pinned in package.json): the built deck's HTML, and its PDF printed through
Chromium, each of our videos as its poster. The HTML is made by a Marp CLI kept running
for the process (``marp_kept``, lecture/marp_server.js: a build makes it again after each
of Fit's rounds); the PDF by a Marp CLI of its own (``run_marp``)."""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from diffusion_core import REPO
from diffusion_core.io import ordinary_mode
from lecture.edits import Edit, apply_edits
from lecture.source import parse_deck

__all__ = ["MARP", "marp_version", "build_html", "build_pdf", "find_browser", "print_copy", "browser_env", "run_marp",
           "marp_kept", "TIMED_OUT", "MARP_TIMEOUT_S"]

MARP = REPO / "node_modules" / ".bin" / "marp"


def marp_version() -> str:
    """The installed Marp CLI's version ('' when it is not installed): what the HTML depends
    on besides the deck's text."""

    try:
        return json.loads((REPO / "node_modules" / "@marp-team" / "marp-cli" / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        return ""


MARP_TIMEOUT_S = 600.0  # the course deck's HTML takes ~2 s and its PDF ~10 s; a deck is at most 1,000 slides
PROGRESS_EVERY_S = 15.0
TIMED_OUT = -1000


def run_marp(args: list[str], what: str, env: dict | None = None, timeout_s: float | None = None,
             log=None) -> subprocess.CompletedProcess:
    """Marp CLI with a time limit, saying every ``PROGRESS_EVERY_S`` that it still works.
    Past the limit it is stopped (with anything it started) and the result's return
    code is ``TIMED_OUT``, its stderr the one line for the user."""
    timeout_s = MARP_TIMEOUT_S if timeout_s is None else timeout_s
    log = log or (lambda line: print(line, file=sys.stderr, flush=True))
    # Marp CLI puts its browser's profile (marp-cli-XXXX, megabytes) in Node's tmpdir and
    # leaves it there: TMPDIR points Node at a folder of ours, removed when Marp ends
    # (done, failed, stopped, or this process ended by SIGTERM: the with block unwinds)
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err, \
            tempfile.TemporaryDirectory(prefix="marp-") as scratch:  # short: Chromium's socket path has a limit
        env = {**(os.environ if env is None else env), "TMPDIR": scratch}
        proc = subprocess.Popen(args, stdout=out, stderr=err, text=True, env=env, start_new_session=True)
        start = time.monotonic()
        while True:
            try:
                code = proc.wait(timeout=min(PROGRESS_EVERY_S, max(timeout_s - (time.monotonic() - start), 0.01)))
                break
            except BaseException as exc:  # Ctrl-C or SIGTERM here: Marp and its browser stop first
                if not isinstance(exc, subprocess.TimeoutExpired):
                    _stop(proc)
                    raise
                elapsed = time.monotonic() - start
                if elapsed >= timeout_s:
                    _stop(proc)
                    return _timed_out(args, what, timeout_s)
                log(f"  Marp CLI: still writing {what} ({elapsed:.0f} s)")
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(args, code, out.read(), err.read())


def _timed_out(args: list[str], what: str, timeout_s: float) -> subprocess.CompletedProcess:
    return subprocess.CompletedProcess(args, TIMED_OUT, "", (
        f"Marp CLI did not finish {what} within {timeout_s:.0f} s and was stopped; a smaller deck "
        "builds faster (split it), or build again on a quieter machine"))


def _stop(proc: subprocess.Popen) -> None:
    """Stop Marp CLI and what it started (its Chromium): its whole process group."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=3)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


SERVER_JS = Path(__file__).with_name("marp_server.js")
MARP_PACKAGE = REPO / "node_modules" / "@marp-team" / "marp-cli"


class _KeptMarp:
    """lecture/marp_server.js: Marp CLI started when first asked for (``marp_kept``) and
    kept until this process ends, or until a request fails, runs past its limit or is
    interrupted (the next one starts it again)."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen | None = None
        self.buffer = b""
        self.lock = threading.Lock()

    def start(self, node: str) -> subprocess.Popen:
        if self.proc is None or self.proc.poll() is not None:
            self.stop()
            self.proc = subprocess.Popen([node, str(SERVER_JS), str(MARP_PACKAGE)], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True)
            self.buffer = b""
        return self.proc

    def line(self, timeout_s: float) -> bytes | None:
        """The next reply, or None: nothing within ``timeout_s``, or the server is gone
        (``proc.poll()`` says which)."""
        end = time.monotonic() + timeout_s
        while b"\n" not in self.buffer:
            left = end - time.monotonic()
            if left <= 0 or not select.select([self.proc.stdout], [], [], left)[0]:
                return None
            chunk = os.read(self.proc.stdout.fileno(), 1 << 16)
            if not chunk:
                self.proc.wait()
                return None
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None:
            with contextlib.suppress(OSError):
                proc.stdin.close()
            _stop(proc)
            proc.stdout.close()


_KEPT = _KeptMarp()
atexit.register(_KEPT.stop)


def marp_kept(argv: list[str], what: str, timeout_s: float | None = None, log=None) -> subprocess.CompletedProcess:
    """``run_marp`` for Marp CLI's own arguments ``argv``, in the Marp CLI this process
    keeps running (lecture/marp_server.js): the same result (what Marp wrote, as stderr),
    the same time limit and progress lines, without Node starting Marp CLI each time
    (about 0.5 s). Interrupted, past its limit or gone, the server is stopped (with
    anything it started) and the next call starts a new one. Without Node on the PATH:
    ``run_marp``."""
    node = shutil.which("node")
    if node is None:
        return run_marp([str(MARP), *argv], what, timeout_s=timeout_s, log=log)
    timeout_s = MARP_TIMEOUT_S if timeout_s is None else timeout_s
    log = log or (lambda line: print(line, file=sys.stderr, flush=True))
    args = [str(MARP), *argv]
    with _KEPT.lock, tempfile.TemporaryDirectory(prefix="marp-") as scratch:
        try:
            proc = _KEPT.start(node)
            proc.stdin.write(json.dumps({"argv": argv, "cwd": os.getcwd(), "tmpdir": scratch}).encode() + b"\n")
            proc.stdin.flush()
            start = time.monotonic()
            while (line := _KEPT.line(min(PROGRESS_EVERY_S, max(timeout_s - (time.monotonic() - start), 0.01)))) is None:
                elapsed = time.monotonic() - start
                if proc.poll() is not None:
                    _KEPT.stop()
                    return subprocess.CompletedProcess(args, 1, "", f"Marp CLI stopped while writing {what} "
                                                                    f"(exit code {proc.returncode})")
                if elapsed >= timeout_s:
                    _KEPT.stop()
                    return _timed_out(args, what, timeout_s)
                log(f"  Marp CLI: still writing {what} ({elapsed:.0f} s)")
        except OSError as exc:  # its pipe broke: it is gone
            _KEPT.stop()
            return subprocess.CompletedProcess(args, 1, "", f"Marp CLI stopped while writing {what}: {exc}")
        except BaseException:  # Ctrl-C or SIGTERM here: the server and what it started stop
            _KEPT.stop()
            raise
    reply = json.loads(line)
    return subprocess.CompletedProcess(args, reply["code"], "", reply["output"])


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
        proc = marp_kept(["--html", "--allow-local-files", str(slides), "-o", str(tmp)], "the HTML")
        if proc.returncode == TIMED_OUT:
            return None, proc.stderr
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
    """The deck as it prints: each <video> that has a poster (and each twin's <iframe>)
    becomes that poster, an <img> of the same width and height (a printed <video> gets Chromium's controls bar and loading
    mark drawn over its poster). Videos without a poster, and presenter notes, stay."""
    deck = parse_deck(text)
    edits = []
    for tag in deck.tags:
        twin = tag.name == "iframe" and bool(tag.attrs.get("data-twin"))  # deck --interactive: its video's poster
        poster, width, height = (tag.attrs.get("data-poster"), tag.attrs.get("data-width"), None) if twin else \
            (tag.attrs.get("poster"), tag.attrs.get("width"), tag.attrs.get("height"))
        if not (twin or tag.name == "video") or not poster or tag.close is None:
            continue
        size = "".join(f' {name}="{value}"' for name, value in (("width", width), ("height", height)) if value)
        edits.append(Edit(tag.start, tag.close, f'<img src="{poster}"{size} alt="">'))
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
        proc = run_marp([str(MARP), "--pdf", "--html", "--allow-local-files", "--browser", "chrome",
                         "--browser-path", browser, str(printable), "-o", str(printed)], "the PDF", env=browser_env())
        if proc.returncode == TIMED_OUT:
            return None, proc.stderr
        if proc.returncode != 0 or not printed.is_file():
            last = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
            return None, f"Marp CLI could not print the PDF: {last[0]}"
        os.replace(printed, pdf)
    finally:
        printable.unlink(missing_ok=True)
        printed.unlink(missing_ok=True)
    return pdf, ""
