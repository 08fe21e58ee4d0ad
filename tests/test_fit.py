"""A deck in another theme or size than the 16:9 default it was laid out in: where a slide
no longer fits and one of our pictures is on it, the build gives that picture the height
that makes the slide fit, never below its readable size, and never resizes the lecturer's."""

from __future__ import annotations

import shutil

import pytest

from lecture.fit import MIN_FIT, _fit_slide, _sized
from lecture.source import parse_deck


def _item(what, top, bottom, left, right, natural=0):
    return {"what": what, "inTitle": False, "top": top, "bottom": bottom, "left": left, "right": right,
            "natural": natural, "sized": ""}


SLIDE = {"title": "T", "width": 1280, "height": 720, "padding": {"top": 35, "right": 70, "bottom": 70, "left": 70},
         "titleBox": {"top": 40, "bottom": 100, "left": 70, "right": 700}}


def test_a_picture_of_ours_too_wide_is_given_the_safe_areas_width():
    m = {**SLIDE, "items": [_item("img a.png", 150, 700, -100, 1380, natural=900)]}
    sizes = _fit_slide(3, m, {"a.png": 60.0})
    assert sizes == {(3, "a.png"): int(550 * (1280 - 140) / 1480)}


def test_too_low_shrinks_ours_by_the_overflow_and_never_the_lecturers():
    m = {**SLIDE, "items": [_item("img a.png", 120, 520, 300, 900, natural=800),
                            _item('text "theirs"', 530, 700, 70, 1200)]}  # 50 px into the bottom padding
    assert _fit_slide(2, m, {"a.png": 60.0}) == {}  # the safe area only: no fault, no change
    m["items"][1]["bottom"] = 760  # 40 px below the slide: 110 px over the safe area
    assert _fit_slide(2, m, {"a.png": 60.0}) == {(2, "a.png"): 400 - 110}
    assert _fit_slide(2, m, {"b.png": 60.0}) == {}  # only the lecturer's on it: theirs, left alone


def test_never_below_readable_text_nor_min_fit():
    m = {**SLIDE, "items": [_item("img a.png", 120, 720, 300, 900, natural=600),
                            _item('text "theirs"', 730, 1100, 70, 1200)]}
    assert _fit_slide(1, m, {"a.png": 24.0}) == {(1, "a.png"): 400}  # 16 px text: 600 * 16 / 24
    assert _fit_slide(1, m, {"a.png": None}) == {(1, "a.png"): int(MIN_FIT * 600)}
    m["items"][0].update(top=120, bottom=520)  # already at its readable size: left as it is
    assert _fit_slide(1, m, {"a.png": 24.0}) == {}


def test_a_picture_held_at_its_readable_size_asks_for_larger_type_only_where_that_lets_the_slide_fit():
    """Ours at its readable floor (16 px text) on a slide 40 px past its bottom edge (110 px
    over its safe area): drawn with type x400/290 it could be 290 px high and the slide fit, so Fit is told (and redraws it); where the
    lecturer's own content leaves no room, larger type would not help, and nothing is asked."""
    m = {**SLIDE, "items": [_item("img a.png", 120, 520, 300, 900, natural=600),
                            _item('text "theirs"', 530, 760, 70, 1200)]}  # the safe area ends at 650
    pinned = {}
    assert _fit_slide(1, m, {"a.png": 24.0}, pinned) == {}  # already at 400 px, its floor
    assert pinned == {"a.png": pytest.approx(400 / 290)}
    m["items"][1]["bottom"] = 1100
    pinned = {}
    _fit_slide(1, m, {"a.png": 24.0}, pinned)
    assert pinned == {}


def test_a_fitted_picture_drawn_again_and_now_under_its_floor_gets_its_floor_back():
    """Fit sized it before; drawn again with larger type it trimmed to a taller image, and its
    text at that height is under 16 px: Fit gives it its floor again (never a picture it did
    not size: the lecturer's width stays)."""
    m = {**SLIDE, "items": [_item("img a.png", 120, 441, 300, 900, natural=680)]}  # 33.21 px em: 15.7 px
    assert _fit_slide(6, m, {"a.png": 33.21}, None, frozenset({(6, "a.png")})) == {(6, "a.png"): 328}
    assert _fit_slide(6, m, {"a.png": 33.21}) == {}


