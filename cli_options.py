"""The command line's reusable parts: parameter types, checks, and the option sets
that several commands share. The commands themselves are in cli.py."""

from __future__ import annotations

import math
import os
import shlex
import signal
import threading
from pathlib import Path

import click
import torch
from click.core import ParameterSource

from diffusion_core import (
    CLASSES,
    DEFAULT_TEXT,
    OBJECTIVES,
    SCHEDULE_KINDS,
    CheckpointError,
    DataConfig,
    MLPConfig,
    MnistError,
    ScheduleConfig,
    TrainConfig,
    classifier_path,
    dataset_names,
    load_classifier,
    load_mnist,
    load_mnist_checkpoint,
    mnist_checkpoint_path,
)
from scenes.registry import SCENES

DEVICES = ("cpu", "cuda")
COMPILE_MODES = ("none", "default", "reduce-overhead")


class Cli(click.Group):
    """The top-level group: an OSError (no space, no permission) becomes one line naming
    the path; SIGTERM (timeout, CI cancellation) cleans up as Ctrl-C does; an unexpected
    error keeps its traceback, under a line that asks for a report."""

    def main(self, *args, **kwargs):
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, on_sigterm)
        return super().main(*args, **kwargs)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except OSError as exc:
            raise click.ClickException(os_error_line(exc)) from exc
        except Exception:
            click.echo("internal error (a bug, not your input): please report it, with the command and the "
                       "traceback below", err=True)
            raise


def os_error_line(exc: OSError) -> str:
    """One line for an OSError, naming the file written, not the one read: a copy that
    fills the disk reports its source first (shutil sets filename to the source and
    filename2 to the destination), and a file being written atomically by its final name."""
    target = getattr(exc, "filename2", None) or getattr(exc, "filename", None)
    if not target:
        return f"{exc.strerror or exc}"
    path = Path(str(target))
    if path.name.startswith(".") and path.name.endswith(".part"):  # atomic_write's temporary name
        path = path.with_name(path.name[1:-len(".part")].rsplit(".", 1)[0])
    return f"{path}: {exc.strerror or exc}"


def on_sigterm(signum, frame):
    raise SystemExit(128 + signum)  # unwinds like Ctrl-C: every `finally` (temporary folders) runs


# Every numeric option has a range, checked before any work: past these a run is a typo
# (or an attack), not a lecture's model.
LIMITS = {"T": 10_000, "steps": 1_000_000, "lr": 10.0, "batch": 65_536, "hidden": 4096, "n": 1_000_000,
          "unet_base": 512, "label": 1000, "jobs": 64}
SEED = click.IntRange(0, 2**32 - 1)  # numpy's seeds; torch's would take more


class Finite(click.FloatRange):
    """A float within a range that is also a number: NaN and infinities are refused."""

    name = "finite float"

    def convert(self, value, param, ctx):
        number = click.FLOAT.convert(value, param, ctx)
        if not math.isfinite(number):  # said before the range: 'inf' is no number, not merely too large
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return super().convert(number, param, ctx)


def writable_file(ctx, param, value):
    """Fail early (usage error, nothing written) when an output file can't be written."""
    if value is None:
        return None
    path = Path(value)
    if path.exists() and path.is_dir():
        raise click.BadParameter(f"{path} is a directory, expected a file name")
    existing = path.parent
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise click.BadParameter(f"cannot write into {path.parent}: not a writable directory")
    return path


def check_device(ctx, param, device: str) -> str:
    if device == "cuda" and not torch.cuda.is_available():
        raise click.BadParameter("no CUDA device is available here; use --device cpu", param_hint="--device")
    return device


def option_set(*decorators):
    def apply(f):
        for d in reversed(decorators):
            f = d(f)
        return f
    return apply


def fail(exc: Exception) -> click.ClickException:
    return click.ClickException(str(exc))


def command_line(ctx: click.Context) -> str:
    """The command as typed: its arguments and the options given on the command line."""
    parts = ["python cli.py", *ctx.command_path.split()[1:]]
    for param in ctx.command.params:
        value = ctx.params.get(param.name)
        if isinstance(param, click.Argument):
            parts.append(shlex.quote(str(value)))
        elif ctx.get_parameter_source(param.name) is ParameterSource.COMMANDLINE:
            opt = max(param.opts, key=len)
            values = value if getattr(param, "multiple", False) else [value]  # --eta 0 --eta 1, not '(0, 1)'
            parts += [opt] if param.is_flag else [f"{opt} {shlex.quote(str(v))}" for v in values]
    return " ".join(parts)


