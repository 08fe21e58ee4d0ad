"""Training (Ho et al. 2020, algorithm 1 and eq. 14, the simple loss), checkpoints.

    L_simple = E_{t, x_0, eps} || eps - eps_theta(sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps, t) ||^2
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from .io import atomic_write
from .metrics import distance_report
from .model import MLPConfig, MLPDenoiser
from .sampling import ddpm_sample
from .schedule import NoiseSchedule, ScheduleConfig
from .toy_data import DataConfig, sample_data

__all__ = [
    "TrainConfig",
    "TrainResult",
    "train_toy",
    "evaluate_toy",
    "fit",
    "save_checkpoint",
    "load_checkpoint",
    "CheckpointError",
    "TrainingDiverged",
    "CHECKPOINT_VERSION",
]

CHECKPOINT_VERSION = 1


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite."""


class CheckpointError(ValueError):
    """A checkpoint file is missing, corrupt, or does not match this code."""


@dataclass(frozen=True)
class TrainConfig:
    """Everything that determines a trained toy model (and so its cache key)."""

    data: DataConfig = field(default_factory=DataConfig)
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    model: MLPConfig = field(default_factory=MLPConfig)
    steps: int = 5_000
    batch_size: int = 512
    lr: float = 3e-3
    ema_decay: float = 0.995
    seed: int = 0
    pool_size: int = 100_000

    def __post_init__(self) -> None:
        for name in ("steps", "batch_size", "pool_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        if not self.lr > 0:
            raise ValueError(f"lr must be positive, got {self.lr}")
        if not 0 <= self.ema_decay < 1:
            raise ValueError(f"ema_decay must be in [0, 1), got {self.ema_decay}")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "TrainConfig":
        d = dict(d)
        d["data"] = DataConfig(**d["data"])
        d["schedule"] = ScheduleConfig(**d["schedule"])
        d["model"] = MLPConfig(**d["model"])
        return cls(**d)


@dataclass
class TrainResult:
    """A trained model (EMA weights) with everything its checkpoint records."""

    model: MLPDenoiser
    schedule: NoiseSchedule
    config: TrainConfig
    loss_history: list[float]
    metrics: dict
    wall_time_s: float


class _EMA:
    """Exponential moving average of the weights, with the usual warm-up."""

    def __init__(self, model: torch.nn.Module, decay: float):
        self.model = copy.deepcopy(model).eval()
        self.decay = decay
        for p in self.model.parameters():
            p.requires_grad_(False)

    @torch.no_grad()
    def update(self, model: torch.nn.Module, step: int) -> None:
        d = min(self.decay, (1 + step) / (10 + step))
        torch._foreach_lerp_(list(self.model.parameters()), list(model.parameters()), 1 - d)


def _progress(total: int, enabled: bool, desc: str):
    from tqdm.auto import tqdm

    return tqdm(total=total, disable=not enabled, desc=desc, unit="step", leave=False)


def evaluate_toy(model, schedule, data: DataConfig, n: int = 2000, seed: int = 0) -> dict:
    """Sample n points with DDPM and compare them with fresh data (sliced Wasserstein)."""
    gen = torch.Generator().manual_seed(seed)
    traj = ddpm_sample(model, schedule, (n, 2), generator=gen)
    report = distance_report(
        traj.samples, sample_data(data, n, seed=10_000 + seed), sample_data(data, n, seed=20_000 + seed)
    )
    return report.as_dict()


def fit(
    model: torch.nn.Module,
    draw_batch,
    schedule: NoiseSchedule,
    steps: int,
    lr: float,
    ema_decay: float,
    generator: torch.Generator,
    device: str = "cpu",
    progress: bool = True,
    desc: str = "train",
    warmup: int = 0,
    on_checkpoint=None,
    every: int = 0,
    at_steps=(),
) -> tuple[torch.nn.Module, list[float], float]:
    """The training loop of Ho et al. 2020, algorithm 1, with the simple loss (eq. 14).

    Args:
        model: eps_theta, on ``device``.
        draw_batch: draw_batch(step) -> a batch of x_0 on ``device``.
        generator: draws t and eps, so a seed fixes the run.
        warmup: steps of linear learning-rate warm-up before the cosine decay.
        on_checkpoint: on_checkpoint(steps_done, train_seconds, ema_model) is called every
            ``every`` steps, at each of ``at_steps`` (0: before the first step) and after
            the last; its own time is not counted as training time, and it must not
            touch ``generator`` (it would change the run).
    Returns:
        (the EMA model on the CPU, the smoothed loss every 50 steps, wall seconds).
    Raises:
        TrainingDiverged: the loss became NaN or infinite.
    """
    abar = schedule.alpha_bar.float().to(device)
    ema = _EMA(model, ema_decay)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0, foreach=True)

    def lr_factor(s: int) -> float:
        if s < warmup:
            return (s + 1) / warmup
        return 0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * (s - warmup) / max(steps - warmup, 1)))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_factor)
    history: list[float] = []
    running = 0.0
    paused = 0.0  # seconds spent in on_checkpoint
    marks = set(at_steps)
    start = time.perf_counter()
    if on_checkpoint is not None and 0 in marks:
        on_checkpoint(0, 0.0, ema.model)
        paused += time.perf_counter() - start
    model.train()
    with _progress(steps, progress, desc) as bar:
        for step in range(steps):
            x0 = draw_batch(step)
            t = torch.randint(1, schedule.T + 1, (x0.shape[0],), generator=generator).to(device)
            eps = torch.randn(x0.shape, generator=generator).to(device)
            a = abar[t].view(-1, *([1] * (x0.ndim - 1)))  # (B, 1, ...)
            x_t = a.sqrt() * x0 + (1 - a).sqrt() * eps  # eq. 4, inline for speed
            loss = torch.mean((eps - model(x_t, t)) ** 2)  # eq. 14
            value = loss.item()
            if not math.isfinite(value):
                raise TrainingDiverged(
                    f"the loss became {value} at step {step}; lower the learning rate "
                    f"(--lr, now {lr}) and train again"
                )
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            ema.update(model, step)
            running = value if step == 0 else 0.98 * running + 0.02 * value
            if step % 50 == 0 or step == steps - 1:
                history.append(running)
                bar.set_postfix(loss=f"{running:.4f}")
            bar.update(1)
            if on_checkpoint is not None and ((every and (step + 1) % every == 0) or step == steps - 1
                                              or step + 1 in marks):
                t0 = time.perf_counter()
                on_checkpoint(step + 1, t0 - start - paused, ema.model)
                paused += time.perf_counter() - t0
    return ema.model.cpu().eval(), history, time.perf_counter() - start - paused


