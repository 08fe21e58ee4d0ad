"""A 4:3 deck (Marp's ``size: 4:3``) gets its pictures for a 4:3 slide: a video in a 4:3
frame laid out for it, a figure with larger type; a scene with no such layout is drawn
16:9 and the build says so."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image
from test_fit import _tools  # Marp CLI, Chromium and Playwright

from cli import cli
from lecture.plan import DeckOptions, deck_aspect, resolve
from lecture.renders import _themed
from lecture.rewrite import _comparison_table
from lecture.source import DeckSource, parse_deck
from scenes.kit.settings import SettingError
from scenes.registry import SCENES
from scenes.rendering import RenderJob, render_scene
from scenes.rendering.legibility import read_text_record
from scenes.rendering.render import manim_options


def _deck(front: str) -> DeckSource:
    return parse_deck(f"---\nmarp: true\n{front}---\n\n# A\n")


def test_the_decks_size_gives_the_frame():
    assert deck_aspect(_deck("size: 4:3\n")) == "4:3"
    assert deck_aspect(_deck("")) == "16:9" and deck_aspect(_deck("size: 16:9\n")) == "16:9"
    assert deck_aspect(_deck("size: A4\n")) == "16:9"  # a theme's own size: our 16:9 pictures


def test_a_4_3_frame_keeps_the_height_in_pixels_and_units(tmp_path):
    video = manim_options(RenderJob.of("digits-reverse", {"aspect": "4:3"}, quality="high"), tmp_path)
    assert (video["pixel_width"], video["pixel_height"]) == (1440, 1080)
    assert (video["frame_width"], video["frame_height"]) == (pytest.approx(32 / 3), 8.0)
    low = manim_options(RenderJob.of("digits-reverse", {"aspect": "4:3"}, quality="low"), tmp_path)
    assert (low["pixel_width"], low["pixel_height"]) == (640, 480)
    figure = manim_options(RenderJob.of("forward", {"aspect": "4:3"}, fmt="figure", quality="high"), tmp_path)
    assert (figure["pixel_width"], figure["pixel_height"]) == (3840, 2160) and "frame_width" not in figure
    assert "frame_width" not in manim_options(RenderJob.of("digits-reverse", quality="high"), tmp_path)


def test_a_scene_without_a_4_3_layout_refuses_it_in_one_line():
    with pytest.raises(SettingError, match="Trilemma has no layout for a 4:3 slide; it has one for 16:9"):
        SCENES["trilemma"].load().with_settings(aspect="4:3")
    with pytest.raises(SettingError, match="has no figure for a 4:3 slide"):
        SCENES["digits-reverse"].load().with_settings(aspect="4:3", figure=True)
    result = CliRunner().invoke(cli, ["render", "trilemma", "--aspect", "4:3", "--out", "x"])
    assert result.exit_code == 2 and "trilemma has no layout for a 4:3 slide; scenes with one: " in result.output
    assert "digits-reverse" in result.output


def test_the_deck_asks_a_4_3_layout_only_of_what_has_one():
    four_three, _ = resolve(DeckOptions(deck=Path("d/slides.md"), out=Path("o")), _deck("size: 4:3\n"))
    assert (four_three.aspect, four_three.size, four_three.theme, four_three.lang) == ("4:3", "4:3", "default", "es")
    assert _themed(four_three, "digits-reverse", "mp4") == {"aspect": "4:3"}
    assert _themed(four_three, "forward", "figure") == {"aspect": "4:3"}
    assert _themed(four_three, "forward", "mp4") == {}  # its video has no 4:3 layout: drawn 16:9
    wide, _ = resolve(DeckOptions(deck=Path("d/slides.md"), out=Path("o")), _deck(""))
    assert _themed(wide, "digits-reverse", "mp4") == {}  # the keys as they were


def test_a_4_3_slide_leaves_out_the_kid_column_and_no_slide_shows_the_command():
    wide, narrow = _comparison_table("es"), _comparison_table("es", narrow=True)
    on_slide = [t.split("<!--")[0] for t in (wide, narrow)]  # the presenter notes follow the table
    assert "| KID |" in on_slide[0] and "KID" not in on_slide[1]
    assert all("python" not in t and "sha256" not in t for t in on_slide)
    assert "python benchmarks/mnist_table.py" in wide.split("<!--")[1]  # in the notes, whole


@pytest.mark.parametrize("scene", ["digits-reverse", "digits-training"])
def test_the_videos_with_a_4_3_layout_render_it_with_their_text_in_the_frame(tmp_path, scene):
    job = RenderJob.of(scene, {"aspect": "4:3"}, fmt="png", out_dir=tmp_path, resolution=(480, 360),
                       legibility=True, progress=False)
    path = render_scene(job)
    assert Image.open(path).size == (480, 360)
    record = read_text_record(path)
    assert record["cut"] is None, record["cut"]
    # the type of a half-width column of a 4:3 slide (about 390 px): at least 16 px there
    assert record["em_px"] * 390 / 480 >= 16 if scene == "digits-reverse" else record["em_px"] * 650 / 480 >= 16


# generative-model's 4:3 figure draws its panels' heads larger; its smallest type, D's line, is the same in both
# (its 16:9 heads no longer shrink at the frame's edge): no smaller in 4:3 is what is asked of it
@pytest.mark.parametrize("scene, gain", [("forward", 1.1), ("reverse", 1.1), ("reparam", 1.1), ("gan-diagram", 1.1),
                                         ("generative-model", 1.0)])
def test_a_figure_for_a_4_3_slide_has_larger_type(tmp_path, scene, gain):
    def em(aspect: str) -> float:
        job = RenderJob.of(scene, {"aspect": aspect}, fmt="figure", out_dir=tmp_path / aspect.replace(":", "x"),
                           resolution=(640, 360), legibility=True, progress=False)
        path = render_scene(job)
        assert read_text_record(path)["cut"] is None, (aspect, read_text_record(path)["cut"])
        return read_text_record(path)["em_px"] / Image.open(path).width  # of the figure's width

    assert em("4:3") >= em("16:9") * gain


def test_a_4_3_deck_says_which_of_ours_are_drawn_16_9(tmp_path):
    from lecture.build import DeckOptions, plan_deck

    deck = tmp_path / "slides.md"
    deck.write_text("---\nmarp: true\nsize: 4:3\n---\n\n# R\n\n![w:900](assets/images/forward_process.png)\n\n---\n\n"
                    '# V\n\n<video controls src="assets/videos/DiffusionProcess.mp4"></video>\n', encoding="utf-8")
    source = parse_deck(deck.read_text(encoding="utf-8"), deck)
    opts = DeckOptions(deck=deck, out=tmp_path / "o")
    assert resolve(opts, source)[0].aspect == "4:3"
    plan = plan_deck(source, opts, {})
    assert [n for n in plan.report.notes if "layout" in n] == [
        "size 4:3: forward has no 4:3 layout, so it is drawn 16:9 (a figure gets larger type where the narrower "
        "slide shows it small; the check names any text still too small)"]


@pytest.mark.slow
@pytest.mark.skipif(not _tools(), reason="needs Marp CLI, Chromium and Playwright (./run.sh deck-setup, ./run.sh browser)")
# uncover inverted at 4:3 takes the 4:3 deck's pictures (white, as cards; the same frames): built into the same
# folder after it, it renders only what differs, as a lecturer's second build would
@pytest.mark.parametrize("fronts", [("size: 4:3\n", "theme: uncover\nclass: invert\nsize: 4:3\n"), ("theme: gaia\n",)],
                         ids=["4:3, then uncover inverted at 4:3", "gaia"])
def test_the_course_deck_in_another_size_or_theme_checks_every_slide(tmp_path, fronts):
    """The course deck (with the README's mapping) in 4:3, in gaia, in uncover inverted at
    4:3 (low quality, its videos at 5 frames a second): every slide checked; a slide that does not fit is the lecturer's content, or ours
    fitted to its smallest readable size beside it, never ours at a size we chose."""
    from test_deck import COURSE, COURSE_SLOTS, LEFT_TO_SUPPLY

    from lecture import DeckOptions, build_deck, check_deck

    if not COURSE.is_file():
        pytest.skip("the course deck is in ../shared/deck (not in this checkout)")
    deck = tmp_path / "deck" / "slides.md"
    deck.parent.mkdir()
    (deck.parent / "slides.slots.toml").write_text(COURSE_SLOTS)
    for name in LEFT_TO_SUPPLY:
        (deck.parent / name).parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (900, 500), "#dde6f0").save(deck.parent / name)
    text = COURSE.read_text(encoding="utf-8").replace("theme: default\n", "", 1)
    for front in fronts:
        deck.write_text(text.replace("marp: true\n", "marp: true\n" + front, 1), encoding="utf-8")
        report = build_deck(DeckOptions(deck=deck, out=tmp_path / "out", quality="low", fps=5, jobs=2, table=True),
                            log=lambda *a: None)
        result = check_deck(report.html)
        fitted = {int(n.split(":")[0].split()[1]) for n in report.notes if "fitted to the layout" in n}
        assert result.slides == 27
        for fault in result.faults:
            ours = any(f"{kind} {path})" in fault.what or f"{kind} ./{path})" in fault.what
                       for path in report.rendered + report.up_to_date for kind in ("img", "video"))
            assert not ours or fault.slide in fitted, (front, str(fault))  # ours only where the theme leaves it no room
            assert "text of ours" not in fault.what and "contrast" not in fault.what, (front, str(fault))
        if front == "size: 4:3\n":  # the default theme at 4:3: only the lecturer's slide 3 runs over
            assert [(f.slide, f.what) for f in result.faults] == [(3, f.what) for f in result.faults if f.slide == 3]
