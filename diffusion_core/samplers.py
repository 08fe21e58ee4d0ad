"""Samplers as objects, in the manner of diffusers' schedulers: one class per sampler,
each owning its timesteps and its ``step``, and classifier-free guidance as a wrapper
around the model. ``sampling.sample`` is a short loop over one of these.

Notation (Ho et al. 2020; Song et al. 2021, "Denoising Diffusion Implicit Models"; Ho &
Salimans 2022, "Classifier-Free Diffusion Guidance"; flow.py for the flow):

    eps_theta(x_t, t) -> the model's noise prediction (``model_output``)
    eps_theta(x_t, t, c), eps_theta(x_t, t, null) -> with the class c, with "no class"
    w                 -> the guidance scale: eps = eps(x, null) + w (eps(x, c) - eps(x, null))
    x0_pred           -> \\hat x_0 = (x_t - sqrt(1 - abar_t) eps_theta) / sqrt(abar_t)
    sigma_t           -> std of the noise added at step t
    eta               -> DDIM's interpolation: 0 deterministic, 1 DDPM-like

The per-step arithmetic lives on NoiseSchedule (``ddpm_step``, ``ddim_step``) and on
LinearFlow (``euler_step``), next to their equations; a sampler decides which to call.

A sampler's settings are a frozen dataclass (hashable: a cache names a trajectory by
them); ``using(schedule)`` gives the same sampler bound to a schedule, which ``step``
needs. The command line's ``--sampler ddpm|ddim|flow`` is read in one place:
``make_sampler`` and its table ``SAMPLERS``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import ClassVar

import numpy as np
import torch

from .flow import LinearFlow
from .schedule import NoiseSchedule

__all__ = ["Sampler", "DDPM", "DDIM", "FlowEuler", "StepOutput", "Guidance", "SAMPLERS", "DDPM_VARIANCES", "MAX_GUIDANCE",
           "make_sampler", "ddim_timesteps", "check_model"]

DDPM_VARIANCES = ("beta", "posterior")
MAX_GUIDANCE = 100.0  # Ho & Salimans show w up to 5 (w_HS 4); past a few hundred the samples overflow


@dataclass(frozen=True)
class StepOutput:
    """One reverse step's result: x_{t_next} and the x_0 the model predicted at t."""

    prev_sample: torch.Tensor
    pred_x0: torch.Tensor


def noise(shape, generator: torch.Generator | None, device) -> torch.Tensor:
    """Standard normal noise, drawn on the CPU so that a seed gives the same numbers on
    every device."""
    return torch.randn(shape, generator=generator).to(device)


def _check_clip(clip) -> None:
    if clip is not None and not (isinstance(clip, (int, float)) and math.isfinite(clip) and clip > 0):
        raise ValueError(f"clip must be a positive number or None, got {clip}")


def _check_steps(steps) -> None:
    if not isinstance(steps, int) or isinstance(steps, bool) or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}")


@dataclass(frozen=True)
class Sampler:
    """What every sampler has: its name and the objective it needs, its timesteps, the
    clock the network is fed, one reverse ``step``, and names for caches and screens.

    Subclasses set ``name``, ``objective`` ("eps" or "velocity") and ``time_dtype`` and
    implement ``timesteps``, ``step`` and ``_count``."""

    name: ClassVar[str] = ""
    objective: ClassVar[str] = "eps"
    time_dtype: ClassVar[torch.dtype] = torch.long
    schedule: NoiseSchedule | None = field(default=None, compare=False, repr=False, kw_only=True)

    def using(self, schedule: NoiseSchedule) -> "Sampler":
        """This sampler bound to ``schedule`` (what ``step`` computes with)."""
        return replace(self, schedule=schedule)

    def timesteps(self, T: int) -> list:
        """The times the run visits, from the noise down to the last before 0."""
        raise NotImplementedError

    def clock(self, t, n: int, device) -> torch.Tensor:
        """What the network is fed for time t, for a batch of n: the integer t."""
        return torch.full((n,), t, device=device, dtype=torch.long)

    def step(self, model_output: torch.Tensor, t, t_next, x: torch.Tensor,
             generator: torch.Generator | None) -> StepOutput:
        """One reverse step from x_t to x_{t_next}, given the network's output at t."""
        raise NotImplementedError

    def n_steps(self, T: int) -> int:
        """How many steps a run takes with a schedule of T steps."""
        return len(self.timesteps(T))

    def meta(self) -> dict:
        """What a trajectory records of this sampler's settings."""
        return {"eta": 0.0}

    def key(self, T: int) -> str:
        """A file-name-safe summary for caches: 'ddpm-1000', 'ddim-50-eta1-clip1', 'flow-50'."""
        raise NotImplementedError

    def describe(self, T: int) -> str:
        """'DDPM (1000 steps)', 'DDIM (50 steps)', 'DDIM (50 steps, eta = 1)', 'Flow (50 steps)'."""
        raise NotImplementedError

    def _x0(self, model_output: torch.Tensor, t, x: torch.Tensor, clip) -> torch.Tensor:
        """x0_hat from a noise prediction (eq. 4 inverted), clipped to [-clip, clip]."""
        x0 = self.schedule.predict_x0(x, t, model_output)
        return x0 if clip is None else x0.clamp(-clip, clip)


