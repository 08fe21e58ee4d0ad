"""The GPU training loop (run here on the CPU, uncompiled) and the training snapshots."""

from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner

import cli
from diffusion_core import TrainingDiverged
from diffusion_core.fast_fit import FastOptions, fit_fast
from diffusion_core.mnist import SmallUNet, TrainingSnapshots, UNetConfig, parse_steps
from diffusion_core.schedule import ScheduleConfig

ROOT = Path(__file__).resolve().parents[1]

EAGER = FastOptions(compile_mode="none", check_every=4)
TINY_UNET = UNetConfig(base=8, mults=(1, 2), emb_dim=32)


def test_fast_loop_trains_and_calls_back_at_the_steps_asked():
    torch.manual_seed(0)
    images = torch.rand(32, 1, 28, 28) * 2 - 1
    model = SmallUNet(TINY_UNET)
    init = {k: v.clone() for k, v in model.state_dict().items()}
    seen = []

    def hook(step, seconds, ema_model):
        assert not ema_model.training
        seen.append((step, seconds))

    stamps = []
    ema, history, wall = fit_fast(model, images, ScheduleConfig("linear", 20).build(), 12, 8, 1e-3, 0.9, 0,
                                  EAGER, on_checkpoint=hook, at_steps=(0, 5), every=10, progress=False,
                                  step_times=stamps)
    assert [s for s, _ in seen] == [0, 5, 10, 12]
    assert [t for _, t in seen] == sorted(t for _, t in seen) and seen[-1][1] <= wall + 0.01
    assert [s for s, _ in stamps] == [4, 8, 12]
    assert len(history) == 2 and all(np.isfinite(history))  # steps 0 and 11, as fit() records
    assert any(not torch.equal(init[k], v) for k, v in ema.state_dict().items())


def test_fast_loop_stops_on_a_nan_loss():
    model = SmallUNet(TINY_UNET)
    with torch.no_grad():
        model.out[-1].bias.fill_(float("nan"))
    with pytest.raises(TrainingDiverged, match="became nan at step 0"):
        fit_fast(model, torch.zeros(8, 1, 28, 28), ScheduleConfig("linear", 20).build(), 8, 4, 1e-3, 0.9, 0, EAGER,
                 progress=False)


def test_fast_options_refuse_unknown_modes():
    with pytest.raises(ValueError, match="unknown compile mode 'fastest'; valid: none, default"):
        FastOptions(compile_mode="fastest")


def test_snapshot_steps_are_parsed_and_checked():
    assert parse_steps("0, 250,100,100", 300) == [0, 100, 250]
    with pytest.raises(ValueError, match=r"0\.\.300 .*\[500\]"):
        parse_steps("0,500", 300)
    with pytest.raises(ValueError, match="comma-separated"):
        parse_steps("0;5", 300)


def test_snapshot_file_roundtrip_and_damage(tmp_path):
    snaps = TrainingSnapshots(np.array([0, 10]), np.zeros((2, 16, 28, 28), np.uint8), np.array([10]),
                              np.array([12.5]), np.array([0.5]), 2.5, np.array([0, 10]), np.array([1.0, 0.5]),
                              {"command": "python cli.py train mnist"})
    back = TrainingSnapshots.load(snaps.save(tmp_path / "s.npz"))
    assert back.meta == snaps.meta and back.real_fid == 2.5 and back.digits.shape == (2, 16, 28, 28)
    (tmp_path / "bad.npz").write_bytes(b"PK\x03\x04 garbage")
    with pytest.raises(ValueError, match="bad.npz: not a training-snapshot file"):
        TrainingSnapshots.load(tmp_path / "bad.npz")


def test_train_mnist_snapshots_from_the_cli(tiny_mnist_dir, tmp_path):
    out, snaps = tmp_path / "m.pt", tmp_path / "snaps.npz"
    args = ["train", "mnist", "--steps", "6", "--T", "20", "--batch-size", "4", "--probe-n", "8",
            "--data-dir", str(tiny_mnist_dir), "--out", str(out), "--quiet"]
    result = CliRunner().invoke(cli.cli, [*args, "--snapshots", "0,3,6", "--snapshots-out", str(snaps)])
    assert result.exit_code == 0, result.output
    s = TrainingSnapshots.load(snaps)
    assert list(s.steps) == [0, 3, 6] and s.digits.shape == (3, 16, 28, 28) and s.digits.dtype == np.uint8
    assert list(s.probe_steps) == [0, 3, 6] and np.isfinite(s.probe_fid).all() and s.real_fid > 0
    assert "--snapshots 0,3,6" in s.meta["command"]
    # the same noises at every snapshot: the untrained model's digits differ from the trained one's
    assert not np.array_equal(s.digits[0], s.digits[-1])
    result = CliRunner().invoke(cli.cli, [*args, "--snapshots", "0,60"])
    assert result.exit_code == 2 and "steps must lie in 0..6" in result.output
    result = CliRunner().invoke(cli.cli, [*args, "--compile", "default"])
    assert result.exit_code == 2 and "compilation is for the GPU loop" in result.output
    result = CliRunner().invoke(cli.cli, ["train", "--compile", "default"])
    assert result.exit_code == 2 and "--compile is for 'train mnist'" in result.output


def test_a_gpu_run_with_a_training_time_trains_first(tmp_path):
    """--train-seconds: the model is trained first (its steps from the time and the rate),
    then the table and the benchmarks, each only as time allows (a run once left 12 s for
    training because benchmarks and a pessimistic estimate came first)."""
    import subprocess
    import sys

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from mnist_gpu_run import planned_steps

    assert planned_steps(150, 85.0, 1000, 200_000) == 12_500
    assert planned_steps(1, 85.0, 1000, 200_000) == 1000 and planned_steps(1e6, 85.0, 1000, 200_000) == 200_000
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "mnist_gpu_run.py"), "--out", str(tmp_path / "o"),
                          "--train-seconds", "150", "--dry-run"], capture_output=True, text=True, check=True).stdout
    stages = [line.split(":")[1].strip() for line in out.splitlines() if line.startswith("plan:")]
    assert stages == ["train", "compare", "extra", "benchmarks"]
    assert "--steps 12500" in out and "--compile reduce-overhead" in out and not (tmp_path / "o").exists()
