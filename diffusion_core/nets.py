"""Network parts shared by the toy MLP and the MNIST UNet."""

from __future__ import annotations

import math

import torch
from torch import nn

__all__ = ["SinusoidalEmbedding", "mlp"]


class SinusoidalEmbedding(nn.Module):
    """Transformer-style sinusoidal features of a scalar (Vaswani et al. 2017, sec. 3.5),
    as used for the timestep in Ho et al. 2020 (appendix B).

    ``scale`` multiplies the input first: timesteps need 1, coordinates of order one
    need a large scale (tiny-diffusion uses 25) so that fine detail can be resolved.
    """

    def __init__(self, dim: int, scale: float = 1.0, max_period: float = 10_000.0):
        super().__init__()
        if dim % 2:
            raise ValueError(f"embedding dim must be even, got {dim}")
        self.dim = dim
        self.scale = scale
        half = dim // 2
        freqs = torch.exp(-math.log(max_period) * torch.arange(half) / max(half - 1, 1))
        self.register_buffer("freqs", freqs, persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        args = (x.float() * self.scale)[..., None] * self.freqs  # (..., dim/2)
        return torch.cat([torch.sin(args), torch.cos(args)], dim=-1)  # (..., dim)


def mlp(d_in: int, hidden: int, layers: int, d_out: int, act) -> nn.Sequential:
    """``layers`` hidden layers of width ``hidden``, each followed by ``act()``, then a
    linear output: the toy GAN's and VAE's networks."""
    mods, width = [], d_in
    for _ in range(layers):
        mods += [nn.Linear(width, hidden), act()]
        width = hidden
    return nn.Sequential(*mods, nn.Linear(width, d_out))
