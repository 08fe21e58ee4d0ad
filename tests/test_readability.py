"""Readable from the back of the room: the text record a render writes (its smallest and
faintest text), the colours text is drawn in, and the deck check's faults and notes."""

import pytest
from manim import MathTex, Text, VGroup, tempconfig

from lecture.check import MIN_CONTRAST, MIN_TEXT_PX, _ours, _reading_faults
from scenes.colour import contrast, luminance
from scenes.kit.theme import GHOST, HIGHLIGHTS, MUTED, THEME_BACKGROUNDS, apply_theme, readable
from scenes.registry import SCENES
from scenes.rendering.legibility import text_record


def _rgb(h):
    return [int(h[i:i + 2], 16) / 255 for i in (1, 3, 5)]


def test_contrast_is_wcags():
    assert luminance([1, 1, 1]) == pytest.approx(1) and luminance([0, 0, 0]) == 0
    assert contrast([0, 0, 0], [1, 1, 1]) == pytest.approx(21)
    assert contrast(_rgb("#767676"), [1, 1, 1]) == pytest.approx(4.54, abs=0.01)  # WCAG's lightest AA grey


@pytest.mark.parametrize("colour", [MUTED, GHOST, *HIGHLIGHTS])
def test_every_palette_colour_reads_as_text_on_every_theme(colour):
    shown = readable(colour)
    for bg in THEME_BACKGROUNDS.values():
        assert contrast(_rgb(shown), _rgb(bg)) >= MIN_CONTRAST
    if contrast(_rgb(colour), _rgb("#FFF8E1")) >= 4.6:
        assert shown == colour.upper()  # a colour that reads is left as it is


def test_text_is_drawn_in_its_readable_colour():
    apply_theme()
    assert Text("x", color=MUTED).get_fill_color().to_hex().upper() == readable(MUTED)
    assert MathTex("x", color=HIGHLIGHTS[2]).get_fill_color().to_hex().upper() == readable(HIGHLIGHTS[2])


def test_the_record_names_the_smallest_and_the_faintest_text():
    """em in file pixels: font_size / 72 scene units for text, / 96 for a formula; the
    frame is 8 units over the pixel height."""
    with tempconfig({"pixel_height": 1080, "pixel_width": 1920}):
        # colours set after: Text(color=...) would darken them (once the theme is applied)
        big = Text("grande", font_size=48).set_color("#000000")
        small = Text("pequeño", font_size=18).set_color("#000000").shift([0, 1, 0])
        faint = Text("pálido", font_size=30).set_color("#BBBBBB").shift([0, -2, 0])
        formula = MathTex("x", font_size=40).set_color("#000000").shift([0, 2, 0])
        record = text_record([VGroup(big, small), faint, formula], "#FFFFFF", 14.222, 8.0, 1080)
    assert record["smallest"] == "pequeño" and record["em_px"] == pytest.approx(18 / 72 * 135, rel=1e-3)
    assert record["faintest"] == "pálido" and record["colour"] == "#BBBBBB"
    assert record["contrast"] == pytest.approx(contrast(_rgb("#BBBBBB"), [1, 1, 1]), abs=0.01)
    assert text_record([], "#FFFFFF", 14.222, 8.0, 1080) is None
    off = Text("fuera", font_size=8).shift([30, 0, 0])  # off the frame: not on the slide
    assert text_record([off, big], "#FFFFFF", 14.222, 8.0, 1080)["smallest"] == "grande"


STATE = {"assets/images/fig.png": {"text": {"em_px": 40.0, "smallest": "tiny", "contrast": 3.0, "faintest": "pale",
                                            "colour": "#999999", "background": "#FFFFFF", "pixel_height": 1000}},
         "assets/v.mp4": {"text": {"em_px": 60.0, "smallest": "ok", "contrast": 7.0, "faintest": "ok",
                                   "colour": "#000000", "background": "#FFFFFF", "pixel_height": 1080}}}


def _slide(*items):
    return {"title": "T", "width": 1280, "height": 720, "padding": {"top": 70, "right": 70, "bottom": 70, "left": 70},
            "items": list(items)}


def _item(what, top, bottom, natural=0, sized="", in_title=False):
    return {"what": what, "inTitle": in_title, "top": top, "bottom": bottom, "left": 100, "right": 600,
            "natural": natural, "sized": sized}


def test_a_beat_clip_is_its_videos_and_the_lecturers_pictures_are_not_ours():
    assert _ours("video ./assets/v.beat2.mp4", STATE)[0] == "assets/v.mp4"
    assert _ours("img assets/images/fig.png", STATE)[0] == "assets/images/fig.png"
    assert _ours("img assets/images/theirs.png", STATE) is None and _ours('text "hola"', STATE) is None


def test_small_or_faint_text_of_ours_is_a_fault():
    # a 1000-px-tall figure shown 300 px tall: its 40-px text is 12 px on the slide
    faults, notes = _reading_faults(3, _slide(_item("img assets/images/fig.png", 100, 400, natural=1000)), STATE)
    assert [f.what.split(":")[0] for f in faults] == [f"text of ours 12.0 px tall on the slide (at least {MIN_TEXT_PX} px)",
                                                      "text of ours at contrast 3.00"]
    assert notes == []
    # the same shown 450 px tall: 18 px, still too faint
    faults, _ = _reading_faults(3, _slide(_item("img assets/images/fig.png", 100, 550, natural=1000)), STATE)
    assert len(faults) == 1 and "contrast" in faults[0].what