def test_the_fitted_height_goes_into_the_images_alt_text():
    text = "# A\n\n![width:900px](assets/a.png)\n\n![alt text w:200](assets/b.png)\n\n![keep](assets/c.png)\n"
    deck = parse_deck(text)
    edits = [_sized(text, r, {(1, "assets/a.png"): 300, (1, "assets/b.png"): 120}) for r in deck.refs]
    from lecture.edits import apply_edits

    out = apply_edits(text, [e for e in edits if e])
    assert "![height:300px](assets/a.png)" in out and "![alt text height:120px](assets/b.png)" in out
    assert "![keep](assets/c.png)" in out


def test_a_video_of_ours_is_fitted_by_its_height_attribute_and_prints_so():
    from lecture.edits import apply_edits
    from lecture.marp import print_copy

    text = ('# A\n\n<video poster="./p.png" controls width="80%">\n  <source src="./v.mp4" type="video/mp4">\n'
            '</video>\n\n<video controls>\n  <source src="./w.mp4">\n</video>\n')
    m = {**SLIDE, "items": [_item("video ./v.mp4", 150, 786, 128, 976, natural=1080)]}  # 66 px below the slide
    sizes = _fit_slide(1, m, {"./v.mp4": None})
    assert sizes == {(1, "./v.mp4"): 636 - (786 - 650)}
    deck = parse_deck(text)
    out = apply_edits(text, [e for e in (_sized(text, r, sizes, deck.tags) for r in deck.refs) if e])
    assert f'<video poster="./p.png" controls height="{sizes[(1, "./v.mp4")]}">' in out  # the lecturer's 80% dropped
    assert "<video controls>" in out  # not fitted: as it was
    assert f'<img src="./p.png" height="{sizes[(1, "./v.mp4")]}" alt="">' in print_copy(out)


def _tools() -> bool:
    try:
        import playwright  # noqa: F401
    except ImportError:
        return False
    from lecture.marp import MARP

    return MARP.exists() and shutil.which("chromium") is not None


@pytest.mark.slow
@pytest.mark.skipif(not _tools(), reason="needs Marp CLI, Chromium and Playwright (./run.sh deck-setup, ./run.sh browser)")
def test_a_gaia_deck_gets_our_picture_fitted_and_passes_the_check(tmp_path):
    from lecture import DeckOptions, build_deck, check_deck

    deck = tmp_path / "in" / "slides.md"
    deck.parent.mkdir()
    text = ("---\nmarp: true\ntheme: gaia\n---\n\n# Forward\n\nThe chain at five moments:\n\n"
            "![](assets/images/forward_process.png)\n\nAnd a line of the lecturer's.\n")
    deck.write_text(text, encoding="utf-8")
    report = build_deck(DeckOptions(deck=deck, out=tmp_path / "out", resolution=(1280, 720), fps=5, quality="low"),
                        log=lambda *a: None)
    built = (tmp_path / "out" / "slides.md").read_text(encoding="utf-8")
    assert "![height:" in built and deck.read_text(encoding="utf-8") == text
    assert any("fitted to the layout of theme gaia" in n for n in report.notes)
    result = check_deck(report.html)
    assert result.faults == [], "\n".join(map(str, result.faults))


def test_the_check_names_a_fitted_picture_as_fitted_not_as_the_lecturers_size():
    from lecture.check import _reading_faults

    item = {**_item("img a.png", 150, 680, 300, 900, natural=800), "sized": "height:530px"}  # 30 px into the padding
    m = {**SLIDE, "items": [item]}
    faults, notes = _reading_faults(2, m, {"a.png": {"fitted": [2]}})
    assert faults == [] and len(notes) == 1 and "fitted to the deck's theme at its smallest readable size" in notes[0]
    faults, notes = _reading_faults(2, m, {"a.png": {}})
    assert faults == [] and "at the size the lecturer gave it" in notes[0]


