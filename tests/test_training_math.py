"""The training loops' own arithmetic: the noised input is eq. 4, the EMA is its formula."""

import torch

from diffusion_core import NoiseSchedule
from diffusion_core.fast_fit import FastOptions, fit_fast
from diffusion_core.training import EMA as _EMA
from diffusion_core.training import fit


class Spy(torch.nn.Module):
    """Records what the training loop feeds the network, and predicts zeros."""

    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.zeros(()))
        self.seen = []

    def forward(self, x, t):
        self.seen.append((x.detach().clone(), t.clone()))
        return x * self.w


def test_fit_feeds_the_network_q_sample():
    sched = NoiseSchedule.linear(50)
    x0 = torch.randn(16, 2, generator=torch.Generator().manual_seed(1))
    spy = Spy()
    fit(spy, lambda _s: x0, sched, 2, 1e-3, 0.9, torch.Generator().manual_seed(7), progress=False)
    g = torch.Generator().manual_seed(7)  # the loop draws t, then eps, from its generator
    t = torch.randint(1, sched.T + 1, (16,), generator=g)
    eps = torch.randn(x0.shape, generator=g)
    x_t, t_seen = spy.seen[0]
    assert torch.equal(t_seen, t)
    torch.testing.assert_close(x_t, sched.q_sample(x0, t, eps), rtol=1e-6, atol=1e-6)


def test_fast_fit_feeds_the_network_q_sample():
    sched = NoiseSchedule.linear(50)
    images = torch.randn(32, 1, 4, 4, generator=torch.Generator().manual_seed(2))
    spy = Spy()
    fit_fast(spy, images, sched, 2, 8, 1e-3, 0.9, 5, FastOptions(compile_mode="none", channels_last=False),
             progress=False)
    g = torch.Generator().manual_seed(5)  # idx, then t, then eps
    idx = torch.randint(0, 32, (8,), generator=g)
    t = torch.randint(1, sched.T + 1, (8,), generator=g)
    eps = torch.randn((8, 1, 4, 4), generator=g)
    x_t, t_seen = spy.seen[0]
    assert torch.equal(t_seen, t)
    torch.testing.assert_close(x_t, sched.q_sample(images[idx], t, eps), rtol=1e-6, atol=1e-6)


def test_ema_follows_its_formula():
    """ema <- d ema + (1 - d) theta, with d = min(decay, (1 + step) / (10 + step))."""
    model = torch.nn.Linear(3, 2)
    ema = _EMA(model, decay=0.9)
    before = [p.clone() for p in ema.model.parameters()]
    with torch.no_grad():
        for p in model.parameters():
            p.add_(1.0)
    for step, d in ((1000, 0.9), (0, 1 / 10)):
        ema.update(model, step)
        for b, e, p in zip(before, ema.model.parameters(), model.parameters()):
            torch.testing.assert_close(e, d * b + (1 - d) * p)
        before = [p.clone() for p in ema.model.parameters()]
