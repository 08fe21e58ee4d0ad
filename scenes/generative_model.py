"""What a generative model is: p_theta fitted to p_data, from samples, by training.

    manim -pqh scenes/generative_model.py    (or: python cli.py render generative-model)

Left: samples of the data, p_data, with their density shaded. Right: samples of our
model, p_theta, with theirs, at the snapshots of the toy model's recorded training run
(the training scene's run, ``training_run``: the same noise sampled by the EMA weights of
each moment, the last snapshot being the shipped model). Between them the distance D
between the two sets of samples (the sliced Wasserstein distance the run measured) and
its floor, the distance between two samples of the data itself: D falls to the floor as
training moves p_theta onto p_data. Video: GenerativeModel.mp4. Last frame: generative_model.png.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, DoubleArrow, FadeIn, Text, VGroup

from diffusion_core import TRAINING_STEPS, sample_data, training_run
from scenes.homes import generative_model as home
from scenes.kit.cloud import CloudPanel, density_grid, field_image
from scenes.kit.playback import play_frames
from scenes.kit.settings import ToyModelScene, wrapped
from scenes.kit.theme import ACCENT, HIGHLIGHTS, INK, MUTED, fit_right, retext

__all__ = ["GenerativeModel"]

SIDE, EXTENT = 3.9, 2.6
DATA_AT, MODEL_AT = np.array([-4.75, -0.6, 0]), np.array([4.75, -0.6, 0])
DATA_COLOR, MODEL_COLOR = HIGHLIGHTS[4], HIGHLIGHTS[2]


class GenerativeModel(ToyModelScene):
    """p_data and p_theta side by side, the distance between them falling as training goes on."""

    HOME = home.HOME  # its key, outputs, beats, aspects and settings' defaults (scenes/homes/generative_model.py)

    n_points: int  # the recorded run's (the training scene's)
    run_time: float

    def construct(self):
        run = training_run(self.train_config(), TRAINING_STEPS, n=self.n_points, seed=self.seed)
        self.beat("genmodel_data")
        parts = self.layout(run)
        self.beat("genmodel_training")
        self.train(parts, run)
        self.beat("genmodel_fit")
        self.conclude(parts, run)
        self.wait(1.5)

    def shaded_panel(self, xy: np.ndarray, at, color: str) -> tuple[CloudPanel, object]:
        panel = CloudPanel(xy, side=SIDE, extent=EXTENT, color=color, dot_radius=0.012).move_to(at)
        shade = field_image(density_grid(xy, EXTENT), SIDE, color, max_alpha=0.6).move_to(panel.frame)
        panel.add_to_back(shade)
        return panel, shade

    def distance_text(self, swd: float, floor: float) -> Text:
        """D and its floor, over the arrow: no wider than the gap between the panels (larger
        type in a figure shown narrow would otherwise run into the model's panel)."""
        text = Text(self.t("genmodel_distance").format(d=swd, floor=floor), font_size=22, color=INK, line_spacing=0.9)
        room = MODEL_AT[0] - DATA_AT[0] - SIDE - 0.3
        return text.scale_to_fit_width(room) if text.width > room else text

    # 1. The data and the untrained model
    def layout(self, run) -> SimpleNamespace:
        title = self.title("genmodel_title", "genmodel_sub")
        data = sample_data(self.data_config(), self.n_points, seed=self.seed + 1).numpy()
        data_panel, _ = self.shaded_panel(data, DATA_AT, DATA_COLOR)
        model_panel, shade = self.shaded_panel(np.asarray(run.samples[0]), MODEL_AT, MODEL_COLOR)
        if self.narrow and self.figure:  # a 4:3 slide shows the figure smaller: larger heads, on two lines if need be
            heads = VGroup(*[VGroup(*wrapped(self.t(key), 29, SIDE + 0.3, color=color, weight="BOLD")).arrange(
                DOWN, aligned_edge=LEFT, buff=0.08) for key, color in (("genmodel_data", DATA_COLOR),
                                                                      ("genmodel_model", MODEL_COLOR))])
        else:
            heads = VGroup(
                Text(self.t("genmodel_data"), font_size=26, color=DATA_COLOR, weight="BOLD"),
                Text(self.t("genmodel_model"), font_size=26, color=MODEL_COLOR, weight="BOLD"),
            )
        for head, panel, side in zip(heads, (data_panel, model_panel), (LEFT, RIGHT)):  # the model's head reaches
            fit_right(head.next_to(panel.frame, UP, buff=0.12).align_to(panel.frame, side))  # left, over the gap
        arrow = DoubleArrow(DATA_AT + (SIDE / 2 + 0.1) * np.array([1, 0, 0]), MODEL_AT + (SIDE / 2 + 0.1) * LEFT, buff=0,
                            color=MUTED, stroke_width=3, tip_length=0.2)
        distance = self.distance_text(float(run.swd[0]), float(run.floor[0])).next_to(arrow, UP, buff=0.2)
        step = Text(self.t("genmodel_step").format(step=int(run.steps[0])), font_size=22, color=MUTED)
        step.next_to(model_panel.frame, DOWN, buff=0.15).align_to(model_panel.frame, RIGHT)  # inside the frame
        self.play(FadeIn(title), FadeIn(data_panel), FadeIn(heads[0]), run_time=1.0)
        self.play(FadeIn(model_panel), FadeIn(heads[1]), FadeIn(step), FadeIn(distance), FadeIn(arrow), run_time=0.8)
        self.note(self.t("note_genmodel_start").format(d=float(run.swd[0]), floor=float(run.floor[0])))
        return SimpleNamespace(title=title, model_panel=model_panel, shade=shade, distance=distance, step=step,
                               arrow=arrow)

    # 2. Training: p_theta moves onto p_data, D falls
    def train(self, parts, run) -> None:
        K = len(run.steps) - 1
        shown = {"i": 0}

        def show(k: int) -> None:
            if k == shown["i"]:
                return
            shown["i"] = k
            xy = np.asarray(run.samples[k])
            parts.model_panel.cloud.set_xy(xy)
            parts.shade.become(field_image(density_grid(xy, EXTENT), SIDE, MODEL_COLOR, max_alpha=0.6)
                               .move_to(parts.model_panel.frame))
            retext(parts.distance, self.distance_text(float(run.swd[k]), float(run.floor[k])).move_to(parts.distance))
            retext(parts.step, Text(self.t("genmodel_step").format(step=int(run.steps[k])), font_size=22,
                                      color=MUTED).move_to(parts.step, aligned_edge=RIGHT))

        play_frames(self, K, show, [parts.model_panel.cloud, parts.shade, parts.distance, parts.step], self.run_time)
        for k in range(K + 1):
            self.note(self.t("note_genmodel_step").format(step=int(run.steps[k]), d=float(run.swd[k]),
                                                          ratio=float(run.ratio[k])))

    # 3. Fitted: D near its floor
    def conclude(self, parts, run) -> None:
        key = "genmodel_fit_close" if float(run.ratio[-1]) < 1.5 else "genmodel_fit_far"
        text = Text(self.t(key).format(ratio=float(run.ratio[-1]), steps=int(run.steps[-1])), font_size=22,
                    color=ACCENT, line_spacing=0.9)
        text.next_to(parts.arrow, DOWN, buff=0.3)
        self.play(FadeIn(text), run_time=0.8)
