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
    """Size of the 2D denoiser; ``n_classes`` > 0 makes it conditional on a class."""

    hidden: int = 96
    layers: int = 3
    emb_dim: int = 32
    input_scale: float = 25.0
    n_classes: int = 0  # a class embedding with n_classes + 1 entries: the last is "no class"

    def __post_init__(self) -> None:
        if self.hidden < 1 or self.layers < 1 or self.emb_dim < 2 or self.emb_dim % 2 or self.n_classes < 0:
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
    t, concatenated, then a residual MLP (the tiny-diffusion design). A conditional one
    (``n_classes`` > 0) also concatenates a learned embedding of the class, whose last
    entry, ``null_class``, stands for "no class" (Ho & Salimans 2022: one network for
    the conditional and the unconditional model). ``objective`` says what the output is
    (its training's: "eps", the noise; "velocity", a flow's velocity); a checkpoint
    records it."""

    def __init__(self, config: MLPConfig = MLPConfig(), objective: str = "eps"):
        super().__init__()
        self.config = config
        self.objective = objective
        self.x_emb = SinusoidalEmbedding(config.emb_dim, scale=config.input_scale)
        self.t_emb = SinusoidalEmbedding(config.emb_dim, scale=1.0)
        in_dim = 3 * config.emb_dim
        if config.n_classes:
            self.c_emb = nn.Embedding(config.n_classes + 1, config.emb_dim)
            in_dim += config.emb_dim
        self.net = nn.Sequential(
            nn.Linear(in_dim, config.hidden),
            nn.GELU(),
            *[_Block(config.hidden) for _ in range(config.layers)],
            nn.Linear(config.hidden, 2),
        )

    @property
    def null_class(self) -> int | None:
        """The class index that means "no class" (None for an unconditional network)."""
        return self.config.n_classes or None

    def forward(self, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        """Args: x (B, 2) noisy points, t (B,) timesteps (1..T; a flow's t in [0, 1]
        times T), y (B,) classes of a conditional network (None: ``null_class``).
        Returns: the predicted noise (or velocity), (B, 2)."""
        feats = [self.x_emb(x[:, 0]), self.x_emb(x[:, 1]), self.t_emb(t)]
        if self.config.n_classes:
            if y is None:
                y = torch.full((x.shape[0],), self.config.n_classes, dtype=torch.long, device=x.device)
            feats.append(self.c_emb(y))
        elif y is not None:
            raise ValueError("this network has no classes (it was not trained with any)")
        return self.net(torch.cat(feats, dim=-1))  # (B, 3 or 4 * emb) -> (B, 2)
