"""Point clouds drawn fast and true: each cloud is one rasterised, anti-aliased image
(each point a small Gaussian at its exact sub-pixel position), composited straight into
the frame by a camera subclass."""

from __future__ import annotations

import hashlib

import cairo
import numpy as np
from manim import RESAMPLING_ALGORITHMS, Camera, Group, ImageMobject, Square, config
from manim.utils.bezier import interpolate
from PIL import Image

from scenes.kit.theme import CLOUD, MUTED

__all__ = ["pixels_per_unit", "rasterise", "rasterise_alpha", "mask_stride", "rgba", "CloudCamera", "PixelImage",
           "MaskImage", "CloudImage", "CloudPanel", "density_grid", "field_image"]


def pixels_per_unit() -> float:
    return config.pixel_width / config.frame_width


def hex_rgb(color: str) -> np.ndarray:
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
        A (size, size, 4) uint8 array: ``color`` everywhere, the dots in its alpha.
    """
    return rgba(rasterise_alpha(xy, extent, size, dot_px, opacity)[:, :size], color)


def mask_stride(size: int) -> int:
    """The row length of an alpha mask ``size`` pixels wide: cairo's A8 rows are whole
    multiples of 4 bytes."""
    return -(-size // 4) * 4


def rasterise_alpha(xy: np.ndarray, extent: float, size: int, dot_px: float, opacity: float = 1.0) -> np.ndarray:
    """The alpha of :func:`rasterise`'s image, as a (size, mask_stride(size)) uint8 array
    (the columns past ``size`` are 0): cairo paints a colour through it (CloudCamera)."""
    xy = np.asarray(xy, dtype=np.float32)
    stride = mask_stride(size)
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
    out = np.zeros((size, stride), np.uint8)
    # The density is summed over the box the dots cover, not the whole image: the same
    # sums in the same order (so the same bytes), at a fraction of the cost for a cloud
    # that does not fill its panel.
    lo, hi = r, size - 1 - r
    if len(xy) and lo <= cx.min() and cx.max() <= hi and lo <= cy.min() and cy.max() <= hi:  # all whole: no mask
        xi, yi = cx.astype(np.int64), cy.astype(np.int64)
        c0, c1, r0, r1 = int(xi.min()) - r, int(xi.max()) + r + 1, int(yi.min()) - r, int(yi.max()) + r + 1
        bw = c1 - c0
        spots = (steps[:, None] * bw + steps[None, :]).ravel()  # a dot's pixels, rows then columns
        flat = (((yi - r0) * bw + (xi - c0))[:, None] + spots[None, :]).ravel()  # the order of weights.ravel()
        density = np.bincount(flat, weights=weights.ravel(), minlength=(r1 - r0) * bw)
    else:  # (also NaN coordinates: they fail every comparison)
        xi = cx.astype(np.int64)[:, None, None] + steps[None, None, :]  # (N, 1, 2r+1)
        yi = cy.astype(np.int64)[:, None, None] + steps[None, :, None]  # (N, 2r+1, 1)
        ok = ((xi >= 0) & (xi < size) & (yi >= 0) & (yi < size)).reshape(len(xy), width * width)
        seen = ok.any(axis=1)  # the dots with a pixel in the image
        if not seen.any():
            return out
        xv, yv = cx[seen].astype(np.int64), cy[seen].astype(np.int64)
        c0, c1 = max(int(xv.min()) - r, 0), min(int(xv.max()) + r + 1, size)
        r0, r1 = max(int(yv.min()) - r, 0), min(int(yv.max()) + r + 1, size)
        bw = c1 - c0
        spots = (steps[:, None] * bw + steps[None, :]).ravel()
        flat = (((cy.astype(np.int64) - r0) * bw + (cx.astype(np.int64) - c0))[:, None] + spots[None, :]).ravel()
        density = np.bincount(flat[ok.ravel()], weights=weights.reshape(len(xy), width * width)[ok],
                              minlength=(r1 - r0) * bw)
    gain = -1.9 * 2 * np.pi * sigma**2  # an isolated dot peaks at alpha ~ 0.85
    alpha = np.exp(density.astype(np.float32).reshape(r1 - r0, bw) * np.float32(gain))
    alpha *= np.float32(-255.0 * opacity)
    alpha += np.float32(255.0 * opacity)
    out[r0:r1, c0:c1] = alpha.astype(np.uint8)
    return out


def rgba(alpha: np.ndarray, color: str) -> np.ndarray:
    """An RGBA image of one colour with this alpha (H, W): the bytes written as one
    little-endian uint32 a pixel, R | G << 8 | B << 16 | A << 24."""
    rgb = hex_rgb(color).astype(np.uint32)
    packed = alpha.astype(np.uint32) << np.uint32(24)
    packed |= np.uint32(rgb[0] | rgb[1] << 8 | rgb[2] << 16)
    return packed.astype("<u4").view(np.uint8).reshape(*alpha.shape, 4)


class CloudCamera(Camera):
    """Manim's cairo camera, with a fast path for our images: a PixelImage that sits
    axis-aligned at its native pixel size is composited straight into the frame ("over"),
    instead of PIL's perspective resampling of a full-frame copy. A MaskImage (one colour
    through an alpha mask: a cloud, a trail) is painted by cairo through its mask, in
    place; other images by PIL's alpha_composite. The two round differently: by at most 1
    of 255 (2 for a faded image, whose alpha cairo rounds where its pixels cut it)."""

    SHAPES_KEPT = 4096  # cached shapes (a glyph's layer is a few kB at 1080p)
    SHAPE_MAX_AREA = 0.25  # of the frame: a bigger shape is drawn as it is
    _alpha_scale = 1.0

    def display_image_mobject(self, image_mobject, pixel_array) -> None:
        if isinstance(image_mobject, PixelImage) and self._blit(image_mobject, pixel_array):
            return
        super().display_image_mobject(image_mobject, pixel_array)

    def display_multiple_non_background_colored_vmobjects(self, vmobjects, pixel_array) -> None:
        """Manim's, with a memory of shapes: a shape (a glyph, a digit, a rule) that
        looks as it did in an earlier frame, or only fainter (a FadeIn, a FadeOut), is
        drawn once into a small layer of its own, the second time it is seen, and from then
        on that layer is painted ("over", at the shape's opacity) instead of building its
        path and filling and stroking it again. The pixels are the same but for rounding
        (at most 1 of 255), except that a fading shape whose fill and stroke are both
        visible is drawn as manim draws it (the two would overlap differently)."""
        if pixel_array is not self.pixel_array:
            return super().display_multiple_non_background_colored_vmobjects(vmobjects, pixel_array)
        ctx = self.get_cairo_context(pixel_array)
        shapes = self.__dict__.setdefault("_shapes", {})  # key -> layer, False (nothing), None (seen once)
        for v in vmobjects:
            found = self._shape_key(v)
            if found is None:
                self.display_vectorized(v, ctx)
                continue
            key, alpha = found
            if alpha <= 0:
                continue  # fully transparent: nothing to draw
            if key not in shapes:
                self.display_vectorized(v, ctx)
                shapes[key] = None
            else:
                layer = shapes.pop(key)
                if layer is None:
                    layer = self._shape_layer(v, alpha)
                shapes[key] = layer  # the most recently used last
                if layer is False:
                    self.display_vectorized(v, ctx)
                else:
                    surface, x0, y0 = layer
                    ctx.save()
                    ctx.identity_matrix()
                    ctx.new_path()  # manim strokes with stroke_preserve: its last path is still there
                    ctx.set_source_surface(surface, x0, y0)
                    ctx.paint_with_alpha(alpha)
                    ctx.restore()
        while len(shapes) > self.SHAPES_KEPT:
            shapes.pop(next(iter(shapes)))

    def get_fill_rgbas(self, vmobject):
        rgbas = super().get_fill_rgbas(vmobject)
        return rgbas if self._alpha_scale == 1.0 else rgbas * [1, 1, 1, self._alpha_scale]

    def get_stroke_rgbas(self, vmobject, background: bool = False):
        rgbas = super().get_stroke_rgbas(vmobject, background)
        return rgbas if self._alpha_scale == 1.0 else rgbas * [1, 1, 1, self._alpha_scale]

    def _shape_key(self, v) -> tuple[bytes, float] | None:
        """(what the shape looks like with its opacity taken out, its opacity), or None for
        a shape drawn as it is (a sheen, a background image, fill and stroke fading)."""
        if v.sheen_factor or v.background_image is not None or len(v.points) == 0:
            return None
        fill, stroke, back = v.fill_rgbas, v.stroke_rgbas, v.background_stroke_rgbas  # no sheen: the camera's own
        widths = (v.stroke_width, v.background_stroke_width)
        a_fill = fill[:, 3].max()
        a_stroke = stroke[:, 3].max() if widths[0] > 0 else 0.0
        a_back = back[:, 3].max() if widths[1] > 0 else 0.0
        alpha = float(max(a_fill, a_stroke, a_back))
        if alpha <= 0:
            return b"", 0.0
        if alpha < 1.0 and (a_fill > 0) + (a_stroke > 0) + (a_back > 0) > 1:
            return None
        h = hashlib.blake2b(self._frame_key(), digest_size=16)
        h.update(v.points.astype(np.float32).tobytes())  # a fade's lerp of equal points moves them by an ulp
        scale = np.array([1, 1, 1, 1 / alpha])
        for rgbas in (fill, stroke, back):
            h.update((rgbas * scale).astype(np.float32).tobytes())  # float32: a fade's lerp leaves an ulp behind
        if max(len(fill), len(stroke), len(back)) > 1:  # a gradient runs between two points
            h.update(np.asarray(v.get_gradient_start_and_end_points(), np.float32).tobytes())
        h.update(repr((widths, v.joint_type, v.cap_style)).encode())
        return h.digest(), alpha

    def _frame_key(self) -> bytes:
        """The frame's size and place: a shape's layer is in its pixels."""
        frame = (self.pixel_width, self.pixel_height, self.frame_width, self.frame_height, *self.frame_center)
        if getattr(self, "_frame_seen", (None,))[0] != frame:
            self._frame_seen = (frame, np.array(frame, float).tobytes())
        return self._frame_seen[1]

    def _shape_layer(self, v, alpha: float):
        """The shape drawn by manim's own code, at its opacity divided by ``alpha``, onto a
        transparent layer that covers it: (cairo surface, x, y in frame pixels); False
        when it lies outside the frame or is too big to keep."""

        px = self.points_to_subpixel_coords(v, v.points)
        width = max(v.get_stroke_width(), v.get_stroke_width(background=True))
        pad = 2 + 5 * width * self.cairo_line_width_multiple * self.pixel_width / self.frame_width  # miters
        x0, y0 = max(int(np.floor(px[:, 0].min() - pad)), 0), max(int(np.floor(px[:, 1].min() - pad)), 0)
        x1 = min(int(np.ceil(px[:, 0].max() + pad)), self.pixel_width)
        y1 = min(int(np.ceil(px[:, 1].max() + pad)), self.pixel_height)
        if x1 <= x0 or y1 <= y0 or (x1 - x0) * (y1 - y0) > self.SHAPE_MAX_AREA * self.pixel_width * self.pixel_height:
            return False
        surface = cairo.ImageSurface(cairo.FORMAT_ARGB32, x1 - x0, y1 - y0)  # transparent
        ctx = cairo.Context(surface)
        pw, ph, fw, fh, fc = self.pixel_width, self.pixel_height, self.frame_width, self.frame_height, self.frame_center
        ctx.set_matrix(cairo.Matrix(pw / fw, 0, 0, -(ph / fh), pw / 2 - fc[0] * pw / fw - x0, ph / 2 + fc[1] * ph / fh - y0))
        self._alpha_scale = 1.0 / alpha
        try:
            self.display_vectorized(v, ctx)
        finally:
            self._alpha_scale = 1.0
        surface.flush()
        return surface, x0, y0

    def _blit(self, mob: "PixelImage", frame: np.ndarray) -> bool:
        mask = mob.mask() if isinstance(mob, MaskImage) else None
        h, w = (mask.shape[0], mob.width_px) if mask is not None else mob.get_pixel_array().shape[:2]
        ul, ur, dl, dr = self.points_to_subpixel_coords(mob, mob.points[:4])
        aligned = abs(ul[1] - ur[1]) < 1e-3 and abs(ul[0] - dl[0]) < 1e-3
        if not aligned or abs((dr[0] - ul[0]) - w) > 1.0 or abs((dr[1] - ul[1]) - h) > 1.0:
            return False
        x, y = int(round(ul[0])), int(round(ul[1]))
        fx0, fy0 = max(x, 0), max(y, 0)
        fx1, fy1 = min(x + w, frame.shape[1]), min(y + h, frame.shape[0])
        if fx1 <= fx0 or fy1 <= fy0:
            return True
        if mask is not None:

            if mob.paint_alpha() <= 0:
                return True  # faded out: nothing to paint
            ctx = self.get_cairo_context(frame)
            ctx.save()
            ctx.identity_matrix()  # pixels, not scene units
            ctx.new_path()  # manim strokes with stroke_preserve: its last path is still there
            ctx.rectangle(fx0, fy0, fx1 - fx0, fy1 - fy0)
            ctx.clip()
            r, g, b = (v / 255 for v in hex_rgb(mob.mask_color))
            ctx.set_source_rgba(b, g, r, mob.paint_alpha())  # the frame's bytes are RGBA; cairo reads them as BGRA
            ctx.mask_surface(cairo.ImageSurface.create_for_data(mask, cairo.FORMAT_A8, w, h, mask.shape[1]), x, y)
            ctx.restore()
            return True
        img = mob.get_pixel_array()
        src = img[fy0 - y : fy1 - y, fx0 - x : fx1 - x]
        dst = frame[fy0:fy1, fx0:fx1]
        out = Image.alpha_composite(Image.fromarray(dst, "RGBA"), Image.fromarray(np.ascontiguousarray(src), "RGBA"))
        dst[...] = np.asarray(out)
        return True


class PixelImage(ImageMobject):
    """An image drawn at its native pixel size, axis-aligned: the camera composites it
    straight into the frame (see CloudCamera)."""

    def interpolate_color(self, mobject1, mobject2, alpha: float) -> "PixelImage":
        """Manim's interpolation of the pixels, with a short cut for a fade (FadeIn,
        FadeOut: the two images differ only in their alpha channel): only that channel is
        interpolated, by manim's formula, not all four in float64 (at 1080p that cost
        about 15 ms a cloud a frame). The colour channels are kept as they are (manim's
        lerp of two equal bytes lands one below now and then)."""
        a, b = mobject1.pixel_array, mobject2.pixel_array
        if not (isinstance(mobject1, PixelImage) and isinstance(mobject2, PixelImage) and a.shape == b.shape
                and a.ndim == 3 and a.shape[2] == 4 and a.dtype == b.dtype == np.uint8
                and a.flags.c_contiguous and b.flags.c_contiguous):
            return super().interpolate_color(mobject1, mobject2, alpha)
        rgb_mask = np.array([255, 255, 255, 0], np.uint8).view("<u4")[0]  # the R, G, B bytes of a pixel
        if ((a.view("<u4") ^ b.view("<u4")) & rgb_mask).any():
            return super().interpolate_color(mobject1, mobject2, alpha)
        self.fill_opacity = interpolate(mobject1.fill_opacity, mobject2.fill_opacity, alpha)
        self.stroke_opacity = interpolate(mobject1.stroke_opacity, mobject2.stroke_opacity, alpha)
        out = b.copy()
        out[:, :, 3] = interpolate(a[:, :, 3], b[:, :, 3], alpha).astype(np.uint8)  # manim's formula, one channel
        self.pixel_array = out
        return self


class MaskImage(PixelImage):
    """One colour seen through an alpha mask (a cloud, a trail): the camera paints it with
    cairo through the mask (``mask()``: A8 rows, ``mask_stride`` bytes long) at the
    opacity ``mask_opacity`` x ``mask_fade``. A fade (FadeIn, FadeOut, set_opacity) changes
    only ``mask_fade``, not the mask. Its RGBA ``pixel_array`` (the colour, alpha = mask x
    that opacity) is made only when something reads it (a copy's check, a figure); once
    it is replaced or changed in place (set_color, a transform into another image), the
    image is drawn from its pixels (PIL's path) until the next ``set_mask``."""

    _next_id = 0

    def __init__(self, mask: np.ndarray, width_px: int, color: str, opacity: float = 1.0, **kwargs):
        self.mask_color, self.mask_opacity, self.mask_fade, self.width_px = color, opacity, 1.0, width_px
        self._mask, self._rgba, self._live, self._mask_id = mask, None, True, None
        super().__init__(self.pixel_array, **kwargs)  # manim keeps a copy: set the mask again
        self.set_mask(mask)

    @property
    def pixel_array(self) -> np.ndarray:
        if self._rgba is None:
            alpha = self._mask[:, : self.width_px]
            if self.paint_alpha() != 1.0:
                alpha = (alpha * np.float32(self.paint_alpha())).astype(np.uint8)
            self._rgba = rgba(alpha, self.mask_color)
        return self._rgba

    @pixel_array.setter
    def pixel_array(self, value: np.ndarray) -> None:
        self._rgba, self._live = value, False

    def paint_alpha(self) -> float:
        """The opacity the mask is painted at."""
        return self.mask_opacity * self.mask_fade

    def set_mask(self, mask: np.ndarray) -> "MaskImage":
        """Show this mask ((height, mask_stride(width)) uint8) from now on (it is not
        changed afterwards: copies share it)."""
        MaskImage._next_id += 1
        self._mask, self._rgba, self._live, self._mask_id = mask, None, True, MaskImage._next_id
        return self

    def mask(self) -> np.ndarray | None:
        """The mask the image shows, or None once its pixels were replaced or changed."""
        return self._mask if self._live else None

    def set_opacity(self, alpha: float) -> "MaskImage":
        """Manim's meaning (the image's alpha times ``alpha``), as a fade of the mask."""
        if not self._live:
            return super().set_opacity(alpha)
        self.mask_fade, self._rgba, self.stroke_opacity = float(alpha), None, alpha
        return self

    def set_color(self, *args, **kwargs) -> "MaskImage":
        self.pixel_array = self.pixel_array  # the pixels change in place: drawn from them from now on
        return super().set_color(*args, **kwargs)

    def interpolate_color(self, mobject1, mobject2, alpha: float) -> "MaskImage":
        """A fade between two copies of the same mask is a fade of the mask: nothing is
        computed per pixel. Anything else as manim interpolates pixels."""
        same = (isinstance(mobject1, MaskImage) and isinstance(mobject2, MaskImage) and mobject1._live
                and mobject2._live and mobject1._mask_id == mobject2._mask_id
                and mobject1.mask_color == mobject2.mask_color and mobject1.mask_opacity == mobject2.mask_opacity)
        if not same:
            return super().interpolate_color(mobject1, mobject2, alpha)
        self.fill_opacity = interpolate(mobject1.fill_opacity, mobject2.fill_opacity, alpha)
        self.stroke_opacity = interpolate(mobject1.stroke_opacity, mobject2.stroke_opacity, alpha)
        self._mask, self._mask_id, self._live, self._rgba = mobject2._mask, mobject2._mask_id, True, None
        self.mask_color, self.mask_opacity = mobject2.mask_color, mobject2.mask_opacity
        self.mask_fade = float(interpolate(mobject1.mask_fade, mobject2.mask_fade, alpha))
        return self


class CloudImage(MaskImage):
    """A point cloud drawn as one rasterised image, redrawn with :meth:`set_xy`."""
    def __init__(self, xy: np.ndarray, side: float, extent: float, color: str = CLOUD,
                 dot_radius: float = 0.022, opacity: float = 1.0, **kwargs):
        self.extent, self.cloud_color, self.cloud_opacity = extent, color, opacity
        self.size_px = max(int(round(side * pixels_per_unit())), 16)
        self.dot_px = max(2 * dot_radius * pixels_per_unit(), 1.0)
        super().__init__(self._draw(xy), self.size_px, color, **kwargs)  # the opacity is in the dots' alpha
        self.set_resampling_algorithm(Image.Resampling.BILINEAR)
        self.stretch_to_fit_width(side).stretch_to_fit_height(side)

    def _draw(self, xy) -> np.ndarray:
        return rasterise_alpha(xy, self.extent, self.size_px, self.dot_px, self.cloud_opacity)

    def set_xy(self, xy: np.ndarray) -> "CloudImage":
        return self.set_mask(self._draw(xy))


class CloudPanel(Group):
    """A square frame onto [-extent, extent]^2, with a cloud and coordinate helpers."""
    def __init__(self, xy: np.ndarray, side: float = 6.0, extent: float = 4.0,
                 color: str = CLOUD, dot_radius: float = 0.022, **kwargs):
        self.side, self.extent = side, extent
        self.frame = Square(side, stroke_color=MUTED, stroke_width=1.5)
        self.cloud = CloudImage(xy, side, extent, color=color, dot_radius=dot_radius)
        super().__init__(self.frame, self.cloud, **kwargs)

    def moving_parts(self) -> list:
        """What a replay changes (play_frames redraws only these): the cloud, not the frame."""
        return [self.cloud]

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


def density_grid(xy: np.ndarray, extent: float, size: int = 96, bandwidth: float = 0.12) -> np.ndarray:
    """The points' density over [-extent, extent]^2 as a (size, size) grid scaled to a
    maximum of 1 (row 0 at the top): a histogram smoothed by a Gaussian kernel of
    ``bandwidth`` data units. What a panel shades beneath its points."""
    xy = np.asarray(xy, dtype=np.float64)
    hist, _, _ = np.histogram2d(-xy[:, 1], xy[:, 0], bins=size, range=[[-extent, extent], [-extent, extent]])
    sigma = bandwidth * size / (2 * extent)
    r = int(np.ceil(3 * sigma))
    k = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2)
    k /= k.sum()
    smooth = np.apply_along_axis(lambda row: np.convolve(row, k, mode="same"), 1, hist)
    smooth = np.apply_along_axis(lambda col: np.convolve(col, k, mode="same"), 0, smooth)
    top = smooth.max()
    return smooth / top if top > 0 else smooth


def field_image(values: np.ndarray, side: float, color: str, max_alpha: float = 0.6) -> ImageMobject:
    """A field over a panel's square (values (H, W) in [0, 1], row 0 at the top) drawn as
    one colour whose opacity follows the value: a density, a discriminator's output."""
    v = np.ascontiguousarray(np.clip(np.nan_to_num(np.asarray(values, dtype=np.float64)), 0.0, 1.0))
    image = ImageMobject(rgba(np.rint(255 * max_alpha * v).astype(np.uint8), color))
    image.set_resampling_algorithm(RESAMPLING_ALGORITHMS["linear"])
    return image.scale_to_fit_height(side)
