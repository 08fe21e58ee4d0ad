"""The forward (noising) process q(x_t | x_{t-1}) on a 2D toy cloud.

    manim -pqh scenes/forward.py            (or: python cli.py render forward)

Video: the deck's DiffusionProcess.mp4. Last frame: forward_process.png.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import torch
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Circle,
    DashedVMobject,
    FadeIn,
    FadeOut,
    MathTex,
    Text,
    VGroup,
    Write,
)

from diffusion_core import sample_data
from scenes.homes import forward as home
from scenes.kit.playback import play_states
from scenes.kit.settings import ToyModelScene
from scenes.kit.theme import ACCENT, HIGHLIGHTS, MUTED
from scenes.kit.widgets import Trails, cloud_layout, informative_steps, show_snapshots

STEP_FORMULA = r"q(x_t \mid x_{t-1}) = \mathcal{N}\!\left(x_t;\ \sqrt{1-\beta_t}\,x_{t-1},\ \beta_t \mathbf{I}\right)"


class ForwardProcess(ToyModelScene):
    """Thousands of points diffused step by step, from the data to N(0, I)."""

    HOME = home.HOME  # its key, outputs, beats, aspects and settings' defaults (scenes/homes/forward.py)

    n_highlight: int
    run_time: float

    def construct(self):
        states, alpha_bar = self.compute()
        self.beat("forward_data")
        parts = self.show_data(states)  # 1. Show the data
        self.beat("forward_noise")
        self.add_noise(parts, states)  # 2. Add noise step by step, tracing a few points
        self.beat("forward_gaussian")
        self.show_gaussian(parts)  # 3. The end is an isotropic Gaussian
        # 4. Five moments of the same chain: the still forward_process.png
        self.beat("forward_moments")
        self.play(*[FadeOut(m) for m in parts.__dict__.values()], run_time=0.6)
        self.show_strip(states, alpha_bar)
        self.wait(1.0)

    def compute(self) -> tuple[np.ndarray, np.ndarray]:
        """Every x_t of the chain, t = 0..T, as the core computes it: (T+1, N, 2)."""
        schedule = self.train_config().schedule.build()
        x0 = sample_data(self.data_config(), self.n_points, seed=self.seed).double()
        states = schedule.forward_chain(x0, torch.Generator().manual_seed(self.seed)).numpy()
        return states, schedule.alpha_bar.numpy()

    def show_data(self, states: np.ndarray) -> SimpleNamespace:
        title = self.title("forward_title", "forward_sub")
        layout = cloud_layout(states[0], STEP_FORMULA, self.T, font_size=36)
        panel, eq, bar = layout.panel, layout.eq, layout.bar
        label = Text(self.t("data"), font_size=24, color=MUTED)
        label.next_to(panel.frame.get_corner(UP + LEFT), DOWN + RIGHT, buff=0.15)
        self.play(FadeIn(title), FadeIn(panel), FadeIn(label), run_time=1.0)
        self.play(Write(eq), FadeIn(bar), run_time=1.2)
        return SimpleNamespace(title=title, panel=panel, eq=eq, bar=bar, label=label)

    def add_noise(self, parts: SimpleNamespace, states: np.ndarray) -> None:
        rng = np.random.default_rng(self.seed)
        idx = rng.choice(states.shape[1], size=min(self.n_highlight, states.shape[1]), replace=False)
        parts.trails = Trails(parts.panel, states, idx, width=1.6)
        self.add(parts.trails)
        self.play(FadeOut(parts.label), run_time=0.3)
        # pacing only: early steps (where the shape dissolves) get more screen time
        play_states(self, parts.panel.cloud, states, np.arange(len(states)), parts.bar, parts.trails,
                    run_time=self.run_time, rate_func=lambda s: s**1.6)
        parts.label = Text(self.t("noise"), font_size=24, color=MUTED).move_to(parts.label, aligned_edge=LEFT)
        self.play(FadeIn(parts.label), run_time=0.4)

    def show_gaussian(self, parts: SimpleNamespace) -> None:
        """Dashed circles at 1 and 2 standard deviations of N(0, I)."""
        panel = parts.panel
        parts.rings = VGroup(*[
            DashedVMobject(Circle(radius=r * panel.side / (2 * panel.extent), color=ACCENT, stroke_width=3), num_dashes=40)
            .move_to(panel.frame.get_center())
            for r in (1, 2)
        ])
        parts.gauss = VGroup(
            MathTex(r"x_T \sim \mathcal{N}(0, \mathbf{I})", font_size=40, color=ACCENT),
            Text(self.t("isotropic"), font_size=24, color=MUTED),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.15)
        parts.gauss.next_to(parts.bar, DOWN, buff=0.8).align_to(parts.bar, LEFT)
        self.play(FadeIn(parts.rings), FadeIn(parts.gauss), run_time=1.2)
        self.wait(0.6)

    def show_strip(self, states: np.ndarray, alpha_bar: np.ndarray) -> None:
        steps = informative_steps(alpha_bar)
        show_snapshots(self, states, steps, [f"x_{{{k}}}" for k in steps], self.t("snapshots"),
                       r"q(x_t \mid x_{t-1})", HIGHLIGHTS[0])
