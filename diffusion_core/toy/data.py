"""2D toy distributions, each a named, seeded generator.

Every dataset is standardised with fixed constants (measured once on a large reference
sample): zero mean per coordinate and unit variance on average over the two
coordinates. One scale is used for both axes, so shapes (and text) are not distorted.
"""

from __future__ import annotations

import functools
import math
import shutil
import subprocess
import textwrap
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont

__all__ = ["DATASETS", "DataConfig", "sample_data", "sample_labelled", "dataset_names", "DEFAULT_TEXT", "MODES",
           "mode_centres", "CLASSES"]

DEFAULT_TEXT = "DDPM"
_REFERENCE_N = 100_000
_REFERENCE_SEED = 12345


def _swiss_roll(n: int, rng: np.random.Generator, text: str) -> np.ndarray:
    t = 1.5 * math.pi * (1 + 2 * rng.random(n))
    x = np.stack([t * np.cos(t), t * np.sin(t)], axis=1)
    return x + 0.3 * rng.standard_normal((n, 2))


# A data set made of components can say which component drew each point (its class,
# for a conditional model): such generators take ``labels`` and then return (x, y).

def _moons(n: int, rng: np.random.Generator, text: str, labels: bool = False):
    n_up = n // 2
    a = math.pi * rng.random(n)
    up = np.stack([np.cos(a), np.sin(a)], axis=1)
    down = np.stack([1 - np.cos(a), 0.5 - np.sin(a)], axis=1)
    x = np.where((np.arange(n) < n_up)[:, None], up, down)
    order = rng.permutation(n)
    x, y = x[order], (np.arange(n) >= n_up).astype(np.int64)[order]  # class 0: the upper moon, 1: the lower
    x = x + 0.06 * rng.standard_normal((n, 2))
    return (x, y) if labels else x


def _eight_gaussians(n: int, rng: np.random.Generator, text: str, labels: bool = False):
    y = rng.integers(0, 8, n)
    angles = 2 * math.pi * y / 8
    centers = 2.0 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    x = centers + 0.1 * rng.standard_normal((n, 2))
    return (x, y) if labels else x


