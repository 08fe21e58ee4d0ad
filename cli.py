#!/usr/bin/env python
"""Command line of the diffusion animation tool (python cli.py --help lists the commands).

Each command turns its flags into config dataclasses and calls one library function;
the work happens in diffusion_core (and scenes.rendering.render), never here.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import click
import torch
from click.core import ParameterSource

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cli_options import (  # noqa: E402
    LIMITS,
    MNIST_ONLY,
    SEED,
    TOY_ONLY,
    Cli,
    Finite,
    command_line,
    fail,
    render_plan,
    toy_config,
    toy_options,
    train_extra_options,
    writable_file,
)
from diffusion_core import (  # noqa: E402
    DDIM,
    DDPM_VARIANCES,
    MAX_GUIDANCE,
    SAMPLERS,
    CheckpointError,
    FastOptions,
    Guidance,
    MnistError,
    MnistTrainConfig,
    NonFiniteSamples,
    ScheduleConfig,
    TrainingDiverged,
    UNetConfig,
    checkpoint_path,
    class_report,
    dataset_names,
    distance_report,
    ensure_writable,
    load_checkpoint,
    load_or_train,
    make_sampler,
    mnist_checkpoint_path,
    sample_data,
    sample_labelled,
    save_checkpoint,
    save_mnist_checkpoint,
    snapshots_path,
    train_toy,
)
from diffusion_core import sample as sample_trajectory  # noqa: E402
from diffusion_core.mnist import parse_steps  # noqa: E402
from diffusion_core.mnist.train import train_recorded  # noqa: E402
from lecture import (  # noqa: E402
    TWINS,
    CheckError,
    DeckError,
    DeckOptions,
    FenceError,
    TwinError,
    build_deck,
    check_deck,
    contact_sheet,
    write_twin,
)
from lecture.check import presenter_shot  # noqa: E402
from scenes.kit.latex import MissingLatex  # noqa: E402
from scenes.registry import ASPECTS_ALL, FORMATS, LANGS, QUALITIES, SCENES  # noqa: E402
from scenes.rendering import (  # noqa: E402
    RENDERS,
    JobError,
    RenderError,
    RenderJob,
    check_output_dir,
    render_cached,
    render_scene,
)

MAX_SAMPLE_STEPS = 10_000  # DDIM's are also at most T; a flow's Euler steps past this change nothing visible
MAX_SAMPLE_N = 1_000_000  # 2D points: a million trajectories of 50 steps is 800 MB


@click.group(cls=Cli, context_settings={"help_option_names": ["-h", "--help"]})
def cli():
    """Animations of a small, real DDPM (Manim + PyTorch) for lectures."""


@cli.command()
def datasets():
    """List the toy datasets."""
    for name in dataset_names():
        click.echo(name)


# ----------------------------------------------------------------- train, sample
@cli.command()
@click.argument("what", required=False, default="toy", type=click.Choice(["toy", "mnist"]))
@toy_options
@train_extra_options
@click.option("--force", is_flag=True, help="Keep a run whose loss ended far above where it started.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.pass_context
def train(ctx, what, **opts):
    """Train a DDPM (the simple loss, EMA weights) and write its checkpoint atomically.

    WHAT is "toy" (a 2D dataset, the default) or "mnist" (a SmallUNet on MNIST). The
    defaults shown are the toy model's; for mnist they are the shipped model's run
    (--steps 12000 --batch-size 256 --lr 0.001; minutes on a GPU with --device cuda,
    hours on a CPU).
    """

    given = {k for k in opts if ctx.get_parameter_source(k) is not ParameterSource.DEFAULT}
    wrong = [k for k in (TOY_ONLY if what == "mnist" else MNIST_ONLY) if k in given and k != "data_dir"]
    if wrong:
        flag = "--" + ("compile" if wrong[0] == "compile_mode" else wrong[0].replace("_", "-"))
        raise click.UsageError(f"{flag} is for toy models, not for 'train mnist'" if what == "mnist"
                               else f"{flag} is for 'train mnist'")
    try:
        (_train_mnist if what == "mnist" else _train_toy)(ctx, given, **opts)
    except (TrainingDiverged, MnistError, CheckpointError) as exc:
        prefix = "training stopped: " if isinstance(exc, TrainingDiverged) else ""
        raise click.ClickException(f"{prefix}{exc}") from exc


def _train_toy(ctx, given, out, device, quiet, force, **opts):

    config = toy_config(**opts)
    env = None if out else "DIFFUSION_MODELS_DIR"
    out = out or checkpoint_path(config)
    ensure_writable(Path(out).parent, env)  # before the training, not after it
    result = train_toy(config, device=device, progress=not quiet, force=force)
    save_checkpoint(result, out)
    m = result.metrics
    click.echo(f"trained {config.data.key}: {config.steps} steps in {result.wall_time_s:.1f} s, "
               f"final loss {result.loss_history[-1]:.4f}")
    click.echo(f"SWD(generated, data) = {m['swd']:.4f}, floor = {m['swd_floor']:.4f}, ratio = {m['ratio']:.2f}")
    click.echo(f"checkpoint: {out}")


def _train_mnist(ctx, given, out, device, quiet, force, **o):

    d = MnistTrainConfig()
    try:
        unet = UNetConfig(base=o["unet_base"]) if o["unet_base"] else d.unet
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--unet-base") from exc
    pick = {k: o[k] if k in given else getattr(d, k) for k in ("steps", "batch_size", "seed")}
    config = MnistTrainConfig(schedule=ScheduleConfig(o["schedule"], o["T"]), unet=unet, lr=o["lr"] or d.lr, **pick)
    try:
        snaps = parse_steps(o["snapshots"], config.steps) if o["snapshots"] else []
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--snapshots") from exc
    if device != "cuda" and o["compile_mode"] not in (None, "none"):
        raise click.BadParameter("compilation is for the GPU loop (--device cuda)", param_hint="--compile")
    fast = FastOptions(compile_mode=o["compile_mode"] or "reduce-overhead") if device == "cuda" else None
    ensure_writable(Path(out or mnist_checkpoint_path()).parent, None if out else "DIFFUSION_MODELS_DIR")
    run = train_recorded(config, o["data_dir"], device, not quiet, fast, o["probe_every"], o["probe_n"],
                         o["probe_eta"], snaps, log=lambda m: click.echo(m, err=True), force=force)
    run.result.command = command_line(ctx)
    save_mnist_checkpoint(run.result, out or mnist_checkpoint_path())
    click.echo(f"trained mnist: {config.steps} steps of {config.batch_size} on {device} in "
               f"{run.result.wall_time_s:.0f} s ({run.result.images_per_s:.0f} images/s), "
               f"final loss {run.result.loss_history[-1]:.4f}")
    if run.steady_steps_per_s:
        click.echo(f"steady state ({fast.label}): {run.steady_steps_per_s:.1f} steps/s, "
                   f"{run.steady_steps_per_s * config.batch_size:.0f} images/s")
    click.echo(f"checkpoint: {out or mnist_checkpoint_path()}")
    if run.snapshots is not None:
        run.snapshots.meta["command"] = run.result.command
        path = run.snapshots.save(o["snapshots_out"] or snapshots_path())
        click.echo(f"snapshots: {path} (steps {', '.join(map(str, run.snapshots.steps))}; "
                   f"real-digit floor FID {run.snapshots.real_fid:.2f} at n = {o['probe_n']})")


@cli.command()
@toy_options
@click.option("--checkpoint", type=click.Path(dir_okay=False), default=None,
              help="A checkpoint file [default: the cached model for the data/training options].")
@click.option("--sampler", type=click.Choice(list(SAMPLERS)), default="ddpm", show_default=True)
@click.option("--sample-steps", type=click.IntRange(min=1, max=MAX_SAMPLE_STEPS), default=50, show_default=True,
              help="DDIM: number of timesteps; flow: Euler steps (DDPM always uses all T).")
@click.option("--eta", type=Finite(min=0, max=1), default=0.0, show_default=True, help="DDIM's eta, 0 to 1.")
@click.option("--variance", type=click.Choice(DDPM_VARIANCES), default="beta", show_default=True,
              help="DDPM: sigma_t^2 = beta_t or the posterior variance.")
@click.option("--label", type=click.IntRange(min=0, max=LIMITS["label"]), default=None,
              help="The class to sample, for a model trained with --classes.")
@click.option("--guidance", type=Finite(min=0, max=MAX_GUIDANCE), default=None,
              help="Classifier-free guidance scale w, with --label: 0 unconditional, 1 conditional [default: 1].")
@click.option("-n", "--n", "n", type=click.IntRange(min=1, max=MAX_SAMPLE_N), default=2000, show_default=True)
@click.option("--sample-seed", type=SEED, default=0, show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), callback=writable_file, default="trajectory.npz",
              show_default=True)
def sample(checkpoint, sampler, sample_steps, eta, variance, label, guidance, n, sample_seed, out, **opts):
    """Sample with a trained model and write the whole trajectory (.npz)."""
    if guidance is not None and label is None:
        raise click.BadParameter("guidance steers toward a class: add --label", param_hint="--guidance")
    try:
        config = make_sampler(sampler, steps=sample_steps, eta=eta, variance=variance)
    except ValueError as exc:
        raise click.BadParameter(f"{exc}: add --sampler ddim, or leave --eta out", param_hint="--eta") from exc
    guide = None if label is None else Guidance(label, 1.0 if guidance is None else guidance)
    try:
        result = load_checkpoint(checkpoint) if checkpoint else load_or_train(toy_config(**opts))
    except CheckpointError as exc:
        raise fail(exc) from exc
    if isinstance(config, DDIM) and sample_steps > result.schedule.T:
        raise click.BadParameter(f"must be at most T = {result.schedule.T}", param_hint="--sample-steps")
    try:
        traj = sample_trajectory(result.model, result.schedule, (n, 2), config, generator=torch.Generator().manual_seed(sample_seed),
                      guidance=guide)
    except NonFiniteSamples as exc:
        raise click.ClickException(f"sampling failed: {exc}; nothing written (a smaller --guidance, or a model "
                                   "trained again, gives finite samples)") from exc
    except ValueError as exc:  # a flow model asked for DDPM, a class the model does not know
        raise click.ClickException(f"{checkpoint or checkpoint_path(result.config)}: {exc}") from exc
    traj.meta.update(dataset=result.config.data.key, seed=sample_seed)
    traj.save(out)
    data = result.config.data
    click.echo(f"{sampler}: {len(traj.timesteps) - 1} steps, {n} samples -> {out}")
    if label is None:
        click.echo(str(distance_report(traj.samples, sample_data(data, n, seed=1), sample_data(data, n, seed=2))))
    else:  # samples of one class: where they land, not their distance to all the data
        click.echo(f"class {label}, w = {guide.w:g}: " + str(class_report(traj.samples, *sample_labelled(data, 20_000, seed=7), label)))


# -------------------------------------------------------------------------- mnist
from cli_mnist import mnist, mnist_compare, mnist_evaluate  # noqa: E402

cli.add_command(mnist)
# Also top-level, as the README writes them: `python cli.py evaluate`, `python cli.py compare`.
cli.add_command(mnist_evaluate, "evaluate")
cli.add_command(mnist_compare, "compare")


# ------------------------------------------------------------------------- scenes
@cli.command("list")
def list_scenes():
    """The scenes and the files they write."""
    for spec in SCENES.values():
        click.echo(f"{spec.key:<13} {spec.cls:<26} {spec.video}.mp4 / {spec.still}.png")
        click.echo(f"{'':<13} {spec.about}")


@cli.command()
@click.argument("scene", required=False, type=click.Choice([*SCENES, "all"]))
@click.option("--quality", "-q", type=click.Choice(list(QUALITIES)), default="high", show_default=True,
              help="low 480p15, medium 720p30, high 1080p60, 4k 2160p60.")
@click.option("--lang", type=click.Choice(LANGS), default=LANGS[0], show_default=True,
              help="On-screen language (non-default languages get a _LANG suffix).")
@click.option("--dataset", type=click.Choice(dataset_names()), default=None,
              help="Toy dataset for the point-cloud scenes [default: each scene's].")
@click.option("--text", default=None, help="The string drawn by the 'text' dataset.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="mp4", show_default=True,
              help="png: the last frame (a video's poster); figure: it for an image slot, without the title, trimmed, "
                   "at twice the quality's pixels.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None, help="Output folder [default: renders/].")
@click.option("--list", "show_list", is_flag=True, help="List the scenes and exit.")
@click.option("--jobs", type=click.IntRange(min=1, max=LIMITS["jobs"]), default=1, show_default=True,
              help="With 'all': scenes rendered at once, each in its own process (those up to date are skipped).")
@click.option("--beats", is_flag=True, help="mp4: also one clip per beat, each beat's last frame, captions (.vtt) "
              "and VIDEO.beats.json, cut from the same render.")
@click.option("--aspect", type=click.Choice(ASPECTS_ALL), default="16:9", show_default=True,
              help="The frame: 4:3 for a 4:3 deck (the scenes with a 4:3 layout; see list).")
def render(scene, quality, lang, dataset, text, fmt, out_dir, show_list, jobs, beats, aspect):
    """Render SCENE (or all) into renders/ under the deck's file names."""
    from scenes.kit.settings import SettingError  # the kit imports manim: not for --help

    if show_list:
        return click.get_current_context().invoke(list_scenes)
    if scene is None:
        raise click.UsageError("name a scene (or 'all'); see: python cli.py list")
    plan = render_plan(scene, dataset, text, out_dir)
    if beats and fmt != "mp4":
        raise click.BadParameter(f"beats are cut from a video: --format mp4, not {fmt}", param_hint="--beats")
    out = Path(out_dir) if out_dir else RENDERS
    try:
        check_output_dir(out)
    except RenderError as exc:
        raise click.BadParameter(str(exc), param_hint="--out") from exc
    if aspect != "16:9":
        flat = [key for key, _ in plan if not SCENES[key].has_layout(aspect, fmt)]
        if scene != "all" and flat:
            raise click.BadParameter(f"{scene} has no {'figure' if fmt == 'figure' else 'layout'} for a {aspect} "
                                     "slide; scenes with one: " + ", ".join(k for k, s in SCENES.items()
                                                                           if s.has_layout(aspect, fmt)),
                                     param_hint="--aspect")
        if flat:
            click.echo(f"left out (no {aspect} layout): {', '.join(flat)}")
        plan = [(key, {**settings, "aspect": aspect}) for key, settings in plan if key not in flat]
    render_jobs = [RenderJob.of(key, settings, fmt=fmt, quality=quality, lang=lang, out_dir=out, beats=beats)
                   for key, settings in plan]
    try:
        if scene == "all":  # in separate processes, and only what is missing or out of date
            click.echo(f"rendering {len(render_jobs)} scenes ({quality}, {fmt}), {jobs} at once ...")
            render_cached(render_jobs, jobs, log=click.echo)
            return
        click.echo(f"rendering {scene} ({SCENES[scene].cls}, {quality}, {fmt}) ...")
        click.echo(f"wrote {render_scene(render_jobs[0])}")
    except (RenderError, SettingError, MissingLatex, CheckpointError, ValueError, JobError) as exc:
        raise fail(exc) from exc


