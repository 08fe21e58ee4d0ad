"""The deck builder on a small deck the tests write, and on the course deck."""

import re
import shutil
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
from lecture import MARP, DeckError, DeckOptions, build_deck, parse_deck, print_copy
from scenes.registry import SCENES

TINY = dict(resolution=(256, 144), fps=5, quality="low")
COURSE = Path(__file__).resolve().parents[2] / "shared" / "deck" / "slides.md"
# the lines the README gives for the course deck: which scene draws which of its pictures
COURSE_SLOTS = """# Which scene makes which of the deck's pictures (python cli.py deck reads this file).
"assets/images/001.png" = "graphical-model"
"assets/images/006.PNG" = "digits-forward-strip"
"assets/images/007.PNG" = "digits-reverse-strip"
"image.png" = "generative-model"
"assets/images/002.png" = "gan-diagram"
"assets/images/005.png" = "gan"
"assets/images/004.png" = "trilemma"
"""
LEFT_TO_SUPPLY = ("assets/images/003.jpg",)  # high-quality GAN photographs: not something a toy GAN truthfully makes

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

<!-- Replace with your generation video -->
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


def fake_render_many(made=None):
    """render_many without manim: each job's file, a few bytes naming it."""
    from scenes.rendering import Rendered

    def render_many(jobs, n_jobs, on_done=None, on_progress=None, workers=None):
        out = []
        for job in jobs:
            path = job.target
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(f"{job.scene} {job.fmt} {job.lang}".encode())
            if made is not None:
                made.append((job.scene, job.fmt, job.lang))
            if job.poster:  # the video's last frame, beside it
                poster = path.with_name(SCENES[job.scene].output_name("png", job.lang))
                poster.write_bytes(f"{job.scene} png {job.lang} (poster)".encode())
            out.append(path)
            if on_done:
                on_done(job, Rendered(path))
        return out

    return render_many


@pytest.fixture()
def small_deck(tmp_path):
    deck = tmp_path / "in" / "slides.md"
    (deck.parent / "assets" / "images").mkdir(parents=True)
    deck.write_text(SMALL_DECK, encoding="utf-8")
    (deck.parent / "assets" / "images" / "001.png").write_bytes(b"\x89PNG a photo")  # the lecturer's own
    return deck


@pytest.fixture()
def fake_renders(monkeypatch):
    import lecture.outputs
    import lecture.renders
    import lecture.rewrite

    made = []
    monkeypatch.setattr(lecture.renders, "render_many", fake_render_many(made))
    monkeypatch.setattr(lecture.outputs, "build_html", lambda slides: (None, "no HTML (test)"))
    return made


def test_refs_are_found_as_marp_reads_them():
    deck = parse_deck(SMALL_DECK)
    assert [r.path for r in deck.refs] == ["assets/images/noise_schedules.png", "assets/training.mp4",
                                           "assets/videos/NoiseSchedules.mp4", "assets/images/001.png",
                                           "assets/images/002.png"]
    assert [r.slot for r in deck.refs] == [False, True, False, False, False]
    assert [s.title for s in deck.slides] == ["Schedules", "Training", "Results: Image Generation", "Photos"]
    notes = [c for c in deck.comments if not c.slot]
    assert [c.placeholder for c in notes] == [True, True]


def test_urls_are_decoded_and_code_and_notes_are_not_assets():
    text = ("# A\n\n![](<assets/mis imagenes/forward_process.png>)\n\n![](assets/mis%20figuras/reverse_process.png)\n\n"
            '<video controls><source src="assets/videos/DiffusionProcess.mp4?v=2#t=3"></video>\n\n'
            "```html\n<video><source src=\"assets/videos/ReverseProcess.mp4\"></video>\n![](assets/x/score_field.png)\n```\n\n"
            "<!-- Speaker note: show ![](assets/images/training_process.png) later -->\n\n"
            "Text with `<img src=\"code.png\">` in code.\n\n"
            "![](../figs/forward_process.png) ![](/srv/figs/forward_process.png) ![](https://x.org/a.png)\n")
    deck = parse_deck(text)
    paths = [(r.path, r.outside) for r in deck.refs]
    assert paths == [("assets/mis imagenes/forward_process.png", False), ("assets/mis figuras/reverse_process.png", False),
                     ("assets/videos/DiffusionProcess.mp4", False), ("../figs/forward_process.png", True),
                     ("/srv/figs/forward_process.png", True)]
    assert deck.refs[2].url == "assets/videos/DiffusionProcess.mp4?v=2#t=3"
    assert [c.slot for c in deck.comments] == [False]


