"""The samplers scene: the numbers it shows (the same x_T, 1000 and 50 network
evaluations, the state each panel shows on the shared clock) and control frames."""

import numpy as np
import pytest
import torch
from manim.utils.testing.frames_comparison import frames_comparison
from scene_testing import settle

from diffusion_core import DDIM, DDPM, DataConfig, TrainConfig, load_or_train, sample
from scenes.samplers import SamplerComparison, state_at
from scenes.samplers_digits import SamplerComparisonDigits

__module_test__ = "scenes"


class SmallSamplers(SamplerComparison):
    n_points = 300

    def step_times(self, trajs):
        """The one number a render measures on its machine (the time of a step) pinned,
        so that the control frame is the same anywhere."""
        return [0.0025, 0.0025]


def test_state_at_is_the_last_state_reached():
    times = np.array([1000, 980, 959, 1, 0])
    assert [state_at(times, t) for t in (1000, 999, 980, 979, 959, 2, 1, 0)] == [0, 0, 1, 1, 2, 2, 3, 4]
    ddpm = np.arange(1000, -1, -1)
    assert all(state_at(ddpm, t) == 1000 - t for t in range(1001))


def test_both_samplers_start_from_the_same_noise():
    trajs = SmallSamplers.trajectories(SmallSamplers())
    assert [t.meta["sampler"] for t in trajs] == ["ddpm", "ddim"]
    assert torch.equal(trajs[0].xs[0], trajs[1].xs[0])
    assert not torch.equal(trajs[0].samples, trajs[1].samples)


@pytest.fixture()
def digits_variant(tiny_mnist_checkpoint):
    return SamplerComparisonDigits.with_settings(checkpoint=str(tiny_mnist_checkpoint), n_samples=4)


def test_the_digit_variant_starts_from_the_same_16_noises(digits_variant):
    trajs = digits_variant.trajectories(digits_variant())
    assert trajs[0].xs.shape[1:] == (4, 28, 28)  # DigitFrames: grey levels, as drawn
    assert np.array_equal(trajs[0].xs[0], trajs[1].xs[0])


class CountingModel(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model, self.calls = model, 0

    def forward(self, x, t):
        self.calls += 1
        return self.model(x, t)


def test_network_evaluations_are_1000_and_50():
    """The counters show k evaluations after k steps: sample() calls eps_theta once a
    step, 1000 times for DDPM and 50 for DDIM-50, and meta["steps"] says so."""
    result = load_or_train(TrainConfig(data=DataConfig("moons")), progress=False)
    for config, expected in ((DDPM(), 1000), (DDIM(steps=50), 50)):
        counting = CountingModel(result.model)
        traj = sample(counting, result.schedule, (8, 2), config, generator=torch.Generator().manual_seed(0))
        assert counting.calls == expected == traj.meta["steps"] == len(traj.xs) - 1
        assert traj.meta["wall_s"] > 0


@frames_comparison(base_scene=SmallSamplers)
def test_samplers_midway(scene):
    """At t = 500 on the shared clock, DDPM shows its state 500 and DDIM the last of its
    50 states whose t is >= 500: recorded states, never interpolated."""
    trajs = scene.trajectories()
    parts = scene.layout(trajs)
    scene.race(parts, trajs, until=500)
    ddim_k = int(np.flatnonzero(trajs[1].timesteps.numpy() >= 500)[-1])
    assert int(trajs[1].timesteps[ddim_k]) >= 500 > int(trajs[1].timesteps[ddim_k + 1])
    for view, traj, k in zip(parts.views, trajs, (500, ddim_k)):
        assert np.array_equal(view.cloud.mask(), view.cloud._draw(traj.xs[k].numpy()))
    assert [c.nfe.value for c in parts.counters] == [500, ddim_k]
    settle(scene)


@frames_comparison(base_scene=SmallSamplers)
def test_samplers_still(scene):
    """The end: both clouds over the data, their SWD, the (pinned) wall times; the
    counters at 1000 and 50."""
    trajs = scene.trajectories()
    parts = scene.layout(trajs)
    scene.race(parts, trajs)
    assert [c.nfe.value for c in parts.counters] == [1000, 50]
    assert [c.step.value for c in parts.counters] == [1000, 50]
    scene.results(parts, trajs)
    settle(scene)

