"""The deck builder on a small deck the tests write, and on the course deck."""

import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
from scenes.deck import MARP, DeckOptions, build_deck, find_refs

TINY = dict(resolution=(256, 144), fps=5, quality="low")
COURSE = Path(__file__).resolve().parents[2] / "shared" / "deck" / "slides.md"

SMALL_DECK = """---
marp: true
---

# Schedules

![width:900px](assets/images/noise_schedules.png)

---

# Training

<!-- Replace with your training visualization -->
<!-- <video controls width="80%">
  <source src="./assets/training.mp4" type="video/mp4">
</video> -->

---

# Results: Image Generation

<video controls width="100%">
  <source src="assets/videos/NoiseSchedules.mp4" type="video/mp4">
</video>

---

# Photos

![alt](assets/images/001.png) ![alt](assets/images/002.png)

$$x_t = \\sqrt{\\alpha_t}x_0 + \\sqrt{1-\\alpha_t}\\epsilon$$

| Model | FID Score | Training Time |
|-------|-----------|---------------|
| DDPM | 3.21 | 24h |

Gracias, ¿preguntas?
"""


@pytest.fixture()
def small_deck(tmp_path):
    deck = tmp_path / "in" / "slides.md"
    (deck.parent / "assets" / "images").mkdir(parents=True)
    deck.write_text(SMALL_DECK, encoding="utf-8")
    (deck.parent / "assets" / "images" / "001.png").write_bytes(b"\x89PNG a photo")  # the lecturer's own
    return deck


def test_refs_are_found_everywhere():
    refs = find_refs(SMALL_DECK)
    assert refs == ["assets/images/noise_schedules.png", "./assets/training.mp4", "assets/videos/NoiseSchedules.mp4",
                    "assets/images/001.png", "assets/images/002.png"]


@pytest.mark.slow
def test_small_deck_builds_and_a_second_run_renders_nothing(small_deck, tmp_path):
    out = tmp_path / "out"
    opts = DeckOptions(small_deck, out, jobs=2, table=True, **TINY)
    report = build_deck(opts, log=lambda m: None)
    assert sorted(report.rendered) == ["assets/images/noise_schedules.png", "assets/training.mp4",
                                       "assets/training_process.png",  # posters: each video's still, beside it
                                       "assets/videos/NoiseSchedules.mp4", "assets/videos/noise_schedules.png"]
    assert report.supplied == ["assets/images/001.png"] and report.missing == ["assets/images/002.png"]
    for ref in report.rendered + report.supplied:
        assert (out / ref).is_file() and (out / ref).stat().st_size > 1000 or ref.endswith("001.png")
    text = (out / "slides.md").read_text(encoding="utf-8")
    # the slot is live, the unrelated comment stays, the table is measured, the formula is flagged
    assert '<video poster="./assets/training_process.png" controls width="80%">\n  <source src="./assets/training.mp4"' in text
    assert '<video poster="assets/videos/noise_schedules.png" controls' in text
    assert "<!-- Replace with your training visualization -->" in text
    assert "| DDPM (1000 steps) |" in text and "3.21" not in text and "Medido por este proyecto" in text
    line = next(i for i, ln in enumerate(SMALL_DECK.splitlines(), 1) if "alpha_t" in ln)
    assert any(f"slides.md:{line}: x_t = sqrt(alpha_t)" in w for w in report.warnings), report.warnings
    assert "\\sqrt{\\alpha_t}x_0" in text  # warned, not rewritten without --fix-formulas
    # everything else is byte for byte the same
    changed = {"<!-- <video controls", "</video> -->", "| Model | FID Score", "|-------", "| DDPM | 3.21", "<video controls"}
    kept = [ln for ln in SMALL_DECK.splitlines() if not any(ln.startswith(c) for c in changed)]
    out_lines = text.splitlines()
    assert all(ln in out_lines for ln in kept)
    assert report.html is not None if MARP.exists() else "./run.sh deck" in report.html_note
    # nothing changed: nothing renders, and quickly
    start = time.perf_counter()
    again = build_deck(opts, log=lambda m: None)
    assert again.rendered == [] and len(again.up_to_date) == 5 and time.perf_counter() - start < 5


