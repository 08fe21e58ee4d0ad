"""What the scenes draw besides clouds: trails, counters, the time bar, snapshot
strips, and the panel + formula + time bar layout of the cloud scenes."""

from __future__ import annotations

from types import SimpleNamespace

import cairo
import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UL,
    UP,
    WHITE,
    Arrow,
    BackgroundRectangle,
    Dot,
    FadeIn,
    Group,
    MathTex,
    Rectangle,
    Scene,
    Text,
    VGroup,
    config,
)

from scenes.kit.cloud import CloudPanel, MaskImage, mask_stride
from scenes.kit.theme import ACCENT, CLOUD, HIGHLIGHTS, INK, MUTED, fit_right

__all__ = ["log_step", "log_points", "TrailLayer", "Trails", "DigitCounter", "TimeBar", "snapshot_strip", "show_snapshots", "informative_steps",
           "cloud_layout"]


class TrailLayer(MaskImage):
    """One trail, drawn into an alpha mask as it grows: a frame strokes only the segments
    added since the last one and the live end (a stroke of the whole long, jittery path
    cost cairo about 1.5 ms a frame at 1080p). It is the same polyline manim would stroke
    (miter joins, butt caps, the same width, ``opacity`` over the frame), drawn on the
    frame's own pixel grid; the mask covers every vertex the path will reach."""

    def __init__(self, path: np.ndarray, stride: int, color: str, width: float, opacity: float):
        self.path, self.stride = path, stride
        self.vertices = path[::stride]
        ppx, ppy = config.pixel_width / config.frame_width, config.pixel_height / config.frame_height
        line = width * 0.01  # manim's cairo_line_width_multiple: the width in scene units
        reach = 5 * line * max(ppx, ppy) + 2  # a miter spike (cairo's limit: 10 half-widths), and AA
        fx = config.pixel_width / 2 + path[:, 0] * ppx  # frame pixels (the camera looks at the origin)
        fy = config.pixel_height / 2 - path[:, 1] * ppy
        ox, oy = int(np.floor(fx.min() - reach)), int(np.floor(fy.min() - reach))
        w, h = int(np.ceil(fx.max() + reach)) - ox, int(np.ceil(fy.max() + reach)) - oy
        self._matrix = (ppx, 0, 0, -ppy, config.pixel_width / 2 - ox, config.pixel_height / 2 - oy)  # scene -> mask pixels
        self._line = line
        self._fixed = np.zeros((h, mask_stride(w)), np.uint8)  # what is drawn for good: the path to its last vertex
        self._drawn = 1  # vertices whose segments are in _fixed
        super().__init__(self._fixed.copy(), w, color, opacity)
        self.stretch_to_fit_width(w / ppx).stretch_to_fit_height(h / ppy)
        self.move_to([ox / ppx - config.frame_width / 2, config.frame_height / 2 - oy / ppy, 0], aligned_edge=UL)

    def _stroke(self, mask: np.ndarray, points: np.ndarray) -> None:
        """Stroke the polyline through ``points`` (scene units) into ``mask``, as the
        union of what is there and the stroke (per pixel, the larger coverage): a segment
        stroked again for its join leaves the mask as it was."""
        sx, _, _, sy, tx, ty = self._matrix
        x, y = points[:, 0] * sx + tx, points[:, 1] * sy + ty
        reach = 5 * self._line * max(sx, -sy) + 2
        x0, y0 = max(int(np.floor(x.min() - reach)), 0), max(int(np.floor(y.min() - reach)), 0)
        x1, y1 = min(int(np.ceil(x.max() + reach)), self.width_px), min(int(np.ceil(y.max() + reach)), mask.shape[0])
        if x1 <= x0 or y1 <= y0:
            return
        tmp = np.zeros((y1 - y0, mask_stride(x1 - x0)), np.uint8)
        surface = cairo.ImageSurface.create_for_data(tmp, cairo.FORMAT_A8, x1 - x0, y1 - y0, tmp.shape[1])
        ctx = cairo.Context(surface)
        ctx.set_matrix(cairo.Matrix(sx, 0, 0, sy, tx - x0, ty - y0))
        ctx.set_line_width(self._line)
        ctx.set_line_join(cairo.LINE_JOIN_MITER)  # manim's, for a VMobject's AUTO joins and caps
        ctx.set_line_cap(cairo.LINE_CAP_BUTT)
        ctx.move_to(points[0, 0], points[0, 1])
        for px, py in points[1:, :2]:
            ctx.line_to(px, py)
        ctx.stroke()
        surface.flush()
        region = mask[y0:y1, x0:x1]
        np.maximum(region, tmp[:, : x1 - x0], out=region)

    def show_until(self, k: int) -> None:
        """The path through vertices 0, stride, 2 stride, ... up to state k, and to k."""
        k = min(int(k), len(self.path) - 1)
        n = k // self.stride + 1  # vertices reached
        if n < self._drawn:  # back in time: start again
            self._fixed[...] = 0
            self._drawn = 1
        if n > self._drawn:  # the new segments, from the vertex before the last drawn (for its join)
            self._stroke(self._fixed, self.vertices[max(self._drawn - 2, 0) : n])
            self._drawn = n
        mask = self._fixed.copy()
        if k % self.stride:  # the live end, and the join at the last vertex
            self._stroke(mask, np.vstack([self.vertices[max(n - 2, 0) : n], self.path[k : k + 1]]))
        self.set_mask(mask)


