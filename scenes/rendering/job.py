"""One render, as one typed object: the command line, ``render all``, the deck builder and
the workers pass a ``RenderJob`` whole, and ``render_scene`` reads it. A reader can
follow any field (the language, say) from the flag to the screen: ``--lang`` ->
``RenderJob.lang`` -> ``scene_settings()`` -> the scene class's ``lang`` -> ``tr``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

from diffusion_core import renders_dir
from scenes.registry import FORMATS, LANGS, QUALITIES, SCENES

__all__ = ["RenderJob", "RenderError", "Rendered"]


class RenderError(RuntimeError):
    """A render that could not start or did not finish; nothing was written."""


@dataclass(frozen=True)
class RenderJob:
    """Everything one render needs.

    Attributes:
        scene: a key of SCENES ("forward", "reverse", ...).
        fmt: "mp4", "gif", "png" (the last frame, a still) or "figure" (the last frame
            without the title, trimmed to what it shows, at twice the quality's pixels).
        quality: a key of QUALITIES.
        lang: the on-screen language.
        settings: other scene settings, as sorted (name, value) pairs, e.g.
            (("dataset", "spiral"),); ``RenderJob.of`` takes them as a mapping.
        out_dir: where the finished file goes, under the deck's name.
        beats: an mp4 also gets its beats' files (clips, stills, captions, index).
        poster: a video also gets its still, drawn from its own render.
        resolution, fps: override the quality's (tests render tiny).
        encoder_threads: x264's threads (None: all the cores; workers sharing the cores
            set it).
        progress: manim's progress bar.
        legibility: also write, beside the file, the record of its last frame's smallest
            and faintest text (``FILE.text.json``, see ``legibility.py``): the deck
            builder asks for it, for its check.
    """

    scene: str
    fmt: str = "mp4"
    quality: str = "high"
    lang: str = LANGS[0]
    settings: tuple[tuple[str, Any], ...] = ()
    out_dir: Path = field(default_factory=renders_dir)
    beats: bool = False
    poster: bool = False
    resolution: tuple[int, int] | None = None
    fps: int | None = None
    encoder_threads: int | None = None
    progress: bool = True
    legibility: bool = False

    def __post_init__(self) -> None:
        if self.scene not in SCENES:
            raise RenderError(f"unknown scene {self.scene!r}; valid: {', '.join(SCENES)}")
        if self.fmt not in FORMATS:
            raise RenderError(f"unknown format {self.fmt!r}; valid: {', '.join(FORMATS)}")
        if self.quality not in QUALITIES:
            raise RenderError(f"unknown quality {self.quality!r}; valid: {', '.join(QUALITIES)}")
        if self.lang not in LANGS:
            raise RenderError(f"unknown language {self.lang!r}; valid: {', '.join(LANGS)}")
        object.__setattr__(self, "out_dir", Path(self.out_dir))
        object.__setattr__(self, "settings", tuple(sorted(dict(self.settings).items())))
        if any(name in ("lang", "figure") for name, _ in self.settings):
            raise RenderError("lang and figure are fields of the job (lang=..., fmt='figure'), not settings")

    @classmethod
    def of(cls, scene: str, settings: Mapping[str, Any] | None = None, **fields) -> "RenderJob":
        """A job from a mapping of settings, which may hold the language:
        ``RenderJob.of("forward", {"lang": "en", "dataset": "spiral"}, fmt="png")``."""
        settings = dict(settings or {})
        if "lang" in settings:
            fields.setdefault("lang", settings.pop("lang"))
        return cls(scene, settings=tuple(settings.items()), **fields)

    def but(self, **changes) -> "RenderJob":
        """The same job with some fields changed."""
        return replace(self, **changes)

    @property
    def figure(self) -> bool:
        return self.fmt == "figure"

    @property
    def still(self) -> bool:
        return self.fmt in ("png", "figure")

    def scene_settings(self) -> dict[str, Any]:
        """The settings the scene class is made with: the language, the others, and
        ``figure`` for a figure."""
        return {"lang": self.lang, **dict(self.settings), **({"figure": True} if self.figure else {})}

    @property
    def output_name(self) -> str:
        """The deck's file name for what this job writes."""
        return SCENES[self.scene].output_name(self.fmt, self.lang)

    @property
    def target(self) -> Path:
        return self.out_dir / self.output_name


@dataclass(frozen=True)
class Rendered:
    """A finished render: the file, the seconds it took, and where and when it ran
    (the worker, its start and end, the CPU seconds it used; empty when in-process)."""

    path: Path
    seconds: float = 0.0
    profile: Mapping[str, float] = field(default_factory=dict)
