"""The command line, through click's CliRunner: commands and every error path."""

import os

import pytest
import torch
from click.testing import CliRunner

import cli
from scenes import forward as forward_module
from scenes.registry import SCENES
from scenes.rendering import RenderJob, render_scene

TINY_TRAIN = ["--dataset", "8gaussians", "--steps", "60", "--T", "50", "--hidden", "16", "--quiet"]


@pytest.fixture()
def runner():
    return CliRunner()


def test_help_lists_commands(runner):
    result = runner.invoke(cli.cli, ["--help"])
    assert result.exit_code == 0
    for command in ("train", "sample", "datasets", "render", "list"):
        assert command in result.output


def test_datasets_and_list(runner):
    result = runner.invoke(cli.cli, ["datasets"])
    assert result.exit_code == 0 and "moons" in result.output and "text" in result.output
    result = runner.invoke(cli.cli, ["list"])
    assert result.exit_code == 0
    for spec in SCENES.values():
        assert spec.key in result.output and f"{spec.video}.mp4" in result.output
    assert runner.invoke(cli.cli, ["render", "--list"]).output == result.output


def test_train_then_sample(runner, tmp_path, models_tmp):
    ckpt = tmp_path / "m.pt"
    result = runner.invoke(cli.cli, ["train", *TINY_TRAIN, "--out", str(ckpt)])
    assert result.exit_code == 0, result.output
    assert ckpt.is_file() and "SWD(generated, data)" in result.output
    traj = tmp_path / "t.npz"
    result = runner.invoke(cli.cli, ["sample", "--checkpoint", str(ckpt), "--sampler", "ddim",
                                     "--sample-steps", "10", "-n", "64", "--out", str(traj)])
    assert result.exit_code == 0, result.output
    from diffusion_core import Trajectory

    loaded = Trajectory.load(traj)
    assert loaded.xs.shape == (11, 64, 2) and loaded.meta["sampler"] == "ddim"
    assert "ratio" in result.output


def test_train_default_out_is_the_cache(runner, models_tmp):
    result = runner.invoke(cli.cli, ["train", *TINY_TRAIN])
    assert result.exit_code == 0, result.output
    assert len(list((models_tmp / "toy").glob("8gaussians-*.pt"))) == 1


@pytest.mark.parametrize("args, message", [
    (["train", "--dataset", "mons"], "'mons' is not one of 'swiss_roll', 'moons'"),
    (["train", "--schedule", "quadratic"], "'quadratic' is not one of 'linear', 'cosine'"),
    (["train", "--steps", "0"], "0 is not in the range 1<=x<=1000000"),
    (["train", "--device", "tpu"], "'tpu' is not one of 'cpu', 'cuda'"),
    (["sample", "--sampler", "dpm"], "'dpm' is not one of 'ddpm', 'ddim'"),
    (["render", "nope"], "'nope' is not one of 'digits-forward'"),
    (["render", "forward", "--quality", "ultra"], "'ultra' is not one of 'low', 'medium', 'high', '4k'"),
    (["render", "forward", "--lang", "fr"], "'fr' is not one of 'es', 'en'"),
    (["render", "forward", "--format", "avi"], "'avi' is not one of 'mp4', 'gif', 'png'"),
    (["render"], "name a scene"),
])
def test_usage_errors_exit_2(runner, args, message):
    result = runner.invoke(cli.cli, args)
    assert result.exit_code == 2
    assert message in result.output


