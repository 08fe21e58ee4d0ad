"""The MNIST UNet learning: the same 16 noises sampled with the weights of one real
training run at steps 0 to 14,000, beside the FID its probe measured along the way.

    manim -pqh scenes/digits_training.py    (or: python cli.py render digits-training)

Drawn from the snapshots shipped with the model (models/mnist/training_snapshots.npz,
written by the run that trained it: ``train mnist --snapshots ...``): at each snapshot
the EMA weights of that moment sampled the same noises with DDPM (the same x_T and the
same z at every step, so only the weights differ), and the probe scored 2,000 DDIM-50
samples against the test set. The dashed line is the floor: real training digits scored
the same way. Nothing is sampled at render time.
Video: DigitsTraining.mp4. Last frame: digits_training.png.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Axes,
    DashedLine,
    Dot,
    FadeIn,
    MathTex,
    Text,
    VGroup,
    VMobject,
)

from diffusion_core import TrainingSnapshots, mnist_models_dir
from scenes.homes import digits_training as home
from scenes.kit.digits import DigitGrid
from scenes.kit.playback import play_frames
from scenes.kit.settings import LectureScene, wrapped
from scenes.kit.theme import ACCENT, HIGHLIGHTS, INK, MUTED, fit_right, retext
from scenes.kit.widgets import log_points, log_step

BLOBS = 250  # the step where the second beat pauses: blobs, not yet digits (the shipped run's snapshot)
# where the grid and the FID plot go: a 16:9 frame, and a 4:3 one (10.7 units wide; the same
# digits, 4 pixels a digit pixel at 1080p, and the same type, a narrower plot)
WIDE = {"grid": (4.5, -4.3, -1.05), "axes": (6.0, 2.45, -0.75)}
NARROW = {"grid": (3.9, -3.3, -1.05), "axes": (3.7, 2.05, -0.75)}


def number(value: float, lang: str, digits: int = 0) -> str:
    """12,345.6 in English, 12.345,6 in Spanish."""
    text = f"{value:,.{digits}f}"
    return text.translate(str.maketrans(",.", ".,")) if lang == "es" else text


class DigitsTraining(LectureScene):
    """The same noises' digits as training goes on, beside the probe's FID on a log axis."""

    HOME = home.HOME  # its key, outputs, beats, aspects and settings' defaults (scenes/homes/digits_training.py)

    snapshots: str  # in models/mnist/, or an absolute path
    run_time: float

    def load(self) -> TrainingSnapshots:
        path = self.snapshots if self.snapshots.startswith("/") else str(mnist_models_dir() / self.snapshots)
        return TrainingSnapshots.load(path)

    def construct(self):
        run = self.load()
        batch = int(run.meta.get("batch_size", 0))
        self.beat("dtrain_start")
        parts = self.layout(run)
        self.note(self.t("note_dtrain_start").format(n=len(run.digits[0])))
        self.beat("dtrain_blobs")
        blobs = min(BLOBS, int(run.steps[-1]))
        self.train(parts, run, 0, blobs, self.run_time * 0.4)
        self.note(self.t("note_dtrain_at").format(step=number(blobs, self.lang), fid=self.fid_at(run, blobs)))
        self.wait(1.0)
        self.beat("dtrain_digits")
        self.train(parts, run, blobs, int(run.steps[-1]), self.run_time * 0.6)
        last = int(run.steps[-1])
        self.note(self.t("note_dtrain_end").format(
            step=number(last, self.lang), images=number(last * batch / 1e6, self.lang, 1),
            fid=number(float(run.probe_fid[-1]), self.lang, 2), floor=number(run.real_fid, self.lang, 2),
            conf=number(100 * float(run.probe_confident[-1]), self.lang, 1)))
        self.wait(1.5)

    def fid_at(self, run: TrainingSnapshots, step: int) -> str:
        k = int(np.searchsorted(run.probe_steps, step, side="right")) - 1
        return number(float(run.probe_fid[max(k, 0)]), self.lang, 1)

    # 1. The untrained model's digits (noise), the empty FID plot and its floor
    def layout(self, run: TrainingSnapshots) -> SimpleNamespace:
        title = self.title("dtrain_title", "dtrain_sub")
        lay = NARROW if self.narrow else WIDE
        width, x, y = lay["grid"]
        grid = DigitGrid(run.digits[0], cols=4, width=width).move_to([x, y, 0])
        step_text = self.step_text(run, 0).next_to(grid, UP, buff=0.2).align_to(grid, LEFT)
        x_max = float(log_step(run.steps[-1])) + 0.05
        ys = np.log10(run.probe_fid)
        lo = np.floor(min(np.log10(run.real_fid), ys.min()) * 2) / 2
        hi = np.ceil(ys.max() * 2) / 2
        length, x, y = lay["axes"]
        axes = Axes(x_range=[0, x_max, 1], y_range=[0, hi - lo, 0.5], x_length=length, y_length=3.7, tips=False,
                    axis_config={"color": INK, "include_ticks": False})
        axes.shift_y = lo
        axes.move_to([x, y, 0])
        ticks = [s for s in (0, 10, 100, 1000, 10_000) if s <= run.steps[-1]]
        axes.add(VGroup(*[MathTex(number(s, self.lang).replace(",", "{,}"), font_size=26, color=MUTED).next_to(
            log_points(axes, [log_step(s)], [lo])[0], DOWN, buff=0.12) for s in ticks]))
        shown = [v for v in (10, 100, 1000) if lo <= np.log10(v) <= hi]
        axes.add(VGroup(*[MathTex(number(v, self.lang).replace(",", "{,}"), font_size=26, color=MUTED).next_to(
            log_points(axes, [0], [np.log10(v)])[0], LEFT, buff=0.1) for v in shown]))
        y_label = VGroup(Text("FID", font_size=24), Text(self.t("log_scale"), font_size=20, color=MUTED))
        y_label.arrange(RIGHT, buff=0.15, aligned_edge=DOWN).next_to(axes, UP, buff=0.15).align_to(axes, LEFT)
        x_label = VGroup(*wrapped(self.t("dtrain_steps"), 20, axes.width + 1.0, color=MUTED)).arrange(DOWN, buff=0.08)
        x_label.next_to(axes, DOWN, buff=0.45)  # one line, two in a 4:3 frame
        floor = DashedLine(*log_points(axes, [0, x_max], [np.log10(run.real_fid)] * 2), color=ACCENT,
                           dash_length=0.08)
        floor_label = VGroup(*wrapped(self.t("dtrain_floor").format(fid=number(run.real_fid, self.lang, 2)), 20,
                                      3.0 if self.narrow else 12.0, color=ACCENT)).arrange(DOWN, buff=0.08,
                                                                                             aligned_edge=LEFT)
        floor_label.next_to(floor, UP, buff=0.08).align_to(floor, LEFT).shift(0.15 * RIGHT)  # 4:3: two lines
        fit_right(floor_label)
        self.play(FadeIn(title), FadeIn(grid), FadeIn(step_text), run_time=1.0)
        self.play(FadeIn(axes), FadeIn(y_label), FadeIn(x_label), FadeIn(floor), FadeIn(floor_label), run_time=0.8)
        pts = log_points(axes, log_step(run.probe_steps), ys)
        line = VMobject(stroke_color=HIGHLIGHTS[1], stroke_width=4).set_points_as_corners([pts[0], pts[0]])
        dot = Dot(pts[0], radius=0.08, color=HIGHLIGHTS[1])
        value = Text(f"FID {number(float(run.probe_fid[0]), self.lang, 1)}", font_size=22, color=HIGHLIGHTS[1])
        value.next_to(dot, RIGHT, buff=0.15)
        self.play(FadeIn(line), FadeIn(dot), FadeIn(value), run_time=0.5)
        return SimpleNamespace(grid=grid, step_text=step_text, axes=axes, pts=pts, line=line, dot=dot, value=value,
                               shown={"snap": 0, "probe": 0})

    def step_text(self, run: TrainingSnapshots, step: int) -> VGroup:
        """'paso 1.000' over '512.000 imágenes vistas'."""
        seen = step * int(run.meta.get("batch_size", 0))
        return VGroup(Text(self.t("dtrain_step").format(step=number(step, self.lang)), font_size=26, color=INK),
                      Text(self.t("dtrain_seen").format(images=number(seen, self.lang)), font_size=20, color=MUTED)
                      ).arrange(DOWN, aligned_edge=LEFT, buff=0.1)

    # 2. Training runs on a log clock: the latest snapshot's digits, the curve up to now
    def train(self, parts: SimpleNamespace, run: TrainingSnapshots, start: int, end: int, run_time: float) -> None:
        grid_steps = np.unique(np.concatenate([
            np.round(10 ** np.linspace(log_step(start), log_step(end), 90) - 1),
            run.steps[(run.steps >= start) & (run.steps <= end)]])).astype(int)
        shown = parts.shown

        def show(k: int) -> None:
            step = int(grid_steps[k])
            snap = int(np.searchsorted(run.steps, step, side="right")) - 1  # the latest snapshot reached
            probe = int(np.searchsorted(run.probe_steps, step, side="right")) - 1
            if snap != shown["snap"]:
                shown["snap"] = snap
                parts.grid.set_images(run.digits[snap])
                retext(parts.step_text, self.step_text(run, int(run.steps[snap]))
                       .move_to(parts.step_text, aligned_edge=LEFT + DOWN))
            if probe != shown["probe"]:
                shown["probe"] = probe
                parts.line.set_points_as_corners(parts.pts[: probe + 1])
                parts.dot.move_to(parts.pts[probe])
                retext(parts.value, Text(f"FID {number(float(run.probe_fid[probe]), self.lang, 1)}", font_size=22,
                                         color=HIGHLIGHTS[1]).next_to(parts.dot, UP + RIGHT, buff=0.08))

        play_frames(self, len(grid_steps) - 1, show, [parts.grid, parts.step_text, parts.line, parts.dot, parts.value],
                    run_time, rate_func=lambda s: s)


__all__ = ["DigitsTraining", "number"]
