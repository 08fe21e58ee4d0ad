"""Snapshots of one MNIST training run, for the digits-training scene.

At a few log-spaced steps of a real run (``train mnist --snapshots 0,250,...``), the
EMA weights of that moment sample the same 16 noises (DDPM, all T steps, the same x_T
and the same z at every step, so only the weights differ), and the FID probe scores
them. The weights themselves are not kept (eight copies would not fit in the repo):
the file holds the digits, the probe figures, the loss curve and the command.
"""

from __future__ import annotations

import ast
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from ..io import atomic_write
from ..samplers import DDIM, DDPM
from .eval import sample_images

__all__ = ["TrainingSnapshots", "SnapshotRecorder", "parse_steps", "SNAPSHOT_N"]

SNAPSHOT_N = 16  # digits per snapshot (a 4 x 4 grid)


def parse_steps(text: str, total: int) -> list[int]:
    """'0,250,1000' -> [0, 250, 1000]; every step within 0..total, sorted, no repeats.

    Raises:
        ValueError: not a list of integers, or a step outside 0..total.
    """
    try:
        steps = sorted({int(s) for s in text.split(",") if s.strip()})
    except ValueError:
        raise ValueError(f"expected comma-separated step numbers, got {text!r}") from None
    if not steps:
        raise ValueError("no step given")
    bad = [s for s in steps if not 0 <= s <= total]
    if bad:
        raise ValueError(f"steps must lie in 0..{total} (the run's --steps), got {bad}")
    return steps


class SnapshotRecorder:
    """The ``snapshot`` hook of :func:`train_mnist`: samples the fixed noises with the
    EMA weights it is given and keeps the digits by step."""

    def __init__(self, n: int = SNAPSHOT_N, seed: int = 0, device: str = "cpu", steps: int | None = None):
        self.n, self.seed, self.device, self.sample_steps = n, seed, device, steps
        self.digits: dict[int, np.ndarray] = {}

    def __call__(self, ema_model, schedule, step: int) -> dict:
        sampler = DDPM() if self.sample_steps is None else DDIM(steps=self.sample_steps)
        images, secs = sample_images(ema_model, schedule, sampler, self.n, seed=self.seed, batch=self.n,
                                     device=self.device)
        self.digits[step] = to_uint8(images)
        return {"snapshot_s": round(secs, 2)}


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """(N, 1, 28, 28) in [-1, 1] -> (N, 28, 28) uint8."""
    x = ((images.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    return x[:, 0].numpy()


@dataclass
class TrainingSnapshots:
    """What the digits-training scene draws.

    Attributes:
        steps: (K,) training steps of the snapshots (0 = untrained).
        digits: (K, 16, 28, 28) uint8, the same 16 noises sampled at each step.
        probe_steps, probe_fid, probe_confident: the FID probe curve (every probe of the run).
        real_fid: the probe's floor: real training digits scored the same way (same n).
        loss_steps, loss: the smoothed training loss.
        meta: the command, the sampler of the digits, the probe's description, the device.
    """

    steps: np.ndarray
    digits: np.ndarray
    probe_steps: np.ndarray
    probe_fid: np.ndarray
    probe_confident: np.ndarray
    real_fid: float
    loss_steps: np.ndarray
    loss: np.ndarray
    meta: dict = field(default_factory=dict)

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        with atomic_write(path) as tmp:
            with open(tmp, "wb") as fh:
                np.savez_compressed(
                    fh, steps=self.steps, digits=self.digits, probe_steps=self.probe_steps,
                    probe_fid=self.probe_fid, probe_confident=self.probe_confident,
                    real_fid=np.array(self.real_fid), loss_steps=self.loss_steps, loss=self.loss,
                    meta=np.array(repr(self.meta)),
                )
        return path

    @classmethod
    def load(cls, path: str | Path) -> "TrainingSnapshots":
        """Raises ValueError naming the file when it is missing or not a snapshot file."""
        path = Path(path)
        try:
            with np.load(path, allow_pickle=False) as d:
                out = cls(d["steps"], d["digits"], d["probe_steps"], d["probe_fid"], d["probe_confident"],
                          float(d["real_fid"]), d["loss_steps"], d["loss"], ast.literal_eval(str(d["meta"])))
        except (OSError, KeyError, ValueError, SyntaxError, EOFError, zipfile.BadZipFile) as exc:
            raise ValueError(f"{path}: not a training-snapshot file ({exc.__class__.__name__}); remake it with: "
                             "python benchmarks/mnist_gpu_run.py (see the README, MNIST)") from exc
        if out.digits.shape[0] != len(out.steps) or out.digits.ndim != 4:
            raise ValueError(f"{path}: digits of shape {out.digits.shape} for {len(out.steps)} steps")
        return out


def build(recorder: SnapshotRecorder, progress_log: list[dict], loss_history: list[float], real_fid: float,
          meta: dict) -> TrainingSnapshots:
    """Gather a run's snapshots, probe curve and loss into one object."""
    steps = sorted(recorder.digits)
    probes = [e for e in progress_log if "fid_ddim50" in e]
    loss_steps = [min(50 * i, meta.get("steps", 50 * i)) for i in range(len(loss_history))]
    return TrainingSnapshots(
        steps=np.array(steps, dtype=np.int64),
        digits=np.stack([recorder.digits[s] for s in steps]),
        probe_steps=np.array([e["step"] for e in probes], dtype=np.int64),
        probe_fid=np.array([e["fid_ddim50"] for e in probes], dtype=np.float64),
        probe_confident=np.array([e["confident"] for e in probes], dtype=np.float64),
        real_fid=float(real_fid),
        loss_steps=np.array(loss_steps, dtype=np.int64),
        loss=np.array(loss_history, dtype=np.float64),
        meta=meta,
    )