def train_toy(
    config: TrainConfig,
    device: str = "cpu",
    progress: bool = True,
    eval_n: int = 2000,
) -> TrainResult:
    """Train an MLPDenoiser on a toy dataset with the simple loss (eq. 14).

    Args:
        config: what to train; with the seed it fixes the result.
        device: "cpu" or "cuda".
        progress: show a progress bar with the loss.
        eval_n: points used for the final metric (0 to skip it).
    Raises:
        TrainingDiverged: the loss became NaN or infinite.
    """
    torch.manual_seed(config.seed)
    gen = torch.Generator().manual_seed(config.seed)
    schedule = config.schedule.build()
    pool = sample_data(config.data, config.pool_size, seed=config.seed).to(device)

    def draw(_step: int) -> torch.Tensor:
        idx = torch.randint(0, config.pool_size, (config.batch_size,), generator=gen)
        return pool[idx.to(device)]

    model = MLPDenoiser(config.model).to(device)
    final, history, wall = fit(model, draw, schedule, config.steps, config.lr, config.ema_decay, gen,
                               device=device, progress=progress, desc=f"train {config.data.key}")
    metrics = evaluate_toy(final, schedule, config.data, n=eval_n) if eval_n else {}
    return TrainResult(final, schedule, config, history, metrics, wall)


def write_checkpoint(kind: str, payload: dict, path: str | Path) -> Path:
    """torch.save ``payload`` with its kind, the format version and torch's version,
    atomically (a temporary file, then a rename)."""
    payload = {"format_version": CHECKPOINT_VERSION, "kind": kind, **payload, "torch_version": str(torch.__version__)}
    path = Path(path)
    with atomic_write(path) as tmp:
        torch.save(payload, tmp)
    return path


def read_checkpoint(path: str | Path, kind: str, hint: str) -> dict:
    """The payload of a checkpoint of ``kind`` written by :func:`write_checkpoint`.

    Raises:
        CheckpointError: missing, unreadable, another format version or another kind;
            the message ends with ``hint`` (how to rebuild it).
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such checkpoint; {hint}")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many kinds for a corrupt file
        raise CheckpointError(f"{path}: not a readable checkpoint ({exc.__class__.__name__}); {hint}") from exc
    if not isinstance(payload, dict) or payload.get("format_version") != CHECKPOINT_VERSION:
        found = payload.get("format_version") if isinstance(payload, dict) else None
        raise CheckpointError(f"{path}: checkpoint format {found!r}, this code reads {CHECKPOINT_VERSION}; {hint}")
    if payload.get("kind") != kind:
        raise CheckpointError(f"{path}: a {payload.get('kind')!r} checkpoint, expected a {kind!r} one; {hint}")
    return payload


def save_checkpoint(result: TrainResult, path: str | Path) -> Path:
    """Write weights, configuration, losses and metrics atomically."""
    return write_checkpoint("toy", {
        "config": result.config.to_dict(),
        "state_dict": result.model.state_dict(),
        "loss_history": result.loss_history,
        "metrics": result.metrics,
        "wall_time_s": result.wall_time_s,
    }, path)


def _rebuild_hint(path: Path) -> str:
    return f"rebuild it with: python cli.py train --out {path}  (plus the original options)"


def load_checkpoint(path: str | Path, expected: TrainConfig | None = None) -> TrainResult:
    """Read a checkpoint written by :func:`save_checkpoint`.

    Raises:
        CheckpointError: the file is missing, corrupt, from another format version,
            or (with ``expected``) was trained with another configuration.
    """
    path = Path(path)
    payload = read_checkpoint(path, "toy", _rebuild_hint(path))
    try:
        config = TrainConfig.from_dict(payload["config"])
        model = MLPDenoiser(config.model)
        model.load_state_dict(payload["state_dict"])
    except (KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise CheckpointError(f"{path}: configuration or weights do not match this code ({exc}); {_rebuild_hint(path)}") from exc
    if expected is not None and config != expected:
        raise CheckpointError(f"{path}: trained with {config}, expected {expected}; {_rebuild_hint(path)}")
    model.eval()
    return TrainResult(
        model,
        config.schedule.build(),
        config,
        list(payload.get("loss_history", [])),
        dict(payload.get("metrics", {})),
        float(payload.get("wall_time_s", float("nan"))),
    )
