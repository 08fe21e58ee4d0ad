"""Point clouds drawn fast and true: each cloud is one rasterised, anti-aliased image
(each point a small Gaussian at its exact sub-pixel position), composited straight into
the frame by a camera subclass."""

from __future__ import annotations

import numpy as np
from manim import Camera, Group, ImageMobject, Square, config
from PIL import Image

from scenes.theme import CLOUD, MUTED

__all__ = ["pixels_per_unit", "rasterise", "CloudCamera", "PixelImage", "CloudImage", "CloudPanel"]


def pixels_per_unit() -> float:
    return config.pixel_width / config.frame_width


def _hex_rgb(color: str) -> np.ndarray:
    color = color.lstrip("#")
    return np.array([int(color[i:i + 2], 16) for i in (0, 2, 4)], dtype=np.uint8)


def rasterise(
    xy: np.ndarray, extent: float, size: int, color: str, dot_px: float, opacity: float = 1.0
) -> np.ndarray:
    """Draw points as soft, anti-aliased dots into an RGBA image.

    Each point adds a small Gaussian of std ``dot_px`` / 4 centred at its exact
    sub-pixel position (so a dot is about ``dot_px`` wide); overlapping dots
    saturate (alpha = 1 - exp(-density)) instead of clipping. The cost grows with
    the number of points, not with the image's area.

    Args:
        xy: (N, 2) points in data coordinates; the image covers [-extent, extent]^2.
        size: the image's side in pixels.
    Returns:
        A (size, size, 4) uint8 array.
    """
    xy = np.asarray(xy, dtype=np.float32)
    scale = np.float32(size / (2 * extent))
    px = (xy[:, 0] + np.float32(extent)) * scale - np.float32(0.5)
    py = (np.float32(extent) - xy[:, 1]) * scale - np.float32(0.5)  # rows grow downwards
    cx, cy = np.rint(px), np.rint(py)
    sigma = max(dot_px / 4.0, 0.5)
    r = int(np.ceil(2.5 * sigma))
    offs = np.arange(-r, r + 1, dtype=np.float32)
    k = np.float32(-0.5 / sigma**2)
    wx = np.exp(k * (offs[None, :] - (px - cx)[:, None]) ** 2)  # (N, 2r+1)
    wy = np.exp(k * (offs[None, :] - (py - cy)[:, None]) ** 2)
    weights = (wy[:, :, None] * wx[:, None, :]) * np.float32(1 / (2 * np.pi * sigma**2))  # (N, 2r+1, 2r+1)
    width = 2 * r + 1
    steps = np.arange(-r, r + 1, dtype=np.int64)
    spots = (steps[:, None] * size + steps[None, :]).ravel()  # a dot's pixels, rows then columns
    centre = cy.astype(np.int64) * size + cx.astype(np.int64)  # (N,)
    flat = (centre[:, None] + spots[None, :]).ravel()  # the order of weights.ravel()
    lo, hi = r, size - 1 - r
    if len(xy) and lo <= cx.min() and cx.max() <= hi and lo <= cy.min() and cy.max() <= hi:  # all whole: no mask
        density = np.bincount(flat, weights=weights.ravel(), minlength=size * size)
    else:  # (also NaN coordinates: they fail every comparison)
        xi = cx.astype(np.int64)[:, None, None] + steps[None, None, :]
        yi = cy.astype(np.int64)[:, None, None] + steps[None, :, None]
        ok = ((xi >= 0) & (xi < size) & (yi >= 0) & (yi < size)).reshape(len(xy), width * width)
        density = np.bincount(flat[ok.ravel()], weights=weights.reshape(len(xy), width * width)[ok], minlength=size * size)
    gain = -1.9 * 2 * np.pi * sigma**2  # an isolated dot peaks at alpha ~ 0.85
    alpha = np.exp(density.astype(np.float32).reshape(size, size) * np.float32(gain))
    alpha *= np.float32(-255.0 * opacity)
    alpha += np.float32(255.0 * opacity)
    # RGBA bytes written as one little-endian uint32 per pixel: R | G << 8 | B << 16 | A << 24
    rgb = _hex_rgb(color).astype(np.uint32)
    packed = alpha.astype(np.uint8).astype(np.uint32) << np.uint32(24)
    packed |= np.uint32(rgb[0] | rgb[1] << 8 | rgb[2] << 16)
    out = packed.astype("<u4").view(np.uint8).reshape(size, size, 4)
    return out


