"""Stills cut for the deck's image slots (figures), the DDPM paper's figures drawn from
our models, and the schedule's colours as a colour-blind viewer sees them."""

import numpy as np
import pytest
import torch
from manim.utils.testing.frames_comparison import frames_comparison
from PIL import Image
from scene_testing import whole_scene

from diffusion_core import NoiseSchedule
from scenes.digit_strips import LEVELS, DigitStripForward, signal_steps
from scenes.graphical_model import GraphicalModel
from scenes.kit.theme import ACCENT, BACKGROUND
from scenes.rendering import RenderJob, render_scene
from scenes.rendering.render import FIGURE_MARGIN, FIGURE_PIXELS

__module_test__ = "scenes"


def _rgb(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)])


def _ink(img: np.ndarray) -> np.ndarray:
    return np.abs(img.astype(int) - _rgb(BACKGROUND)).max(axis=2) > 12


@pytest.mark.slow
def test_a_figure_is_the_still_trimmed_without_its_title(tmp_path):
    still = np.asarray(Image.open(render_scene(RenderJob.of("forward", fmt="png", out_dir=tmp_path / "s", resolution=(640, 360),
                                               settings={"n_points": 400}, progress=False))).convert("RGB"))
    path = render_scene(RenderJob.of("forward", fmt="figure", out_dir=tmp_path / "f", resolution=(640, 360),
                        settings={"n_points": 400}, progress=False))
    assert path.name == "forward_process.png"
    fig = np.asarray(Image.open(path).convert("RGB"))
    accent = lambda img: (np.abs(img.astype(int) - _rgb(ACCENT)).max(axis=2) < 30).sum()  # noqa: E731
    assert accent(still) > 200 and accent(fig) == 0  # the heading is in the still only
    h, w = fig.shape[:2]
    assert w / h > 4 > 640 / 360  # wide and low, for a slide with text under it
    ink = _ink(fig)
    m = round(FIGURE_MARGIN * 640)
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    assert rows[0] == m and cols[0] == m and h - 1 - rows[-1] == m and w - 1 - cols[-1] == m  # trimmed, a small margin
    assert FIGURE_PIXELS["high"] == (3840, 2160)  # a 900 px slot on a 4K projector needs ~2700 px


def test_the_schedule_colours_stay_apart_for_a_colour_blind_viewer():
    """Machado et al. 2009's deuteranopia and protanopia (severity 1) of the three
    curves' colours: every pair stays more than 40 apart in CIELAB (Delta E 1976)."""
    from itertools import combinations

    from scenes.schedule import QUANTITIES

    sims = {
        "none": np.eye(3),
        "deuteranopia": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                                  [-0.011820, 0.042940, 0.968881]]),
        "protanopia": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                                [-0.003882, -0.048116, 1.051998]]),
    }

    def lab(hex_colour, m):
        c = _rgb(hex_colour) / 255
        lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
        lin = np.clip(m @ lin, 0, 1)
        xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ lin
        f = np.cbrt(xyz / np.array([0.95047, 1.0, 1.08883]))
        return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])

    for name, m in sims.items():
        for (_, a), (_, b) in combinations(QUANTITIES, 2):
            assert np.linalg.norm(lab(a, m) - lab(b, m)) > 40, (name, a, b)


def test_the_graphical_model_shows_one_chain():
    """x_T, x_t, x_{t-1}, x_0 are states of one forward chain of a real digit: x_0 is the
    digit, x_t - sqrt(1 - beta_t) x_{t-1} is noise of std sqrt(beta_t), x_T is noise."""
    scene = GraphicalModel()
    x = scene.states()
    sched = NoiseSchedule.linear(scene.T)
    t = scene.t_middle
    from scenes.kit.digits import load_sample_digits

    assert torch.equal(x["0"], load_sample_digits(1)[0])
    step = x["t"] - (1 - sched.betas[t]) ** 0.5 * x["t-1"]
    assert abs(step.std().item() / sched.betas[t].item() ** 0.5 - 1) < 0.15
    assert abs(x["T"].std().item() - 1) < 0.15 and abs(torch.corrcoef(torch.stack([x["T"].flatten(), x["0"].flatten()]))[0, 1]) < 0.2
    with pytest.raises(ValueError, match="t_middle"):
        GraphicalModel.with_settings(t_middle=1)().states()


def test_the_strips_show_recorded_states(tiny_mnist_checkpoint):
    steps = signal_steps(NoiseSchedule.linear(1000).alpha_bar.numpy())
    assert len(steps) == len(LEVELS) + 2 and steps[0] == 0 and steps[-1] == 1000
    abar = NoiseSchedule.linear(1000).alpha_bar.numpy()
    for t, level in zip(steps[1:-1], LEVELS):
        assert np.sqrt(abar[t]) < level <= np.sqrt(abar[t - 1])  # the first t below each level
    forward = DigitStripForward()
    states, ts = forward.moments()
    assert ts == steps and states.shape == (len(steps), 2, 1, 28, 28)
    from scenes.kit.digits import load_sample_digits

    assert np.array_equal(states[0], load_sample_digits(2).numpy())
    reverse = DigitStripForward.with_settings(direction="reverse", checkpoint=str(tiny_mnist_checkpoint))()
    states, ts = reverse.moments()
    from diffusion_core import DDPM
    from diffusion_core.mnist.frames import to_gray
    from scenes.kit.playback import digit_trajectory

    frames, _ = digit_trajectory(str(tiny_mnist_checkpoint), DDPM(clip=1.0), 16, 0)
    assert ts[0] == 20 and ts[-1] == 0  # the tiny model's T = 20, from noise to x_0
    for k, t in enumerate(ts):  # each moment is the trajectory's own state at that t, as drawn
        assert np.array_equal(to_gray(states[k][:, 0]), frames.xs[int(np.flatnonzero(frames.timesteps == t)[0])][:2])


class SmallGraphicalModel(GraphicalModel):
    T = 200
    t_middle = 60


@frames_comparison(base_scene=SmallGraphicalModel)
def test_graphical_model_still(scene):
    whole_scene(scene)


class SmallStrip(DigitStripForward):
    T = 200


@frames_comparison(base_scene=SmallStrip)
def test_digit_strip_still(scene):
    whole_scene(scene)