@pytest.mark.slow
def test_small_deck_builds_and_a_second_run_renders_nothing(small_deck, tmp_path):
    out = tmp_path / "out"
    opts = DeckOptions(deck=small_deck, out=out, jobs=2, table=True, **TINY)
    report = build_deck(opts, log=lambda m: None)
    assert sorted(report.rendered) == ["assets/images/noise_schedules.png", "assets/training.mp4",
                                       "assets/training_process.png",  # posters: each video's still, beside it
                                       "assets/videos/DigitsGeneration.mp4",  # the placeholder, filled
                                       "assets/videos/generated_digits.png"]
    assert report.supplied == ["assets/images/001.png"] and report.missing == ["assets/images/002.png"]
    for ref in report.rendered + report.supplied:
        assert (out / ref).is_file() and (out / ref).stat().st_size > 1000 or ref.endswith("001.png")
    text = (out / "slides.md").read_text(encoding="utf-8")
    # the slot is live, the note stays, the placeholder is filled, the table is measured, the formula flagged
    assert '<video poster="./assets/training_process.png" controls width="80%">\n  <track kind="captions"' in text
    assert '  <source src="./assets/training.mp4" type="video/mp4">' in text
    assert '<video poster="assets/videos/generated_digits.png" controls' in text
    assert 'src="assets/videos/DigitsGeneration.mp4"' in text and "NoiseSchedules.mp4" not in text
    assert any("placeholder assets/videos/NoiseSchedules.mp4 -> assets/videos/DigitsGeneration.mp4" in n
               for n in report.notes)
    assert "<!-- Replace with your training visualization -->" in text
    assert "| DDPM (1000 pasos) |" in text and "3.21" not in text and "muestras por fila" in text
    line = next(i for i, ln in enumerate(SMALL_DECK.splitlines(), 1) if "alpha_t" in ln)
    assert any(f"slides.md:{line}: x_t = sqrt(alpha_t)" in w for w in report.warnings), report.warnings
    assert "\\sqrt{\\alpha_t}x_0" in text  # warned, not rewritten without --fix-formulas
    # the figure in the image slot is a trimmed figure, the poster a whole frame
    from PIL import Image

    assert Image.open(out / "assets/videos/generated_digits.png").size == (256, 144)
    assert Image.open(out / "assets/images/noise_schedules.png").size != (256, 144)
    # everything else is byte for byte the same
    changed = {"<!-- <video controls", "</video> -->", "| Model | FID Score", "|-------", "| DDPM | 3.21", "<video controls",
               "  <source src=\"assets/videos/NoiseSchedules"}
    kept = [ln for ln in SMALL_DECK.splitlines() if not any(ln.startswith(c) for c in changed)]
    out_lines = text.splitlines()
    assert all(ln in out_lines for ln in kept)
    assert report.html is not None if MARP.exists() else "./run.sh deck" in report.html_note
    from diffusion_core.io import (
        ordinary_mode,  # every output has the user's usual permissions (slides.html too)
    )

    modes = {f.name: oct(f.stat().st_mode & 0o777) for f in out.rglob("*") if f.is_file() and not f.name.startswith(".")}
    assert set(modes.values()) == {oct(ordinary_mode())}, modes
    # nothing changed: nothing renders, the deck and its HTML are left as they are, and quickly
    written = {f: (out / f).stat().st_mtime_ns for f in ("slides.md", "slides.html") if (out / f).exists()}
    start = time.perf_counter()
    again = build_deck(opts, log=lambda m: None)
    assert again.rendered == [] and len(again.up_to_date) == 5 and time.perf_counter() - start < 5
    assert written == {f: (out / f).stat().st_mtime_ns for f in written}
    if MARP.exists():  # an HTML edited by hand is made again
        (out / "slides.html").write_text("edited")
        assert build_deck(opts, log=lambda m: None).html == out / "slides.html"
        assert (out / "slides.html").read_text() != "edited"


def test_a_videos_poster_comes_from_the_videos_render(small_deck, tmp_path, fake_renders):
    """The still a <video> shows before it plays is the video's own last frame: written by
    the video's render, not by a render of its own."""
    report = build_deck(DeckOptions(deck=small_deck, out=tmp_path / "o", **TINY), log=lambda m: None)
    assert "assets/training_process.png" in report.rendered and ("training", "mp4", "es") in fake_renders
    assert not [m for m in fake_renders if m[1] == "png"]
    assert (tmp_path / "o" / "assets" / "training_process.png").read_text().endswith("(poster)")


def test_a_first_build_starts_the_longest_render_first():
    from scenes.rendering import guess_seconds, longest_first

    groups = [("forward", "figure", "es"), ("forward", "mp4", "es"), ("digits-reverse", "mp4", "es"),
              ("training", "mp4", "es")]
    order = longest_first(groups, lambda g: guess_seconds(g[0], g[1]))
    assert order[0] == ("digits-reverse", "mp4", "es") and order[-1] == ("forward", "figure", "es")


def test_deck_command_errors(small_deck, tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli.cli, ["deck", "--deck", str(small_deck), "--out", str(tmp_path / "o"), "--slot", "nope"])
    assert result.exit_code == 2 and "WHERE=SCENE" in result.output
    result = runner.invoke(cli.cli, ["deck", "--deck", str(small_deck), "--out", str(tmp_path / "o"),
                                     "--slot", "Results: Image Generation=sparkles"])
    assert result.exit_code == 1 and "unknown scene 'sparkles'" in result.output
    result = runner.invoke(cli.cli, ["deck", "--deck", str(small_deck), "--out", str(tmp_path / "o"),
                                     "--slot", "No such slide=forward"])
    assert result.exit_code == 1 and "no slide titled 'No such slide'" in result.output
    assert not (tmp_path / "o").exists()  # refused before anything is written


