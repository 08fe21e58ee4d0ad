"""The training loop shared by every model: Ho et al. 2020, algorithm 1, with the
simple loss (eq. 14), AdamW with warm-up and cosine decay, an EMA of the weights and a
NaN guard.

    L_simple = E_{t, x_0, eps} || eps - eps_theta(sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps, t) ||^2
"""

from __future__ import annotations

import copy
import math
import time

import torch

from .schedule import NoiseSchedule

__all__ = ["fit", "EMA", "TrainingDiverged", "lr_factor", "check_converged"]


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite (or, for a toy run, far above where it started)."""


DIVERGED_LOSS_FACTOR = 10.0  # a final loss this many times the first (at least 1) means the run blew up


def check_converged(history: list[float], lr: float, what: str = "loss") -> None:
    """Refuse a run whose smoothed loss ended far above where it started (the NaN guard
    catches only non-finite values; a run at a huge learning rate ends at 1e17).

    Raises:
        TrainingDiverged: with what to change.
    """
    if not history:
        return
    first, last = history[0], history[-1]
    if last > DIVERGED_LOSS_FACTOR * max(first, 1.0):
        raise TrainingDiverged(
            f"the run diverged: the final {what} {last:.3g} is far above the first ({first:.3g}); "
            f"lower the learning rate (--lr, now {lr:g}) and train again, or keep the result anyway with --force"
        )


def lr_factor(step: int, steps: int, warmup: int) -> float:
    """Linear warm-up over ``warmup`` steps, then cosine decay to 5% at ``steps``."""
    if step < warmup:
        return (step + 1) / warmup
    return 0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(steps - warmup, 1)))


class EMA:
    """Exponential moving average of the weights, with the usual warm-up."""

    def __init__(self, model: torch.nn.Module, decay: float):
        self.model = copy.deepcopy(model).eval()
        self.decay = decay
        for p in self.model.parameters():
            p.requires_grad_(False)

    @torch.no_grad()
    def update(self, model: torch.nn.Module, step: int) -> None:
        d = min(self.decay, (1 + step) / (10 + step))
        torch._foreach_lerp_(list(self.model.parameters()), list(model.parameters()), 1 - d)


def _progress(total: int, enabled: bool, desc: str):
    from tqdm.auto import tqdm

    return tqdm(total=total, disable=not enabled, desc=desc, unit="step", leave=False)


def fit(
    model: torch.nn.Module,
    draw_batch,
    schedule: NoiseSchedule,
    steps: int,
    lr: float,
    ema_decay: float,
    generator: torch.Generator,
    device: str = "cpu",
    progress: bool = True,
    desc: str = "train",
    warmup: int = 0,
    on_checkpoint=None,
    every: int = 0,
    at_steps=(),
) -> tuple[torch.nn.Module, list[float], float]:
    """The training loop of Ho et al. 2020, algorithm 1, with the simple loss (eq. 14).

    Args:
        model: eps_theta, on ``device``.
        draw_batch: draw_batch(step) -> a batch of x_0 on ``device``.
        generator: draws t and eps, so a seed fixes the run.
        warmup: steps of linear learning-rate warm-up before the cosine decay.
        on_checkpoint: on_checkpoint(steps_done, train_seconds, ema_model) is called every
            ``every`` steps, at each of ``at_steps`` (0: before the first step) and after
            the last; its own time is not counted as training time, and it must not
            touch ``generator`` (it would change the run).
    Returns:
        (the EMA model on the CPU, the smoothed loss every 50 steps, wall seconds).
    Raises:
        TrainingDiverged: the loss became NaN or infinite.
    """
    abar = schedule.alpha_bar.float().to(device)
    ema = EMA(model, ema_decay)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0, foreach=True)

    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: lr_factor(s, steps, warmup))
    history: list[float] = []
    running = 0.0
    paused = 0.0  # seconds spent in on_checkpoint
    marks = set(at_steps)
    start = time.perf_counter()
    if on_checkpoint is not None and 0 in marks:
        on_checkpoint(0, 0.0, ema.model)
        paused += time.perf_counter() - start
    model.train()
    with _progress(steps, progress, desc) as bar:
        for step in range(steps):
            x0 = draw_batch(step)
            t = torch.randint(1, schedule.T + 1, (x0.shape[0],), generator=generator).to(device)
            eps = torch.randn(x0.shape, generator=generator).to(device)
            a = abar[t].view(-1, *([1] * (x0.ndim - 1)))  # (B, 1, ...)
            x_t = a.sqrt() * x0 + (1 - a).sqrt() * eps  # eq. 4, inline for speed
            loss = torch.mean((eps - model(x_t, t)) ** 2)  # eq. 14
            value = loss.item()
            if not math.isfinite(value):
                raise TrainingDiverged(
                    f"the loss became {value} at step {step}; lower the learning rate "
                    f"(--lr, now {lr}) and train again"
                )
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            ema.update(model, step)
            running = value if step == 0 else 0.98 * running + 0.02 * value
            if step % 50 == 0 or step == steps - 1:
                history.append(running)
                bar.set_postfix(loss=f"{running:.4f}")
            bar.update(1)
            if on_checkpoint is not None and ((every and (step + 1) % every == 0) or step == steps - 1
                                              or step + 1 in marks):
                t0 = time.perf_counter()
                on_checkpoint(step + 1, t0 - start - paused, ema.model)
                paused += time.perf_counter() - t0
    return ema.model.cpu().eval(), history, time.perf_counter() - start - paused
