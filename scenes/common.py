"""What every scene shares: the theme, the es/en string table, typed scene settings,
the rasterised point cloud, the time bar, trails and snapshot strips.

Scenes import the core only through ``diffusion_core``'s public API.
"""

from __future__ import annotations

import shutil
import subprocess
from typing import Any, ClassVar, get_type_hints

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    WHITE,
    Camera,
    DecimalNumber,
    Dot,
    FadeIn,
    Group,
    ImageMobject,
    Integer,
    MathTex,
    Rectangle,
    Scene,
    Square,
    Tex,
    Text,
    VGroup,
    VMobject,
    config,
)
from PIL import Image

from diffusion_core import (
    SCHEDULE_KINDS,
    DataConfig,
    ScheduleConfig,
    TrainConfig,
    Trajectory,
    cache_dir,
    dataset_names,
    ddim_sample,
    ddpm_sample,
    load_or_train,
)
from scenes.registry import LANGS

# ----------------------------------------------------------------------------- theme
# A light theme: the deck's slides are white, its headings #234876.
BACKGROUND = "#FFFFFF"
INK = "#1B2430"
ACCENT = "#234876"
MUTED = "#7B8794"
CLOUD = "#2A6FDB"
GHOST = "#E8871E"
HIGHLIGHTS = ("#D7263D", "#1B998B", "#F49D37", "#7D3C98", "#2E86AB", "#C0392B")

FONT = "DejaVu Sans"  # fonts-dejavu-core: the same glyphs on every machine

# One string table for every on-screen word. Formulas are MathTex and need none.
STRINGS: dict[str, dict[str, str]] = {
    "forward_title": {"es": "Proceso directo: de los datos al ruido", "en": "Forward process: from data to noise"},
    "forward_sub": {"es": "Cada paso añade un poco de ruido gaussiano", "en": "Each step adds a little Gaussian noise"},
    "data": {"es": "datos", "en": "data"},
    "noise": {"es": "ruido", "en": "noise"},
    "isotropic": {"es": "una gaussiana isótropa", "en": "an isotropic Gaussian"},
    "step": {"es": "paso", "en": "step"},
    "snapshots": {"es": "El proceso directo en cinco instantes", "en": "The forward process at five moments"},
    "reverse_snapshots": {"es": "El proceso inverso en cinco instantes", "en": "The reverse process at five moments"},
    "reparam_title": {"es": "Truco de reparametrización", "en": "The reparametrization trick"},
    "chain": {"es": "t pasos pequeños", "en": "t small steps"},
    "jump": {"es": "un solo salto", "en": "a single jump"},
    "why": {"es": "¿Por qué? Dos gaussianas se combinan en una:", "en": "Why? Two Gaussians merge into one:"},
    "product": {"es": "y así sucesivamente, con", "en": "and so on, with"},
    "agree": {"es": "Las dos nubes siguen la misma distribución", "en": "Both clouds follow the same distribution"},
    "swd": {"es": "distancia (SWD)", "en": "distance (SWD)"},
    "floor": {"es": "piso de muestreo", "en": "sampling floor"},
    "reverse_title": {"es": "Proceso inverso: del ruido a los datos", "en": "Reverse process: from noise to data"},
    "reverse_sub": {"es": "Un modelo entrenado elimina el ruido paso a paso", "en": "A trained model removes the noise step by step"},
    "reverse_sub_ddim": {"es": "DDIM: determinista, con menos pasos", "en": "DDIM: deterministic, fewer steps"},
    "pred_x0": {"es": "x̂₀ predicho", "en": "predicted x̂₀"},
    "samples": {"es": "muestras", "en": "samples"},
    "schedule_title": {"es": "Planificadores de ruido", "en": "Noise schedules"},
    "linear": {"es": "lineal", "en": "linear"},
    "cosine": {"es": "coseno", "en": "cosine"},
    "signal": {"es": "señal", "en": "signal"},
    "digits_title": {"es": "Proceso directo sobre dígitos reales", "en": "The forward process on real digits"},
    "digits_sub": {"es": "MNIST: el mismo ruido gaussiano, píxel a píxel", "en": "MNIST: the same Gaussian noise, pixel by pixel"},
    "chain_digits": {"es": "paso a paso", "en": "step by step"},
    "jump_digits": {"es": "un solo salto", "en": "a single jump"},
    "digits_rev_title": {"es": "Generando dígitos desde ruido", "en": "Generating digits from noise"},
    "digits_rev_sub": {"es": "Un UNet entrenado en MNIST, paso a paso desde el ruido", "en": "A UNet trained on MNIST, step by step from noise"},
    "initial_noise": {"es": "ruido inicial", "en": "initial noise"},
    "intermediate": {"es": "pasos intermedios", "en": "intermediate steps"},
    "final_output": {"es": "resultado final", "en": "final output"},
}


