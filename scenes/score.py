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

import cairo
import numpy as np
import torch
from manim import DOWN, LEFT, RIGHT, UP, FadeIn, MathTex, Text, Write

from diffusion_core import DDIM, load_or_train, sample_data
from scenes.homes import score as home
from scenes.kit.cloud import CloudPanel, PixelImage, hex_rgb
from scenes.kit.playback import play_frames, toy_trajectory
from scenes.kit.settings import ToyModelScene
from scenes.kit.theme import ACCENT, HIGHLIGHTS, MUTED, fit_right
from scenes.kit.widgets import TimeBar

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


class ArrowLayer(PixelImage):
    """Arrows drawn by cairo into one image the size of a panel (anti-aliased, each
    arrow with its own opacity): one blit a frame instead of a manim path per arrow."""

    def __init__(self, panel: CloudPanel, color: str, stroke_width: float = 2.2):
        self.panel = panel
        self.size_px = panel.cloud.size_px
        self.px_per_unit = self.size_px / panel.side
        self.line_px = max(stroke_width * 0.01 * self.px_per_unit, 1.0)  # manim's stroke width: 1/100 of a unit
        self.rgb = hex_rgb(color)
        super().__init__(np.zeros((self.size_px, self.size_px, 4), np.uint8))
        self.stretch_to_fit_width(panel.side).stretch_to_fit_height(panel.side)
        self.move_to(panel.frame.get_center())

    def draw(self, polylines: np.ndarray, opacities: np.ndarray) -> "ArrowLayer":
        """polylines: (N, V, 2) in panel units from its centre (x right, y up); one
        opacity in [0, 1] for each."""
        size = self.size_px
        surface = cairo.ImageSurface(cairo.FORMAT_ARGB32, size, size)
        ctx = cairo.Context(surface)
        ctx.set_line_width(self.line_px)
        ctx.set_line_join(cairo.LINE_JOIN_ROUND)
        ctx.set_line_cap(cairo.LINE_CAP_ROUND)
        px = (polylines[..., 0] + self.panel.side / 2) * self.px_per_unit
        py = (self.panel.side / 2 - polylines[..., 1]) * self.px_per_unit  # rows grow downwards
        for xs, ys, alpha in zip(px, py, opacities):
            ctx.set_source_rgba(0, 0, 0, float(alpha))
            ctx.move_to(xs[0], ys[0])
            for x, y in zip(xs[1:], ys[1:]):
                ctx.line_to(x, y)
            ctx.stroke()
        surface.flush()
        argb = np.ndarray((size, size, 4), np.uint8, surface.get_data(), strides=(surface.get_stride(), 4, 1))
        out = np.empty((size, size, 4), np.uint8)
        out[..., :3] = self.rgb  # one colour: only the coverage (cairo's alpha) varies
        out[..., 3] = argb[..., 3]  # ARGB32 in native (little-endian) order: B, G, R, A
        self.pixel_array = out
        return self


class ScoreField(ToyModelScene):
    """Arrows of the learned score, and DDIM samples flowing down the field onto the data."""

    HOME = home.HOME  # its key, outputs, beats, aspects and settings' defaults (scenes/homes/score.py)

    n_points: int
    grid: int
    sample_steps: int
    run_time: float

    def construct(self):
        traj = toy_trajectory(self.train_config(), DDIM(steps=self.sample_steps), self.n_points, self.seed)
        result = load_or_train(self.train_config())
        times = traj.timesteps.numpy()
        # the score at t = 0 is undefined (1 / sqrt(1 - abar_0)): the last state shows the field at t = 1
        grid, fields = score_grid(result.model.eval(), result.schedule, np.maximum(times, 1), self.grid, 3.6)

        # 1. The formula, the plane, the field at t = T
        self.beat("score_field")
        title = self.title("score_title", "score_sub")
        panel = CloudPanel(traj.xs[0].numpy(), side=5.8, color=HIGHLIGHTS[4]).to_edge(LEFT, buff=0.7)
        panel.to_edge(DOWN, buff=0.4)
        arrows = ArrowLayer(panel, ACCENT, stroke_width=2.2)
        formula = MathTex(SCORE_FORMULA, font_size=32).next_to(panel, RIGHT, buff=0.6).align_to(panel, UP)
        fit_right(formula)
        bar = TimeBar(self.T, width=4.6).next_to(formula, DOWN, buff=0.9).align_to(formula, LEFT)
        rule = Text(self.t("score_rule"), font_size=20, color=MUTED).next_to(bar, DOWN, buff=0.7).align_to(bar, LEFT)
        fit_right(rule)
        spacing = panel.side / (self.grid + 1)

        starts = panel.to_point(grid)[:, :2] - panel.frame.get_center()[:2]  # panel units from its centre

        def draw_field(k: int) -> None:
            field = fields[k]
            norm = np.linalg.norm(field, axis=1)
            top = norm.max() or 1.0
            d = field / np.maximum(norm, 1e-12)[:, None]
            side_v = np.stack([-d[:, 1], d[:, 0]], axis=1)
            end = starts + 0.75 * spacing * d
            back = end - 0.28 * spacing * d
            # each arrow: shaft, then the two sides of its head
            polylines = np.stack([starts, end, back + 0.16 * spacing * side_v, end, back - 0.16 * spacing * side_v],
                                 axis=1)
            arrows.draw(polylines, 0.15 + 0.85 * norm / top)

        draw_field(0)
        self.play(FadeIn(title), FadeIn(panel), FadeIn(arrows), run_time=1.0)
        self.play(Write(formula), FadeIn(bar.set_t(int(times[0]))), FadeIn(rule), run_time=1.2)

        # 2. t runs down: the field sharpens and the samples ride it (DDIM, eta = 0)
        self.beat("score_ride")
        states = traj.xs.numpy()

        def show(k: int) -> None:
            draw_field(k)
            panel.cloud.set_xy(states[k])
            bar.set_t(int(times[k]))

        play_frames(self, len(states) - 1, show, [arrows, panel.cloud, bar], self.run_time,
                    rate_func=lambda s: 1 - (1 - s) ** 1.5)

        # 3. The samples over the data
        self.beat("score_data")
        data = sample_data(self.data_config(), self.n_points, seed=self.seed + 1).numpy()
        panel.add_cloud(data, MUTED, dot_radius=0.018, opacity=0.45)
        note = Text(self.t("score_end"), font_size=22, color=ACCENT).next_to(rule, DOWN, buff=0.4).align_to(rule, LEFT)
        fit_right(note)
        self.play(FadeIn(note, shift=0.1 * DOWN), run_time=0.8)
        self.wait(1.2)