def test_the_safe_area_faults_ours_and_notes_the_lecturers():
    faults, notes = _reading_faults(5, _slide(_item("video assets/v.mp4", 300, 680, natural=1080),
                                              _item('text "su texto"', 600, 670),
                                              _item("img assets/images/theirs.png", 100, 660)), STATE)
    assert [f.what for f in faults] == ["30 px into the bottom padding, outside the safe area (video assets/v.mp4, ours)"]
    assert len(notes) == 1 and "the lecturer's text \"su texto\" is 20 px into the bottom padding" in notes[0]
    # ours, at the size the lecturer gave it: theirs to change, a note
    faults, notes = _reading_faults(5, _slide(_item("video assets/v.mp4", 300, 680, natural=1080,
                                                    sized='width="90%"')), STATE)
    assert faults == [] and 'at the size the lecturer gave it (width="90%")' in notes[0]
    # inside the safe area, or past the slide's edge (the layout check's fault): nothing here
    faults, notes = _reading_faults(5, _slide(_item("video assets/v.mp4", 300, 640, natural=1080),
                                              _item('text "fuera"', 600, 760)), STATE)
    assert faults == [] and notes == []


def test_a_text_changed_in_place_is_recorded_as_what_it_shows():
    """become copies points only: a counter changed with retext is read as its new string
    and size (the record named 'paso 0' on a frame showing 'paso 5000', at the old size)."""
    from scenes.kit.theme import retext

    with tempconfig({"pixel_height": 1080, "pixel_width": 1920}):
        counter = VGroup(Text("paso 0", font_size=20), Text("0 vistas", font_size=20))
        retext(counter, VGroup(Text("paso 5000", font_size=30), Text("2.560.000 vistas", font_size=16)).arrange())
        assert [t.original_text for t in counter] == ["paso 5000", "2.560.000 vistas"]
        assert [round(t.font_size, 3) for t in counter] == [30, 16]
        record = text_record([counter], "#FFFFFF", 14.222, 8.0, 1080)
    assert record["smallest"] == "2.560.000 vistas" and record["em_px"] == pytest.approx(16 / 72 * 135, rel=1e-3)
    grown = retext(VGroup(Text("a")), VGroup(Text("b"), Text("c", font_size=12)))  # become adds the second
    assert [t.original_text for t in grown] == ["b", "c"] and round(grown[1].font_size, 3) == 12


def test_scenes_change_text_with_retext_not_become():
    """A Text changed with become keeps its first string and size in the text record."""
    import re
    from pathlib import Path

    scenes = Path(__file__).resolve().parents[1] / "scenes"
    bad = [f"{p.name}:{n}" for p in scenes.rglob("*.py") if p.parent.name != "kit"
           for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
           if ".become(" in line and re.search(r"Text\(|MathTex\(|_text\(|distance|label|caption", line)]
    assert not bad, bad


def test_a_text_scale_enlarges_every_text_and_formula_once():
    """A figure drawn for a narrow slide: each Text, MathTex and Tex at the scale times its
    size (Tex's __init__ calls MathTex's: once, not twice), and back at 1 afterwards;
    the setting is a figure's, from 1 to TEXT_SCALE_MAX."""
    from scenes.kit.settings import SettingError
    from scenes.kit.theme import set_text_scale
    from scenes.registry import SCENES, TEXT_SCALE_MAX

    apply_theme()
    try:
        set_text_scale(1.5)
        assert Text("x", font_size=20).font_size == pytest.approx(30)
        assert Text("x").font_size == pytest.approx(72)
        assert MathTex("x_0", font_size=20).font_size == pytest.approx(30)
        from manim import Tex
        assert Tex("a", font_size=20).font_size == pytest.approx(30)
    finally:
        set_text_scale(1.0)
    assert Text("x", font_size=20).font_size == pytest.approx(20)
    forward = SCENES["forward"].load()
    assert forward.with_settings(figure=True, text_scale=TEXT_SCALE_MAX).text_scale == TEXT_SCALE_MAX
    with pytest.raises(SettingError, match="text_scale=2.5 is not valid; valid: 1 to"):
        forward.with_settings(figure=True, text_scale=2.5)
    with pytest.raises(SettingError, match="text_scale is a figure's"):
        forward.with_settings(text_scale=1.2)


@pytest.mark.parametrize("key, lang", [(k, "es") for k, s in SCENES.items() if s.text_scale_max > 1]
                         + [("trilemma", "en")])  # its English verdict ran out of the frame before it was bounded
def test_a_figure_at_the_largest_type_its_home_allows_keeps_every_text_in_the_frame(tmp_path, key, lang):
    """What a home's text_scale_max promises (forward, reverse, flow, generative-model, the
    trilemma): at that type, no text of the figure leaves its frame."""
    from scenes.rendering import RenderJob, render_scene
    from scenes.rendering.legibility import read_text_record

    most = SCENES[key].text_scale_max
    path = render_scene(RenderJob.of(key, {"text_scale": most, "lang": lang}, fmt="figure", out_dir=tmp_path,
                                     resolution=(640, 360), legibility=True, progress=False))
    assert read_text_record(path)["cut"] is None, (key, most, read_text_record(path)["cut"])
