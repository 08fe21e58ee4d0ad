"""The look: a light theme (the deck's slides are white, its headings #234876), the
font, and the right edge that text and formulas must not cross."""

from __future__ import annotations

from manim import LEFT, DecimalNumber, Integer, MathTex, Tex, Text, config

from scenes.registry import THEME_BACKGROUNDS

__all__ = ["BACKGROUND", "THEME_BACKGROUNDS", "INK", "ACCENT", "MUTED", "CLOUD", "GHOST", "HIGHLIGHTS", "FONT", "RIGHT_EDGE",
           "apply_theme", "fit_right"]

BACKGROUND = "#FFFFFF"
INK = "#1B2430"
ACCENT = "#234876"
MUTED = "#7B8794"
CLOUD = "#2A6FDB"
GHOST = "#E8871E"
HIGHLIGHTS = ("#D7263D", "#1B998B", "#F49D37", "#7D3C98", "#2E86AB", "#C0392B")

FONT = "DejaVu Sans"  # fonts-dejavu-core: the same glyphs on every machine

RIGHT_EDGE = 6.9  # scene units: the frame is 14.2 wide, centred on 0; keep a margin


def apply_theme() -> None:
    config.background_color = BACKGROUND
    for cls in (MathTex, Tex, DecimalNumber, Integer):
        cls.set_default(color=INK)
    Text.set_default(color=INK, font=FONT)




def fit_right(mob, edge: float = RIGHT_EDGE):
    """Shrink ``mob`` (keeping its left edge) so that it ends before ``edge``."""
    if mob.get_right()[0] > edge:
        left = mob.get_left()
        mob.scale_to_fit_width(edge - left[0]).move_to(left, aligned_edge=LEFT)
    return mob
