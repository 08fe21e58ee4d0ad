import dataclasses

import pytest
import torch

from diffusion_core import (
    CheckpointError,
    MLPDenoiser,
    NoiseSchedule,
    TrainingDiverged,
    Trajectory,
    checkpoint_path,
    ddim_sample,
    ddpm_sample,
    evaluate_toy,
    load_checkpoint,
    load_or_train,
    save_checkpoint,
    train_toy,
)


@pytest.fixture(scope="module")
def untrained():
    torch.manual_seed(0)
    return MLPDenoiser(), NoiseSchedule.linear(50)


def test_ddpm_shapes_and_determinism(untrained):
    model, sched = untrained
    a = ddpm_sample(model, sched, (64, 2), torch.Generator().manual_seed(7))
    b = ddpm_sample(model, sched, (64, 2), torch.Generator().manual_seed(7))
    c = ddpm_sample(model, sched, (64, 2), torch.Generator().manual_seed(8))
    assert a.xs.shape == (51, 64, 2) and a.x0_preds.shape == (50, 64, 2)
    assert a.timesteps.tolist() == list(range(50, -1, -1))
    torch.testing.assert_close(a.xs, b.xs)
    assert not torch.equal(a.samples, c.samples)
    post = ddpm_sample(model, sched, (64, 2), torch.Generator().manual_seed(7), variance="posterior")
    torch.testing.assert_close(post.xs[0], a.xs[0])  # same x_T, other noise scale
    assert not torch.equal(post.samples, a.samples)
    with pytest.raises(ValueError, match="valid: beta, posterior"):
        ddpm_sample(model, sched, (4, 2), variance="learned")


def test_ddim_shapes_determinism_and_eta(untrained):
    model, sched = untrained
    a = ddim_sample(model, sched, (32, 2), steps=10, generator=torch.Generator().manual_seed(1))
    assert a.xs.shape == (11, 32, 2) and a.x0_preds.shape == (10, 32, 2)
    assert a.timesteps[0] == 50 and a.timesteps[-1] == 0
    assert bool((a.timesteps[1:] < a.timesteps[:-1]).all())
    # eta = 0: deterministic given x_T, whatever the generator does afterwards
    b = ddim_sample(model, sched, (32, 2), steps=10, x_T=a.xs[0])
    torch.testing.assert_close(a.xs, b.xs)
    s1 = ddim_sample(model, sched, (32, 2), steps=10, eta=1.0, x_T=a.xs[0], generator=torch.Generator().manual_seed(2))
    assert not torch.equal(s1.samples, a.samples)
    with pytest.raises(ValueError, match="1..50"):
        ddim_sample(model, sched, (4, 2), steps=51)


def test_ddim_with_all_steps_and_eta_one_is_ddpm_posterior(untrained):
    """Song et al. 2021: eta = 1 over every timestep is DDPM with sigma_t^2 = beta_tilde_t."""
    model, sched = untrained
    x_T = torch.randn(16, 2, generator=torch.Generator().manual_seed(3))
    d = ddim_sample(model, sched, (16, 2), steps=50, eta=1.0, x_T=x_T, generator=torch.Generator().manual_seed(4))
    assert d.timesteps.tolist() == list(range(50, -1, -1))
    # one step from the same x_t and the same z gives the same x_{t-1}
    t = 30
    x_t = d.xs[50 - t]
    z = torch.randn(16, 2, generator=torch.Generator().manual_seed(5))
    with torch.no_grad():
        eps = model(x_t, torch.full((16,), t))
    x0 = sched.predict_x0(x_t, t, eps)
    mean, var = sched.posterior(x0, x_t, t)
    ddpm_next = mean + var.sqrt() * z
    a_t, a_p = sched.alpha_bar[t].item(), sched.alpha_bar[t - 1].item()
    sigma = ((1 - a_p) / (1 - a_t) * (1 - a_t / a_p)) ** 0.5
    ddim_next = a_p**0.5 * x0 + (1 - a_p - sigma**2) ** 0.5 * eps + sigma * z
    torch.testing.assert_close(ddim_next, ddpm_next, atol=1e-5, rtol=1e-4)


def test_trajectory_save_load(tmp_path, untrained):
    model, sched = untrained
    traj = ddim_sample(model, sched, (8, 2), steps=5, generator=torch.Generator().manual_seed(0))
    traj.meta["dataset"] = "moons"
    traj.save(tmp_path / "t.npz")
    back = Trajectory.load(tmp_path / "t.npz")
    torch.testing.assert_close(back.xs, traj.xs)
    assert back.meta == traj.meta
    (tmp_path / "bad.npz").write_text("nope")
    with pytest.raises(ValueError, match="not a trajectory file"):
        Trajectory.load(tmp_path / "bad.npz")


def test_training_lowers_loss_and_beats_untrained(trained_small, small_config):
    hist = trained_small.loss_history
    assert hist[-1] < 0.8 * hist[0]
    untrained = MLPDenoiser(small_config.model)
    before = evaluate_toy(untrained, trained_small.schedule, small_config.data, n=1000)
    after = trained_small.metrics
    assert after["swd"] < 0.5 * before["swd"]
    assert after["ratio"] < 4  # a short run, not the benchmark


