"""Strips of digits through the diffusion: real test digits turned into noise by the
forward chain, and digits the shipped UNet generates from noise (its own DDPM
trajectory). Figures for a slide (wide and low), with a short build-up as the video.

    manim -pqh scenes/digit_strips.py           (or: python cli.py render digits-forward-strip)
    manim -pqh scenes/digit_strips_reverse.py   (or: python cli.py render digits-reverse-strip)

The moments are spread evenly in signal, sqrt(abar_t), not in t (most of the picture
changes early in the forward process). The reverse strip shows the first digits of the
same cached trajectory as the digits-reverse scene (DDPM, x_0 clipped to [-1, 1]).
Videos: DigitStripForward.mp4, DigitStripReverse.mp4. Last frames: digits_forward_strip.png,
digits_reverse_strip.png.
"""

from __future__ import annotations

import numpy as np
import torch
from manim import DOWN, LEFT, RIGHT, UP, Arrow, BackgroundRectangle, FadeIn, Group, MathTex, VGroup

from diffusion_core import DDPM, NoiseSchedule, ScheduleConfig
from diffusion_core.mnist.frames import LEVELS, from_gray, signal_steps
from scenes.homes import digit_strips as home
from scenes.kit.cloud import pixels_per_unit
from scenes.kit.digits import DigitGrid, load_sample_digits
from scenes.kit.playback import digit_trajectory
from scenes.kit.settings import LectureScene
from scenes.kit.theme import HIGHLIGHTS, MUTED


class DigitStripForward(LectureScene):
    """Rows of real digits, each noised by the chain q(x_t | x_{t-1}) from x_0 to x_T."""

    HOME = home.HOME  # its key, outputs, beats, aspects and settings' defaults (scenes/homes/digit_strips.py)

    direction: str  # "reverse": the UNet's samples from x_T to x_0
    n_rows: int
    T: int = 1000
    checkpoint: str  # reverse: in models/mnist/, or an absolute path
    CHOICES = {**LectureScene.CHOICES, "direction": ("forward", "reverse")}

    def moments(self) -> tuple[np.ndarray, list[int]]:
        """(states (K, rows, 1, 28, 28) at the strip's moments, their t), left to right."""
        if self.direction == "forward":
            sched = NoiseSchedule.from_config(ScheduleConfig("linear", self.T))
            x0 = load_sample_digits(self.n_rows)
            chain = sched.forward_chain(x0, torch.Generator().manual_seed(self.seed)).numpy()  # (T+1, rows, ...)
            ts = signal_steps(sched.alpha_bar.numpy())
            return np.stack([chain[t] for t in ts]), ts
        # the same trajectory as the digits-reverse scene (16 digits, this seed): the first rows
        frames, result = digit_trajectory(self.checkpoint, DDPM(clip=1.0), 16, self.seed)
        ts = signal_steps(result.schedule.alpha_bar.numpy())[::-1]
        index = [int(np.flatnonzero(frames.timesteps == t)[0]) for t in ts]  # kept: the strip's moments are
        return from_gray(frames.xs[index][:, : self.n_rows, None]), ts

    def construct(self):
        states, ts = self.moments()
        K = len(ts)
        title = self.title(f"strip_{self.direction}_title", f"strip_{self.direction}_sub")

        # 1. The strip builds column by column: each column is one moment of the same rows
        images = np.concatenate([states[:, r] for r in range(states.shape[1])])  # row-major: row, then moment
        forward = self.direction == "forward"
        formula = MathTex(r"q(x_t \mid x_{t-1})" if forward else r"p_\theta(x_{t-1} \mid x_t)", font_size=30,
                          color=MUTED)
        arrow = Arrow(LEFT, RIGHT, buff=0, stroke_width=3, color=HIGHLIGHTS[0] if forward else HIGHLIGHTS[1],
                      max_tip_length_to_length_ratio=0.15).scale_to_fit_width(formula.width)
        side = VGroup(formula, arrow).arrange(DOWN, buff=0.12)  # at the strip's left: wide and low, for a slide
        grid = DigitGrid(images, cols=K, width=13.2 - side.width - 0.3, gap_px=max(int(0.05 * pixels_per_unit()), 2))
        Group(side, grid).arrange(RIGHT, buff=0.3).move_to(0.2 * DOWN)
        pitch = (28 * grid.scale_px + grid.gap_px) / pixels_per_unit()
        left, top = grid.get_left()[0], grid.get_top()[1]
        labels = VGroup()  # each in its column's top tile, on a light patch: no row of its own, a lower figure
        for j, t in enumerate(ts):
            label = MathTex(f"x_{{{t}}}", font_size=26).move_to([left + j * pitch + 0.06, top - 0.05, 0],
                                                              aligned_edge=UP + LEFT)
            labels.add(VGroup(BackgroundRectangle(label, color=self.background, fill_opacity=0.85, buff=0.04), label))
        self.beat("strip_build")
        blank = np.full_like(images, -1.0)  # columns not yet shown: black, as an empty tile
        self.play(FadeIn(title), run_time=0.6)
        for j in range(1, K + 1):
            shown = blank.copy()
            for r in range(states.shape[1]):
                shown[r * K : r * K + j] = images[r * K : r * K + j]
            grid.set_images(shown)
            if j == 1:
                self.play(FadeIn(grid), FadeIn(labels[0]), run_time=0.5)
            else:
                self.play(FadeIn(labels[j - 1]), run_time=0.35)
        self.beat("strip_direction")
        self.play(FadeIn(side), run_time=0.6)
        self.wait(2.5)

    def figure_layout(self) -> None:
        """Already a figure: the strip, its labels, the arrow and formula."""


__all__ = ["DigitStripForward", "signal_steps", "LEVELS"]
