"""What a scene is, in one place and without manim: its home.

Each scene has a home, ``scenes/homes/<module>.py``, beside its class in
``scenes/<module>.py``. The home holds every fact about the scene that anything
other than its drawing needs: its key and the deck's file names for its outputs, the
models it reads, the slides it has a layout for, its beats with their sentences in each
language, its settings' defaults (run time included) and, if it has one, what its
interactive twin shows. The class takes its beats, aspects and settings from its home
(``HOME = ...`` in its body); the registry finds the homes; the CLI, the deck builder
and the twin builder read them without importing manim.

Kept free of manim and torch.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

__all__ = ["LANGS", "FORMATS", "TEXT_SCALE_MAX", "TOY_DEFAULTS", "Beat", "Twin", "SceneSpec"]

LANGS = ("es", "en")  # the first is the default; others get a _LANG suffix
FORMATS = ("mp4", "gif", "png", "figure")  # png: the last frame (a poster); figure: it trimmed, without the title
TEXT_SCALE_MAX = 1.6  # a figure's type drawn at most this much larger (for a slide that shows it narrow)
# the settings every toy scene starts from (scenes.kit.settings.ToyModelScene), which a twin reads too
TOY_DEFAULTS: dict[str, Any] = {"seed": 0, "dataset": "moons", "text": "DDPM", "schedule": "linear", "T": 1000,
                                "n_points": 3000}
TWIN_RUNS = ("chain", "samplers", "guided", "pair")
PACES = ("in", "out", "linear")


@dataclass(frozen=True)
class Beat:
    """One step of a scene's argument: the clip ``deck --steps`` shows and its sentence in
    each language. ``twin``: the run and state (0 the first, -1 the last) its twin shows
    for it."""

    key: str
    text: dict[str, str]
    twin: tuple[int, int] = (0, 0)

    def __post_init__(self):
        missing = [lang for lang in LANGS if not self.text.get(lang, "").strip()]
        if missing:
            raise ValueError(f"beat {self.key!r} has no sentence in {', '.join(missing)}")


@dataclass(frozen=True)
class Twin:
    """What a scene's interactive twin shows (lecture/twins.py writes it).

    ``runs``, how its recorded runs are made, and with them the control beside the seed:
    'chain', the forward chain (no network, no control); 'samplers', DDPM and DDIM-50 from
    one x_T (a sampler control); 'guided', guided DDPM at the scene's ``weights`` for its
    ``label`` (a w control); 'pair', DDIM beside flow matching at ``many`` and ``few``
    steps (a steps control). ``pace``: how the video eases through its states ('in':
    s^1.6, 'out': 1 - (1 - s)^1.6, 'linear'), over the scene's ``run_time``. ``page``: the
    twin a variant's video shares (reverse-ddim's is reverse's); empty for a page of its own.
    """

    runs: str
    pace: str
    page: str = ""

    def __post_init__(self):
        if self.runs not in TWIN_RUNS:
            raise ValueError(f"twin runs {self.runs!r}; valid: {', '.join(TWIN_RUNS)}")
        if self.pace not in PACES:
            raise ValueError(f"twin pace {self.pace!r}; valid: {', '.join(PACES)}")


@dataclass(frozen=True)
class SceneSpec:
    """A scene's home: what it is, what its outputs are called (those of the deck), and the
    defaults its class draws with. ``home`` is the home module's ``__name__``."""

    home: str
    key: str
    cls: str
    video: str
    still: str
    about: str
    topics: tuple[str, ...] = ()  # words (es, en) of a slide this scene shows: fills a placeholder there
    models: tuple[str, ...] = ()  # the folders of models/ it reads ("toy", "mnist"): part of its assets' key
    seconds: float = 20.0  # its video's render at 1080p60 on 2 cores from an empty cache (the order of a first run)
    for_images: str = ""  # the scene that shows the same topic on images: a deck about images gets that one
    aspects: tuple[str, ...] = ("16:9",)  # the slides its video and stills have a layout for
    figure_aspects: tuple[str, ...] = ("16:9",)  # ... and its figure: a 4:3 deck gets them in 4:3
    # its figure's type drawn at most this much larger for a slide that shows it narrow: what its layout was seen
    # to hold (figures drawn at x1.2 to x1.6 and looked at: forward and reverse hold x1.6, flow x1.4,
    # generative-model and the trilemma x1.2; the strips, the graphical model and the GAN's two overlap or cut at x1.2)
    text_scale_max: float = 1.0
    beats: tuple[Beat, ...] = ()  # in the order its construct() reaches them
    settings: dict[str, Any] = field(default_factory=dict)  # its class's settings' defaults (beyond its base's)
    strings: dict[str, dict[str, str]] = field(default_factory=dict)  # its other on-screen words, by language
    twin: Twin | None = None

    def __post_init__(self):
        keys = [b.key for b in self.beats]
        if len(set(keys)) != len(keys):
            raise ValueError(f"{self.key}: a beat is declared twice in {keys}")
        if self.twin and not self.twin.page and "run_time" not in self.settings:
            raise ValueError(f"{self.key}: a twin paces its runs by the scene's run_time, which its settings lack")

    @property
    def module(self) -> str:
        """The module of its class: ``scenes.reverse`` for the home ``scenes.homes.reverse``."""
        package, _, name = self.home.rpartition(".homes.")
        return f"{package}.{name}"

    @property
    def beat_keys(self) -> tuple[str, ...]:
        return tuple(b.key for b in self.beats)

    def setting(self, name: str) -> Any:
        """A setting's default as its class has it (its own, else a toy scene's)."""
        return self.settings[name] if name in self.settings else TOY_DEFAULTS[name]

    def has_layout(self, aspect: str, fmt: str) -> bool:
        """Whether its ``fmt`` output has a layout for a slide of ``aspect``."""
        return aspect in (self.figure_aspects if fmt == "figure" else self.aspects)

    def load(self) -> type:
        return getattr(importlib.import_module(self.module), self.cls)

    def output_name(self, fmt: str, lang: str) -> str:
        base = self.still if fmt in ("png", "figure") else self.video
        suffix = "" if lang == LANGS[0] else f"_{lang}"
        return f"{base}{suffix}.{'png' if fmt == 'figure' else fmt}"

    def deck_names(self, lang: str = LANGS[0]) -> dict[str, str]:
        """The deck file names this scene serves, each with its format: the video
        (DiffusionProcess.mp4, or .gif) and the still (forward_process.png)."""
        return {self.output_name(fmt, lang): fmt for fmt in FORMATS if fmt != "figure"}
