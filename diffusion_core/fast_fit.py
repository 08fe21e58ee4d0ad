"""The training loop of :func:`diffusion_core.training.fit`, made fast for a GPU.

The same algorithm (Ho et al. 2020, algorithm 1, the simple loss of eq. 14, AdamW with
warm-up and cosine decay, the same EMA), arranged so that the GPU never waits for
Python:

- the batch, t and eps are drawn on the device by a device generator (no host-to-device
  copy, no sync); the CPU loop draws them on the CPU so that a seed gives the same run
  on every machine, so the two loops train on different random numbers;
- the loss is read back only every ``check_every`` steps (the NaN guard and the loss
  history are computed from a device buffer), not after every step;
- optionally: bf16 autocast for the network (``amp``), channels-last tensors,
  ``torch.compile`` of the loss (forward and backward), and CUDA graphs
  (``compile_mode="reduce-overhead"``) so that one step is a few graph launches;
- a fused AdamW and a foreach EMA.

It runs on the CPU too (the tests use it there without compilation).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import torch
from torch.nn import functional as F

from .schedule import NoiseSchedule
from .training import EMA, TrainingDiverged, lr_factor

__all__ = ["FastOptions", "fit_fast", "COMPILE_MODES"]

COMPILE_MODES = ("none", "default", "reduce-overhead", "max-autotune-no-cudagraphs")


@dataclass(frozen=True)
class FastOptions:
    """How the fast loop runs (not what it trains: a run's result does not depend on
    these beyond floating-point rounding).

    Attributes:
        amp: bf16 autocast for the network's forward and backward.
        channels_last: NHWC tensors (faster convolutions on tensor cores).
        compile_mode: "none", or a ``torch.compile`` mode; "reduce-overhead" adds CUDA graphs.
        check_every: steps between two reads of the loss (the NaN guard's granularity).
    """

    amp: bool = True
    channels_last: bool = True
    compile_mode: str = "reduce-overhead"
    check_every: int = 200

    def __post_init__(self) -> None:
        if self.compile_mode not in COMPILE_MODES:
            raise ValueError(f"unknown compile mode {self.compile_mode!r}; valid: {', '.join(COMPILE_MODES)}")
        if self.check_every < 1:
            raise ValueError(f"check_every must be positive, got {self.check_every}")

    @property
    def label(self) -> str:
        parts = ["bf16" if self.amp else "fp32", "channels-last" if self.channels_last else "nchw"]
        parts.append("eager" if self.compile_mode == "none" else f"compile({self.compile_mode})")
        return " + ".join(parts)


def fit_fast(
    model: torch.nn.Module,
    images: torch.Tensor,
    schedule: NoiseSchedule,
    steps: int,
    batch_size: int,
    lr: float,
    ema_decay: float,
    seed: int,
    options: FastOptions = FastOptions(),
    warmup: int = 0,
    on_checkpoint=None,
    at_steps=(),
    every: int = 0,
    progress: bool = True,
    desc: str = "train",
    step_times: list | None = None,
) -> tuple[torch.nn.Module, list[float], float]:
    """Train ``model`` on ``images`` (N, C, H, W), already on the model's device.

    Args:
        at_steps: steps (0 = before the first) at which ``on_checkpoint(step, train_s,
            ema_model)`` is called, besides every ``every`` steps and after the last.
        step_times: if a list, receives (step, seconds since start) at every loss read,
            for a throughput measurement that leaves out compilation.
    Returns:
        (the EMA model on the CPU, the smoothed loss every 50 steps, training seconds:
        wall time less the time spent in ``on_checkpoint``).
    Raises:
        TrainingDiverged: the loss became NaN or infinite.
    """
    from tqdm.auto import tqdm

    device = images.device
    mf = torch.channels_last if options.channels_last else torch.contiguous_format
    model = model.to(device, memory_format=mf)
    gen = torch.Generator(device=device).manual_seed(seed)
    abar = schedule.alpha_bar.float().to(device)
    ema = EMA(model, ema_decay)
    fused = device.type == "cuda"
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0, fused=fused, foreach=not fused)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: lr_factor(s, steps, warmup))
    amp = options.amp and device.type == "cuda"

    def loss_fn(x0: torch.Tensor, t: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
        a = abar[t].view(-1, *([1] * (x0.ndim - 1)))  # (B, 1, ...)
        x_t = a.sqrt() * x0 + (1 - a).sqrt() * eps  # eq. 4 (as schedule.q_sample)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
            pred = model(x_t.contiguous(memory_format=mf), t)
        return F.mse_loss(pred.float(), eps)  # eq. 14

    step_fn = loss_fn if options.compile_mode == "none" else torch.compile(loss_fn, mode=options.compile_mode)
    graphs = options.compile_mode == "reduce-overhead"
    losses = torch.zeros(steps, device=device)
    n = images.shape[0]
    marks = set(at_steps)
    history: list[float] = []
    running = 0.0
    paused = 0.0
    read = 0  # losses[:read] have been checked

    def check(upto: int) -> None:
        nonlocal read, running
        values = losses[read:upto].tolist()  # the only device-to-host read of the loop
        for i, value in enumerate(values, start=read):
            if not math.isfinite(value):
                raise TrainingDiverged(
                    f"the loss became {value} at step {i}; lower the learning rate (--lr, now {lr}) and train again"
                )
            running = value if i == 0 else 0.98 * running + 0.02 * value
            if i % 50 == 0 or i == steps - 1:
                history.append(running)
        read = upto

    def checkpoint(step: int) -> None:
        nonlocal paused
        t0 = time.perf_counter()
        on_checkpoint(step, t0 - start - paused, ema.model)
        paused += time.perf_counter() - t0

    start = time.perf_counter()
    if on_checkpoint is not None and 0 in marks:
        checkpoint(0)
    model.train()
    with tqdm(total=steps, disable=not progress, desc=desc, unit="step", leave=False) as bar:
        for step in range(steps):
            idx = torch.randint(0, n, (batch_size,), device=device, generator=gen)
            x0 = images[idx]
            t = torch.randint(1, schedule.T + 1, (batch_size,), device=device, generator=gen)
            eps = torch.randn(x0.shape, device=device, generator=gen)
            if graphs:
                torch.compiler.cudagraph_mark_step_begin()
            loss = step_fn(x0, t, eps)
            losses[step] = loss.detach()  # copied out before the next replay overwrites it
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            ema.update(model, step)
            done = step + 1
            if done % options.check_every == 0 or done == steps:
                check(done)
                if step_times is not None:
                    if device.type == "cuda":
                        torch.cuda.synchronize()
                    step_times.append((done, time.perf_counter() - start - paused))
                bar.set_postfix(loss=f"{running:.4f}")
                bar.update(done - bar.n)
            if on_checkpoint is not None and (
                done in marks or (every and done % every == 0) or done == steps
            ):
                check(done)
                checkpoint(done)
    return ema.model.cpu().eval().to(memory_format=torch.contiguous_format), history, time.perf_counter() - start - paused