def test_slots_by_title_number_path_and_the_formula_fix(small_deck, tmp_path, fake_renders):
    opts = DeckOptions(deck=small_deck, out=tmp_path / "o", slots={"3": "samplers", "assets/images/002.png": "graphical-model"},
                       fix_formulas=True, **TINY)
    report = build_deck(opts, log=lambda m: None)
    text = (tmp_path / "o" / "slides.md").read_text(encoding="utf-8")
    assert 'src="assets/videos/DDPMvsDDIM.mp4"' in text and "NoiseSchedules.mp4" not in text
    assert ("graphical-model", "figure", "es") in fake_renders and "assets/images/002.png" in report.rendered
    assert "\\sqrt{\\bar\\alpha_t}x_0 + \\sqrt{1-\\bar\\alpha_t}\\epsilon" in text
    assert any("fixed" in w for w in report.warnings)
    # a slot named by title where no video is: its image is drawn by the scene
    opts = DeckOptions(deck=small_deck, out=tmp_path / "o2", slots={"Schedules": "schedule"}, keep_placeholders=True, **TINY)
    report = build_deck(opts, log=lambda m: None)
    assert "NoiseSchedules.mp4" in (tmp_path / "o2" / "slides.md").read_text(encoding="utf-8")  # kept


def test_the_mapping_beside_the_deck_travels_with_it_and_never_shows(small_deck, tmp_path, fake_renders):
    (small_deck.parent / "slides.slots.toml").write_text('"assets/images/002.png" = "digits-reverse-strip"\n')
    report = build_deck(DeckOptions(deck=small_deck, out=tmp_path / "o", **TINY), log=lambda m: None)
    assert "assets/images/002.png" in report.rendered and report.missing == []
    assert ("digits-reverse-strip", "figure", "es") in fake_renders
    assert "digits-reverse-strip" not in (tmp_path / "o" / "slides.md").read_text(encoding="utf-8")
    assert not (tmp_path / "o" / "slides.slots.toml").exists()
    # a picture the lecturer supplies beside the deck wins over the mapping, and the report says so
    report = build_deck(DeckOptions(deck=small_deck, out=tmp_path / "o3", slots={"assets/images/001.png": "graphical-model"},
                                    **TINY), log=lambda m: None)
    assert "assets/images/001.png" in report.supplied
    assert any(n.startswith("assets/images/001.png: yours, beside the deck, is used") for n in report.notes)
    (small_deck.parent / "slides.slots.toml").write_text('"x" = [1, 2]\n')
    with pytest.raises(ValueError, match="slides.slots.toml"):
        build_deck(DeckOptions(deck=small_deck, out=tmp_path / "o4", **TINY), log=lambda m: None)
    # an error in the mapping file names the file and its line, not --slot (never given)
    (small_deck.parent / "slides.slots.toml").write_text('# which scene draws what\n\n"Nope" = "forward"\n')
    with pytest.raises(DeckError, match=r"^slides.slots.toml:3: 'Nope' = 'forward': no slide titled 'Nope'"):
        build_deck(DeckOptions(deck=small_deck, out=tmp_path / "o5", **TINY), log=lambda m: None)
    (small_deck.parent / "slides.slots.toml").write_text('"assets/images/002.png" = "sparkles"\n')
    with pytest.raises(DeckError, match=r"^slides.slots.toml:1: .*unknown scene 'sparkles'"):
        build_deck(DeckOptions(deck=small_deck, out=tmp_path / "o6", **TINY), log=lambda m: None)
    (small_deck.parent / "slides.slots.toml").unlink()
    with pytest.raises(DeckError, match=r"^--slot Nope=forward: no slide titled 'Nope'"):  # the option, when given
        build_deck(DeckOptions(deck=small_deck, out=tmp_path / "o7", slots={"Nope": "forward"}, **TINY),
                   log=lambda m: None)


@pytest.fixture(scope="module")
def course_lecture(tmp_path_factory):
    """The course deck (a copy, with the README's mapping and stand-ins for the five
    pictures the lecturer supplies) built at low quality, beat by beat, with its PDF (its
    videos at 5 frames a second: their size, beats and posters are low quality's)."""
    from PIL import Image

    if not COURSE.is_file():
        pytest.skip("the course deck is in ../shared/deck (not in this checkout)")
    root = tmp_path_factory.mktemp("course")
    deck = root / "deck" / "slides.md"
    deck.parent.mkdir()
    shutil.copyfile(COURSE, deck)
    (deck.parent / "slides.slots.toml").write_text(COURSE_SLOTS)
    for name in LEFT_TO_SUPPLY:
        (deck.parent / name).parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (900, 500), "#dde6f0").save(deck.parent / name)
    out = root / "lecture"
    report = build_deck(DeckOptions(deck=deck, out=out, quality="low", fps=5, jobs=2, table=True, pdf=True, steps=True),
                        log=lambda m: None)
    return report, out


@pytest.mark.slow
def test_the_course_deck(course_lecture):
    report, out = course_lecture
    assert set(report.rendered) >= {"assets/videos/DiffusionProcess.mp4", "assets/images/forward_process.png",
                                    "assets/images/reverse_process.png", "assets/images/ddpm_paper_nice_property.png",
                                    "assets/training.mp4", "assets/videos/DigitsGeneration.mp4",
                                    "assets/images/001.png", "assets/images/006.PNG", "assets/images/007.PNG",
                                    "image.png", "assets/images/002.png", "assets/images/005.png",
                                    "assets/images/004.png"}
    assert report.missing == [] and sorted(report.supplied) == list(LEFT_TO_SUPPLY)
    text = (out / "slides.md").read_text(encoding="utf-8")
    assert '<source src="./assets/training.beat1.mp4"' in text and "<!-- <video" not in text  # the slot, live
    # slide 21 (forward), 23 (training) and 24 (the placeholder, now generated digits): one slide per beat
    assert "DiffusionProcess.mp4" not in text and 'src="assets/videos/DiffusionProcess.beat4.mp4"' in text
    assert 'src="assets/videos/DigitsGeneration.beat3.mp4"' in text and 'src="./assets/training.beat3.mp4"' in text
    assert [n for n in report.notes if "one slide each" in n] == [
        "slide 21 'Forward Process': 4 beats of forward, one slide each",
        "slide 23 'Training Process Visualization': 3 beats of digits-training, one slide each",
        "slide 24 'Results: Image Generation': 3 beats of digits-reverse, one slide each"]
    assert "| DDPM (1000 pasos) |" in text and "| Dígitos reales (entrenamiento) |" in text  # the deck is Spanish
    assert sum("alpha_bar_t is meant" in w for w in report.warnings) == 2


