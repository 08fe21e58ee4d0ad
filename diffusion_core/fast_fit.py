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
from dataclasses import dataclass

import torch
from torch.nn import functional as F
from tqdm.auto import tqdm

from .schedule import NoiseSchedule
from .training import EMA, CheckpointClock, TrainingDiverged, lr_factor

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


def fit_fast(model: torch.nn.Module, images: torch.Tensor, schedule: NoiseSchedule, steps: int, batch_size: int,
             lr: float, ema_decay: float, seed: int, options: FastOptions = FastOptions(),  # noqa: B008 (frozen)
             warmup: int = 0, on_checkpoint=None, at_steps=(), every: int = 0, progress: bool = True,
             desc: str = "train", step_times: list | None = None) -> tuple[torch.nn.Module, list[float], float]:
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
    device = images.device
    mf = torch.channels_last if options.channels_last else torch.contiguous_format
    model = model.to(device, memory_format=mf)
    gen = torch.Generator(device=device).manual_seed(seed)
    ema = EMA(model, ema_decay)
    fused = device.type == "cuda"
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0, fused=fused, foreach=not fused)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: lr_factor(s, steps, warmup))
    loss_fn = _loss_fn(model, schedule.alpha_bar.float().to(device), mf, options.amp and device.type == "cuda")
    step_fn = loss_fn if options.compile_mode == "none" else torch.compile(loss_fn, mode=options.compile_mode)
    graphs = options.compile_mode == "reduce-overhead"
    reader = LossReader(steps, lr, device)
    clock = CheckpointClock(on_checkpoint, ema, every, set(at_steps), steps)
    clock.checkpoint_at(0)
    model.train()
    with tqdm(total=steps, disable=not progress, desc=desc, unit="step", leave=False) as bar:
        for step in range(steps):
            x0 = images[torch.randint(0, images.shape[0], (batch_size,), device=device, generator=gen)]
            t = torch.randint(1, schedule.T + 1, (batch_size,), device=device, generator=gen)
            eps = torch.randn(x0.shape, device=device, generator=gen)
            if graphs:
                torch.compiler.cudagraph_mark_step_begin()
            loss = step_fn(x0, t, eps)
            reader.losses[step] = loss.detach()  # copied out before the next replay overwrites it
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            ema.update(model, step)
            done = step + 1
            if done % options.check_every == 0 or done == steps:
                reader.check(done)
                if step_times is not None:
                    if device.type == "cuda":
                        torch.cuda.synchronize()
                    step_times.append((done, clock.seconds()))
                bar.set_postfix(loss=f"{reader.running:.4f}")
                bar.update(done - bar.n)
            if clock.due(done):
                reader.check(done)
                clock.checkpoint_at(done)
    return ema.model.cpu().eval().to(memory_format=torch.contiguous_format), reader.history, clock.seconds()


def _loss_fn(model, abar: torch.Tensor, mf, amp: bool):
    """The loss of one batch (eq. 14), the network under bf16 autocast with ``amp``."""
    def loss_fn(x0: torch.Tensor, t: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
        a = abar[t].view(-1, *([1] * (x0.ndim - 1)))  # (B, 1, ...)
        x_t = a.sqrt() * x0 + (1 - a).sqrt() * eps  # eq. 4 (as schedule.q_sample)
        with torch.autocast(x0.device.type, dtype=torch.bfloat16, enabled=amp):
            pred = model(x_t.contiguous(memory_format=mf), t)
        return F.mse_loss(pred.float(), eps)  # eq. 14

    return loss_fn


class LossReader:
    """The losses kept on the device and read back in blocks: the NaN guard and the
    smoothed history (every 50 steps) computed from what was read."""

    def __init__(self, steps: int, lr: float, device):
        self.losses = torch.zeros(steps, device=device)
        self.steps, self.lr = steps, lr
        self.read, self.running, self.history = 0, 0.0, []

    def check(self, upto: int) -> None:
        values = self.losses[self.read:upto].tolist()  # the only device-to-host read of the loop
        for i, value in enumerate(values, start=self.read):
            if not math.isfinite(value):
                raise TrainingDiverged(f"the loss became {value} at step {i}; lower the learning rate "
                                       f"(--lr, now {self.lr}) and train again")
            self.running = value if i == 0 else 0.98 * self.running + 0.02 * value
            if i % 50 == 0 or i == self.steps - 1:
                self.history.append(self.running)
        self.read = upto
