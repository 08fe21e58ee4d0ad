"""Why not just GANs? A real GAN beside our DDPM on the same toy data (8 Gaussians).

    manim -pqh scenes/gan.py                (or: python cli.py render gan)

Left: the GAN's samples through its training (its snapshots, G on one fixed batch of z;
Goodfellow et al. 2014), with how many of the data's modes they cover at each; right: the
DDPM (the shipped model of the same data) from noise to its samples. At the end both over
the data with each mode ringed (covered or missed, by ``mode_coverage``), the network
evaluations per sample (1 against 1,000) and the time of each, measured as the samplers
scene measures it (one thread's CPU time, the best of 15 runs). What the video shows is
what the runs produced: on a seed where the GAN covers every mode, it says so.
Video: GanVsDiffusion.mp4. Last frame: gan_vs_diffusion.png.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, ClassVar

import numpy as np
import torch
from manim import DOWN, LEFT, UP, Circle, DashedVMobject, FadeIn, Text, VGroup

from diffusion_core import (
    DDPM,
    MODE_RADIUS,
    MODES,
    GanConfig,
    cpu_seconds,
    gan_run,
    load_or_train,
    mode_centres,
    mode_coverage,
    sample_data,
    step_seconds,
)
from scenes.homes import gan as home
from scenes.kit.cloud import CloudPanel
from scenes.kit.playback import play_frames, toy_trajectory
from scenes.kit.settings import ToyModelScene
from scenes.kit.theme import ACCENT, HIGHLIGHTS, INK, MUTED, fit_right, retext

__all__ = ["GanVsDiffusion"]

PANEL, EXTENT = 4.0, 2.6  # a panel's side (scene units) and the data range it shows
CENTRES = (np.array([-3.75, -0.05, 0.0]), np.array([3.75, -0.05, 0.0]))
GAP = 2 * 3.75 - PANEL - 0.4  # the width of the column between the panels
COLORS = (HIGHLIGHTS[3], HIGHLIGHTS[4])  # GAN, DDPM
COVERED, MISSED = "#1B998B", "#D7263D"


class GanVsDiffusion(ToyModelScene):
    """A GAN's training run and a DDPM's samples of the same data, their modes counted."""

    HOME = home.HOME  # its key, outputs, beats, aspects and settings' defaults (scenes/homes/gan.py)

    dataset: str
    n_points: int
    gan_seed: int  # the GAN's run (README: which seeds collapse)
    run_time: float
    CHOICES: ClassVar[dict[str, Any]] = {**ToyModelScene.CHOICES, "dataset": tuple(MODES)}

    def gan_config(self) -> GanConfig:
        return GanConfig(data=self.data_config(), seed=self.gan_seed)

    def construct(self):
        run = gan_run(self.gan_config())
        if self.n_points > run.samples.shape[1]:
            raise ValueError(f"the GAN's snapshots hold {run.samples.shape[1]} samples; n_points must be at most that")
        run.samples = run.samples[:, : self.n_points]  # the first n of its fixed z
        traj = toy_trajectory(self.train_config(), DDPM(), self.n_points, self.seed)
        centres, std = mode_centres(self.data_config())
        self.beat("gan_setup")
        parts = self.layout(run, traj)  # 1. Two panels over the same data
        self.beat("gan_training")
        self.train(parts, run, traj, centres, std)  # 2. The GAN trains, the DDPM samples
        self.beat("gan_results")
        self.results(parts, run, traj, centres, std)  # 3. Modes covered, evaluations, time
        self.wait(1.5)

    def layout(self, run, traj) -> SimpleNamespace:
        title = self.title("gan_title", "gan_sub")
        data = sample_data(self.data_config(), self.n_points, seed=self.seed + 1).numpy()
        panels, heads = [], VGroup()
        for centre, color, xy, key in zip(CENTRES, COLORS, (run.samples[0].numpy(), traj.xs[0].numpy()),
                                          ("gan_left", "gan_right")):
            panel = CloudPanel(xy, side=PANEL, extent=EXTENT, color=color, dot_radius=0.016).move_to(centre)
            panel.add_cloud(data, MUTED, dot_radius=0.014, opacity=0.3)
            head = Text(self.t(key), font_size=22, color=color, weight="BOLD")
            heads.add(fit_right(head.next_to(panel.frame, UP, buff=0.12).align_to(panel.frame, LEFT)))
            panels.append(panel)
        centres, std = mode_centres(self.data_config())
        first = mode_coverage(run.samples[0], centres, std)
        starts = (self.t("gan_step").format(step=run.steps[0], covered=first.covered, modes=first.modes),
                  self.t("ddpm_t").format(t=int(traj.timesteps[0])))
        counters = VGroup(*[Text(s, font_size=23, color=INK).next_to(p.frame, DOWN, buff=0.15).align_to(p.frame, LEFT)
                            for s, p in zip(starts, panels)])
        self.play(FadeIn(title), *[FadeIn(p) for p in panels], FadeIn(heads), FadeIn(counters), run_time=1.0)
        return SimpleNamespace(panels=panels, counters=counters)

    def _label(self, which: int, parts, text: str) -> None:
        old = parts.counters[which]
        new = Text(text, font_size=23, color=INK).move_to(old, aligned_edge=LEFT)
        retext(old, new)

    def train(self, parts, run, traj, centres, std) -> None:
        """One clock for both: the GAN's snapshots (each as long on screen) on the left,
        the DDPM's states from x_T to x_0 on the right. Nothing is interpolated."""
        S, states = len(run.steps), traj.xs.numpy()
        K = len(states) - 1
        shown = {"gan": None, "ddpm": None}
        covers = [mode_coverage(s, centres, std) for s in run.samples]

        def show(k: int) -> None:
            i = min(int(k / K * S), S - 1)
            if i != shown["gan"]:
                shown["gan"] = i
                parts.panels[0].cloud.set_xy(run.samples[i].numpy())
                self._label(0, parts, self.t("gan_step").format(step=run.steps[i], covered=covers[i].covered,
                                                               modes=covers[i].modes))
            parts.panels[1].cloud.set_xy(states[k])
            if shown["ddpm"] is None or k == K or k % 50 == 0:
                shown["ddpm"] = k
                self._label(1, parts, self.t("ddpm_t").format(t=int(traj.timesteps[k])))

        play_frames(self, K, show, [parts.panels[0].cloud, parts.panels[1].cloud, parts.counters], self.run_time)
        for i, c in enumerate(covers):
            self.note(self.t("note_gan_step").format(step=run.steps[i], covered=c.covered, modes=c.modes,
                                                     off=100 * c.off_mode))

    def results(self, parts, run, traj, centres, std) -> None:
        gan_cover = mode_coverage(run.samples[-1], centres, std)
        ddpm_cover = mode_coverage(traj.samples.float(), centres, std)
        rings = VGroup()
        for panel, cover in zip(parts.panels, (gan_cover, ddpm_cover)):
            points = panel.to_point(centres.numpy())
            r = MODE_RADIUS * std * panel.side / (2 * panel.extent)
            for point, share in zip(points, cover.shares):
                ok = share >= 0.25 / cover.modes
                ring = Circle(radius=r, color=COVERED if ok else MISSED, stroke_width=3).move_to(point)
                rings.add(ring if ok else DashedVMobject(ring, num_dashes=12))
        times = self.times(run, traj)
        lines = VGroup()
        for which, (cover, nfe, seconds) in enumerate(((gan_cover, 1, times[0]), (ddpm_cover, traj.meta["steps"],
                                                                                  times[1]))):
            text = self.t("gan_result").format(covered=cover.covered, modes=cover.modes, nfe=nfe, n=self.n_points,
                                               evals=self.t("evaluation" if nfe == 1 else "evaluations"),
                                               time=_seconds(seconds), off=100 * cover.off_mode)
            line = Text(text, font_size=23, color=INK, line_spacing=0.9)
            line.next_to(parts.counters[which], DOWN, buff=0.08).align_to(parts.counters[which], LEFT)
            lines.add(fit_right(line))
            self.note(self.t("note_gan_result").format(name=("GAN", "DDPM")[which], text=text.replace("\n", "; ")))
        verdict = self.t("gan_all" if gan_cover.covered == gan_cover.modes else "gan_dropped").format(
            covered=gan_cover.covered, modes=gan_cover.modes)
        summary = Text(verdict, font_size=23, color=ACCENT, line_spacing=0.9)
        if summary.width > GAP:
            summary.scale_to_fit_width(GAP)
        summary.move_to([0, -0.05, 0])
        self.play(FadeIn(rings), FadeIn(lines), FadeIn(summary), run_time=1.0)

    def times(self, run, traj) -> tuple[float, float]:
        """Seconds for this many samples: the GAN's one evaluation; the DDPM's steps (one
        thread's CPU time, the best of 15 runs, as the samplers scene)."""
        z = torch.randn(self.n_points, run.config.z_dim, generator=torch.Generator().manual_seed(self.seed))
        gan = cpu_seconds(lambda: run.generator(z))
        result = load_or_train(self.train_config())
        ddpm = step_seconds(result.model, result.schedule, traj.xs[0], DDPM()) * traj.meta["steps"]
        return gan, ddpm


def _seconds(s: float) -> str:
    return f"{1000 * s:.2g} ms" if s < 1 else f"{s:.3g} s"
