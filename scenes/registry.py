"""The scenes, found from their homes (scenes/homes/*.py, see scenes/home.py), and the
names their outputs take (those of the deck).

Kept free of manim so that the command line's training and evaluation commands run
where manim is not installed (a headless GPU machine, say).
"""

from __future__ import annotations

import importlib
import pkgutil

import scenes.homes
from scenes.colour import LIGHT_COLOURS
from scenes.home import FORMATS, LANGS, TEXT_SCALE_MAX, SceneSpec

__all__ = ["LANGS", "ASPECTS_ALL", "QUALITIES", "THEME_BACKGROUNDS", "LIGHT_COLOURS", "FORMATS", "TEXT_SCALE_MAX", "SceneSpec",
           "SCENES", "scene_for", "discover"]

QUALITIES = {  # name -> manim quality (resolution, frame rate)
    "low": "low_quality",  # 854x480, 15 fps
    "medium": "medium_quality",  # 1280x720, 30 fps
    "high": "high_quality",  # 1920x1080, 60 fps
    "4k": "fourk_quality",  # 3840x2160, 60 fps
}
ASPECTS_ALL = ("16:9", "4:3")  # Marp's built-in slide sizes: a scene's frame, where it has a layout for it
# Marp's built-in themes and the background of their slides: a deck in one of them gets
# our pictures on its own background (the palette is for light backgrounds: an `invert`
# deck, dark, gets them on white, as cards)
THEME_BACKGROUNDS = {"default": "#FFFFFF", "gaia": "#FFF8E1", "uncover": "#FDFCFF"}


def scene_for(file_name: str, lang: str = LANGS[0]) -> tuple[SceneSpec, str] | None:
    """The scene (and format) that makes a deck file of this name, or None."""
    for spec in SCENES.values():
        fmt = spec.deck_names(lang).get(file_name)
        if fmt:
            return spec, fmt
    return None


def discover(package=scenes.homes) -> dict[str, SceneSpec]:
    """Every home in ``package`` (one module per scene, each with a ``HOME``), by key, in
    the keys' order; two homes of one key are refused."""
    homes = [importlib.import_module(f"{package.__name__}.{m.name}").HOME for m in pkgutil.iter_modules(package.__path__)]
    keys = [h.key for h in homes]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        raise ValueError(f"two homes declare the scene {', '.join(twice)}")
    return {h.key: h for h in sorted(homes, key=lambda h: h.key)}


SCENES: dict[str, SceneSpec] = discover()