def test_deck_command_errors(small_deck, tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli.cli, ["deck", "--deck", str(small_deck), "--out", str(tmp_path / "o"), "--slot", "nope"])
    assert result.exit_code == 2 and "TITLE=SCENE" in result.output
    result = runner.invoke(cli.cli, ["deck", "--deck", str(small_deck), "--out", str(tmp_path / "o"),
                                     "--slot", "Results: Image Generation=sparkles"])
    assert result.exit_code == 1 and "unknown scene 'sparkles'" in result.output
    result = runner.invoke(cli.cli, ["deck", "--deck", str(small_deck), "--out", str(tmp_path / "o"),
                                     "--slot", "No such slide=forward"])
    assert result.exit_code == 1 and "no slide titled 'No such slide'" in result.output


def test_slot_and_formula_fix(small_deck, tmp_path, monkeypatch):
    """--slot points the slide's video at another scene's; --fix-formulas rewrites."""
    import scenes.deck as deck_module

    monkeypatch.setattr(deck_module, "render_many", lambda tasks, jobs, on_done=None: [])
    opts = DeckOptions(small_deck, tmp_path / "o", slots={"Results: Image Generation": "digits-reverse"},
                       fix_formulas=True, **TINY)
    report = build_deck(opts, log=lambda m: None)
    text = (tmp_path / "o" / "slides.md").read_text(encoding="utf-8")
    assert 'src="assets/videos/DigitsGeneration.mp4"' in text and "NoiseSchedules.mp4" not in text
    assert "\\sqrt{\\bar\\alpha_t}x_0 + \\sqrt{1-\\bar\\alpha_t}\\epsilon" in text
    assert any("fixed" in w for w in report.warnings)


@pytest.mark.slow
@pytest.mark.skipif(not COURSE.is_file(), reason="the course deck is in ../shared/deck (not in this checkout)")
def test_the_course_deck(tmp_path):
    out = tmp_path / "lecture"
    report = build_deck(DeckOptions(COURSE, out, jobs=2, table=True, **TINY), log=lambda m: None)
    assert set(report.rendered) >= {"assets/videos/DiffusionProcess.mp4", "assets/images/forward_process.png",
                                    "assets/images/reverse_process.png", "assets/images/ddpm_paper_nice_property.png",
                                    "assets/training.mp4"}
    assert "image.png" in report.missing and "assets/images/001.png" in report.missing
    text = (out / "slides.md").read_text(encoding="utf-8")
    assert '<source src="./assets/training.mp4"' in text and "<!-- <video" not in text
    assert "| DDPM (1000 steps) |" in text
    assert sum("alpha_bar_t is meant" in w for w in report.warnings) == 2
    for ref in report.rendered:
        assert (out / ref).is_file()


def _needs(tool: str) -> bool:
    import shutil

    return shutil.which(tool) is None


@pytest.mark.slow
@pytest.mark.skipif(not MARP.exists() or _needs("chromium") or _needs("pdftoppm"),
                    reason="needs Marp CLI, Chromium and pdftoppm (./run.sh deck-setup, ./run.sh browser; CI has them)")
