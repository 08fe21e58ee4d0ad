"""A grid of MNIST digits as one image (nearest-neighbour pixels, never blurred), and the
shipped test digits (models/mnist/sample_digits.npz: MNIST, LeCun, Cortes and Burges,
CC BY-SA 3.0)."""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image

from diffusion_core import sample_digits_path
from diffusion_core.mnist.frames import to_gray
from scenes.kit.cloud import PixelImage, pixels_per_unit

__all__ = ["DigitGrid", "load_sample_digits"]


def load_sample_digits(n: int) -> torch.Tensor:
    """n shipped test digits as (n, 1, 28, 28) floats in [-1, 1]."""
    with np.load(sample_digits_path()) as data:
        images = data["images"][:n]
    return torch.from_numpy(images.astype(np.float64) / 127.5 - 1.0).unsqueeze(1)


class DigitGrid(PixelImage):
    """Images in a grid, upscaled by an integer factor with nearest-neighbour pixels."""
    def __init__(self, images: np.ndarray, cols: int, width: float, gap_px: int = 6, **kwargs):
        self.cols = cols
        self.rows = int(np.ceil(len(images) / cols))
        target = width * pixels_per_unit()
        self.scale_px = max(int(target // (cols * 28 + (cols - 1) * gap_px)), 1)
        self.gap_px = gap_px
        super().__init__(self._draw(images), **kwargs)

        self.set_resampling_algorithm(Image.Resampling.NEAREST)
        h, w = self.pixel_array.shape[:2]
        ppu = pixels_per_unit()
        self.stretch_to_fit_width(w / ppu).stretch_to_fit_height(h / ppu)

    def _draw(self, images: np.ndarray) -> np.ndarray:
        """images: (K, 1, 28, 28) or (K, 28, 28) in [-1, 1] (clipped), or grey levels
        (uint8, as recorded: ``to_gray``) -> RGBA."""
        images = np.asarray(images)
        s, g = self.scale_px, self.gap_px
        cell = 28 * s
        h = self.rows * cell + (self.rows - 1) * g
        w = self.cols * cell + (self.cols - 1) * g
        out = np.zeros((h, w, 4), np.uint8)  # transparent gaps
        gray = (images if images.dtype == np.uint8 else to_gray(images)).reshape(-1, 28, 28)
        for k, img in enumerate(gray):
            r, c = divmod(k, self.cols)
            big = img.repeat(s, axis=0).repeat(s, axis=1)  # nearest neighbour
            y, x = r * (cell + g), c * (cell + g)
            out[y : y + cell, x : x + cell, :3] = big[..., None]
            out[y : y + cell, x : x + cell, 3] = 255
        return out

    def set_images(self, images: np.ndarray) -> "DigitGrid":
        self.pixel_array = self._draw(images)
        return self