def _needs(tool: str) -> bool:
    return shutil.which(tool) is None


def _browser_check_available() -> bool:
    try:
        import playwright  # noqa: F401
    except ImportError:
        return False
    return MARP.exists() and not _needs("chromium") and not _needs("pdfinfo")


BROWSER = pytest.mark.skipif(not _browser_check_available(), reason="needs Marp CLI, Chromium, Playwright and "
                             "poppler-utils (./run.sh deck-setup, ./run.sh browser; CI has them)")


@pytest.mark.slow
@BROWSER
def test_no_slide_of_the_course_deck_overflows_in_chromium(course_lecture, tmp_path):
    """Every slide of the built course deck (27, and one more per beat after the first of
    each of our three videos: 34) laid out by Chromium at 1280x720: nothing outside the
    slide, nothing over a title, every image and video loads, every beat's clip plays from
    its first frame when its slide is shown, with its captions; one 16:9 PDF page per slide."""
    from lecture import check_deck

    report, out = course_lecture
    result = check_deck(report.html, report.pdf, shots=tmp_path)
    assert result.slides == 27 + 3 + 2 + 2 and result.pdf_pages == result.slides
    assert result.faults == [], "\n".join(map(str, result.faults))  # readability and safe area of ours included
    assert len(result.shots) == result.slides
    # Fit's layout of every slide at once is the layout of each slide shown in turn (but what plays)
    from lecture.browser import layout_slides

    at_once = dict(layout_slides(report.html))
    assert sorted(at_once) == sorted(result.measured)
    for n, shown in result.measured.items():
        assert {k: v for k, v in at_once[n].items() if k != "videos"} == \
            {k: v for k, v in shown.items() if k != "videos"}, n
    # every picture of ours was checked: the build recorded its smallest and faintest text
    import json

    state = json.loads((out / ".deck-state.json").read_text(encoding="utf-8"))
    for rel in ("assets/images/004.png", "assets/videos/DigitsGeneration.mp4", "assets/images/001.png"):
        assert state[rel]["text"]["contrast"] >= 4.5 and state[rel]["text"]["em_px"] > 0, rel
    # what crosses the safe area is the lecturer's (their text): notes, not faults; our forward video, which their
    # width="90%" took into the padding, was fitted as built (issue 41), and the build says so
    assert any('DiffusionProcess' in n and "fitted to the layout of theme default" in n for n in report.notes), \
        report.notes
    assert not any('DiffusionProcess' in n for n in result.notes), result.notes


@BROWSER
def test_the_check_reports_an_overflowing_slide(tmp_path, monkeypatch):
    from PIL import Image

    from lecture import build_html, check_deck

    (tmp_path / "tall.png").parent.mkdir(exist_ok=True)
    Image.new("RGB", (900, 1600), "#234876").save(tmp_path / "tall.png")
    slides = tmp_path / "slides.md"
    slides.write_text("---\nmarp: true\n---\n\n# Fits\n\nA line.\n\n---\n\n# Too tall\n\n![width:500px](tall.png)\n\n"
                      "![](missing.png)\n", encoding="utf-8")
    html, note = build_html(slides)
    assert html, note
    faults = [str(f) for f in check_deck(html).faults]
    assert any(f.startswith("slide 2 'Too tall':") and "px below the slide (img tall.png)" in f for f in faults), faults
    assert "slide 2 'Too tall': img missing.png did not load" in faults
    assert not any(f.startswith("slide 1") for f in faults)
    result = CliRunner().invoke(cli.cli, ["check-deck", str(tmp_path)])
    assert result.exit_code == 1 and "slide 2 'Too tall'" in result.output
    # a screenshot without --sheet goes into the checked folder, never the current one; a slide the deck lacks: none
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = CliRunner().invoke(cli.cli, ["check-deck", str(tmp_path), "--shot", "2", "--shot", "9"])
    assert result.exit_code == 2 and "slide 9: the deck has 2" in result.output and not list(tmp_path.glob("deck_*"))
    result = CliRunner().invoke(cli.cli, ["check-deck", str(tmp_path), "--shot", "2"])
    assert f"slide 2: {tmp_path / 'deck_slide_02.png'}" in result.output and (tmp_path / "deck_slide_02.png").is_file()
    assert list(elsewhere.iterdir()) == []


def test_the_check_without_chromium_says_how(tmp_path, monkeypatch):
    import lecture.browser

    (tmp_path / "slides.html").write_text("<html></html>")
    monkeypatch.setattr(lecture.browser, "find_browser", lambda: None)
    result = CliRunner().invoke(cli.cli, ["check-deck", str(tmp_path)])
    assert result.exit_code == 1 and "./run.sh browser" in result.output and len(result.output.splitlines()) == 1


@pytest.mark.slow
@pytest.mark.skipif(not MARP.exists() or _needs("chromium") or _needs("pdftoppm"),
                    reason="needs Marp CLI, Chromium and pdftoppm (./run.sh deck-setup, ./run.sh browser; CI has them)")
