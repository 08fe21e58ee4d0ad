"""The digit trajectories shipped beside the checkpoint: what they hold, that they are the
model's own (re-sampled here for the first steps), and the fallback when they do not match."""

import shutil

import numpy as np
import pytest
import torch

from diffusion_core import (
    DDIM,
    DDPM,
    FRAMES_FILE,
    DigitFrames,
    load_mnist_checkpoint,
    mnist_checkpoint_path,
    read_digit_frames,
    sample,
)
from diffusion_core.io import file_digest
from diffusion_core.mnist.frames import (
    FIRST_STEPS,
    FRAME_SAMPLERS,
    from_gray,
    kept_steps,
    record_digit_frames,
    signal_steps,
    to_gray,
)

SHIPPED = mnist_checkpoint_path()
FRAMES = SHIPPED.with_name(FRAMES_FILE)


def test_the_shipped_frames_belong_to_the_shipped_checkpoint():
    import zipfile

    with np.load(FRAMES) as data:
        assert str(data["checkpoint_sha256"]) == file_digest(SHIPPED)
        assert int(data["n"]) == 16 and int(data["seed"]) == 0
    assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in zipfile.ZipFile(FRAMES).infolist())
    T = load_mnist_checkpoint(SHIPPED).schedule.T
    for sampler in FRAME_SAMPLERS:
        frames, why = read_digit_frames(FRAMES, SHIPPED, sampler, 16, 0, T)
        assert frames is not None, why
        K = sampler.n_steps(T)
        assert frames.K == K and frames.kept[0] == 0 and np.all(np.diff(frames.kept) > 0)
        assert frames.xs.dtype == np.uint8 and frames.xs.shape == (len(frames.kept), 16, 28, 28)
        assert frames.x0_preds.shape == frames.xs.shape
        assert frames.timesteps[0] == T and frames.timesteps[-1] == 0
        # the frames are the states the scenes draw: the strip's moments are among them
        if isinstance(sampler, DDPM):
            assert set(signal_steps(load_mnist_checkpoint(SHIPPED).schedule.alpha_bar.numpy())) <= set(frames.timesteps.tolist())
        assert np.array_equal(frames.xs[-1], to_gray(frames.samples.numpy()[:, 0]))


def test_the_models_folder_stays_small():
    total = sum(p.stat().st_size for p in SHIPPED.parent.iterdir() if p.is_file())
    assert total < 12e6, f"models/mnist/ holds {total / 1e6:.1f} MB"


@pytest.mark.slow
@pytest.mark.parametrize("sampler", FRAME_SAMPLERS, ids=["ddpm", "ddim50"])
def test_the_shipped_frames_are_the_models_own_first_steps(sampler):
    """Re-sample the first steps from seed 0 with the shipped model: they are the shipped frames."""
    result = load_mnist_checkpoint(SHIPPED)
    T = result.schedule.T
    frames, _ = read_digit_frames(FRAMES, SHIPPED, sampler, 16, 0, T)
    K = sampler.n_steps(T)
    steps = FIRST_STEPS - 1  # states 0..3 are kept

    class FirstSteps(torch.nn.Module):
        """The model for the first ``steps`` evaluations, then zeros: states 0..steps are
        exactly the model's, and the rest of the run costs nothing."""

        def __init__(self, model):
            super().__init__()
            self.model, self.calls = model, 0

        def forward(self, x, t, *args):
            self.calls += 1
            return self.model(x, t, *args) if self.calls <= steps else torch.zeros_like(x)

    traj = sample(FirstSteps(result.model), result.schedule, (16, 1, 28, 28), sampler,
                  generator=torch.Generator().manual_seed(0))
    assert K > steps
    for k in range(steps + 1):
        j = int(np.flatnonzero(frames.kept == k)[0])
        diff = np.abs(to_gray(traj.xs[k].numpy()[:, 0]).astype(int) - frames.xs[j].astype(int))
        # one grey level at most: another CPU's float32 kernels round a few sums the other way (the frames were
        # recorded on another machine; on this AMD EPYC 99.8% of x0-hat's pixels are the same level, the rest one off)
        assert diff.max() <= 1 and (diff == 0).mean() > 0.99, (k, diff.max(), (diff == 0).mean())
        if k < steps:
            pdiff = np.abs(to_gray(traj.x0_preds[k].numpy()[:, 0]).astype(int) - frames.x0_preds[j].astype(int))
            assert pdiff.max() <= 1 and (pdiff == 0).mean() > 0.99, (k, pdiff.max(), (pdiff == 0).mean())
    torch.testing.assert_close(traj.xs[0], frames.x_T)