def test_cuda_missing_is_a_usage_error(runner, tmp_path, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    result = runner.invoke(cli.cli, ["train", *TINY_TRAIN, "--device", "cuda", "--out", str(tmp_path / "m.pt")])
    assert result.exit_code == 2 and "no CUDA device" in result.output
    assert not (tmp_path / "m.pt").exists()


def test_unwritable_outputs(runner, tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    result = runner.invoke(cli.cli, ["train", *TINY_TRAIN, "--out", str(blocker / "m.pt")])
    assert result.exit_code == 2 and "not a writable directory" in result.output
    result = runner.invoke(cli.cli, ["render", "forward", "--out", str(blocker / "renders")])
    assert result.exit_code == 2 and "not a writable directory" in result.output
    result = runner.invoke(cli.cli, ["render", "forward", "--out", str(blocker)])
    assert result.exit_code == 2
    assert os.listdir(tmp_path) == ["file.txt"]


def test_diverging_training_writes_nothing(runner, tmp_path):
    out = tmp_path / "m.pt"
    result = runner.invoke(cli.cli, ["train", *TINY_TRAIN, "--steps", "300", "--lr", "10", "--out", str(out)])
    assert result.exit_code == 1
    assert "training stopped" in result.output and "lower the learning rate" in result.output
    assert not out.exists() and os.listdir(tmp_path) == []


def test_bad_checkpoint_is_refused(runner, tmp_path):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    result = runner.invoke(cli.cli, ["sample", "--checkpoint", str(bad), "--out", str(tmp_path / "t.npz")])
    assert result.exit_code == 1
    assert "bad.pt: not a readable checkpoint" in result.output and "python cli.py train" in result.output
    assert not (tmp_path / "t.npz").exists()


def test_ddim_steps_above_T(runner, tmp_path):
    ckpt = tmp_path / "m.pt"
    assert runner.invoke(cli.cli, ["train", *TINY_TRAIN, "--out", str(ckpt)]).exit_code == 0
    result = runner.invoke(cli.cli, ["sample", "--checkpoint", str(ckpt), "--sampler", "ddim",
                                     "--sample-steps", "51", "--out", str(tmp_path / "t.npz")])
    assert result.exit_code == 2 and "must be at most T = 50" in result.output


def test_missing_latex_is_one_clear_message(runner, tmp_path, monkeypatch):
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    result = runner.invoke(cli.cli, ["render", "schedule", "--out", str(tmp_path / "r")])
    assert result.exit_code == 1
    assert "MathTex needs LaTeX" in result.output
    assert "texlive-latex-base texlive-latex-extra texlive-fonts-recommended dvisvgm" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "r").exists() or not any((tmp_path / "r").iterdir())


@pytest.mark.parametrize("interrupt", [RuntimeError("boom"), KeyboardInterrupt()])
def test_failed_render_keeps_the_earlier_file(tmp_path, monkeypatch, interrupt):
    out = tmp_path / "renders"
    out.mkdir()
    earlier = out / "DiffusionProcess.mp4"
    earlier.write_bytes(b"the lecture's current video")

    def fail(self, *args, **kwargs):
        raise interrupt

    monkeypatch.setattr(forward_module.ForwardProcess, "show_gaussian", fail)
    with pytest.raises(type(interrupt)):
        render_scene(RenderJob.of("forward", out_dir=out, settings={"n_points": 50}, resolution=(128, 72), fps=3, progress=False))
    assert earlier.read_bytes() == b"the lecture's current video"
    assert sorted(p.name for p in out.iterdir()) == ["DiffusionProcess.mp4"]


def test_render_command_writes_the_deck_name(runner, tmp_path, monkeypatch):
    # the CLI passes its options on; keep the render tiny
    real = cli.render_scene

    def tiny(job):
        assert job.lang == "en" and dict(job.settings) == {"dataset": "circles"}  # the flags, in the job
        return real(job.but(settings={**dict(job.settings), "n_points": 100}, resolution=(128, 72), fps=3))

    monkeypatch.setattr(cli, "render_scene", tiny)
    result = runner.invoke(cli.cli, ["render", "forward", "--quality", "low", "--lang", "en",
                                     "--dataset", "circles", "--format", "png", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "forward_process_en.png").is_file()


def test_guidance_and_flow_options_and_their_errors(runner, tmp_path):
    """The shipped flow and conditional models through `sample`, and each option that
    cannot work refused in one line, nothing written."""
    out = tmp_path / "t.npz"
    flow = ["sample", "--dataset", "8gaussians", "--objective", "velocity", "-n", "200", "--out", str(out)]
    result = runner.invoke(cli.cli, [*flow, "--sampler", "flow", "--sample-steps", "5"])
    assert result.exit_code == 0 and out.is_file() and "flow: 5 steps" in result.output, result.output
    out.unlink()
    result = runner.invoke(cli.cli, [*flow, "--sampler", "ddpm"])
    assert result.exit_code == 1 and "trained by flow matching" in result.output and "not ddpm" in result.output
    assert not out.exists()
    guided = ["sample", "--classes", "--label", "0", "--guidance", "3", "--sampler", "ddim", "-n", "200",
              "--out", str(out)]
    result = runner.invoke(cli.cli, guided)
    assert result.exit_code == 0 and "class 0, w = 3:" in result.output and "in the class" in result.output
    for args, message in [
        (["sample", "--guidance", "2", "--out", str(tmp_path / "g.npz")], "add --label"),
        (["sample", "--label", "0", "--out", str(tmp_path / "g.npz")], "has no classes"),
        (["sample", "--classes", "--label", "5", "--out", str(tmp_path / "g.npz")], "not 5"),
        (["train", "--classes", "--dataset", "spiral", "--steps", "10"], "spiral has no classes"),
        (["train", "--cond-drop", "0.2", "--steps", "10"], "add --classes"),
        (["train", "--classes", "--cond-drop", "1", "--steps", "10"], "must be below 1"),
    ]:
        result = runner.invoke(cli.cli, args)
        assert result.exit_code in (1, 2) and message in result.output, (args, result.output)
    assert not (tmp_path / "g.npz").exists()


def test_render_data_options_name_the_option_given(runner, tmp_path):
    """--text without --dataset on a scene that cannot draw text is an error of --text,
    naming what the scene draws (it was reported as dataset='text' not valid)."""
    for args, message in ((["guidance", "--text", "hola"], "--text: the guidance scene draws moons, 8gaussians"),
                          (["guidance", "--dataset", "spiral"], "--dataset: the guidance scene draws moons"),
                          (["schedule", "--text", "hola"], "--text: the schedule scene draws no toy data set")):
        result = runner.invoke(cli.cli, ["render", *args, "--out", str(tmp_path)])
        assert result.exit_code == 2 and message in result.output, result.output
        assert "dataset='text'" not in result.output
    assert list(tmp_path.iterdir()) == []