toy_options = option_set(
    click.option("--dataset", type=click.Choice(dataset_names()), default="moons", show_default=True, help="Toy dataset."),
    click.option("--text", default=DEFAULT_TEXT, show_default=True, help="The string drawn by the 'text' dataset."),
    click.option("--schedule", type=click.Choice(SCHEDULE_KINDS), default="linear", show_default=True),
    click.option("--T", "T", type=click.IntRange(min=1, max=LIMITS["T"]), default=1000, show_default=True, help="Diffusion steps."),
    click.option("--steps", type=click.IntRange(min=1, max=LIMITS["steps"]), default=TrainConfig.steps, show_default=True, help="Training steps."),
    click.option("--seed", type=SEED, default=0, show_default=True),
    click.option("--lr", type=Finite(min=0, min_open=True, max=LIMITS["lr"]), default=None, help=f"Learning rate [default: {TrainConfig.lr}]."),
    click.option("--batch-size", type=click.IntRange(min=1, max=LIMITS["batch"]), default=TrainConfig.batch_size, show_default=True),
    click.option("--hidden", type=click.IntRange(min=1, max=LIMITS["hidden"]), default=None, help=f"MLP width [default: {MLPConfig.hidden}]."),
    click.option("--objective", type=click.Choice(OBJECTIVES), default="eps", show_default=True,
                 help="What the network learns: eps (a DDPM's noise) or velocity (flow matching)."),
    click.option("--classes", is_flag=True,
                 help="A conditional model of the data set's classes (moons, 8gaussians, 25gaussians, circles), "
                      "for classifier-free guidance."),
    click.option("--cond-drop", type=Finite(min=0, max=1), default=None,
                 help=f"With --classes: how often a class is dropped to 'no class' [default: {TrainConfig.cond_drop}]."),
)


data_dir_option = click.option(
    "--data-dir", type=click.Path(file_okay=False), default=None, envvar="MNIST_DIR",
    help="Folder of the IDX files [default: $MNIST_DIR or ~/.cache/difusion-manim/mnist].")


evaluation_options = option_set(
    data_dir_option,
    click.option("--checkpoint", type=click.Path(dir_okay=False), default=str(mnist_checkpoint_path()), show_default=True),
    click.option("--classifier", type=click.Path(dir_okay=False), default=str(classifier_path()), show_default=True),
    click.option("--device", type=click.Choice(DEVICES), default="cpu", show_default=True, callback=check_device),
    click.option("--batch", type=click.IntRange(min=1, max=LIMITS["batch"]), default=500, show_default=True, help="Images sampled at once."),
    click.option("--amp/--no-amp", default=None, help="Run the UNet under bf16 autocast while sampling [default: on cuda]."),
    click.option("--compile", "compile_mode", type=click.Choice(COMPILE_MODES), default="none", show_default=True,
                 help="Sample through torch.compile, as training on a GPU does; reduce-overhead adds CUDA graphs."),
)




def toy_config(dataset, text, schedule, T, steps, seed, lr, batch_size, hidden, objective="eps", classes=False,
                cond_drop=None, **_) -> TrainConfig:
    defaults = TrainConfig()
    try:
        data = DataConfig(dataset, text)
    except ValueError as exc:  # an empty text, a glyph the font lacks, a text too long
        raise click.BadParameter(str(exc), param_hint="--text") from exc
    if classes and dataset not in CLASSES:
        raise click.BadParameter(f"{dataset} has no classes; the data sets that do: "
                                 + ", ".join(f"{k} ({v})" for k, v in CLASSES.items()), param_hint="--classes")
    if cond_drop is not None and not classes:
        raise click.BadParameter("is for a model with classes: add --classes", param_hint="--cond-drop")
    if cond_drop is not None and cond_drop >= 1:
        raise click.BadParameter("must be below 1 (a class never seen would teach nothing)", param_hint="--cond-drop")
    model = MLPConfig(hidden=hidden if hidden is not None else defaults.model.hidden,
                      n_classes=CLASSES[dataset] if classes else 0)
    return TrainConfig(data=data, schedule=ScheduleConfig(schedule, T), model=model, steps=steps,
                       seed=seed, lr=lr if lr is not None else defaults.lr, batch_size=batch_size, objective=objective,
                       cond_drop=cond_drop if cond_drop is not None else defaults.cond_drop)


