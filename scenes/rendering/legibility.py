"""What a render's last frame asks of its reader: its smallest text and its faintest.

Read from the scene's own mobjects when the render ends (the last frame: a video's
poster, a still, a figure without its headings), never from pixels:

    em_px     -> the smallest text's font size (its em) in the output file's pixels: a
                 Text's em is font_size / 72 scene units (DejaVu Sans: font_size 48 gives
                 a capital 0.486 units tall, 0.729 em), a formula's font_size / 96
                 (Computer Modern: 48 gives 0.340, 0.683 em); the frame is
                 config.frame_height units over config.pixel_height pixels
    contrast  -> the lowest WCAG 2 contrast ratio of a text's colour (its fill, blended
                 over the background at its opacity) against the scene's background:
                 (L1 + 0.05) / (L2 + 0.05), L the relative luminance

The deck check turns em_px into pixels on the slide with the scale the page shows the
picture at, and asks for at least 16 px and 4.5:1 (WCAG 2, 1.4.3).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from diffusion_core import atomic_write
from scenes.colour import contrast, hex_rgb

__all__ = ["text_record", "write_text_record", "read_text_record", "TEXT_RECORD"]

TEXT_RECORD = ".text.json"  # beside a render in the deck builder's staging folder: VIDEO.mp4.text.json
EM_PER_FONT_SIZE = {"text": 1 / 72, "tex": 1 / 96}  # scene units of one em per unit of font_size


def _hex_rgb(colour: str) -> np.ndarray:
    return np.array(hex_rgb(colour))


def _texts(mobjects):
    """Every text and formula among ``mobjects`` (their families walked), with its kind:
    manim's Text and MarkupText keep their ``original_text``, its formulas their
    ``tex_string`` (known by these, so that this module never imports manim)."""
    seen = set()
    for top in mobjects:
        for mob in top.get_family():
            if id(mob) in seen:
                continue
            kind = "text" if hasattr(mob, "original_text") else "tex" if hasattr(mob, "tex_string") else None
            if kind and hasattr(mob, "font_size"):
                seen.update(id(m) for m in mob.get_family())
                yield mob, kind


EDGE_SLACK = 0.02  # scene units a text may touch the frame's edge by (its glyphs' side bearings)


def text_record(mobjects, background: str, frame_width: float, frame_height: float, pixel_height: int) -> dict | None:
    """The smallest and the faintest visible text among ``mobjects`` (a scene's, as its
    last frame shows them, on a frame of these units and pixels), and the first text the
    frame's edge cuts (``cut``; None when every text is inside); None when it shows no
    text."""
    bg = _hex_rgb(background)
    half_w, half_h = frame_width / 2, frame_height / 2
    px_per_unit = pixel_height / frame_height
    smallest, faintest, cut = None, None, None
    for mob, kind in _texts(mobjects):
        parts = [m for m in mob.family_members_with_points() if m.get_fill_opacity() > 0.05]
        if not parts or mob.height <= 0:
            continue
        x, y = mob.get_center()[:2]
        if abs(x) > half_w + mob.width / 2 or abs(y) > half_h + mob.height / 2:
            continue  # off the frame
        label = _label(mob)
        if cut is None and (abs(x) + mob.width / 2 > half_w + EDGE_SLACK or abs(y) + mob.height / 2 > half_h + EDGE_SLACK):
            cut = label  # partly past the frame's edge: the picture cuts it
        em = float(mob.font_size) * EM_PER_FONT_SIZE[kind] * px_per_unit
        if smallest is None or em < smallest[0]:
            smallest = (em, label)
        for part in parts:
            alpha = float(part.get_fill_opacity())
            shown = alpha * _hex_rgb(part.get_fill_color().to_hex()) + (1 - alpha) * bg
            ratio = contrast(shown, bg)
            if faintest is None or ratio < faintest[0]:
                faintest = (ratio, label, part.get_fill_color().to_hex().upper())
    if smallest is None:
        return None
    return {"em_px": round(smallest[0], 2), "smallest": smallest[1], "contrast": round(faintest[0], 2),
            "faintest": faintest[1], "colour": faintest[2], "background": background.upper(),
            "pixel_height": pixel_height, "cut": cut}


def _label(mob) -> str:
    text = (getattr(mob, "original_text", None) or getattr(mob, "tex_string", None) or getattr(mob, "text", None)
            or type(mob).__name__)
    text = " ".join(str(text).split())
    return text[:40] + ("…" if len(text) > 40 else "")


def write_text_record(target: Path, record: dict | None) -> Path:
    path = target.with_name(target.name + TEXT_RECORD)
    with atomic_write(path) as tmp:
        Path(tmp).write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    return path


def read_text_record(target: Path) -> dict | None:
    """The record written beside ``target``, or None (none, or unreadable)."""
    try:
        value = json.loads(target.with_name(target.name + TEXT_RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None