@cli.command()
@click.option("--deck", "deck_path", type=click.Path(exists=True, dir_okay=False), required=True, help="A Marp deck (.md).")
@click.option("--out", required=True,
              help="The folder of the finished deck: a new or empty one, or one the builder made (never the deck's own).")
@click.option("--quality", "-q", type=click.Choice(list(QUALITIES)), default="high", show_default=True)
@click.option("--lang", type=click.Choice(LANGS), default=None,
              help="The language of our videos, captions and notes [default: the deck's front matter `lang` when "
                   "it is es or en, else es].")
@click.option("--jobs", type=click.IntRange(min=1, max=LIMITS["jobs"]), default=os.cpu_count() or 1, show_default=True,
              help="Assets rendered at once, each in its own process.")
@click.option("--slot", "slots", multiple=True, metavar="WHERE=SCENE",
              help="SCENE makes WHERE: an asset path of the deck (assets/images/001.png), a slide's title or its number. "
                   "Also read from SLIDES.slots.toml beside the deck.")
@click.option("--keep-placeholders", is_flag=True, help="Keep the videos the deck marks 'Replace with your ...'.")
@click.option("--table", is_flag=True, help="Replace the '| Model | FID' table with the project's measured comparison.")
@click.option("--fix-formulas", is_flag=True, help="Rewrite sqrt(alpha_t) x_0 + sqrt(1 - alpha_t) eps with alpha_bar_t.")
@click.option("--pdf", is_flag=True, help="Also print OUT/slides.pdf (Marp CLI through Chromium); videos show their poster.")
@click.option("--steps", is_flag=True, help="Each slide with one of our videos becomes one slide per beat, its clip "
              "starting when the slide is shown.")