def test_the_pdf_shows_each_video_poster(tmp_path):
    """Two of our videos in a deck: in the PDF their slides show the poster (the
    scene's still), not an empty black or white box."""
    import subprocess

    import numpy as np
    from PIL import Image

    deck = tmp_path / "in" / "slides.md"
    deck.parent.mkdir()
    deck.write_text("---\nmarp: true\n---\n\n# A\n\n<video controls width=\"80%\">\n"
                    "  <source src=\"assets/videos/NoiseSchedules.mp4\" type=\"video/mp4\">\n</video>\n\n---\n\n"
                    "# B\n\n<video controls width=\"80%\">\n  <source src=\"assets/training.mp4\" type=\"video/mp4\">\n"
                    "</video>\n", encoding="utf-8")
    out = tmp_path / "out"
    report = build_deck(DeckOptions(deck=deck, out=out, jobs=2, pdf=True, **TINY), log=lambda m: None)
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
    deck = ('<video poster="assets/a.png" controls width="80%">\n  <source src="assets/A.mp4">\n</video>\n\n'
            '<VIDEO controls>\n  <source src="theirs.mp4">\n</VIDEO>\n\n'
            '<!-- <video poster="b.png" controls><source src="B.mp4"></video> -->\n\n'
            '<!-- a note: <video poster="c.png" controls><source src="C.mp4"></video> stays -->\n\n# Título ¿sí?\n')
    out = print_copy(deck)
    assert out.splitlines()[0] == '<img src="assets/a.png" width="80%" alt="">'
    assert '<VIDEO controls>\n  <source src="theirs.mp4">\n</VIDEO>' in out  # no poster: left alone
    assert '<!-- <img src="b.png" alt=""> -->' in out
    assert '<!-- a note: <video poster="c.png" controls><source src="C.mp4"></video> stays -->' in out
    assert out.endswith("# Título ¿sí?\n")


def test_without_chromium_the_pdf_says_how(small_deck, tmp_path, monkeypatch, fake_renders):
    import lecture.marp
    import lecture.outputs
    import lecture.renders
    import lecture.rewrite

    monkeypatch.setattr(lecture.marp, "find_browser", lambda: None)
    monkeypatch.setattr(lecture.marp, "MARP", tmp_path / "marp")  # present, so the browser is what is missing
    (tmp_path / "marp").write_text("")
    report = build_deck(DeckOptions(deck=small_deck, out=tmp_path / "o", pdf=True, **TINY), log=lambda m: None)
    assert report.pdf is None and "./run.sh browser" in report.pdf_note
    assert (tmp_path / "o" / "slides.md").is_file()


def test_render_all_renders_only_what_is_missing_or_out_of_date(tmp_path, monkeypatch):
    import scenes.rendering.cache
    from scenes.registry import SCENES

    made = []
    monkeypatch.setattr(scenes.rendering.cache, "render_many", fake_render_many(made))
    runner = CliRunner()
    args = ["render", "all", "--format", "png", "-q", "low", "--out", str(tmp_path), "--jobs", "2"]
    assert runner.invoke(cli.cli, args).exit_code == 0 and sorted(k for k, _, _ in made) == sorted(SCENES)
    made.clear()
    result = runner.invoke(cli.cli, args)
    assert result.exit_code == 0 and made == [] and result.output.count("up to date") == len(SCENES)
    # a file damaged by hand (same size or not) is made again
    (tmp_path / SCENES["schedule"].output_name("png", "es")).write_bytes(b"truncated")
    result = runner.invoke(cli.cli, args)
    assert result.exit_code == 0 and [k for k, _, _ in made] == ["schedule"]
    made.clear()
    result = runner.invoke(cli.cli, [*args[:-2], "--jobs", "1", "--lang", "en"])  # another setting: all again
    assert result.exit_code == 0 and sorted(k for k, _, _ in made) == sorted(SCENES)


