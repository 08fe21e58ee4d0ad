"""The 2D denoiser (it predicts the noise eps). The diffusion math lives in
schedule.py; this module owns only the network."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn

from ..nets import SinusoidalEmbedding

__all__ = ["MLPConfig", "MLPDenoiser"]


@dataclass(frozen=True)
class MLPConfig:
    """Size of the 2D denoiser."""

    hidden: int = 96
    layers: int = 3
    emb_dim: int = 32
    input_scale: float = 25.0

    def __post_init__(self) -> None:
        if self.hidden < 1 or self.layers < 1 or self.emb_dim < 2 or self.emb_dim % 2:
            raise ValueError(f"invalid MLPConfig: {asdict(self)}")


class _Block(nn.Module):
    def __init__(self, width: int):
        super().__init__()
        self.ff = nn.Linear(width, width)
        self.act = nn.GELU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.act(self.ff(x))


class MLPDenoiser(nn.Module):
    """eps_theta(x_t, t) for 2D points: sinusoidal features of each coordinate and of
    t, concatenated, then a residual MLP (the tiny-diffusion design)."""

    def __init__(self, config: MLPConfig = MLPConfig()):
        super().__init__()
        self.config = config
        self.x_emb = SinusoidalEmbedding(config.emb_dim, scale=config.input_scale)
        self.t_emb = SinusoidalEmbedding(config.emb_dim, scale=1.0)
        in_dim = 3 * config.emb_dim
        self.net = nn.Sequential(
            nn.Linear(in_dim, config.hidden),
            nn.GELU(),
            *[_Block(config.hidden) for _ in range(config.layers)],
            nn.Linear(config.hidden, 2),
        )

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """Args: x (B, 2) noisy points, t (B,) integer timesteps in 1..T.
        Returns: the predicted noise, (B, 2)."""
        feats = [self.x_emb(x[:, 0]), self.x_emb(x[:, 1]), self.t_emb(t)]
        return self.net(torch.cat(feats, dim=-1))  # (B, 3*emb) -> (B, 2)
