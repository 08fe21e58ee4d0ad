"""The deck builder touches only what is its own: the careless (and hostile) cases.

Each case checks the one line the lecturer sees, the exit status, and that the
lecturer's files are byte for byte what they were (by MD5)."""

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_deck import fake_render_many

import cli
from lecture import DeckOptions, build_deck
from lecture.fence import FenceError, OutputFolder

ROOT = Path(__file__).resolve().parents[1]


def md5s(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.md5(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture()
def lecturer(tmp_path, monkeypatch):
    """A lecturer's folder: a deck, their own picture under one of our names, a photo,
    and a figure folder beside the deck; renders are faked (no manim)."""
    import lecture.outputs
    import lecture.renders
    import lecture.rewrite

    deck = tmp_path / "curso" / "slides.md"
    (deck.parent / "assets" / "images").mkdir(parents=True)
    (tmp_path / "figs").mkdir()
    (tmp_path / "figs" / "forward_process.png").write_bytes(b"the lecturer's figure")
    (deck.parent / "assets" / "images" / "foto.png").write_bytes(b"a photo, 20 bytes..")
    deck.write_text("---\nmarp: true\n---\n\n# Uno\n\n![](assets/images/forward_process.png)\n\n"
                    "<!-- Speaker note: luego ![](assets/images/training_process.png) -->\n\n"
                    "![](assets/images/foto.png)\n\n| Model | FID |\n|--|--|\n| a | 1 |\n", encoding="utf-8")
    made = []
    monkeypatch.setattr(lecture.renders, "render_many", fake_render_many(made))
    monkeypatch.setattr(lecture.outputs, "build_html", lambda slides: (None, "no HTML (test)"))
    return deck, made


def run_deck(*args):
    return CliRunner().invoke(cli.cli, ["deck", *map(str, args)])


# ------------------------------------------------------------- the nine bad cases
def test_the_decks_own_folder_is_refused(lecturer, tmp_path, monkeypatch):
    deck, made = lecturer
    before = md5s(tmp_path)
    result = run_deck("--deck", deck, "--out", deck.parent, "--table")
    assert result.exit_code == 1 and "is the deck's own folder" in result.output
    monkeypatch.chdir(deck.parent)  # --out "$OUT" with OUT unset, or --out ., from the deck's folder
    result = run_deck("--deck", "slides.md", "--out", "")
    assert result.exit_code == 1 and "--out is empty" in result.output
    result = run_deck("--deck", "slides.md", "--out", ".")
    assert result.exit_code == 1 and "is the deck's own folder" in result.output
    result = run_deck("--deck", "slides.md", "--out", "..")
    assert result.exit_code == 1 and "holds the deck" in result.output
    assert md5s(tmp_path) == before and made == []


def test_references_leaving_the_folder_are_not_written(lecturer, tmp_path):
    deck, made = lecturer
    abs_dir = tmp_path / "srv" / "figs"
    abs_dir.mkdir(parents=True)
    (abs_dir / "forward_process.png").write_bytes(b"another figure of theirs")
    deck.write_text(deck.read_text() + f"\n![](../figs/forward_process.png)\n\n![]({abs_dir}/forward_process.png)\n")
    before = md5s(tmp_path)
    result = run_deck("--deck", deck, "--out", tmp_path / "lecture")
    assert result.exit_code == 0, result.output
    assert "../figs/forward_process.png lies outside the deck's folder: not rendered and not copied" in result.output
    assert f"{abs_dir}/forward_process.png lies outside the deck's folder" in result.output
    after = md5s(tmp_path)
    assert {k: v for k, v in after.items() if not k.startswith("lecture/")} == before


def test_a_percent_encoded_path_is_the_folder_it_names(lecturer, tmp_path):
    deck, _ = lecturer
    deck.write_text(deck.read_text() + "\n![](assets/mis%20figuras/reverse_process.png)\n"
                    "\n![](<assets/mis imagenes/schedule x.png>)\n")
    result = run_deck("--deck", deck, "--out", tmp_path / "lecture")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "lecture" / "assets" / "mis figuras" / "reverse_process.png").is_file()
    assert not (tmp_path / "lecture" / "assets" / "mis%20figuras").exists()
    assert "assets/mis imagenes/schedule x.png" in result.output  # read whole, reported missing
    text = (tmp_path / "lecture" / "slides.md").read_text(encoding="utf-8")
    assert "assets/mis%20figuras/reverse_process.png" in text  # the deck keeps its URL


def test_a_supplied_picture_edited_in_place_is_copied_again(lecturer, tmp_path):
    deck, _ = lecturer
    out = tmp_path / "lecture"
    assert run_deck("--deck", deck, "--out", out).exit_code == 0
    photo = deck.parent / "assets" / "images" / "foto.png"
    photo.write_bytes(b"a photo, retouched.")
    assert len(b"a photo, retouched.") == len(b"a photo, 20 bytes..")  # the same size
    result = run_deck("--deck", deck, "--out", out)
    assert result.exit_code == 0
    assert (out / "assets" / "images" / "foto.png").read_bytes() == photo.read_bytes()


def test_a_presenter_note_stays_a_note_byte_for_byte(lecturer, tmp_path):
    deck, made = lecturer
    assert run_deck("--deck", deck, "--out", tmp_path / "lecture").exit_code == 0
    text = (tmp_path / "lecture" / "slides.md").read_text(encoding="utf-8")
    assert "<!-- Speaker note: luego ![](assets/images/training_process.png) -->" in text
    assert all(k != "training" for k, _, _ in made)
    assert not (tmp_path / "lecture" / "assets" / "images" / "training_process.png").exists()


def _wait_for(proc, needle: str, timeout: float = 240) -> list[str]:
    lines, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if needle in line:
            return lines
    raise AssertionError(f"{needle!r} never came: {''.join(lines)[-2000:]}")


def _stop_mid_run(cmd: list[str], needle: str, tmp: Path) -> tuple[float, int, list[str]]:
    """Start cmd, send SIGTERM once it prints needle; (seconds to exit, exit code, output)."""
    env = {**os.environ, "TMPDIR": str(tmp), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, str(ROOT / "cli.py"), *cmd], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env=env, cwd=ROOT)
    try:
        lines = _wait_for(proc, needle)
        start = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        rest, _ = proc.communicate(timeout=30)
        return time.monotonic() - start, proc.returncode, lines + rest.splitlines(keepends=True)
    finally:
        if proc.poll() is None:
            proc.kill()