@click.option("--interactive", is_flag=True, help="Each of our videos with an interactive twin (forward, reverse, "
              "guidance, flow) becomes the twin, in the slide: the same model and trajectories, live in the browser.")
@click.option("--check", is_flag=True, help="Then lay out every slide in Chromium and report what does not fit (check-deck).")
def deck(deck_path, out, quality, lang, jobs, slots, keep_placeholders, table, fix_formulas, pdf, steps, interactive,
         check):
    """Build a finished lecture from a Marp deck: every asset rendered and in place, then the HTML."""
    if not out.strip():  # before Path(), which reads "" as "."
        raise click.ClickException("--out is empty (an unset variable?): name the folder of the built deck, "
                                   "e.g. --out lecture")
    pairs = [s.rsplit("=", 1) for s in slots]
    if any(len(p) != 2 or not p[0].strip() or not p[1].strip() for p in pairs):
        raise click.BadParameter("expected WHERE=SCENE, e.g. 'Results: Image Generation=digits-reverse' or "
                                 "'assets/images/001.png=graphical-model'", param_hint="--slot")
    opts = DeckOptions(deck=Path(deck_path), out=Path(out), quality=quality, lang=lang, jobs=jobs,
                       slots={t.strip(): k.strip() for t, k in pairs}, table=table, fix_formulas=fix_formulas, pdf=pdf,
                       keep_placeholders=keep_placeholders, steps=steps, interactive=interactive)
    started = time.perf_counter()
    try:
        report = build_deck(opts, log=click.echo)
    except (FenceError, DeckError, JobError, RenderError, MissingLatex, CheckpointError, ValueError) as exc:
        raise fail(exc) from exc
    for note in report.notes:
        click.echo(f"note: {note}")
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    if report.missing:
        click.echo("supply these yourself (not made by any scene, not found beside the deck): " + ", ".join(report.missing))
    if report.backslashed:
        click.echo("write these paths with slashes (Marp keeps a backslash): " +
                   ", ".join(f"{p} -> {p.replace(chr(92), '/')}" for p in report.backslashed))
    fix = f", {len(report.backslashed)} to write with slashes" if report.backslashed else ""
    click.echo(f"{len(report.rendered)} rendered, {len(report.up_to_date)} up to date, {len(report.supplied)} supplied, "
               f"{len(report.missing)} missing{fix}; deck: {Path(out) / 'slides.md'}")
    click.echo(f"html: {report.html}" if report.html else report.html_note)
    if pdf:
        click.echo(f"pdf: {report.pdf}" if report.pdf else report.pdf_note)
    stages = ", ".join(f"{name} {s:.1f} s" for name, s in report.times.items() if s >= 0.05)
    click.echo(f"built in {time.perf_counter() - started:.1f} s" + (f" ({stages})" if stages else "")
               + (", then the check:" if check else ""))
    if check:
        if report.html is None:
            raise click.ClickException("--check: no HTML to check (" + report.html_note + ")")
        started = time.perf_counter()
        try:
            _report_check(report.html, report.pdf)
        except CheckError as exc:
            raise fail(exc) from exc
        finally:
            click.echo(f"checked in {time.perf_counter() - started:.1f} s")


