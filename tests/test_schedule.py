"""The numbers behind the forward-process pictures."""

import math

import pytest
import torch

from diffusion_core import NoiseSchedule, ScheduleConfig


@pytest.fixture(params=["linear", "cosine"])
def schedule(request):
    return getattr(NoiseSchedule, request.param)(1000)


def test_alpha_bar_decreasing_in_unit_interval(schedule):
    abar = schedule.alpha_bar[1:]
    assert abar.dtype == torch.float64
    assert bool((abar > 0).all()) and bool((abar < 1).all())
    assert bool((abar[1:] < abar[:-1]).all())
    assert schedule.alpha_bar[0] == 1.0 and schedule.betas[0] == 0.0


def test_linear_matches_ho_et_al():
    s = NoiseSchedule.linear(1000)
    assert s.betas[1].item() == pytest.approx(1e-4)
    assert s.betas[1000].item() == pytest.approx(0.02)
    expected = torch.linspace(1e-4, 0.02, 1000, dtype=torch.float64)
    torch.testing.assert_close(s.betas[1:], expected)
    torch.testing.assert_close(s.alpha_bar[1:], torch.cumprod(1 - expected, 0))
    # alpha_bar_T of the published schedule is about 4e-5: x_T is nearly pure noise
    assert s.alpha_bar[-1].item() == pytest.approx(4.036e-5, rel=1e-3)


def test_linear_rescaled_for_other_T():
    s = NoiseSchedule.linear(100)
    assert s.betas[1].item() == pytest.approx(1e-3)
    assert s.betas[100].item() == pytest.approx(0.2)
    assert s.alpha_bar[-1].item() < 1e-4


def test_cosine_matches_nichol_dhariwal():
    T, s_ = 1000, 0.008
    s = NoiseSchedule.cosine(T)
    f = lambda t: math.cos((t / T + s_) / (1 + s_) * math.pi / 2) ** 2  # noqa: E731
    for t in (1, 10, 250, 500, 900):
        assert s.alpha_bar[t].item() == pytest.approx(f(t) / f(0), rel=1e-9)
    assert s.betas.max().item() <= 0.999


def test_schedule_config_rejects_unknown_kind():
    with pytest.raises(ValueError, match="valid: linear, cosine"):
        ScheduleConfig("quadratic", 10)
    with pytest.raises(ValueError, match="positive"):
        ScheduleConfig("linear", 0)


@pytest.mark.parametrize("t", [1, 10, 100, 400])
def test_chain_of_steps_matches_closed_form(schedule, t):
    """Reparametrization, statistically: many runs of q(x_t|x_{t-1}) from a fixed x_0
    have the mean sqrt(abar_t) x_0 and the variance 1 - abar_t of the closed form."""
    n = 40_000
    g = torch.Generator().manual_seed(t)
    x0 = torch.tensor([1.5, -0.7], dtype=torch.float64)
    x = x0.expand(n, 2).clone()
    for s in range(1, t + 1):
        x = schedule.q_step(x, s, torch.randn(n, 2, generator=g, dtype=torch.float64))
    abar = schedule.alpha_bar[t]
    se = 1 / math.sqrt(n)
    torch.testing.assert_close(x.mean(0), abar.sqrt() * x0, atol=5 * se, rtol=0)
    torch.testing.assert_close(x.var(0), (1 - abar).expand(2), atol=6 * math.sqrt(2) * se, rtol=0)


def _state_before(t: int) -> torch.Tensor:
    """The state of a generator seeded 0 just before its t-th (50, 2) normal draw."""
    g = torch.Generator().manual_seed(0)
    for _ in range(t - 1):
        torch.randn(50, 2, generator=g)
    return g.get_state()