def _rerun_reports(cmd: list[str], tmp: Path, stop_at: str) -> str:
    """The lines a rerun prints before it starts rendering (then it is stopped)."""
    env = {**os.environ, "TMPDIR": str(tmp)}
    proc = subprocess.Popen([sys.executable, str(ROOT / "cli.py"), *cmd], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env=env, cwd=ROOT)
    try:
        return "".join(_wait_for(proc, stop_at))
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)


@pytest.mark.slow
def test_sigterm_stops_a_parallel_deck_build(tmp_path):
    """SIGTERM to `deck --jobs 2` mid-run: out within about 2 s, non-zero, no temporary
    folder left (the workers' included), what finished recorded; the next run renders
    only what is missing."""
    deck = tmp_path / "in" / "slides.md"
    deck.parent.mkdir()
    deck.write_text("# A\n\n![](noise_schedules.png)\n\n---\n\n# B\n\n![](forward_process.png)\n\n---\n\n"
                    "# C\n\n![](reverse_process.png)\n\n![](ddpm_paper_nice_property.png)\n\n![](score_field.png)\n",
                    encoding="utf-8")
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    out = tmp_path / "lecture"
    cmd = ["deck", "--deck", str(deck), "--out", str(out), "-q", "low", "--jobs", "2"]
    seconds, code, output = _stop_mid_run(cmd, "  rendered ", tmp)
    assert code != 0 and seconds < 4, (seconds, code, "".join(output))
    assert list(tmp.iterdir()) == [], list(tmp.iterdir())
    assert "leaked semaphore" not in "".join(output)
    import json

    state = json.loads((out / ".deck-state.json").read_text())
    finished = [ln.split()[1] for ln in output if ln.startswith("  rendered ")]
    assert finished and set(finished) <= set(state) and len(state) < 5
    again = _rerun_reports(cmd, tmp, "  rendering  ")  # what it skips is said before its first render starts
    assert again.count("up to date") == len(state)