FIT_MODES = {  # the deck's body, the options, and which of its slides carry our picture
    "plain": ("# Proceso directo\n\n<video controls src=\"assets/videos/DiffusionProcess.mp4\"></video>\n", {}),
    "steps": ("# Proceso directo\n\n<video controls src=\"assets/videos/DiffusionProcess.mp4\"></video>\n",
              {"steps": True}),
    "mapped": ("# Flujo\n\nLa misma red, con el mismo número de evaluaciones:\n\n![](assets/images/flujo.png)\n",
               {"slots": {"Flujo": "flow"}}),
}


@pytest.mark.slow
@pytest.mark.parametrize("mode", list(FIT_MODES))
def test_our_pictures_fit_as_built_in_every_mode_and_size(tmp_path, mode):
    """Without --check: a plain video of ours at its own size (1280x720, -q medium's), its
    beat slides (--steps), and a picture placed by a slide-title mapping, on a 16:9 and a
    4:3 default deck, are given the height that keeps them inside the safe area; the
    check then finds nothing of ours outside it. The 4:3 deck is built into the 16:9
    one's folder (the same pictures: these scenes have no 4:3 layout), as a lecturer's
    second build would be."""
    from lecture import DeckOptions, build_deck, check_deck

    body, options = FIT_MODES[mode]
    deck = tmp_path / "in" / "slides.md"
    deck.parent.mkdir()
    for size in ("16:9", "4:3"):
        text = f"---\nmarp: true\nsize: {size}\n---\n\n{body}"
        deck.write_text(text, encoding="utf-8")
        report = build_deck(DeckOptions(deck=deck, out=tmp_path / "out", resolution=(1280, 720), fps=2,
                                        quality="medium", **options), log=lambda *a: None)
        assert deck.read_text(encoding="utf-8") == text and report.html is not None
        if (mode, size) != ("mapped", "4:3"):  # (there the figure, trimmed and under its text, fits as it is)
            assert any("fitted to the layout of theme default" in n for n in report.notes), (size, report.notes)
        result = check_deck(report.html)
        assert result.faults == [], size + "\n" + "\n".join(map(str, result.faults))
        # a rerun with nothing changed lays out nothing again and rewrites nothing
        written = {f: (tmp_path / "out" / f).stat().st_mtime_ns for f in ("slides.md", "slides.html")}
        again = build_deck(DeckOptions(deck=deck, out=tmp_path / "out", resolution=(1280, 720), fps=2,
                                       quality="medium", **options), log=lambda *a: None)
        assert again.rendered == [] and written == {f: (tmp_path / "out" / f).stat().st_mtime_ns for f in written}


