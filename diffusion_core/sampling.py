"""Reverse process: one sampler entry point, DDPM ancestral sampling, DDIM or a flow's
Euler steps, recording every step, with classifier-free guidance for a conditional
model. The per-step arithmetic lives on NoiseSchedule (``ddpm_step``, ``ddim_step``) and
on LinearFlow (``euler_step``).

Notation (Ho et al. 2020; Song et al. 2021, "Denoising Diffusion Implicit Models"; Ho &
Salimans 2022, "Classifier-Free Diffusion Guidance"; flow.py for the flow):

    eps_theta(x_t, t) -> the model's noise prediction
    eps_theta(x_t, t, c), eps_theta(x_t, t, null) -> with the class c, with "no class"
    w                 -> the guidance scale: eps = eps(x, null) + w (eps(x, c) - eps(x, null))
    x0_pred           -> \\hat x_0 = (x_t - sqrt(1 - abar_t) eps_theta) / sqrt(abar_t)
    sigma_t           -> std of the noise added at step t
    eta               -> DDIM's interpolation: 0 deterministic, 1 DDPM-like
"""

from __future__ import annotations

import ast
import math
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from .flow import LinearFlow
from .schedule import NoiseSchedule

__all__ = ["SAMPLERS", "DDPM_VARIANCES", "SamplerConfig", "Trajectory", "sample", "ddpm_sample", "ddim_sample",
           "ddim_timesteps", "step_seconds", "cpu_seconds"]

SAMPLERS = ("ddpm", "ddim", "flow")
_SAMPLES = {"ddpm": "eps", "ddim": "eps", "flow": "velocity"}  # what each sampler needs the network to predict
DDPM_VARIANCES = ("beta", "posterior")


@dataclass(frozen=True)
class SamplerConfig:
    """How to sample: everything that, with the model, the noise shape and the seed,
    determines a trajectory.

    Attributes:
        kind: "ddpm" (every one of the T steps), "ddim" (``steps`` of them) or "flow"
            (``steps`` Euler steps of a flow-matching model's velocity, t from 1 to 0).
        steps: DDIM's number of timesteps, or the flow's Euler steps (ignored by DDPM).
        eta: DDIM's eta, 0 (deterministic) to 1 (DDPM-like); DDPM takes none.
        clip: clip the predicted x_0 to [-clip, clip] (images), or None.
        variance: DDPM's sigma_t^2: "beta" (beta_t) or "posterior" (beta_tilde_t).
        label: the class to sample, for a conditional model (None: no class).
        guidance: the guidance scale w of classifier-free guidance (with a label):
            0 is the unconditional model, 1 the conditional one, above 1 guided.
    """

    kind: str = "ddpm"
    steps: int = 50
    eta: float = 0.0
    clip: float | None = None
    variance: str = "beta"
    label: int | None = None
    guidance: float = 1.0

    def __post_init__(self) -> None:
        if self.kind not in SAMPLERS:
            raise ValueError(f"unknown sampler {self.kind!r}; valid: {', '.join(SAMPLERS)}")
        if self.variance not in DDPM_VARIANCES:
            raise ValueError(f"unknown variance {self.variance!r}; valid: {', '.join(DDPM_VARIANCES)}")
        if not (isinstance(self.eta, (int, float)) and math.isfinite(self.eta) and self.eta >= 0):
            raise ValueError(f"eta must be a finite number >= 0, got {self.eta}")
        if self.eta != 0 and self.kind != "ddim":
            raise ValueError(f"eta is DDIM's parameter; {self.kind} takes none (got eta = {self.eta:g})")
        if not isinstance(self.steps, int) or isinstance(self.steps, bool) or self.steps < 1:
            raise ValueError(f"steps must be a positive integer, got {self.steps!r}")
        if self.clip is not None and not (math.isfinite(self.clip) and self.clip > 0):
            raise ValueError(f"clip must be a positive number or None, got {self.clip}")
        if self.clip is not None and self.kind == "flow":
            raise ValueError("clip is for the diffusion samplers' predicted x_0; the flow takes none")
        if self.label is not None and (not isinstance(self.label, int) or isinstance(self.label, bool)
                                       or self.label < 0):
            raise ValueError(f"the class must be an integer >= 0, got {self.label!r}")
        if not (isinstance(self.guidance, (int, float)) and math.isfinite(self.guidance) and self.guidance >= 0):
            raise ValueError(f"the guidance scale must be a finite number >= 0, got {self.guidance}")
        if self.guidance != 1 and self.label is None:
            raise ValueError(f"guidance steers toward a class: give the class too (guidance = {self.guidance:g})")

    @property
    def objective(self) -> str:
        """What this sampler needs the network to predict: "eps" or "velocity"."""
        return _SAMPLES[self.kind]

    def n_steps(self, T: int) -> int:
        """How many steps a run takes with a schedule of T steps."""
        return T if self.kind == "ddpm" else self.steps if self.kind == "flow" else len(ddim_timesteps(T, self.steps))

    def evaluations(self, T: int) -> int:
        """Network evaluations a run takes: two a step when guided (w not 0 or 1)."""
        guided = self.label is not None and self.guidance not in (0, 1)
        return self.n_steps(T) * (2 if guided else 1)

    def key(self, T: int) -> str:
        """A file-name-safe summary for caches: 'ddpm-1000', 'ddim-50-eta1-clip1',
        'flow-50', 'ddpm-1000-c0-w3'."""
        parts = [self.kind, str(T if self.kind == "ddpm" else self.steps)]
        if self.eta:
            parts.append(f"eta{self.eta:g}")
        if self.clip is not None:
            parts.append(f"clip{self.clip:g}")
        if self.kind == "ddpm" and self.variance != "beta":
            parts.append(self.variance)
        if self.label is not None:
            parts.append(f"c{self.label}")
            if self.guidance != 1:
                parts.append(f"w{self.guidance:g}")
        return "-".join(parts)

    def describe(self, T: int) -> str:
        """'DDPM (1000 steps)', 'DDIM (50 steps)' (eta = 0), 'DDIM (50 steps, eta = 1)',
        'Flow (50 steps)'."""
        extra = f", eta = {self.eta:g}" if self.kind == "ddim" and self.eta != 0 else ""
        name = "Flow" if self.kind == "flow" else self.kind.upper()
        return f"{name} ({T if self.kind == 'ddpm' else self.steps} steps{extra})"


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
        """Write to an .npz file, atomically (a temporary file, then a rename)."""
        from .io import atomic_write

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


