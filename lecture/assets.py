"""Which scene makes a file of the deck, by its name (and a hint for a name that is ours
but for its case). What an asset depends on (its key) and the records of what was
written live with the renders, in ``scenes.rendering.cache``."""

from __future__ import annotations

from scenes.registry import FORMATS, LANGS, SCENES, SceneSpec

__all__ = ["scene_of", "name_hint"]


def scene_of(name: str, lang: str = LANGS[0]) -> tuple[SceneSpec, str, str] | None:
    """(scene, format, language) of a deck file name, or None. A name without a language
    suffix is in the deck's language (``lang``); 'DiffusionProcess_en.mp4' is English
    whatever the deck's. A .png is the still ("png"); the builder asks for the figure
    where the deck shows it as an image."""
    for spec in SCENES.values():
        for fmt in FORMATS:
            if fmt == "figure":
                continue
            if spec.output_name(fmt, LANGS[0]) == name:
                return spec, fmt, lang
            for other in LANGS[1:]:
                if spec.output_name(fmt, other) == name:
                    return spec, fmt, other
    return None


def name_hint(name: str) -> str | None:
    """'did you mean forward_process.png?' for a name that is ours but for its case."""
    low = name.lower()
    for spec in SCENES.values():
        for fmt in FORMATS:
            for lang in LANGS:
                ours = spec.output_name(fmt, lang)
                if ours.lower() == low and ours != name:
                    return f"did you mean {ours} ({spec.key}; file names are case-sensitive)?"
    return None
