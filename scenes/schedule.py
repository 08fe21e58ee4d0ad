"""Noise schedules: beta_t, alpha_bar_t, the signal sqrt(abar_t) and the noise
sqrt(1 - abar_t) against t, linear (Ho et al. 2020) against cosine (Nichol & Dhariwal 2021).

    manim -pqh scenes/schedule.py           (or: python cli.py render schedule)

Every curve is drawn from the arrays of the core's NoiseSchedule. Each quantity has a
colour of its own from Okabe and Ito's palette for colour-blind viewers (the three stay
apart under a simulated deuteranopia: tests/test_scenes.py), each schedule its line
(linear solid, cosine dashed), and every quantity its label at the end of its curves.
"""

from __future__ import annotations

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Axes,
    Create,
    DashedVMobject,
    FadeIn,
    Line,
    LogBase,
    MathTex,
    Text,
    VGroup,
)

from diffusion_core import NoiseSchedule
from scenes.homes import schedule as home
from scenes.kit.settings import LectureScene
from scenes.kit.theme import ACCENT, INK

QUANTITIES = (  # (label, colour): Okabe & Ito's blue, orange and bluish green
    (r"\bar\alpha_t", "#0072B2"),
    (r"\sqrt{\bar\alpha_t}", "#E69F00"),
    (r"\sqrt{1-\bar\alpha_t}", "#009E73"),
)
LABEL_GAP = 0.42  # scene units between two end labels


class NoiseSchedules(LectureScene):
    """Linear (solid) against cosine (dashed), from the same T."""

    HOME = home.HOME  # its key, outputs, beats, aspects and settings' defaults (scenes/homes/schedule.py)

    T: int = 1000

    def construct(self):
        lin, cos = NoiseSchedule.linear(self.T), NoiseSchedule.cosine(self.T)
        t = np.arange(1, self.T + 1)

        # 1. Two sets of axes: beta_t (log scale) and the signal/noise levels
        self.beat("schedule_axes")
        title = self.title("schedule_title")
        tick = max(self.T // 4, 1)
        x_config = {
            "numbers_to_include": list(range(0, self.T + 1, tick)), "font_size": 22,
            "decimal_number_config": {"group_with_commas": False, "num_decimal_places": 0},
        }
        beta_axes = Axes(
            x_range=[0, self.T, tick], y_range=[-5, 0, 1], x_length=4.4, y_length=4.4,
            y_axis_config={"scaling": LogBase(custom_labels=True), "font_size": 22,
                           "numbers_to_include": [1e-4, 1e-2, 1]},
            x_axis_config=x_config,
            axis_config={"color": INK, "include_tip": False, "exclude_origin_tick": False},
        )
        level_axes = Axes(
            x_range=[0, self.T, tick], y_range=[0, 1, 0.25], x_length=4.4, y_length=4.4,
            x_axis_config=x_config,
            y_axis_config={"numbers_to_include": [0, 0.5, 1], "font_size": 22,
                           "decimal_number_config": {"num_decimal_places": 1}},
            axis_config={"color": INK, "include_tip": False, "exclude_origin_tick": False},
        )
        VGroup(beta_axes, level_axes).arrange(RIGHT, buff=1.9).to_edge(DOWN, buff=0.9).set_x(-0.45)  # room for the end labels
        beta_label = MathTex(r"\beta_t", font_size=34).next_to(beta_axes, UP, buff=0.2)
        level_label = VGroup(*[MathTex(q, font_size=30, color=c) for q, c in QUANTITIES]).arrange(RIGHT, buff=0.5)
        level_label.next_to(level_axes, UP, buff=0.2)
        xlabels = VGroup(*[MathTex("t", font_size=30).next_to(ax.x_axis, DOWN, buff=0.45) for ax in (beta_axes, level_axes)])
        self.play(FadeIn(title), Create(beta_axes), Create(level_axes), FadeIn(beta_label), FadeIn(level_label), FadeIn(xlabels), run_time=1.5)

        # 2. The linear schedule (solid), then the cosine schedule (dashed)
        legend = self.legend().to_corner(UP + RIGHT, buff=0.4)
        self.beat("schedule_linear")
        self.play(FadeIn(legend[0]), run_time=0.4)
        self.draw(lin, t, beta_axes, level_axes, dashed=False)
        self.beat("schedule_cosine")
        self.play(FadeIn(legend[1]), run_time=0.4)
        self.draw(cos, t, beta_axes, level_axes, dashed=True)
        self.play(FadeIn(self.end_labels(lin, cos, beta_axes, level_axes)), run_time=0.6)
        self.wait(2.0)

    def end_labels(self, lin: NoiseSchedule, cos: NoiseSchedule, beta_axes: Axes, level_axes: Axes) -> VGroup:
        """Each curve's name at its end (t = T), pushed apart where curves end together,
        with a thin line back to the end when pushed."""
        T = self.T
        abar = float(lin.alpha_bar[T])
        ends = [(q, c, level_axes.c2p(T, y)) for (q, c), y in zip(QUANTITIES, (abar, abar ** 0.5, (1 - abar) ** 0.5))]
        ends.sort(key=lambda e: e[2][1])
        ys = [e[2][1] for e in ends]
        for i in range(1, len(ys)):  # push up what would overlap the label below it
            ys[i] = max(ys[i], ys[i - 1] + LABEL_GAP)
        labels = VGroup()
        for (q, c, end), y in zip(ends, ys):
            label = MathTex(q, font_size=30, color=c).move_to([end[0] + 0.25, y, 0], aligned_edge=LEFT)
            labels.add(label)
            if abs(y - end[1]) > 0.05:
                labels.add(Line(end, label.get_left() + 0.05 * LEFT, color=c, stroke_width=1.5))
        for sched, key in ((lin, "linear"), (cos, "cosine")):
            end = beta_axes.c2p(T, float(sched.betas[T]))
            labels.add(Text(self.t(key), font_size=20, color=ACCENT).next_to(end, RIGHT, buff=0.12))
        return labels

    def curve(self, axes: Axes, t: np.ndarray, y: np.ndarray, color: str, dashed: bool):
        graph = axes.plot_line_graph(t, y, add_vertex_dots=False, line_color=color, stroke_width=4)
        line = graph["line_graph"]
        return DashedVMobject(line, num_dashes=60) if dashed else line

    def draw(self, sched: NoiseSchedule, t, beta_axes: Axes, level_axes: Axes, dashed: bool) -> None:
        abar = sched.alpha_bar[1:].numpy()
        curves = [self.curve(beta_axes, t, sched.betas[1:].numpy(), ACCENT, dashed)]
        for (_, color), y in zip(QUANTITIES, (abar, np.sqrt(abar), np.sqrt(1 - abar))):
            curves.append(self.curve(level_axes, t, y, color, dashed))
        self.play(*[Create(c) for c in curves], run_time=2.5)

    def legend(self) -> VGroup:
        rows = []
        for key, dashed in (("linear", False), ("cosine", True)):
            line = Line(LEFT * 0.4, RIGHT * 0.4, color=INK, stroke_width=4)
            sample = DashedVMobject(line, num_dashes=4) if dashed else line
            rows.append(VGroup(sample, Text(self.t(key), font_size=24)).arrange(RIGHT, buff=0.2))
        return VGroup(*rows).arrange(DOWN, aligned_edge=LEFT, buff=0.15)
