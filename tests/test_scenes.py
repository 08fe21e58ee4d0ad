"""Scenes rendered small: the files themselves, and a few frames against control data."""

from pathlib import Path

import av
import numpy as np
import pytest
import torch
from manim.utils.testing.frames_comparison import frames_comparison
from PIL import Image
from scene_testing import settle, whole_scene

from diffusion_core import DDIM
from diffusion_core.io import ordinary_mode
from scenes.digits import DigitsForward
from scenes.digits_reverse import DigitsReverse
from scenes.digits_training import DigitsTraining
from scenes.forward import ForwardProcess
from scenes.kit.cloud import rasterise
from scenes.kit.digits import DigitGrid
from scenes.kit.settings import LectureScene, SettingError
from scenes.kit.strings import STRINGS, tr
from scenes.kit.widgets import DigitCounter
from scenes.registry import LANGS, SCENES
from scenes.rendering import RenderJob, render_scene
from scenes.rendering.legibility import read_text_record
from scenes.reparam import ReparametrizationShortcut
from scenes.reverse import ReverseTrajectories
from scenes.schedule import NoiseSchedules
from scenes.score import ScoreField
from scenes.training import TrainingProcess

__module_test__ = "scenes"

TINY = (256, 144)
STILL = (854, 480)  # a still's text checked at low quality's pixels (drawing one frame costs little)
FPS = 5


SMALL = {"n_points": 300, "n_samples": 4}


def small_settings(key, checkpoint=None):
    settings = SCENES[key].load().settings()
    # the training scene keeps its n: its recorded run ships for that n only
    out = {k: v for k, v in SMALL.items() if k in settings and key != "training"}
    if "checkpoint" in settings and checkpoint is not None:
        out["checkpoint"] = str(checkpoint)
    return out


def read_video(path):
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(stream)]
        return stream, frames, float(stream.average_rate)


def ink_fraction(frame):
    """Share of pixels that are not (near) white background."""
    return float((frame.astype(int).sum(axis=-1) < 3 * 235).mean())


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, tiny_mnist_checkpoint):
    """Every scene's video at 256x144, each rendered once for the run: under pytest-xdist
    the first worker goes through the scenes from the first, the others from the last,
    each taking the ones not yet made (``made_once``), so the two share the work."""
    import os

    from conftest import made_once

    def make(key: str, out: Path) -> str:
        return str(render_scene(RenderJob.of(key, quality="low", out_dir=out, resolution=TINY, fps=FPS,
                                             settings=small_settings(key, tiny_mnist_checkpoint), progress=False)))

    keys = list(SCENES) if os.environ.get("PYTEST_XDIST_WORKER", "gw0") == "gw0" else list(SCENES)[::-1]
    files = {key: Path(made_once(tmp_path_factory, f"render-{key}", lambda out, key=key: make(key, out))) for key in keys}
    return {key: files[key] for key in SCENES}