@pytest.mark.slow
def test_sigterm_stops_a_parallel_render_all(tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    out = tmp_path / "renders"
    cmd = ["render", "all", "--format", "png", "-q", "low", "--jobs", "2", "--out", str(out)]
    seconds, code, output = _stop_mid_run(cmd, "wrote ", tmp)
    assert code != 0 and seconds < 4, (seconds, code, "".join(output))
    assert list(tmp.iterdir()) == [], list(tmp.iterdir())
    import json

    state = json.loads((out / ".render-state.json").read_text())
    wrote = [ln for ln in output if ln.startswith("wrote ")]
    assert wrote and len(state) >= len(wrote)
    again = _rerun_reports(cmd, tmp, "wrote ")
    assert again.count("up to date") >= len(wrote)


# ---------------------------------------------------------------- the weak classes
def test_references_as_marp_reads_them(lecturer, tmp_path):
    deck, made = lecturer
    deck.write_text("# Uno\n\n<video controls><source src=\"assets/videos/DiffusionProcess.mp4?v=2#t=3\"></video>\n\n"
                    "```html\n<video><source src=\"assets/videos/ReverseProcess.mp4\"></video>\n```\n\n"
                    "![](assets/images/FORWARD_PROCESS.PNG)\n\n![](assets/images/noise_schedules_en.png)\n",
                    encoding="utf-8")
    result = run_deck("--deck", deck, "--out", tmp_path / "lecture")
    assert result.exit_code == 0, result.output
    assert ("forward", "mp4", "es") in made and all(k != "reverse" for k, _, _ in made)  # not the code sample
    assert ("schedule", "figure", "en") in made and "noise_schedules_en.png: in en, as its name says" in result.output
    assert "did you mean forward_process.png" in result.output
    text = (tmp_path / "lecture" / "slides.md").read_text(encoding="utf-8")
    assert 'src="assets/videos/DiffusionProcess.mp4?v=2#t=3"' in text and 'poster="assets/videos/forward_process.png"' in text
    assert '<video><source src="assets/videos/ReverseProcess.mp4"></video>' in text  # the code sample, as it was


@pytest.mark.parametrize("content, message", [
    ("Diapositiva: café".encode("latin-1"), "is not UTF-8 text (byte 0xe9); save the deck as UTF-8"),
    (bytes(range(256)) * 4, "has NUL bytes, so it is not a text file"),
    (b"", "is empty: there is no slide to build"),
    (b" \n\n  \n", "is empty: there is no slide to build"),
    (b"\x00" * 64, "has NUL bytes"),
    (b"# a\n" * 1_100_000, "more than 4 MB, so not a Marp deck"),
    (b"# s\n\n---\n\n" * 1000 + b"# last\n", "1001 slides and 0 images and videos; a lecture this builder takes has at most 1000"),
])
def test_decks_that_are_not_marp_text_are_refused(tmp_path, content, message):
    deck = tmp_path / "slides.md"
    deck.write_bytes(content)
    result = run_deck("--deck", deck, "--out", tmp_path / "lecture")
    assert result.exit_code == 1 and message in result.output and str(deck) in result.output, result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "lecture").exists()


def test_a_deck_without_a_size_is_read_with_a_bound(tmp_path):
    """/dev/zero (and any device or pipe) has no size to check first: it is read up to the
    bound and refused, not until the memory runs out."""
    result = run_deck("--deck", "/dev/zero", "--out", tmp_path / "lecture")
    assert result.exit_code == 1 and "/dev/zero: more than 4 MB, so not a Marp deck" in result.output, result.output
    assert len(result.output.strip().splitlines()) == 1 and not (tmp_path / "lecture").exists()