def tr(key: str, lang: str) -> str:
    """The text for ``key`` in ``lang``."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; valid: {', '.join(LANGS)}")
    return STRINGS[key][lang]


def apply_theme() -> None:
    config.background_color = BACKGROUND
    for cls in (MathTex, Tex, DecimalNumber, Integer):
        cls.set_default(color=INK)
    Text.set_default(color=INK, font=FONT)


# ------------------------------------------------------------------------- LaTeX
LATEX_PACKAGES = "texlive-latex-base texlive-latex-extra texlive-fonts-recommended dvisvgm"


class MissingLatex(RuntimeError):
    """LaTeX, dvisvgm or a needed LaTeX package is not installed."""


def check_latex() -> None:
    """Fail with one clear message when MathTex cannot work here."""
    missing = [tool for tool in ("latex", "dvisvgm") if shutil.which(tool) is None]
    if not missing and shutil.which("kpsewhich"):
        for sty in ("standalone.cls", "amsmath.sty", "babel.sty"):
            found = subprocess.run(["kpsewhich", sty], capture_output=True, text=True).stdout.strip()
            if not found:
                missing.append(sty)
    if missing:
        raise MissingLatex(
            f"MathTex needs LaTeX, and {', '.join(missing)} is missing. Install it with:\n"
            f"  sudo apt-get install --no-install-recommends {LATEX_PACKAGES}\n"
            "(or run ./run.sh setup, which does it for you)"
        )


# ---------------------------------------------------------------------- settings
class SettingError(ValueError):
    """A scene setting with an unknown name or a bad value."""


class LectureScene(Scene):
    """A scene whose settings are typed class attributes, checked at class creation.

    Subclasses declare settings with annotations (``dataset: str = "moons"``); a
    subclass that assigns an undeclared name, or a value of the wrong type or outside
    ``CHOICES``, fails at once with the valid names. ``with_settings`` makes a variant.
    """

    lang: str = "es"
    seed: int = 0
    CHOICES: ClassVar[dict[str, Any]] = {"lang": LANGS}

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

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._check_settings()

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
        self.camera.background_color = BACKGROUND

    def t(self, key: str) -> str:
        return tr(key, self.lang)

    def title(self, key: str, sub_key: str | None = None) -> VGroup:
        head = Text(self.t(key), font_size=40, color=ACCENT, weight="BOLD")
        group = VGroup(head)
        if sub_key:
            group.add(Text(self.t(sub_key), font_size=24, color=MUTED))
            group.arrange(DOWN, buff=0.15, aligned_edge=LEFT)
        return group.to_corner(UP + LEFT, buff=0.4)


class ToyModelScene(LectureScene):
    """Settings shared by the scenes that use a toy dataset and a schedule."""

    dataset: str = "moons"
    text: str = "DDPM"
    schedule: str = "linear"
    T: int = 1000
    n_points: int = 3000
    CHOICES: ClassVar[dict[str, Any]] = {
        **LectureScene.CHOICES,
        "dataset": dataset_names,
        "schedule": SCHEDULE_KINDS,
    }

    def data_config(self) -> DataConfig:
        return DataConfig(self.dataset, self.text)

    def train_config(self) -> TrainConfig:
        return TrainConfig(data=self.data_config(), schedule=ScheduleConfig(self.schedule, self.T))


# ------------------------------------------------------------------ trajectories
def cached(name: str, make) -> Trajectory:
    """The trajectory cache_dir()/trajectories/NAME, made by make() the first time."""
    path = cache_dir() / "trajectories" / name
    if path.is_file():
        try:
            traj = Trajectory.load(path)
            path.touch()  # recently used: pruned last
            return traj
        except ValueError:
            path.unlink()
    traj = make()
    traj.save(path)
    _prune(path.parent, keep=TRAJECTORIES_KEPT)
    return traj


def cached_trajectory(train: TrainConfig, sampler: str, n: int, seed: int, steps: int = 50, eta: float = 0.0) -> Trajectory:
    """The model's reverse trajectory, sampled once and kept in cache_dir()/trajectories."""
    import torch

    from diffusion_core import config_key

    def make() -> Trajectory:
        result = load_or_train(train)
        gen = torch.Generator().manual_seed(seed)
        if sampler == "ddpm":
            return ddpm_sample(result.model, result.schedule, (n, 2), generator=gen)
        return ddim_sample(result.model, result.schedule, (n, 2), steps=steps, eta=eta, generator=gen)

    name = f"{config_key(train)}-{sampler}-{steps if sampler == 'ddim' else train.schedule.T}-eta{eta}-n{n}-s{seed}.npz"
    return cached(name, make)


