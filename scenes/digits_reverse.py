"""Samples of the trained MNIST UNet emerging from pure noise, beside its predicted x_0.

    manim -pqh scenes/digits_reverse.py     (or: python cli.py render digits-reverse)

Uses the shipped checkpoint models/mnist/ddpm_mnist.pt (python cli.py train mnist). The
trajectory is sampled once per checkpoint, sampler and seed and kept in the cache (DDPM's
1,000 UNet steps on 16 digits take about half a minute on 2 CPU cores).
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import torch
from manim import DOWN, LEFT, RIGHT, UP, FadeIn, MathTex, Text, VGroup

from scenes.common import MUTED, LectureScene, TimeBar, cached
from scenes.digits import MNIST_MODELS, DigitGrid


class DigitsReverse(LectureScene):
    """Samples emerge from pure noise under the trained UNet, beside its predicted x_0."""

    n_samples: int = 16
    run_time: float = 9.0
    checkpoint: str = "ddpm_mnist.pt"  # in models/mnist/, or an absolute path
    sampler: str = "ddpm"  # p_theta(x_{t-1} | x_t), every step; "ddim" uses sample_steps
    sample_steps: int = 50
    CHOICES = {**LectureScene.CHOICES, "sampler": ("ddpm", "ddim")}

    def construct(self):
        from diffusion_core import ddim_sample, ddpm_sample
        from diffusion_core.mnist_train import load_mnist_checkpoint

        path = Path(self.checkpoint)
        path = path if path.is_absolute() else MNIST_MODELS / path
        result = load_mnist_checkpoint(path)  # a clear error when missing or corrupt
        shape = (self.n_samples, 1, 28, 28)
        steps = result.schedule.T if self.sampler == "ddpm" else min(self.sample_steps, result.schedule.T)

        def sample():
            print(f"Sampling {self.n_samples} digits with {self.sampler.upper()} ({steps} UNet steps) once; "
                  f"the trajectory is cached for later renders (DDPM: about a minute on 2 CPU cores).",
                  file=sys.stderr)
            gen = torch.Generator().manual_seed(self.seed)
            if self.sampler == "ddpm":
                return ddpm_sample(result.model, result.schedule, shape, generator=gen, clip_x0=1.0)
            return ddim_sample(result.model, result.schedule, shape, steps=steps, generator=gen, clip_x0=1.0)

        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        traj = cached(f"mnist-{digest}-{self.sampler}-{steps}-n{self.n_samples}-s{self.seed}.npz", sample)
        xs, preds, times = traj.xs.numpy(), traj.x0_preds.numpy(), traj.timesteps.numpy()
        cols = int(np.ceil(np.sqrt(self.n_samples)))

        # 1. Initial noise
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
        from manim import ValueTracker

        K = len(xs) - 1
        tracker = ValueTracker(0)
        shown = SimpleNamespace(k=None, phase=0)
        captions = [self.t("initial_noise"), self.t("intermediate"), self.t("final_output")]

        def update(_m):
            k = int(round(tracker.get_value()))
            if k == shown.k:
                return
            shown.k = k
            left.set_images(xs[k])
            right.set_images(preds[min(k, K - 1)])
            bar.set_t(int(times[k]))
            phase = 0 if k < 0.05 * K else (1 if k < K else 2)
            if phase != shown.phase:
                shown.phase = phase
                moment.become(Text(captions[phase], font_size=28, color=MUTED).move_to(moment, aligned_edge=LEFT))

        self.bring_to_front(left, right, bar, moment)
        left.add_updater(update)
        self.play(tracker.animate.set_value(K), run_time=self.run_time, rate_func=lambda s: 1 - (1 - s) ** 1.6)
        left.remove_updater(update)
        self.wait(1.5)