def _noise(shape, generator: torch.Generator | None, device) -> torch.Tensor:
    # Drawn on the CPU so that a seed gives the same numbers on every device.
    return torch.randn(shape, generator=generator).to(device)


def _net(model, x: torch.Tensor, clock: torch.Tensor, label: int | None) -> torch.Tensor:
    """The network at one time: with the class ``label``, or with none (a conditional
    network's "no class", an unconditional network as it is)."""
    if label is None:
        return model(x, clock).to(x.dtype)  # float32 even under bf16 autocast
    y = torch.full((x.shape[0],), label, device=x.device, dtype=torch.long)
    return model(x, clock, y).to(x.dtype)


def _eps(model, x: torch.Tensor, t, config: SamplerConfig, T: int) -> torch.Tensor:
    """The network's prediction (noise, or a flow's velocity) at time t, guided.

    Ho & Salimans 2022, eq. 6, written with the guidance scale w = 1 + w_HS (as diffusers
    does): eps = eps(x, t, null) + w (eps(x, t, c) - eps(x, t, null)). w = 0 is the
    unconditional model and w = 1 the conditional one: each takes one evaluation, and
    gives exactly what that model alone gives."""
    if config.kind == "flow":
        clock = torch.full((x.shape[0],), float(t) * T, device=x.device)  # the network's clock: t * T
    else:
        clock = torch.full((x.shape[0],), t, device=x.device, dtype=torch.long)
    if config.label is None or config.guidance == 0:
        return _net(model, x, clock, None)
    cond = _net(model, x, clock, config.label)
    if config.guidance == 1:
        return cond
    uncond = _net(model, x, clock, None)
    return uncond + config.guidance * (cond - uncond)


def _step(model, schedule: NoiseSchedule, config: SamplerConfig, x: torch.Tensor, t, t_next, generator,
          device) -> tuple[torch.Tensor, torch.Tensor]:
    """One reverse step from x_t to x_{t_next}: (the new state, the predicted x_0)."""
    if config.kind == "flow":  # the flow integrates its velocity: no noise, no schedule
        v = _eps(model, x, t, config, schedule.T)
        return LinearFlow.euler_step(x, v, t, t_next), LinearFlow.predict_x0(x, v, t)
    eps = _eps(model, x, t, config, schedule.T)
    x0 = schedule.predict_x0(x, t, eps)
    if config.clip is not None:
        x0 = x0.clamp(-config.clip, config.clip)
    if config.kind == "ddpm":  # the one place where the two samplers part
        z = _noise(x.shape, generator, device)
        return schedule.ddpm_step(x0, x, t, z, config.variance), x0
    if config.clip is not None:
        eps = schedule.eps_from_x0(x, t, x0)
    z = _noise(x.shape, generator, device) if config.eta > 0 else None
    return schedule.ddim_step(x0, eps, t, t_next, config.eta, z), x0


def _timesteps(T: int, config: SamplerConfig) -> list:
    if config.kind == "flow":
        return LinearFlow.times(config.steps)[:-1]  # 1, ..., the last before 0
    return list(range(T, 0, -1)) if config.kind == "ddpm" else ddim_timesteps(T, config.steps)


def check_model(model, config: SamplerConfig) -> None:
    """Refuse a sampler the model was not trained for, and a class it does not know.

    Raises:
        ValueError: a flow-matching model asked for DDPM or DDIM (or the other way
            round), a class given to a model without classes, or one beyond its classes.
    """
    objective = getattr(model, "objective", "eps")
    if objective != config.objective:
        trained = ("by flow matching (it predicts a velocity): sample it with the flow sampler"
                   if objective == "velocity" else "to predict the noise: sample it with ddpm or ddim")
        raise ValueError(f"this model was trained {trained}, not {config.kind}")
    n_classes = getattr(getattr(model, "config", None), "n_classes", 0) or 0
    if config.label is not None and not n_classes:
        raise ValueError("this model has no classes (it was trained without them): sample it without a class")
    if config.label is not None and config.label >= n_classes:
        raise ValueError(f"this model knows the classes 0..{n_classes - 1}, not {config.label}")