def _report_check(html: Path, pdf: Path | None, sheet: Path | None = None, shots: tuple[int, ...] = ()) -> None:
    """The check's faults and notes; the contact sheet at ``sheet``; each of ``shots``
    beside the sheet, or without one in the checked folder (never the current one): none
    of them when one names a slide the deck does not have."""
    with tempfile.TemporaryDirectory(prefix="deck-shots-") as tmp:
        result = check_deck(html, pdf, shots=Path(tmp) if sheet or shots else None, log=click.echo)
        for fault in result.faults:
            click.echo(fault)
        for note in result.notes:
            click.echo(f"note: {note}")
        for n in shots:
            if not 1 <= n <= result.slides:
                raise click.BadParameter(f"slide {n}: the deck has {result.slides}", param_hint="--shot")
        if sheet:
            click.echo(f"contact sheet: {contact_sheet(result.shots, sheet)}")
        for n in shots:
            dst = (sheet.parent if sheet else html.parent) / f"deck_slide_{n:02d}.png"
            shutil.copyfile(result.shots[n - 1], dst)
            click.echo(f"slide {n}: {dst}")
    pages = f", {result.pdf_pages} PDF pages" if result.pdf_pages is not None else ""
    if result.faults:
        missing = {f.slide for f in result.faults if f.what.endswith("did not load")}
        layout = {f.slide for f in result.faults if not f.what.endswith("did not load")}
        raise click.ClickException(
            f"{result.slides} slides{pages}: " + (f"{len(layout)} do not fit or play as they should" if layout
                                                   else "every one fits") +
            (f"; {len(missing)} show an image or video that did not load (supply it beside the deck)" if missing else ""))
    click.echo(f"all {result.slides} slides fit and every image and video loads{pages}")


