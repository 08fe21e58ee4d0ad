"""A small UNet for 28x28 images (eps-prediction), sized for CPU training.

Ho et al. 2020 (appendix B) use a PixelCNN++-style UNet with residual blocks, group
normalisation and a sinusoidal time embedding added in every block; this is the same
design at MNIST scale (about 0.5M parameters with the defaults).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from ..nets import SinusoidalEmbedding

__all__ = ["UNetConfig", "SmallUNet"]


@dataclass(frozen=True)
class UNetConfig:
    """Channels at each resolution are base * mults[i] (28x28, 14x14, 7x7)."""

    base: int = 24
    mults: tuple[int, ...] = (1, 2, 2)
    emb_dim: int = 128
    groups: int = 8

    def __post_init__(self) -> None:
        if self.base < 1 or not self.mults or any(m < 1 for m in self.mults):
            raise ValueError(f"invalid UNetConfig: {self}")
        if any((self.base * m) % self.groups for m in self.mults):
            raise ValueError(f"every channel count must be a multiple of groups={self.groups}")
        object.__setattr__(self, "mults", tuple(self.mults))


class _ResBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, emb_dim: int, groups: int):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, c_in)
        self.conv1 = nn.Conv2d(c_in, c_out, 3, padding=1)
        self.emb = nn.Linear(emb_dim, c_out)
        self.norm2 = nn.GroupNorm(groups, c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1)
        self.skip = nn.Conv2d(c_in, c_out, 1) if c_in != c_out else nn.Identity()

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.emb(emb)[:, :, None, None]  # (B, C) -> (B, C, 1, 1)
        h = self.conv2(F.silu(self.norm2(h)))
        return h + self.skip(x)


class SmallUNet(nn.Module):
    """eps_theta(x_t, t) for (B, 1, 28, 28) images in [-1, 1]."""

    def __init__(self, config: UNetConfig = UNetConfig()):
        super().__init__()
        self.config = config
        e = config.emb_dim
        self.t_emb = nn.Sequential(SinusoidalEmbedding(e), nn.Linear(e, e), nn.SiLU(), nn.Linear(e, e))
        chans = [config.base * m for m in config.mults]
        self.inp = nn.Conv2d(1, config.base, 3, padding=1)
        self.down = nn.ModuleList()
        self.pool = nn.ModuleList()
        c = config.base
        for i, ch in enumerate(chans):
            self.down.append(_ResBlock(c, ch, e, config.groups))
            c = ch
            if i < len(chans) - 1:
                self.pool.append(nn.Conv2d(c, c, 3, stride=2, padding=1))  # 28 -> 14 -> 7
        self.mid = _ResBlock(c, c, e, config.groups)
        self.up = nn.ModuleList()
        self.unpool = nn.ModuleList()
        for i, ch in reversed(list(enumerate(chans))):
            self.up.append(_ResBlock(c + ch, ch, e, config.groups))
            c = ch
            if i > 0:
                self.unpool.append(nn.Conv2d(c, c, 3, padding=1))
        self.out = nn.Sequential(nn.GroupNorm(config.groups, c), nn.SiLU(), nn.Conv2d(c, 1, 3, padding=1))

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        emb = self.t_emb(t)  # (B, E)
        h = self.inp(x)
        skips = []
        for i, block in enumerate(self.down):
            h = block(h, emb)
            skips.append(h)
            if i < len(self.pool):
                h = self.pool[i](h)
        h = self.mid(h, emb)
        for j, block in enumerate(self.up):
            h = block(torch.cat([h, skips.pop()], dim=1), emb)  # (B, C + C_skip, H, W)
            if j < len(self.unpool):
                h = F.interpolate(h, scale_factor=2, mode="nearest")
                h = self.unpool[j](h)
        return self.out(h)
