"""One real toy training run, watched: at log-spaced steps, the EMA weights of that
moment sample the same noise (DDPM: the same x_T and the same z at every step), and
their distance to the data is measured. What the training scene draws.

The run is the default model's own (same configuration and seed), so its last snapshot
is the shipped model; the file is small and ships in models/toy/ beside the model.
"""

from __future__ import annotations

import ast
import hashlib
import json
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from ..io import atomic_write
from ..paths import ensure_writable
from ..samplers import DDPM
from ..sampling import sample
from .cache import checkpoint_path, config_key
from .data import sample_data
from .metrics import distance_report
from .train import TrainConfig, train_toy

__all__ = ["TRAINING_STEPS", "TrainingRun", "training_run", "training_run_path", "record_training_run"]

TRAINING_STEPS = (0, 50, 100, 250, 500, 1000, 2000, 5000)


@dataclass
class TrainingRun:
    """Attributes:
        steps: (K,) the snapshot steps; samples: (K, N, 2) the samples at each.
        swd, floor: (K,) SWD(samples, data) and SWD(data, data'); ratio = swd / floor.
        loss_steps, loss: the smoothed training loss of the same run.
        meta: the configuration key, the dataset, n, the seed."""

    steps: np.ndarray
    samples: np.ndarray
    swd: np.ndarray
    floor: np.ndarray
    loss_steps: np.ndarray
    loss: np.ndarray
    meta: dict = field(default_factory=dict)

    @property
    def ratio(self) -> np.ndarray:
        return self.swd / self.floor

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        with atomic_write(path) as tmp, open(tmp, "wb") as fh:
            np.savez_compressed(fh, steps=self.steps, samples=self.samples.astype(np.float32), swd=self.swd,
                                floor=self.floor, loss_steps=self.loss_steps, loss=self.loss,
                                meta=np.array(repr(self.meta)))
        return path

    @classmethod
    def load(cls, path: str | Path) -> "TrainingRun":
        path = Path(path)
        try:
            with np.load(path, allow_pickle=False) as d:
                return cls(d["steps"], d["samples"], d["swd"], d["floor"], d["loss_steps"], d["loss"],
                           ast.literal_eval(str(d["meta"])))
        except (OSError, KeyError, ValueError, SyntaxError, EOFError, zipfile.BadZipFile) as exc:
            raise ValueError(f"{path}: not a training-run file ({exc.__class__.__name__})") from exc


def training_run_path(config: TrainConfig, steps, n: int, seed: int) -> Path:
    """Beside the model: models/toy/<dataset>-<key>.training-<hash>.npz."""
    blob = json.dumps({"steps": list(steps), "n": n, "seed": seed}, sort_keys=True)
    tag = hashlib.sha256(blob.encode()).hexdigest()[:8]
    model = checkpoint_path(config)
    return model.with_name(f"{model.stem}.training-{tag}.npz")


def record_training_run(config: TrainConfig, steps=TRAINING_STEPS, n: int = 2000, seed: int = 0,
                        progress: bool = True) -> TrainingRun:
    """Train ``config`` from scratch, snapshotting at ``steps``: the samples of the same
    noise under the EMA weights of each moment, and their distance to fresh data."""
    bad = [s for s in steps if not 0 <= s <= config.steps]
    if bad:
        raise ValueError(f"snapshot steps must lie in 0..{config.steps}, got {bad}")
    data = sample_data(config.data, n, seed=10_000 + seed)
    other = sample_data(config.data, n, seed=20_000 + seed)
    got: dict[int, tuple] = {}

    def snap(step, ema_model, schedule):
        traj = sample(ema_model, schedule, (n, 2), DDPM(), generator=torch.Generator().manual_seed(seed),
                      record=False)
        report = distance_report(traj.samples, data, other)
        got[step] = (traj.samples.numpy(), report.distance, report.floor)

    result = train_toy(config, progress=progress, eval_n=0, on_snapshot=snap, snapshot_steps=steps)
    ks = sorted(got)
    history = result.loss_history
    loss_steps = [min(50 * i, config.steps - 1) for i in range(len(history))]
    return TrainingRun(np.array(ks), np.stack([got[k][0] for k in ks]), np.array([got[k][1] for k in ks]),
                       np.array([got[k][2] for k in ks]), np.array(loss_steps), np.array(history),
                       {"config_key": config_key(config), "dataset": config.data.key, "n": n, "seed": seed,
                        "steps": config.steps, "sampler": "DDPM, the same x_T and z at every snapshot"})


def training_run(config: TrainConfig, steps=TRAINING_STEPS, n: int = 2000, seed: int = 0) -> TrainingRun:
    """The recorded run for ``config``: read from beside its model, or recorded once
    (about a minute on 2 CPU cores) and written there."""
    path = training_run_path(config, steps, n, seed)
    if path.is_file():
        try:
            return TrainingRun.load(path)
        except ValueError as exc:
            print(f"cache: {exc}; deleted, recording it again", file=sys.stderr)
            path.unlink(missing_ok=True)
    ensure_writable(path.parent, "DIFFUSION_MODELS_DIR")
    print(f"Recording the training run of {config.data.key} with snapshots at {list(steps)} once "
          f"(about a minute on 2 CPU cores); it is kept in {path}.", file=sys.stderr)
    run = record_training_run(config, steps, n, seed)
    run.save(path)
    return run
