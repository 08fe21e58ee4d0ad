"""The DDPM as a graphical model (Ho et al. 2020, Fig. 2), drawn with real images: one
MNIST test digit at x_0 and the states the forward chain gives it at t - 1, t and T.

    manim -pqh scenes/graphical_model.py    (or: python cli.py render graphical-model)

x_T -> ... -> x_t -> x_{t-1} -> ... -> x_0 : the reverse process p_theta(x_{t-1} | x_t)
runs left to right (solid arrows), the forward process q(x_t | x_{t-1}) right to left
(dashed). The images are the chain's own states (``NoiseSchedule.forward_chain``), so
x_{t-1} and x_t look alike, as one step of noise is small. The digit is one of the 16
test images shipped in models/mnist/sample_digits.npz.
Video: GraphicalModel.mp4. Last frame: graphical_model.png.
"""

from __future__ import annotations

import torch
from manim import (
    DOWN,
    RIGHT,
    UP,
    Arrow,
    DashedVMobject,
    FadeIn,
    Group,
    GrowArrow,
    MathTex,
    Text,
    VGroup,
)

from diffusion_core import NoiseSchedule, ScheduleConfig
from scenes.homes import graphical_model as home
from scenes.kit.digits import DigitGrid, load_sample_digits
from scenes.kit.settings import LectureScene
from scenes.kit.theme import HIGHLIGHTS, INK, MUTED

TILE = 1.9  # a node's side, scene units


class GraphicalModel(LectureScene):
    """Fig. 2 of the DDPM paper with one real digit noised by the real chain."""

    HOME = home.HOME  # its key, outputs, beats, aspects and settings' defaults (scenes/homes/graphical_model.py)

    t_middle: int  # t of the middle pair of nodes, x_t and x_{t-1}
    T: int = 1000
    schedule: str
    digit: int  # which of the shipped test digits
    CHOICES = {**LectureScene.CHOICES, "schedule": ("linear", "cosine")}

    def states(self) -> dict[str, torch.Tensor]:
        """x_0, x_{t-1}, x_t and x_T of one chain: (1, 28, 28) each."""
        if not 2 <= self.t_middle <= self.T - 1:
            raise ValueError(f"t_middle must lie within 2..{self.T - 1}, got {self.t_middle}")
        sched = NoiseSchedule.from_config(ScheduleConfig(self.schedule, self.T))
        x0 = load_sample_digits(self.digit + 1)[self.digit : self.digit + 1]  # (1, 1, 28, 28)
        chain = sched.forward_chain(x0, torch.Generator().manual_seed(self.seed))  # (T+1, 1, 1, 28, 28)
        return {"T": chain[self.T][0], "t": chain[self.t_middle][0], "t-1": chain[self.t_middle - 1][0], "0": chain[0][0]}

    def construct(self):
        x = self.states()
        title = self.title("graphical_title", "graphical_sub")

        # 1. The four states, from noise (left) to the digit (right)
        names = {"T": "x_T", "t": "x_t", "t-1": "x_{t-1}", "0": "x_0"}
        nodes = {k: DigitGrid(x[k].numpy()[None], cols=1, width=TILE) for k in names}
        dots = [MathTex(r"\cdots", font_size=40, color=INK) for _ in range(2)]
        row = Group(nodes["T"], dots[0], nodes["t"], nodes["t-1"], dots[1], nodes["0"])
        row.arrange(RIGHT, buff=0.75)
        row[3].shift(1.3 * RIGHT)  # room for the two labelled arrows between x_t and x_{t-1}
        row[4:].shift(1.3 * RIGHT)
        row.move_to(0.3 * DOWN)
        labels = VGroup(*[MathTex(names[k], font_size=34).next_to(nodes[k], DOWN, buff=0.15) for k in names])

        # 2. p_theta runs left to right (solid), q right to left (dashed)
        items = list(row)
        p_arrows = VGroup(*[Arrow(a.get_right(), b.get_left(), buff=0.1, color=HIGHLIGHTS[1], stroke_width=4,
                                  max_tip_length_to_length_ratio=0.3) for a, b in zip(items[:-1], items[1:])])
        middle = p_arrows[2]  # x_t -> x_{t-1}
        middle.shift(0.35 * UP)
        p_label = MathTex(r"p_\theta(x_{t-1} \mid x_t)", font_size=30, color=HIGHLIGHTS[1]).next_to(middle, UP, buff=0.1)
        q_arrow = DashedVMobject(Arrow(nodes["t-1"].get_left(), nodes["t"].get_right(), buff=0.1, color=HIGHLIGHTS[0],
                                       stroke_width=4, max_tip_length_to_length_ratio=0.15), num_dashes=12)
        q_arrow.shift(0.35 * DOWN)
        q_label = MathTex(r"q(x_t \mid x_{t-1})", font_size=30, color=HIGHLIGHTS[0]).next_to(q_arrow, DOWN, buff=0.1)

        self.beat("graphical_chain")
        self.play(FadeIn(title), run_time=0.6)
        self.play(FadeIn(nodes["0"]), FadeIn(labels[3]), run_time=0.6)
        self.play(FadeIn(nodes["t-1"]), FadeIn(labels[2]), FadeIn(nodes["t"]), FadeIn(labels[1]), FadeIn(q_arrow),
                  FadeIn(q_label), run_time=1.0)
        self.play(FadeIn(dots[0]), FadeIn(dots[1]), FadeIn(nodes["T"]), FadeIn(labels[0]), run_time=0.8)
        self.beat("graphical_reverse")
        self.play(*[GrowArrow(a) for a in p_arrows], FadeIn(p_label), run_time=1.0)
        note = Text(self.t("graphical_note").format(t=self.t_middle), font_size=22, color=MUTED)
        note.next_to(labels, DOWN, buff=0.55).set_x(0)
        self.titles.append(note)  # words for the video; a figure shows only the model
        self.play(FadeIn(note), run_time=0.6)
        self.wait(2.5)
