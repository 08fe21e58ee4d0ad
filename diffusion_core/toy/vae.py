"""A small VAE on the toy data sets, the third corner of the trilemma (Kingma & Welling 2014).

Notation:
    q_phi(z|x)   -> the encoder: N(mu_phi(x), diag sigma_phi(x)^2), z in R^z_dim
    p(z)         -> the prior N(0, I)
    p_theta(x|z) -> the decoder: N(mu_theta(z), diag sigma_theta(z)^2), a 2D point
    ELBO(x)      -> E_q[log p_theta(x|z)] - KL(q_phi(z|x) || p(z))  <=  log p_theta(x)    (eq. 3)
    KL           -> 1/2 sum_j (mu_j^2 + sigma_j^2 - 1 - log sigma_j^2)       (appendix B, closed form)

The expectation is estimated with one reparametrised z = mu + sigma eps per point (eq. 7,
the SGVB estimator with the KL in closed form). A sample of the model is what the model
is: z ~ p(z), then x ~ p_theta(x|z), decoder noise included. Adam; the run records the
ELBO, and samples of one fixed batch of z at the GAN's snapshot steps.
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn
from tqdm.auto import tqdm

from ..checkpoint import CheckpointError, read_checkpoint, write_checkpoint
from ..config import Config
from ..nets import mlp
from ..paths import models_dir
from ..training import TrainingDiverged
from .data import DataConfig, sample_data

__all__ = ["VaeConfig", "VAE", "VaeRun", "gaussian_log_prob", "kl_to_standard_normal", "elbo", "train_vae",
           "vae_run", "vae_path", "VAE_STEPS"]

VAE_STEPS = (0, 50, 100, 250, 500, 1000, 2000, 5000)  # snapshot steps (the GAN's)
LOG2PI = math.log(2 * math.pi)


@dataclass(frozen=True)
class VaeConfig(Config):
    """Everything that determines a VAE run."""
    POSITIVE = ("hidden", "layers", "z_dim", "steps", "batch_size", "pool_size", "n_snapshot")
    RATES = ("lr",)
    data: DataConfig = field(default_factory=lambda: DataConfig("8gaussians"))
    hidden: int = 128  # the GAN's width
    layers: int = 3
    z_dim: int = 2
    steps: int = 5000
    batch_size: int = 256
    lr: float = 1e-3
    seed: int = 0
    pool_size: int = 100_000
    n_snapshot: int = 2000


def gaussian_log_prob(x: torch.Tensor, mean: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
    """log N(x; mean, diag exp(log_var)), summed over the last dimension."""
    return -0.5 * (LOG2PI + log_var + (x - mean) ** 2 / log_var.exp()).sum(-1)


def kl_to_standard_normal(mean: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
    """KL(N(mean, diag exp(log_var)) || N(0, I)) in closed form (Kingma & Welling, app. B)."""
    return 0.5 * (mean ** 2 + log_var.exp() - 1 - log_var).sum(-1)


class VAE(nn.Module):
    """A Gaussian encoder and a Gaussian decoder, each an MLP giving a mean and a log-variance."""

    def __init__(self, config: VaeConfig):
        super().__init__()
        self.z_dim = config.z_dim
        self.encoder = mlp(2, config.hidden, config.layers, 2 * config.z_dim, nn.SiLU)
        self.decoder = mlp(config.z_dim, config.hidden, config.layers, 4, nn.SiLU)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mean, log_var = self.encoder(x).chunk(2, dim=-1)
        return mean, log_var.clamp(-12, 8)

    def decode(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mean, log_var = self.decoder(z).chunk(2, dim=-1)
        return mean, log_var.clamp(-12, 8)

    def sample(self, z: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
        """x ~ p_theta(x|z) for given prior draws z and decoder noise eps (both (N, .))."""
        mean, log_var = self.decode(z)
        return mean + (0.5 * log_var).exp() * eps


def elbo(model: VAE, x: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """The ELBO of each point of x (N,), with the encoder's noise eps (N, z_dim): one
    reparametrised z = mu + sigma eps, the KL in closed form."""
    mean, log_var = model.encode(x)
    z = mean + (0.5 * log_var).exp() * eps
    x_mean, x_log_var = model.decode(z)
    return gaussian_log_prob(x, x_mean, x_log_var) - kl_to_standard_normal(mean, log_var)


@dataclass
class VaeRun:
    """A VAE's training run: the model, its ELBO, and its snapshots."""
    config: VaeConfig
    model: VAE
    elbos: list[float]  # the batch's mean ELBO at each step
    steps: list[int]  # the snapshots' steps
    samples: torch.Tensor  # (S, n, 2): x ~ p_theta(x|z) at each snapshot, one fixed batch of z and decoder noise
    wall_s: float


