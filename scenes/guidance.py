"""Classifier-free guidance (Ho & Salimans 2022) on a real conditional model.

    manim -pqh scenes/guidance.py           (or: python cli.py render guidance)

One network trained on the two moons with their class (the upper moon is class 0, the
lower class 1), the class dropped to "no class" one time in ten, samples the same x_T
four times for the upper moon: at w = 0 (the unconditional model), 1 (the conditional
model) and 3 and 7 (guided), eps = eps(x, null) + w (eps(x, c) - eps(x, null)). Each panel
then shows the measured share of its samples that land in the class and their spread
against the class's own: as w grows they crowd into the class and lose its variety.
Video: Guidance.mp4. Last frame: guidance.png.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, ClassVar

from manim import DOWN, LEFT, RIGHT, UP, FadeIn, FadeOut, MathTex, Text, VGroup, Write, config

from diffusion_core import (
    CLASSES,
    DDPM,
    Guidance,
    MLPConfig,
    TrainConfig,
    class_report,
    sample_data,
    sample_labelled,
)
from scenes.homes import guidance as home
from scenes.kit.cloud import CloudPanel
from scenes.kit.playback import play_frames, toy_trajectory
from scenes.kit.settings import ToyModelScene
from scenes.kit.strings import STRINGS
from scenes.kit.theme import ACCENT, GHOST, INK, MUTED
from scenes.kit.widgets import TimeBar

__all__ = ["ClassifierFreeGuidance", "GUIDANCE_FORMULA"]

# Ho & Salimans 2022, eq. 6, with the guidance scale w = 1 + w_HS (diffusers' convention)
GUIDANCE_FORMULA = (r"\tilde\epsilon = \epsilon_\theta(x_t, \varnothing) + w\,\big(\epsilon_\theta(x_t, c)"
                    r" - \epsilon_\theta(x_t, \varnothing)\big)")
PANEL, GAP = 3.05, 0.35  # each panel's side and the gap between them (scene units)
REFERENCE_N = 5_000  # labelled data points that give each sample its class


class ClassifierFreeGuidance(ToyModelScene):
    """The same noise sampled for one class at four guidance scales, side by side."""

    HOME = home.HOME  # its key, outputs, beats, aspects and settings' defaults (scenes/homes/guidance.py)
    dataset: str
    label: int  # the class asked for (moons: 0 the upper moon, 1 the lower)
    n_points: int
    weights: tuple
    run_time: float
    CHOICES: ClassVar[dict[str, Any]] = {**ToyModelScene.CHOICES, "dataset": tuple(CLASSES)}

    def train_config(self) -> TrainConfig:
        return TrainConfig(data=self.data_config(), schedule=super().train_config().schedule,
                           model=MLPConfig(n_classes=CLASSES[self.dataset]))

    def guidance(self, w: float) -> Guidance:
        return Guidance(self.label, float(w))

    def construct(self):
        if not 0 <= self.label < CLASSES[self.dataset]:
            raise ValueError(f"{self.dataset} has the classes 0..{CLASSES[self.dataset] - 1}, not {self.label}")
        trajs = [toy_trajectory(self.train_config(), DDPM(), self.n_points, self.seed, self.guidance(w)) for w in self.weights]
        self.beat("guidance_setup")
        parts = self.layout(trajs)  # 1. The same x_T four times, one w each
        self.beat("guidance_sampling")
        self.sample(parts, trajs)  # 2. DDPM with guidance, all four on one clock
        self.beat("guidance_results")
        self.results(parts, trajs)  # 3. In the class, and how varied
        self.wait(1.5)

    def layout(self, trajs) -> SimpleNamespace:
        title = self.title("guidance_title", "guidance_sub")
        formula = MathTex(GUIDANCE_FORMULA, font_size=34).next_to(title, DOWN, buff=0.3).set_x(0)
        data = sample_data(self.data_config(), self.n_points, seed=self.seed + 1).numpy()
        panels, heads = [], VGroup()
        x0 = -(len(self.weights) - 1) * (PANEL + GAP) / 2
        for i, (w, traj) in enumerate(zip(self.weights, trajs)):
            panel = CloudPanel(traj.xs[0].numpy(), side=PANEL, extent=2.6, dot_radius=0.016)
            panel.add_cloud(data, MUTED, dot_radius=0.014, opacity=0.25)
            panel.move_to([x0 + i * (PANEL + GAP), -0.75, 0])
            kind = "guidance_uncond" if w == 0 else "guidance_cond" if w == 1 else "guidance_guided"
            top = panel.frame.get_top()
            head = VGroup(MathTex(f"w = {w:g}", font_size=32, color=ACCENT).move_to(top + 0.68 * UP),
                          Text(self.t(kind), font_size=18, color=MUTED).move_to(top + 0.3 * UP))
            heads.add(head)
            panels.append(panel)
        key = f"class_{self.dataset}_{self.label}"
        name = self.t(key) if key in STRINGS else self.t("class_n").format(label=self.label)
        asked = Text(self.t("guidance_asked").format(name=name),
                     font_size=22, color=GHOST).move_to([0, -3.45, 0]).align_to(panels[0].frame, LEFT)
        self.play(FadeIn(title), Write(formula), run_time=1.2)
        self.play(*[FadeIn(p) for p in panels], FadeIn(heads), FadeIn(asked), run_time=1.0)
        return SimpleNamespace(panels=panels, heads=heads, asked=asked, formula=formula)

    def sample(self, parts: SimpleNamespace, trajs) -> None:
        """All four DDPM runs on one clock. The runs' recorded states are shown in order,
        each for two frames (30 a second: four clouds of noise changing at 60 a second
        cost the encoder half the render, for motion the eye cannot tell apart); nothing
        is interpolated."""

        states = [traj.xs.numpy() for traj in trajs]
        times = trajs[0].timesteps.numpy()
        K = len(times) - 1
        shown = max(1, min(K, int(self.run_time * config.frame_rate / 2)))  # distinct pictures
        bar = TimeBar(int(times[0]), width=3.0)
        bar.move_to([0, -3.3, 0]).align_to(parts.panels[-1].frame, RIGHT)
        self.play(FadeIn(bar), run_time=0.4)

        def show(i: int) -> None:
            k = int(round(i * K / shown))
            for panel, xs in zip(parts.panels, states):
                panel.cloud.set_xy(xs[k])
            bar.set_t(int(times[k]))

        # pacing only, as the reverse scenes: the last steps, where the shape appears, get more time
        play_frames(self, shown, show, [*(p.cloud for p in parts.panels), bar], self.run_time,
                    rate_func=lambda s: 1 - (1 - s) ** 1.6)
        parts.bar = bar

    def results(self, parts: SimpleNamespace, trajs) -> None:
        data, labels = sample_labelled(self.data_config(), REFERENCE_N, seed=self.seed + 7)
        lines = VGroup()
        for w, traj, panel in zip(self.weights, trajs, parts.panels):
            report = class_report(traj.samples.float(), data, labels, self.label)
            text = self.t("guidance_result").format(share=100 * report.share, spread=report.spread)
            line = Text(text, font_size=18, color=INK, line_spacing=0.8).next_to(panel.frame, DOWN, buff=0.15)
            lines.add(line)
            self.note(self.t("note_guidance").format(w=w, text=text.replace("\n", "; "), data=report.data_spread))
        summary = Text(self.t("guidance_end").format(data=report.data_spread), font_size=20, color=ACCENT,
                       line_spacing=0.8).move_to([0, -3.5, 0])
        self.play(FadeIn(lines), FadeOut(parts.asked), FadeOut(parts.bar), FadeIn(summary), run_time=1.0)