class Trails(Group):
    """Polylines through the recorded states of a few highlighted points, up to a
    given step, each with a dot at its head. Long paths are drawn through every
    ``stride``-th recorded state (and always the current one), so a path never has more
    than ~``max_vertices`` corners. Each line is a TrailLayer (drawn as it grows)."""

    def __init__(self, panel: CloudPanel, states: np.ndarray, idx, width: float = 2.5,
                 max_vertices: int = 300, opacity: float = 0.8):
        super().__init__()
        self.panel = panel
        self.paths = [panel.to_point(states[:, i]) for i in idx]  # each (K+1, 3)
        self.stride = max(1, int(np.ceil((len(states) - 1) / max_vertices)))
        self.lines = Group()
        self.heads = VGroup()
        for k, _ in enumerate(idx):
            color = HIGHLIGHTS[k % len(HIGHLIGHTS)]
            self.lines.add(TrailLayer(self.paths[k], self.stride, color, width, opacity))
            self.heads.add(Dot(self.paths[k][0], radius=0.07, color=color).set_stroke(WHITE, 1.5))
        self.add(self.lines, self.heads)
        self.show_until(0)

    def show_until(self, k: int) -> None:
        k = int(k)
        for line, head, path in zip(self.lines, self.heads, self.paths):
            line.show_until(k)
            head.move_to(path[min(k, len(path) - 1)])


class DigitCounter(VGroup):
    """An integer display built from cached glyph outlines. It keeps the same slot
    mobjects for its whole life (manim's renderer lists a play's moving mobjects once,
    at its start) and only swaps their points: nothing is typeset or deep-copied per
    frame."""

    MAX_DIGITS = 7

    def __init__(self, value: int = 0, font_size: float = 34, color: str = INK, max_digits: int | None = None):
        super().__init__()
        self.max_digits = max_digits or self.MAX_DIGITS  # every slot is drawn each frame, empty or not
        digits = MathTex("0123456789", font_size=font_size, color=color)[0]
        centers = np.array([g.get_center() for g in digits])
        self.advance = (centers[9, 0] - centers[0, 0]) / 9
        # each digit's outline, shifted so that the slot's reference point is the origin
        self.outlines = [g.points - centers[0] - np.array([d * self.advance, 0, 0]) for d, g in enumerate(digits)]
        self.slots = [digits[0].copy() for _ in range(self.max_digits)]
        self.add(*self.slots)
        self.anchor = centers[0].copy()
        self.n_digits = 1
        self.value = None
        self.set_value(value)

    def set_value(self, value: int) -> "DigitCounter":
        if self.value is not None:  # the counter may have been moved since the last call
            self.anchor = self.slots[0].get_center() - self.first_offset
        text = str(int(value))[-self.max_digits:]
        for j, slot in enumerate(self.slots):
            if j < len(text):
                slot.points = self.outlines[int(text[j])] + self.anchor + np.array([j * self.advance, 0, 0])
            else:
                slot.points = np.zeros((0, 3))
        self.first_offset = self.slots[0].get_center() - self.anchor
        self.value = int(value)
        return self


