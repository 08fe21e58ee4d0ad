"""The training loop shared by every model: Ho et al. 2020, algorithm 1, with the
simple loss (eq. 14), AdamW with warm-up and cosine decay, an EMA of the weights and a
NaN guard; the same loop trains a flow's velocity (flow.py) and, with classes, a
conditional model for classifier-free guidance (Ho & Salimans 2022, algorithm 1).

    L_simple = E_{t, x_0, eps} || eps - eps_theta(sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps, t) ||^2
    L_flow   = E_{t, x_0, eps} || (eps - x_0) - v_theta((1 - t) x_0 + t eps, t) ||^2,  t ~ U(0, 1)
"""

from __future__ import annotations

import copy
import math
import time

import torch
from tqdm.auto import tqdm

from .flow import OBJECTIVES, LinearFlow
from .schedule import NoiseSchedule

__all__ = ["fit", "EMA", "TrainingDiverged", "lr_factor", "check_converged", "CheckpointClock", "drop_classes"]


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
    return tqdm(total=total, disable=not enabled, desc=desc, unit="step", leave=False)


def _noisy(x0: torch.Tensor, objective: str, abar: torch.Tensor, flow: LinearFlow, generator, device):
    """(x_t, the target, the network's clock) for a batch: t and eps drawn in that order."""
    if objective == "eps":
        t = torch.randint(1, flow.T + 1, (x0.shape[0],), generator=generator).to(device)
        eps = torch.randn(x0.shape, generator=generator).to(device)
        a = abar[t].view(-1, *([1] * (x0.ndim - 1)))  # (B, 1, ...)
        x_t = a.sqrt() * x0 + (1 - a).sqrt() * eps  # eq. 4, inline for speed
        return x_t, eps, t
    u = torch.rand(x0.shape[0], generator=generator).to(device)  # t ~ U(0, 1)
    eps = torch.randn(x0.shape, generator=generator).to(device)
    return flow.interpolate(x0, eps, u), flow.target(x0, eps), flow.clock(u).to(device)


def drop_classes(y: torch.Tensor, p: float, null_class: int, generator) -> torch.Tensor:
    """Ho & Salimans 2022, algorithm 1: each class replaced by "no class" with probability
    p (p_uncond)."""
    drop = (torch.rand(y.shape[0], generator=generator) < p).to(y.device)
    return torch.where(drop, torch.full_like(y, null_class), y)


def _loss(model, batch, objective: str, abar, flow: LinearFlow, generator, device, cond_drop: float,
          null_class: int | None) -> torch.Tensor:
    """The loss on one batch (x_0, or (x_0, classes)): eq. 14, or the flow's loss."""
    x0, y = batch if isinstance(batch, tuple) else (batch, None)
    x_t, target, t = _noisy(x0, objective, abar, flow, generator, device)
    if y is not None and cond_drop > 0:
        y = drop_classes(y, cond_drop, null_class, generator)
    out = model(x_t, t) if y is None else model(x_t, t, y)
    return torch.mean((target - out) ** 2)


def _finite(value: float, step: int, lr: float) -> float:
    if not math.isfinite(value):
        raise TrainingDiverged(f"the loss became {value} at step {step}; lower the learning rate "
                               f"(--lr, now {lr}) and train again")
    return value


class CheckpointClock:
    """Training time without the checkpoints' own: calls ``on_checkpoint(steps_done,
    train_seconds, ema_model)`` at 0 (if asked), every ``every`` steps, at each of
    ``marks`` and after the last step, and keeps its time out of the training time."""

    def __init__(self, on_checkpoint, ema: EMA, every: int, marks: set, steps: int):
        self.on_checkpoint, self.ema, self.every, self.marks, self.steps = on_checkpoint, ema, every, marks, steps
        self.start, self.paused = time.perf_counter(), 0.0

    def seconds(self) -> float:
        return time.perf_counter() - self.start - self.paused

    def due(self, done: int) -> bool:
        """Whether a checkpoint is called after ``done`` steps."""
        if self.on_checkpoint is None:
            return False
        if done == 0:
            return 0 in self.marks
        return bool((self.every and done % self.every == 0) or done == self.steps or done in self.marks)

    def checkpoint_at(self, done: int) -> None:
        if not self.due(done):
            return
        t0 = time.perf_counter()
        self.on_checkpoint(done, 0.0 if done == 0 else t0 - self.start - self.paused, self.ema.model)
        self.paused += time.perf_counter() - t0


def fit(model: torch.nn.Module, draw_batch, schedule: NoiseSchedule, steps: int, lr: float, ema_decay: float,
        generator: torch.Generator, device: str = "cpu", progress: bool = True, desc: str = "train", warmup: int = 0,
        on_checkpoint=None, every: int = 0, at_steps=(), objective: str = "eps", cond_drop: float = 0.0,
        null_class: int | None = None) -> tuple[torch.nn.Module, list[float], float]:
    """The training loop of Ho et al. 2020, algorithm 1, with the simple loss (eq. 14),
    or, with ``objective="velocity"``, flow matching's loss (flow.py).

    Args:
        model: eps_theta (or v_theta), on ``device``.
        draw_batch: draw_batch(step) -> a batch of x_0 on ``device``, or (x_0, classes)
            for a conditional model.
        generator: draws t and eps (and which classes are dropped), so a seed fixes the run.
        objective: "eps" (t in 1..T, the noise as target) or "velocity" (t ~ U(0, 1),
            eps - x_0 as target; the network is fed t * T).
        cond_drop: with classes, the probability that a batch element's class is replaced
            by ``null_class`` ("no class"): Ho & Salimans 2022, algorithm 1, p_uncond.
        warmup: steps of linear learning-rate warm-up before the cosine decay.
        on_checkpoint: on_checkpoint(steps_done, train_seconds, ema_model), every ``every``
            steps, at each of ``at_steps`` (0: before the first) and after the last (its
            time is not training time; it must not touch ``generator``).
    Returns:
        (the EMA model on the CPU, the smoothed loss every 50 steps, wall seconds).
    Raises:
        TrainingDiverged: the loss became NaN or infinite.
    """
    if objective not in OBJECTIVES:
        raise ValueError(f"unknown objective {objective!r}; valid: {', '.join(OBJECTIVES)}")
    if cond_drop and null_class is None:
        raise ValueError("dropping classes needs the index of 'no class' (null_class)")
    abar = schedule.alpha_bar.float().to(device)
    flow = LinearFlow(schedule.T)
    ema = EMA(model, ema_decay)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0, foreach=True)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: lr_factor(s, steps, warmup))
    clock = CheckpointClock(on_checkpoint, ema, every, set(at_steps), steps)
    history: list[float] = []
    running = 0.0
    clock.checkpoint_at(0)
    model.train()
    with _progress(steps, progress, desc) as bar:
        for step in range(steps):
            loss = _loss(model, draw_batch(step), objective, abar, flow, generator, device, cond_drop, null_class)
            value = _finite(loss.item(), step, lr)
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
            clock.checkpoint_at(step + 1)
    return ema.model.cpu().eval(), history, clock.seconds()
