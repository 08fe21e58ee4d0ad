"""A small GAN on the toy data sets, to stand beside the DDPM (Goodfellow et al. 2014).

Notation:
    G(z)      -> the generator: z ~ N(0, I) (z_dim) to a 2D point
    D(x)      -> the discriminator's logit; sigma(D(x)) = the probability that x is real
    L_D       -> -log sigma(D(x)) - log(1 - sigma(D(G(z))))            (eq. 1, the minimax value)
    L_G       -> -log sigma(D(G(z)))                                    (the non-saturating loss, sec. 3)

With softplus(u) = log(1 + e^u): -log sigma(u) = softplus(-u) and -log(1 - sigma(u)) =
softplus(u). One discriminator step, then one generator step, per iteration; Adam with
beta1 = 0.5 for both (Radford et al. 2016). Snapshots of G on one fixed batch of z at
log-spaced steps record the run, as the DDPM's training run is recorded.
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from ..checkpoint import CheckpointError, read_checkpoint, write_checkpoint
from ..config import Config
from ..nets import mlp
from ..paths import models_dir
from ..training import TrainingDiverged
from .data import DataConfig, mode_centres, sample_data
from .metrics import ModeCoverage, mode_coverage

__all__ = ["GanConfig", "Generator", "Discriminator", "GanRun", "d_loss", "g_loss", "train_gan", "gan_run",
           "gan_path", "gan_noise", "GAN_STEPS"]

GAN_STEPS = (0, 50, 100, 250, 500, 1000, 2000, 5000)  # snapshot steps (the DDPM training run's)


@dataclass(frozen=True)
class GanConfig(Config):
    """Everything that determines a GAN run."""
    POSITIVE = ("hidden", "layers", "z_dim", "steps", "batch_size", "pool_size", "n_snapshot")
    RATES = ("lr",)
    data: DataConfig = field(default_factory=lambda: DataConfig("8gaussians"))
    hidden: int = 128  # about the toy denoiser's width (96)
    layers: int = 3
    z_dim: int = 8
    steps: int = 5000
    batch_size: int = 256
    lr: float = 1e-3
    seed: int = 0
    pool_size: int = 100_000
    n_snapshot: int = 2000


class Generator(nn.Module):
    def __init__(self, config: GanConfig):
        super().__init__()
        self.z_dim = config.z_dim
        self.net = mlp(config.z_dim, config.hidden, config.layers, 2, nn.ReLU)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)


class Discriminator(nn.Module):
    def __init__(self, config: GanConfig):
        super().__init__()
        self.net = mlp(2, config.hidden, config.layers, 1, lambda: nn.LeakyReLU(0.2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(-1)  # (N,) logits


def d_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """Goodfellow et al. 2014, eq. 1 as a loss: -log sigma(D(x)) - log(1 - sigma(D(G(z))))."""
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def g_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """The non-saturating generator loss (Goodfellow et al. 2014, sec. 3): -log sigma(D(G(z)))."""
    return F.softplus(-fake_logits).mean()


@dataclass
class GanRun:
    """A GAN's training run: the generator, its losses, and its snapshots."""
    config: GanConfig
    generator: Generator
    d_losses: list[float]
    g_losses: list[float]
    steps: list[int]  # the snapshots' steps
    samples: torch.Tensor  # (S, n, 2): G(z) at each snapshot, one fixed batch of z
    coverage: list[ModeCoverage]  # of each snapshot (data sets with modes), else []
    wall_s: float
    discriminator: Discriminator | None = None  # the last one (None: a run kept before it was)


def _coverage(config: GanConfig, x: torch.Tensor) -> ModeCoverage | None:
    try:
        centres, std = mode_centres(config.data)
    except ValueError:
        return None
    return mode_coverage(x, centres, std)


def gan_noise(config: GanConfig) -> torch.Tensor:
    """The fixed batch of z the snapshots are drawn from: (n_snapshot, z_dim)."""
    return torch.randn(config.n_snapshot, config.z_dim, generator=torch.Generator().manual_seed(config.seed + 1))