@pytest.mark.slow
@pytest.mark.skipif(not _tools(), reason="needs Marp CLI, Chromium and Playwright (./run.sh deck-setup, ./run.sh browser)")
def test_a_figure_shown_narrow_is_drawn_again_with_larger_type(tmp_path, monkeypatch):
    """The lecturer's width:500 on a 4:3 slide showed our x_0 at 11.1 px: the build draws
    the figure again with type large enough for 16 px there, in one of the two worker
    processes that rendered the deck's pictures, the width stays as given, a rerun
    renders nothing; where even the largest type cannot reach 16 px, a warning names the
    width that can."""
    import json

    import lecture.browser
    import scenes.rendering.workers
    from lecture import DeckOptions, build_deck, check_deck

    started, here, chromiums = [], [], []  # workers started; renders in this process; Chromiums Fit started
    start, render_here = scenes.rendering.workers._start_worker, scenes.rendering.workers._render_here
    monkeypatch.setattr(scenes.rendering.workers, "_start_worker", lambda threads: started.append(1) or start(threads))
    monkeypatch.setattr(scenes.rendering.workers, "_render_here", lambda *a: here.append(1) or render_here(*a))
    launch = lecture.browser.chromium_browser
    monkeypatch.setattr(lecture.browser, "chromium_browser", lambda: chromiums.append(1) or launch())
    layouts = []
    lay = lecture.browser.layout_slides
    monkeypatch.setattr(lecture.fit, "layout_slides", lambda *a, **k: layouts.append(1) or lay(*a, **k))
    deck = tmp_path / "in" / "slides.md"
    deck.parent.mkdir()
    text = ("---\nmarp: true\nsize: 4:3\n---\n\n# Proceso directo\n\n![width:500](assets/images/forward_process.png)\n"
            "\n---\n\n# Grafo\n\n![](assets/images/graphical_model.png)\n")
    deck.write_text(text, encoding="utf-8")
    opts = dict(deck=deck, out=tmp_path / "out", resolution=(1280, 720), fps=2, quality="medium", jobs=2)
    lines: list[str] = []
    report = build_deck(DeckOptions(**opts), log=lines.append)
    assert any("redrawing  forward (figure): its text 11." in ln for ln in lines), lines
    assert len(started) == 2 and here == []  # the redraw went to a worker kept from the renders
    assert len(layouts) >= 2 and chromiums == [1]  # Fit's layouts before and after the redraw, in one Chromium
    assert "![width:500](assets/images/forward_process.png)" in (tmp_path / "out" / "slides.md").read_text("utf-8")
    assert deck.read_text(encoding="utf-8") == text and report.warnings == []
    state = json.loads((tmp_path / "out" / ".deck-state.json").read_text("utf-8"))
    scale = state["_type"]["forward|figure|es"]
    assert 1.4 <= scale <= 1.5, scale
    result = check_deck(report.html)
    assert result.faults == [], "\n".join(map(str, result.faults))
    again = build_deck(DeckOptions(**opts), log=lambda *a: None)
    assert again.rendered == [] and again.warnings == []
    # 200 px wide: beyond the largest type; the warning names the width that reaches 16 px
    deck.write_text(text.replace("width:500", "width:200"), encoding="utf-8")
    small = build_deck(DeckOptions(**opts), log=lambda *a: None)
    state = json.loads((tmp_path / "out" / ".deck-state.json").read_text("utf-8"))
    assert state["_type"]["forward|figure|es"] == 1.6
    warning, = small.warnings
    width = int(warning.split("shown ")[1].split(" px wide or wider")[0])
    assert "slide 1: our assets/images/forward_process.png is 200 px wide there" in warning and 200 < width < 500, warning


def test_a_kept_text_scale_is_read_as_the_nearest_valid_one():
    from lecture.renders import TYPE_KEY
    from lecture.renders import scale_of as _scale_of
    from scenes.registry import TEXT_SCALE_MAX

    kept = {TYPE_KEY: {"forward|figure|es": 2.0, "flow|figure|es": 1.3, "reverse|figure|es": "big",
                       "gan|figure|es": 0.5, "trilemma|figure|es": True}}
    assert _scale_of(kept, "forward", "figure", "es") == TEXT_SCALE_MAX  # an earlier version's larger largest
    assert _scale_of(kept, "flow", "figure", "es") == 1.3
    assert _scale_of({TYPE_KEY: {"flow|figure|es": 1.5}}, "flow", "figure", "es") == 1.4  # the most its layout holds
    assert [_scale_of(kept, k, "figure", "es") for k in ("reverse", "gan", "trilemma", "score")] == [None] * 4
    assert _scale_of({TYPE_KEY: "?"}, "flow", "figure", "es") is None
    # the GAN's panels: their layout holds no larger type (they overlap at x1.2); the trilemma's table, x1.2
    assert _scale_of({TYPE_KEY: {"trilemma|figure|es": 1.3}}, "trilemma", "figure", "es") == 1.2
    assert _scale_of({TYPE_KEY: {"gan-diagram|figure|es": 1.3}}, "gan-diagram", "figure", "es") is None


def test_a_slide_that_cannot_fit_names_ours_as_at_its_smallest_readable_size():
    """gaia's larger type: the lecturer's text alone fills the slide, and our strip, fitted
    to its readable floor, still ends below it: the fault says it is ours at its floor."""
    from lecture.check import slide_faults

    strip = _item("img assets/images/006.PNG", 700, 764, 300, 900, natural=300)
    m = {**SLIDE, "items": [_item("text Para lograr", 100, 690, 70, 1200), strip], "broken": [], "videos": []}
    fault, = slide_faults(15, m, {"assets/images/006.PNG": {"fitted": [15]}})
    assert fault.what == ("44 px below the slide (img assets/images/006.PNG, ours at its smallest readable size: the "
                          "slide's other content leaves it no room)")
    fault, = slide_faults(15, m, {"assets/images/006.PNG": {}})
    assert fault.what == "44 px below the slide (img assets/images/006.PNG)"
