"""Typed scene settings: class attributes declared with annotations, checked when a
class is created (a misspelt name or a bad value fails at once with the valid ones)."""

from __future__ import annotations

import hashlib
from contextlib import contextmanager
from typing import Any, ClassVar, get_type_hints

import numpy as np
from manim import DOWN, LEFT, UP, Camera, Scene, Text, VGroup, config
from manim.mobject.svg.svg_mobject import VMobjectFromSVGPath

from diffusion_core import SCHEDULE_KINDS, DataConfig, ScheduleConfig, TrainConfig, dataset_names
from scenes.home import TOY_DEFAULTS
from scenes.kit.cloud import CloudCamera
from scenes.kit.latex import MissingLatex, check_latex
from scenes.kit.strings import STRINGS, tr
from scenes.kit.theme import ACCENT, BACKGROUND, MUTED, apply_theme, set_text_scale
from scenes.kit.widgets import compact_strip
from scenes.registry import ASPECTS_ALL, LANGS, LIGHT_COLOURS, TEXT_SCALE_MAX

__all__ = ["SettingError", "FrozenMover", "LectureScene", "ToyModelScene", "wrapped"]


class SettingError(ValueError):
    """A scene setting with an unknown name or a bad value."""

def _share_glyph_paths() -> None:
    """Copies of a glyph share its svgelements path instead of deep-copying it: manim reads
    that path only once, to make the glyph's points when the glyph is created, and never
    changes it afterwards. FadeIn, Transform and become copy every glyph of a text, and the
    path was nine tenths of a copy's cost (a line of Text: 19.5 ms a copy, 2.8 ms without)."""

    if getattr(VMobjectFromSVGPath, "_shares_path", False):
        return
    deepcopy = VMobjectFromSVGPath.__deepcopy__

    def __deepcopy__(self, memo):
        path = self.__dict__.get("path_obj")
        if path is not None:
            memo[id(path)] = path  # deepcopy hands out this very object for it
        return deepcopy(self, memo)

    VMobjectFromSVGPath.__deepcopy__ = __deepcopy__
    VMobjectFromSVGPath._shares_path = True


_share_glyph_paths()


class FrozenMover(RuntimeError):
    """A mobject changed during ``play_frames`` without being one of its movers: the
    video would have shown it frozen in its first state."""


def _look(mob) -> tuple:
    """What a mobject looks like, to tell whether it changed: its points, colours and
    opacities, and an image's pixels (by digest)."""
    parts = [np.asarray(mob.points, dtype=float).copy()]
    for name in ("fill_rgbas", "stroke_rgbas", "background_stroke_rgbas"):
        if isinstance(getattr(mob, name, None), np.ndarray):
            parts.append(getattr(mob, name).astype(float).copy())
    pixels = getattr(mob, "pixel_array", None)
    digest = hashlib.blake2b(np.ascontiguousarray(pixels).data, digest_size=16).digest() if pixels is not None else b""
    return parts, digest


def _same_look(a: tuple, b: tuple) -> bool:
    return a[1] == b[1] and len(a[0]) == len(b[0]) and all(
        x.shape == y.shape and np.allclose(x, y, rtol=0, atol=1e-6) for x, y in zip(a[0], b[0]))