class CloudCamera(Camera):
    """Manim's cairo camera, with a fast path for clouds: a CloudImage that sits
    axis-aligned at its native pixel size is composited straight into the frame
    (numpy "over"), instead of PIL's perspective resampling of a full-frame copy."""

    def display_image_mobject(self, image_mobject, pixel_array) -> None:
        if isinstance(image_mobject, PixelImage) and self._blit(image_mobject, pixel_array):
            return
        super().display_image_mobject(image_mobject, pixel_array)

    def _blit(self, mob: "PixelImage", frame: np.ndarray) -> bool:
        img = mob.get_pixel_array()
        h, w = img.shape[:2]
        ul, ur, dl, dr = self.points_to_subpixel_coords(mob, mob.points[:4])
        aligned = abs(ul[1] - ur[1]) < 1e-3 and abs(ul[0] - dl[0]) < 1e-3
        if not aligned or abs((dr[0] - ul[0]) - w) > 1.0 or abs((dr[1] - ul[1]) - h) > 1.0:
            return False
        x, y = int(round(ul[0])), int(round(ul[1]))
        fx0, fy0 = max(x, 0), max(y, 0)
        fx1, fy1 = min(x + w, frame.shape[1]), min(y + h, frame.shape[0])
        if fx1 <= fx0 or fy1 <= fy0:
            return True
        src = img[fy0 - y : fy1 - y, fx0 - x : fx1 - x]
        dst = frame[fy0:fy1, fx0:fx1]
        out = Image.alpha_composite(Image.fromarray(dst, "RGBA"), Image.fromarray(np.ascontiguousarray(src), "RGBA"))
        dst[...] = np.asarray(out)
        return True


class PixelImage(ImageMobject):
    """An image drawn at its native pixel size, axis-aligned: the camera composites it
    straight into the frame (see CloudCamera)."""


class CloudImage(PixelImage):
    """A point cloud drawn as one rasterised image, redrawn with :meth:`set_xy`."""

    def __init__(self, xy: np.ndarray, side: float, extent: float, color: str = CLOUD,
                 dot_radius: float = 0.022, opacity: float = 1.0, **kwargs):
        self.extent, self.cloud_color, self.cloud_opacity = extent, color, opacity
        self.size_px = max(int(round(side * pixels_per_unit())), 16)
        self.dot_px = max(2 * dot_radius * pixels_per_unit(), 1.0)
        super().__init__(self._draw(xy), **kwargs)
        self.set_resampling_algorithm(Image.Resampling.BILINEAR)
        self.stretch_to_fit_width(side).stretch_to_fit_height(side)

    def _draw(self, xy) -> np.ndarray:
        return rasterise(xy, self.extent, self.size_px, self.cloud_color, self.dot_px, self.cloud_opacity)

    def set_xy(self, xy: np.ndarray) -> "CloudImage":
        self.pixel_array = self._draw(xy)
        return self


class CloudPanel(Group):
    """A square frame onto [-extent, extent]^2, with a cloud and coordinate helpers."""

    def __init__(self, xy: np.ndarray, side: float = 6.0, extent: float = 4.0,
                 color: str = CLOUD, dot_radius: float = 0.022, **kwargs):
        self.side, self.extent = side, extent
        self.frame = Square(side, stroke_color=MUTED, stroke_width=1.5)
        self.cloud = CloudImage(xy, side, extent, color=color, dot_radius=dot_radius)
        super().__init__(self.frame, self.cloud, **kwargs)

    def to_point(self, xy: np.ndarray) -> np.ndarray:
        """Data coordinates (N, 2) to scene points (N, 3)."""
        xy = np.atleast_2d(np.asarray(xy, dtype=np.float64))
        center = self.frame.get_center()
        scale = self.side / (2 * self.extent)
        pts = np.zeros((len(xy), 3))
        pts[:, :2] = xy * scale
        return pts + center

    def add_cloud(self, xy: np.ndarray, color: str, dot_radius: float = 0.02, opacity: float = 1.0) -> CloudImage:
        """A second cloud on the same coordinates, drawn beneath the main one (e.g. the
        ghost of the predicted x_0, or the data for comparison)."""
        extra = CloudImage(xy, self.side, self.extent, color=color, dot_radius=dot_radius, opacity=opacity)
        extra.move_to(self.frame.get_center())
        self.add_to_back(extra)
        return extra