@dataclass(frozen=True)
class DDPM(Sampler):
    """Ho et al. 2020, algorithm 2: every one of the T steps, x_{t-1} = mu_tilde(x0_hat,
    x_t) + sigma_t z. A fresh z is drawn at every step (also the last, whose sigma is 0),
    so that the noise stream stays aligned.

    Attributes:
        variance: sigma_t^2 = beta_t ("beta") or the posterior's beta_tilde_t ("posterior").
        clip: clip the predicted x_0 to [-clip, clip] (images), or None.
    """

    name: ClassVar[str] = "ddpm"
    variance: str = "beta"
    clip: float | None = None

    def __post_init__(self) -> None:
        if self.variance not in DDPM_VARIANCES:
            raise ValueError(f"unknown variance {self.variance!r}; valid: {', '.join(DDPM_VARIANCES)}")
        _check_clip(self.clip)

    def timesteps(self, T: int) -> list:
        return list(range(T, 0, -1))

    def step(self, model_output, t, t_next, x, generator) -> StepOutput:
        x0 = self._x0(model_output, t, x, self.clip)
        z = noise(x.shape, generator, x.device)
        return StepOutput(self.schedule.ddpm_step(x0, x, t, z, self.variance), x0)

    def meta(self) -> dict:
        return {"variance": self.variance}

    def key(self, T: int) -> str:
        parts = [self.name, str(T)] + ([f"clip{self.clip:g}"] if self.clip is not None else [])
        return "-".join(parts + ([self.variance] if self.variance != "beta" else []))

    def describe(self, T: int) -> str:
        return f"DDPM ({T} steps)"


@dataclass(frozen=True)
class DDIM(Sampler):
    """Song et al. 2021, eq. 12, over ``steps`` evenly spaced timesteps; z only when
    eta > 0. With a clipped x_0, the noise is recomputed to agree with it (as diffusers'
    DDIM does).

    Attributes:
        steps: the number of timesteps.
        eta: 0 (deterministic) to 1 (DDPM-like).
        clip: clip the predicted x_0 to [-clip, clip] (images), or None.
    """

    name: ClassVar[str] = "ddim"
    steps: int = 50
    eta: float = 0.0
    clip: float | None = None

    def __post_init__(self) -> None:
        _check_steps(self.steps)
        if not (isinstance(self.eta, (int, float)) and math.isfinite(self.eta) and self.eta >= 0):
            raise ValueError(f"eta must be a finite number >= 0, got {self.eta}")
        _check_clip(self.clip)

    def timesteps(self, T: int) -> list:
        return ddim_timesteps(T, self.steps)

    def step(self, model_output, t, t_next, x, generator) -> StepOutput:
        x0 = self._x0(model_output, t, x, self.clip)
        eps = model_output if self.clip is None else self.schedule.eps_from_x0(x, t, x0)
        z = noise(x.shape, generator, x.device) if self.eta > 0 else None
        return StepOutput(self.schedule.ddim_step(x0, eps, t, t_next, self.eta, z), x0)

    def meta(self) -> dict:
        return {"eta": self.eta}

    def key(self, T: int) -> str:
        parts = [self.name, str(self.steps)] + ([f"eta{self.eta:g}"] if self.eta else [])
        return "-".join(parts + ([f"clip{self.clip:g}"] if self.clip is not None else []))

    def describe(self, T: int) -> str:
        extra = f", eta = {self.eta:g}" if self.eta != 0 else ""
        return f"DDIM ({self.steps} steps{extra})"


@dataclass(frozen=True)
class FlowEuler(Sampler):
    """A flow-matching model's velocity integrated by ``steps`` Euler steps from t = 1 to
    0 (flow.py): no noise, no schedule. The recorded times are t in [0, 1]; the network's
    clock is t T; the predicted x_0 is x_t - t v."""

    name: ClassVar[str] = "flow"
    objective: ClassVar[str] = "velocity"
    time_dtype: ClassVar[torch.dtype] = torch.float64  # a flow's t is in [0, 1]
    steps: int = 50

    def __post_init__(self) -> None:
        _check_steps(self.steps)

    def timesteps(self, T: int) -> list:
        return LinearFlow.times(self.steps)[:-1]  # 1, ..., the last before 0

    def clock(self, t, n: int, device) -> torch.Tensor:
        return torch.full((n,), float(t) * self.schedule.T, device=device)  # the network's clock: t * T

    def step(self, model_output, t, t_next, x, generator) -> StepOutput:
        return StepOutput(LinearFlow.euler_step(x, model_output, t, t_next), LinearFlow.predict_x0(x, model_output, t))

    def key(self, T: int) -> str:
        return f"{self.name}-{self.steps}"

    def describe(self, T: int) -> str:
        return f"Flow ({self.steps} steps)"


SAMPLERS: dict[str, type[Sampler]] = {cls.name: cls for cls in (DDPM, DDIM, FlowEuler)}


