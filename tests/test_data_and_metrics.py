import pytest
import torch

from diffusion_core import (
    DataConfig,
    dataset_names,
    distance_report,
    sample_data,
    sliced_wasserstein,
)
from diffusion_core.toy.data import UNSTANDARDISED


@pytest.mark.parametrize("name", [n for n in dataset_names() if n not in UNSTANDARDISED])
def test_datasets_standardised_and_seeded(name):  # `gaussian` keeps its stated parameters: test_score.py
    x = sample_data(name, 20_000, seed=3)
    assert x.shape == (20_000, 2) and x.dtype == torch.float32
    assert x.mean(0).abs().max() < 0.05
    assert x.var(0).mean().item() == pytest.approx(1.0, abs=0.05)
    torch.testing.assert_close(x, sample_data(name, 20_000, seed=3))
    assert not torch.equal(x[:100], sample_data(name, 100, seed=4))


def test_unknown_dataset_lists_valid_names():
    with pytest.raises(ValueError, match="unknown dataset 'mons'; valid: swiss_roll, moons"):
        DataConfig("mons")


def test_text_dataset_draws_the_text():
    a = sample_data(DataConfig("text", "UTA"), 5000, 0)
    b = sample_data(DataConfig("text", "I"), 5000, 0)
    assert a[:, 0].std() > 1.2 * a[:, 1].std()  # a word is wider than tall
    assert b[:, 1].std() > b[:, 0].std()  # a single I is taller than wide
    with pytest.raises(ValueError, match="non-empty"):
        DataConfig("text", "  ")


def test_sliced_wasserstein_basic():
    a = sample_data("moons", 2000, 0)
    assert sliced_wasserstein(a, a) == 0
    shifted = sliced_wasserstein(a, a + torch.tensor([1.0, 0.0]))
    assert 0.5 < shifted < 1.0  # mean over directions of |cos| = 2/pi
    report = distance_report(torch.randn(2000, 2), a, sample_data("moons", 2000, 1))
    assert report.ratio > 3
    with pytest.raises(ValueError):
        sliced_wasserstein(a, a[:10])
