"""Noise schedules and every formula of the forward process.

Notation (Ho et al. 2020, "Denoising Diffusion Probabilistic Models"):

    betas       -> beta_t              variance added at step t
    alphas      -> alpha_t = 1 - beta_t
    alpha_bar   -> \\bar\\alpha_t = prod_{s<=t} alpha_s
    q_step      -> q(x_t | x_{t-1}) = N(sqrt(alpha_t) x_{t-1}, beta_t I)        (eq. 2)
    q_sample    -> q(x_t | x_0) = N(sqrt(alpha_bar_t) x_0, (1 - alpha_bar_t) I) (eq. 4)
    posterior   -> q(x_{t-1} | x_t, x_0) = N(mu_tilde, beta_tilde I)            (eqs. 6-7)

Timesteps are 1-based as in the paper: t = 1..T. Index 0 of every array is the
"no noise" entry (beta_0 = 0, alpha_bar_0 = 1), so ``alpha_bar[t]`` reads like the
paper. The schedule never mutates itself: tensors handed out are fresh copies on the
caller's device and dtype.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

__all__ = ["NoiseSchedule", "ScheduleConfig", "SCHEDULE_KINDS"]

SCHEDULE_KINDS = ("linear", "cosine")


@dataclass(frozen=True)
class ScheduleConfig:
    """What is needed to rebuild a schedule: its kind and number of steps."""

    kind: str = "linear"
    T: int = 1000

    def __post_init__(self) -> None:
        if self.kind not in SCHEDULE_KINDS:
            raise ValueError(
                f"unknown schedule {self.kind!r}; valid: {', '.join(SCHEDULE_KINDS)}"
            )
        if not isinstance(self.T, int) or self.T < 1:
            raise ValueError(f"T must be a positive integer, got {self.T!r}")

    def build(self) -> "NoiseSchedule":
        return NoiseSchedule.from_config(self)


class NoiseSchedule:
    """A variance schedule beta_1..beta_T and the formulas that use it.

    Build it with :meth:`linear` or :meth:`cosine`. All arrays are float64 tensors of
    length T + 1 with a padding entry at index 0 (beta_0 = 0, alpha_bar_0 = 1).
    """

    def __init__(self, betas: torch.Tensor, config: ScheduleConfig):
        betas = torch.as_tensor(betas, dtype=torch.float64).flatten()
        if betas.numel() != config.T:
            raise ValueError(f"expected {config.T} betas, got {betas.numel()}")
        if not bool(((betas > 0) & (betas < 1)).all()):
            raise ValueError("every beta_t must lie in (0, 1)")
        self.config = config
        self.T = config.T
        zero = torch.zeros(1, dtype=torch.float64)
        self.betas = torch.cat([zero, betas])  # (T+1,), betas[0] = 0
        self.alphas = 1.0 - self.betas  # alpha_t = 1 - beta_t
        self.alpha_bar = torch.cumprod(self.alphas, dim=0)  # alpha_bar[0] = 1
        # Ho et al. 2020, eq. 7: beta_tilde_t = (1 - abar_{t-1}) / (1 - abar_t) beta_t
        abar_prev = torch.cat([torch.ones(1, dtype=torch.float64), self.alpha_bar[:-1]])
        self.alpha_bar_prev = abar_prev
        self.posterior_variance = torch.zeros_like(self.betas)
        self.posterior_variance[1:] = (
            (1.0 - abar_prev[1:]) / (1.0 - self.alpha_bar[1:]) * self.betas[1:]
        )

    # ----------------------------------------------------------------- constructors
    @classmethod
    def linear(cls, T: int = 1000, beta_start: float = 1e-4, beta_end: float = 0.02):
        """Ho et al. 2020: betas linear from 1e-4 to 0.02 at T = 1000.

        For another T the endpoints are scaled by 1000 / T (as in improved-diffusion's
        ``get_named_beta_schedule``), so that the total noise added, and alpha_bar_T,
        stay close to those of the T = 1000 schedule.
        """
        config = ScheduleConfig("linear", T)
        scale = 1000.0 / T
        start, end = beta_start * scale, min(beta_end * scale, 0.999)
        betas = torch.linspace(start, end, T, dtype=torch.float64)
        return cls(betas, config)

    @classmethod
    def cosine(cls, T: int = 1000, s: float = 0.008, max_beta: float = 0.999):
        """Nichol & Dhariwal 2021, eq. 17: abar_t = f(t) / f(0), f(t) = cos^2(...).

        beta_t = 1 - abar_t / abar_{t-1}, clipped at ``max_beta`` as in the paper.
        """
        config = ScheduleConfig("cosine", T)
        t = torch.arange(T + 1, dtype=torch.float64)
        f = torch.cos(((t / T) + s) / (1 + s) * math.pi / 2) ** 2
        abar = f / f[0]
        betas = (1 - abar[1:] / abar[:-1]).clamp(max=max_beta)
        return cls(betas, config)

    @classmethod
    def from_config(cls, config: ScheduleConfig) -> "NoiseSchedule":
        return getattr(cls, config.kind)(config.T)

    def __repr__(self) -> str:
        return f"NoiseSchedule(kind={self.config.kind!r}, T={self.T})"

    # ------------------------------------------------------------------ helpers
    def _at(self, values: torch.Tensor, t, like: torch.Tensor) -> torch.Tensor:
        """values[t] shaped to broadcast against ``like`` (B, ...), on its device."""
        t = torch.as_tensor(t, device=values.device, dtype=torch.long)
        if bool(((t < 0) | (t > self.T)).any()):
            raise ValueError(f"timestep out of range 0..{self.T}: {t.tolist()}")
        out = values[t].to(device=like.device, dtype=like.dtype)
        if out.ndim == 0:
            return out
        return out.view(-1, *([1] * (like.ndim - 1)))  # (B, 1, ..., 1)

    def snr(self, t) -> torch.Tensor:
        """Signal-to-noise ratio abar_t / (1 - abar_t) (Kingma et al. 2021)."""
        t = torch.as_tensor(t, dtype=torch.long)
        abar = self.alpha_bar[t]
        return abar / (1.0 - abar)

    # ------------------------------------------------------------ forward process
    def q_step(self, x_prev: torch.Tensor, t, eps: torch.Tensor) -> torch.Tensor:
        """One forward step, Ho et al. 2020 eq. 2: q(x_t | x_{t-1}).

        x_t = sqrt(1 - beta_t) x_{t-1} + sqrt(beta_t) eps, with eps ~ N(0, I).
        """
        beta = self._at(self.betas, t, x_prev)
        return torch.sqrt(1.0 - beta) * x_prev + torch.sqrt(beta) * eps

    def q_sample(self, x0: torch.Tensor, t, eps: torch.Tensor) -> torch.Tensor:
        """The closed form, Ho et al. 2020 eq. 4: q(x_t | x_0) (reparametrization).

        x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps, with eps ~ N(0, I).
        """
        abar = self._at(self.alpha_bar, t, x0)
        return torch.sqrt(abar) * x0 + torch.sqrt(1.0 - abar) * eps

    def forward_chain(
        self, x0: torch.Tensor, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """Run q(x_t | x_{t-1}) step by step from x_0 to x_T and record every state.

        Returns:
            A tensor of shape (T + 1, *x0.shape): entry t holds x_t.
        """
        states = torch.empty((self.T + 1, *x0.shape), dtype=x0.dtype)
        states[0] = x0
        x = x0
        for t in range(1, self.T + 1):
            eps = torch.randn(x0.shape, generator=generator, dtype=x0.dtype)
            x = self.q_step(x, t, eps)
            states[t] = x
        return states

    # ------------------------------------------------------------ reverse helpers
    def predict_x0(self, x_t: torch.Tensor, t, eps: torch.Tensor) -> torch.Tensor:
        """Invert eq. 4 for x_0: x_0 = (x_t - sqrt(1 - abar_t) eps) / sqrt(abar_t)."""
        abar = self._at(self.alpha_bar, t, x_t)
        return (x_t - torch.sqrt(1.0 - abar) * eps) / torch.sqrt(abar)

    def eps_from_x0(self, x_t: torch.Tensor, t: int, x0: torch.Tensor) -> torch.Tensor:
        """Eq. 4 solved for eps: (x_t - sqrt(abar_t) x_0) / sqrt(1 - abar_t) (for a clipped
        x_0, the noise consistent with it, as diffusers' DDIM does)."""
        abar = self.alpha_bar[t]
        return (x_t - abar.sqrt().item() * x0) / (1 - abar).sqrt().item()

    def score_from_eps(self, eps: torch.Tensor, t) -> torch.Tensor:
        """The score of q(x_t) from a noise prediction: grad log q(x_t) =
        -eps / sqrt(1 - abar_t) (Vincent 2011; Song et al. 2021, eq. 3 with eq. 4's
        Gaussian): a network trained on eq. 14 predicts a scaled score."""
        abar = self._at(self.alpha_bar, t, eps)
        return -eps / torch.sqrt(1.0 - abar)

    def gaussian_score(self, x_t: torch.Tensor, t, mean: torch.Tensor, std: float) -> torch.Tensor:
        """The exact score of q(x_t) when the data is N(mean, std^2 I): q(x_t) is then
        N(sqrt(abar_t) mean, (abar_t std^2 + 1 - abar_t) I), whose score is
        (sqrt(abar_t) mean - x_t) / (abar_t std^2 + 1 - abar_t)."""
        abar = self._at(self.alpha_bar, t, x_t)
        mean = torch.as_tensor(mean, dtype=x_t.dtype, device=x_t.device)
        return (torch.sqrt(abar) * mean - x_t) / (abar * std**2 + 1.0 - abar)

    # ------------------------------------------------------------ reverse steps
    def ddpm_sigma(self, t: int, variance: str = "beta") -> float:
        """sigma_t of ancestral sampling: sqrt(beta_t) ("beta") or sqrt(beta_tilde_t)
        ("posterior"), Ho et al. 2020 section 3.2; 0 at the last step, t = 1."""
        table = self.betas if variance == "beta" else self.posterior_variance
        return float(table[t]) ** 0.5 if t > 1 else 0.0

    def ddpm_step(self, x0: torch.Tensor, x_t: torch.Tensor, t: int, z: torch.Tensor,
                  variance: str = "beta") -> torch.Tensor:
        """x_{t-1} = mu_tilde(x0_hat, x_t) + sigma_t z (algorithm 2; with the unclipped
        x0_hat this is eq. 11's 1/sqrt(alpha_t) (x_t - beta_t / sqrt(1 - abar_t) eps) + sigma_t z)."""
        mean, _ = self.posterior(x0, x_t, t)
        return mean + self.ddpm_sigma(t, variance) * z

    def ddim_sigma(self, t: int, t_next: int, eta: float) -> float:
        """Song et al. 2021, eq. 16 times eta:
        sigma = eta sqrt((1 - abar_{t'}) / (1 - abar_t)) sqrt(1 - abar_t / abar_{t'})."""
        a_t, a_next = float(self.alpha_bar[t]), float(self.alpha_bar[t_next])
        return eta * ((1 - a_next) / (1 - a_t) * (1 - a_t / a_next)) ** 0.5

    def ddim_step(self, x0: torch.Tensor, eps: torch.Tensor, t: int, t_next: int, eta: float,
                  z: torch.Tensor | None) -> torch.Tensor:
        """Song et al. 2021, eq. 12, from t to the smaller t' = ``t_next``:
        x_{t'} = sqrt(abar_{t'}) x0_hat + sqrt(1 - abar_{t'} - sigma^2) eps + sigma z."""
        a_next = float(self.alpha_bar[t_next])
        sigma = self.ddim_sigma(t, t_next, eta)
        dir_coef = max(1 - a_next - sigma**2, 0.0) ** 0.5
        x = a_next**0.5 * x0 + dir_coef * eps
        if eta > 0:
            x = x + sigma * z
        return x

    def posterior(self, x0: torch.Tensor, x_t: torch.Tensor, t):
        """q(x_{t-1} | x_t, x_0), Ho et al. 2020 eqs. 6-7.

        mu_tilde = sqrt(abar_{t-1}) beta_t / (1 - abar_t) x_0
                 + sqrt(alpha_t) (1 - abar_{t-1}) / (1 - abar_t) x_t
        beta_tilde = (1 - abar_{t-1}) / (1 - abar_t) beta_t

        Returns:
            (mean, variance): the mean has x_t's shape, the variance broadcasts to it.
        """
        beta = self._at(self.betas, t, x_t)
        alpha = self._at(self.alphas, t, x_t)
        abar = self._at(self.alpha_bar, t, x_t)
        abar_prev = self._at(self.alpha_bar_prev, t, x_t)
        coef_x0 = torch.sqrt(abar_prev) * beta / (1.0 - abar)
        coef_xt = torch.sqrt(alpha) * (1.0 - abar_prev) / (1.0 - abar)
        mean = coef_x0 * x0 + coef_xt * x_t
        variance = self._at(self.posterior_variance, t, x_t)
        return mean, variance
