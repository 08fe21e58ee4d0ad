"""Interactive twins in the deck (deck --interactive): the twin in its video's place, its
poster in the PDF, its notes, and the check that drives its focus and keys."""

from __future__ import annotations

import shutil

import pytest

FORWARD_DECK = """---
marp: true
---

# Forward Process

<video controls width="90%">
  <source src="assets/videos/DiffusionProcess.mp4" type="video/mp4">
</video>

---

# Next

Some text.
"""


def test_a_printed_twin_is_its_videos_poster():
    from lecture.marp import print_copy

    text = ('# A\n\n<iframe src="twins/forward.html?embed" data-twin="forward" data-poster="assets/p.png" '
            'data-width="90%" style="width: 90%"></iframe>\n\n<iframe src="https://example.org"></iframe>\n')
    out = print_copy(text)
    assert '<img src="assets/p.png" width="90%" alt="">' in out and "twins/forward.html" not in out
    assert '<iframe src="https://example.org"></iframe>' in out  # not ours: left as it is


def _marp_and_browser() -> bool:
    from lecture.marp import MARP

    try:
        import playwright  # noqa: F401
    except ImportError:
        return False
    return MARP.exists() and all(shutil.which(t) for t in ("chromium", "pdfinfo"))


@pytest.mark.skipif(not _marp_and_browser(), reason="needs Marp CLI, Chromium, Playwright and poppler-utils "
                    "(./run.sh deck-setup, ./run.sh browser; CI has them)")
def test_deck_interactive_puts_the_twin_on_its_videos_slide_and_the_check_drives_it(tmp_path):
    from lecture import DeckOptions, build_deck, check_deck

    deck = tmp_path / "in" / "slides.md"
    deck.parent.mkdir()
    deck.write_text(FORWARD_DECK, encoding="utf-8")
    out = tmp_path / "out"
    report = build_deck(DeckOptions(deck=deck, out=out, interactive=True, pdf=True, resolution=(256, 144), fps=5,
                                    quality="low"), log=lambda *a: None)
    text = (out / "slides.md").read_text(encoding="utf-8")
    assert '<iframe src="twins/forward.html?embed" data-twin="forward"' in text and "<video" not in text
    assert 'data-poster="assets/videos/forward_process.png"' in text
    assert "Gemelo interactivo" in text and "Arrastra t" in text  # what to try, in the presenter notes
    assert (out / "twins" / "forward.html").is_file() and deck.read_text(encoding="utf-8") == FORWARD_DECK
    assert any("interactive twin (twins/forward.html)" in n for n in report.notes)
    result = check_deck(report.html, report.pdf)
    assert result.faults == [] and result.pdf_pages == 2, "\n".join(map(str, result.faults))
    _drag_the_twins_slider_in_its_slide(report.html)
    (out / "twins" / "forward.html").unlink()  # a twin that does not load (within the check's time) is a fault
    result = check_deck(report.html, timeout_s=3)
    assert [f.what for f in result.faults] == ["the twin forward.html did not load"]
    # with --steps too, the video with a twin becomes the twin, not one slide per beat
    build_deck(DeckOptions(deck=deck, out=tmp_path / "steps", interactive=True, steps=True, resolution=(256, 144), fps=5,
                           quality="low"), log=lambda *a: None)
    text = (tmp_path / "steps" / "slides.md").read_text(encoding="utf-8")
    assert text.count("<iframe") == 1 and ".beat1." not in text and text.count("\n---\n") == 2  # the front matter, one slide break


def _drag_the_twins_slider_in_its_slide(html):
    """In the built deck, on the twin's slide: the mouse drags the twin's t slider (inside
    the iframe, inside Marp's scaled slide), and the twin's readout and picture follow."""
    import re
    import time

    from lecture.browser import chromium_page

    with chromium_page() as page:
        page.goto(html.as_uri() + "#1")
        frame = page.frame_locator("iframe").first
        frame.locator("#readout").wait_for()
        start = time.monotonic()
        while frame.locator("#readout").inner_text() == "" and time.monotonic() - start < 20:
            time.sleep(0.05)
        before = frame.locator("#readout").inner_text()
        shot = frame.locator("canvas").screenshot()
        box = frame.locator("#t").bounding_box()
        y = box["y"] + box["height"] / 2
        page.mouse.move(box["x"] + 4, y)
        page.mouse.down()
        page.mouse.move(box["x"] + 0.5 * box["width"], y, steps=8)
        page.mouse.up()
        after = frame.locator("#readout").inner_text()
        k = int(re.search(r"paso (\d+) de 1000", after).group(1))
        assert before.startswith("t = 0 ·") and 200 < k < 800, (before, after)  # the video's pace: t^1.6
        assert int(frame.locator("#t").input_value()) > 30 and frame.locator("canvas").screenshot() != shot
        assert page.evaluate("location.hash") == "#1"  # the drag moved the twin, not the slides


def _slide(title: str, video: str) -> str:
    return f'# {title}\n\n<video controls width="80%">\n  <source src="assets/videos/{video}.mp4" type="video/mp4">\n</video>\n'


@pytest.mark.slow
@pytest.mark.skipif(not _marp_and_browser(), reason="needs Marp CLI, Chromium, Playwright and poppler-utils "
                    "(./run.sh deck-setup, ./run.sh browser; CI has them)")
def test_every_twin_in_one_deck_loads_and_takes_the_keys_in_english(tmp_path):
    """The four twins (and reverse-ddim's video, the reverse twin again) in one deck, in
    English: each loads, has its keys, and the check passes; one file per twin."""
    from lecture import DeckOptions, build_deck, check_deck

    deck = tmp_path / "in" / "slides.md"
    deck.parent.mkdir()
    slides = [("Forward", "DiffusionProcess"), ("Reverse", "ReverseProcess"), ("DDIM", "ReverseProcessDDIM"),
              ("Guidance", "Guidance"), ("Flow", "FlowMatching")]
    deck.write_text("---\nmarp: true\nlang: en\n---\n\n" + "\n---\n\n".join(_slide(t, v) for t, v in slides),
                    encoding="utf-8")
    out = tmp_path / "out"
    report = build_deck(DeckOptions(deck=deck, out=out, interactive=True, resolution=(256, 144), fps=5, quality="low"),
                        log=lambda *a: None)
    assert sorted(p.name for p in (out / "twins").iterdir()) == ["flow_en.html", "forward_en.html", "guidance_en.html",
                                                                "reverse_en.html"]
    text = (out / "slides.md").read_text(encoding="utf-8")
    assert text.count("<iframe") == 5 and "<video" not in text and "Interactive twin" in text
    result = check_deck(report.html)
    assert result.faults == [] and result.slides == 5, "\n".join(map(str, result.faults))