# Options that belong to one form of `train` only (the other refuses them).
TOY_ONLY = ("dataset", "text", "hidden", "objective", "classes", "cond_drop")
MNIST_ONLY = ("probe_every", "probe_n", "probe_eta", "unet_base", "compile_mode", "snapshots", "snapshots_out",
              "data_dir")


train_extra_options = option_set(
    click.option("--device", type=click.Choice(DEVICES), default="cpu", show_default=True, callback=check_device),
    click.option("--out", type=click.Path(dir_okay=False), callback=writable_file, default=None,
              help="Checkpoint file [default: the model cache, where the scenes look]."),
    click.option("--data-dir", type=click.Path(file_okay=False), default=None, envvar="MNIST_DIR",
              help="MNIST: folder of the IDX files [default: $MNIST_DIR or ~/.cache/difusion-manim/mnist]."),
    click.option("--probe-every", type=click.IntRange(min=0, max=LIMITS["steps"]), default=0, show_default=True,
              help="MNIST: every N steps (and at the end), score the EMA model (FID of DDIM-50 samples); 0: never."),
    click.option("--probe-n", type=click.IntRange(min=2, max=LIMITS["n"]), default=1000, show_default=True, help="MNIST: samples per probe."),
    click.option("--probe-eta", type=Finite(min=0, max=1), default=0.0, show_default=True, help="MNIST: DDIM's eta for the probes."),
    click.option("--unet-base", type=click.IntRange(min=8, max=LIMITS["unet_base"]), default=None,
              help="MNIST: UNet channels at 28x28, a multiple of 8 [default: 24, the shipped 0.42M-parameter UNet]."),
    click.option("--compile", "compile_mode", type=click.Choice(COMPILE_MODES), default=None,
              help="MNIST on cuda: torch.compile mode of the training step; reduce-overhead adds CUDA graphs "
                   "[default: reduce-overhead]."),
    click.option("--snapshots", default=None, metavar="STEPS",
              help="MNIST: comma-separated steps (0 = untrained) at which the EMA weights sample 16 fixed noises."),
    click.option("--snapshots-out", type=click.Path(dir_okay=False), callback=writable_file, default=None,
              help="MNIST: where the snapshots go [default: models/mnist/training_snapshots.npz]."),
)


def evaluation_inputs(checkpoint, classifier, data_dir, split: str = "test"):
    """(the MNIST model or None, the classifier, its accuracy, the split's images), or a clear error."""
    try:
        result = load_mnist_checkpoint(checkpoint) if checkpoint is not None else None
        clf, acc = load_classifier(classifier)
        return result, clf, acc, load_mnist(split, data_dir)[0]
    except (CheckpointError, MnistError) as exc:
        raise fail(exc) from exc


def render_plan(scene: str, dataset, text, out_dir) -> list[tuple[str, dict]]:
    """The scenes to render, each with the data settings that apply to it, or a usage
    error naming the option the user gave when it would do nothing or cannot be drawn
    (for 'all': a note, and those scenes render with their own data)."""
    if out_dir is not None and not out_dir.strip():
        raise click.BadParameter("is empty; leave it out to write into renders/", param_hint="--out")
    if text is not None and dataset not in (None, "text"):
        raise click.BadParameter(f"draws only with --dataset text (not {dataset})", param_hint="--text")
    option = "--dataset" if dataset is not None else "--text"
    wanted = {k: v for k, v in (("dataset", dataset or ("text" if text is not None else None)), ("text", text))
              if v is not None}
    plan, skipped = [], []
    for key in list(SCENES) if scene == "all" else [scene]:
        cls = SCENES[key].load()
        valid = scene_datasets(cls)
        if wanted and (valid is None or wanted["dataset"] not in valid):
            if scene != "all":
                what = "draws no toy data set" if valid is None else f"draws {', '.join(valid)}, not {wanted['dataset']}"
                raise click.BadParameter(f"the {scene} scene {what}", param_hint=option)
            skipped.append(key)
            plan.append((key, {}))
            continue
        plan.append((key, {k: v for k, v in wanted.items() if k in cls.settings()}))
    if skipped:
        click.echo(f"note: {option} does not apply to {', '.join(skipped)}", err=True)
    return plan


def scene_datasets(cls) -> list[str] | None:
    """The toy data sets a scene class can draw, or None when it draws none."""
    if "dataset" not in cls.settings():
        return None
    valid = cls.CHOICES.get("dataset")
    return list(valid() if callable(valid) else valid) if valid is not None else None