def test_a_damaged_output_asset_is_made_again(lecturer, tmp_path):
    deck, made = lecturer
    out = tmp_path / "lecture"
    assert run_deck("--deck", deck, "--out", out).exit_code == 0
    made.clear()
    target = out / "assets" / "images" / "forward_process.png"
    target.write_bytes(target.read_bytes()[:5])  # truncated by hand
    result = run_deck("--deck", deck, "--out", out)
    assert result.exit_code == 0 and made == [("forward", "figure", "es")]
    made.clear()
    data = target.read_bytes()
    target.write_bytes(data[::-1])  # edited, same size
    assert run_deck("--deck", deck, "--out", out).exit_code == 0 and made == [("forward", "figure", "es")]


def test_a_line_break_in_the_text_is_drawn():
    from diffusion_core.toy.data import _text_mask, check_text

    assert check_text("UTA\nArica") == ["UTA", "Arica"]
    assert check_text("UTA Arica") == ["UTA Arica"]
    two, one = _text_mask("UTA\nArica"), _text_mask("UTA Arica")
    assert two.shape[0] > one.shape[0]  # two lines are taller than one
    with pytest.raises(ValueError, match="at most 3 lines"):
        check_text("a\nb\nc\nd")


def test_odd_output_folders_are_refused(lecturer, tmp_path):
    deck, _ = lecturer
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    (tmp_path / "afile").write_text("x")
    (tmp_path / "theirs").mkdir()
    (tmp_path / "theirs" / "notes.txt").write_text("mine")
    before = md5s(tmp_path)
    for out, message in ((tmp_path / "dangling", "is a symbolic link to"), (tmp_path / "lecture.html", "looks like a file name"),
                         (tmp_path / "afile", "is a file, not a folder"),
                         (tmp_path / "theirs", "already holds files the deck builder did not write (notes.txt)")):
        result = run_deck("--deck", deck, "--out", out)
        assert result.exit_code == 1 and message in result.output, (out, result.output)
    assert md5s(tmp_path) == before and not (tmp_path / "nowhere").exists()


def test_two_builds_into_one_folder_at_once(lecturer, tmp_path):
    deck, _ = lecturer
    out = tmp_path / "lecture"
    holder = OutputFolder(out)
    holder.lock()
    try:
        with pytest.raises(FenceError, match="another deck build is writing"):
            build_deck(DeckOptions(deck=deck, out=out), log=lambda m: None)
    finally:
        holder.unlock()
    build_deck(DeckOptions(deck=deck, out=out), log=lambda m: None)  # free again


def test_a_symlink_inside_the_output_cannot_lead_out(lecturer, tmp_path):
    deck, made = lecturer
    out = tmp_path / "lecture"
    assert run_deck("--deck", deck, "--out", out).exit_code == 0
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (out / "assets" / "images" / "forward_process.png").unlink()
    target = out / "assets" / "images"
    for p in target.iterdir():
        p.unlink()
    target.rmdir()
    target.symlink_to(outside)
    result = run_deck("--deck", deck, "--out", out)
    assert "leaves the output folder" in result.output
    assert list(outside.iterdir()) == []


def test_crlf_a_byte_order_mark_and_backslashes(lecturer, tmp_path):
    """A deck saved on Windows: CRLF lines, a BOM, backslashes in paths. The slot is made
    live and the poster lands inside the <video> tag, as on a Unix deck."""
    deck, made = lecturer
    text = ("# Uno\r\n\r\n<!-- Replace with your training visualization -->\r\n<!-- <video controls width=\"80%\">\r\n"
            "  <source src=\"./assets/training.mp4\" type=\"video/mp4\">\r\n</video> -->\r\n\r\n"
            "![](assets\\images\\forward_process.png)\r\n\r\n<img src=\"assets\\images\\reverse_process.png\">\r\n")
    deck.write_bytes("\ufeff".encode() + text.encode())
    result = run_deck("--deck", deck, "--out", tmp_path / "lecture")
    assert result.exit_code == 0, result.output
    out = (tmp_path / "lecture" / "slides.md").read_bytes().decode("utf-8")  # as written: CRLF kept
    assert '<video poster="./assets/training_process.png" controls width="80%">\r\n  <source src="./assets/training.mp4"' in out
    assert "<!-- Replace with your training visualization -->\r\n<video" in out and "</video>\r\n" in out
    # HTML: the browser reads a backslash as a slash; Markdown: Marp keeps it (percent-encoded)
    assert (tmp_path / "lecture" / "assets" / "images" / "reverse_process.png").is_file()
    assert ("reverse", "figure", "es") in made and all(k != "forward" for k, _, _ in made)
    assert "write it with slashes: assets/images/forward_process.png" in result.output
    # the summary agrees with the warning: misspelt, not "made by no scene"
    assert "not made by any scene" not in result.output
    assert "write these paths with slashes (Marp keeps a backslash): assets\\images\\forward_process.png -> " \
           "assets/images/forward_process.png" in result.output
    assert "0 missing, 1 to write with slashes" in result.output
    assert result.output.count("  misspelt   assets\\images\\forward_process.png") == 1  # once, however often slides.md is written


