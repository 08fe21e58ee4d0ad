"""Reverse process: ``sample`` runs a sampler object (samplers.py: DDPM, DDIM, the
flow's Euler steps) over a model, guided or not, and records every step in a
``Trajectory``; ``step_seconds`` and ``cpu_seconds`` time a step so that other work on
the machine cannot inflate it.
"""

from __future__ import annotations

import ast
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from .io import atomic_write
from .samplers import DDIM, DDPM, Guidance, Sampler, check_model, noise, unguided
from .schedule import NoiseSchedule

__all__ = ["Trajectory", "NonFiniteSamples", "sample", "ddpm_sample", "ddim_sample", "step_seconds", "cpu_seconds"]


class NonFiniteSamples(ValueError):
    """A sampling run produced NaN or infinite values: no result, and nothing written."""


@dataclass
class Trajectory:
    """Every state of one sampling run, in the order it was produced.

    Attributes:
        xs: (K + 1, N, *shape) states, xs[0] = x_T (pure noise), xs[-1] = x_0.
        x0_preds: (K, N, *shape) the model's predicted x_0 at each of the K steps:
            x0_preds[k] is computed from xs[k] at timesteps[k].
        timesteps: (K + 1,) the t of each state in xs: T, ..., 0.
        meta: how it was made (sampler, T, steps, eta or variance) and ``wall_s``,
            the seconds the sampling loop took, and ``device``.
    """

    xs: torch.Tensor
    x0_preds: torch.Tensor
    timesteps: torch.Tensor
    meta: dict = field(default_factory=dict)

    @property
    def samples(self) -> torch.Tensor:
        """The final x_0, (N, *shape)."""
        return self.xs[-1]

    def save(self, path: str | Path) -> None:
        """Write to an .npz file, atomically (a temporary file, then a rename); a trajectory
        holding NaN or infinite values is refused (NonFiniteSamples), nothing written."""
        if not (torch.isfinite(self.xs).all() and torch.isfinite(self.x0_preds).all()):
            raise NonFiniteSamples(f"{path}: the trajectory holds NaN or infinite values: not written")
        with atomic_write(path) as tmp:
            with open(tmp, "wb") as fh:
                np.savez_compressed(
                    fh,
                    xs=self.xs.numpy(),
                    x0_preds=self.x0_preds.numpy(),
                    timesteps=self.timesteps.numpy(),
                    meta=np.array(repr(self.meta)),
                )

    @classmethod
    def load(cls, path: str | Path) -> "Trajectory":
        """Raises ValueError naming the file when it is not a readable trajectory."""
        path = Path(path)
        try:
            with np.load(path, allow_pickle=False) as data:
                return cls(
                    xs=torch.from_numpy(data["xs"]),
                    x0_preds=torch.from_numpy(data["x0_preds"]),
                    timesteps=torch.from_numpy(data["timesteps"]),
                    meta=ast.literal_eval(str(data["meta"])),
                )
        except (OSError, KeyError, ValueError, SyntaxError, EOFError, zipfile.BadZipFile) as exc:
            raise ValueError(f"{path}: not a trajectory file ({exc.__class__.__name__}: {exc})") from exc


