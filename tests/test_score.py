"""The score: from the noise prediction (on NoiseSchedule), checked against the closed
form for Gaussian data with the shipped model trained on the `gaussian` data set."""

import numpy as np
import pytest
import torch

from diffusion_core import DataConfig, NoiseSchedule, TrainConfig, load_or_train, sample_data
from diffusion_core.toy.data import GAUSSIAN_MEAN, GAUSSIAN_STD

TIMES = (10, 100, 300, 600, 900)
TOLERANCE = {10: 0.5, 100: 0.05, 300: 0.05, 600: 0.05, 900: 0.05}  # relative RMS error (README: measured)


def test_score_from_eps_is_the_exact_score_of_a_gaussian():
    """For Gaussian data the best eps prediction is known: eps* = -sqrt(1 - abar) score.
    Feeding it back through score_from_eps gives the closed form."""
    sched = NoiseSchedule.linear(1000)
    mean, std = torch.tensor(GAUSSIAN_MEAN, dtype=torch.float64), GAUSSIAN_STD
    x = torch.randn(64, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    for t in (1, 250, 999):
        score = sched.gaussian_score(x, t, mean, std)
        eps = -torch.sqrt(1 - sched.alpha_bar[t]) * score
        torch.testing.assert_close(sched.score_from_eps(eps, t), score)
    # at t = 0 the noised data is the data: N(mean, std^2) has score (mean - x) / std^2
    torch.testing.assert_close(sched.gaussian_score(x, 0, mean, std), (mean - x) / std**2)


def test_gaussian_data_keeps_its_stated_parameters():
    x = sample_data(DataConfig("gaussian"), 50_000, seed=3).double()
    np.testing.assert_allclose(x.mean(0).numpy(), GAUSSIAN_MEAN, atol=0.01)
    np.testing.assert_allclose(x.std(0).numpy(), [GAUSSIAN_STD] * 2, atol=0.01)


def relative_score_errors(model, sched, n=4000, seed=0) -> dict[int, float]:
    """||s_theta - s|| / ||s|| (root mean squares) over x_t drawn from q(x_t), where the
    noised data has its mass, at each of TIMES."""
    x0 = sample_data(DataConfig("gaussian"), n, seed=seed)
    g = torch.Generator().manual_seed(seed + 1)
    out = {}
    for t in TIMES:
        x_t = sched.q_sample(x0, t, torch.randn(x0.shape, generator=g))
        with torch.no_grad():
            learned = sched.score_from_eps(model(x_t, torch.full((n,), t)), t)
        exact = sched.gaussian_score(x_t, t, torch.tensor(GAUSSIAN_MEAN), GAUSSIAN_STD)
        out[t] = float(((learned - exact) ** 2).sum(1).mean().sqrt() / (exact**2).sum(1).mean().sqrt())
    return out


@pytest.mark.slow
def test_the_learned_score_matches_the_closed_form():
    """The default model trained on `gaussian` (shipped in models/toy/) has learned the
    true score of q(x_t), within TOLERANCE, at every tested t."""
    result = load_or_train(TrainConfig(data=DataConfig("gaussian")), progress=False)
    errors = relative_score_errors(result.model.eval(), result.schedule)
    for t, err in errors.items():
        assert err < TOLERANCE[t], (t, errors)


def test_arrow_layer_draws_each_arrow_where_and_as_opaque_as_told():
    """The score scene's arrows (one cairo image): an arrow's pixels carry its opacity."""
    from scenes.kit.cloud import CloudPanel
    from scenes.score import ArrowLayer

    panel = CloudPanel(np.zeros((1, 2)), side=4.0)
    layer = ArrowLayer(panel, "#234876", stroke_width=4.0)
    line = np.array([[[-1.0, 0.0], [1.0, 0.0]], [[-1.0, 1.0], [1.0, 1.0]]])  # two shafts, panel units
    arr = layer.draw(line, np.array([0.5, 1.0])).pixel_array
    size = layer.size_px
    mid = size // 2
    assert arr.shape == (size, size, 4) and (arr[..., :3] == (0x23, 0x48, 0x76)).all()
    assert abs(int(arr[mid, mid, 3]) - 128) <= 2  # y = 0: half opacity
    assert arr[mid - round(layer.px_per_unit), mid, 3] >= 253  # y = 1 (rows grow downwards): opaque
    assert arr[mid, int(0.8 * size), 3] == 0 and arr[0, 0, 3] == 0  # nothing past the ends
