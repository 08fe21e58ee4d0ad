"""Flow matching beside diffusion, at the same number of network evaluations.

    manim -pqh scenes/flow.py               (or: python cli.py render flow)

The same toy network trained twice on the same data (eight Gaussians): as a DDPM (it
predicts the noise) and by flow matching (it predicts the velocity of the straight path
x_t = (1 - t) x_0 + t eps; Lipman et al. 2023, Liu et al. 2023). From the same noise
points, DDIM (eta = 0) and the flow's Euler steps each take k network evaluations,
first k = 50, then k = 5, a few paths traced: the flow's paths are nearly straight, so
few steps suffice. Under each panel, its measured distance to the data (SWD) and the
floor. At the end, the distance against k from 1 to 100 for DDPM (on k timesteps), DDIM
and the flow, measured (diffusion_core.distance_by_steps).
Video: FlowMatching.mp4. Last frame: flow_matching.png.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Axes,
    Create,
    DashedLine,
    Dot,
    FadeIn,
    FadeOut,
    Group,
    Line,
    MathTex,
    Text,
    VGroup,
    VMobject,
)

from diffusion_core import (
    DDIM,
    FlowEuler,
    TrainConfig,
    distance_by_steps,
    distance_report,
    sample_data,
)
from scenes.homes import flow as home
from scenes.kit.cloud import CloudPanel
from scenes.kit.playback import play_frames, toy_trajectory
from scenes.kit.settings import ToyModelScene
from scenes.kit.theme import ACCENT, HIGHLIGHTS, INK, MUTED, fit_right
from scenes.kit.widgets import DigitCounter, Trails

__all__ = ["FlowMatchingVsDiffusion", "EULER_FORMULA", "DDIM_STEP"]

# flow.py: one Euler step of the learned velocity, from t to the smaller t'
EULER_FORMULA = r"x_{t'} = x_t + (t' - t)\, v_\theta(x_t, t)"
# Song et al. 2021, eq. 12 with eta = 0
DDIM_STEP = r"x_{t'} = \sqrt{\bar\alpha_{t'}}\,\hat x_0 + \sqrt{1-\bar\alpha_{t'}}\,\epsilon_\theta(x_t, t)"
PANEL, EXTENT = 4.3, 2.2
CENTRES = (np.array([-3.45, -0.55, 0.0]), np.array([3.45, -0.55, 0.0]))
COLORS = {"ddpm": HIGHLIGHTS[4], "ddim": HIGHLIGHTS[0], "flow": HIGHLIGHTS[1]}


class FlowMatchingVsDiffusion(ToyModelScene):
    """DDIM and flow matching from the same noise, at 50 and at 5 network evaluations."""

    HOME = home.HOME  # its key, outputs, beats, aspects and settings' defaults (scenes/homes/flow.py)

    dataset: str
    n_points: int
    many: int
    few: int
    n_paths: int
    run_time: float

    def diffusion_config(self) -> TrainConfig:
        return self.train_config()

    def flow_config(self) -> TrainConfig:
        return TrainConfig(data=self.data_config(), schedule=self.train_config().schedule, objective="velocity")

    def runs(self, k: int):
        """DDIM's and the flow's trajectories with k evaluations each, from one seed (one x_T)."""
        return (toy_trajectory(self.diffusion_config(), DDIM(steps=k), self.n_points, self.seed),
                toy_trajectory(self.flow_config(), FlowEuler(steps=k), self.n_points, self.seed))

    def construct(self):
        many, few = self.runs(self.many), self.runs(self.few)
        self.beat("flow_setup")
        parts = self.layout(many)  # 1. Two panels, the same noise, two update rules
        self.beat("flow_many")
        self.race(parts, many)  # 2. k = 50 each: both reach the data
        self.beat("flow_few")
        self.race(parts, few)  # 3. k = 5 each: the straight paths still do
        self.beat("flow_curve")
        self.curve(parts)  # 4. Distance against k for DDPM, DDIM and the flow, measured
        self.wait(1.5)

    # 1. Two panels from the same noise
    def layout(self, runs) -> SimpleNamespace:
        title = self.title("flow_title", "flow_sub")
        data = sample_data(self.data_config(), self.n_points, seed=self.seed + 1).numpy()
        panels, heads, rules, counters = [], VGroup(), VGroup(), VGroup()
        for centre, key, formula, traj in zip(CENTRES, ("ddim", "flow"), (DDIM_STEP, EULER_FORMULA), runs):
            panel = CloudPanel(traj.xs[0].numpy(), side=PANEL, extent=EXTENT, color=COLORS[key], dot_radius=0.016)
            panel.add_cloud(data, MUTED, dot_radius=0.014, opacity=0.25)
            panel.move_to(centre)
            head = Text(self.t(f"flow_{key}"), font_size=24, color=COLORS[key], weight="BOLD")
            heads.add(head.next_to(panel.frame, UP, buff=0.55).align_to(panel.frame, LEFT))
            rules.add(MathTex(formula, font_size=24, color=MUTED).next_to(panel.frame, UP, buff=0.12)
                      .align_to(panel.frame, LEFT))
            if rules[-1].width > PANEL + 0.6:
                rules[-1].scale_to_fit_width(PANEL + 0.6).align_to(panel.frame, LEFT)
            word = Text(self.t("nfe"), font_size=20, color=INK)
            number = DigitCounter(0, font_size=30, max_digits=len(str(max(self.many, self.few))))
            word.next_to(panel.frame, DOWN, buff=0.18).align_to(panel.frame, LEFT)
            number.next_to(word, RIGHT, buff=0.15).align_to(word, DOWN)
            counters.add(VGroup(word, number))
            panels.append(panel)
        self.play(FadeIn(title), *[FadeIn(p) for p in panels], FadeIn(heads), FadeIn(rules), FadeIn(counters),
                  run_time=1.0)
        return SimpleNamespace(panels=panels, heads=heads, rules=rules, counters=counters, results=None,
                               trails=None, title=title)

    # 2-3. k evaluations each, from the same x_T, a few paths traced
    def race(self, parts: SimpleNamespace, runs) -> None:
        states = [traj.xs.numpy() for traj in runs]  # (k + 1, N, 2) each
        K = len(states[0]) - 1
        fade = [m for m in (parts.results, parts.trails) if m is not None]
        for panel, xs in zip(parts.panels, states):
            panel.cloud.set_xy(xs[0])
        for counter in parts.counters:
            counter[1].set_value(0)
        idx = np.random.default_rng(self.seed).choice(states[0].shape[1], size=self.n_paths, replace=False)
        trails = [Trails(panel, xs, idx, width=1.8) for panel, xs in zip(parts.panels, states)]
        self.play(*[FadeOut(m) for m in fade], *[FadeIn(t) for t in trails], run_time=0.5)

        def show(k: int) -> None:
            for panel, xs, trail, counter in zip(parts.panels, states, trails, parts.counters):
                panel.cloud.set_xy(xs[k])
                trail.show_until(k)
                counter[1].set_value(k)

        movers = [*(p.cloud for p in parts.panels), *trails, *(c[1] for c in parts.counters)]
        play_frames(self, K, show, movers, self.run_time * (0.5 if K < 10 else 1.0))
        parts.trails = Group(*trails)
        parts.results = self.distances(parts, runs)
        self.play(FadeIn(parts.results), run_time=0.6)
        self.wait(0.8)

    def distances(self, parts: SimpleNamespace, runs) -> VGroup:
        n = self.n_points
        data_a = sample_data(self.data_config(), n, seed=10_000 + self.seed)
        data_b = sample_data(self.data_config(), n, seed=20_000 + self.seed)
        lines = VGroup()
        for key, traj, counter in zip(("ddim", "flow"), runs, parts.counters):
            report = distance_report(traj.samples.float(), data_a, data_b)
            text = self.t("flow_swd").format(swd=report.distance, floor=report.floor)
            line = Text(text, font_size=20, color=INK).next_to(counter, DOWN, buff=0.12).align_to(counter, LEFT)
            lines.add(fit_right(line))
            self.note(self.t("note_flow").format(name=self.t(f"flow_{key}"), k=traj.meta["steps"], swd=report.distance,
                                                 floor=report.floor, ratio=report.ratio))
        return lines

    # 4. Distance against k, measured
    def curve(self, parts: SimpleNamespace) -> None:
        curve = distance_by_steps(self.diffusion_config(), self.flow_config(), seed=self.seed)
        ks, floor = curve["steps"], curve["floor"]
        ratios = {key: curve[key] for key in ("ddpm", "ddim", "flow")}
        top = math.ceil(math.log10(max(max(v) for v in ratios.values())) * 2) / 2
        bottom = min(-0.5, math.floor(math.log10(min(min(v) for v in ratios.values())) * 2) / 2)
        axes = Axes(x_range=[0, 2, 1], y_range=[bottom, top, 0.5], x_length=8.2, y_length=4.6,
                    axis_config={"color": MUTED, "include_ticks": False}, tips=False).move_to([-1.0, -0.6, 0])
        xticks = VGroup(*[MathTex(str(k), font_size=26, color=MUTED).next_to(axes.c2p(math.log10(k), bottom), DOWN,
                                                                            buff=0.15) for k in (1, 2, 5, 10, 20, 50, 100)])
        yvals = [v for v in (0.5, 1, 2, 5, 10, 20, 50, 100) if bottom <= math.log10(v) <= top]
        yticks = VGroup(*[MathTex(f"{v:g}", font_size=26, color=MUTED).next_to(axes.c2p(0, math.log10(v)), LEFT,
                                                                             buff=0.15) for v in yvals])
        xlabel = Text(self.t("flow_axis_k"), font_size=20, color=INK).next_to(xticks, DOWN, buff=0.15)
        ylabel = Text(self.t("flow_axis_ratio"), font_size=20, color=INK).rotate(math.pi / 2)
        ylabel.next_to(yticks, LEFT, buff=0.2)
        one = DashedLine(axes.c2p(0, 0), axes.c2p(2, 0), color=MUTED, stroke_width=2)
        one_label = Text(self.t("flow_floor").format(floor=floor), font_size=16, color=MUTED)
        one_label.next_to(axes.c2p(0, 0), DOWN, buff=0.08).align_to(one, LEFT).shift(0.15 * RIGHT)
        lines, legend = VGroup(), VGroup()
        for key, values in ratios.items():
            pts = [axes.c2p(math.log10(k), math.log10(v)) for k, v in zip(ks, values)]
            path = VMobject(stroke_color=COLORS[key], stroke_width=4).set_points_as_corners(pts)
            dots = VGroup(*[Dot(p, radius=0.05, color=COLORS[key]) for p in pts])
            lines.add(VGroup(path, dots))
            legend.add(VGroup(Line(np.zeros(3), 0.5 * RIGHT, color=COLORS[key], stroke_width=4),
                              Text(self.t(f"flow_legend_{key}"), font_size=20, color=INK)).arrange(RIGHT, buff=0.15))
        legend.arrange(DOWN, aligned_edge=LEFT, buff=0.18).next_to(axes, RIGHT, buff=0.4).align_to(axes, UP)
        fit_right(legend)
        for key, values in ratios.items():
            self.note(self.t("note_flow_curve").format(name=self.t(f"flow_legend_{key}"), values=", ".join(
                f"k={k}: {v:.2f}" for k, v in zip(ks, values))))
        head = Text(self.t("flow_curve_head"), font_size=26, color=ACCENT).next_to(parts.title, DOWN, buff=0.3)
        head.align_to(parts.title, LEFT)
        self.titles.append(head)  # a figure leaves it out: the slide has its title
        old = [*parts.panels, parts.heads, parts.rules, parts.counters, parts.results, parts.trails]
        self.play(*[FadeOut(m) for m in old], run_time=0.6)
        self.play(FadeIn(head), Create(axes), FadeIn(xticks), FadeIn(yticks), FadeIn(xlabel), FadeIn(ylabel),
                  Create(one), FadeIn(one_label), run_time=1.0)
        self.play(*[Create(line) for line in lines], FadeIn(legend), run_time=2.0)

