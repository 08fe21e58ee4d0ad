"""Samples of the trained MNIST UNet emerging from pure noise, beside its predicted x_0.

    manim -pqh scenes/digits_reverse.py     (or: python cli.py render digits-reverse)

Uses the shipped checkpoint models/mnist/ddpm_mnist.pt (python cli.py train mnist) and the
frames recorded from it (models/mnist/digit_frames.npz: python cli.py mnist record-frames),
so a render samples nothing; another checkpoint's trajectory is sampled once per sampler and
seed and kept in the cache (DDPM's 1,000 UNet steps on 16 digits: about two minutes on 2 CPU cores).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, FadeIn, MathTex, Text, VGroup

from diffusion_core import Sampler
from diffusion_core.mnist.frames import reverse_ease
from scenes.homes import digits_reverse as home
from scenes.kit.digits import DigitGrid
from scenes.kit.playback import digit_trajectory, play_frames
from scenes.kit.settings import LectureScene
from scenes.kit.theme import MUTED, retext
from scenes.kit.widgets import TimeBar

GRID = 5.9  # each grid's width, scene units (whole pixels per digit pixel: 6 at 1080p, 4 at 720p)
# the 4:3 frame (10.7 units wide) on the half-width column of a 4:3 slide, about 390 px: text
# 33 (a Text's 16 px there), formulas 48; the time bar under the grids, the moment beside it
NARROW = {"grid": 4.3, "x": 2.6, "y": -0.55, "sub": 32, "label": 34, "bar": (3.2, 1.3), "moment": 33}
WIDE = {"grid": GRID, "x": 3.35, "y": -0.85, "sub": 30, "label": 30, "bar": (3.0, 1.2), "moment": 30}


class DigitsReverse(LectureScene):
    """Samples emerge from pure noise under the trained UNet, beside its predicted x_0."""

    HOME = home.HOME  # its key, outputs, beats, aspects and settings' defaults (scenes/homes/digits_reverse.py)

    n_samples: int
    run_time: float
    checkpoint: str  # in models/mnist/, or an absolute path
    sampler: Sampler  # p_theta(x_{t-1} | x_t), every step; or DDIM(steps=50, clip=1.0)

    def construct(self):
        frames, result = digit_trajectory(self.checkpoint, self.sampler, self.n_samples, self.seed)
        xs, preds, times = frames.xs, frames.x0_preds, frames.timesteps  # the kept states (see DigitFrames)
        cols = int(np.ceil(np.sqrt(self.n_samples)))

        # 1. Initial noise
        self.beat("digits_rev_noise")
        lay = NARROW if self.narrow else WIDE
        title = self.title("digits_rev_title", "digits_rev_sub", sub_size=lay["sub"])  # the slide shows it half-width
        # two large grids (a slide shows this video in half its width: a digit must stay >= 40 px there)
        left = DigitGrid(xs[0], cols=cols, width=lay["grid"]).move_to([-lay["x"], lay["y"], 0])
        right = DigitGrid(preds[0], cols=cols, width=lay["grid"]).move_to([lay["x"], lay["y"], 0])
        left_label = MathTex("x_t", font_size=48).next_to(left, UP, buff=0.15).align_to(left, LEFT)
        right_label = VGroup(Text(self.t("pred_x0"), font_size=lay["label"])).next_to(right, UP, buff=0.15)
        right_label.align_to(right, LEFT)
        bar = TimeBar(result.schedule.T, width=lay["bar"][0], text=lay["bar"][1])
        moment = Text(self.t("initial_noise"), font_size=lay["moment"], color=MUTED)
        if self.narrow:  # the bar under the left grid, the moment under the right one
            bar.next_to(left, DOWN, buff=0.12).align_to(left, LEFT)
            moment.next_to(right, DOWN, buff=0.25).align_to(right, RIGHT)
        else:  # top right, beside the title
            bar.move_to([5.0, 2.95, 0])
        bar.set_t(int(times[0]))
        if not self.narrow:
            moment.next_to(bar, DOWN, buff=0.15).align_to(bar, RIGHT)
        self.play(FadeIn(title), FadeIn(left), FadeIn(right), FadeIn(left_label), FadeIn(right_label), FadeIn(bar), FadeIn(moment), run_time=1.0)

        # 2. Intermediate steps, 3. final output
        self.beat("digits_rev_steps")
        K = frames.K
        shown = SimpleNamespace(phase=0)
        captions = [self.t("initial_noise"), self.t("intermediate"), self.t("final_output")]

        def show(k: int) -> None:  # step k of K: the last kept state reached, with its own t
            j = frames.at(k)
            left.set_images(xs[j])
            right.set_images(preds[j])
            bar.set_t(int(times[j]))
            phase = 0 if k < 0.05 * K else (1 if k < K else 2)
            if phase != shown.phase:
                shown.phase = phase
                retext(moment, Text(captions[phase], font_size=lay["moment"], color=MUTED).move_to(moment, aligned_edge=RIGHT))

        play_frames(self, K, show, [left, right, bar, moment], self.run_time, rate_func=reverse_ease)
        self.beat("digits_rev_final")
        self.wait(1.5)