def _twenty_five_gaussians(n: int, rng: np.random.Generator, text: str, labels: bool = False):
    cells = rng.integers(0, 25, n)
    centers = 2.0 * np.stack([cells % 5 - 2, cells // 5 - 2], axis=1).astype(float)
    x = centers + 0.1 * rng.standard_normal((n, 2))
    return (x, cells) if labels else x


# The data sets made of separate Gaussian modes: their centres and common std (raw units).
MODES: dict[str, tuple[np.ndarray, float]] = {
    "8gaussians": (2.0 * np.stack([np.cos(2 * math.pi * np.arange(8) / 8), np.sin(2 * math.pi * np.arange(8) / 8)],
                                  axis=1), 0.1),
    "25gaussians": (2.0 * np.stack([np.arange(25) % 5 - 2, np.arange(25) // 5 - 2], axis=1).astype(float), 0.1),
}


def _circles(n: int, rng: np.random.Generator, text: str, labels: bool = False):
    inner = rng.random(n) >= 0.5
    radius = np.where(inner, 0.5, 1.0)
    a = 2 * math.pi * rng.random(n)
    x = radius[:, None] * np.stack([np.cos(a), np.sin(a)], axis=1)
    x = x + 0.03 * rng.standard_normal((n, 2))
    return (x, inner.astype(np.int64)) if labels else x  # class 0: the outer circle, 1: the inner


def _checkerboard(n: int, rng: np.random.Generator, text: str) -> np.ndarray:
    # 4x4 board on [-2, 2]^2, points only on the squares where floor(x)+floor(y) is even.
    x1 = 4 * rng.random(n) - 2
    x2 = rng.random(n) + rng.integers(0, 2, n) * 2.0 - 2  # in [-2,-1) or [0,1)
    x2 = x2 + (np.floor(x1) % 2)  # shift odd columns by one square
    return np.stack([x1, x2], axis=1)


def _spiral(n: int, rng: np.random.Generator, text: str) -> np.ndarray:
    # Two interleaved arms of an Archimedean spiral.
    t = np.sqrt(rng.random(n)) * 3 * math.pi
    arm = np.where(rng.random(n) < 0.5, 0.0, math.pi)
    x = np.stack([t * np.cos(t + arm), t * np.sin(t + arm)], axis=1)
    return x + 0.25 * rng.standard_normal((n, 2))


TEXT_FONT = "DejaVuSans-Bold.ttf"  # Debian/Ubuntu: fonts-dejavu-core (./run.sh setup installs it)
TEXT_MAX_LINE = 16  # characters per line: longer texts are wrapped ...
TEXT_MAX_LINES = 3  # ... onto at most this many lines


@functools.lru_cache(maxsize=1)
def text_font_path() -> str:
    """The DejaVu Sans Bold file: fc-match's answer, else the usual places.

    Raises:
        ValueError: the font is not installed (with how to install it).
    """

    candidates = []
    if shutil.which("fc-match"):
        out = subprocess.run(["fc-match", "-f", "%{file}", "DejaVu Sans:style=Bold"], capture_output=True, text=True)
        candidates.append(out.stdout.strip())
    candidates += [f"{d}/{TEXT_FONT}" for d in ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu",
                                               "/usr/share/fonts/TTF", "/Library/Fonts")]
    for path in candidates:
        if path.endswith(TEXT_FONT) and Path(path).is_file():
            return path
    raise ValueError("the text data set draws with the DejaVu Sans Bold font, which is not installed here: "
                     "sudo apt-get install fonts-dejavu-core (or ./run.sh setup)")


def _font(size: int = 160):

    return ImageFont.truetype(text_font_path(), size=size)


def _undrawable(text: str) -> list[str]:
    """The characters of ``text`` the font has no glyph for (they would draw as boxes)."""
    font = _font(40)

    def glyph(ch: str) -> bytes:
        mask = font.getmask(ch)
        return bytes(mask) + bytes(str(mask.size), "ascii")

    notdef = glyph("\uffff")  # a code point no font draws: its .notdef box
    return [ch for ch in dict.fromkeys(text) if not ch.isspace() and glyph(ch) == notdef]


def check_text(text: str) -> list[str]:
    """The lines the text data set draws ``text`` on: a line break in the text starts a
    new line; a line longer than TEXT_MAX_LINE characters is wrapped.

    Raises:
        ValueError: empty, a character the font cannot draw (named), or too long.
    """

    text = unicodedata.normalize("NFC", text)
    if not text.strip():
        raise ValueError("the text data set needs a non-empty text")
    missing = _undrawable(text)
    if missing:
        names = ", ".join(f"{ch!r} ({unicodedata.name(ch, hex(ord(ch)))})" for ch in missing)
        raise ValueError(f"the text data set cannot draw {names}: the font has no such glyph; "
                         "use letters, digits and punctuation (accents, ñ, ¿ and ¡ are fine)")
    lines = [ln for part in text.splitlines()
             for ln in textwrap.wrap(" ".join(part.split()), TEXT_MAX_LINE, break_long_words=True)]
    if len(lines) > TEXT_MAX_LINES:
        raise ValueError(f"the text data set draws at most {TEXT_MAX_LINES} lines of about {TEXT_MAX_LINE} "
                         f"characters; {text[:20]!r}... ({len(text)} characters, {len(lines)} lines) is too long: shorten it")
    return lines


@functools.lru_cache(maxsize=16)
def _text_mask(text: str) -> np.ndarray:
    """The text rendered in white on black (wrapped onto lines), as a boolean (H, W) mask."""
    lines = "\n".join(check_text(text))
    font = _font()
    draw = ImageDraw.Draw(Image.new("L", (1, 1)))
    left, top, right, bottom = (int(round(v)) for v in draw.multiline_textbbox((0, 0), lines, font=font,
                                                                               align="center"))
    pad = 8
    img = Image.new("L", (right - left + 2 * pad, bottom - top + 2 * pad), 0)
    ImageDraw.Draw(img).multiline_text((pad - left, pad - top), lines, fill=255, font=font, align="center")
    return np.asarray(img) > 127


def _text(n: int, rng: np.random.Generator, text: str) -> np.ndarray:
    mask = _text_mask(text)
    ys, xs = np.nonzero(mask)  # pixel rows and columns inside the glyphs
    pick = rng.integers(0, len(xs), n)
    jitter = rng.random((n, 2))
    x = xs[pick] + jitter[:, 0]
    y = -(ys[pick] + jitter[:, 1])  # image rows grow downwards, y grows upwards
    return np.stack([x, y], axis=1) / 40.0


GAUSSIAN_MEAN = (1.2, -0.6)  # the `gaussian` data set: N(mu, s^2 I), not standardised,
GAUSSIAN_STD = 0.4  # so that its score has a closed form with these very numbers


def _gaussian(n: int, rng: np.random.Generator, text: str) -> np.ndarray:
    return np.asarray(GAUSSIAN_MEAN) + GAUSSIAN_STD * rng.standard_normal((n, 2))


DATASETS: dict[str, Callable[[int, np.random.Generator, str], np.ndarray]] = {
    "swiss_roll": _swiss_roll,
    "moons": _moons,
    "8gaussians": _eight_gaussians,
    "25gaussians": _twenty_five_gaussians,
    "circles": _circles,
    "checkerboard": _checkerboard,
    "spiral": _spiral,
    "text": _text,
    "gaussian": _gaussian,
}
UNSTANDARDISED = {"gaussian"}  # data sets whose stated parameters are kept as they are
CLASSES = {"moons": 2, "8gaussians": 8, "25gaussians": 25, "circles": 2}  # data sets whose components are classes


def dataset_names() -> list[str]:
    return list(DATASETS)


@dataclass(frozen=True)
class DataConfig:
    """A toy dataset by name; ``text`` is the string drawn by the "text" dataset."""
    name: str = "moons"
    text: str = DEFAULT_TEXT

    def __post_init__(self) -> None:
        if self.name not in DATASETS:
            raise ValueError(
                f"unknown dataset {self.name!r}; valid: {', '.join(DATASETS)}"
            )
        if self.name == "text":
            if not _text_mask(self.text).any():
                raise ValueError(f"the text {self.text!r} renders no visible pixel")

    @property
    def key(self) -> str:
        """A short stable name, e.g. 'moons' or 'text-DDPM'."""
        return f"text-{self.text}" if self.name == "text" else self.name


@functools.lru_cache(maxsize=32)
def _standardisation(name: str, text: str) -> tuple[np.ndarray, float]:
    if name in UNSTANDARDISED:
        return np.zeros(2), 1.0
    ref = DATASETS[name](_REFERENCE_N, np.random.default_rng(_REFERENCE_SEED), text)
    mean = ref.mean(axis=0)
    scale = float(np.sqrt(ref.var(axis=0).mean()))
    return mean, scale


def mode_centres(config: DataConfig | str) -> tuple[torch.Tensor, float]:
    """(the centres (K, 2), the modes' std) of a data set of Gaussian modes, in the
    standardised units sample_data returns. ValueError for other data sets."""
    config = DataConfig(config) if isinstance(config, str) else config
    if config.name not in MODES:
        raise ValueError(f"{config.name} has no countable modes; those that do: {', '.join(MODES)}")
    centres, std = MODES[config.name]
    mean, scale = _standardisation(config.name, config.text)
    return torch.from_numpy((centres - mean) / scale).float(), std / scale


def sample_data(config: DataConfig | str, n: int, seed: int = 0) -> torch.Tensor:
    """Draw n points of a toy dataset, standardised.

    Args:
        config: a DataConfig, or a dataset name.
        n: how many points.
        seed: fixes the points exactly.

    Returns:
        A float32 tensor of shape (n, 2).
    """
    if isinstance(config, str):
        config = DataConfig(config)
    if n < 1:
        raise ValueError(f"n must be positive, got {n}")
    raw = DATASETS[config.name](n, np.random.default_rng(seed), config.text)
    mean, scale = _standardisation(config.name, config.text)
    return torch.from_numpy((raw - mean) / scale).float()


def sample_labelled(config: DataConfig | str, n: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """``sample_data``'s very points, each with its class: the component that drew it.

    Returns:
        (x, y): a float32 (n, 2) tensor, the same as ``sample_data(config, n, seed)``, and
        an int64 (n,) tensor of classes in 0..CLASSES[name] - 1.
    Raises:
        ValueError: a data set that is not made of components (named, with those that are).
    """
    if isinstance(config, str):
        config = DataConfig(config)
    if config.name not in CLASSES:
        raise ValueError(f"{config.name} has no classes; the data sets that do: "
                         + ", ".join(f"{k} ({v})" for k, v in CLASSES.items()))
    if n < 1:
        raise ValueError(f"n must be positive, got {n}")
    raw, y = DATASETS[config.name](n, np.random.default_rng(seed), config.text, labels=True)
    mean, scale = _standardisation(config.name, config.text)
    return torch.from_numpy((raw - mean) / scale).float(), torch.from_numpy(y).long()