class TimeBar(VGroup):
    """A label 't = 123' and a bar that fills as t goes from 0 to T (``text``: the
    label's size, 1 as drawn in a full-width video; larger where a slide shows it small)."""
    def __init__(self, T: int, width: float = 4.0, color: str = ACCENT, label: str = "t", text: float = 1.0):
        super().__init__()
        self.T = T
        self.outline = Rectangle(width=width, height=0.22, stroke_color=MUTED, stroke_width=1.5)
        self.fill = Rectangle(width=width, height=0.22, stroke_width=0, fill_color=color, fill_opacity=0.85)
        self.number = DigitCounter(font_size=34 * text, max_digits=len(str(T)))
        self.name = MathTex(label, "=", color=INK, font_size=40 * text)
        self.tail = MathTex(f"/\\,{T}", color=MUTED, font_size=34 * text)
        self.add(self.outline, self.fill, self.name, self.number, self.tail)
        self.set_t(0)

    def moving_parts(self) -> list:
        """What set_t changes (play_frames redraws only these): the fill, the number and,
        as the number's width changes, the tail after it."""
        return [self.fill, self.number, self.tail]

    def set_t(self, t: float) -> "TimeBar":
        t = int(round(min(max(t, 0), self.T)))
        frac = t / self.T
        self.fill.stretch_to_fit_width(max(self.outline.width * frac, 1e-4))
        self.fill.align_to(self.outline, LEFT).match_y(self.outline)
        self.number.set_value(t)
        self.name.next_to(self.outline, UP, buff=0.2).align_to(self.outline, LEFT)
        self.number.next_to(self.name, RIGHT, buff=0.15)
        self.tail.next_to(self.number, RIGHT, buff=0.1)
        return self


def snapshot_strip(states: np.ndarray, steps, labels, extent: float, color: str = CLOUD,
                   side: float = 2.3, dot_radius: float = 0.02) -> Group:
    """A row of small clouds (states[k] for k in steps) with a label under each."""
    items = []
    for k, label in zip(steps, labels):
        panel = CloudPanel(states[k], side=side, extent=extent, color=color, dot_radius=dot_radius)
        tex = MathTex(label, font_size=30).next_to(panel, DOWN, buff=0.15)
        items.append(Group(panel, tex))
    return Group(*items).arrange(RIGHT, buff=0.35)


def show_snapshots(scene: Scene, states: np.ndarray, ks, labels, heading: str, step_label: str,
                   arrow_color: str) -> None:
    """The closing figure of the cloud scenes: five moments of one trajectory in a row,
    with arrows, a heading, and the step's formula under one long arrow."""

    strip = snapshot_strip(states, ks, labels, extent=4.0).move_to(0.2 * DOWN)
    arrows = VGroup(*[
        Arrow(a[0].get_right(), b[0].get_left(), buff=0.05, color=MUTED, stroke_width=3, max_tip_length_to_length_ratio=0.35)
        for a, b in zip(strip[:-1], strip[1:])
    ])
    head = Text(heading, font_size=36, color=ACCENT).to_edge(UP, buff=0.6)
    getattr(scene, "titles", []).append(head)  # a figure leaves it out: its slide has a title
    formula = MathTex(step_label, font_size=34, color=MUTED).next_to(strip, DOWN, buff=0.7)
    arrow_long = Arrow(strip.get_left(), strip.get_right(), color=arrow_color, stroke_width=3)
    arrow_long.next_to(formula, UP, buff=0.1).set_x(strip.get_x())
    scene.play(FadeIn(head), FadeIn(Group(strip, arrows)), run_time=1.0)
    scene.play(FadeIn(formula), FadeIn(arrow_long), run_time=0.6)
    scene.strip_parts = SimpleNamespace(strip=strip, arrows=arrows, formula=formula, arrow=arrow_long,
                                        color=arrow_color)


