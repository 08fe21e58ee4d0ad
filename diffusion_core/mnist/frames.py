"""Digit trajectories recorded once and shipped beside the checkpoint, so that a render
of a digit scene never samples 1,000 UNet steps on the CPU.

``models/mnist/digit_frames.npz`` holds, for the 16 fixed noises of seed 0, the DDPM
trajectory and DDIM-50's, each reduced to the frames the digit scenes draw:

- ``kept``: which states of the run are kept (indices 0..K into its K + 1 states);
- ``xs`` and ``x0_preds``: those states and the x_0 the UNet predicted from each, as
  the grey levels a scene draws (``to_gray``: [-1, 1] -> 0..255, exactly what a
  ``DigitGrid`` shows, so that drawing them loses nothing);
- ``x_T`` and ``samples``: the first noise and the final x_0 as floats (a step is timed
  on x_T; the classifier scores the samples);
- the checkpoint's sha256: a file recorded from another checkpoint is not used.

Which frames are kept: the states a 9-second reverse play eased as the scenes ease it
(``reverse_ease``) shows at 16 frames a second, the first steps (so that a test can
re-sample them), and the strip's moments (``signal_steps``). A scene at any frame rate
shows, at each moment, the last kept state reached, with that state's own t.
"""

from __future__ import annotations

import ast
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import torch

from ..io import atomic_write, file_digest
from ..samplers import DDIM, DDPM, Sampler
from ..sampling import Trajectory, sample
from .train import load_mnist_checkpoint

__all__ = ["DigitFrames", "FRAMES_FILE", "LEVELS", "PLAY_SECONDS", "reverse_ease", "signal_steps", "kept_steps",
           "to_gray", "from_gray", "write_digit_frames", "read_digit_frames", "record_digit_frames", "FRAME_SAMPLERS"]

FRAMES_FILE = "digit_frames.npz"  # beside the checkpoint
PLAY_SECONDS = 9.0  # the reverse plays' length (digits-reverse, samplers-digits)
KEPT_PER_SECOND = 16  # states kept per second of play (the file stays small: models/mnist/ under 12 MB)
FIRST_STEPS = 4  # states 0..3 kept: a test re-samples them
LEVELS = (0.97, 0.9, 0.8, 0.65, 0.5, 0.35, 0.2, 0.1)  # sqrt(abar_t) of a strip's moments between t = 0 and T
FRAME_SAMPLERS = (DDPM(clip=1.0), DDIM(steps=50, clip=1.0))  # what the digit scenes draw


def reverse_ease(s: float) -> float:
    """The reverse plays' easing: the last steps, where the shape appears, get more time."""
    return 1 - (1 - s) ** 1.6


def signal_steps(alpha_bar: np.ndarray, levels=LEVELS) -> list[int]:
    """0, the first t where sqrt(abar_t) falls below each level, and T."""
    signal = np.sqrt(np.asarray(alpha_bar))
    T = len(signal) - 1
    return sorted({0, T, *(int(np.argmax(signal < lv)) for lv in levels)})


def kept_steps(K: int, alpha_bar: np.ndarray | None = None, timesteps: np.ndarray | None = None) -> np.ndarray:
    """The states of a K-step run the scenes draw (ascending, 0 and K included)."""
    frames = int(PLAY_SECONDS * KEPT_PER_SECOND)
    kept = {int(round(K * reverse_ease(i / frames))) for i in range(frames + 1)}
    kept |= set(range(min(FIRST_STEPS, K + 1)))
    if alpha_bar is not None and timesteps is not None:  # the strip's moments, where the run passes them
        times = np.asarray(timesteps)
        kept |= {int(np.flatnonzero(times == t)[0]) for t in signal_steps(alpha_bar) if (times == t).any()}
    return np.array(sorted(kept | {K}), dtype=np.int64)


def to_gray(x) -> np.ndarray:
    """[-1, 1] (clipped) -> uint8 grey levels, as a DigitGrid draws them."""
    x = np.clip(np.asarray(x, dtype=np.float32), -1, 1)
    return ((x + 1) * 127.5).astype(np.uint8)


def from_gray(g: np.ndarray) -> np.ndarray:
    """uint8 grey levels -> floats that ``to_gray`` maps back to the same levels."""
    return (np.asarray(g, dtype=np.float32) + 0.5) / 127.5 - 1.0


