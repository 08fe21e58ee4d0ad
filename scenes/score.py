"""The trained model's own score field, s_theta(x, t) = -eps_theta(x, t) / sqrt(1 - abar_t),
as arrows over the plane while t runs from T to 0, with samples riding it: the
deterministic DDIM trajectories (the discretised probability-flow ODE).

    manim -pqh scenes/score.py              (or: python cli.py render score)

The field is the network evaluated on a grid at each shown t (the conversion is
NoiseSchedule.score_from_eps). Arrow rule: every arrow has the same length and shows the
direction; its opacity is |s| over the largest |s| on the grid at that t, so a weak
field is faint but never hidden. Video: ScoreField.mp4. Last frame: score_field.png.
"""

from __future__ import annotations

import numpy as np
import torch
from manim import DOWN, LEFT, RIGHT, UP, FadeIn, MathTex, Text, VGroup, VMobject, Write

from diffusion_core import SamplerConfig, load_or_train, sample_data
from scenes.cloud import CloudPanel
from scenes.playback import play_frames, toy_trajectory
from scenes.settings import ToyModelScene
from scenes.theme import ACCENT, HIGHLIGHTS, MUTED, fit_right
from scenes.widgets import TimeBar

SCORE_FORMULA = r"s_\theta(x, t) = -\frac{\epsilon_\theta(x, t)}{\sqrt{1-\bar\alpha_t}} \approx \nabla_x \log q(x_t)"


def score_grid(model, schedule, ts, side: int, extent: float) -> tuple[np.ndarray, np.ndarray]:
    """The grid points (side^2, 2) and the model's score on them at each t: (len(ts), side^2, 2)."""
    axis = np.linspace(-extent, extent, side + 2)[1:-1]
    grid = np.stack(np.meshgrid(axis, axis), axis=-1).reshape(-1, 2)
    x = torch.as_tensor(grid, dtype=torch.float32)
    fields = []
    with torch.no_grad():
        for t in ts:
            eps = model(x, torch.full((len(x),), int(t)))
            fields.append(schedule.score_from_eps(eps, int(t)).numpy())
    return grid, np.stack(fields)


class ScoreField(ToyModelScene):
    """Arrows of the learned score, and DDIM samples flowing down the field onto the data."""

    n_points: int = 1500
    grid: int = 15
    sample_steps: int = 50
    run_time: float = 9.0

    def construct(self):
        traj = toy_trajectory(self.train_config(), SamplerConfig("ddim", steps=self.sample_steps), self.n_points,
                              self.seed)
        result = load_or_train(self.train_config())
        times = traj.timesteps.numpy()
        # the score at t = 0 is undefined (1 / sqrt(1 - abar_0)): the last state shows the field at t = 1
        grid, fields = score_grid(result.model.eval(), result.schedule, np.maximum(times, 1), self.grid, 3.6)

        # 1. The formula, the plane, the field at t = T
        title = self.title("score_title", "score_sub")
        panel = CloudPanel(traj.xs[0].numpy(), side=5.8, color=HIGHLIGHTS[4]).to_edge(LEFT, buff=0.7)
        panel.to_edge(DOWN, buff=0.4)
        arrows = VGroup(*[VMobject(stroke_color=ACCENT, stroke_width=2.2) for _ in grid])
        formula = MathTex(SCORE_FORMULA, font_size=32).next_to(panel, RIGHT, buff=0.6).align_to(panel, UP)
        fit_right(formula)
        bar = TimeBar(self.T, width=4.6).next_to(formula, DOWN, buff=0.9).align_to(formula, LEFT)
        rule = Text(self.t("score_rule"), font_size=20, color=MUTED).next_to(bar, DOWN, buff=0.7)
        rule.align_to(bar, LEFT)
        fit_right(rule)
        spacing = panel.side / (self.grid + 1)

        def draw_field(k: int) -> None:
            field = fields[k]
            norm = np.linalg.norm(field, axis=1)
            top = norm.max() or 1.0
            starts = panel.to_point(grid)
            dirs = field / np.maximum(norm, 1e-12)[:, None]
            for arrow, start, d, n in zip(arrows, starts, dirs, norm):
                end = start + 0.75 * spacing * np.array([d[0], d[1], 0.0])
                back = 0.28 * spacing * np.array([d[0], d[1], 0.0])
                side_v = 0.16 * spacing * np.array([-d[1], d[0], 0.0])
                arrow.set_points_as_corners([start, end, end - back + side_v, end, end - back - side_v])
                arrow.set_stroke(opacity=float(0.15 + 0.85 * n / top))

        draw_field(0)
        self.play(FadeIn(title), FadeIn(panel), FadeIn(arrows), run_time=1.0)
        self.play(Write(formula), FadeIn(bar.set_t(int(times[0]))), FadeIn(rule), run_time=1.2)

        # 2. t runs down: the field sharpens and the samples ride it (DDIM, eta = 0)
        states = traj.xs.numpy()

        def show(k: int) -> None:
            draw_field(k)
            panel.cloud.set_xy(states[k])
            bar.set_t(int(times[k]))

        play_frames(self, len(states) - 1, show, [arrows, panel.cloud, bar], self.run_time,
                    rate_func=lambda s: 1 - (1 - s) ** 1.5)

        # 3. The samples over the data
        data = sample_data(self.data_config(), self.n_points, seed=self.seed + 1).numpy()
        panel.add_cloud(data, MUTED, dot_radius=0.018, opacity=0.45)
        note = Text(self.t("score_end"), font_size=22, color=ACCENT).next_to(rule, DOWN, buff=0.4).align_to(rule, LEFT)
        fit_right(note)
        self.play(FadeIn(note, shift=0.1 * DOWN), run_time=0.8)
        self.wait(1.2)