@cli.command()
@click.argument("scene", type=click.Choice([*TWINS, "all"]))
@click.option("--lang", type=click.Choice(LANGS), default=LANGS[0], show_default=True, help="The page's language.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True, help="The folder to write it into.")
def twin(scene, lang, out_dir):
    """Write SCENE's interactive twin: one self-contained HTML file (no network) with the
    video's own trajectories and the model's weights, run in the browser."""
    if not out_dir.strip():
        raise click.BadParameter("is empty; name the folder to write the twin into", param_hint="--out")
    for key in TWINS if scene == "all" else (scene,):
        try:
            path = write_twin(key, lang, Path(out_dir))
        except (TwinError, OSError) as exc:
            raise fail(exc) from exc
        click.echo(f"{path} ({path.stat().st_size / 1e6:.2f} MB): open it in a browser")


@cli.command("check-deck")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.option("--sheet", type=click.Path(dir_okay=False), default=None,
              help="Also write a contact sheet of every slide (screenshots at 1280x720) here.")
@click.option("--shot", "shots", type=int, multiple=True,
              help="Also keep slide N's screenshot beside the sheet (without one: in FOLDER).")
@click.option("--presenter", type=int, default=None, metavar="N",
              help="Also a screenshot of Marp's presenter view at slide N (its notes), beside the sheet (or in FOLDER).")
def check_deck_command(folder, sheet, shots, presenter):
    """Lay out every slide of FOLDER/slides.html (and slides.pdf) in Chromium; one line per fault."""
    html, pdf = Path(folder) / "slides.html", Path(folder) / "slides.pdf"
    try:
        if presenter is not None:
            where = (Path(sheet).parent if sheet else Path(folder)) / f"deck_presenter_{presenter:02d}.png"
            click.echo(f"presenter view: {presenter_shot(html, presenter, where)}")
        _report_check(html, pdf if pdf.is_file() else None, Path(sheet) if sheet else None, shots)
    except CheckError as exc:
        raise fail(exc) from exc


if __name__ == "__main__":
    cli()
