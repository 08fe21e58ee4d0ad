"""Replaying recorded states: one helper for every scene that plays a trajectory.

Frame by frame, a tracker runs from 0 to K and ``show(k)`` is called once for each new k:
the picture shows recorded state k, never an interpolation between states.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
from manim import Scene, ValueTracker, linear

from diffusion_core import (
    DDIM,
    FRAMES_FILE,
    DigitFrames,
    Guidance,
    Sampler,
    TrainConfig,
    Trajectory,
    cached_trajectory,
    checkpoint_path,
    config_key,
    load_mnist_checkpoint,
    load_or_train,
    mnist_models_dir,
    read_digit_frames,
    step_seconds,
)
from diffusion_core.mnist import MnistResult
from diffusion_core.mnist.frames import kept_steps
from scenes.kit.cloud import CloudImage
from scenes.kit.widgets import TimeBar, Trails

__all__ = ["play_frames", "play_states", "toy_trajectory", "digit_trajectory", "digit_checkpoint"]


def play_frames(scene: Scene, K: int, show, movers, run_time: float, rate_func=None) -> None:
    """Play frames k = 0..K: ``show(k)`` updates ``movers`` (the mobjects that change)
    to recorded state k.

    Only the movers are drawn anew each frame (a mover's ``moving_parts()``, where it
    has one, names the parts of it that change: the time bar's fill and number, not its
    outline); everything else is drawn once, into the still background, and the movers
    over it. A mobject that changes during the play without being listed would be shown
    frozen: that is an error (``FrozenMover``), found when the play ends."""
    tracker = ValueTracker(0)
    shown = {"k": None}

    def update(_mob):
        k = int(round(tracker.get_value()))
        if k != shown["k"]:
            shown["k"] = k
            show(k)

    parts = [p for m in movers if m is not None for p in (m.moving_parts() if hasattr(m, "moving_parts") else [m])]
    if hasattr(scene, "drawing_only"):  # a LectureScene: only the parts that move are redrawn
        anchor = parts[0]
        anchor.add_updater(update)
        with scene.drawing_only(parts):
            scene.play(tracker.animate.set_value(K), run_time=run_time, rate_func=rate_func or linear)
        anchor.remove_updater(update)
        update(anchor)
        return
    # Manim redraws every mobject from the first one that has an updater on; those
    # before it are drawn once, as the static background. So: put the moving ones on
    # top (the title, formulas and labels stay behind, drawn once), and hang the updater
    # on the lowest of them, or whatever lies beneath it would be frozen in its first state.
    moving = {id(m) for m in movers if m is not None}
    tops = [m for m in scene.mobjects if any(id(f) in moving for f in m.get_family())]
    scene.bring_to_front(*tops)
    anchor = tops[0] if tops else movers[0]
    anchor.add_updater(update)
    scene.play(tracker.animate.set_value(K), run_time=run_time, rate_func=rate_func or linear)
    anchor.remove_updater(update)
    update(anchor)


def play_states(scene: Scene, cloud: CloudImage, states: np.ndarray, times, bar: TimeBar,
                trails: Trails | None = None, run_time: float = 8.0, rate_func=None,
                ghost: CloudImage | None = None, ghost_states: np.ndarray | None = None) -> None:
    """Play recorded states in order: frame by frame, the cloud shows states[k], the
    bar shows times[k], trails grow to k. Nothing is interpolated between states."""

    def show(k: int) -> None:
        cloud.set_xy(states[k])
        bar.set_t(int(times[k]))
        if trails is not None:
            trails.show_until(k)
        if ghost is not None and ghost_states is not None:
            ghost.set_xy(ghost_states[min(k, len(ghost_states) - 1)])

    play_frames(scene, len(states) - 1, show, [cloud, bar, trails, ghost], run_time, rate_func)


def toy_trajectory(train: TrainConfig, sampler: Sampler, n: int, seed: int, guidance: Guidance | None = None) -> Trajectory:
    """The toy model's reverse trajectory (guided toward a class with ``guidance``),
    sampled once and kept in the trajectory cache."""

    def load():
        result = load_or_train(train)
        return result.model, result.schedule

    return cached_trajectory(config_key(train), load, (n, 2), sampler, train.schedule.T, seed, guidance=guidance,
                             model_file=checkpoint_path(train))


def capped(sampler: Sampler, T: int) -> Sampler:
    """The sampler with DDIM's steps capped at T (a small test model has T = 20)."""
    return replace(sampler, steps=min(sampler.steps, T)) if isinstance(sampler, DDIM) else sampler


def digit_checkpoint(checkpoint: str) -> Path:
    """A checkpoint named as the digit scenes name it: a file in models/mnist/, or an absolute path."""
    path = Path(checkpoint)
    return path if path.is_absolute() else mnist_models_dir() / path


def digit_trajectory(checkpoint: str, sampler: Sampler, n: int, seed: int) -> tuple[DigitFrames, MnistResult]:
    """The MNIST UNet's trajectory of n digits from ``seed``, as the frames the digit
    scenes draw (``DigitFrames``): read from the frames recorded beside the checkpoint
    (models/mnist/digit_frames.npz) when they were recorded from this checkpoint, this
    sampler, n and seed; else sampled once (saying why in one line) and kept in the
    trajectory cache. ``checkpoint`` is a file in models/mnist/ or an absolute path;
    DDIM's steps are capped at its T (a small test model has T = 20)."""
    path = digit_checkpoint(checkpoint)
    result = load_mnist_checkpoint(path)  # a clear error when missing or corrupt
    T = result.schedule.T
    sampler = capped(sampler, T)
    frames, why = read_digit_frames(path.with_name(FRAMES_FILE), path, sampler, n, seed, T)
    if frames is not None:
        return frames, result
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    x = torch.randn((n, 1, 28, 28), generator=torch.Generator().manual_seed(seed))
    estimate = step_seconds(result.model, result.schedule, x, sampler, n_steps=1, repeats=2) * sampler.n_steps(T)
    repair = (f"python cli.py mnist record-frames --checkpoint {path}" if path.parent != mnist_models_dir()
              else f"python cli.py mnist record-frames (or git checkout {path.with_name(FRAMES_FILE)})")
    note = (f"{why}: sampling {n} digits with {sampler.name.upper()} ({sampler.n_steps(T)} UNet steps) once, about "
            f"{estimate:.0f} s of one CPU thread here; the trajectory is cached for later renders. To repair the "
            f"recorded frames: {repair}")
    traj = cached_trajectory(f"mnist-{digest}", lambda: (result.model, result.schedule), (n, 1, 28, 28), sampler, T,
                             seed, note=note)
    kept = kept_steps(len(traj.xs) - 1, result.schedule.alpha_bar.numpy(), traj.timesteps.numpy())
    return DigitFrames.from_trajectory(traj, kept), result