class LectureScene(Scene):
    """A scene whose settings are typed class attributes, checked at class creation.

    Subclasses declare settings with annotations (``dataset: str = "moons"``); a
    subclass that assigns an undeclared name, or a value of the wrong type or outside
    ``CHOICES``, fails at once with the valid names. ``with_settings`` makes a variant.
    """

    TEXT_SCALE_MAX: ClassVar[float] = TEXT_SCALE_MAX
    BEATS: ClassVar[tuple[str, ...]] = ()  # the beats' keys, in the order construct() reaches them
    lang: str = "es"
    seed: int = TOY_DEFAULTS["seed"]
    figure: bool = False  # the last frame as a figure for a slide: without the title (render --format figure)
    background: str = BACKGROUND  # the slide's: a deck in Marp's gaia or uncover theme gets its own
    aspect: str = "16:9"  # the frame's: a deck of Marp's size 4:3 gets its pictures in 4:3, where the scene has a layout
    text_scale: float = 1.0  # a figure's type, larger (1 to TEXT_SCALE_MAX): drawn again for a slide that shows it narrow
    ASPECTS: ClassVar[tuple[str, ...]] = ("16:9",)  # the frames its video and stills have a layout for
    FIGURE_ASPECTS: ClassVar[tuple[str, ...]] = ("16:9",)  # the slides its figure has a layout for (larger type in 4:3)
    CHOICES: ClassVar[dict[str, Any]] = {"lang": LANGS, "background": LIGHT_COLOURS, "aspect": ASPECTS_ALL}

    @classmethod
    def settings(cls) -> dict[str, type]:
        hints: dict[str, type] = {}
        for klass in reversed(cls.__mro__):
            if issubclass(klass, LectureScene):
                hints.update({
                    k: v for k, v in get_type_hints(klass).items()
                    if not k.isupper() and not k.startswith("_") and k in vars(klass).get("__annotations__", {})
                })
        return hints

    @classmethod
    def _check_settings(cls) -> None:
        declared = cls.settings()
        for name, value in vars(cls).items():
            if name.startswith("_") or name.isupper() or callable(value) or isinstance(value, (classmethod, staticmethod, property)):
                continue
            if name not in declared:
                raise SettingError(
                    f"{cls.__name__}: unknown setting {name!r}; valid: {', '.join(sorted(declared))}"
                )
        choices = dict(cls.CHOICES)
        for name, typ in declared.items():
            value = getattr(cls, name)
            ok_type = isinstance(value, typ) and not (typ is int and isinstance(value, bool))
            if typ is float and isinstance(value, int) and not isinstance(value, bool):
                ok_type = True
            if not ok_type:
                raise SettingError(f"{cls.__name__}.{name} must be {typ.__name__}, got {value!r}")
            valid = choices.get(name)
            if callable(valid):
                valid = valid()
            if valid is not None and value not in valid:
                raise SettingError(
                    f"{cls.__name__}: {name}={value!r} is not valid; valid: {', '.join(map(str, valid))}"
                )
        if not 1.0 <= cls.text_scale <= cls.TEXT_SCALE_MAX:
            raise SettingError(f"{cls.__name__}: text_scale={cls.text_scale!r} is not valid; valid: 1 to "
                               f"{cls.TEXT_SCALE_MAX:g}")
        if cls.text_scale != 1.0 and not cls.figure:
            raise SettingError(f"{cls.__name__}: text_scale is a figure's (a video's type is drawn for its slide)")
        aspects = cls.FIGURE_ASPECTS if cls.figure else cls.ASPECTS
        if cls.aspect not in aspects:
            raise SettingError(f"{cls.__name__} has no {'figure' if cls.figure else 'layout'} for a {cls.aspect} "
                               f"slide; it has one for {', '.join(aspects)}")

    @classmethod
    def _check_beats(cls) -> None:

        for key in cls.BEATS:
            if f"beat_{key}" not in STRINGS:
                raise SettingError(f"{cls.__name__}: beat {key!r} has no sentence (a Beat in its home, scenes/homes/)")
        if len(set(cls.BEATS)) != len(cls.BEATS):
            raise SettingError(f"{cls.__name__}: a beat is declared twice in {cls.BEATS}")

    @classmethod
    def _take_home(cls) -> None:
        """A class that names its home (``HOME``, scenes/homes/) takes its beats, aspects,
        type limit and settings' defaults from there."""
        home = vars(cls).get("HOME")
        if home is None:
            return
        for name, value in home.settings.items():
            setattr(cls, name, value)
        cls.BEATS, cls.ASPECTS, cls.FIGURE_ASPECTS = home.beat_keys, home.aspects, home.figure_aspects
        cls.TEXT_SCALE_MAX = home.text_scale_max
        missing = [name for name in cls.settings() if not hasattr(cls, name)]
        if missing:
            raise SettingError(f"{cls.__name__}: no default for {', '.join(missing)} (in {home.home})")

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._take_home()
        cls._check_settings()
        cls._check_beats()

    @classmethod
    def with_settings(cls, **overrides) -> type["LectureScene"]:
        """A subclass with some settings changed (what ``cli.py render`` uses)."""
        declared = cls.settings()
        for name in overrides:
            if name not in declared:
                raise SettingError(f"{cls.__name__}: unknown setting {name!r}; valid: {', '.join(sorted(declared))}")
        return type(cls.__name__, (cls,), {"__module__": cls.__module__, **overrides})

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("camera_class", CloudCamera)
        renderer = kwargs.get("renderer")
        # a renderer made elsewhere (manim's frames_comparison tests) brings a plain
        # Camera: give it ours, so that tests see the frames a render produces
        if renderer is not None and type(getattr(renderer, "camera", None)) is Camera:
            renderer.camera = CloudCamera()
        super().__init__(*args, **kwargs)

    def setup(self) -> None:
        try:
            check_latex()
        except MissingLatex as exc:  # the plain manim CLI: one message, no traceback
            raise SystemExit(f"error: {exc}") from None
        apply_theme()
        set_text_scale(self.text_scale)
        self.camera.background_color = self.background
        self.titles: list = []  # headings the slide has its own of: left out of a figure
        self.beats_reached: list[str] = []
        self.beat_notes: dict[str, list[str]] = {}

    @contextmanager
    def drawing_only(self, movers: list):
        """During the plays inside, only ``movers`` (and whatever has an updater of its own)
        are drawn anew each frame; every other mobject is drawn once, into the still
        background beneath them. Raises FrozenMover when one of those others changed."""
        moving = {id(f) for m in movers for f in m.get_family()}
        still = [m for m in self.get_mobject_family_members() if id(m) not in moving]
        before = [_look(m) for m in still]
        self._drawing_only = moving
        try:
            yield
        finally:
            self._drawing_only = None
        for m, look in zip(still, before):
            if not _same_look(look, _look(m)):
                raise FrozenMover(f"{type(self).__name__}: a {type(m).__name__} changed during play_frames but is not "
                                  "among its movers, so its frames showed it frozen; list it (or add it to its "
                                  "group's moving_parts)")

    def get_moving_mobjects(self, *animations):
        """Manim's: every mobject from the first that moves on, and a group whenever one of
        its members moves. Inside ``drawing_only``: the movers, what is animated and what
        has an updater, nothing else."""
        moving = getattr(self, "_drawing_only", None)
        if moving is None:
            return super().get_moving_mobjects(*animations)
        moving = set(moving)
        for anim in animations:
            moving.update(id(f) for f in anim.mobject.get_family())
        for mob in self.get_mobject_family_members():
            if mob.updaters:
                moving.update(id(f) for f in mob.get_family())
        return [m for m in self.get_mobject_family_members() if id(m) in moving]

    def beat(self, key: str) -> None:
        """Start beat ``key``: a named moment of the lecture, a manim section of that name
        (``render --beats`` cuts the video there). Beats come in the order of BEATS."""
        i = len(self.beats_reached)
        if i >= len(self.BEATS) or self.BEATS[i] != key:
            raise SettingError(f"{type(self).__name__}: beat {key!r} out of order; declared: {', '.join(self.BEATS)}")
        self.beats_reached.append(key)
        self.next_section(key)

    def note(self, text: str) -> None:
        """A line for the presenter notes of the current beat (a number the scene shows)."""
        key = self.beats_reached[-1] if self.beats_reached else ""
        self.beat_notes.setdefault(key, []).append(text)

    def tear_down(self) -> None:
        """A figure's last frame: the same picture without the scene's headings (the
        slide has its own title), and the scene's own ``figure_layout``."""
        if self.figure:
            self.remove(*self.titles)
            self.figure_layout()
        set_text_scale(1.0)  # the next text made in this process, outside this scene, at its own size

    def figure_layout(self) -> None:
        """Rearrange the last frame for a slide's image slot (wide, not 16:9): a closing
        strip of moments goes low and wide (``compact_strip``); other scenes stay."""
        parts = getattr(self, "strip_parts", None)
        if parts is not None:

            compact_strip(self, parts)

    def t(self, key: str) -> str:
        return tr(key, self.lang)

    def type_size(self, size: float, narrow_figure: float) -> float:
        """A font size, at least ``narrow_figure`` in a figure for a 4:3 slide (which shows
        the figure about 0.8 as wide as a 16:9 slide does: its smallest type, raised)."""
        return max(size, narrow_figure) if self.narrow and self.figure else size

    @property
    def narrow(self) -> bool:
        """Whether this render is for a 4:3 slide: a video's or still's frame is then 4:3
        (10.7 units wide, not 14.2) and the scene lays it out for that; a figure keeps the
        wide frame (it is trimmed to what it shows) and takes larger type, for the
        narrower slide shows it smaller."""
        return self.aspect == "4:3"

    def title(self, key: str, sub_key: str | None = None, sub_size: float = 24, **fields) -> VGroup:
        """The slide-like heading: a title and an optional subtitle (its ``fields``
        filled in; ``sub_size``: larger for a video a slide shows small), top left."""
        head = Text(self.t(key), font_size=40, color=ACCENT, weight="BOLD")
        group = VGroup(head)
        if sub_key:
            sub = self.t(sub_key)
            sub = sub.format(**fields) if fields else sub
            for line in wrapped(sub, sub_size, config.frame_width - 0.8, color=MUTED):  # one line, but in 4:3
                group.add(line)
            group.arrange(DOWN, buff=0.15, aligned_edge=LEFT)
        self.titles.append(group)
        return group.to_corner(UP + LEFT, buff=0.4)