def train_gan(config: GanConfig = GanConfig(), progress: bool = False) -> GanRun:
    """Train a GAN and record its snapshots; raises TrainingDiverged on NaN losses."""
    torch.manual_seed(config.seed)
    G, D = Generator(config), Discriminator(config)
    opt_g = torch.optim.Adam(G.parameters(), lr=config.lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=config.lr, betas=(0.5, 0.999))
    pool = sample_data(config.data, config.pool_size, seed=config.seed)
    gen = torch.Generator().manual_seed(config.seed + 1)
    z_fixed = torch.randn(config.n_snapshot, config.z_dim, generator=gen)  # gan_noise(config)
    wanted = sorted({s for s in GAN_STEPS if s <= config.steps} | {config.steps})
    steps, shots, d_hist, g_hist = [], [], [], []
    start = time.perf_counter()
    bar = tqdm(total=config.steps, disable=not progress, desc=f"GAN {config.data.key}", unit="step", leave=False)
    for step in range(config.steps + 1):
        if step in wanted:
            with torch.no_grad():
                steps.append(step)
                shots.append(G(z_fixed).clone())
        if step == config.steps:
            break
        idx = torch.randint(0, len(pool), (config.batch_size,), generator=gen)
        real, z = pool[idx], torch.randn(config.batch_size, config.z_dim, generator=gen)
        loss_d = d_loss(D(real), D(G(z).detach()))  # 1. the discriminator
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        opt_d.step()
        loss_g = g_loss(D(G(z)))  # 2. the generator, against the updated discriminator
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()
        ld, lg = loss_d.item(), loss_g.item()
        if not (math.isfinite(ld) and math.isfinite(lg)):
            raise TrainingDiverged(f"the GAN's losses became {ld} (D) and {lg} (G) at step {step}; lower the "
                                   f"learning rate (now {config.lr:g})")
        d_hist.append(ld)
        g_hist.append(lg)
        bar.update(1)
        if step % 100 == 0:
            bar.set_postfix(D=f"{ld:.3f}", G=f"{lg:.3f}")
    bar.close()
    samples = torch.stack(shots)
    coverage = [c for c in (_coverage(config, s) for s in samples) if c is not None]
    G.eval()
    D.eval()
    return GanRun(config, G, d_hist, g_hist, steps, samples, coverage, time.perf_counter() - start, D)


def gan_path(config: GanConfig) -> Path:
    return models_dir() / "toy" / f"gan-{config.data.key}-{config.key()}.pt"


def _save(run: GanRun, path: Path) -> None:
    extra = {"d_state_dict": run.discriminator.state_dict()} if run.discriminator is not None else {}
    write_checkpoint("toy-gan", {"config": run.config.to_dict(), "state_dict": run.generator.state_dict(), **extra,
                                 "d_losses": torch.tensor(run.d_losses, dtype=torch.float32),
                                 "g_losses": torch.tensor(run.g_losses, dtype=torch.float32), "steps": run.steps,
                                 "samples": run.samples, "wall_s": run.wall_s}, path)


def gan_run(config: GanConfig = GanConfig(), discriminator: bool = False) -> GanRun:
    """The GAN run of ``config``: read from beside the toy models, or trained (about half
    a minute on 2 CPU cores) and kept there when missing, or when ``discriminator`` is
    asked for and the kept run has none."""
    path = gan_path(config)
    if path.is_file():
        try:
            p = read_checkpoint(path, "toy-gan", f"delete it and the next render trains it again ({path})")
            if GanConfig.from_dict(p["config"]) != config:
                raise CheckpointError(f"{path}: another GAN's run")
            if discriminator and "d_state_dict" not in p:
                raise CheckpointError(f"{path}: kept without its discriminator")
            G = Generator(config)
            G.load_state_dict(p["state_dict"])
            G.eval()
            D = None
            if "d_state_dict" in p:
                D = Discriminator(config)
                D.load_state_dict(p["d_state_dict"])
                D.eval()
            samples = p["samples"]
            coverage = [c for c in (_coverage(config, s) for s in samples) if c is not None]
            return GanRun(config, G, p["d_losses"].tolist(), p["g_losses"].tolist(), list(p["steps"]), samples, coverage,
                          float(p["wall_s"]), D)
        except (CheckpointError, KeyError, RuntimeError, TypeError) as exc:
            print(f"cache: {exc}; training the GAN again", file=sys.stderr)
    print(f"Training a GAN on {config.data.key} once ({config.steps} steps); it is kept in {path.parent}",
          file=sys.stderr)
    run = train_gan(config, progress=True)
    try:
        _save(run, path)
    except OSError as exc:
        print(f"cache: could not keep {path} ({exc.strerror or exc}); going on without it", file=sys.stderr)
    return run
