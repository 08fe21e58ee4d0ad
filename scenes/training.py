"""A toy model learning: the samples of one real training run at log-spaced steps, from
the same noise each time, beside the loss it minimises and its distance to the data.

    manim -pqh scenes/training.py           (or: python cli.py render training)

The snapshots are the EMA weights of a real run of the default model's configuration
(diffusion_core.training_run: recorded once, kept beside the model); the last one is
the shipped model. Video: the deck's training.mp4. Last frame: training_process.png.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Axes,
    DashedLine,
    Dot,
    FadeIn,
    FadeOut,
    MathTex,
    Text,
    VGroup,
    VMobject,
    Write,
)

from diffusion_core import sample_data, training_run
from scenes.homes import training as home
from scenes.kit.cloud import CloudPanel
from scenes.kit.playback import play_frames
from scenes.kit.settings import ToyModelScene
from scenes.kit.theme import ACCENT, CLOUD, HIGHLIGHTS, INK, MUTED, fit_right, retext
from scenes.kit.widgets import DigitCounter, log_points, log_step

# Ho et al. 2020, eq. 14: the simple loss
LOSS_FORMULA = (r"L_{\mathrm{simple}} = \mathbb{E}_{t, x_0, \epsilon}\left\|\epsilon - "
                r"\epsilon_\theta\!\left(\sqrt{\bar\alpha_t}\,x_0 + \sqrt{1-\bar\alpha_t}\,\epsilon,\ t\right)\right\|^2")


class TrainingProcess(ToyModelScene):
    """The samples of a real run's snapshots, the loss curve and the distance to the data."""

    HOME = home.HOME  # its key, outputs, beats, aspects and settings' defaults (scenes/homes/training.py)

    n_points: int
    snapshot_steps: str
    run_time: float

    def steps(self) -> tuple[int, ...]:
        try:
            steps = tuple(int(s) for s in self.snapshot_steps.split(","))
        except ValueError as exc:
            raise ValueError(f"snapshot_steps must be comma-separated integers, got {self.snapshot_steps!r}") from exc
        return steps

    def construct(self):
        run = training_run(self.train_config(), self.steps(), n=self.n_points, seed=self.seed)
        self.beat("training_start")
        parts = self.layout(run)  # 1. The data, the untrained model's samples, the loss
        self.beat("training_run")
        self.train(parts, run)  # 2. Training: the curves draw themselves, the cloud moves
        self.beat("training_end")
        self.conclude(parts, run)  # 3. The last snapshot is the trained model
        self.note(self.t("note_training_end").format(steps=int(run.steps[-1]), ratio=float(run.ratio[-1]),
                                                     first=float(run.loss[0]), last=float(run.loss[-1])))
        self.wait(1.5)

    def layout(self, run) -> SimpleNamespace:
        title = self.title("training_title", "training_sub")
        data = sample_data(self.data_config(), self.n_points, seed=self.seed + 1).numpy()
        panel = CloudPanel(run.samples[0], side=5.0).to_edge(LEFT, buff=0.6).to_edge(DOWN, buff=0.35)
        panel.add_cloud(data, MUTED, dot_radius=0.018, opacity=0.35)
        x_max = float(log_step(run.steps[-1])) + 0.05
        ticks = [s for s in (0, 10, 100, 1000, 5000, 10_000) if s <= run.steps[-1]]
        axes_kw = dict(x_range=[0, x_max, 1], x_length=5.6, y_length=1.8, tips=False,
                       axis_config={"color": INK, "include_ticks": False})
        # both plots are log10 of their quantity, shifted so that the x axis is the bottom
        loss_y = np.log10(run.loss)
        lo, hi = np.floor(loss_y.min() * 4) / 4, np.ceil(loss_y.max() * 4) / 4
        loss_ax = Axes(y_range=[0, hi - lo, 0.25], **axes_kw)
        loss_ax.shift_y = lo
        ratio_y = np.log10(np.maximum(run.ratio, 1e-3))
        r_lo, r_hi = min(-0.25, np.floor(ratio_y.min() * 4) / 4), max(0.5, np.ceil(ratio_y.max() * 4) / 4)
        ratio_ax = Axes(y_range=[0, r_hi - r_lo, 0.25], **axes_kw)
        ratio_ax.shift_y = r_lo
        plots = VGroup(loss_ax, ratio_ax).arrange(DOWN, buff=0.9).next_to(panel, RIGHT, buff=1.0).shift(0.1 * DOWN)
        for ax, values in ((loss_ax, (0.2, 0.5, 1.0)), (ratio_ax, (1, 10, 100, 1000, 10_000))):
            ax.add(VGroup(*[MathTex(str(s), font_size=20, color=MUTED).next_to(log_points(ax, [log_step(s)], [ax.shift_y])[0],
                                                                                 DOWN, buff=0.12) for s in ticks]))
            shown = [v for v in values if 0 <= np.log10(v) - ax.shift_y <= ax.y_range[1]]
            ax.add(VGroup(*[MathTex(f"{v:g}", font_size=20, color=MUTED).next_to(
                log_points(ax, [0], [np.log10(v)])[0], LEFT, buff=0.1) for v in shown]))
        loss_label = VGroup(Text(self.t("loss"), font_size=22), Text(self.t("log_scale"), font_size=16, color=MUTED))
        loss_label.arrange(RIGHT, buff=0.15, aligned_edge=DOWN).next_to(loss_ax, UP, buff=0.1).align_to(loss_ax, LEFT)
        ratio_label = Text(self.t("distance_ratio"), font_size=22).next_to(ratio_ax, UP, buff=0.1).align_to(ratio_ax, LEFT)
        floor = DashedLine(*log_points(ratio_ax, [0, x_max], [0, 0]), color=ACCENT, dash_length=0.08)
        floor_label = Text(self.t("floor_one"), font_size=16, color=ACCENT).next_to(floor, RIGHT, buff=0.1)
        fit_right(floor_label)
        formula = MathTex(LOSS_FORMULA, font_size=28).next_to(title, DOWN, buff=0.25).align_to(title, LEFT)
        fit_right(formula)
        counter = VGroup(Text(self.t("step"), font_size=26), DigitCounter(0, font_size=34)).arrange(RIGHT, buff=0.2)
        counter.next_to(panel, UP, buff=0.15).align_to(panel, LEFT)
        parts = SimpleNamespace(title=title, formula=formula, panel=panel, loss_ax=loss_ax, ratio_ax=ratio_ax,
                                labels=VGroup(loss_label, ratio_label), floor=VGroup(floor, floor_label),
                                counter=counter)
        self.play(FadeIn(title), FadeIn(panel), FadeIn(counter), run_time=1.0)
        self.play(Write(formula), FadeIn(plots), FadeIn(parts.labels), FadeIn(parts.floor), run_time=1.2)
        return parts

    def train(self, parts: SimpleNamespace, run) -> None:
        loss_pts = log_points(parts.loss_ax, log_step(run.loss_steps), np.log10(run.loss))  # (M, 3)
        ratio_pts = log_points(parts.ratio_ax, log_step(run.steps), np.log10(np.maximum(run.ratio, 1e-3)))
        loss_line = VMobject(stroke_color=CLOUD, stroke_width=3)
        ratio_line = VMobject(stroke_color=HIGHLIGHTS[0], stroke_width=3)
        loss_dot = Dot(loss_pts[0], radius=0.06, color=CLOUD)
        ratio_dot = Dot(ratio_pts[0], radius=0.07, color=HIGHLIGHTS[0])
        for line, pts in ((loss_line, loss_pts), (ratio_line, ratio_pts)):
            line.set_points_as_corners([pts[0], pts[0]])
        self.add(loss_line, ratio_line, loss_dot, ratio_dot)
        # frames evenly spread in log(1 + step): every snapshot step is one of them
        grid = np.unique(np.concatenate([np.round(10 ** np.linspace(0, log_step(run.steps[-1]), 140) - 1),
                                         run.steps])).astype(int)
        counter = parts.counter[1]
        extent = parts.panel.extent
        outside = (np.abs(run.samples) > extent).any(axis=2).mean(axis=1)  # (K,) share outside the panel
        away = Text(f"{self.t('outside')}: 100%", font_size=20, color=MUTED)
        state = {"snap": None}
        self.add(away)

        def show(k: int) -> None:
            step = int(grid[k])
            snap = int(np.searchsorted(run.steps, step, side="right")) - 1  # the latest snapshot reached
            if snap != state["snap"]:
                state["snap"] = snap
                parts.panel.cloud.set_xy(run.samples[snap])
                text = f"{self.t('outside')}: {100 * outside[snap]:.0f}%"
                retext(away, Text(text, font_size=20, color=MUTED).next_to(parts.panel, UP, buff=0.15)
                       .align_to(parts.panel, RIGHT))
            m = int(np.searchsorted(run.loss_steps, step, side="right"))  # loss points recorded so far
            loss_line.set_points_as_corners(loss_pts[: max(m, 2)] if m >= 2 else [loss_pts[0], loss_pts[0]])
            loss_dot.move_to(loss_pts[max(m - 1, 0)])
            ratio_line.set_points_as_corners(ratio_pts[: snap + 1] if snap >= 1 else [ratio_pts[0], ratio_pts[0]])
            ratio_dot.move_to(ratio_pts[snap])
            counter.set_value(step)

        play_frames(self, len(grid) - 1, show, [parts.panel.cloud, loss_line, ratio_line, loss_dot, ratio_dot,
                                                 counter, away], self.run_time, rate_func=lambda s: s)
        parts.extra = VGroup(loss_line, ratio_line, loss_dot, ratio_dot)

    def conclude(self, parts: SimpleNamespace, run) -> None:
        sub = parts.title[1]
        note = Text(f"{self.t('trained_model')}: {self.t('distance_ratio')} = {run.ratio[-1]:.2f}",
                    font_size=24, color=ACCENT).move_to(sub, aligned_edge=LEFT)
        fit_right(note)
        self.play(FadeOut(sub), FadeIn(note), run_time=0.8)
