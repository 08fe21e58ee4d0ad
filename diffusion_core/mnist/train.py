"""Training a SmallUNet DDPM on MNIST, with the same guarantees as the toy models:
seeded, EMA weights, a progress bar with the loss, a NaN guard and an atomic
checkpoint holding the configuration and the loss history."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import torch

from ..checkpoint import CheckpointError, read_checkpoint, write_checkpoint
from ..config import Config
from ..fast_fit import FastOptions, fit_fast
from ..paths import classifier_path
from ..schedule import NoiseSchedule, ScheduleConfig
from ..training import check_converged, fit
from .data import load_mnist
from .eval import Evaluator, load_classifier, make_probe
from .snapshots import SnapshotRecorder, build
from .unet import SmallUNet, UNetConfig

__all__ = ["MnistTrainConfig", "MnistResult", "train_mnist", "save_mnist_checkpoint", "load_mnist_checkpoint"]


@dataclass(frozen=True)
class MnistTrainConfig(Config):
    POSITIVE = ("steps", "batch_size")
    RATES = ("lr",)
    FRACTIONS = ("ema_decay",)
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    unet: UNetConfig = field(default_factory=UNetConfig)
    steps: int = 12_000  # the shipped model's run: 3.07M images, 51 epochs
    batch_size: int = 256
    lr: float = 1e-3
    warmup: int = 500
    ema_decay: float = 0.999
    seed: int = 0

    def validate(self) -> None:
        super().validate()
        if isinstance(self.warmup, bool) or not isinstance(self.warmup, int) or self.warmup < 0:
            raise ValueError(f"warmup must be a whole number of steps, got {self.warmup!r}")


@dataclass
class MnistResult:
    model: SmallUNet
    schedule: NoiseSchedule
    config: MnistTrainConfig
    loss_history: list[float]
    wall_time_s: float
    images_per_s: float
    command: str = ""
    progress_log: list[dict] = field(default_factory=list)


def train_mnist(config: MnistTrainConfig, data_dir=None, device: str = "cpu", progress: bool = True,
                images: torch.Tensor | None = None, probe=None, probe_every: int = 0,
                fast: FastOptions | None = None, snapshot=None, snapshot_steps=(),
                step_times: list | None = None, force: bool = False) -> MnistResult:
    """Train on the MNIST training set (or on ``images``, (N, 1, 28, 28) in [-1, 1]).

    ``probe(ema_model, schedule) -> dict`` (e.g. an FID on a few samples) is called every
    ``probe_every`` steps and at the end; its results, with the step, the images seen
    and the training seconds so far, make the run's ``progress_log``. Probing does not
    change the training run, and its time is not counted as training time.

    ``fast`` runs the GPU loop (:func:`fit_fast`: bf16, compilation, CUDA graphs)
    instead of the CPU one. ``snapshot(ema_model, schedule, step) -> dict`` is called at each
    of ``snapshot_steps`` (0 = the untrained model) with the EMA weights of that moment;
    its results join the progress log (with the probe's, when both run at a step).

    Raises:
        MnistError: the data is missing. TrainingDiverged: NaN or infinite loss.
    """
    torch.manual_seed(config.seed)
    gen = torch.Generator().manual_seed(config.seed)
    if images is None:
        images, _ = load_mnist("train", data_dir)
    images = images.to(device)
    n = images.shape[0]

    def draw(_step: int) -> torch.Tensor:
        idx = torch.randint(0, n, (config.batch_size,), generator=gen)
        return images[idx.to(device)]

    schedule = config.schedule.build()
    model = SmallUNet(config.unet).to(device)
    log: list[dict] = []

    marks = set(snapshot_steps)

    def on_checkpoint(step: int, seconds: float, ema_model) -> None:
        entry = {"step": step, "images": step * config.batch_size, "train_s": round(seconds, 2)}
        if probe is not None and (step in marks or (probe_every and step % probe_every == 0)
                                  or step == config.steps):
            entry.update(probe(ema_model, schedule))
        if snapshot is not None and step in marks:
            entry.update(snapshot(ema_model, schedule, step))
        if len(entry) > 3:
            log.append(entry)

    hook = on_checkpoint if (probe or snapshot) else None
    if fast is not None:
        final, history, wall = fit_fast(model, images, schedule, config.steps, config.batch_size, config.lr,
                                        config.ema_decay, config.seed, fast, warmup=config.warmup,
                                        on_checkpoint=hook, at_steps=marks, every=probe_every,
                                        progress=progress, desc="train mnist", step_times=step_times)
    else:
        final, history, wall = fit(model, draw, schedule, config.steps, config.lr, config.ema_decay, gen,
                                   device=device, progress=progress, desc="train mnist", warmup=config.warmup,
                                   on_checkpoint=hook, every=probe_every, at_steps=marks)
    if not force:
        check_converged(history, config.lr)
    return MnistResult(final, schedule, config, history, wall, config.steps * config.batch_size / wall,
                       progress_log=log)


def save_mnist_checkpoint(result: MnistResult, path: str | Path) -> Path:
    return write_checkpoint("mnist", {
        "config": result.config.to_dict(),
        "state_dict": result.model.state_dict(),
        "loss_history": result.loss_history,
        "wall_time_s": result.wall_time_s,
        "images_per_s": result.images_per_s,
        "command": result.command,
        "progress_log": result.progress_log,
    }, path)


def load_mnist_checkpoint(path: str | Path) -> MnistResult:
    path = Path(path)
    hint = f"rebuild it with: python cli.py train mnist --out {path}"
    payload = read_checkpoint(path, "mnist", hint)
    try:
        config = MnistTrainConfig.from_dict(payload["config"])
        model = SmallUNet(config.unet)
        model.load_state_dict(payload["state_dict"])
    except (KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise CheckpointError(f"{path}: configuration or weights do not match this code ({exc}); {hint}") from exc
    return MnistResult(model.eval(), config.schedule.build(), config, list(payload["loss_history"]),
                       float(payload["wall_time_s"]), float(payload["images_per_s"]), str(payload.get("command", "")),
                       list(payload.get("progress_log", [])))


@dataclass
class RecordedRun:
    """A training run with what was measured along it."""

    result: MnistResult
    snapshots: object | None  # TrainingSnapshots, when snapshots were asked for
    steady_steps_per_s: float | None  # the GPU loop's rate after compilation, else None


def train_recorded(config: MnistTrainConfig, data_dir=None, device: str = "cpu", progress: bool = True,
                   fast: FastOptions | None = None, probe_every: int = 0, probe_n: int = 1000,
                   probe_eta: float = 0.0, snapshot_steps=(), log=print, force: bool = False) -> RecordedRun:
    """:func:`train_mnist` with the FID probe every ``probe_every`` steps and, at each
    of ``snapshot_steps``, 16 fixed noises sampled by the EMA weights of that moment.

    The probe needs the classifier and the test set (``models/mnist/classifier.pt``,
    the MNIST data); the snapshots also score real training digits the same way (the
    probe's floor).
    """
    probe = evaluator = recorder = None
    if probe_every or snapshot_steps:
        clf, _ = load_classifier(classifier_path())
        evaluator = Evaluator(clf, load_mnist("test", data_dir)[0])
        probe = make_probe(evaluator, probe_n, device=device, eta=probe_eta, log=log)
    if snapshot_steps:
        recorder = SnapshotRecorder(device=device)
    step_times: list = []
    result = train_mnist(config, data_dir=data_dir, device=device, progress=progress, probe=probe,
                         probe_every=probe_every, fast=fast, snapshot=recorder, snapshot_steps=snapshot_steps,
                         step_times=step_times, force=force)
    rate = None
    if fast is not None and len(step_times) >= 3:  # steady state: from the second loss read on
        (s0, t0), (s1, t1) = step_times[1], step_times[-1]
        rate = (s1 - s0) / (t1 - t0) if s1 > s0 and t1 > t0 else None
    snaps = None
    if recorder is not None:
        train_images, _ = load_mnist("train", data_dir)
        pick = torch.randperm(len(train_images), generator=torch.Generator().manual_seed(1))[:probe_n]
        real_fid = evaluator(train_images[pick]).fid  # the probe's floor, at the probe's n
        snaps = build(recorder, result.progress_log, result.loss_history, real_fid, {
            "steps": config.steps, "batch_size": config.batch_size, "device": device, "unet_base": config.unet.base,
            "digits_sampler": "DDPM (1000 steps), the same 16 noises at every snapshot",
            "probe": f"FID of {probe_n} DDIM-50 samples (eta = {probe_eta:g}) against the 10,000 test images",
        })
    return RecordedRun(result, snaps, rate)
