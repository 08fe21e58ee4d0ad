"""The generative learning trilemma (Xiao et al., ICLR 2022), measured on our own models.

    manim -pqh scenes/trilemma.py            (or: python cli.py render trilemma)

The triangle's corners are high-quality samples, mode coverage and fast sampling. Five
models of the same toy data (8 Gaussians) are placed in it by their measured numbers
(``measure_trilemma``, one seeded run): the VAE, the GAN, the DDPM with 1,000 steps, DDIM
with 50 and flow matching with 10. A model's point is the barycentre of the corners
weighted by its three scores: quality (the share of samples within 3 std of a mode),
diversity (the modes covered, of 8) and speed (1 - log10(NFE) / 3: 1 for one network
evaluation, 0 for 1,000). Beside the triangle each model's samples, small, with its
numbers; the CPU time of 1,000 samples is one thread's, the best of five runs. The last
beat says what this run shows, claim by claim: where a seed does not follow the
textbook pattern, the screen says what it does show.
Video: Trilemma.mp4. Last frame: trilemma.png.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, ClassVar

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, Dot, FadeIn, Polygon, Text, VGroup

from diffusion_core import MODES, TrilemmaConfig, measure_trilemma, sample_data
from scenes.kit.cloud import CloudPanel
from scenes.kit.settings import ToyModelScene
from scenes.kit.theme import ACCENT, HIGHLIGHTS, INK, MUTED, fit_right

__all__ = ["Trilemma"]

# the triangle: quality on top, diversity bottom left, speed bottom right (Xiao et al.'s Fig. 1)
CORNERS = np.array([[-3.6, 1.0, 0.0], [-6.15, -2.3, 0.0], [-1.05, -2.3, 0.0]])
COLORS = {"VAE": HIGHLIGHTS[3], "GAN": HIGHLIGHTS[0], "DDPM": HIGHLIGHTS[4], "DDIM": HIGHLIGHTS[2],
          "Flow": HIGHLIGHTS[1]}
TABLE_LEFT, ROW_TOP, ROW_H, MINI = 0.35, 1.55, 1.02, 0.9  # the table of models on the right
EXTENT = 2.6  # the data range a small panel shows (8 Gaussians' modes sit at radius about 1.4)


def place(scores: tuple[float, float, float]) -> np.ndarray:
    """A model's point: the corners' barycentre weighted by its (quality, diversity,
    speed); the centre when every score is 0."""
    w = np.asarray(scores, dtype=np.float64)
    if w.sum() <= 0:
        return CORNERS.mean(axis=0)
    return (w[:, None] * CORNERS).sum(axis=0) / w.sum()


class Trilemma(ToyModelScene):
    """Five models of one toy data set placed in the trilemma's triangle by what they do."""

    BEATS = ("trilemma_corners", "trilemma_models", "trilemma_verdict")
    dataset: str = "8gaussians"
    n_points: int = 2000
    gan_seed: int = 0
    vae_seed: int = 0
    CHOICES: ClassVar[dict[str, Any]] = {**ToyModelScene.CHOICES, "dataset": tuple(MODES)}

    def trilemma_config(self) -> TrilemmaConfig:
        return TrilemmaConfig(data=self.data_config(), n=self.n_points, seed=self.seed, gan_seed=self.gan_seed,
                              vae_seed=self.vae_seed)

    def measure(self):
        return measure_trilemma(self.trilemma_config())

    def construct(self):
        rows = self.measure()
        self.beat("trilemma_corners")
        parts = self.corners()
        self.beat("trilemma_models")
        self.models(parts, rows)
        self.beat("trilemma_verdict")
        self.verdict(parts, rows)
        self.wait(1.5)

    # 1. The triangle and its three corners
    def corners(self) -> SimpleNamespace:
        title = self.title("trilemma_title", "trilemma_sub")
        triangle = Polygon(*CORNERS, color=MUTED, stroke_width=2.5)
        labels = VGroup(
            Text(self.t("trilemma_quality"), font_size=24, color=ACCENT, weight="BOLD").next_to(CORNERS[0], UP,
                                                                                                buff=0.15),
            Text(self.t("trilemma_diversity"), font_size=24, color=ACCENT, weight="BOLD").next_to(CORNERS[1], DOWN,
                                                                                                  buff=0.18),
            Text(self.t("trilemma_speed"), font_size=24, color=ACCENT, weight="BOLD").next_to(CORNERS[2], DOWN,
                                                                                              buff=0.18),
        )
        labels[1].align_to(CORNERS[1], LEFT).shift(0.2 * LEFT)
        labels[2].align_to(CORNERS[2], RIGHT).shift(0.2 * RIGHT)
        self.play(FadeIn(title), FadeIn(triangle), FadeIn(labels), run_time=1.0)
        return SimpleNamespace(title=title, triangle=triangle, labels=labels)

    # 2. Each model: its point, its samples, its numbers
    def models(self, parts, rows) -> None:
        head = VGroup(*[Text(self.t(k), font_size=20, color=MUTED) for k in ("trilemma_col_samples",
                                                                            "trilemma_col_numbers")])
        head[0].move_to([TABLE_LEFT + MINI / 2, ROW_TOP + 0.32, 0])
        head[1].move_to([TABLE_LEFT + MINI + 0.25, ROW_TOP + 0.32, 0], aligned_edge=LEFT)
        self.play(FadeIn(head), run_time=0.4)
        data = sample_data(self.data_config(), self.n_points, seed=self.seed + 1).numpy()
        centroid = CORNERS.mean(axis=0)
        for i, row in enumerate(rows):
            color = COLORS[row.name]
            y = ROW_TOP - (i + 0.5) * ROW_H
            mini = CloudPanel(row.samples.numpy(), side=MINI, extent=EXTENT, color=color, dot_radius=0.007)
            mini.add_cloud(data, MUTED, dot_radius=0.006, opacity=0.25)
            mini.move_to([TABLE_LEFT + MINI / 2, y, 0])
            name = Text(row.label, font_size=24, color=color, weight="BOLD")
            line = Text(self.t("trilemma_row").format(near=100 * row.quality, covered=row.coverage.covered,
                                                      modes=row.coverage.modes, nfe=row.nfe,
                                                      ms=_ms(row.ms_per_1000)), font_size=20, color=INK)
            text = VGroup(name, line).arrange(DOWN, buff=0.08, aligned_edge=LEFT)
            fit_right(text.move_to([TABLE_LEFT + MINI + 0.25, y, 0], aligned_edge=LEFT))
            point = place(row.scores())
            dot = Dot(point, radius=0.11, color=color)
            away = point - centroid
            side = RIGHT if away[0] >= 0 else LEFT
            tag = Text(row.label, font_size=22, color=color, weight="BOLD").next_to(dot, side, buff=0.1)
            if i and row.name in ("DDIM", "Flow"):  # the diffusion family lies close together: tags stagger
                tag.shift((0.22 if row.name == "DDIM" else -0.22) * UP)
            self.play(FadeIn(mini), FadeIn(text), FadeIn(dot, scale=2.0), FadeIn(tag), run_time=0.7)
            self.note(self.t("note_trilemma_row").format(model=row.label, near=100 * row.quality,
                                                         covered=row.coverage.covered, modes=row.coverage.modes,
                                                         nfe=row.nfe, ms=_ms(row.ms_per_1000),
                                                         q=row.quality, d=row.diversity, s=row.speed))
        rule = Text(self.t("trilemma_rule"), font_size=18, color=MUTED, line_spacing=0.9)
        rule.next_to(parts.triangle, DOWN, buff=0.6).align_to(CORNERS[1], LEFT).shift(0.2 * LEFT)
        self.play(FadeIn(rule), run_time=0.4)

    # 3. What this run shows, claim by claim
    def verdict(self, parts, rows) -> None:
        by = {r.name: r for r in rows}
        vae, gan, ddpm = by["VAE"], by["GAN"], by["DDPM"]
        K = ddpm.coverage.modes
        lines = []
        if gan.coverage.covered < ddpm.coverage.covered:
            lines.append(self.t("trilemma_gan_drops").format(covered=gan.coverage.covered, modes=K))
        else:
            lines.append(self.t("trilemma_gan_covers").format(covered=gan.coverage.covered, modes=K))
        if vae.quality < min(r.quality for r in rows if r.name != "VAE"):
            lines.append(self.t("trilemma_vae_blurs").format(near=100 * vae.quality))
        else:
            lines.append(self.t("trilemma_vae_sharp").format(near=100 * vae.quality))
        lines.append(self.t("trilemma_diffusion").format(nfe=ddpm.nfe, covered=ddpm.coverage.covered, modes=K,
                                                         near=100 * ddpm.quality))
        text = Text("\n".join(lines), font_size=20, color=ACCENT, line_spacing=0.9)
        text.next_to(parts.title, DOWN, buff=0.25).align_to(parts.title, LEFT)
        box_right = CORNERS[2][0] + 0.1
        if text.get_right()[0] > box_right:
            text.scale_to_fit_width(box_right - text.get_left()[0])
        self.verdict_text = text
        self.play(FadeIn(text), run_time=0.8)
        for line in lines:
            self.note(line)


def _ms(ms: float) -> str:
    return f"{ms:.2g} ms" if ms < 10 else f"{ms:,.0f} ms"