@dataclass
class DigitFrames:
    """The kept states of one digit trajectory (see the module).

    Attributes:
        kept: (M,) indices of the kept states among the run's K + 1, ascending, 0 and K included.
        timesteps: (M,) the t of each kept state.
        xs: (M, n, 28, 28) uint8 states; x0_preds: (M, n, 28, 28) uint8, the x_0 predicted
            from each kept state (for the last, x_0, the one predicted from the state before).
        x_T, samples: (n, 1, 28, 28) float32: the first noise and the final x_0.
        meta: the trajectory's (sampler, T, steps, wall_s, device).
    """

    kept: np.ndarray
    timesteps: np.ndarray
    xs: np.ndarray
    x0_preds: np.ndarray
    x_T: torch.Tensor
    samples: torch.Tensor
    meta: dict = field(default_factory=dict)

    @property
    def K(self) -> int:
        """The run's number of steps."""
        return int(self.kept[-1])

    def at(self, k: int) -> int:
        """Which kept state to show at step k: the last one reached."""
        return int(np.searchsorted(self.kept, k, side="right") - 1)

    @classmethod
    def from_trajectory(cls, traj: Trajectory, kept: np.ndarray) -> "DigitFrames":
        """The kept states of a sampled trajectory (x0-hat of the last state: the one
        predicted from the state before it, as a scene playing the whole run shows it)."""
        kept = np.asarray(kept, dtype=np.int64)
        preds = traj.x0_preds.numpy()
        return cls(kept=kept, timesteps=traj.timesteps.numpy()[kept].astype(np.int64),
                   xs=to_gray(traj.xs.numpy()[kept][:, :, 0]),
                   x0_preds=to_gray(preds[np.minimum(kept, len(preds) - 1)][:, :, 0]),
                   x_T=traj.xs[0].float().clone(), samples=traj.samples.float().clone(), meta=dict(traj.meta))


def _prefix(sampler: Sampler, T: int) -> str:
    return sampler.key(T).replace("-", "_").replace(".", "p")


def write_digit_frames(path: str | Path, checkpoint_sha256: str, n: int, seed: int,
                       runs: list[tuple[Sampler, DigitFrames]]) -> None:
    """Write the recorded frames of each (sampler, frames) run, atomically."""
    arrays = {"checkpoint_sha256": np.array(checkpoint_sha256), "n": np.array(n), "seed": np.array(seed)}
    for sampler, frames in runs:
        p = _prefix(sampler, int(frames.meta["T"]))
        arrays |= {f"{p}__kept": frames.kept, f"{p}__timesteps": frames.timesteps, f"{p}__xs": frames.xs,
                   f"{p}__x0_preds": frames.x0_preds, f"{p}__x_T": frames.x_T.numpy(),
                   f"{p}__samples": frames.samples.numpy(), f"{p}__meta": np.array(repr(frames.meta))}
    with atomic_write(path) as tmp:
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, **arrays)


def read_digit_frames(path: str | Path, checkpoint: str | Path, sampler: Sampler, n: int, seed: int,
                      T: int) -> tuple[DigitFrames | None, str]:
    """(the frames recorded for this checkpoint, sampler, n and seed, '') or (None, why not)."""
    path = Path(path)
    if not path.is_file():
        return None, f"no recorded digit frames ({path.name}) beside {Path(checkpoint).name}"
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["checkpoint_sha256"]) != file_digest(Path(checkpoint)):
                return None, f"{path.name} was recorded from another checkpoint than {Path(checkpoint).name}"
            if int(data["n"]) != n or int(data["seed"]) != seed:
                return None, f"{path.name} holds {int(data['n'])} digits of seed {int(data['seed'])}, not {n} of seed {seed}"
            p = _prefix(sampler, T)
            if f"{p}__kept" not in data.files:
                return None, f"{path.name} holds no {sampler.describe(T)} run"
            return DigitFrames(kept=data[f"{p}__kept"], timesteps=data[f"{p}__timesteps"], xs=data[f"{p}__xs"],
                               x0_preds=data[f"{p}__x0_preds"], x_T=torch.from_numpy(data[f"{p}__x_T"]),
                               samples=torch.from_numpy(data[f"{p}__samples"]),
                               meta=ast.literal_eval(str(data[f"{p}__meta"]))), ""
    except (OSError, KeyError, ValueError, SyntaxError, EOFError, zipfile.BadZipFile) as exc:
        return None, f"{path.name} cannot be read ({exc})"


def record_digit_frames(checkpoint: str | Path, out: str | Path | None = None, n: int = 16, seed: int = 0,
                        samplers: tuple[Sampler, ...] = FRAME_SAMPLERS, progress: bool = True) -> Path:
    """Sample each of ``samplers`` on n digits from ``seed`` (as a digit scene would) and
    write the frames the scenes draw beside the checkpoint (or to ``out``)."""
    checkpoint = Path(checkpoint)
    result = load_mnist_checkpoint(checkpoint)
    T = result.schedule.T
    runs = []
    for sampler in samplers:
        sampler = replace(sampler, steps=min(sampler.steps, T)) if isinstance(sampler, DDIM) else sampler
        traj = sample(result.model, result.schedule, (n, 1, 28, 28), sampler,
                      generator=torch.Generator().manual_seed(seed), progress=progress)
        kept = kept_steps(len(traj.xs) - 1, result.schedule.alpha_bar.numpy(), traj.timesteps.numpy())
        runs.append((sampler, DigitFrames.from_trajectory(traj, kept)))
    out = Path(out) if out else checkpoint.with_name(FRAMES_FILE)
    write_digit_frames(out, file_digest(checkpoint), n, seed, runs)
    return out