@torch.no_grad()
def step_seconds(model: torch.nn.Module, schedule: NoiseSchedule, x_T: torch.Tensor, sampler: Sampler,
                 n_steps: int = 3, repeats: int = 15) -> float:
    """The time of one step of ``sample`` (a network evaluation and its update) on this
    batch, measured so that other work on the machine cannot inflate it: the CPU time of
    the one thread that runs it (``time.thread_time``, with torch on one thread, so time
    spent waiting for a core is not counted), the best of ``repeats`` runs of ``n_steps``
    steps. A sampling run's time is then this times its number of steps.

    Returns:
        Seconds per step, CPU time of one thread.
    """
    model.eval()
    sampler = sampler.using(schedule)
    net = unguided(model)
    ts = sampler.timesteps(schedule.T)
    ts = (ts * (n_steps // len(ts) + 1))[: n_steps + 1]
    generator = torch.Generator().manual_seed(0)

    def run() -> None:
        x = x_T.clone()
        for i in range(n_steps):
            t = ts[i]
            x = sampler.step(net(x, sampler.clock(t, len(x), x.device)), t, ts[i + 1] if i + 1 < len(ts) else 0, x,
                             generator).prev_sample

    return cpu_seconds(run, repeats) / n_steps


@torch.no_grad()
def cpu_seconds(fn, repeats: int = 15) -> float:
    """The CPU time of one thread running ``fn()`` (torch on one thread, so time spent
    waiting for a core is not counted), the best of ``repeats`` runs after one to warm
    up: a time other work on the machine cannot inflate several times over."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        fn()  # warm up
        best = float("inf")
        for _ in range(repeats):
            start = time.thread_time()
            fn()
            best = min(best, time.thread_time() - start)
    finally:
        torch.set_num_threads(threads)
    return best


@torch.no_grad()
def sample(
    model: torch.nn.Module,
    schedule: NoiseSchedule,
    shape: tuple[int, ...],
    sampler: Sampler = DDPM(),  # noqa: B008  (frozen: a shared default cannot change)
    generator: torch.Generator | None = None,
    device: str | torch.device = "cpu",
    x_T: torch.Tensor | None = None,
    record: bool = True,
    guidance: Guidance | None = None,
    progress: bool = False,
) -> Trajectory:
    """Run the reverse process with ``sampler`` and record it (see samplers.py for DDPM,
    DDIM and the flow's Euler steps). With ``guidance``, each step's prediction is
    classifier-free guided toward its class.

    Args:
        model: eps_theta(x, t) (or v_theta for the flow; a conditional one takes a class).
        schedule: the schedule the model was trained with.
        shape: (N, *data_shape) of the batch.
        sampler: a sampler object (DDPM(), DDIM(steps=50), FlowEuler(steps=10), ...).
        generator: fixes x_T and every z.
        x_T: start from these states instead of fresh noise.
        record: keep every state (False keeps only x_T and x_0: large image batches).
        guidance: Guidance(label, w) for a conditional model, or None.
        progress: a progress bar on stderr (a long run: DDPM's 1,000 UNet steps on a CPU).
    Returns:
        A Trajectory with K + 1 states (2 when not recording), K the number of steps.
    Raises:
        ValueError: a sampler the model was not trained for, or a class it does not know.
    """
    check_model(model, sampler, guidance)
    model.eval()
    sampler = sampler.using(schedule)
    net = unguided(model) if guidance is None else guidance.wrap(model)
    ts = sampler.timesteps(schedule.T)
    x = noise(shape, generator, device) if x_T is None else x_T.to(device)
    xs, preds = [x.cpu()], []
    start = time.perf_counter()
    for i, t in enumerate(tqdm(ts, disable=not progress, desc=f"sampling {sampler.name}", unit="step", leave=False)):
        t_next = ts[i + 1] if i + 1 < len(ts) else 0
        out = sampler.step(net(x, sampler.clock(t, x.shape[0], x.device)), t, t_next, x, generator)
        x = out.prev_sample
        if record or t_next == 0:
            xs.append(x.cpu())
            preds.append(out.pred_x0.cpu())
    wall = time.perf_counter() - start  # x_0 is on the CPU: the device has finished
    if not torch.isfinite(xs[-1]).all():  # NaN and infinity do not heal: the last state shows them (one read)
        raise NonFiniteSamples(f"the samples became NaN or infinite ({sampler.describe(schedule.T)}"
                               + (f", guidance w = {guidance.w:g}" if guidance else "") + "): no result")
    meta = {"sampler": sampler.name, "T": schedule.T, "steps": len(ts), "wall_s": wall, "device": str(x.device),
            **sampler.meta(), **(guidance.meta() if guidance else {})}
    kept = ts + [0] if record else [ts[0], 0]
    return Trajectory(torch.stack(xs), torch.stack(preds), torch.tensor(kept, dtype=sampler.time_dtype), meta)


def ddpm_sample(model, schedule, shape, generator=None, variance: str = "beta", clip_x0: float | None = None,
                device="cpu", x_T=None, record: bool = True) -> Trajectory:
    """``sample`` with DDPM: a shorthand."""
    return sample(model, schedule, shape, DDPM(variance=variance, clip=clip_x0),
                  generator=generator, device=device, x_T=x_T, record=record)


def ddim_sample(model, schedule, shape, steps: int = 50, eta: float = 0.0, generator=None,
                clip_x0: float | None = None, device="cpu", x_T=None, record: bool = True) -> Trajectory:
    """``sample`` with DDIM: a shorthand."""
    return sample(model, schedule, shape, DDIM(steps=steps, eta=eta, clip=clip_x0),
                  generator=generator, device=device, x_T=x_T, record=record)
