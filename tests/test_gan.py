"""The GAN beside the DDPM: the mode count, the losses and one training step against
their formulas, a seed that fixes the run, and the scene's still."""

import math

import pytest
import torch
from manim.utils.testing.frames_comparison import frames_comparison
from scene_testing import whole_scene

from diffusion_core import (
    DataConfig,
    GanConfig,
    TrainingDiverged,
    d_loss,
    g_loss,
    mode_centres,
    mode_coverage,
    sample_data,
    train_gan,
)
from diffusion_core.toy.gan import Discriminator, Generator
from scenes.gan import GanVsDiffusion

__module_test__ = "scenes"


def test_mode_coverage_counts_what_it_is_given():
    centres, std = mode_centres("8gaussians")
    every = mode_coverage(sample_data("8gaussians", 4000, seed=3), centres, std)
    assert every.covered == every.modes == 8 and every.off_mode < 0.02
    three = torch.cat([c + std * torch.randn(300, 2, generator=torch.Generator().manual_seed(i))
                       for i, c in enumerate(centres[:3])])
    got = mode_coverage(three, centres, std)
    assert got.covered == 3 and got.off_mode < 0.02 and sum(got.shares[3:]) == 0
    far = mode_coverage(torch.full((100, 2), 50.0), centres, std)
    assert far.covered == 0 and far.off_mode == 1.0
    # a mode with fewer than a quarter of its fair share is not covered
    few = torch.cat([three, centres[3] + 0.0 * torch.zeros(10, 2)])
    assert mode_coverage(few, centres, std).covered == 3
    assert mode_centres("25gaussians")[0].shape == (25, 2)
    with pytest.raises(ValueError, match="no countable modes"):
        mode_centres("moons")


def test_the_losses_are_goodfellows():
    real, fake = torch.tensor([2.0, -1.0, 0.5]), torch.tensor([-3.0, 0.0, 1.5])
    sig = torch.sigmoid
    assert d_loss(real, fake).item() == pytest.approx((-torch.log(sig(real)).mean() - torch.log(1 - sig(fake)).mean()).item())
    assert g_loss(fake).item() == pytest.approx(-torch.log(sig(fake)).mean().item())
    assert g_loss(torch.tensor([50.0])).item() == pytest.approx(0.0, abs=1e-12)  # non-saturating: no NaN, no overflow


def test_one_training_step_is_a_discriminator_then_a_generator_adam_step():
    """train_gan's first step, written out: the same draws, D's Adam step on L_D, then
    G's on L_G against the updated D; Adam's first step is -lr * g / (|g| + eps)."""
    config = GanConfig(data=DataConfig("8gaussians"), hidden=16, layers=2, steps=1, batch_size=32, pool_size=1000,
                       n_snapshot=8)
    run = train_gan(config)
    torch.manual_seed(config.seed)
    G, D = Generator(config), Discriminator(config)
    pool = sample_data(config.data, config.pool_size, seed=config.seed)
    gen = torch.Generator().manual_seed(config.seed + 1)
    torch.randn(config.n_snapshot, config.z_dim, generator=gen)  # the fixed z
    idx = torch.randint(0, len(pool), (config.batch_size,), generator=gen)
    real, z = pool[idx], torch.randn(config.batch_size, config.z_dim, generator=gen)

    def adam_first_step(module, loss):
        grads = torch.autograd.grad(loss, list(module.parameters()))
        with torch.no_grad():
            for p, g in zip(module.parameters(), grads):
                p -= config.lr * g / (g.abs() + 1e-8)

    sig = torch.sigmoid
    adam_first_step(D, -torch.log(sig(D(real))).mean() - torch.log(1 - sig(D(G(z).detach()))).mean())
    adam_first_step(G, -torch.log(sig(D(G(z)))).mean())
    for mine, theirs in zip(G.parameters(), run.generator.parameters()):
        assert torch.allclose(mine, theirs, atol=1e-6)


def test_a_seed_fixes_the_run_and_a_blow_up_is_reported():
    config = GanConfig(steps=60, hidden=32, pool_size=2000, n_snapshot=64)
    a, b = train_gan(config), train_gan(config)
    assert a.steps == [0, 50, 60] and torch.equal(a.samples, b.samples) and a.d_losses == b.d_losses
    assert not torch.equal(a.samples, train_gan(GanConfig(steps=60, hidden=32, pool_size=2000, n_snapshot=64,
                                                          seed=1)).samples)
    with pytest.raises(TrainingDiverged, match="lower the learning rate"):
        train_gan(GanConfig(steps=200, hidden=32, pool_size=2000, n_snapshot=8, lr=1e12))


class SmallGan(GanVsDiffusion):
    n_points = 400


@frames_comparison(base_scene=SmallGan)
def test_gan_still(scene):
    """The end: the shipped GAN run (seed 0) and the DDPM over the data, each mode ringed,
    with the (pinned) times."""
    scene.times = lambda run, traj: (0.0014, 2.5)
    whole_scene(scene)


def test_the_scene_counts_the_modes_its_runs_reach():
    from diffusion_core import gan_run

    run = gan_run(GanConfig())
    centres, std = mode_centres("8gaussians")
    assert [c.covered for c in run.coverage] == [mode_coverage(s, centres, std).covered for s in run.samples]
    assert math.isfinite(run.d_losses[-1]) and run.steps[-1] == 5000


def test_long_training_and_sampling_show_progress(capsys):
    """A GAN trained for a render, and a sampling run that takes long, show a progress bar
    on stderr (a 25-Gaussians GAN once trained for ten minutes without a word)."""
    import torch

    from diffusion_core import DDPM, NoiseSchedule, sample

    train_gan(GanConfig(steps=30), progress=True)
    assert "GAN 8gaussians" in capsys.readouterr().err

    class Zero(torch.nn.Module):
        objective = "eps"

        def forward(self, x, t):
            return torch.zeros_like(x)

    sample(Zero(), NoiseSchedule.linear(20), (4, 2), DDPM(), progress=True)
    assert "sampling ddpm" in capsys.readouterr().err
    train_gan(GanConfig(steps=30))
    sample(Zero(), NoiseSchedule.linear(20), (4, 2), DDPM())
    assert capsys.readouterr().err == ""  # quiet unless asked
