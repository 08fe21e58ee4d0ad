"""The VAE (diffusion_core/toy/vae.py): its terms against their closed forms, the ELBO
against log p(x) where p(x) is known, training, its kept run; the trilemma's measurement."""

import math

import pytest
import torch
from torch.distributions import MultivariateNormal, Normal, kl_divergence

from diffusion_core import (
    VAE,
    TrainingDiverged,
    TrilemmaConfig,
    VaeConfig,
    elbo,
    gaussian_log_prob,
    kl_to_standard_normal,
    measure_trilemma,
    speed_score,
    train_vae,
    vae_path,
    vae_run,
)

TINY = dict(hidden=16, layers=2, steps=200, batch_size=64, pool_size=2000, n_snapshot=32)


def test_the_log_density_and_the_kl_are_torchs():
    g = torch.Generator().manual_seed(0)
    x, mean, log_var = (torch.randn(50, 3, generator=g) for _ in range(3))
    want = Normal(mean, (0.5 * log_var).exp()).log_prob(x).sum(-1)
    assert torch.allclose(gaussian_log_prob(x, mean, log_var), want, atol=1e-5)
    kl = kl_divergence(Normal(mean, (0.5 * log_var).exp()), Normal(torch.zeros(3), torch.ones(3))).sum(-1)
    assert torch.allclose(kl_to_standard_normal(mean, log_var), kl, atol=1e-5)
    assert torch.allclose(kl_to_standard_normal(torch.zeros(4, 2), torch.zeros(4, 2)), torch.zeros(4))


class LinearGaussian(VAE):
    """x = W z + b + s e: p(x) = N(b, W W^T + s^2 I) in closed form, and so is the exact
    posterior q(z|x) = N(M^-1 W^T (x - b), s^2 M^-1), M = W^T W + s^2 I (Bishop 12.2)."""

    def __init__(self, shift: float = 0.0):
        super().__init__(VaeConfig(**TINY))
        self.W = torch.tensor([[1.5, -0.4], [0.3, 0.8]])
        self.b, self.s2, self.shift = torch.tensor([0.2, -1.0]), 0.25, shift

    def encode(self, x):
        M = self.W.T @ self.W + self.s2 * torch.eye(2)
        Minv = torch.linalg.inv(M)
        mean = (x - self.b) @ self.W @ Minv.T + self.shift
        var = torch.diagonal(self.s2 * Minv)  # the diagonal of the exact covariance
        return mean, var.log().expand_as(mean)

    def decode(self, z):
        return z @ self.W.T + self.b, torch.full_like(z, math.log(self.s2))


def test_the_elbo_is_a_lower_bound_on_the_closed_form_log_likelihood():
    """For the linear-Gaussian model, log p(x) is known. The ELBO (one reparametrised z
    per draw, the KL in closed form) averaged over many draws stays below it; with the
    encoder at the exact posterior's mean the gap is only the diagonal's, and a wrong
    encoder widens it."""
    model = LinearGaussian()
    x = torch.tensor([[0.5, 0.1], [-2.0, 1.5], [3.0, -0.5]])
    log_px = MultivariateNormal(model.b, model.W @ model.W.T + model.s2 * torch.eye(2)).log_prob(x)
    g = torch.Generator().manual_seed(0)
    draws = torch.stack([elbo(model, x, torch.randn(3, 2, generator=g)) for _ in range(20_000)]).mean(0)
    assert (draws <= log_px + 0.02).all()
    assert (log_px - draws < 0.6).all()  # the diagonal posterior's gap, small here
    wrong = LinearGaussian(shift=1.0)
    worse = torch.stack([elbo(wrong, x, torch.randn(3, 2, generator=g)) for _ in range(5_000)]).mean(0)
    assert (worse < draws - 0.5).all()


def test_a_short_run_raises_the_elbo_and_records_its_snapshots():
    run = train_vae(VaeConfig(**TINY))
    assert run.steps == [0, 50, 100, 200] and run.samples.shape == (4, 32, 2)
    assert sum(run.elbos[-20:]) / 20 > sum(run.elbos[:20]) / 20 + 0.05  # it learns (the shipped 5,000-step run: -2.8 to -1.5)
    assert torch.isfinite(run.samples).all()
    again = train_vae(VaeConfig(**TINY))
    assert torch.equal(run.samples, again.samples)  # seeded


def test_a_diverging_run_says_so():
    with pytest.raises(TrainingDiverged, match="VAE's ELBO"):
        train_vae(VaeConfig(**{**TINY, "lr": 1e12}))


@pytest.mark.parametrize("bad", [dict(steps=0), dict(lr=float("nan")), dict(z_dim=0), dict(lr=-1.0)])
def test_its_settings_are_checked(bad):
    with pytest.raises(ValueError):
        VaeConfig(**bad)


def test_a_run_is_kept_and_read_back(models_tmp, capsys):
    config = VaeConfig(**TINY)
    first = vae_run(config)
    assert vae_path(config).is_file() and "Training a VAE" in capsys.readouterr().err
    second = vae_run(config)
    assert "Training" not in capsys.readouterr().err
    assert torch.equal(first.samples, second.samples)
    z = torch.randn(5, config.z_dim)
    assert torch.equal(first.model.decode(z)[0], second.model.decode(z)[0])
    vae_path(config).write_bytes(b"not a checkpoint")
    vae_run(config)
    assert "training the VAE again" in capsys.readouterr().err


def test_the_shipped_vae_is_read_not_trained(capsys):
    run = vae_run(VaeConfig())
    assert "Training" not in capsys.readouterr().err
    assert run.steps[-1] == 5000 and run.samples.shape == (8, 2000, 2)


def test_speed_is_one_for_one_evaluation_and_zero_for_a_thousand():
    assert speed_score(1) == 1.0 and speed_score(1000) == 0.0
    assert speed_score(50) == pytest.approx(1 - math.log10(50) / 3)
    assert speed_score(10) == pytest.approx(2 / 3)


@pytest.mark.parametrize("bad", [dict(n=0), dict(n=2001), dict(ddim_steps=0), dict(flow_steps=1001)])
def test_the_trilemma_checks_its_settings(bad):
    with pytest.raises(ValueError):
        TrilemmaConfig(**bad)


def test_the_trilemma_measures_every_model_from_one_seed():
    """The shipped models of 8 Gaussians, 200 samples each: five rows in order, their
    numbers what mode_coverage says of their samples, the evaluations each sampler makes."""
    from diffusion_core import mode_centres, mode_coverage

    rows = measure_trilemma(TrilemmaConfig(n=200))
    assert [r.label for r in rows] == ["VAE", "GAN", "DDPM", "DDIM-50", "Flow-10"]
    assert [r.nfe for r in rows] == [1, 1, 1000, 50, 10]
    centres, std = mode_centres("8gaussians")
    for row in rows:
        assert row.samples.shape == (200, 2) and torch.isfinite(row.samples).all()
        assert row.coverage == mode_coverage(row.samples, centres, std)
        near = torch.cdist(row.samples.double(), centres.double()).min(1).values <= 3 * std
        assert row.near == mode_coverage(row.samples[near], centres, std)
        assert row.quality == pytest.approx(near.double().mean().item())
        assert 0 <= row.quality <= 1 and row.ms_per_1000 > 0
    assert rows[2].ms_per_1000 > 10 * rows[1].ms_per_1000  # a thousand steps against one
