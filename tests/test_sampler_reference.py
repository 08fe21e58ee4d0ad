"""The samplers' whole output against the papers' equations, written out again here in
float64 NumPy, independently of the core (diffusers' scheduler tests pin outputs the
same way): a fixed eps function instead of a network, and the same noise stream."""

import numpy as np
import pytest
import torch

from diffusion_core import NoiseSchedule, ddim_sample, ddim_timesteps, ddpm_sample

T = 40
N = 6


class FixedEps(torch.nn.Module):
    """eps(x, t): smooth, different at every t, no parameters to learn."""

    def forward(self, x, t):
        tt = t.to(x.dtype).view(-1, *([1] * (x.ndim - 1))) / T
        return torch.tanh(0.8 * x + tt) - 0.3 * tt * x


def eps_np(x, t):
    tt = t / T
    return np.tanh(0.8 * x + tt) - 0.3 * tt * x


@pytest.fixture(scope="module")
def sched():
    return NoiseSchedule.linear(T)


def arrays(sched):
    return sched.betas.numpy(), sched.alphas.numpy(), sched.alpha_bar.numpy()


def noise_stream(seed, shape, count):
    """The numbers the sampler draws from a generator seeded ``seed``, in order."""
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(shape, generator=g).double().numpy() for _ in range(count)]


def ddpm_reference(sched, seed, shape, clip=None):
    """Ho et al. 2020, algorithm 2 with sigma_t^2 = beta_t. Without clipping, eq. 11:
    x_{t-1} = 1/sqrt(alpha_t) (x_t - beta_t / sqrt(1 - abar_t) eps) + sigma_t z.
    With clipping, x0_hat is clipped and the mean is eq. 7's mu_tilde(x0_hat, x_t)."""
    beta, alpha, abar = arrays(sched)
    zs = noise_stream(seed, shape, T + 1)
    x = zs[0]
    xs, preds = [x], []
    for i, t in enumerate(range(T, 0, -1)):
        e = eps_np(x, t)
        x0 = (x - np.sqrt(1 - abar[t]) * e) / np.sqrt(abar[t])
        if clip is None:
            mean = (x - beta[t] / np.sqrt(1 - abar[t]) * e) / np.sqrt(alpha[t])
        else:
            x0 = np.clip(x0, -clip, clip)
            mean = (np.sqrt(abar[t - 1]) * beta[t] / (1 - abar[t]) * x0
                    + np.sqrt(alpha[t]) * (1 - abar[t - 1]) / (1 - abar[t]) * x)
        sigma = np.sqrt(beta[t]) if t > 1 else 0.0
        x = mean + sigma * zs[i + 1]
        xs.append(x)
        preds.append(x0)
    return np.stack(xs), np.stack(preds)


def ddim_reference(sched, seed, shape, steps, eta):
    """Song et al. 2021, eq. 12, with sigma of eq. 16 times eta."""
    _, _, abar = arrays(sched)
    taus = ddim_timesteps(T, steps)
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(shape, generator=g).double().numpy()
    xs, preds = [x], []
    for i, t in enumerate(taus):
        tp = taus[i + 1] if i + 1 < len(taus) else 0
        e = eps_np(x, t)
        x0 = (x - np.sqrt(1 - abar[t]) * e) / np.sqrt(abar[t])
        sigma = eta * np.sqrt((1 - abar[tp]) / (1 - abar[t])) * np.sqrt(1 - abar[t] / abar[tp])
        x = np.sqrt(abar[tp]) * x0 + np.sqrt(1 - abar[tp] - sigma**2) * e
        if eta > 0:
            x = x + sigma * torch.randn(shape, generator=g).double().numpy()
        xs.append(x)
        preds.append(x0)
    return np.stack(xs), np.stack(preds), taus


def test_ddpm_matches_equation_11(sched):
    traj = ddpm_sample(FixedEps(), sched, (N, 2), generator=torch.Generator().manual_seed(11))
    xs, preds = ddpm_reference(sched, 11, (N, 2))
    np.testing.assert_allclose(traj.xs.numpy(), xs, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(traj.x0_preds.numpy(), preds, rtol=1e-4, atol=1e-5)
    assert traj.timesteps.tolist() == list(range(T, -1, -1))


def test_ddpm_records_the_clipped_prediction_of_each_state(sched):
    """x0_preds[k] is the clipped x0_hat computed from xs[k] at timesteps[k]."""
    traj = ddpm_sample(FixedEps(), sched, (N, 2), generator=torch.Generator().manual_seed(12), clip_x0=0.5)
    xs, preds = ddpm_reference(sched, 12, (N, 2), clip=0.5)
    np.testing.assert_allclose(traj.xs.numpy(), xs, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(traj.x0_preds.numpy(), preds, rtol=1e-4, atol=1e-5)
    assert traj.x0_preds.abs().max() <= 0.5 + 1e-6
    assert (np.abs(preds) >= 0.5 - 1e-9).any()  # the clip did act
    for k in (0, T // 2, T - 1):
        x, t = traj.xs[k].double().numpy(), int(traj.timesteps[k])
        own = np.clip((x - np.sqrt(1 - arrays(sched)[2][t]) * eps_np(x, t)) / np.sqrt(arrays(sched)[2][t]), -0.5, 0.5)
        np.testing.assert_allclose(traj.x0_preds[k].numpy(), own, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("eta", [0.0, 0.5, 1.0])
@pytest.mark.parametrize("steps", [7, T])
def test_ddim_matches_equation_12(sched, eta, steps):
    traj = ddim_sample(FixedEps(), sched, (N, 2), steps=steps, eta=eta, generator=torch.Generator().manual_seed(13))
    xs, preds, taus = ddim_reference(sched, 13, (N, 2), steps, eta)
    assert traj.timesteps.tolist() == taus + [0]
    np.testing.assert_allclose(traj.xs.numpy(), xs, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(traj.x0_preds.numpy(), preds, rtol=1e-4, atol=1e-5)


def test_pinned_sums():
    """The same runs' sums, pinned: a change in the noise stream or the arithmetic of
    either sampler (and of these references) shows here first."""
    sched = NoiseSchedule.linear(T)
    got = [
        float(ddpm_sample(FixedEps(), sched, (N, 2), generator=torch.Generator().manual_seed(11)).samples.sum()),
        float(ddim_sample(FixedEps(), sched, (N, 2), steps=7, eta=0.0,
                          generator=torch.Generator().manual_seed(13)).samples.sum()),
        float(ddim_sample(FixedEps(), sched, (N, 2), steps=7, eta=1.0,
                          generator=torch.Generator().manual_seed(13)).samples.sum()),
    ]
    np.testing.assert_allclose(got, PINNED, rtol=1e-4, atol=1e-4)


PINNED = [-13067.0498, -2386.6504, -3402.5510]
