"""The generative learning trilemma (Xiao et al., ICLR 2022), measured on our own models.

    manim -pqh scenes/trilemma.py            (or: python cli.py render trilemma)

The triangle's corners are high-quality samples, mode coverage and fast sampling. Five
models of the same toy data (8 Gaussians) are placed in it by their measured numbers
(``measure_trilemma``, one seeded run): the VAE, the GAN, the DDPM with 1,000 steps, DDIM
with 50 and flow matching with 10. A model's point is the barycentre of the corners
weighted by its three scores: quality (the share of samples within 3 std of a mode),
diversity (the modes covered, of 8, by the samples near a mode) and speed (1 - log10(NFE) / 3: 1 for one network
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
from manim import DOWN, LEFT, RIGHT, UP, Dot, FadeIn, Polygon, Text, VGroup, config

from diffusion_core import MODES, TrilemmaConfig, measure_trilemma, sample_data
from scenes.homes import trilemma as home
from scenes.kit.cloud import CloudPanel
from scenes.kit.settings import ToyModelScene
from scenes.kit.theme import ACCENT, HIGHLIGHTS, INK, MUTED, fit_right

__all__ = ["Trilemma"]

# the triangle: quality on top, diversity bottom left, speed bottom right (Xiao et al.'s Fig. 1)
CORNERS = np.array([[-3.75, 1.55, 0.0], [-6.3, -1.55, 0.0], [-1.2, -1.55, 0.0]])
COLORS = {"VAE": HIGHLIGHTS[3], "GAN": HIGHLIGHTS[0], "DDPM": HIGHLIGHTS[4], "DDIM": HIGHLIGHTS[2],
          "Flow": HIGHLIGHTS[1]}
# the table on the right: a small panel of samples, the name, then four columns of numbers
MINI, ROW_H, FIRST_ROW = 0.74, 0.84, 1.4
MINI_X, NAME_X = 0.42, 0.9
MIN_MINI = 0.5  # a small panel narrower than this (larger type, a figure shown narrow) is left out
COLUMNS = (("trilemma_col_near", 2.95), ("trilemma_col_modes", 3.85), ("trilemma_col_nfe", 4.95),
           ("trilemma_col_ms", 6.38))  # (header, centre x)
EXTENT = 2.1  # the data range a small panel shows (8 Gaussians' modes sit at radius about 1.4)


def place(scores: tuple[float, float, float]) -> np.ndarray:
    """A model's point: the corners' barycentre weighted by its (quality, diversity,
    speed); the centre when every score is 0."""
    w = np.asarray(scores, dtype=np.float64)
    if w.sum() <= 0:
        return CORNERS.mean(axis=0)
    return (w[:, None] * CORNERS).sum(axis=0) / w.sum()


class Trilemma(ToyModelScene):
    """Five models of one toy data set placed in the trilemma's triangle by what they do."""

    HOME = home.HOME  # its key, outputs, beats, aspects and settings' defaults (scenes/homes/trilemma.py)

    dataset: str
    n_points: int
    gan_seed: int
    vae_seed: int
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
        title = self.title("trilemma_title", "trilemma_sub", n=self.n_points)
        triangle = Polygon(*CORNERS, color=MUTED, stroke_width=2.5)
        labels = VGroup(
            Text(self.t("trilemma_quality"), font_size=24, color=ACCENT, weight="BOLD").next_to(CORNERS[0], UP,
                                                                                                buff=0.15),
            Text(self.t("trilemma_diversity"), font_size=24, color=ACCENT, weight="BOLD").next_to(CORNERS[1], DOWN,
                                                                                                  buff=0.18),
            Text(self.t("trilemma_speed"), font_size=24, color=ACCENT, weight="BOLD").next_to(CORNERS[2], DOWN,
                                                                                              buff=0.18),
        )
        labels[1].align_to(CORNERS[1], LEFT).shift(0.35 * LEFT)
        labels[2].align_to(CORNERS[2], RIGHT).shift(0.35 * RIGHT)
        self.play(FadeIn(title), FadeIn(triangle), FadeIn(labels), run_time=1.0)
        return SimpleNamespace(title=title, triangle=triangle, labels=labels)

    # 2. Each model: its point, its samples, its numbers
    def models(self, parts, rows) -> None:
        heads = VGroup(*[Text(self.t(key), font_size=16, color=MUTED, line_spacing=0.85) for key, _ in COLUMNS])
        names = [Text(row.label, font_size=22, color=COLORS[row.name], weight="BOLD") for row in rows]
        cells = [VGroup(*[Text(v, font_size=24, color=INK) for v in (
            f"{100 * row.quality:.0f}%", f"{row.near.covered}/{row.near.modes}", f"{row.nfe:,}", _ms(row.ms_per_1000))])
            for row in rows]
        mini_side, mini_x, name_x, columns = self.table_layout(heads, names, cells)
        for head, x in zip(heads, columns):
            head.move_to([x, FIRST_ROW + 0.68, 0])
        note = Text(self.t("trilemma_rule").format(modes=rows[0].near.modes), font_size=16, color=MUTED,
                    line_spacing=0.9)
        note.move_to([0.0, FIRST_ROW - (len(rows) - 0.5) * ROW_H - 0.12, 0], aligned_edge=UP + LEFT)
        fit_right(note)
        self.play(FadeIn(heads), FadeIn(note), run_time=0.5)
        data = sample_data(self.data_config(), self.n_points, seed=self.seed + 1).numpy()
        centroid, tags = CORNERS.mean(axis=0), []
        for i, (row, name, row_cells) in enumerate(zip(rows, names, cells)):
            color = COLORS[row.name]
            y = FIRST_ROW - i * ROW_H
            mini = VGroup()
            if mini_side:
                mini = CloudPanel(row.samples.numpy(), side=mini_side, extent=EXTENT, color=color, dot_radius=0.008)
                mini.add_cloud(data, MUTED, dot_radius=0.006, opacity=0.25)
                mini.move_to([mini_x, y, 0])
            name.move_to([name_x, y, 0], aligned_edge=LEFT)
            for cell, x in zip(row_cells, columns):
                cell.move_to([x, y, 0])
            point = place(row.scores())
            dot = Dot(point, radius=0.11, color=color)
            side = RIGHT if point[0] >= centroid[0] - 0.3 else LEFT
            tag = Text(row.label, font_size=22, color=color, weight="BOLD").next_to(dot, side, buff=0.1)
            for where in (-side, DOWN, UP):  # close points: the other side, below, above, else steps down
                if not any(_overlap(tag, other) for other in tags):
                    break
                tag.next_to(dot, where, buff=0.1)
            while any(_overlap(tag, other) for other in tags):
                tag.shift(0.3 * DOWN)
            tags.append(tag)
            self.play(FadeIn(mini), FadeIn(name), FadeIn(row_cells), FadeIn(dot, scale=2.0), FadeIn(tag), run_time=0.7)
            self.note(self.t("note_trilemma_row").format(model=row.label, near=100 * row.quality,
                                                         covered=row.near.covered, modes=row.near.modes,
                                                         nfe=row.nfe, ms=_ms(row.ms_per_1000),
                                                         q=row.quality, d=row.diversity, s=row.speed))

    def table_layout(self, heads, names, cells) -> tuple[float, float, float, list[float]]:
        """Where the table's small panels (their side and centre), names and columns go: the
        fixed layout at the type it was drawn for; with larger type (a figure shown narrow),
        each column as wide as its widest text, packed from the frame's right edge, the names
        moved left to make room and the small panels, right of the triangle's speed corner,
        made smaller where they must, or left out (side 0) below ``MIN_MINI``."""
        if self.text_scale == 1.0:
            return MINI, MINI_X, NAME_X, [x for _, x in COLUMNS]
        right, gap = config.frame_width / 2 - 0.1, 0.16
        columns = []
        for j in reversed(range(len(COLUMNS))):
            width = max([heads[j].width] + [row[j].width for row in cells])
            columns.insert(0, right - width / 2)
            right -= width + gap
        name_x = min(NAME_X, right + gap - 0.1 - max(n.width for n in names))
        lo = CORNERS[2][0] + 0.45  # right of the speed corner's label
        side = min(MINI, name_x - 0.08 - lo)
        side = side if side >= MIN_MINI else 0.0  # too small to show the samples: left out (fewer panels)
        return side, name_x - 0.08 - side / 2, name_x, columns

    # 3. What this run shows, claim by claim
    def verdict(self, parts, rows) -> None:
        by = {r.name: r for r in rows}
        vae, gan, ddpm = by["VAE"], by["GAN"], by["DDPM"]
        K = ddpm.near.modes
        lines = []
        if gan.near.covered < ddpm.near.covered:
            lines.append(self.t("trilemma_gan_drops").format(covered=gan.near.covered, modes=K))
        else:
            lines.append(self.t("trilemma_gan_covers").format(covered=gan.near.covered, modes=K))
        if vae.quality < min(r.quality for r in rows if r.name != "VAE"):
            lines.append(self.t("trilemma_vae_blurs").format(near=100 * vae.quality))
        else:
            lines.append(self.t("trilemma_vae_sharp").format(near=100 * vae.quality))
        lines.append(self.t("trilemma_diffusion").format(nfe=ddpm.nfe, covered=ddpm.near.covered, modes=K,
                                                         near=100 * ddpm.quality))
        text = Text("\n".join(lines), font_size=21, color=ACCENT, line_spacing=0.95)
        text.move_to([CORNERS[1][0] - 0.35, CORNERS[1][1] - 0.75, 0], aligned_edge=UP + LEFT)
        if text.get_right()[0] > -0.2:  # the table's column
            text.scale_to_fit_width(-0.2 - text.get_left()[0]).align_to([CORNERS[1][0] - 0.35, 0, 0], LEFT)
        bottom = -config.frame_height / 2 + 0.08  # larger type (a figure shown narrow) must not leave the frame
        if text.get_bottom()[1] < bottom:
            text.scale((text.get_top()[1] - bottom) / text.height, about_point=text.get_corner(UP + LEFT))
        self.verdict_text = text
        self.play(FadeIn(text), run_time=0.8)
        for line in lines:
            self.note(line)


def _overlap(a, b) -> bool:
    return (a.get_left()[0] < b.get_right()[0] and b.get_left()[0] < a.get_right()[0]
            and a.get_bottom()[1] < b.get_top()[1] and b.get_bottom()[1] < a.get_top()[1])


def _ms(ms: float) -> str:
    return f"{ms:.2g}" if ms < 10 else f"{ms:,.0f}"
