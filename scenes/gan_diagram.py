"""How a GAN works, drawn with our GAN's own numbers (Goodfellow et al. 2014).

    manim -pqh scenes/gan_diagram.py          (or: python cli.py render gan-diagram)

Noise z ~ N(0, I) goes through the generator G to fake points x~ = G(z); real points x
come from the data. The discriminator D gives each point the probability sigma(D(x))
that it is real. Every picture is the shipped GAN's (the gan scene's run, 8 Gaussians):
z is its fixed batch (the first two of its 8 coordinates), x~ its last snapshot, D its
last discriminator; the shading behind both point sets is D's output over the plane,
and the bars are D's mean output on the real and on the fake points, with the two losses
of the last training step. Video: GanDiagram.mp4. Last frame: gan_diagram.png.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, ClassVar

import numpy as np
import torch
from manim import (
    DOWN,
    LEFT,
    UP,
    Arrow,
    FadeIn,
    GrowArrow,
    Rectangle,
    RoundedRectangle,
    Text,
    VGroup,
)

from diffusion_core import MODES, GanConfig, gan_noise, gan_run, sample_data
from scenes.homes import gan_diagram as home
from scenes.kit.cloud import CloudPanel, field_image
from scenes.kit.settings import ToyModelScene
from scenes.kit.theme import ACCENT, HIGHLIGHTS, INK, MUTED

__all__ = ["GanDiagram"]

SIDE, EXTENT = 2.1, 2.2  # a panel's side and the data range it shows
FAKE, REAL, D_FIELD = HIGHLIGHTS[0], HIGHLIGHTS[4], "#1B998B"
Z_AT, FAKE_AT, REAL_AT = np.array([-5.75, 0.6, 0]), np.array([-1.55, 0.6, 0]), np.array([-1.55, -2.3, 0])
G_AT, D_AT = np.array([-3.65, 0.6, 0]), np.array([1.35, -0.85, 0])
GRID = 64  # D's output drawn on a GRID x GRID lattice
SMALLEST_43 = 21  # the smallest type of the figure for a 4:3 slide (16 px there)


class GanDiagram(ToyModelScene):
    """z -> G -> x~ and x -> D -> real or fake, with our GAN's real samples and outputs."""

    HOME = home.HOME  # its key, outputs, beats, aspects and settings' defaults (scenes/homes/gan_diagram.py)

    dataset: str
    n_points: int
    gan_seed: int
    CHOICES: ClassVar[dict[str, Any]] = {**ToyModelScene.CHOICES, "dataset": tuple(MODES)}

    def construct(self):
        run = gan_run(GanConfig(data=self.data_config(), seed=self.gan_seed), discriminator=True)
        n = min(self.n_points, run.samples.shape[1])
        z = gan_noise(run.config)[:n]  # the batch the snapshots were drawn from
        fake = run.samples[-1][:n].float()
        real = sample_data(self.data_config(), n, seed=self.seed + 1).float()
        with torch.no_grad():
            p_real, p_fake = torch.sigmoid(run.discriminator(real)), torch.sigmoid(run.discriminator(fake))
            field = self.d_field(run.discriminator)
        self.beat("gan_diagram_generator")
        parts = self.generator(z, fake)
        self.beat("gan_diagram_discriminator")
        self.discriminator(parts, real, field)
        self.beat("gan_diagram_game")
        self.game(parts, run, float(p_real.mean()), float(p_fake.mean()))
        self.wait(1.5)

    @staticmethod
    def d_field(D) -> np.ndarray:
        """sigma(D(x)) over the panels' square (row 0 at the top)."""
        u = torch.linspace(-EXTENT, EXTENT, GRID)
        yy, xx = torch.meshgrid(-u, u, indexing="ij")
        return torch.sigmoid(D(torch.stack([xx.reshape(-1), yy.reshape(-1)], dim=1))).reshape(GRID, GRID).numpy()

    def box(self, key: str, at: np.ndarray, color: str) -> VGroup:
        rect = RoundedRectangle(corner_radius=0.15, width=1.1, height=1.0, color=color, stroke_width=3,
                                fill_color=color, fill_opacity=0.1).move_to(at)
        return VGroup(rect, Text(self.t(key), font_size=40, color=color, weight="BOLD").move_to(at))

    def panel(self, xy, at, color, head_key: str) -> tuple[CloudPanel, Text]:
        panel = CloudPanel(xy.numpy(), side=SIDE, extent=EXTENT, color=color, dot_radius=0.012).move_to(at)
        head = Text(self.t(head_key), font_size=22, color=color, weight="BOLD")
        head.next_to(panel.frame, UP, buff=0.1).align_to(panel.frame, LEFT)
        return panel, head

    # 1. z -> G -> x~
    def generator(self, z, fake) -> SimpleNamespace:
        title = self.title("gan_diagram_title", "gan_diagram_sub")
        z_panel, z_head = self.panel(z[:, :2], Z_AT, MUTED, "gan_diagram_z")
        g = self.box("gan_diagram_G", G_AT, FAKE)
        fake_panel, fake_head = self.panel(fake, FAKE_AT, FAKE, "gan_diagram_fake")
        a1 = Arrow(z_panel.frame.get_right(), g.get_left(), buff=0.05, color=INK, stroke_width=4,
                   max_tip_length_to_length_ratio=0.4)
        a2 = Arrow(g.get_right(), fake_panel.frame.get_left(), buff=0.05, color=INK, stroke_width=4,
                   max_tip_length_to_length_ratio=0.4)
        self.play(FadeIn(title), FadeIn(z_panel), FadeIn(z_head), run_time=0.8)
        self.play(GrowArrow(a1), FadeIn(g), run_time=0.6)
        self.play(GrowArrow(a2), FadeIn(fake_panel), FadeIn(fake_head), run_time=0.8)
        return SimpleNamespace(title=title, fake_panel=fake_panel, fake_head=fake_head)

    # 2. x~ and x -> D, its output over the plane
    def discriminator(self, parts, real, field) -> None:
        real_panel, real_head = self.panel(real, REAL_AT, REAL, "gan_diagram_real")
        d = self.box("gan_diagram_D", D_AT, D_FIELD)
        shades = [field_image(field, SIDE, D_FIELD, max_alpha=0.35).move_to(p.frame) for p in (parts.fake_panel,
                                                                                             real_panel)]
        a3 = Arrow(parts.fake_panel.frame.get_right(), d.get_left() + 0.15 * UP, buff=0.1, color=INK, stroke_width=4)
        a4 = Arrow(real_panel.frame.get_right(), d.get_left() + 0.15 * DOWN, buff=0.1, color=INK, stroke_width=4)
        legend = Text(self.t("gan_diagram_shade"), font_size=self.type_size(20, SMALLEST_43), color=D_FIELD,
                      line_spacing=0.9)
        legend.next_to(real_panel.frame, LEFT, buff=0.35).align_to(real_panel.frame, DOWN)
        self.play(FadeIn(real_panel), FadeIn(real_head), run_time=0.7)
        self.play(GrowArrow(a3), GrowArrow(a4), FadeIn(d), run_time=0.7)
        for shade, panel in zip(shades, (parts.fake_panel, real_panel)):
            self.add(shade)
            self.bring_to_front(panel.cloud)
        self.play(*[FadeIn(s) for s in shades], FadeIn(legend), run_time=0.8)
        parts.d = d

    # 3. What D says of each, and the losses
    def game(self, parts, run, p_real: float, p_fake: float) -> None:
        out = D_AT + np.array([2.0, 0, 0])
        arrow = Arrow(parts.d.get_right(), out + 0.2 * LEFT, buff=0.1, color=INK, stroke_width=4)
        bars = VGroup()
        for i, (key, p, color) in enumerate((("gan_diagram_on_real", p_real, REAL), ("gan_diagram_on_fake", p_fake,
                                                                                      FAKE))):
            y = out[1] + (0.55 if i == 0 else -0.55)
            label = Text(self.t(key).format(p=p), font_size=22, color=color)
            label.move_to([out[0], y + 0.25, 0], aligned_edge=LEFT)
            track = Rectangle(width=2.4, height=0.2, stroke_color=MUTED, stroke_width=1.5).move_to(
                [out[0] + 1.2, y - 0.05, 0])
            fill = Rectangle(width=max(2.4 * p, 0.02), height=0.2, stroke_width=0, fill_color=color, fill_opacity=0.9)
            fill.move_to(track.get_left(), aligned_edge=LEFT)
            bars.add(VGroup(label, track, fill))
        half = Text("0.5", font_size=self.type_size(16, SMALLEST_43), color=MUTED).next_to(bars[1][1], DOWN, buff=0.08)
        half.set_x(out[0] + 1.2)
        losses = Text(self.t("gan_diagram_losses").format(ld=run.d_losses[-1], lg=run.g_losses[-1],
                                                           steps=len(run.d_losses)),
                      font_size=self.type_size(20, SMALLEST_43), color=INK, line_spacing=0.9)
        losses.next_to(bars, DOWN, buff=0.45).align_to(bars, LEFT)
        verdict = Text(self.t("gan_diagram_fooled" if abs(p_real - p_fake) < 0.1 else "gan_diagram_tells"),
                       font_size=22, color=ACCENT, line_spacing=0.9)
        verdict.next_to(bars, UP, buff=0.45).align_to(bars, LEFT)
        for mob in (verdict, losses):
            if mob.get_right()[0] > 6.9:
                mob.scale_to_fit_width(6.9 - mob.get_left()[0]).align_to(bars, LEFT)
        self.play(GrowArrow(arrow), FadeIn(bars), FadeIn(half), run_time=0.8)
        self.play(FadeIn(verdict), FadeIn(losses), run_time=0.8)
        self.note(self.t("note_gan_diagram").format(p_real=p_real, p_fake=p_fake, ld=run.d_losses[-1],
                                                    lg=run.g_losses[-1], steps=len(run.d_losses)))