def test_marp_runs_with_a_time_limit_and_says_it_is_working(tmp_path):
    """A Marp CLI that does not finish is stopped at its limit (with what it started) and
    reported in one line; while it works it says so."""
    import lecture.marp as marp

    lines = []
    script = tmp_path / "slow.sh"
    script.write_text("#!/bin/sh\nsleep 30 &\nsleep 30\n")
    script.chmod(0o755)
    start = time.monotonic()
    proc = marp.run_marp([str(script)], "the HTML", timeout_s=1.2, log=lines.append)
    assert time.monotonic() - start < 5
    assert proc.returncode == marp.TIMED_OUT and "did not finish the HTML within 1 s and was stopped" in proc.stderr
    fast = marp.run_marp(["sh", "-c", "echo done; echo warn >&2"], "the HTML", timeout_s=5, log=lines.append)
    assert (fast.returncode, fast.stdout, fast.stderr) == (0, "done\n", "warn\n")
    old = marp.PROGRESS_EVERY_S
    marp.PROGRESS_EVERY_S = 0.3
    try:
        marp.run_marp(["sleep", "1"], "the PDF", timeout_s=5, log=lines.append)
    finally:
        marp.PROGRESS_EVERY_S = old
    assert any(line.startswith("  Marp CLI: still writing the PDF") for line in lines)


def test_the_kept_marp_writes_what_marp_cli_writes_and_is_stopped_when_it_must_be(tmp_path, monkeypatch):
    """The HTML comes from one Marp CLI kept running (lecture/marp_server.js): the bytes a
    Marp CLI of its own writes, and the same server for the next deck. One that does not
    answer is stopped at its limit and reported in one line; one that dies is named; the
    next call starts a new one."""
    import lecture.marp as marp

    if not marp.MARP.exists() or shutil.which("node") is None:
        pytest.skip("needs Marp CLI (./run.sh deck-setup)")
    deck = tmp_path / "slides.md"
    deck.write_text("---\nmarp: true\n---\n\n# Uno\n\n¿Qué es la señal?\n\n---\n\n# Dos\n", encoding="utf-8")
    kept = marp.marp_kept(["--html", str(deck), "-o", str(tmp_path / "kept.html")], "the HTML")
    alone = marp.run_marp([str(marp.MARP), "--html", str(deck), "-o", str(tmp_path / "alone.html")], "the HTML")
    assert kept.returncode == alone.returncode == 0 and "slides.md =>" in kept.stderr
    assert (tmp_path / "kept.html").read_bytes() == (tmp_path / "alone.html").read_bytes()
    server = marp._KEPT.proc.pid
    assert marp.build_html(deck)[1] == "" and marp._KEPT.proc.pid == server
    try:
        marp._KEPT.stop()
        silent, dying = tmp_path / "silent.js", tmp_path / "dying.js"
        silent.write_text("process.stdin.resume();\n")
        dying.write_text("process.exit(7);\n")
        monkeypatch.setattr(marp, "SERVER_JS", silent)
        start = time.monotonic()
        proc = marp.marp_kept(["--html", str(deck)], "the HTML", timeout_s=1.2)
        assert time.monotonic() - start < 5 and marp._KEPT.proc is None
        assert proc.returncode == marp.TIMED_OUT and "did not finish the HTML within 1 s and was stopped" in proc.stderr
        monkeypatch.setattr(marp, "SERVER_JS", dying)
        proc = marp.marp_kept(["--html", str(deck)], "the HTML", timeout_s=5)
        assert proc.returncode == 1 and "Marp CLI stopped while writing the HTML" in proc.stderr
    finally:
        marp._KEPT.stop()


