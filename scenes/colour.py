"""Colour arithmetic, with no manim and no numpy: WCAG 2's relative luminance and
contrast ratio, and the light backgrounds our pictures can be drawn on. The drawing kit
(readable text), the render service (the text record) and the registry (the scenes'
``background`` choices) all read it from here; and the palette itself, which the kit
draws with and the twins' pages (lecture/twins.py) draw with too."""

from __future__ import annotations

import re

__all__ = ["luminance", "contrast", "hex_rgb", "LightColours", "LIGHT_COLOURS", "BACKGROUND", "INK", "ACCENT", "MUTED",
           "CLOUD", "GHOST", "HIGHLIGHTS", "FONT"]

BACKGROUND = "#FFFFFF"
INK = "#1B2430"
ACCENT = "#234876"
MUTED = "#7B8794"
CLOUD = "#2A6FDB"
GHOST = "#E8871E"
HIGHLIGHTS = ("#D7263D", "#1B998B", "#F49D37", "#7D3C98", "#2E86AB", "#C0392B")
FONT = "DejaVu Sans"  # fonts-dejavu-core: the same glyphs on every machine


def _channel(c: float) -> float:
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(rgb) -> float:
    """WCAG 2's relative luminance of an (r, g, b) in 0..1."""
    r, g, b = (_channel(float(c)) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    """WCAG 2's contrast ratio of two (r, g, b) colours in 0..1: 1 to 21."""
    la, lb = luminance(a), luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def hex_rgb(colour: str) -> tuple[float, float, float]:
    """'#RRGGBB' (or 'RRGGBB') as (r, g, b) in 0..1."""
    colour = colour.lstrip("#")
    return tuple(int(colour[i:i + 2], 16) / 255 for i in (0, 2, 4))


class LightColours:
    """The backgrounds our pictures can be drawn on: '#RRGGBB' colours light enough for
    their palette (relative luminance at least 0.8; white is 1)."""

    def __contains__(self, value) -> bool:
        if not isinstance(value, str) or not re.fullmatch(r"#[0-9A-Fa-f]{6}", value):
            return False
        return luminance(hex_rgb(value)) >= 0.8

    def __iter__(self):
        yield "a light '#RRGGBB' colour (relative luminance >= 0.8)"


LIGHT_COLOURS = LightColours()
