"""The scenes of the deck's argument (slides 4 to 10): what a generative model is, the GAN
drawn with its own outputs, and the trilemma placed by measurement; their numbers and
their control frames."""

from dataclasses import replace

import numpy as np
import pytest
import torch
from manim.utils.testing.frames_comparison import frames_comparison
from scene_testing import whole_scene

from diffusion_core import (
    GanConfig,
    TrilemmaConfig,
    gan_noise,
    gan_run,
    measure_trilemma,
    speed_score,
)
from scenes.gan_diagram import GanDiagram
from scenes.generative_model import GenerativeModel
from scenes.kit.cloud import density_grid
from scenes.trilemma import CORNERS, Trilemma, place

__module_test__ = "scenes"


def test_a_model_sits_where_its_scores_weigh_the_corners():
    assert np.allclose(place((1, 0, 0)), CORNERS[0]) and np.allclose(place((0, 0, 1)), CORNERS[2])
    assert np.allclose(place((1, 1, 0)), (CORNERS[0] + CORNERS[1]) / 2)  # on the quality-diversity edge
    assert np.allclose(place((0, 0, 0)), CORNERS.mean(axis=0)) and np.allclose(place((1, 1, 1)), CORNERS.mean(axis=0))


def test_the_shipped_gan_keeps_its_discriminator_and_its_noise():
    """The diagram draws the run's own D and the z its snapshots came from: G(z) of that z
    is the last snapshot."""
    run = gan_run(GanConfig(), discriminator=True)
    assert run.discriminator is not None
    with torch.no_grad():
        assert torch.allclose(run.generator(gan_noise(run.config)), run.samples[-1], atol=1e-5)


def test_the_density_shading_peaks_where_the_points_are():
    grid = density_grid(np.array([[1.0, 1.0]] * 50 + [[-1.0, -1.0]] * 10), extent=2.0, size=40)
    assert grid.max() == 1.0 and grid.shape == (40, 40)
    assert grid[10, 30] > 0.9 and 0.1 < grid[30, 10] < 0.3  # (1, 1): top right, row 0 at the top
    assert np.all(density_grid(np.empty((0, 2)), 2.0, 8) == 0)


class SmallTrilemma(Trilemma):
    n_points = 400

    def measure(self):  # the times pinned: they are the machine's, not the picture's
        rows = measure_trilemma(self.trilemma_config())
        return [replace(r, ms_per_1000=ms) for r, ms in zip(rows, (1.3, 0.9, 2200.0, 100.0, 19.0))]


@frames_comparison(base_scene=SmallTrilemma)
def test_trilemma_still(scene):
    """Five models in the triangle by their measured scores, their samples and numbers
    beside them, and what this run shows, claim by claim."""
    whole_scene(scene)


def test_the_trilemma_notes_carry_every_number(monkeypatch):
    from manim import tempconfig

    with tempconfig({"dry_run": True, "quality": "low_quality", "disable_caching": True}):
        scene = SmallTrilemma()
        scene.render()
    notes = " ".join(n for ns in scene.beat_notes.values() for n in ns)
    rows = measure_trilemma(TrilemmaConfig(n=400))
    for row in rows:
        assert f"{row.label}: {100 * row.quality:.1f}%" in notes
        assert f"{row.near.covered} de {row.near.modes} modos, {row.nfe} evaluaciones" in notes
        assert f"rapidez {speed_score(row.nfe):.2f}" in notes


class SmallGanDiagram(GanDiagram):
    n_points = 400


@frames_comparison(base_scene=SmallGanDiagram)
def test_gan_diagram_still(scene):
    """z -> G -> x~ and x -> D, with the shipped GAN's z, samples and discriminator."""
    whole_scene(scene)


class SmallGenerativeModel(GenerativeModel):
    run_time = 1.0


@frames_comparison(base_scene=SmallGenerativeModel)
def test_generative_model_still(scene):
    """p_data and the trained p_theta, each shaded by its density, D at its last value."""
    whole_scene(scene)


@pytest.mark.parametrize("scene_cls", [SmallGanDiagram, SmallGenerativeModel])
def test_their_notes_carry_their_numbers(scene_cls):
    from manim import tempconfig

    with tempconfig({"dry_run": True, "quality": "low_quality", "disable_caching": True}):
        scene = scene_cls()
        scene.render()
    assert list(scene.beats_reached) == list(scene_cls.BEATS)
    notes = " ".join(n for ns in scene.beat_notes.values() for n in ns)
    if scene_cls is SmallGanDiagram:
        run = gan_run(GanConfig(), discriminator=True)
        assert f"{run.d_losses[-1]:.3f}" in notes and f"{run.g_losses[-1]:.3f}" in notes
    else:
        assert "Paso 5000: D = " in notes
