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
    SCHEDULE_KINDS,
    CheckpointError,
    DataConfig,
    MLPConfig,
    ScheduleConfig,
    TrainConfig,
    TrainingDiverged,
    checkpoint_path,
    dataset_names,
    DEFAULT_TEXT,
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
@_train_options
@click.option("--device", type=click.Choice(DEVICES), default="cpu", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), callback=_writable_file, default=None,
              help="Checkpoint file [default: the model cache, where the scenes look].")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def train(dataset, text, schedule, T, steps, seed, lr, batch_size, hidden, device, out, quiet):
    """Train a toy DDPM (eq. 14, EMA weights) and write its checkpoint atomically."""
    from diffusion_core import save_checkpoint, train_toy

    _check_device(device)
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

    from diffusion_core import ddim_sample, ddpm_sample, distance_report, load_checkpoint, load_or_train, sample_data

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


# ------------------------------------------------------------------------- scenes
def _scene_keys():
    from scenes.render import SCENES

    return list(SCENES)


@cli.command("list")
def list_scenes():
    """The scenes and the files they write."""
    from scenes.render import SCENES

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
