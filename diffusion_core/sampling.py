"""Reverse process: DDPM ancestral sampling and DDIM, each recording every step.

Notation (Ho et al. 2020; Song et al. 2021, "Denoising Diffusion Implicit Models"):

    eps_theta(x_t, t) -> the model's noise prediction
    x0_pred           -> \\hat x_0 = (x_t - sqrt(1 - abar_t) eps_theta) / sqrt(abar_t)
    sigma_t           -> std of the noise added at step t
    eta               -> DDIM's interpolation: 0 deterministic, 1 DDPM-like
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from .schedule import NoiseSchedule

__all__ = ["Trajectory", "ddpm_sample", "ddim_sample", "DDPM_VARIANCES", "ddim_timesteps"]

DDPM_VARIANCES = ("beta", "posterior")


@dataclass
class Trajectory:
    """Every state of one sampling run, in the order it was produced.

    Attributes:
        xs: (K + 1, N, *shape) states, xs[0] = x_T (pure noise), xs[-1] = x_0.
        x0_preds: (K, N, *shape) the model's predicted x_0 at each of the K steps.
        timesteps: (K + 1,) the t of each state in xs: T, ..., 0.
        meta: how it was made (sampler, eta, variance, seed, ...).
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
        import ast

        path = Path(path)
        try:
            with np.load(path, allow_pickle=False) as data:
                return cls(
                    xs=torch.from_numpy(data["xs"]),
                    x0_preds=torch.from_numpy(data["x0_preds"]),
                    timesteps=torch.from_numpy(data["timesteps"]),
                    meta=ast.literal_eval(str(data["meta"])),
                )
        except (OSError, KeyError, ValueError, SyntaxError) as exc:
            raise ValueError(f"{path}: not a trajectory file ({exc})") from exc


def _noise(shape, generator: torch.Generator | None, device) -> torch.Tensor:
    # Drawn on the CPU so that a seed gives the same numbers on every device.
    return torch.randn(shape, generator=generator).to(device)


def _eps(model, x: torch.Tensor, t: int) -> torch.Tensor:
    tt = torch.full((x.shape[0],), t, device=x.device, dtype=torch.long)
    return model(x, tt).to(x.dtype)  # float32 even under bf16 autocast


@torch.no_grad()
def ddpm_sample(
    model: torch.nn.Module,
    schedule: NoiseSchedule,
    shape: tuple[int, ...],
    generator: torch.Generator | None = None,
    variance: str = "beta",
    clip_x0: float | None = None,
    device: str | torch.device = "cpu",
    x_T: torch.Tensor | None = None,
    record: bool = True,
) -> Trajectory:
    """Ancestral sampling, Ho et al. 2020, algorithm 2, recording every step.

    x_{t-1} = mu_tilde(x0_pred, x_t) + sigma_t z, which equals eq. 11's
    1/sqrt(alpha_t) (x_t - beta_t / sqrt(1 - abar_t) eps_theta) + sigma_t z.

    Args:
        model: eps_theta(x, t).
        schedule: the schedule the model was trained with.
        shape: (N, *data_shape) of the batch.
        generator: fixes x_T and every z.
        variance: "beta" (sigma_t^2 = beta_t) or "posterior" (sigma_t^2 = beta_tilde_t).
        clip_x0: clip the predicted x_0 to [-c, c] (images), or None.
        x_T: start from these states instead of fresh noise.
        record: keep every state (False keeps only x_T and x_0: large image batches).
    Returns:
        A Trajectory with T + 1 states (2 when not recording).
    """
    if variance not in DDPM_VARIANCES:
        raise ValueError(f"unknown variance {variance!r}; valid: {', '.join(DDPM_VARIANCES)}")
    model.eval()
    var_table = schedule.betas if variance == "beta" else schedule.posterior_variance
    x = _noise(shape, generator, device) if x_T is None else x_T.to(device)
    xs, preds = [x.cpu()], []
    for t in range(schedule.T, 0, -1):
        eps = _eps(model, x, t)
        x0 = schedule.predict_x0(x, t, eps)
        if clip_x0 is not None:
            x0 = x0.clamp(-clip_x0, clip_x0)
        mean, _ = schedule.posterior(x0, x, t)
        z = _noise(shape, generator, device)  # drawn every step: the stream stays aligned
        sigma = float(var_table[t]) ** 0.5 if t > 1 else 0.0
        x = mean + sigma * z
        if record or t == 1:
            xs.append(x.cpu())
            preds.append(x0.cpu())
    meta = {"sampler": "ddpm", "variance": variance, "T": schedule.T, "steps": schedule.T}
    times = torch.arange(schedule.T, -1, -1) if record else torch.tensor([schedule.T, 0])
    return Trajectory(torch.stack(xs), torch.stack(preds), times, meta)


