"""Toy models: what determines one (TrainConfig), training it with the shared loop,
its quality by a distribution distance, and its checkpoint."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import torch

from ..checkpoint import CheckpointError, read_checkpoint, write_checkpoint
from ..config import Config
from ..flow import OBJECTIVES
from ..samplers import DDPM, FlowEuler
from ..sampling import sample
from ..schedule import NoiseSchedule, ScheduleConfig
from ..training import TrainingDiverged, check_converged, fit
from .data import CLASSES, DataConfig, sample_data, sample_labelled
from .metrics import distance_report
from .model import MLPConfig, MLPDenoiser

DIVERGED_RATIO = 1e6  # SWD(samples, data) / SWD(data, data'): trained models reach about 1, a 60-step run 1e3

__all__ = ["TrainConfig", "TrainResult", "train_toy", "evaluate_toy", "save_checkpoint", "load_checkpoint"]


@dataclass(frozen=True)
class TrainConfig(Config):
    """Everything that determines a trained toy model (and so its cache key)."""

    POSITIVE = ("steps", "batch_size", "pool_size")
    RATES = ("lr",)
    FRACTIONS = ("ema_decay", "cond_drop")
    # Settings added after models were shipped: left out of the dictionary (and so of the
    # cache key, config_key) at their defaults, so that every earlier model keeps its key.
    LATER = {"objective": "eps", "cond_drop": 0.1}

    data: DataConfig = field(default_factory=DataConfig)
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    model: MLPConfig = field(default_factory=MLPConfig)
    steps: int = 5_000
    batch_size: int = 512
    lr: float = 3e-3
    ema_decay: float = 0.995
    seed: int = 0
    pool_size: int = 100_000
    objective: str = "eps"  # what the network learns: "eps" (DDPM's noise) or "velocity" (flow matching)
    cond_drop: float = 0.1  # with classes (model.n_classes > 0): how often a class is dropped to "no class"

    def validate(self) -> None:
        super().validate()
        if self.objective not in OBJECTIVES:
            raise ValueError(f"unknown objective {self.objective!r}; valid: {', '.join(OBJECTIVES)}")
        if not self.model.n_classes and self.cond_drop != self.LATER["cond_drop"]:
            raise ValueError("cond_drop is for a model with classes (model.n_classes > 0)")
        classes = self.model.n_classes
        if classes and CLASSES.get(self.data.name) != classes:
            have = f"has {CLASSES[self.data.name]}" if self.data.name in CLASSES else "has no classes"
            raise ValueError(f"a model of {classes} classes needs a data set of {classes} classes; {self.data.name} "
                             f"{have} (those that have: {', '.join(f'{k} ({v})' for k, v in CLASSES.items())})")

    @property
    def conditional(self) -> bool:
        return self.model.n_classes > 0

    def to_dict(self) -> dict:
        d = super().to_dict()
        if not d["model"]["n_classes"]:
            del d["model"]["n_classes"]
        if not self.conditional:
            d.pop("cond_drop", None)  # means nothing without classes
        return d


@dataclass
class TrainResult:
    """A trained model (EMA weights) with everything its checkpoint records."""

    model: MLPDenoiser
    schedule: NoiseSchedule
    config: TrainConfig
    loss_history: list[float]
    metrics: dict
    wall_time_s: float


EVAL_FLOW_STEPS = 50  # a flow model is evaluated with this many Euler steps


def evaluate_toy(model, schedule, data: DataConfig, n: int = 2000, seed: int = 0) -> dict:
    """Sample n points with DDPM (a flow model: 50 Euler steps; a conditional one without
    a class) and compare them with fresh data (sliced Wasserstein)."""
    gen = torch.Generator().manual_seed(seed)
    velocity = getattr(model, "objective", "eps") == "velocity"
    config = FlowEuler(steps=EVAL_FLOW_STEPS) if velocity else DDPM()
    traj = sample(model, schedule, (n, 2), config, generator=gen)
    report = distance_report(
        traj.samples, sample_data(data, n, seed=10_000 + seed), sample_data(data, n, seed=20_000 + seed)
    )
    return report.as_dict()


def train_toy(
    config: TrainConfig,
    device: str = "cpu",
    progress: bool = True,
    eval_n: int = 2000,
    force: bool = False,
    on_snapshot=None,
    snapshot_steps=(),
) -> TrainResult:
    """Train an MLPDenoiser on a toy dataset with the simple loss (eq. 14).

    Args:
        config: what to train; with the seed it fixes the result.
        device: "cpu" or "cuda".
        progress: show a progress bar with the loss.
        eval_n: points used for the final metric (0 to skip it).
        force: keep a run whose loss ended far above where it started.
        on_snapshot: on_snapshot(step, ema_model, schedule) at each of ``snapshot_steps``
            (0: the untrained model); it must not touch torch's global generator.
    Raises:
        TrainingDiverged: the loss became NaN or infinite, or (unless ``force``) the
            final loss is far above the first, or the samples are absurdly far from the data.
    """
    torch.manual_seed(config.seed)
    gen = torch.Generator().manual_seed(config.seed)
    schedule = config.schedule.build()
    if config.conditional:
        pool, labels = (t.to(device) for t in sample_labelled(config.data, config.pool_size, seed=config.seed))
    else:
        pool, labels = sample_data(config.data, config.pool_size, seed=config.seed).to(device), None

    def draw(_step: int):
        idx = torch.randint(0, config.pool_size, (config.batch_size,), generator=gen).to(device)
        return pool[idx] if labels is None else (pool[idx], labels[idx])

    model = MLPDenoiser(config.model, objective=config.objective).to(device)
    marks = set(snapshot_steps)
    hook = None
    if on_snapshot is not None:
        def hook(step, _seconds, ema_model):
            if step in marks:
                on_snapshot(step, ema_model, schedule)
    final, history, wall = fit(model, draw, schedule, config.steps, config.lr, config.ema_decay, gen,
                               device=device, progress=progress, desc=f"train {config.data.key}",
                               on_checkpoint=hook, at_steps=marks, objective=config.objective,
                               cond_drop=config.cond_drop if config.conditional else 0.0,
                               null_class=model.null_class)
    if not force:
        check_converged(history, config.lr)
    metrics = evaluate_toy(final, schedule, config.data, n=eval_n) if eval_n else {}
    if not force and metrics and not metrics["ratio"] < DIVERGED_RATIO:
        raise TrainingDiverged(
            f"the run diverged: its samples lie {metrics['ratio']:.3g} times farther from the data than two "
            f"data sets do; lower the learning rate (--lr, now {config.lr:g}) and train again, or keep the result "
            "anyway with --force")
    return TrainResult(final, schedule, config, history, metrics, wall)


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
        model = MLPDenoiser(config.model, objective=config.objective)
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