def compact_strip(scene: Scene, parts: SimpleNamespace) -> None:
    """The strip as a slide's figure, wide and low (a slide gives it its width, and has
    text under it): each label in its panel's top-left corner, the long arrow and its
    formula on one line under the panels. The same states, labels and formula."""


    for item in parts.strip:  # the labels a little smaller, but on a 4:3 slide (which shows the strip narrower)
        panel, label = item[0], item[1]
        label.scale(1.0 if getattr(scene, "narrow", False) else 0.85).move_to(panel.frame.get_corner(UP + LEFT), aligned_edge=UP + LEFT).shift(0.08 * (DOWN + RIGHT))
        scene.add(BackgroundRectangle(label, color=scene.camera.background_color, fill_opacity=0.85, buff=0.04), label)
    strip = parts.strip
    strip.arrange(RIGHT, buff=0.6)  # wider gaps: a lower figure at the slide's width
    for arrow, a, b in zip(parts.arrows, strip[:-1], strip[1:]):
        arrow.put_start_and_end_on(a[0].get_right() + 0.08 * RIGHT, b[0].get_left() + 0.08 * LEFT)
    scene.remove(parts.arrow)
    parts.formula.next_to(strip, DOWN, buff=0.12).align_to(strip, RIGHT)
    y = parts.formula.get_y()
    arrow = Arrow([strip.get_left()[0], y, 0], [parts.formula.get_left()[0] - 0.25, y, 0], color=parts.color,
                  stroke_width=3, buff=0, max_tip_length_to_length_ratio=0.03)
    scene.add(arrow)


def informative_steps(alpha_bar: np.ndarray, levels=(0.95, 0.75, 0.45)) -> list[int]:
    """0, the first t where sqrt(abar_t) falls below each level, and T: five moments
    that are evenly spread in signal rather than in t, whatever the schedule."""
    signal = np.sqrt(np.asarray(alpha_bar))
    T = len(signal) - 1
    steps = [0] + [int(np.argmax(signal < lv)) for lv in levels] + [T]
    return sorted(set(steps))


def cloud_layout(xy: np.ndarray, formula: str, T: int, font_size: float = 34) -> SimpleNamespace:
    """The cloud scenes' layout: a panel at the left, the formula at its top right
    (shrunk to fit), the time bar under it. Returns (panel, eq, bar)."""
    panel = CloudPanel(xy, side=5.8).to_edge(LEFT, buff=0.7).to_edge(DOWN, buff=0.4)
    eq = MathTex(formula, font_size=font_size)
    eq.next_to(panel, RIGHT, buff=0.7).align_to(panel, UP).shift(0.2 * DOWN)
    fit_right(eq)
    bar = TimeBar(T, width=5.2).next_to(eq, DOWN, buff=1.0).align_to(eq, LEFT)
    return SimpleNamespace(panel=panel, eq=eq, bar=bar)


def log_step(step) -> np.ndarray:
    """The x of a training plot: log10(1 + step), so that steps 0, 50, ..., 5000 spread out."""
    return np.log10(1.0 + np.asarray(step, dtype=float))


def log_points(axes, xs, log_ys) -> np.ndarray:
    """(x, log10 value) to scene points, (N, 3); the axes start at their ``shift_y``."""
    return np.array([axes.c2p(x, y - axes.shift_y) for x, y in zip(xs, log_ys)])