def make_sampler(name: str, steps: int = 50, eta: float = 0.0, clip: float | None = None,
                 variance: str = "beta") -> Sampler:
    """The sampler a name stands for (``--sampler``), with the options that apply to it;
    an option given to a sampler that takes none is refused.

    Raises:
        ValueError: an unknown name, an option the sampler does not take, a bad value.
    """
    if name not in SAMPLERS:
        raise ValueError(f"unknown sampler {name!r}; valid: {', '.join(SAMPLERS)}")
    if eta != 0 and SAMPLERS[name] is not DDIM:
        raise ValueError(f"eta is DDIM's parameter; {name} takes none (got eta = {eta:g})")
    if clip is not None and SAMPLERS[name] is FlowEuler:
        raise ValueError("clip is for the diffusion samplers' predicted x_0; the flow takes none")
    if SAMPLERS[name] is DDPM:
        return DDPM(variance=variance, clip=clip)
    if SAMPLERS[name] is DDIM:
        return DDIM(steps=steps, eta=eta, clip=clip)
    return FlowEuler(steps=steps)


def ddim_timesteps(T: int, steps: int) -> list[int]:
    """An evenly spaced sub-sequence tau of 1..T, descending, from T to t = 1 (one step:
    T alone, a single jump from the noise to x_0)."""
    if not 1 <= steps <= T:
        raise ValueError(f"DDIM steps must be in 1..{T}, got {steps}")
    if steps == 1:
        return [T]
    taus = np.unique(np.round(np.linspace(1, T, steps)).astype(int))
    return [int(t) for t in taus[::-1]]


def _net(model, x: torch.Tensor, clock: torch.Tensor, label: int | None) -> torch.Tensor:
    """The network at one time: with the class ``label``, or with none (a conditional
    network's "no class", an unconditional network as it is)."""
    if label is None:
        return model(x, clock).to(x.dtype)  # float32 even under bf16 autocast
    y = torch.full((x.shape[0],), label, device=x.device, dtype=torch.long)
    return model(x, clock, y).to(x.dtype)


@dataclass(frozen=True)
class Guidance:
    """Classifier-free guidance toward the class ``label`` with scale ``w``.

    Ho & Salimans 2022, eq. 6, written with w = 1 + w_HS (as diffusers does):
    eps = eps(x, t, null) + w (eps(x, t, c) - eps(x, t, null)). w = 0 is the
    unconditional model and w = 1 the conditional one: each takes one evaluation and
    gives exactly what that model alone gives."""

    label: int
    w: float = 1.0

    def __post_init__(self) -> None:
        if not isinstance(self.label, int) or isinstance(self.label, bool) or self.label < 0:
            raise ValueError(f"the class must be an integer >= 0, got {self.label!r}")
        if not (isinstance(self.w, (int, float)) and math.isfinite(self.w) and 0 <= self.w <= MAX_GUIDANCE):
            raise ValueError(f"the guidance scale must be a finite number from 0 to {MAX_GUIDANCE:g}, got {self.w}")

    @property
    def evaluations(self) -> int:
        """Network evaluations a step takes: two when guided (w not 0 or 1)."""
        return 1 if self.w in (0, 1) else 2

    def key(self) -> str:
        """'c0' (w = 1), 'c0-w3'."""
        return f"c{self.label}" + (f"-w{self.w:g}" if self.w != 1 else "")

    def meta(self) -> dict:
        return {"label": self.label, "guidance": self.w}

    def wrap(self, model):
        """The guided network: (x, clock) -> its guided prediction."""
        def guided(x: torch.Tensor, clock: torch.Tensor) -> torch.Tensor:
            if self.w == 0:
                return _net(model, x, clock, None)
            cond = _net(model, x, clock, self.label)
            if self.w == 1:
                return cond
            uncond = _net(model, x, clock, None)
            return uncond + self.w * (cond - uncond)

        return guided


def unguided(model):
    """The network as it is: (x, clock) -> its prediction, in x's dtype."""
    return lambda x, clock: _net(model, x, clock, None)


def check_model(model, sampler: Sampler, guidance: Guidance | None = None) -> None:
    """Refuse a sampler the model was not trained for, and a class it does not know.

    Raises:
        ValueError: a flow-matching model asked for DDPM or DDIM (or the other way
            round), a class given to a model without classes, or one beyond its classes.
    """
    objective = getattr(model, "objective", "eps")
    if objective != sampler.objective:
        trained = ("by flow matching (it predicts a velocity): sample it with the flow sampler"
                   if objective == "velocity" else "to predict the noise: sample it with ddpm or ddim")
        raise ValueError(f"this model was trained {trained}, not {sampler.name}")
    if guidance is None:
        return
    n_classes = getattr(getattr(model, "config", None), "n_classes", 0) or 0
    if not n_classes:
        raise ValueError("this model has no classes (it was trained without them): sample it without a class")
    if guidance.label >= n_classes:
        raise ValueError(f"this model knows the classes 0..{n_classes - 1}, not {guidance.label}")
