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

from diffusion_core import NoiseSchedule, ScheduleConfig, sample_digits_path
from scenes.cloud import PixelImage, pixels_per_unit
from scenes.playback import play_frames
from scenes.settings import LectureScene
from scenes.theme import MUTED
from scenes.widgets import TimeBar, informative_steps


def load_sample_digits(n: int) -> torch.Tensor:
    """n shipped test digits as (n, 1, 28, 28) floats in [-1, 1]."""
    with np.load(sample_digits_path()) as data:
        images = data["images"][:n]
    return torch.from_numpy(images.astype(np.float64) / 127.5 - 1.0).unsqueeze(1)


class DigitGrid(PixelImage):
    """Images in a grid, upscaled by an integer factor with nearest-neighbour pixels."""

    def __init__(self, images: np.ndarray, cols: int, width: float, gap_px: int = 6, **kwargs):
        self.cols = cols
        self.rows = int(np.ceil(len(images) / cols))
        target = width * pixels_per_unit()
        self.scale_px = max(int(target // (cols * 28 + (cols - 1) * gap_px)), 1)
        self.gap_px = gap_px
        super().__init__(self._draw(images), **kwargs)
        from PIL import Image

        self.set_resampling_algorithm(Image.Resampling.NEAREST)
        h, w = self.pixel_array.shape[:2]
        ppu = pixels_per_unit()
        self.stretch_to_fit_width(w / ppu).stretch_to_fit_height(h / ppu)

    def _draw(self, images: np.ndarray) -> np.ndarray:
        """images: (K, 1, 28, 28) or (K, 28, 28) in [-1, 1] (clipped) -> RGBA."""
        images = np.clip(np.asarray(images, dtype=np.float32).reshape(-1, 28, 28), -1, 1)
        s, g = self.scale_px, self.gap_px
        cell = 28 * s
        h = self.rows * cell + (self.rows - 1) * g
        w = self.cols * cell + (self.cols - 1) * g
        out = np.zeros((h, w, 4), np.uint8)  # transparent gaps
        gray = ((images + 1) * 127.5).astype(np.uint8)
        for k, img in enumerate(gray):
            r, c = divmod(k, self.cols)
            big = img.repeat(s, axis=0).repeat(s, axis=1)  # nearest neighbour
            y, x = r * (cell + g), c * (cell + g)
            out[y : y + cell, x : x + cell, :3] = big[..., None]
            out[y : y + cell, x : x + cell, 3] = 255
        return out

    def set_images(self, images: np.ndarray) -> "DigitGrid":
        self.pixel_array = self._draw(images)
        return self


class DigitsForward(LectureScene):
    """A row of real digits noised step by step, beside the closed-form jump."""

    BEATS = ("digits_two_ways", "digits_noise", "digits_moments")
    n_digits: int = 6
    schedule: str = "linear"
    T: int = 1000
    run_time: float = 8.0
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
