"""The generative learning trilemma (Xiao et al., ICLR 2022), measured on our own models.

Xiao et al. draw three corners: high-quality samples, mode coverage (diversity) and fast
sampling; GANs sit between quality and speed, VAEs between diversity and speed,
diffusion between quality and diversity. Here each model of one toy data set is placed
by what it does, on one seeded run:

    quality    -> the share of its samples within MODE_RADIUS (3) std of a mode
    diversity  -> the modes covered, of K, by those of its samples that are near a mode
                  (mode_coverage, Metz et al. 2017's count, on them): a blurry model's
                  samples between the modes lower its quality, not its diversity
    speed      -> network evaluations per sample (NFE), and the CPU time of 1,000 samples
                  (one thread's CPU time, the best of several runs: load cannot inflate it)

The models: the VAE (vae.py), the GAN (gan.py), the DDPM with 1,000 steps, DDIM with 50
(the same network), and flow matching with 10 Euler steps, all trained on the same data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch

from ..samplers import DDIM, DDPM, FlowEuler, Sampler
from ..sampling import cpu_seconds, step_seconds
from ..trajectory_cache import cached_trajectory
from .cache import config_key, load_or_train
from .data import DataConfig, mode_centres
from .gan import GanConfig, gan_run
from .metrics import MODE_RADIUS, ModeCoverage, mode_coverage
from .train import TrainConfig
from .vae import VaeConfig, vae_run

__all__ = ["TrilemmaConfig", "TrilemmaRow", "measure_trilemma", "speed_score", "TRILEMMA_MODELS"]

TRILEMMA_MODELS = ("VAE", "GAN", "DDPM", "DDIM", "Flow")
MAX_NFE = 1000  # the speed score's zero: DDPM's T


@dataclass(frozen=True)
class TrilemmaConfig:
    """What one trilemma run measures: the data, n samples of each model from ``seed``,
    DDIM's and the flow's steps, and the GAN's and the VAE's seeds."""
    data: DataConfig = field(default_factory=lambda: DataConfig("8gaussians"))
    n: int = 2000
    seed: int = 0
    ddim_steps: int = 50
    flow_steps: int = 10
    gan_seed: int = 0
    vae_seed: int = 0

    def __post_init__(self) -> None:
        if not 1 <= self.n <= 2000:
            raise ValueError(f"n must be in 1..2000 (the GAN's and VAE's recorded batch), got {self.n}")
        for name in ("ddim_steps", "flow_steps"):
            if not 1 <= getattr(self, name) <= MAX_NFE:
                raise ValueError(f"{name} must be in 1..{MAX_NFE}, got {getattr(self, name)}")

    def diffusion(self) -> TrainConfig:
        return TrainConfig(data=self.data)

    def flow(self) -> TrainConfig:
        return TrainConfig(data=self.data, objective="velocity")

    def gan(self) -> GanConfig:
        return GanConfig(data=self.data, seed=self.gan_seed)

    def vae(self) -> VaeConfig:
        return VaeConfig(data=self.data, seed=self.vae_seed)


@dataclass(frozen=True)
class TrilemmaRow:
    """One model's place: its samples and what was measured of them."""
    name: str  # one of TRILEMMA_MODELS
    label: str  # e.g. "DDIM-50"
    samples: torch.Tensor  # (n, 2)
    coverage: ModeCoverage  # of all its samples (quality: 1 - its off_mode)
    near: ModeCoverage  # of those near a mode (diversity: its covered)
    nfe: int  # network evaluations per sample
    ms_per_1000: float  # CPU milliseconds for 1,000 samples (one thread)

    @property
    def quality(self) -> float:
        """The share of samples within 3 std of a mode."""
        return 1.0 - self.coverage.off_mode

    @property
    def diversity(self) -> float:
        """The share of the modes covered by the samples near a mode."""
        return self.near.covered / self.near.modes

    @property
    def speed(self) -> float:
        return speed_score(self.nfe)

    def scores(self) -> tuple[float, float, float]:
        return self.quality, self.diversity, self.speed

    def as_dict(self) -> dict:
        return {"model": self.label, "nfe": self.nfe, "ms_per_1000": round(self.ms_per_1000, 2),
                "near_a_mode": round(self.quality, 4), "modes_covered": self.near.covered,
                "modes": self.near.modes}


def speed_score(nfe: int) -> float:
    """1 for one network evaluation a sample, 0 for DDPM's 1,000, on a log scale:
    1 - log10(nfe) / 3."""
    return min(1.0, max(0.0, 1.0 - math.log10(max(nfe, 1)) / math.log10(MAX_NFE)))


def _diffusion_row(label: str, name: str, train: TrainConfig, sampler: Sampler, cfg: TrilemmaConfig,
                   centres, std) -> TrilemmaRow:
    result = load_or_train(train)
    traj = cached_trajectory(config_key(train), lambda: (result.model, result.schedule), (cfg.n, 2), sampler,
                             train.schedule.T, cfg.seed)
    samples = traj.samples.float()
    nfe = int(traj.meta["steps"])
    x_T = traj.xs[0][:1000].float()
    per_step = step_seconds(result.model, result.schedule, x_T, sampler, repeats=5)
    return _row(name, label, samples, centres, std, nfe, 1000 * per_step * nfe * 1000 / len(x_T))


def _row(name: str, label: str, samples: torch.Tensor, centres: torch.Tensor, std: float, nfe: int,
         ms: float) -> TrilemmaRow:
    near = torch.cdist(samples.double(), centres.double()).min(dim=1).values <= MODE_RADIUS * std
    return TrilemmaRow(name, label, samples, mode_coverage(samples, centres, std),
                       mode_coverage(samples[near], centres, std), nfe, ms)


def measure_trilemma(cfg: TrilemmaConfig = TrilemmaConfig()) -> list[TrilemmaRow]:
    """Every model of the trilemma on ``cfg.data``: trained once (or read from
    models/toy/), sampled from ``cfg.seed`` (the GAN and the VAE: their recorded batch of
    z), measured. Rows in TRILEMMA_MODELS' order."""
    centres, std = mode_centres(cfg.data)  # a ValueError for a data set without modes
    vae, gan = vae_run(cfg.vae()), gan_run(cfg.gan())
    g = torch.Generator().manual_seed(cfg.seed)
    z_v, eps_v = torch.randn(1000, vae.config.z_dim, generator=g), torch.randn(1000, 2, generator=g)
    z_g = torch.randn(1000, gan.config.z_dim, generator=g)
    with torch.no_grad():
        vae_ms = 1000 * cpu_seconds(lambda: vae.model.sample(z_v, eps_v), repeats=5)
        gan_ms = 1000 * cpu_seconds(lambda: gan.generator(z_g), repeats=5)
    vae_x, gan_x = vae.samples[-1][: cfg.n].float(), gan.samples[-1][: cfg.n].float()
    return [
        _row("VAE", "VAE", vae_x, centres, std, 1, vae_ms),
        _row("GAN", "GAN", gan_x, centres, std, 1, gan_ms),
        _diffusion_row("DDPM", "DDPM", cfg.diffusion(), DDPM(), cfg, centres, std),
        _diffusion_row(f"DDIM-{cfg.ddim_steps}", "DDIM", cfg.diffusion(), DDIM(steps=cfg.ddim_steps), cfg, centres,
                       std),
        _diffusion_row(f"Flow-{cfg.flow_steps}", "Flow", cfg.flow(), FlowEuler(steps=cfg.flow_steps), cfg, centres,
                       std),
    ]
