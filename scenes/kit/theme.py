"""The look: a light theme (the deck's slides are white, its headings #234876), the
font, and the right edge that text and formulas must not cross."""

from __future__ import annotations

import colorsys
from functools import lru_cache

from manim import (
    DEFAULT_FONT_SIZE,
    LEFT,
    DecimalNumber,
    Integer,
    ManimColor,
    MarkupText,
    MathTex,
    Tex,
    Text,
    config,
)

from scenes.colour import ACCENT, BACKGROUND, CLOUD, FONT, GHOST, HIGHLIGHTS, INK, MUTED, contrast
from scenes.registry import THEME_BACKGROUNDS

__all__ = ["BACKGROUND", "THEME_BACKGROUNDS", "INK", "ACCENT", "MUTED", "CLOUD", "GHOST", "HIGHLIGHTS", "FONT", "RIGHT_EDGE",
           "apply_theme", "fit_right", "readable", "retext", "set_text_scale"]

# the palette (BACKGROUND, INK, ACCENT, MUTED, CLOUD, GHOST, HIGHLIGHTS) and FONT: scenes/colour.py

RIGHT_EDGE = 6.9  # scene units: the frame is 14.2 wide, centred on 0; keep a margin


def apply_theme() -> None:
    config.background_color = BACKGROUND
    for cls in (MathTex, Tex, DecimalNumber, Integer):
        cls.set_default(color=INK)
    Text.set_default(color=INK, font=FONT)
    for cls in (Text, MarkupText, MathTex, Tex):
        _readable_text(cls)


# Text is read from the back of a room: its colour keeps at least this contrast against
# the lightest-but-darkest background a deck gives our pictures (gaia's cream, #FFF8E1),
# WCAG 2's 4.5:1 with a margin. The palette stays as it is for clouds and lines; a label
# in a highlight colour is drawn in the same hue, darkened until it reads (readable()).
TEXT_CONTRAST, TEXT_AGAINST = 4.6, "#FFF8E1"


@lru_cache(maxsize=256)
def _readable_hex(colour: str) -> str:
    rgb = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    against = [int(TEXT_AGAINST[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    if contrast(rgb, against) >= TEXT_CONTRAST:
        return colour
    h, light, sat = colorsys.rgb_to_hls(*rgb)
    lo, hi = 0.0, light
    for _ in range(30):  # the lightest lightness of this hue that reads
        mid = (lo + hi) / 2
        if contrast(colorsys.hls_to_rgb(h, mid, sat), against) >= TEXT_CONTRAST:
            lo = mid
        else:
            hi = mid
    return "#" + "".join(f"{round(c * 255):02X}" for c in colorsys.hls_to_rgb(h, lo, sat))


def readable(colour) -> str:
    """``colour`` as text is drawn in it: the same hue, darkened (if need be) to at least
    TEXT_CONTRAST against TEXT_AGAINST."""
    return _readable_hex(ManimColor(colour).to_hex().upper()[:7])


_TYPE = {"scale": 1.0, "depth": 0}  # the scene's text scale; how deep inside a text's own __init__ we are


def set_text_scale(scale: float) -> None:
    """Every text and formula made from now on at ``scale`` times its font size: a figure
    drawn again for a slide that shows it narrow (``LectureScene.text_scale``). A scene
    sets it in its setup, so each render starts from its own."""
    _TYPE["scale"] = float(scale)


def _readable_text(cls) -> None:
    """Every ``cls(..., color=X)`` draws X through readable(), and its font size times the
    text scale (once per text: Tex's __init__ calls MathTex's). Installed once per class;
    manim's set_default has made __init__ a partialmethod, so it is bound, then called."""
    original = cls.__init__
    if getattr(original, "_readable", False):
        return

    def __init__(self, *args, **kwargs):
        if kwargs.get("color") is not None:
            kwargs["color"] = readable(kwargs["color"])
        if _TYPE["scale"] != 1.0 and _TYPE["depth"] == 0:
            kwargs["font_size"] = kwargs.get("font_size", DEFAULT_FONT_SIZE) * _TYPE["scale"]
        _TYPE["depth"] += 1
        try:
            original.__get__(self, type(self))(*args, **kwargs)
        finally:
            _TYPE["depth"] -= 1

    __init__._readable = True
    cls.__init__ = __init__




def fit_right(mob, edge: float | None = None):
    """Shrink ``mob`` (keeping its left edge) so that it ends before ``edge`` (the frame's
    right edge less a margin: RIGHT_EDGE in a 16:9 frame or a wider one, such as the tests'
    854x480, which must draw as before)."""
    edge = min(RIGHT_EDGE, RIGHT_EDGE * config.frame_width / (8 * 16 / 9)) if edge is None else edge  # 4:3: 5.2
    if mob.get_right()[0] > edge:
        left = mob.get_left()
        mob.scale_to_fit_width(edge - left[0]).move_to(left, aligned_edge=LEFT)
    return mob


_SHOWN = ("text", "original_text", "tex_string", "_font_size", "initial_height")  # what a Text's label and size are read from


def _texts_of(mob) -> list:
    return [m for m in mob.get_family() if isinstance(m, (Text, MathTex))]


def retext(mob, new):
    """``mob.become(new)`` for text that changes (a counter, a caption), keeping it known
    what ``mob`` shows: manim's ``become`` copies points and style only, so each Text or
    MathTex in ``mob`` would keep its first string and size (the text record, and the
    deck check's lines, named 'paso 0' and a wrong size on a frame showing 'paso 5000').
    ``new``'s texts are matched to ``mob``'s in order (``become`` gives ``mob`` as many);
    returns ``mob``."""
    mob.become(new)
    for old, now in zip(_texts_of(mob), _texts_of(new)):  # become aligned mob's family to new's
        for attr in _SHOWN:
            if attr in vars(now):
                setattr(old, attr, getattr(now, attr))
    return mob