def ddim_timesteps(T: int, steps: int) -> list[int]:
    """An evenly spaced sub-sequence tau of 1..T, descending, ending at t = 1."""
    if not 1 <= steps <= T:
        raise ValueError(f"DDIM steps must be in 1..{T}, got {steps}")
    taus = np.unique(np.round(np.linspace(1, T, steps)).astype(int))
    return [int(t) for t in taus[::-1]]


@torch.no_grad()
def ddim_sample(
    model: torch.nn.Module,
    schedule: NoiseSchedule,
    shape: tuple[int, ...],
    steps: int = 50,
    eta: float = 0.0,
    generator: torch.Generator | None = None,
    clip_x0: float | None = None,
    device: str | torch.device = "cpu",
    x_T: torch.Tensor | None = None,
    record: bool = True,
) -> Trajectory:
    """DDIM, Song et al. 2021 eq. 12, over a sub-sequence of ``steps`` timesteps.

    x_{t'} = sqrt(abar_{t'}) x0_pred + sqrt(1 - abar_{t'} - sigma^2) eps_theta + sigma z
    sigma  = eta sqrt((1 - abar_{t'}) / (1 - abar_t)) sqrt(1 - abar_t / abar_{t'})
    where t' is the next (smaller) timestep of the sub-sequence, and 0 after the last.

    Returns:
        A Trajectory with steps + 1 states; eta = 0 makes it deterministic given x_T.
    """
    if eta < 0:
        raise ValueError(f"eta must be >= 0, got {eta}")
    model.eval()
    taus = ddim_timesteps(schedule.T, steps)
    abar = schedule.alpha_bar
    x = _noise(shape, generator, device) if x_T is None else x_T.to(device)
    xs, preds = [x.cpu()], []
    for i, t in enumerate(taus):
        t_next = taus[i + 1] if i + 1 < len(taus) else 0
        eps = _eps(model, x, t)
        x0 = schedule.predict_x0(x, t, eps)
        if clip_x0 is not None:
            x0 = x0.clamp(-clip_x0, clip_x0)
            # keep eps consistent with the clipped x_0 (as diffusers does)
            eps = (x - abar[t].sqrt().item() * x0) / (1 - abar[t]).sqrt().item()
        a_t, a_next = float(abar[t]), float(abar[t_next])
        sigma = eta * ((1 - a_next) / (1 - a_t) * (1 - a_t / a_next)) ** 0.5
        dir_coef = max(1 - a_next - sigma**2, 0.0) ** 0.5
        x = a_next**0.5 * x0 + dir_coef * eps
        if eta > 0:
            x = x + sigma * _noise(shape, generator, device)
        if record or t_next == 0:
            xs.append(x.cpu())
            preds.append(x0.cpu())
    meta = {"sampler": "ddim", "eta": eta, "T": schedule.T, "steps": len(taus)}
    times = torch.tensor(taus + [0]) if record else torch.tensor([taus[0], 0])
    return Trajectory(torch.stack(xs), torch.stack(preds), times, meta)