def test_the_pdf_shows_each_video_poster(tmp_path):
    """Two of our videos in a deck: in the PDF their slides show the poster (the
    scene's still), not an empty black or white box."""
    import subprocess

    import numpy as np
    from PIL import Image

    deck = tmp_path / "slides.md"
    deck.write_text("---\nmarp: true\n---\n\n# A\n\n<video controls width=\"80%\">\n"
                    "  <source src=\"assets/videos/NoiseSchedules.mp4\" type=\"video/mp4\">\n</video>\n\n---\n\n"
                    "# B\n\n<video controls width=\"80%\">\n  <source src=\"assets/training.mp4\" type=\"video/mp4\">\n"
                    "</video>\n", encoding="utf-8")
    out = tmp_path / "out"
    report = build_deck(DeckOptions(deck, out, jobs=2, pdf=True, **TINY), log=lambda m: None)
    assert report.pdf == out / "slides.pdf" and report.pdf.stat().st_size > 10_000, report.pdf_note
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(report.pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) == 2
    for page, still in zip(pages, ("assets/videos/noise_schedules.png", "assets/training_process.png")):
        img = np.asarray(Image.open(page).convert("RGB")).astype(int)
        body = img[img.shape[0] // 4 : -img.shape[0] // 8, img.shape[1] // 8 : -img.shape[1] // 8]
        assert body.std() > 20  # a picture, not a uniform box
        dark = (body.sum(axis=2) < 60).mean()
        assert dark < 0.5  # not the black box a printed <video> is without a poster
        # no controls bar across the bottom of the picture (Chromium prints one on a <video>)
        lower = img[img.shape[0] // 4 :, img.shape[1] // 8 : -img.shape[1] // 8]
        assert (lower.sum(axis=2) < 150).mean(axis=1).max() < 0.5
        # the poster's own colours are there: its blue ink (clouds, curves) or its text
        poster = np.asarray(Image.open(out / still).convert("RGB")).astype(int)
        assert abs(body.mean() - poster.mean()) < 40


def test_the_print_copy_shows_posters_as_images():
    from scenes.deck import print_copy

    deck = ('<video poster="assets/a.png" controls width="80%">\n  <source src="assets/A.mp4">\n</video>\n'
            '<VIDEO controls>\n  <source src="theirs.mp4">\n</VIDEO>\n'
            '<!-- <video poster="b.png" controls><source src="B.mp4"></video> -->\n# Título ¿sí?\n')
    out = print_copy(deck)
    assert out.splitlines()[0] == '<img src="assets/a.png" width="80%" alt="">'
    assert '<VIDEO controls>\n  <source src="theirs.mp4">\n</VIDEO>' in out  # no poster: left alone
    assert '<!-- <img src="b.png" alt=""> -->' in out
    assert out.endswith("# Título ¿sí?\n")


def test_without_chromium_the_pdf_says_how(small_deck, tmp_path, monkeypatch):
    import scenes.deck as deck_module

    monkeypatch.setattr(deck_module, "render_many", lambda tasks, jobs, on_done=None: [])
    monkeypatch.setattr(deck_module, "find_browser", lambda: None)
    monkeypatch.setattr(deck_module, "MARP", tmp_path / "marp")  # present, so the browser is what is missing
    (tmp_path / "marp").write_text("")
    monkeypatch.setattr(deck_module, "build_html", lambda slides: (None, "no HTML"))
    report = build_deck(DeckOptions(small_deck, tmp_path / "o", pdf=True, **TINY), log=lambda m: None)
    assert report.pdf is None and "./run.sh browser" in report.pdf_note
    assert (tmp_path / "o" / "slides.md").is_file()


def test_render_all_renders_only_what_is_missing_or_out_of_date(tmp_path, monkeypatch):
    import scenes.deck as deck_module
    from scenes.registry import SCENES

    made = []

    def fake_render_many(tasks, jobs, on_done=None):
        for task in tasks:
            path = Path(task["out_dir"]) / SCENES[task["key"]].output_name(task["fmt"], task["settings"]["lang"])
            path.write_bytes(b"png")
            made.append(task["key"])
            on_done(task, path)

    monkeypatch.setattr(deck_module, "render_many", fake_render_many)
    runner = CliRunner()
    args = ["render", "all", "--format", "png", "-q", "low", "--out", str(tmp_path), "--jobs", "2"]
    assert runner.invoke(cli.cli, args).exit_code == 0 and sorted(made) == sorted(SCENES)
    made.clear()
    result = runner.invoke(cli.cli, args)
    assert result.exit_code == 0 and made == [] and result.output.count("up to date") == len(SCENES)
    result = runner.invoke(cli.cli, [*args[:-2], "--jobs", "1", "--lang", "en"])  # another setting: all again
    assert result.exit_code == 0 and sorted(made) == sorted(SCENES)
