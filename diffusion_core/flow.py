"""Flow matching on the straight path between data and noise: the interpolation, the
velocity a network learns, and the Euler step that integrates it back.

Notation (Lipman et al. 2023, "Flow Matching for Generative Modeling", sec. 4.1, the
optimal-transport path with sigma_min = 0; Liu et al. 2023, "Flow Straight and Fast",
eq. 1, rectified flow). Time runs as in this project's diffusion: t = 0 is the data,
t = 1 the noise.

    x_0      -> a data point            eps -> N(0, I) noise
    x_t      -> (1 - t) x_0 + t eps     the straight path, t in [0, 1]
    v        -> dx_t / dt = eps - x_0   the target velocity (conditional on x_0 and eps)
    v_theta  -> the network's velocity; learns E[eps - x_0 | x_t] (the marginal field)
    Euler    -> x_{t'} = x_t + (t' - t) v_theta(x_t, t), t' < t, from t = 1 to 0

The network's clock is the diffusion's: it is fed t * T (T = the schedule's length),
so the same network and time embedding serve both objectives.
"""

from __future__ import annotations

import torch

__all__ = ["LinearFlow", "OBJECTIVES"]

OBJECTIVES = ("eps", "velocity")  # what a network predicts: DDPM's noise, or a flow's velocity


class LinearFlow:
    """The straight path x_t = (1 - t) x_0 + t eps and the formulas that use it. It holds
    no state; ``T`` is the clock the network reads (t * T)."""

    def __init__(self, T: int = 1000):
        self.T = T

    @staticmethod
    def interpolate(x0: torch.Tensor, eps: torch.Tensor, t) -> torch.Tensor:
        """x_t = (1 - t) x_0 + t eps (Lipman et al. 2023, the OT path with sigma_min = 0;
        Liu et al. 2023, eq. 1, with t reversed). ``t`` a number or (B,), broadcast."""
        t = _column(t, x0)
        return (1 - t) * x0 + t * eps

    @staticmethod
    def target(x0: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
        """The conditional velocity d x_t / dt = eps - x_0, what the loss regresses on:
        L = E_{t, x_0, eps} || (eps - x_0) - v_theta(x_t, t) ||^2."""
        return eps - x0

    @staticmethod
    def euler_step(x: torch.Tensor, v: torch.Tensor, t: float, t_next: float) -> torch.Tensor:
        """One Euler step of dx/dt = v from t to the smaller t_next: x + (t_next - t) v."""
        return x + (t_next - t) * v

    @staticmethod
    def predict_x0(x: torch.Tensor, v: torch.Tensor, t) -> torch.Tensor:
        """The data point the straight line through x_t with velocity v starts from:
        x_0 = x_t - t v (exact for the conditional path, where v = eps - x_0)."""
        return x - _column(t, x) * v

    @staticmethod
    def times(steps: int) -> list[float]:
        """The Euler grid from t = 1 to 0 in ``steps`` equal steps: steps + 1 times."""
        if not isinstance(steps, int) or steps < 1:
            raise ValueError(f"steps must be a positive integer, got {steps!r}")
        return [1.0 - i / steps for i in range(steps)] + [0.0]

    def clock(self, t) -> torch.Tensor:
        """What the network is fed for time t: t * T (the diffusion's 0..T)."""
        return torch.as_tensor(t, dtype=torch.float32) * self.T

    @staticmethod
    def gaussian_velocity(x: torch.Tensor, t, mean, std: float) -> torch.Tensor:
        """The exact marginal velocity when the data is N(mean, std^2 I): x_t is then
        N((1 - t) mean, s_t^2 I) with s_t^2 = (1 - t)^2 std^2 + t^2, and
        E[eps - x_0 | x_t] = (t - (1 - t) std^2) / s_t^2 (x_t - (1 - t) mean) - mean
        (Gaussian conditioning: Cov(eps, x_t) = t I, Cov(x_0, x_t) = (1 - t) std^2 I)."""
        t = _column(t, x)
        mean = torch.as_tensor(mean, dtype=x.dtype, device=x.device)
        var = (1 - t) ** 2 * std**2 + t**2
        return (t - (1 - t) * std**2) / var * (x - (1 - t) * mean) - mean


def _column(t, like: torch.Tensor) -> torch.Tensor:
    """t as a number, or (B,) shaped (B, 1, ...) against ``like``."""
    t = torch.as_tensor(t, dtype=like.dtype, device=like.device)
    return t if t.ndim == 0 else t.view(-1, *([1] * (like.ndim - 1)))