def test_forward_chain_records_every_state(schedule):
    """Entry t of the chain is q_step of entry t - 1, with the t-th draw of the seed's noise."""
    short = NoiseSchedule.from_config(ScheduleConfig(schedule.config.kind, 20))
    x0 = torch.randn(50, 2)
    chain = short.forward_chain(x0, torch.Generator().manual_seed(0))
    assert chain.shape == (21, 50, 2)
    torch.testing.assert_close(chain[0], x0)
    g = torch.Generator().manual_seed(0)
    for t in range(1, 21):
        eps = torch.randn(x0.shape, generator=g)
        torch.testing.assert_close(chain[t], short.q_step(chain[t - 1], t, eps))
    beta = short.betas[7].item()  # eq. 2 written out once
    eps7 = torch.randn(x0.shape, generator=torch.Generator().manual_seed(0).set_state(_state_before(7)))
    torch.testing.assert_close(chain[7], math.sqrt(1 - beta) * chain[6] + math.sqrt(beta) * eps7)
    again = short.forward_chain(x0, torch.Generator().manual_seed(0))
    torch.testing.assert_close(chain, again)
    other = NoiseSchedule.from_config(ScheduleConfig("cosine" if schedule.config.kind == "linear" else "linear", 20))
    assert not torch.allclose(other.forward_chain(x0, torch.Generator().manual_seed(0))[-1], chain[-1])


def test_posterior_matches_its_closed_form(schedule):
    g = torch.Generator().manual_seed(0)
    x0 = torch.randn(8, 2, generator=g, dtype=torch.float64)
    xt = torch.randn(8, 2, generator=g, dtype=torch.float64)
    for t in (1, 2, 500, 1000):
        mean, var = schedule.posterior(x0, xt, t)
        b, a = schedule.betas[t], schedule.alphas[t]
        ab, abp = schedule.alpha_bar[t], schedule.alpha_bar[t - 1]
        expected_mean = (abp.sqrt() * b / (1 - ab)) * x0 + (a.sqrt() * (1 - abp) / (1 - ab)) * xt
        torch.testing.assert_close(mean, expected_mean)
        assert var.item() == pytest.approx(((1 - abp) / (1 - ab) * b).item())
    # at t = 1 the posterior is a point mass at x_0
    mean, var = schedule.posterior(x0, xt, 1)
    torch.testing.assert_close(mean, x0)
    assert var.item() == 0


def test_posterior_is_the_bayes_posterior(schedule):
    """Bayes with q(x_t|x_{t-1}) and q(x_{t-1}|x_0) gives the same Gaussian."""
    t = 300
    x0 = torch.tensor([[0.3, -1.0]], dtype=torch.float64)
    xt = torch.tensor([[1.1, 0.4]], dtype=torch.float64)
    a, abp = schedule.alphas[t], schedule.alpha_bar[t - 1]
    prec = a / (1 - a) + 1 / (1 - abp)  # precisions of likelihood and prior in x_{t-1}
    mean = (a.sqrt() / (1 - a) * xt + abp.sqrt() / (1 - abp) * x0) / prec
    m, v = schedule.posterior(x0, xt, t)
    torch.testing.assert_close(m, mean)
    assert v.item() == pytest.approx((1 / prec).item())


def test_predict_x0_inverts_q_sample(schedule):
    g = torch.Generator().manual_seed(1)
    x0 = torch.randn(100, 2, generator=g, dtype=torch.float64)
    eps = torch.randn(100, 2, generator=g, dtype=torch.float64)
    t = torch.randint(1, 1001, (100,), generator=g)
    xt = schedule.q_sample(x0, t, eps)
    torch.testing.assert_close(schedule.predict_x0(xt, t, eps), x0, atol=1e-6, rtol=1e-6)


def test_snr_and_out_of_range(schedule):
    assert schedule.snr(1).item() > schedule.snr(500).item() > schedule.snr(1000).item()
    with pytest.raises(ValueError, match="out of range"):
        schedule.q_sample(torch.zeros(1, 2), 1001, torch.zeros(1, 2))


def test_schedule_is_not_mutated(schedule):
    """No formula changes the schedule's float64 tables, and no returned tensor is a
    view of them (diffusers' add_noise moving alphas_cumprod is the thing not to copy)."""
    names = ("betas", "alphas", "alpha_bar", "alpha_bar_prev", "posterior_variance")
    before = {n: getattr(schedule, n).clone() for n in names}
    x = torch.ones(3, 2, dtype=torch.float32)
    t = torch.tensor([1, 5, 1000])
    outputs = [schedule.q_sample(x, t, x), schedule.q_step(x, 5, x), schedule.predict_x0(x, t, x),
               *schedule.posterior(x, x, t), schedule.snr(t)]
    for out in outputs:
        out.mul_(0).add_(7)  # a caller scribbling on what it was given
    for n in names:
        table = getattr(schedule, n)
        assert table.dtype == torch.float64 and torch.equal(table, before[n]), n
    assert outputs[0].dtype == torch.float32  # the caller's dtype, from the float64 table
