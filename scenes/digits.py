"""Real MNIST digits: the forward process on images, and samples of the trained UNet.

    manim -pqh scenes/digits.py             (or: python cli.py render digits-forward)
    manim -pqh scenes/digits_reverse.py     (or: python cli.py render digits-reverse)

Pixels are drawn nearest-neighbour (never blurred). The digits shown are 16 test
images shipped in models/mnist/sample_digits.npz (MNIST, LeCun, Cortes and Burges,
CC BY-SA 3.0); the reverse scene uses the shipped checkpoint models/mnist/ddpm_mnist.pt (both under
$DIFFUSION_MODELS_DIR when it is set).
"""

from __future__ import annotations

import numpy as np
import torch
from manim import DOWN, LEFT, FadeIn, FadeOut, MathTex, Text, VGroup, Write

from diffusion_core import NoiseSchedule, ScheduleConfig
from scenes.homes import digits as home
from scenes.kit.cloud import pixels_per_unit
from scenes.kit.digits import DigitGrid, load_sample_digits
from scenes.kit.playback import play_frames
from scenes.kit.settings import LectureScene
from scenes.kit.theme import MUTED
from scenes.kit.widgets import TimeBar, informative_steps


class DigitsForward(LectureScene):
    """A row of real digits noised step by step, beside the closed-form jump."""

    HOME = home.HOME  # its key, outputs, beats, aspects and settings' defaults (scenes/homes/digits.py)

    n_digits: int
    schedule: str
    T: int = 1000
    run_time: float
    CHOICES = {**LectureScene.CHOICES, "schedule": ("linear", "cosine")}

    def construct(self):
        sched = NoiseSchedule.from_config(ScheduleConfig(self.schedule, self.T))
        x0 = load_sample_digits(self.n_digits)  # (n, 1, 28, 28)
        gen = torch.Generator().manual_seed(self.seed)
        chain = sched.forward_chain(x0, gen).numpy()  # (T+1, n, 1, 28, 28): q(x_t | x_{t-1}) step by step
        eps = torch.randn(x0.shape, generator=gen, dtype=x0.dtype)
        # the closed form, with one eps for the whole animation: x_t = sqrt(abar_t) x0 + sqrt(1-abar_t) eps
        jumps = np.stack([sched.q_sample(x0, t, eps).numpy() for t in range(self.T + 1)])

        # 1. The digits, and the two ways of noising them
        self.beat("digits_two_ways")
        title = self.title("digits_title", "digits_sub")
        top = DigitGrid(chain[0], cols=self.n_digits, width=8.6)
        bottom = DigitGrid(jumps[0], cols=self.n_digits, width=8.6)
        top.move_to([1.6, 0.45, 0])
        bottom.move_to([1.6, -2.15, 0])
        top_label = VGroup(
            Text(self.t("chain_digits"), font_size=24, color=MUTED),
            MathTex(r"q(x_t \mid x_{t-1})", font_size=32),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.12).next_to(top, LEFT, buff=0.4)
        bottom_label = VGroup(
            Text(self.t("jump_digits"), font_size=24, color=MUTED),
            MathTex(r"\sqrt{\bar\alpha_t}\,x_0 + \sqrt{1-\bar\alpha_t}\,\epsilon", font_size=30),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.12).next_to(bottom, LEFT, buff=0.4)
        bar = TimeBar(self.T, width=5.0).next_to(title, DOWN, buff=0.35).align_to(title, LEFT)
        self.play(FadeIn(title), FadeIn(top), FadeIn(bottom), FadeIn(bar), run_time=1.0)
        self.play(Write(top_label), Write(bottom_label), run_time=1.2)

        # 2. Noise step by step (top) and in one jump (bottom): the same distribution
        self.beat("digits_noise")
        def show(t: int) -> None:
            top.set_images(chain[t])
            bottom.set_images(jumps[t])
            bar.set_t(t)

        play_frames(self, self.T, show, [top, bottom, bar], self.run_time, rate_func=lambda s: s**1.6)
        self.wait(0.8)

        # 3. Five moments of the chain: the still forward_process_digits.png
        self.beat("digits_moments")
        self.play(*[FadeOut(m) for m in (top, bottom, top_label, bottom_label, bar)], run_time=0.5)
        self.show_strip(chain, sched.alpha_bar.numpy())
        self.wait(1.5)

    def show_strip(self, chain: np.ndarray, alpha_bar: np.ndarray) -> None:
        steps = informative_steps(alpha_bar)
        rows = min(4, chain.shape[1])
        images = np.stack([chain[t][i] for i in range(rows) for t in steps])  # row-major: digit, then t
        strip = DigitGrid(images, cols=len(steps), width=7.5, gap_px=12).move_to(0.4 * DOWN)
        pitch = (28 * strip.scale_px + strip.gap_px) / pixels_per_unit()
        left = strip.get_left()[0] + 28 * strip.scale_px / pixels_per_unit() / 2
        labels = VGroup(*[
            MathTex(f"x_{{{t}}}", font_size=32).move_to([left + j * pitch, strip.get_bottom()[1] - 0.35, 0])
            for j, t in enumerate(steps)
        ])
        self.play(FadeIn(strip), FadeIn(labels), run_time=1.0)