def test_a_full_output_disk_names_the_output_not_the_cache(lecturer, tmp_path, monkeypatch):
    """A copy from the render cache into --out that fills the disk names --out's folder
    (it named the cache's file, the source of the copy)."""
    import errno

    import lecture.outputs
    import lecture.renders
    import lecture.rewrite

    deck, _ = lecturer
    out = tmp_path / "lecture"

    def full(src, dst, *a, **k):
        raise OSError(errno.ENOSPC, "No space left on device", str(src), None, str(dst))

    monkeypatch.setattr(lecture.renders.shutil, "copyfile", full)
    result = run_deck("--deck", deck, "--out", out)
    line = result.output.strip().splitlines()[-1]
    assert result.exit_code == 1 and line.endswith(": No space left on device"), result.output
    assert line.startswith(f"Error: {out}/") and ".part" not in line  # the output's file, by its own name
    assert str(deck.parent) not in line and ".cache" not in line  # not the source of the copy


def _marp_and_chromium() -> bool:
    import shutil

    from lecture.marp import MARP

    return MARP.exists() and shutil.which("chromium") is not None


@pytest.mark.skipif(not _marp_and_chromium(), reason="needs Marp CLI and Chromium (./run.sh deck-setup, ./run.sh browser)")
def test_a_pdf_build_leaves_nothing_in_tmpdir(tmp_path, monkeypatch):
    """Marp CLI's browser profile (marp-cli-XXXX, megabytes) goes into a folder of ours,
    removed when Marp ends: $TMPDIR is as it was after a --pdf build, and after one that
    fails."""
    import tempfile

    scratch = Path(tempfile.mkdtemp(prefix="t", dir="/tmp"))  # short: Chromium's profile holds a socket (108 bytes)
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setattr(tempfile, "tempdir", None)  # Python asks $TMPDIR again
    deck = tmp_path / "in" / "slides.md"
    deck.parent.mkdir()
    deck.write_text("---\nmarp: true\n---\n\n# Una diapositiva\n\n¿Qué añade el ruido?\n", encoding="utf-8")
    report = build_deck(DeckOptions(deck=deck, out=tmp_path / "out", pdf=True, quality="low"), log=lambda m: None)
    assert report.pdf is not None and report.pdf.is_file()
    assert sorted(p.name for p in scratch.iterdir()) == []
    # nothing changed: the PDF is not printed again; a changed slide prints it again
    printed = report.pdf.stat().st_mtime_ns
    start = time.perf_counter()
    assert build_deck(DeckOptions(deck=deck, out=tmp_path / "out", pdf=True, quality="low"),
                      log=lambda m: None).pdf == report.pdf
    assert report.pdf.stat().st_mtime_ns == printed and time.perf_counter() - start < 3
    deck.write_text(deck.read_text(encoding="utf-8") + "\nY otra línea.\n", encoding="utf-8")
    build_deck(DeckOptions(deck=deck, out=tmp_path / "out", pdf=True, quality="low"), log=lambda m: None)
    assert report.pdf.stat().st_mtime_ns != printed
    import lecture.marp as marp

    proc = marp.run_marp(["sh", "-c", 'mkdir "$TMPDIR/marp-cli-test" && exit 3'], "the PDF", timeout_s=5)
    assert proc.returncode == 3 and sorted(p.name for p in scratch.iterdir()) == []
    scratch.rmdir()


def test_the_build_says_how_long_it_took_and_keeps_the_checks_time_apart(lecturer, tmp_path):
    """A rerun's time is the build's (issue 43: at most 3 s with nothing changed), told
    apart from --check's own (Chromium laying out every slide)."""
    deck, _ = lecturer
    result = run_deck("--deck", deck, "--out", tmp_path / "lecture")
    assert result.exit_code == 0, result.output
    built = [ln for ln in result.output.splitlines() if ln.startswith("built in ")]
    assert len(built) == 1 and re.fullmatch(r"built in \d+\.\d s( \(.*\))?", built[0]) and "checked in" not in result.output
