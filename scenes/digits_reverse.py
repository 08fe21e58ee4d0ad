"""Samples of the trained MNIST UNet emerging from pure noise, beside its predicted x_0.

    manim -pqh scenes/digits_reverse.py     (or: python cli.py render digits-reverse)

Uses the shipped checkpoint models/mnist/ddpm_mnist.pt (python cli.py train mnist). The
trajectory is sampled once per checkpoint, sampler and seed and kept in the cache (DDPM's
1,000 UNet steps on 16 digits take about half a minute on 2 CPU cores).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, FadeIn, MathTex, Text, VGroup

from diffusion_core import DDPM, Sampler
from scenes.kit.digits import DigitGrid
from scenes.kit.playback import digit_trajectory, play_frames
from scenes.kit.settings import LectureScene
from scenes.kit.theme import MUTED
from scenes.kit.widgets import TimeBar


class DigitsReverse(LectureScene):
    """Samples emerge from pure noise under the trained UNet, beside its predicted x_0."""

    BEATS = ("digits_rev_noise", "digits_rev_steps", "digits_rev_final")
    n_samples: int = 16
    run_time: float = 9.0
    checkpoint: str = "ddpm_mnist.pt"  # in models/mnist/, or an absolute path
    sampler: Sampler = DDPM(clip=1.0)  # p_theta(x_{t-1} | x_t), every step; or DDIM(steps=50, clip=1.0)

    def construct(self):
        traj, result = digit_trajectory(self.checkpoint, self.sampler, self.n_samples, self.seed)
        xs, preds, times = traj.xs.numpy(), traj.x0_preds.numpy(), traj.timesteps.numpy()
        cols = int(np.ceil(np.sqrt(self.n_samples)))

        # 1. Initial noise
        self.beat("digits_rev_noise")
        title = self.title("digits_rev_title", "digits_rev_sub")
        left = DigitGrid(xs[0], cols=cols, width=4.6).move_to([-3.1, -0.75, 0])
        right = DigitGrid(preds[0], cols=cols, width=4.6).move_to([3.1, -0.75, 0])
        left_label = MathTex("x_t", font_size=36).next_to(left, UP, buff=0.15)
        right_label = VGroup(Text(self.t("pred_x0"), font_size=24)).next_to(right, UP, buff=0.15)
        bar = TimeBar(result.schedule.T, width=4.0).to_corner(UP + LEFT, buff=0.4).shift(1.2 * DOWN)
        bar.set_t(int(times[0]))
        moment = Text(self.t("initial_noise"), font_size=28, color=MUTED).next_to(bar, RIGHT, buff=0.8)
        self.play(FadeIn(title), FadeIn(left), FadeIn(right), FadeIn(left_label), FadeIn(right_label), FadeIn(bar), FadeIn(moment), run_time=1.0)

        # 2. Intermediate steps, 3. final output
        self.beat("digits_rev_steps")
        K = len(xs) - 1
        shown = SimpleNamespace(phase=0)
        captions = [self.t("initial_noise"), self.t("intermediate"), self.t("final_output")]

        def show(k: int) -> None:
            left.set_images(xs[k])
            right.set_images(preds[min(k, K - 1)])
            bar.set_t(int(times[k]))
            phase = 0 if k < 0.05 * K else (1 if k < K else 2)
            if phase != shown.phase:
                shown.phase = phase
                moment.become(Text(captions[phase], font_size=28, color=MUTED).move_to(moment, aligned_edge=LEFT))

        play_frames(self, K, show, [left, right, bar, moment], self.run_time, rate_func=lambda s: 1 - (1 - s) ** 1.6)
        self.beat("digits_rev_final")
        self.wait(1.5)