def test_training_is_seeded(small_config):
    cfg = dataclasses.replace(small_config, steps=30)
    a = train_toy(cfg, progress=False, eval_n=0)
    b = train_toy(cfg, progress=False, eval_n=0)
    for pa, pb in zip(a.model.parameters(), b.model.parameters()):
        torch.testing.assert_close(pa, pb)


def test_nan_guard(small_config):
    cfg = dataclasses.replace(small_config, steps=200, lr=1e12)
    with pytest.raises(TrainingDiverged, match="lower the learning rate"):
        train_toy(cfg, progress=False, eval_n=0)


def test_checkpoint_roundtrip_and_refusals(tmp_path, trained_small, small_config):
    path = save_checkpoint(trained_small, tmp_path / "m.pt")
    back = load_checkpoint(path, expected=small_config)
    assert back.config == small_config and back.loss_history == trained_small.loss_history
    assert back.metrics == trained_small.metrics
    for pa, pb in zip(back.model.parameters(), trained_small.model.parameters()):
        torch.testing.assert_close(pa, pb)
    other = dataclasses.replace(small_config, seed=1)
    with pytest.raises(CheckpointError, match="m.pt: trained with"):
        load_checkpoint(path, expected=other)
    (tmp_path / "corrupt.pt").write_bytes(b"\x00garbage")
    with pytest.raises(CheckpointError, match=r"corrupt.pt: not a readable checkpoint.*python cli.py train"):
        load_checkpoint(tmp_path / "corrupt.pt")
    payload = torch.load(path, weights_only=True)
    payload["format_version"] = 99
    torch.save(payload, tmp_path / "future.pt")
    with pytest.raises(CheckpointError, match="format 99"):
        load_checkpoint(tmp_path / "future.pt")
    payload["format_version"] = 1
    payload["config"]["model"]["hidden"] = 7
    torch.save(payload, tmp_path / "mismatch.pt")
    with pytest.raises(CheckpointError, match="do not match this code"):
        load_checkpoint(tmp_path / "mismatch.pt")
    with pytest.raises(CheckpointError, match="no such checkpoint"):
        load_checkpoint(tmp_path / "missing.pt")


def test_cache_trains_once(models_tmp, small_config, capsys):
    cfg = dataclasses.replace(small_config, steps=20)
    first = load_or_train(cfg, progress=False)
    path = checkpoint_path(cfg)
    assert path.is_file() and path.parent.parent == models_tmp
    mtime = path.stat().st_mtime_ns
    second = load_or_train(cfg, progress=False)
    assert path.stat().st_mtime_ns == mtime
    for pa, pb in zip(first.model.parameters(), second.model.parameters()):
        torch.testing.assert_close(pa, pb)
    assert list(models_tmp.rglob("*.part")) == []


# ------------------------------------------------------------ the training run
def test_a_recorded_run_is_the_plain_run_watched(small_config):
    """Snapshots change nothing: the last one samples exactly what the plain run's model does."""
    from diffusion_core import DDPM, record_training_run, sample

    cfg = dataclasses.replace(small_config, steps=200)
    run = record_training_run(cfg, steps=(0, 20, 100, 200), n=300, progress=False)
    plain = train_toy(cfg, progress=False, eval_n=0)
    final = sample(plain.model, plain.schedule, (300, 2), DDPM(),
                   generator=torch.Generator().manual_seed(0), record=False).samples
    assert list(run.steps) == [0, 20, 100, 200] and run.samples.shape == (4, 300, 2)
    assert torch.equal(torch.from_numpy(run.samples[-1]), final)
    assert run.ratio[-1] < run.ratio[0] / 5  # the distance to the data falls along the run
    with pytest.raises(ValueError, match="0..200"):
        record_training_run(cfg, steps=(0, 500))


def test_the_shipped_training_run_ends_at_the_shipped_model():
    """The run beside models/toy/moons-*.pt is that model's own configuration and seed: its
    last snapshot samples what the shipped model samples (up to the float rounding of the
    machine that trained the shipped file: weights within 1e-5)."""
    from diffusion_core import (
        DDPM,
        TRAINING_STEPS,
        DataConfig,
        TrainConfig,
        TrainingRun,
        sample,
        training_run_path,
    )

    cfg = TrainConfig(data=DataConfig("moons"))
    path = training_run_path(cfg, TRAINING_STEPS, 2000, 0)
    run = TrainingRun.load(path)
    assert run.meta["config_key"] == path.name.split("-")[1].split(".")[0]
    model = load_or_train(cfg, progress=False)
    final = sample(model.model, model.schedule, (2000, 2), DDPM(),
                   generator=torch.Generator().manual_seed(0), record=False).samples
    torch.testing.assert_close(torch.from_numpy(run.samples[-1]), final, atol=1e-3, rtol=0)
    assert run.ratio[0] > 100 and run.ratio[-1] < 1.5 and run.ratio[-1] < run.ratio[3]
    assert run.loss[-1] < 0.3 * run.loss[0]