def test_a_render_reads_the_shipped_frames_and_samples_nothing(monkeypatch):
    import scenes.kit.playback as playback

    def refuse(*_a, **_k):
        raise AssertionError("sampled")

    monkeypatch.setattr(playback, "cached_trajectory", refuse)
    for sampler in FRAME_SAMPLERS:
        frames, result = playback.digit_trajectory("ddpm_mnist.pt", sampler, 16, 0)
        assert isinstance(frames, DigitFrames) and frames.K == sampler.n_steps(result.schedule.T)


def test_missing_or_foreign_frames_fall_back_to_sampling_in_one_line(tmp_path, capsys, tiny_mnist_checkpoint,
                                                                      monkeypatch):
    import scenes.kit.playback as playback

    monkeypatch.setenv("DIFFUSION_CACHE_DIR", str(tmp_path / "cache"))
    ckpt = tmp_path / "tiny.pt"
    shutil.copy(tiny_mnist_checkpoint, ckpt)
    frames, result = playback.digit_trajectory(str(ckpt), DDPM(clip=1.0), 4, 0)  # no file beside it
    err = capsys.readouterr().err
    assert f"no recorded digit frames ({FRAMES_FILE}) beside tiny.pt: sampling 4 digits" in err
    assert frames.K == 20 and frames.kept.tolist() == list(range(21))  # all 20 steps of the tiny model are drawn
    shutil.copy(FRAMES, tmp_path / FRAMES_FILE)  # the shipped model's frames beside another checkpoint
    playback.digit_trajectory(str(ckpt), DDPM(clip=1.0), 4, 1)
    assert "was recorded from another checkpoint than tiny.pt: sampling" in capsys.readouterr().err
    (tmp_path / FRAMES_FILE).write_bytes(b"PK\x03\x04 damaged")  # a damaged file: the note says how to repair it
    playback.digit_trajectory(str(ckpt), DDPM(clip=1.0), 4, 2)
    err = capsys.readouterr().err
    assert "s of one CPU thread here" in err  # an estimate measured here, not a fixed "two minutes"
    assert f"To repair the recorded frames: python cli.py mnist record-frames --checkpoint {ckpt}" in err


def test_recorded_frames_equal_the_sampled_trajectory(tmp_path, tiny_mnist_checkpoint):
    """record_digit_frames keeps what a render that samples would draw."""
    ckpt = tmp_path / "tiny.pt"
    shutil.copy(tiny_mnist_checkpoint, ckpt)
    path = record_digit_frames(ckpt, n=3, seed=5, progress=False)
    result = load_mnist_checkpoint(ckpt)
    for sampler in (DDPM(clip=1.0), DDIM(steps=20, clip=1.0)):
        frames, why = read_digit_frames(path, ckpt, sampler, 3, 5, 20)
        assert frames is not None, why
        traj = sample(result.model, result.schedule, (3, 1, 28, 28), sampler, generator=torch.Generator().manual_seed(5))
        assert np.array_equal(frames.xs, to_gray(traj.xs.numpy()[frames.kept][:, :, 0]))
        torch.testing.assert_close(frames.samples, traj.samples)
    assert read_digit_frames(path, ckpt, DDPM(clip=1.0), 3, 6, 20)[1] == f"{FRAMES_FILE} holds 3 digits of seed 5, not 3 of seed 6"
    path.write_bytes(b"not a zip")
    assert "cannot be read" in read_digit_frames(path, ckpt, DDPM(clip=1.0), 3, 5, 20)[1]


def test_kept_steps_and_grey_levels():
    kept = kept_steps(1000)
    assert kept[0] == 0 and kept[-1] == 1000 and np.all(np.diff(kept) > 0)
    assert set(range(FIRST_STEPS)) <= set(kept.tolist())
    assert kept_steps(50).tolist() == list(range(51))  # a short run is drawn whole
    frames = DigitFrames(kept=kept, timesteps=1000 - kept, xs=np.zeros((len(kept), 1, 28, 28), np.uint8),
                         x0_preds=np.zeros((len(kept), 1, 28, 28), np.uint8), x_T=torch.zeros(1, 1, 28, 28),
                         samples=torch.zeros(1, 1, 28, 28))
    shown = [frames.at(k) for k in range(1001)]
    assert shown[0] == 0 and shown[-1] == len(kept) - 1 and all(b >= a for a, b in zip(shown, shown[1:]))
    assert all(kept[shown[k]] <= k for k in range(1001))  # the last state reached, never a later one
    levels = np.arange(256, dtype=np.uint8)
    assert np.array_equal(to_gray(from_gray(levels)), levels)  # drawing the recorded levels loses nothing
    assert to_gray(np.array([-5.0, -1.0, 1.0, 7.0])).tolist() == [0, 0, 255, 255]