def wrapped(text: str, font_size: float, width: float, **kwargs) -> list:
    """``text`` as Text lines no wider than ``width`` (scene units), broken between words:
    one line where it fits (a 16:9 frame's titles), more in a narrower frame."""
    whole = Text(text, font_size=font_size, **kwargs)
    if whole.width <= width or " " not in text:
        return [whole]
    words, lines, line = text.split(), [], ""
    for word in words:
        candidate = f"{line} {word}".strip()
        if line and Text(candidate, font_size=font_size, **kwargs).width > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    return [Text(t, font_size=font_size, **kwargs) for t in [*lines, line]]


class ToyModelScene(LectureScene):
    """Settings shared by the scenes that use a toy dataset and a schedule."""
    dataset: str = TOY_DEFAULTS["dataset"]
    text: str = TOY_DEFAULTS["text"]
    schedule: str = TOY_DEFAULTS["schedule"]
    T: int = TOY_DEFAULTS["T"]
    n_points: int = TOY_DEFAULTS["n_points"]
    CHOICES: ClassVar[dict[str, Any]] = {
        **LectureScene.CHOICES,
        "dataset": dataset_names,
        "schedule": SCHEDULE_KINDS,
    }

    def data_config(self) -> DataConfig:
        return DataConfig(self.dataset, self.text)

    def train_config(self) -> TrainConfig:
        return TrainConfig(data=self.data_config(), schedule=ScheduleConfig(self.schedule, self.T))
