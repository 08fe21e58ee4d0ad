"""Digits the shipped UNet generates from noise, as a strip (see scenes/digit_strips.py).

    manim -pqh scenes/digit_strips_reverse.py   (or: python cli.py render digits-reverse-strip)

In a file of its own, so that ``manim scenes/digit_strips.py`` renders one scene
without asking which. Video: DigitStripReverse.mp4. Last frame: digits_reverse_strip.png.
"""

from scenes.digit_strips import DigitStripForward
from scenes.homes import digit_strips_reverse as home


class DigitStripReverse(DigitStripForward):
    HOME = home.HOME  # its key, outputs, beats, aspects and settings' defaults (scenes/homes/digit_strips_reverse.py)