def test_render_all_beats_are_part_of_the_key(tmp_path, monkeypatch):
    import scenes.rendering.cache

    made = []
    monkeypatch.setattr(scenes.rendering.cache, "render_many", fake_render_many(made))
    runner = CliRunner()
    args = ["render", "schedule", "-q", "low", "--out", str(tmp_path)]
    assert runner.invoke(cli.cli, ["render", "all", *args[2:]]).exit_code == 0
    made.clear()
    result = runner.invoke(cli.cli, ["render", "all", *args[2:], "--beats"])
    assert result.exit_code == 0 and len(made) > 0  # the plain videos have no beats: made again
    result = runner.invoke(cli.cli, ["render", "schedule", "--format", "png", "--beats", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "beats are cut from a video" in result.output


def test_with_the_readmes_mapping_one_picture_is_left_to_supply(tmp_path):
    """The course deck with the mapping lines of docs/lecture.md: every picture but the
    GAN photographs (003.jpg) is drawn by a scene, each by the one the line names."""
    import tomllib

    from lecture import plan_deck

    if not COURSE.is_file():
        pytest.skip("the course deck is in ../shared/deck (not in this checkout)")
    mapping = tomllib.loads(COURSE_SLOTS)
    docs = (Path(__file__).resolve().parents[1] / "docs" / "lecture.md").read_text(encoding="utf-8")
    assert all(f'"{path}" = "{key}"' in docs for path, key in mapping.items())  # the lines the docs give
    opts = DeckOptions(deck=tmp_path / "deck" / "slides.md", out=tmp_path / "out", **TINY)
    plan = plan_deck(parse_deck(COURSE.read_text(encoding="utf-8"), opts.deck), opts, mapping)
    assert plan.report.missing == list(LEFT_TO_SUPPLY)
    assert {path: plan.assets[path].key for path in mapping} == mapping


def test_the_plan_is_a_pure_function_of_the_deck_and_the_options(tmp_path):
    """plan_deck reads no file and renders nothing: the same deck text and options give
    the same plan, whatever lies on disk; what lies beside the deck comes in as a look-up."""
    from lecture import plan_deck

    deck = tmp_path / "nowhere" / "slides.md"  # never created
    source = parse_deck(SMALL_DECK, deck)
    opts = DeckOptions(deck=deck, out=tmp_path / "out", **TINY)
    plan = plan_deck(source, opts, {})
    assert {p: (a.key, a.fmt) for p, a in plan.assets.items()} == {
        "assets/images/noise_schedules.png": ("schedule", "figure"),  # an image slot: the figure
        "assets/training.mp4": ("training", "mp4"),  # the commented slot, ours by its name
        "assets/training_process.png": ("training", "png"),  # its poster: the whole last frame
        "assets/videos/DigitsGeneration.mp4": ("digits-reverse", "mp4"),  # the placeholder, filled
        "assets/videos/generated_digits.png": ("digits-reverse", "png"),
    }
    assert plan.report.missing == ["assets/images/001.png", "assets/images/002.png"] and plan.supplied == []
    assert sorted(plan.posters.values()) == ["./assets/training_process.png", "assets/videos/generated_digits.png"]
    assert 'src="assets/videos/DigitsGeneration.mp4"' in plan.deck.text and SMALL_DECK != plan.deck.text
    assert not (tmp_path / "out").exists() and not deck.parent.exists()  # nothing written, nothing read
    again = plan_deck(source, opts, {})
    assert (again.assets, again.posters, again.report.notes) == (plan.assets, plan.posters, plan.report.notes)
    # the lecturer's picture beside the deck, given by the look-up, wins over ours
    beside = plan_deck(source, opts, {}, beside=lambda rel: rel in ("assets/images/001.png",
                                                                     "assets/images/noise_schedules.png"))
    assert beside.supplied == ["assets/images/noise_schedules.png", "assets/images/001.png"]
    assert "assets/images/noise_schedules.png" not in beside.assets
    # a mapping points a picture at a scene; one that names no slide is refused before anything
    mapped = plan_deck(source, opts, {"assets/images/002.png": "graphical-model"})
    assert mapped.assets["assets/images/002.png"].key == "graphical-model"
    with pytest.raises(DeckError, match="no slide titled 'Nope'"):
        plan_deck(source, opts, {"Nope": "forward"})


@pytest.mark.skipif(_needs("pdfinfo"), reason="needs poppler-utils (./run.sh browser; CI has it)")
def test_pdf_pages_are_checked_against_the_decks_own_size(tmp_path):
    from PIL import Image

    from lecture.check import check_pdf

    pdf = tmp_path / "slides.pdf"
    Image.new("RGB", (960, 720), "white").save(pdf, resolution=72)  # one 4:3 page of 960x720 pt
    assert check_pdf(pdf, 1, (960, 720)) == (1, [])
    pages, faults = check_pdf(pdf, 1)  # a 16:9 deck's check
    assert pages == 1 and "page 1 is 960x720 pt, not the slides' 16:9" in str(faults[0])


@BROWSER
def test_a_4_3_deck_passes_its_pdf_check(tmp_path):
    """`size: 4:3` in the front matter: the check reads the deck's own size and the PDF's
    4:3 pages are right (they were refused as 'not the slides' 16:9')."""
    from lecture import build_html, build_pdf, check_deck

    slides = tmp_path / "slides.md"
    slides.write_text("---\nmarp: true\nsize: 4:3\n---\n\n# Uno\n\nTexto.\n\n---\n\n# Dos\n\n¿Preguntas?\n",
                      encoding="utf-8")
    html, note = build_html(slides)
    pdf, pdf_note = build_pdf(slides)
    assert html and pdf, (note, pdf_note)
    result = check_deck(html, pdf)
    assert result.size == (960, 720) and result.slides == 2 and result.pdf_pages == 2
    assert result.faults == [], "\n".join(map(str, result.faults))


def test_the_decks_own_language_is_the_default_and_a_different_lang_is_said(small_deck, tmp_path, fake_renders):
    """`lang: en` in the front matter builds English videos without --lang; --lang es over
    it builds Spanish, saying so in one note (it was Spanish, with no word)."""
    small_deck.write_text(SMALL_DECK.replace("marp: true\n", "marp: true\nlang: en\n"), encoding="utf-8")
    report = build_deck(DeckOptions(deck=small_deck, out=tmp_path / "o", **TINY), log=lambda m: None)
    assert fake_renders and {lang for _, _, lang in fake_renders} == {"en"}
    assert not any("the deck says lang" in n for n in report.notes)
    fake_renders.clear()
    report = build_deck(DeckOptions(deck=small_deck, out=tmp_path / "o2", lang="es", **TINY), log=lambda m: None)
    assert {lang for _, _, lang in fake_renders} == {"es"}
    assert report.notes[0] == ("the deck says lang: en; built in es as --lang asks (videos, captions and notes in "
                               "that language)")
    small_deck.write_text(SMALL_DECK.replace("marp: true\n", "marp: true\nlang: fr\n"), encoding="utf-8")
    fake_renders.clear()
    build_deck(DeckOptions(deck=small_deck, out=tmp_path / "o3", **TINY), log=lambda m: None)
    assert {lang for _, _, lang in fake_renders} == {"es"}  # a language we have no words in: the first of ours


def test_a_video_named_with_backslashes_gets_its_poster_where_it_was_written(tmp_path, fake_renders):
    """<video src="assets\\videos\\DiffusionProcess.mp4">: a browser reads the backslashes as
    slashes, the video is ours, and its poster's URL names the file written beside it
    (it named a file that was never written, and the slide showed an empty frame)."""
    deck = tmp_path / "in" / "slides.md"
    deck.parent.mkdir()
    deck.write_text('---\nmarp: true\n---\n\n# V\n\n<video controls src="assets\\videos\\DiffusionProcess.mp4"></video>\n',
                    encoding="utf-8")
    out = tmp_path / "out"
    build_deck(DeckOptions(deck=deck, out=out, **TINY), log=lambda m: None)
    text = (out / "slides.md").read_text(encoding="utf-8")
    assert 'poster="assets/videos/forward_process.png"' in text
    assert (out / "assets" / "videos" / "forward_process.png").is_file()


@BROWSER
def test_the_check_fails_a_video_whose_poster_does_not_load(tmp_path):
    from lecture import build_html, check_deck

    slides = tmp_path / "slides.md"
    slides.write_text('---\nmarp: true\n---\n\n# V\n\n<video controls poster="nowhere.png" src="nowhere.mp4"></video>\n',
                      encoding="utf-8")
    html, note = build_html(slides)
    assert html, note
    faults = [str(f) for f in check_deck(html).faults]
    assert any("video nowhere.mp4: its poster nowhere.png did not load" in f for f in faults), faults


def test_the_measured_table_belongs_to_the_shipped_model(small_deck, tmp_path, fake_renders, monkeypatch):
    """The comparison records the digest of the checkpoint it was measured on and one n
    for every row; --table uses it only for that model, and otherwise says in one
    warning that it is stale and how to remake it, leaving the deck's own table in place."""
    import json

    import lecture.outputs
    import lecture.renders
    import lecture.rewrite
    from diffusion_core import mnist_checkpoint_path, read_record
    from diffusion_core.io import file_digest

    record = read_record(lecture.rewrite.COMPARISON)
    assert record["checkpoint_sha256"] == file_digest(mnist_checkpoint_path())
    assert {r["n"] for r in record["rows"]} == {record["n"]} and record["n"] >= 500
    assert lecture.rewrite.stale_comparison() == ""
    report = build_deck(DeckOptions(deck=small_deck, out=tmp_path / "fresh", table=True, **TINY), log=lambda m: None)
    out = (tmp_path / "fresh" / "slides.md").read_text(encoding="utf-8")
    assert "| Dígitos reales (entrenamiento) |" in out and "| DDPM | 3.21 | 24h |" not in out
    assert "muestras por fila" in out and "Tabla medida por este proyecto con: python benchmarks/" in out
    stale = tmp_path / "comparison.json"
    stale.write_text(json.dumps({**record, "checkpoint_sha256": "0" * 64}), encoding="utf-8")
    monkeypatch.setattr(lecture.rewrite, "COMPARISON", stale)
    monkeypatch.setattr(lecture.rewrite, "REPO", tmp_path)
    report = build_deck(DeckOptions(deck=small_deck, out=tmp_path / "o", table=True, **TINY), log=lambda m: None)
    out = (tmp_path / "o" / "slides.md").read_text(encoding="utf-8")
    assert "| DDPM | 3.21 | 24h |" in out and "Dígitos reales" not in out
    warning = next(w for w in report.warnings if "--table" in w)
    assert "comparison.json is stale: measured on checkpoint 000000000000, the shipped model is" in warning
    assert "python benchmarks/mnist_table.py" in warning
    stale.unlink()  # no record at all
    report = build_deck(DeckOptions(deck=small_deck, out=tmp_path / "o2", table=True, **TINY), log=lambda m: None)
    assert any("no comparison record" in w for w in report.warnings)


def test_a_deck_about_images_gets_the_digits_training_scene(tmp_path):
    """The training slot of a deck about images shows the MNIST UNet learning, not the toy."""
    from lecture import plan_deck

    deck = tmp_path / "nowhere" / "slides.md"
    text = SMALL_DECK.replace("# Training\n", "# Training\n\nUn modelo que genera imágenes de dígitos (MNIST).\n")
    plan = plan_deck(parse_deck(text, deck), DeckOptions(deck=deck, out=tmp_path / "out", **TINY), {})
    assert (plan.assets["assets/training.mp4"].key, plan.assets["assets/training.mp4"].fmt) == ("digits-training", "mp4")
    assert plan.assets["assets/digits_training.png"].key == "digits-training"  # its poster
    assert any("the deck is about images, so the digits-training scene" in n and
               "--slot assets/training.mp4=training" in n for n in plan.report.notes)
    kept = plan_deck(parse_deck(text, deck), DeckOptions(deck=deck, out=tmp_path / "out", **TINY),
                     {"assets/training.mp4": "training"})  # the lecturer's choice wins
    assert kept.assets["assets/training.mp4"].key == "training"


@pytest.mark.parametrize("front, background, note", [
    ("theme: default", "#FFFFFF", ""),
    ("theme: gaia", "#FFF8E1", ""),
    ("theme: uncover", "#FDFCFF", ""),
    ("theme: gaia\nclass: invert", "#FFFFFF", "theme gaia with class invert (dark slides)"),
    ("theme: uncover\nclass: lead invert", "#FFFFFF", "class invert"),
    ("theme: mine", "#FFFFFF", "theme mine is not one of Marp's built-in ones"),
    ("theme: gaia\nstyle: |\n  section {\n    background: #fafafa;\n  }", "#FAFAFA", ""),
    ("theme: gaia\nstyle: |\n  section {\n    background-color: #ffffff;\n  }", "#FFF8E1", ""),  # under gaia's gradient
    ("theme: uncover\nstyle: |\n  section {\n    background-color: #fafafa;\n  }", "#FAFAFA", ""),
    ("style: |\n  section { background: #222; }", "#FFFFFF", "a dark background (#222222)"),
])
def test_our_pictures_take_the_decks_background(tmp_path, front, background, note):
    """The theme's slides' background (or the deck's own style's), light only: a dark
    slide gets our pictures as white cards, and the report says so."""
    from lecture import plan_deck
    from lecture.plan import deck_background, resolve

    text = SMALL_DECK.replace("marp: true\n", f"marp: true\n{front}\n", 1)
    got, said = deck_background(parse_deck(text))
    assert got == background and (note in said if note else said == "")
    deck = tmp_path / "nowhere" / "slides.md"
    opts = DeckOptions(deck=deck, out=tmp_path / "out", **TINY)
    assert resolve(opts, parse_deck(text, deck))[0].background == background  # what the renders are given
    plan = plan_deck(parse_deck(text, deck), opts, {})
    assert not note or any(note in n for n in plan.report.notes)


def test_a_themed_deck_renders_its_pictures_on_its_background(tmp_path, monkeypatch):
    """gaia: every render job of the deck carries the cream background, so a theme
    change renders again (the assets' keys hold it); a white deck's jobs carry none."""
    import lecture.outputs
    import lecture.renders
    import lecture.rewrite

    jobs = []
    render = fake_render_many()
    monkeypatch.setattr(lecture.renders, "render_many",
                        lambda js, n, on_done=None, on_progress=None, workers=None: (jobs.extend(js), render(js, n, on_done))[1])
    monkeypatch.setattr(lecture.outputs, "build_html", lambda slides: (None, "no HTML (test)"))
    deck = tmp_path / "deck" / "slides.md"
    deck.parent.mkdir()
    deck.write_text(SMALL_DECK)
    build_deck(DeckOptions(deck=deck, out=tmp_path / "o", **TINY), log=lambda *a: None)
    assert jobs and all("background" not in dict(job.settings) for job in jobs)
    jobs.clear()
    deck.write_text(SMALL_DECK.replace("marp: true\n", "marp: true\ntheme: gaia\n", 1))
    build_deck(DeckOptions(deck=deck, out=tmp_path / "o", **TINY), log=lambda *a: None)
    assert len(jobs) >= 3 and all(dict(job.settings).get("background") == "#FFF8E1" for job in jobs)


def test_a_render_inside_the_deck_says_how_far_it_is(tmp_path, monkeypatch):
    """One line when a render starts, then its frames at least every 10 s (here: every
    tick), and from the second render on the share done and the time left."""
    import lecture.outputs
    import lecture.renders
    import lecture.rewrite
    import scenes.rendering.workers as workers

    monkeypatch.setenv("DIFFUSION_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(workers, "TICK_S", 0.0)
    monkeypatch.setattr(lecture.renders, "PROGRESS_LINE_S", 2.0)  # every tick
    deck = tmp_path / "in" / "slides.md"
    deck.parent.mkdir()
    deck.write_text('---\nmarp: true\n---\n\n# Proceso\n\n<video controls src="assets/videos/DiffusionProcess.mp4">'
                    '</video>\n', encoding="utf-8")
    lines: list[str] = []
    build_deck(DeckOptions(deck=deck, out=tmp_path / "a", **TINY), log=lines.append)
    assert "  rendering  forward (mp4, es)" in lines
    assert any(re.fullmatch(r"  rendering  forward \(mp4, es\): \d+ frames in \d+ s \(.* a second\)", ln) for ln in lines)
    lines.clear()
    build_deck(DeckOptions(deck=deck, out=tmp_path / "b", **TINY), log=lines.append)
    assert any(re.fullmatch(r"  rendering  forward \(mp4, es\): \d+ of about \d+ frames \(\d+%\), about \d+ s left", ln)
               for ln in lines), lines


def test_check_deck_says_which_slide_it_is_on(tmp_path, monkeypatch):
    import shutil

    import lecture.check
    from lecture.marp import MARP

    if not (MARP.exists() and shutil.which("chromium")):
        pytest.skip("needs Marp CLI and Chromium")
    monkeypatch.setattr(lecture.check, "CHECK_PROGRESS_S", 0.0)
    deck = tmp_path / "in" / "slides.md"
    deck.parent.mkdir()
    deck.write_text("---\nmarp: true\n---\n\n" + "\n---\n\n".join(f"# Diapositiva {i}" for i in range(1, 4)),
                    encoding="utf-8")
    report = build_deck(DeckOptions(deck=deck, out=tmp_path / "out", **TINY), log=lambda m: None)
    lines: list[str] = []
    lecture.check.check_deck(report.html, log=lines.append)
    assert lines == ["checking 3 slides in Chromium", "  checking slide 1 of 3", "  checking slide 2 of 3",
                     "  checking slide 3 of 3"]