@torch.no_grad()
def step_seconds(model: torch.nn.Module, schedule: NoiseSchedule, x_T: torch.Tensor, config: SamplerConfig,
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
    ts = _timesteps(schedule.T, config)
    ts = (ts * (n_steps // len(ts) + 1))[: n_steps + 1]
    generator = torch.Generator().manual_seed(0)

    def run() -> None:
        x = x_T.clone()
        for i in range(n_steps):
            x, _ = _step(model, schedule, config, x, ts[i], ts[i + 1] if i + 1 < len(ts) else 0, generator, x.device)

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


def ddim_timesteps(T: int, steps: int) -> list[int]:
    """An evenly spaced sub-sequence tau of 1..T, descending, from T to t = 1 (one step:
    T alone, a single jump from the noise to x_0)."""
    if not 1 <= steps <= T:
        raise ValueError(f"DDIM steps must be in 1..{T}, got {steps}")
    if steps == 1:
        return [T]
    taus = np.unique(np.round(np.linspace(1, T, steps)).astype(int))
    return [int(t) for t in taus[::-1]]


@torch.no_grad()
def sample(
    model: torch.nn.Module,
    schedule: NoiseSchedule,
    shape: tuple[int, ...],
    config: SamplerConfig = SamplerConfig(),
    generator: torch.Generator | None = None,
    device: str | torch.device = "cpu",
    x_T: torch.Tensor | None = None,
    record: bool = True,
) -> Trajectory:
    """Run the reverse process and record it.

    DDPM: Ho et al. 2020, algorithm 2, over all T steps; a fresh z is drawn at every
    step (also the last, whose sigma is 0), so that the noise stream stays aligned.
    DDIM: Song et al. 2021, eq. 12, over ``config.steps`` timesteps; z only when eta > 0.
    Flow: ``config.steps`` Euler steps of the velocity from t = 1 to 0 (flow.py); the
    recorded times are t in [0, 1], the predicted x_0 is x_t - t v.
    With a class, each step's prediction is classifier-free guided (``_eps``).

    Args:
        model: eps_theta(x, t) (or v_theta for the flow; a conditional one takes a class).
        schedule: the schedule the model was trained with.
        shape: (N, *data_shape) of the batch.
        config: the sampler and its settings.
        generator: fixes x_T and every z.
        x_T: start from these states instead of fresh noise.
        record: keep every state (False keeps only x_T and x_0: large image batches).
    Returns:
        A Trajectory with K + 1 states (2 when not recording), K the number of steps.
    Raises:
        ValueError: a sampler the model was not trained for, or a class it does not know.
    """
    check_model(model, config)
    model.eval()
    ts = _timesteps(schedule.T, config)
    x = _noise(shape, generator, device) if x_T is None else x_T.to(device)
    xs, preds = [x.cpu()], []
    start = time.perf_counter()
    for i, t in enumerate(ts):
        t_next = ts[i + 1] if i + 1 < len(ts) else 0
        x, x0 = _step(model, schedule, config, x, t, t_next, generator, device)
        if record or t_next == 0:
            xs.append(x.cpu())
            preds.append(x0.cpu())
    wall = time.perf_counter() - start  # x_0 is on the CPU: the device has finished
    meta = {"sampler": config.kind, "T": schedule.T, "steps": len(ts), "wall_s": wall, "device": str(x.device)}
    meta.update({"variance": config.variance} if config.kind == "ddpm" else {"eta": config.eta})
    if config.label is not None:
        meta.update({"label": config.label, "guidance": config.guidance})
    dtype = torch.float64 if config.kind == "flow" else torch.long  # a flow's t is in [0, 1]
    times = torch.tensor(ts + [0], dtype=dtype) if record else torch.tensor([ts[0], 0], dtype=dtype)
    return Trajectory(torch.stack(xs), torch.stack(preds), times, meta)


def ddpm_sample(model, schedule, shape, generator=None, variance: str = "beta", clip_x0: float | None = None,
                device="cpu", x_T=None, record: bool = True) -> Trajectory:
    """``sample`` with DDPM: a shorthand."""
    return sample(model, schedule, shape, SamplerConfig("ddpm", clip=clip_x0, variance=variance),
                  generator=generator, device=device, x_T=x_T, record=record)


def ddim_sample(model, schedule, shape, steps: int = 50, eta: float = 0.0, generator=None,
                clip_x0: float | None = None, device="cpu", x_T=None, record: bool = True) -> Trajectory:
    """``sample`` with DDIM: a shorthand."""
    return sample(model, schedule, shape, SamplerConfig("ddim", steps=steps, eta=eta, clip=clip_x0),
                  generator=generator, device=device, x_T=x_T, record=record)
