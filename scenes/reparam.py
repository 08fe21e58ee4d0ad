"""The reparametrization shortcut: t small steps of q(x_t | x_{t-1}) land where one
jump of the closed form q(x_t | x_0) lands (Ho et al. 2020, eq. 4).

    manim -pqh scenes/reparam.py            (or: python cli.py render reparam)

The formula on screen uses alpha_bar_t (the deck's slide writes alpha_t: a typo).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import torch
from manim import (
    DOWN,
    LEFT,
    ORIGIN,
    RIGHT,
    UP,
    FadeIn,
    FadeOut,
    MathTex,
    SurroundingRectangle,
    Text,
    TransformMatchingTex,
    VGroup,
    Write,
)

from diffusion_core import sample_data, sliced_wasserstein
from scenes.homes import reparam as home
from scenes.kit.cloud import CloudPanel
from scenes.kit.playback import play_states
from scenes.kit.settings import ToyModelScene
from scenes.kit.theme import ACCENT, MUTED, fit_right
from scenes.kit.widgets import TimeBar

SHORTCUT = r"x_t = \sqrt{\bar\alpha_t}\,x_0 + \sqrt{1-\bar\alpha_t}\,\epsilon"


class ReparametrizationShortcut(ToyModelScene):
    """Step-by-step chain (left) against the closed-form jump (right), for several t."""

    HOME = home.HOME  # its key, outputs, beats, aspects and settings' defaults (scenes/homes/reparam.py)

    checkpoints: str
    seconds_per_stage: float

    def stages(self) -> list[int]:
        try:
            ts = [int(s) for s in self.checkpoints.split(",")]
        except ValueError as exc:
            raise ValueError(f"checkpoints must be comma-separated integers, got {self.checkpoints!r}") from exc
        if not ts or any(not 1 <= t <= self.T for t in ts) or ts != sorted(ts):
            raise ValueError(f"checkpoints must increase within 1..{self.T}, got {self.checkpoints!r}")
        return ts

    def construct(self):
        schedule = self.train_config().schedule.build()
        x0 = sample_data(self.data_config(), self.n_points, seed=self.seed).double()
        gen = torch.Generator().manual_seed(self.seed)
        chain = schedule.forward_chain(x0, gen).numpy()  # (T+1, N, 2)

        # 1. The formula, and the two ways of reaching x_t
        self.beat("reparam_ways")
        title = self.title("reparam_title")
        formula = MathTex(SHORTCUT, r",\quad \epsilon \sim \mathcal{N}(0, \mathbf{I})", font_size=38)
        formula.next_to(title, DOWN, buff=0.35).set_x(0)
        left = CloudPanel(chain[0], side=4.3).move_to([-4.5, -1.4, 0])
        right = CloudPanel(chain[0], side=4.3).move_to([0.2, -1.4, 0])
        left_label = Text(self.t("chain"), font_size=26, color=MUTED).next_to(left, UP, buff=0.12)
        right_label = Text(self.t("jump"), font_size=26, color=MUTED).next_to(right, UP, buff=0.12)
        bar = TimeBar(self.T, width=3.6).next_to(right, RIGHT, buff=0.6).align_to(right, UP).shift(0.3 * DOWN)
        self.play(FadeIn(title), Write(formula), run_time=1.2)
        self.play(FadeIn(left), FadeIn(right), FadeIn(left_label), FadeIn(right_label), FadeIn(bar), run_time=0.8)

        # 2. For each t: the chain walks there, the closed form jumps there
        self.beat("reparam_jumps")
        t_prev, readout = 0, None
        for t in self.stages():
            play_states(self, left.cloud, chain[t_prev : t + 1], np.arange(t_prev, t + 1), bar,
                        run_time=self.seconds_per_stage * 0.6)
            eps = torch.randn(x0.shape, generator=gen, dtype=x0.dtype)
            jump = schedule.q_sample(x0, t, eps).numpy()
            second = schedule.q_sample(x0, t, torch.randn(x0.shape, generator=gen, dtype=x0.dtype)).numpy()
            right.cloud.set_xy(jump)
            d = sliced_wasserstein(torch.from_numpy(chain[t]), torch.from_numpy(jump))
            floor = sliced_wasserstein(torch.from_numpy(second), torch.from_numpy(jump))
            new = self.readout(d, floor).next_to(bar, DOWN, buff=0.5).align_to(bar, LEFT)
            self.play(FadeIn(right.cloud), *([FadeOut(readout)] if readout else []), FadeIn(new),
                      run_time=0.4)
            readout = new
            self.note(self.t("note_reparam_stage").format(t=t, d=d, floor=floor))
            self.wait(self.seconds_per_stage * 0.4)
            t_prev = t
        agree = Text(self.t("agree"), font_size=26, color=ACCENT).next_to(readout, DOWN, buff=0.4).align_to(bar, LEFT)
        fit_right(agree)
        self.play(FadeIn(agree), run_time=0.6)
        self.wait(0.8)

        # 3. Why: Gaussians merge, and alpha_bar_t is the product of the alphas
        self.beat("reparam_why")
        self.play(*[FadeOut(m) for m in (left, right, left_label, right_label, bar, readout, agree)], run_time=0.6)
        self.explain(formula)
        self.wait(1.2)

    def readout(self, d: float, floor: float) -> VGroup:
        """Distance between the two clouds (``d``) next to the distance between two jumps."""
        group = VGroup(
            Text(f"{self.t('swd')}: {d:.3f}", font_size=22),
            Text(f"{self.t('floor')}: {floor:.3f}", font_size=22, color=MUTED),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.15)
        return group.scale_to_fit_width(min(group.width, 3.6))

    def explain(self, formula: MathTex) -> None:
        why = Text(self.t("why"), font_size=28, color=ACCENT)
        lines = VGroup(
            MathTex(r"x_1 = \sqrt{\alpha_1}\,x_0 + \sqrt{1-\alpha_1}\,\epsilon_1", font_size=36),
            MathTex(r"x_2 = \sqrt{\alpha_2}\,x_1 + \sqrt{1-\alpha_2}\,\epsilon_2", font_size=36),
            MathTex(r"= \sqrt{\alpha_2\alpha_1}\,x_0 + \sqrt{\alpha_2(1-\alpha_1)}\,\epsilon_1 + \sqrt{1-\alpha_2}\,\epsilon_2", font_size=36),
            MathTex(r"= \sqrt{\alpha_2\alpha_1}\,x_0 + \sqrt{1-\alpha_2\alpha_1}\,\bar\epsilon", font_size=36),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.3)
        lines[2].shift(0.55 * RIGHT)
        lines[3].align_to(lines[2], LEFT)
        merge = MathTex(
            r"\alpha_2(1-\alpha_1) + (1-\alpha_2) = 1 - \alpha_2\alpha_1", font_size=34, color=MUTED
        )
        product = VGroup(
            Text(self.t("product"), font_size=26),
            MathTex(r"\bar\alpha_t = \prod_{s=1}^{t} \alpha_s,\quad \alpha_s = 1 - \beta_s", font_size=36),
        ).arrange(RIGHT, buff=0.25)
        block = VGroup(why, lines, merge, product).arrange(DOWN, aligned_edge=LEFT, buff=0.28)
        block.next_to(formula, DOWN, buff=0.4).set_x(0)
        if block.get_bottom()[1] < -3.8:
            block.scale((formula.get_bottom()[1] - 0.4 + 3.8) / block.height).next_to(formula, DOWN, buff=0.4)
        for m in (why, lines[0], lines[1]):
            self.play(FadeIn(m, shift=0.1 * DOWN), run_time=0.6)
        self.play(Write(lines[2]), run_time=1.0)
        self.play(FadeIn(merge), run_time=0.6)
        self.play(TransformMatchingTex(lines[2].copy(), lines[3]), run_time=1.0)
        self.play(FadeIn(product), run_time=0.8)
        self.play(formula.animate.set_color(ACCENT), run_time=0.4)
        box = SurroundingRectangle(formula, color=ACCENT, buff=0.15)
        self.play(FadeIn(box), run_time=0.5)
        self.derivation = SimpleNamespace(formula=VGroup(formula, box), why=why, lines=lines, merge=merge,
                                          product=product)

    def figure_layout(self) -> None:
        """The derivation as a slide's figure, wide and low: the boxed closed form on top,
        the chain of equalities at the left, why they hold at the right."""
        d = self.derivation
        left = VGroup(d.why, d.lines).arrange(DOWN, aligned_edge=LEFT, buff=0.3)
        right = VGroup(d.merge, d.product).arrange(DOWN, aligned_edge=LEFT, buff=0.5)
        if self.narrow:  # a 4:3 slide shows the figure narrower: why they hold under the chain, not beside it
            body = VGroup(left, right).arrange(DOWN, buff=0.4, aligned_edge=LEFT)
        else:
            body = VGroup(left, right).arrange(RIGHT, buff=0.9, aligned_edge=DOWN)
        VGroup(d.formula, body).arrange(DOWN, buff=0.45).move_to(ORIGIN)
        whole = VGroup(d.formula, body)
        if whole.width > 13.6:
            whole.scale_to_fit_width(13.6)