TRAJECTORIES_KEPT = 8  # a DDPM trajectory of 3,000 points is ~50 MB: keep the newest few


def _prune(folder, keep: int) -> None:
    files = sorted(folder.glob("*.npz"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in files[keep:]:
        old.unlink(missing_ok=True)


# --------------------------------------------------------------------- the cloud
def pixels_per_unit() -> float:
    return config.pixel_width / config.frame_width


def _hex_rgb(color: str) -> np.ndarray:
    color = color.lstrip("#")
    return np.array([int(color[i:i + 2], 16) for i in (0, 2, 4)], dtype=np.uint8)


def rasterise(
    xy: np.ndarray, extent: float, size: int, color: str, dot_px: float, opacity: float = 1.0
) -> np.ndarray:
    """Draw points as soft, anti-aliased dots into an RGBA image.

    Each point adds a small Gaussian of std ``dot_px`` / 4 centred at its exact
    sub-pixel position (so a dot is about ``dot_px`` wide); overlapping dots
    saturate (alpha = 1 - exp(-density)) instead of clipping. The cost grows with
    the number of points, not with the image's area.

    Args:
        xy: (N, 2) points in data coordinates; the image covers [-extent, extent]^2.
        size: the image's side in pixels.
    Returns:
        A (size, size, 4) uint8 array.
    """
    xy = np.asarray(xy, dtype=np.float32)
    scale = np.float32(size / (2 * extent))
    px = (xy[:, 0] + np.float32(extent)) * scale - np.float32(0.5)
    py = (np.float32(extent) - xy[:, 1]) * scale - np.float32(0.5)  # rows grow downwards
    cx, cy = np.rint(px), np.rint(py)
    sigma = max(dot_px / 4.0, 0.5)
    r = int(np.ceil(2.5 * sigma))
    offs = np.arange(-r, r + 1, dtype=np.float32)
    k = np.float32(-0.5 / sigma**2)
    wx = np.exp(k * (offs[None, :] - (px - cx)[:, None]) ** 2)  # (N, 2r+1)
    wy = np.exp(k * (offs[None, :] - (py - cy)[:, None]) ** 2)
    weights = (wy[:, :, None] * wx[:, None, :]) * np.float32(1 / (2 * np.pi * sigma**2))  # (N, 2r+1, 2r+1)
    xi = cx.astype(np.int64)[:, None, None] + offs.astype(np.int64)[None, None, :]
    yi = cy.astype(np.int64)[:, None, None] + offs.astype(np.int64)[None, :, None]
    ok = (xi >= 0) & (xi < size) & (yi >= 0) & (yi < size)  # (N, 2r+1, 2r+1)
    density = np.bincount((yi * size + xi)[ok], weights=weights[ok], minlength=size * size)
    gain = -1.9 * 2 * np.pi * sigma**2  # an isolated dot peaks at alpha ~ 0.85
    alpha = np.exp(density.astype(np.float32).reshape(size, size) * np.float32(gain))
    alpha *= np.float32(-255.0 * opacity)
    alpha += np.float32(255.0 * opacity)
    out = np.empty((size, size, 4), dtype=np.uint8)
    out[..., :3] = _hex_rgb(color)
    out[..., 3] = alpha
    return out


class CloudCamera(Camera):
    """Manim's cairo camera, with a fast path for clouds: a CloudImage that sits
    axis-aligned at its native pixel size is composited straight into the frame
    (numpy "over"), instead of PIL's perspective resampling of a full-frame copy."""

    def display_image_mobject(self, image_mobject, pixel_array) -> None:
        if isinstance(image_mobject, PixelImage) and self._blit(image_mobject, pixel_array):
            return
        super().display_image_mobject(image_mobject, pixel_array)

    def _blit(self, mob: "PixelImage", frame: np.ndarray) -> bool:
        img = mob.get_pixel_array()
        h, w = img.shape[:2]
        ul, ur, dl, dr = self.points_to_subpixel_coords(mob, mob.points[:4])
        aligned = abs(ul[1] - ur[1]) < 1e-3 and abs(ul[0] - dl[0]) < 1e-3
        if not aligned or abs((dr[0] - ul[0]) - w) > 1.0 or abs((dr[1] - ul[1]) - h) > 1.0:
            return False
        x, y = int(round(ul[0])), int(round(ul[1]))
        fx0, fy0 = max(x, 0), max(y, 0)
        fx1, fy1 = min(x + w, frame.shape[1]), min(y + h, frame.shape[0])
        if fx1 <= fx0 or fy1 <= fy0:
            return True
        src = img[fy0 - y : fy1 - y, fx0 - x : fx1 - x]
        dst = frame[fy0:fy1, fx0:fx1]
        out = Image.alpha_composite(Image.fromarray(dst, "RGBA"), Image.fromarray(np.ascontiguousarray(src), "RGBA"))
        dst[...] = np.asarray(out)
        return True


class PixelImage(ImageMobject):
    """An image drawn at its native pixel size, axis-aligned: the camera composites it
    straight into the frame (see CloudCamera)."""


class CloudImage(PixelImage):
    """A point cloud drawn as one rasterised image, redrawn with :meth:`set_xy`."""

    def __init__(self, xy: np.ndarray, side: float, extent: float, color: str = CLOUD,
                 dot_radius: float = 0.022, opacity: float = 1.0, **kwargs):
        self.extent, self.cloud_color, self.cloud_opacity = extent, color, opacity
        self.size_px = max(int(round(side * pixels_per_unit())), 16)
        self.dot_px = max(2 * dot_radius * pixels_per_unit(), 1.0)
        super().__init__(self._draw(xy), **kwargs)
        self.set_resampling_algorithm(Image.Resampling.BILINEAR)
        self.stretch_to_fit_width(side).stretch_to_fit_height(side)

    def _draw(self, xy) -> np.ndarray:
        return rasterise(xy, self.extent, self.size_px, self.cloud_color, self.dot_px, self.cloud_opacity)

    def set_xy(self, xy: np.ndarray) -> "CloudImage":
        self.pixel_array = self._draw(xy)
        return self


class CloudPanel(Group):
    """A square frame onto [-extent, extent]^2, with a cloud and coordinate helpers."""

    def __init__(self, xy: np.ndarray, side: float = 6.0, extent: float = 4.0,
                 color: str = CLOUD, dot_radius: float = 0.022, **kwargs):
        self.side, self.extent = side, extent
        self.frame = Square(side, stroke_color=MUTED, stroke_width=1.5)
        self.cloud = CloudImage(xy, side, extent, color=color, dot_radius=dot_radius)
        super().__init__(self.frame, self.cloud, **kwargs)

    def to_point(self, xy: np.ndarray) -> np.ndarray:
        """Data coordinates (N, 2) to scene points (N, 3)."""
        xy = np.atleast_2d(np.asarray(xy, dtype=np.float64))
        center = self.frame.get_center()
        scale = self.side / (2 * self.extent)
        pts = np.zeros((len(xy), 3))
        pts[:, :2] = xy * scale
        return pts + center

    def add_cloud(self, xy: np.ndarray, color: str, dot_radius: float = 0.02, opacity: float = 1.0) -> CloudImage:
        """A second cloud on the same coordinates, drawn beneath the main one (e.g. the
        ghost of the predicted x_0, or the data for comparison)."""
        extra = CloudImage(xy, self.side, self.extent, color=color, dot_radius=dot_radius, opacity=opacity)
        extra.move_to(self.frame.get_center())
        self.add_to_back(extra)
        return extra


class Trails(VGroup):
    """Polylines through the recorded states of a few highlighted points, up to a
    given step. Long paths are drawn through every ``stride``-th recorded state (and
    always the current one), so a frame never strokes more than ~``max_vertices``."""

    def __init__(self, panel: CloudPanel, states: np.ndarray, idx, width: float = 2.5,
                 max_vertices: int = 300):
        super().__init__()
        self.panel = panel
        self.paths = [panel.to_point(states[:, i]) for i in idx]  # each (K+1, 3)
        self.stride = max(1, int(np.ceil((len(states) - 1) / max_vertices)))
        self.lines = VGroup()
        self.heads = VGroup()
        for k, _ in enumerate(idx):
            color = HIGHLIGHTS[k % len(HIGHLIGHTS)]
            line = VMobject(stroke_color=color, stroke_width=width, stroke_opacity=0.8)
            line.set_points_as_corners(self.paths[k][:2])
            self.lines.add(line)
            self.heads.add(Dot(self.paths[k][0], radius=0.07, color=color).set_stroke(WHITE, 1.5))
        self.add(self.lines, self.heads)

    def show_until(self, k: int) -> None:
        k = int(k)
        for line, head, path in zip(self.lines, self.heads, self.paths):
            k_ = min(k, len(path) - 1)
            vertices = path[: k_ + 1 : self.stride]
            if k_ % self.stride:
                vertices = np.vstack([vertices, path[k_]])
            if len(vertices) < 2:  # k = 0: nothing travelled yet
                vertices = np.vstack([path[0], path[0]])
            line.set_points_as_corners(vertices)
            head.move_to(path[k_])


class DigitCounter(VGroup):
    """An integer display built from cached glyph outlines. It keeps the same slot
    mobjects for its whole life (manim's renderer lists a play's moving mobjects once,
    at its start) and only swaps their points: nothing is typeset or deep-copied per
    frame."""

    MAX_DIGITS = 7

    def __init__(self, value: int = 0, font_size: float = 34, color: str = INK):
        super().__init__()
        digits = MathTex("0123456789", font_size=font_size, color=color)[0]
        centers = np.array([g.get_center() for g in digits])
        self.advance = (centers[9, 0] - centers[0, 0]) / 9
        # each digit's outline, shifted so that the slot's reference point is the origin
        self.outlines = [g.points - centers[0] - np.array([d * self.advance, 0, 0]) for d, g in enumerate(digits)]
        self.slots = [digits[0].copy() for _ in range(self.MAX_DIGITS)]
        self.add(*self.slots)
        self.anchor = centers[0].copy()
        self.n_digits = 1
        self.value = None
        self.set_value(value)

    def set_value(self, value: int) -> "DigitCounter":
        if self.value is not None:  # the counter may have been moved since the last call
            self.anchor = self.slots[0].get_center() - self.first_offset
        text = str(int(value))[-self.MAX_DIGITS:]
        for j, slot in enumerate(self.slots):
            if j < len(text):
                slot.points = self.outlines[int(text[j])] + self.anchor + np.array([j * self.advance, 0, 0])
            else:
                slot.points = np.zeros((0, 3))
        self.first_offset = self.slots[0].get_center() - self.anchor
        self.value = int(value)
        return self


class TimeBar(VGroup):
    """A label 't = 123' and a bar that fills as t goes from 0 to T."""

    def __init__(self, T: int, width: float = 4.0, color: str = ACCENT, label: str = "t"):
        super().__init__()
        self.T = T
        self.outline = Rectangle(width=width, height=0.22, stroke_color=MUTED, stroke_width=1.5)
        self.fill = Rectangle(width=width, height=0.22, stroke_width=0, fill_color=color, fill_opacity=0.85)
        self.number = DigitCounter(font_size=34)
        self.name = MathTex(label, "=", color=INK, font_size=40)
        self.tail = MathTex(f"/\\,{T}", color=MUTED, font_size=34)
        self.add(self.outline, self.fill, self.name, self.number, self.tail)
        self.set_t(0)

    def set_t(self, t: float) -> "TimeBar":
        t = int(round(min(max(t, 0), self.T)))
        frac = t / self.T
        self.fill.stretch_to_fit_width(max(self.outline.width * frac, 1e-4))
        self.fill.align_to(self.outline, LEFT).match_y(self.outline)
        self.number.set_value(t)
        self.name.next_to(self.outline, UP, buff=0.2).align_to(self.outline, LEFT)
        self.number.next_to(self.name, RIGHT, buff=0.15)
        self.tail.next_to(self.number, RIGHT, buff=0.1)
        return self


def snapshot_strip(states: np.ndarray, steps, labels, extent: float, color: str = CLOUD,
                   side: float = 2.3, dot_radius: float = 0.02) -> Group:
    """A row of small clouds (states[k] for k in steps) with a label under each."""
    items = []
    for k, label in zip(steps, labels):
        panel = CloudPanel(states[k], side=side, extent=extent, color=color, dot_radius=dot_radius)
        tex = MathTex(label, font_size=30).next_to(panel, DOWN, buff=0.15)
        items.append(Group(panel, tex))
    return Group(*items).arrange(RIGHT, buff=0.35)


def show_snapshots(scene: Scene, states: np.ndarray, ks, labels, heading: str, step_label: str,
                   arrow_color: str) -> None:
    """The closing figure of the cloud scenes: five moments of one trajectory in a row,
    with arrows, a heading, and the step's formula under one long arrow."""
    from manim import Arrow

    strip = snapshot_strip(states, ks, labels, extent=4.0).move_to(0.2 * DOWN)
    arrows = VGroup(*[
        Arrow(a[0].get_right(), b[0].get_left(), buff=0.05, color=MUTED, stroke_width=3, max_tip_length_to_length_ratio=0.35)
        for a, b in zip(strip[:-1], strip[1:])
    ])
    head = Text(heading, font_size=36, color=ACCENT).to_edge(UP, buff=0.6)
    formula = MathTex(step_label, font_size=34, color=MUTED).next_to(strip, DOWN, buff=0.7)
    arrow_long = Arrow(strip.get_left(), strip.get_right(), color=arrow_color, stroke_width=3)
    arrow_long.next_to(formula, UP, buff=0.1).set_x(strip.get_x())
    scene.play(FadeIn(head), FadeIn(Group(strip, arrows)), run_time=1.0)
    scene.play(FadeIn(formula), FadeIn(arrow_long), run_time=0.6)


def informative_steps(alpha_bar: np.ndarray, levels=(0.95, 0.75, 0.45)) -> list[int]:
    """0, the first t where sqrt(abar_t) falls below each level, and T: five moments
    that are evenly spread in signal rather than in t, whatever the schedule."""
    signal = np.sqrt(np.asarray(alpha_bar))
    T = len(signal) - 1
    steps = [0] + [int(np.argmax(signal < lv)) for lv in levels] + [T]
    return sorted(set(steps))


def play_states(scene: Scene, cloud: CloudImage, states: np.ndarray, times, bar: TimeBar,
                trails: Trails | None = None, run_time: float = 8.0, rate_func=None,
                ghost: CloudImage | None = None, ghost_states: np.ndarray | None = None) -> None:
    """Play recorded states in order: frame by frame, the cloud shows states[k], the
    bar shows times[k], trails grow to k. Nothing is interpolated between states."""
    from manim import ValueTracker, linear

    K = len(states) - 1
    tracker = ValueTracker(0)

    shown = {"k": None}

    def update(_mob):
        k = int(round(tracker.get_value()))
        if k == shown["k"]:
            return
        shown["k"] = k
        cloud.set_xy(states[k])
        bar.set_t(int(times[k]))
        if trails is not None:
            trails.show_until(k)
        if ghost is not None and ghost_states is not None:
            ghost.set_xy(ghost_states[min(k, len(ghost_states) - 1)])

    # Manim redraws every mobject above the first moving one: put the moving ones on
    # top, so the title, formulas and labels are drawn once, as the static background.
    moving = {id(m) for m in (cloud, bar, trails, ghost) if m is not None}
    tops = [m for m in scene.mobjects if any(id(f) in moving for f in m.get_family())]
    scene.bring_to_front(*tops)
    cloud.add_updater(update)
    scene.play(tracker.animate.set_value(K), run_time=run_time, rate_func=rate_func or linear)
    cloud.remove_updater(update)
    update(cloud)