def train_vae(config: VaeConfig = VaeConfig(), progress: bool = False) -> VaeRun:
    """Train a VAE by maximising the ELBO and record its snapshots; raises
    TrainingDiverged on a non-finite ELBO."""
    torch.manual_seed(config.seed)
    model = VAE(config)
    opt = torch.optim.Adam(model.parameters(), lr=config.lr)
    pool = sample_data(config.data, config.pool_size, seed=config.seed)
    gen = torch.Generator().manual_seed(config.seed + 1)
    z_fixed = torch.randn(config.n_snapshot, config.z_dim, generator=gen)
    eps_fixed = torch.randn(config.n_snapshot, 2, generator=gen)
    wanted = sorted({s for s in VAE_STEPS if s <= config.steps} | {config.steps})
    steps, shots, history = [], [], []
    start = time.perf_counter()
    bar = tqdm(total=config.steps, disable=not progress, desc=f"VAE {config.data.key}", unit="step", leave=False)
    for step in range(config.steps + 1):
        if step in wanted:
            with torch.no_grad():
                steps.append(step)
                shots.append(model.sample(z_fixed, eps_fixed).clone())
        if step == config.steps:
            break
        idx = torch.randint(0, len(pool), (config.batch_size,), generator=gen)
        eps = torch.randn(config.batch_size, config.z_dim, generator=gen)
        value = elbo(model, pool[idx], eps).mean()
        opt.zero_grad(set_to_none=True)
        (-value).backward()
        opt.step()
        v = value.item()
        if not math.isfinite(v):
            raise TrainingDiverged(f"the VAE's ELBO became {v} at step {step}; lower the learning rate "
                                   f"(now {config.lr:g})")
        history.append(v)
        bar.update(1)
        if step % 100 == 0:
            bar.set_postfix(ELBO=f"{v:.3f}")
    bar.close()
    model.eval()
    return VaeRun(config, model, history, steps, torch.stack(shots), time.perf_counter() - start)


def vae_path(config: VaeConfig) -> Path:
    return models_dir() / "toy" / f"vae-{config.data.key}-{config.key()}.pt"


def _save(run: VaeRun, path: Path) -> None:
    write_checkpoint("toy-vae", {"config": run.config.to_dict(), "state_dict": run.model.state_dict(),
                                 "elbos": torch.tensor(run.elbos, dtype=torch.float32), "steps": run.steps,
                                 "samples": run.samples, "wall_s": run.wall_s}, path)


def vae_run(config: VaeConfig = VaeConfig()) -> VaeRun:
    """The VAE run of ``config``: read from beside the toy models, or trained (about
    half a minute on 2 CPU cores) and kept there when missing."""
    path = vae_path(config)
    if path.is_file():
        try:
            p = read_checkpoint(path, "toy-vae", f"delete it and the next render trains it again ({path})")
            if VaeConfig.from_dict(p["config"]) != config:
                raise CheckpointError(f"{path}: another VAE's run")
            model = VAE(config)
            model.load_state_dict(p["state_dict"])
            model.eval()
            return VaeRun(config, model, p["elbos"].tolist(), list(p["steps"]), p["samples"], float(p["wall_s"]))
        except (CheckpointError, KeyError, RuntimeError, TypeError) as exc:
            print(f"cache: {exc}; training the VAE again", file=sys.stderr)
    print(f"Training a VAE on {config.data.key} once ({config.steps} steps); it is kept in {path.parent}",
          file=sys.stderr)
    run = train_vae(config, progress=True)
    if not torch.isfinite(run.samples).all():
        raise TrainingDiverged(f"the VAE on {config.data.key} gave non-finite samples; nothing was kept")
    try:
        _save(run, path)
    except OSError as exc:
        print(f"cache: could not keep {path} ({exc.strerror or exc}); going on without it", file=sys.stderr)
    return run