@pytest.mark.slow
@pytest.mark.parametrize("key", list(SCENES))
def test_scene_renders_a_real_video(rendered, key):
    path = rendered[key]
    assert path.name == SCENES[key].video + ".mp4"
    stream, frames, fps = read_video(path)
    assert (stream.width, stream.height) == TINY
    assert fps == FPS
    assert stream.codec_context.name == "h264"
    duration = len(frames) / fps
    assert 6 < duration < 60, duration
    # every scene fades in from a blank first frame; after that, something is drawn
    step = max(1, len(frames) // 6)
    assert ink_fraction(frames[0]) < 0.01
    assert all(ink_fraction(frames[i]) > 0.002 for i in range(step, len(frames), step))
    assert np.abs(frames[0].astype(int) - frames[-1].astype(int)).mean() > 1.0
    assert not list(path.parent.glob("*.part"))


@pytest.mark.slow
@pytest.mark.parametrize("key", ["forward", "schedule"])
def test_still_is_the_last_frame(rendered, tmp_path, key):
    png = render_scene(RenderJob.of(key, fmt="png", quality="low", out_dir=tmp_path, settings=small_settings(key),
                       resolution=TINY, fps=FPS, progress=False))
    assert png.name == SCENES[key].still + ".png"
    img = np.asarray(Image.open(png).convert("RGB"))
    assert img.shape == (TINY[1], TINY[0], 3)
    assert ink_fraction(img) > 0.01
    _, frames, _ = read_video(rendered[key])
    assert np.abs(img.astype(int) - frames[-1].astype(int)).mean() < 6  # only H.264's loss


@pytest.mark.slow
def test_gif_output(tmp_path):
    gif = render_scene(RenderJob.of("schedule", fmt="gif", out_dir=tmp_path, resolution=(128, 72), fps=3, progress=False))
    assert gif.name == "NoiseSchedules.gif"
    with Image.open(gif) as img:
        assert img.format == "GIF" and img.size == (128, 72) and img.n_frames > 10
    assert gif.stat().st_mode & 0o777 == ordinary_mode()


def test_english_output_name(tmp_path):
    png = render_scene(RenderJob.of("schedule", fmt="png", out_dir=tmp_path, settings={"lang": "en"},
                       resolution=TINY, progress=False))
    assert png.name == "noise_schedules_en.png"


@pytest.mark.slow
def test_english_scenes_draw_no_spanish(tmp_path, monkeypatch, tiny_mnist_checkpoint):
    """Every Text a scene builds with lang = "en" (construct runs whole for a still)
    is free of the string table's Spanish-only words; English ones do appear."""
    import manim

    drawn = []
    original = manim.Text.__init__

    def spy(self, text, *args, **kwargs):
        drawn.append(text)
        original(self, text, *args, **kwargs)

    monkeypatch.setattr(manim.Text, "__init__", spy)
    english = {v["en"] for v in STRINGS.values()}
    spanish = {v["es"] for v in STRINGS.values()} - english
    for key in SCENES:
        drawn.clear()
        render_scene(RenderJob.of(key, fmt="png", out_dir=tmp_path, settings={**small_settings(key, tiny_mnist_checkpoint), "lang": "en"},
                     resolution=STILL, progress=False, legibility=True))
        assert drawn, key
        cut = read_text_record(tmp_path / SCENES[key].output_name("png", "en"))["cut"]
        assert cut is None, (key, cut)  # the English words fit in the frame too
        leaks = [(d, s) for d in drawn for s in spanish if s in d]
        assert not leaks, (key, leaks)
        assert any(e in d for d in drawn for e in english), key


@pytest.mark.slow
def test_no_text_of_a_scene_runs_past_its_frame(tmp_path, tiny_mnist_checkpoint):
    """The last frame of every scene, in the default language: each text is whole inside
    the frame (a label the frame's edge cuts, such as generative-model's training step
    once, is named by the text record). At low quality's pixels: a digit grid, drawn at a
    whole number of screen pixels per digit pixel, is oversized at a thumbnail's."""
    for key in SCENES:
        path = render_scene(RenderJob.of(key, fmt="png", out_dir=tmp_path, settings=small_settings(key, tiny_mnist_checkpoint),
                                         resolution=STILL, progress=False, legibility=True))
        assert read_text_record(path)["cut"] is None, (key, read_text_record(path)["cut"])


def test_a_copy_failing_mid_write_keeps_the_earlier_file(tmp_path, monkeypatch):
    """The error comes after bytes have reached the file being written: the earlier
    still must be intact and no partial file left beside it."""
    import shutil

    import scenes.rendering.render as render_module

    target = tmp_path / "noise_schedules.png"
    target.write_bytes(b"the earlier still")
    copy = shutil.copyfile

    def half_copy(src, dst, *args, **kwargs):
        if Path(dst).parent != tmp_path:
            return copy(src, dst, *args, **kwargs)
        data = Path(src).read_bytes()
        Path(dst).write_bytes(data[: len(data) // 2])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(render_module.shutil, "copyfile", half_copy)
    with pytest.raises(OSError, match="No space left"):
        render_scene(RenderJob.of("schedule", fmt="png", out_dir=tmp_path, resolution=TINY, progress=False))
    assert target.read_bytes() == b"the earlier still"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["noise_schedules.png"]


# ------------------------------------------------ frames against control data
class SmallForward(ForwardProcess):
    n_points = 400


class SmallReverse(ReverseTrajectories):
    n_points = 300


class SmallDigitsForward(DigitsForward):
    n_digits = 3
    T = 200


class SmallDigitsReverse(DigitsReverse):  # the shipped checkpoint and its recorded DDIM-50 frames: nothing sampled
    sampler = DDIM(steps=50, clip=1.0)


@frames_comparison(base_scene=SmallForward)
def test_forward_at_t200(scene):
    states, _ = scene.compute()
    parts = scene.show_data(states)
    scene.add_noise(parts, states[:201])
    settle(scene)


@frames_comparison(base_scene=SmallForward)
def test_forward_still(scene):
    whole_scene(scene)


@frames_comparison(base_scene=SmallReverse)
def test_reverse_still(scene):
    whole_scene(scene)


@frames_comparison(base_scene=SmallReverse)
def test_reverse_midway(scene):
    traj, parts = scene.start()
    scene.denoise(parts, traj, until=traj.xs.shape[0] // 2)
    settle(scene)


class SmallReparam(ReparametrizationShortcut):
    n_points = 300
    checkpoints = "10,1000"
    seconds_per_stage = 0.5


@frames_comparison(base_scene=SmallReparam)
def test_reparam_still(scene):
    """The shortcut formula with abar_t (the deck's slide has alpha_t), and the why."""
    whole_scene(scene)


@frames_comparison(base_scene=NoiseSchedules)
def test_schedule_still(scene):
    whole_scene(scene)


@frames_comparison(base_scene=SmallReverse)
def test_reverse_prediction_overlay(scene):
    """Midway, the orange cloud is the x0_hat recorded at the state shown."""
    traj, parts = scene.start()
    k = 4 * (traj.xs.shape[0] - 1) // 5  # t = 200: x0_hat has the data's shape, x_t not yet
    scene.replay(parts, traj, until=k)
    expected = parts.ghost._draw(traj.x0_preds[k].numpy())
    assert np.array_equal(parts.ghost.mask(), expected)
    assert np.array_equal(parts.panel.cloud.mask(), parts.panel.cloud._draw(traj.xs[k].numpy()))
    settle(scene)


class SmallScore(ScoreField):
    n_points = 400
    grid = 9


@frames_comparison(base_scene=SmallScore)
def test_score_still(scene):
    whole_scene(scene)


def test_score_grid_is_the_network_through_score_from_eps():
    from diffusion_core import DataConfig, TrainConfig, load_or_train
    from scenes.score import score_grid

    result = load_or_train(TrainConfig(data=DataConfig("moons")), progress=False)
    grid, fields = score_grid(result.model, result.schedule, [1000, 10], 5, 3.0)
    assert grid.shape == (25, 2) and fields.shape == (2, 25, 2)
    x = torch.as_tensor(grid, dtype=torch.float32)
    eps = result.model(x, torch.full((25,), 10)).detach()
    np.testing.assert_allclose(fields[1], -eps.numpy() / np.sqrt(1 - result.schedule.alpha_bar[10].item()), rtol=1e-5)


@frames_comparison(base_scene=TrainingProcess)
def test_training_still(scene):
    whole_scene(scene)


# ------------------------------------------------------------- building blocks
def test_strings_exist_in_every_language():
    for key, texts in STRINGS.items():
        assert set(texts) == set(LANGS), key
        assert all(t.strip() for t in texts.values())
    with pytest.raises(ValueError, match="valid: es, en"):
        tr("data", "fr")


def test_scene_settings_are_checked():
    with pytest.raises(SettingError, match="unknown setting 'samplr'; valid: .*sampler"):
        type("Bad", (ReverseTrajectories,), {"samplr": "ddim"})
    with pytest.raises(SettingError, match="ReverseTrajectories.sampler must be Sampler, got 'dpm'"):
        ReverseTrajectories.with_settings(sampler="dpm")
    with pytest.raises(SettingError, match="dataset='mons' is not valid; valid: swiss_roll, moons"):
        ForwardProcess.with_settings(dataset="mons")
    with pytest.raises(SettingError, match="n_points must be int"):
        ForwardProcess.with_settings(n_points="many")
    variant = ForwardProcess.with_settings(lang="en", n_points=10)
    assert variant.lang == "en" and issubclass(variant, LectureScene)


def test_rasterise_places_points_exactly():
    img = rasterise(np.array([[0.0, 0.0], [3.0, -3.0]]), extent=4.0, size=80, color="#FF0000", dot_px=4)
    alpha = img[..., 3].astype(float)
    # (0, 0) is the image centre; (3, -3) is right and below, 30 px from it in each axis
    assert alpha[39:41, 39:41].mean() > 150 and alpha[69:71, 69:71].mean() > 150
    assert alpha[:20].max() == 0  # nothing in the top rows
    assert (img[..., 0][alpha > 0] == 255).all()


def test_rasterise_draws_the_same_with_and_without_points_outside():
    """A point far outside the image changes nothing: the masked path (some dot not
    whole in the image) and the fast one (every dot whole) give the same bytes."""
    xy = np.random.default_rng(0).normal(size=(500, 2))
    inside = rasterise(xy, extent=4.0, size=200, color="#2A6FDB", dot_px=5, opacity=0.6)
    with_far = rasterise(np.vstack([xy, [[50.0, -50.0]]]), extent=4.0, size=200, color="#2A6FDB", dot_px=5,
                         opacity=0.6)
    assert np.array_equal(inside, with_far)
    assert (inside.reshape(-1, 4)[:, :3] == (0x2A, 0x6F, 0xDB)).all() and inside[..., 3].max() > 100


@pytest.mark.slow
def test_play_frames_draws_every_mover_in_every_frame(tmp_path):
    """The video, not only the last frame, shows each recorded state: a mover added to
    the scene before the one listed first (a panel under a field of arrows, the left
    panel of two) must not be drawn once and frozen in its first state."""
    from manim import LEFT, RIGHT, tempconfig

    from scenes.kit.cloud import CloudPanel
    from scenes.kit.playback import play_frames

    class TwoPanels(LectureScene):
        def construct(self):
            left = CloudPanel(np.zeros((1, 2)), side=5.0).shift(3.5 * LEFT)
            right = CloudPanel(np.zeros((1, 2)), side=5.0).shift(3.5 * RIGHT)
            self.add(left, right)
            blob = np.random.default_rng(0).normal(scale=0.3, size=(400, 2))

            def show(k: int) -> None:  # the blobs travel from the lower left to the upper right
                for panel in (left, right):
                    panel.cloud.set_xy(blob + (k - 5) * 0.6)

            play_frames(self, 10, show, [right, left], run_time=2.0)

    with tempconfig({"media_dir": str(tmp_path), "pixel_width": 256, "pixel_height": 144, "frame_rate": 10,
                     "disable_caching": True, "verbosity": "WARNING", "progress_bar": "none"}):
        scene = TwoPanels()
        scene.render()
        path = scene.renderer.file_writer.movie_file_path
    _, frames, _ = read_video(path)
    early, late = frames[2].astype(int), frames[-2].astype(int)
    for x0, x1 in ((0, 128), (128, 256)):  # the left panel and the right one
        assert np.abs(early[:, x0:x1] - late[:, x0:x1]).mean() > 2.0, (x0, x1)


def test_digit_counter_keeps_its_mobjects():
    c = DigitCounter(0)
    slots = list(c.submobjects)
    for v in (7, 154, 1000, 3):
        c.set_value(v)
        assert c.submobjects == slots
        assert sum(len(s.points) > 0 for s in slots) == len(str(v))


@pytest.mark.slow
def test_digit_grid_is_nearest_neighbour():
    from scenes.kit.digits import DigitGrid, load_sample_digits

    digits = load_sample_digits(2).numpy()
    grid = DigitGrid(digits, cols=2, width=4.0)
    s = grid.scale_px
    arr = grid.pixel_array
    assert arr.shape[0] == 28 * s
    block = arr[:s, :s, 0]
    assert (block == block[0, 0]).all()  # each source pixel is a flat s x s block
    expected = (np.clip(digits[0, 0], -1, 1) + 1) * 127.5
    np.testing.assert_allclose(arr[: 28 * s : s, : 28 * s : s, 0], expected, atol=1.0)  # uint8 rounding


@frames_comparison(base_scene=SmallDigitsForward)
def test_digits_forward_still(scene):
    whole_scene(scene)


@frames_comparison(base_scene=SmallDigitsReverse)
def test_digits_reverse_still(scene):
    whole_scene(scene)


@pytest.mark.slow
def test_digits_reverse_trajectory_is_cached(rendered, tiny_mnist_checkpoint):
    """The digit scene samples once per checkpoint, sampler and seed, like the toy scenes."""
    import hashlib

    from diffusion_core import DDPM, Trajectory, trajectory_path

    digest = hashlib.sha256(tiny_mnist_checkpoint.read_bytes()).hexdigest()[:16]
    path = trajectory_path(f"mnist-{digest}", DDPM(clip=1.0), 20, 4, DigitsReverse.seed)
    traj = Trajectory.load(path)  # written by the render of the `rendered` fixture
    assert traj.xs.shape == (21, 4, 1, 28, 28) and traj.meta["sampler"] == "ddpm"


@frames_comparison(base_scene=DigitsTraining)
def test_digits_training_still(scene):
    whole_scene(scene)


def test_digits_training_draws_the_shipped_snapshots(tmp_path):
    """The grid shows each snapshot's own digits; the curve ends at the probe's last FID."""
    from diffusion_core import TrainingSnapshots, snapshots_path

    run = TrainingSnapshots.load(snapshots_path())
    assert run.steps[0] == 0 and run.steps[-1] == 14_000 and run.digits.shape == (9, 16, 28, 28)
    assert run.real_fid < run.probe_fid[-1] < run.probe_fid[0]
    from manim import tempconfig

    with tempconfig({"dry_run": True, "pixel_width": TINY[0], "pixel_height": TINY[1], "frame_rate": FPS}):
        scene = DigitsTraining()
        scene.render()
        grid = next(m for m in scene.mobjects if isinstance(m, DigitGrid))
        assert np.array_equal(grid.pixel_array, DigitGrid(run.digits[-1], cols=4, width=4.5).pixel_array)
    notes = " ".join(n for ns in scene.beat_notes.values() for n in ns)
    assert "14.000" in notes and f"{run.probe_fid[-1]:.2f}".replace(".", ",") in notes


def test_generated_digits_are_large_enough_for_a_half_width_video():
    """The results slide of the course deck shows DigitsGeneration.mp4 in one of two
    columns: 547 px wide at 1280x720 (measured in Chromium, check-deck --shot 24). At
    --quality high (1920 px) each digit must still be at least 40 px tall there."""
    from manim import tempconfig

    from scenes.digits_reverse import GRID

    with tempconfig({"pixel_width": 1920, "pixel_height": 1080}):
        grid = DigitGrid(np.zeros((16, 28, 28), np.uint8), cols=4, width=GRID)
    assert 28 * grid.scale_px * 547 / 1920 >= 40


def test_a_scene_draws_on_the_background_it_is_given(tmp_path):
    """A deck in gaia gets its figures on gaia's cream, trimmed against it; a dark
    background is refused (the palette is for light slides)."""
    path = render_scene(RenderJob.of("schedule", {"background": "#FFF8E1"}, fmt="figure", quality="low",
                                     out_dir=tmp_path, resolution=TINY, fps=FPS, progress=False))
    img = np.asarray(Image.open(path).convert("RGB"))
    assert tuple(img[0, 0]) == tuple(img[-1, -1]) == (255, 248, 225)
    assert img.shape[1] < TINY[0] * 2  # trimmed against the cream, not kept whole
    with pytest.raises(SettingError, match="light"):
        SCENES["schedule"].load().with_settings(background="#222222")
